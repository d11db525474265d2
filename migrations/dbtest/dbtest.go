// Package dbtest gives tests real, migrated databases: a SQLite file always,
// and PostgreSQL and Redis whenever DATABASE_URL and REDIS_URL name test
// servers. Each test gets its own database (or Redis key prefix), so tests may
// run in parallel and leave nothing behind.
//
// When RESPITE_TEST_REQUIRE_SERVICES=1 (as .ci/run sets it), a test that would
// otherwise skip for want of PostgreSQL or Redis fails instead, so CI can
// never pass by quietly testing less.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/respite-uk/respite/migrations"
)

// SQLite returns a migrated database in a fresh file under t.TempDir().
func SQLite(t testing.TB) *bun.DB {
	t.Helper()
	db, err := migrations.Open("file:" + filepath.Join(t.TempDir(), "respite.db"))
	if err != nil {
		t.Fatalf("opening SQLite: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := migrations.Migrate(context.Background(), db); err != nil {
		t.Fatalf("migrating SQLite: %v", err)
	}
	return db
}

// PostgresURL returns the test server's URL from DATABASE_URL, skipping the
// test (or failing it, when services are required) if there is none.
func PostgresURL(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("DATABASE_URL")
	if !migrations.IsPostgres(dsn) {
		missing(t, "PostgreSQL", "DATABASE_URL")
	}
	return dsn
}

// Postgres returns a migrated database of its own on the test server named
// by DATABASE_URL, dropped when the test ends.
func Postgres(t testing.TB) *bun.DB {
	t.Helper()
	db, _ := PostgresWithURL(t)
	return db
}

// PostgresWithURL is Postgres, also returning the new database's URL for tests
// that start the whole service against it.
func PostgresWithURL(t testing.TB) (*bun.DB, string) {
	t.Helper()
	adminURL := PostgresURL(t)
	tpl, err := template(adminURL)
	if err != nil {
		t.Fatalf("preparing the PostgreSQL template database: %v", err)
	}
	name := "respite_test_" + randomHex(6)
	ctx := context.Background()
	if err := createFromTemplate(ctx, adminURL, name, tpl); err != nil {
		t.Fatalf("creating test database: %v", err)
	}
	dsn := withDatabase(adminURL, name)
	db, err := migrations.Open(dsn)
	if err != nil {
		t.Fatalf("opening test database: %v", err)
	}
	t.Cleanup(func() {
		_ = db.Close()
		if err := adminExec(context.Background(), adminURL, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("dropping test database %s: %v", name, err)
		}
	})
	return db, dsn
}

// EmptyPostgresURL creates an empty database of its own (not migrated) on
// the test server, for restoring a dump into, and returns its URL; it is
// dropped when the test ends.
func EmptyPostgresURL(t testing.TB) string {
	t.Helper()
	adminURL := PostgresURL(t)
	name := "respite_test_" + randomHex(6)
	if err := adminExec(context.Background(), adminURL, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating an empty test database: %v", err)
	}
	t.Cleanup(func() {
		if err := adminExec(context.Background(), adminURL, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("dropping test database %s: %v", name, err)
		}
	})
	return withDatabase(adminURL, name)
}

// Each runs fn as a subtest on SQLite and on PostgreSQL (when configured).
func Each(t *testing.T, fn func(t *testing.T, db *bun.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// IsPostgres reports whether db is a PostgreSQL database.
func IsPostgres(db bun.IDB) bool { return db.Dialect().Name() == dialect.PG }

// RedisURL returns REDIS_URL, skipping the test (or failing it, when services
// are required) if it is not set.
func RedisURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("REDIS_URL")
	if u == "" {
		missing(t, "Redis", "REDIS_URL")
	}
	return u
}

// Redis returns a client for the test server named by REDIS_URL and a key
// prefix of the test's own; keys under it are deleted when the test ends.
func Redis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	opts, err := redis.ParseURL(RedisURL(t))
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opts)
	prefix := "respite-test:" + randomHex(6) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		_ = rdb.Close()
	})
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("Redis at REDIS_URL does not answer: %v", err)
	}
	return rdb, prefix
}

func missing(t testing.TB, what, variable string) {
	t.Helper()
	if os.Getenv("RESPITE_TEST_REQUIRE_SERVICES") == "1" {
		t.Fatalf("%s is required (RESPITE_TEST_REQUIRE_SERVICES=1) but %s does not name a test server", what, variable)
	}
	t.Skipf("%s not configured: set %s to run this test", what, variable)
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// template returns the name of a migrated template database, creating it the
// first time. Its name carries a hash of the migrations, so a new migration
// gets a new template, and an advisory lock stops test binaries running in
// parallel from creating it twice.
func template(adminURL string) (string, error) {
	templateOnce.Do(func() {
		templateName, templateErr = ensureTemplate(context.Background(), adminURL)
	})
	return templateName, templateErr
}

func ensureTemplate(ctx context.Context, adminURL string) (string, error) {
	name := "respite_tpl_" + migrations.Fingerprint(dialect.PG)
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("connecting to %s: %w", redact(adminURL), err)
	}
	defer conn.Close()
	const lockKey = 72430019 // any constant shared by every test binary
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return "", err
	}
	defer func() { _, _ = conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", lockKey) }()

	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	// Build under a temporary name and rename at the end, so a run that dies
	// half-way never leaves a half-migrated template behind.
	building := name + "_building"
	if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	db, err := migrations.Open(withDatabase(adminURL, building))
	if err != nil {
		return "", err
	}
	_, err = migrations.Migrate(ctx, db)
	_ = db.Close()
	if err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		return "", err
	}
	return name, nil
}

func createFromTemplate(ctx context.Context, adminURL, name, tpl string) error {
	var err error
	for range 20 {
		err = adminExec(ctx, adminURL, "CREATE DATABASE "+name+" TEMPLATE "+tpl)
		var pgErr *pgconn.PgError
		// 55006: the template is briefly in use by another CREATE DATABASE.
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "55006" {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

var (
	adminMu   sync.Mutex
	adminPool *sql.DB
)

func adminExec(ctx context.Context, adminURL, query string) error {
	adminMu.Lock()
	if adminPool == nil {
		p, err := sql.Open("pgx", adminURL)
		if err != nil {
			adminMu.Unlock()
			return err
		}
		p.SetMaxOpenConns(4)
		adminPool = p
	}
	pool := adminPool
	adminMu.Unlock()
	_, err := pool.ExecContext(ctx, query)
	return err
}

func withDatabase(dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	u.Path = "/" + name
	return u.String()
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "the database"
	}
	return u.Redacted()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}
