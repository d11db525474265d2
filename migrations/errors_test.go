package migrations_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/respite-uk/respite/migrations"
	"github.com/respite-uk/respite/migrations/dbtest"
)

// TestIsUnavailable feeds IsUnavailable real errors from real databases:
// a database that is not there, a connection the server ends, SQLite busy
// past its timeout, and ordinary query errors that must stay faults.
func TestIsUnavailable(t *testing.T) {
	ctx := context.Background()

	t.Run("PostgreSQL not listening", func(t *testing.T) {
		db, err := migrations.Open(fmt.Sprintf("postgres://postgres@127.0.0.1:%d/respite?sslmode=disable&connect_timeout=2", closedPort(t)))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		err = db.PingContext(ctx)
		t.Logf("error: %v", err)
		if err == nil || !migrations.IsUnavailable(err) {
			t.Errorf("IsUnavailable(%v) = false, want true", err)
		}
	})

	t.Run("PostgreSQL ends the connection", func(t *testing.T) {
		db := dbtest.Postgres(t)
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		// What a fast shutdown does to every backend (57P01), done to
		// our own connection only.
		_, err = conn.ExecContext(ctx, "SELECT pg_terminate_backend(pg_backend_pid())")
		t.Logf("error: %v", err)
		if err == nil || !migrations.IsUnavailable(err) {
			t.Errorf("terminated: IsUnavailable(%v) = false, want true", err)
		}
		_, err = conn.ExecContext(ctx, "SELECT 1")
		t.Logf("error: %v", err)
		if err == nil || !migrations.IsUnavailable(err) {
			t.Errorf("using the dead connection: IsUnavailable(%v) = false, want true", err)
		}
	})

	t.Run("PostgreSQL too slow for the deadline", func(t *testing.T) {
		db := dbtest.Postgres(t)
		tctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		_, err := db.ExecContext(tctx, "SELECT pg_sleep(2)")
		t.Logf("error: %v", err)
		if err == nil || !migrations.IsUnavailable(err) {
			t.Errorf("IsUnavailable(%v) = false, want true", err)
		}
	})

	t.Run("SQLite busy past its timeout", func(t *testing.T) {
		dsn := "file:" + filepath.Join(t.TempDir(), "busy.db") + "?_pragma=busy_timeout(50)&_pragma=journal_mode(WAL)"
		open := func() *sql.DB {
			db, err := sql.Open(sqliteshim.ShimName, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			return db
		}
		holder, waiter := open(), open()
		if _, err := holder.ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err != nil {
			t.Fatal(err)
		}
		tx, err := holder.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, "INSERT INTO t VALUES (1)"); err != nil {
			t.Fatal(err)
		}
		_, err = waiter.ExecContext(ctx, "INSERT INTO t VALUES (2)")
		t.Logf("error: %v", err)
		if err == nil || !migrations.IsUnavailable(err) {
			t.Errorf("IsUnavailable(%v) = false, want true", err)
		}
	})

}

// TestIsUnavailable_QueryErrors: a bad query, a missing row and a broken
// constraint are answers from a working database, so they stay faults or
// domain errors, never a 503 that would hide a bug behind "try again".
func TestIsUnavailable_QueryErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		var n int
		tests := []struct {
			name string
			err  error
		}{
			{"nil", nil},
			{"syntax error", func() error { _, err := db.ExecContext(ctx, "SELEC 1"); return err }()},
			{"no such table", func() error { _, err := db.ExecContext(ctx, "SELECT * FROM no_such_table"); return err }()},
			{"no rows", db.QueryRowContext(ctx, "SELECT 1 WHERE 1 = 0").Scan(&n)},
			{"a plain error", errors.New("something else")},
		}
		for _, tt := range tests {
			if migrations.IsUnavailable(tt.err) {
				t.Errorf("%s: IsUnavailable(%v) = true, want false", tt.name, tt.err)
			}
		}
	})
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return port
}

// TestIsClash makes PostgreSQL break a real deadlock (two transactions
// locking two rows in opposite orders) and checks the error it gives the
// loser is a clash, not a fault and not an outage.
func TestIsClash(t *testing.T) {
	db := dbtest.Postgres(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS clash_test_rows (id INT PRIMARY KEY); INSERT INTO clash_test_rows VALUES (1), (2) ON CONFLICT DO NOTHING"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.ExecContext(ctx, "DROP TABLE clash_test_rows") })

	lockBoth := func(first, second int, ready, proceed chan struct{}) error {
		return db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "SELECT id FROM clash_test_rows WHERE id = ? FOR UPDATE", first); err != nil {
				return err
			}
			close(ready)
			<-proceed
			_, err := tx.ExecContext(ctx, "SELECT id FROM clash_test_rows WHERE id = ? FOR UPDATE", second)
			return err
		})
	}
	readyA, readyB, both := make(chan struct{}), make(chan struct{}), make(chan struct{})
	errs := make(chan error, 2)
	go func() { errs <- lockBoth(1, 2, readyA, both) }()
	go func() { errs <- lockBoth(2, 1, readyB, both) }()
	<-readyA
	<-readyB
	close(both)
	var clashes int
	for range 2 {
		err := <-errs
		switch {
		case err == nil:
		case migrations.IsClash(err) && !migrations.IsUnavailable(err):
			clashes++
			t.Logf("the loser's error: %v", err)
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if clashes != 1 {
		t.Errorf("%d transactions were undone as a clash, want 1", clashes)
	}
	if migrations.IsClash(errors.New("not a database error")) {
		t.Error("IsClash(a plain error) = true")
	}
}
