// Package migrations owns Respite's schema and how a database is opened.
//
// Each dialect has its own folder of SQL files with matching names, embedded
// in the binary and applied with bun/migrate. A migration that has been
// applied anywhere is never edited: add a new one instead.
package migrations

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/sqliteshim"
	"github.com/uptrace/bun/migrate"
)

//go:embed postgres/*.sql sqlite/*.sql
var sqlFiles embed.FS

// ForDialect returns the migrations written for the dialect name
// ("pg" or "sqlite").
func ForDialect(name dialect.Name) *migrate.Migrations {
	dir := "sqlite"
	if name == dialect.PG {
		dir = "postgres"
	}
	sub, err := fs.Sub(sqlFiles, dir)
	if err != nil {
		panic(err) // the folders are embedded: this cannot fail at run time
	}
	m := migrate.NewMigrations()
	if err := m.Discover(sub); err != nil {
		panic(fmt.Sprintf("migrations: reading embedded %s migrations: %v", dir, err))
	}
	return m
}

// Fingerprint returns a short hash of the dialect's migration files, which
// changes whenever a migration is added (or, wrongly, edited).
func Fingerprint(name dialect.Name) string {
	dir := "sqlite"
	if name == dialect.PG {
		dir = "postgres"
	}
	h := sha256.New()
	_ = fs.WalkDir(sqlFiles, dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := sqlFiles.ReadFile(path)
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// withExecMode sets pgx's query mode to "exec" unless dsn chooses one.
// bun writes each query's arguments into its SQL text, so almost every
// query is new text: pgx's default mode would prepare each one, a round
// trip of its own, and keep it in a cache it seldom hits. "exec" sends
// each query in one round trip. docs/benchmarks.md has what that saves.
func withExecMode(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Query().Has("default_query_exec_mode") {
		return dsn // pgx reports a bad URL itself
	}
	q := u.Query()
	q.Set("default_query_exec_mode", "exec")
	u.RawQuery = q.Encode()
	return u.String()
}

// Open connects to the database named by dsn: a postgres:// URL selects
// PostgreSQL; anything else is a SQLite file ("file:respite.db", a plain
// path, or ":memory:"). It does not migrate; call Migrate for that.
func Open(dsn string) (*bun.DB, error) {
	if IsPostgres(dsn) {
		sqldb, err := sql.Open("pgx", withExecMode(dsn))
		if err != nil {
			return nil, fmt.Errorf("opening PostgreSQL: %w", err)
		}
		// Several instances share one server: keep each pool modest.
		sqldb.SetMaxOpenConns(max(10, 4*runtime.GOMAXPROCS(0)))
		sqldb.SetMaxIdleConns(10)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		return bun.NewDB(sqldb, pgdialect.New()), nil
	}

	sqliteDSN, memory, err := sqliteDSN(dsn)
	if err != nil {
		return nil, err
	}
	sqldb, err := sql.Open(sqliteshim.ShimName, sqliteDSN)
	if err != nil {
		return nil, fmt.Errorf("opening SQLite: %w", err)
	}
	if memory {
		// Each connection to :memory: is its own empty database.
		sqldb.SetMaxOpenConns(1)
	} else {
		sqldb.SetMaxOpenConns(max(4, 2*runtime.GOMAXPROCS(0)))
		sqldb.SetMaxIdleConns(max(4, 2*runtime.GOMAXPROCS(0)))
	}
	return bun.NewDB(sqldb, sqlitedialect.New()), nil
}

// sqlitePragmas are set on every pooled connection through the DSN:
// foreign keys on; WAL so readers never wait for the writer; a busy timeout
// so writers queue instead of failing; and BEGIN IMMEDIATE so a transaction
// takes the write lock at its start rather than failing to upgrade later.
// Sorting and grouping (the reports' GROUP BY) work in memory rather than
// in temporary files, and the first 256 MB of the file are read through
// memory mapping: pages shared by every connection through the operating
// system's cache, where each connection's own page cache is only 2 MB.
var sqlitePragmas = []string{
	"_pragma=temp_store(MEMORY)",
	"_pragma=mmap_size(268435456)",
	"_pragma=foreign_keys(1)",
	"_pragma=journal_mode(WAL)",
	"_pragma=busy_timeout(10000)",
	"_pragma=synchronous(NORMAL)",
	"_txlock=immediate",
}

func sqliteDSN(dsn string) (string, bool, error) {
	memory := dsn == ":memory:" || strings.HasPrefix(dsn, "file::memory:")
	if dsn == ":memory:" {
		dsn = "file::memory:"
	}
	if !strings.HasPrefix(dsn, "file:") {
		dsn = "file:" + dsn
	}
	if _, err := url.Parse(dsn); err != nil {
		return "", false, fmt.Errorf("DATABASE_URL %q is not a valid SQLite file name or URL: %w", dsn, err)
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + strings.Join(sqlitePragmas, "&"), memory, nil
}

// lockWait is how long Migrate waits for another instance's migration to
// finish before giving up.
const lockWait = 2 * time.Minute

// Migrate applies every migration not yet applied, under bun/migrate's lock so
// that instances starting together take turns. It returns the names applied.
func Migrate(ctx context.Context, db *bun.DB) ([]string, error) {
	if db.Dialect().Name() == dialect.PG {
		// bun/migrate creates its own tables with CREATE TABLE IF NOT
		// EXISTS, which PostgreSQL does not make safe for two sessions at
		// once. An advisory lock makes instances take turns from the start.
		unlock, err := advisoryLock(ctx, db)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	m := migrate.NewMigrator(db, ForDialect(db.Dialect().Name()))
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("preparing the migrations tables: %w", err)
	}
	if err := lock(ctx, m); err != nil {
		return nil, err
	}
	defer func() { _ = m.Unlock(context.WithoutCancel(ctx)) }()

	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrating: %w", err)
	}
	var names []string
	for _, mig := range group.Migrations {
		names = append(names, mig.Name+"_"+mig.Comment)
	}
	return names, nil
}

// migrationLockKey is the PostgreSQL advisory lock migrations take; any
// constant the rest of the schema does not use.
const migrationLockKey = 7243_0001

// advisoryLock waits for PostgreSQL's session-level advisory lock on a
// connection of its own, and returns the function that releases it.
func advisoryLock(ctx context.Context, db *bun.DB) (func(), error) {
	conn, err := db.DB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connecting to take the migration lock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("taking the migration lock: %w", err)
	}
	return func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
		_ = conn.Close()
	}, nil
}

// lock takes the migration lock, waiting while another instance holds it.
func lock(ctx context.Context, m *migrate.Migrator) error {
	deadline := time.Now().Add(lockWait)
	for {
		err := m.Lock(ctx)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("another process has held the migration lock for over %s "+
				"(if it died, delete the row in bun_migration_locks): %w", lockWait, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// Pending returns the names of migrations not yet applied.
func Pending(ctx context.Context, db *bun.DB) ([]string, error) {
	m := migrate.NewMigrator(db, ForDialect(db.Dialect().Name()))
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("reading the migrations tables: %w", err)
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading migration status: %w", err)
	}
	var names []string
	for _, mig := range ms.Unapplied() {
		names = append(names, mig.Name+"_"+mig.Comment)
	}
	return names, nil
}

// IsNoRows reports whether err means a query found no row.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
