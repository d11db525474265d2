package migrations

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Constraint says which kind of database constraint an error broke.
type Constraint int

// The constraints stores translate into domain errors.
const (
	NoConstraint Constraint = iota
	Unique                  // a unique key or primary key already holds the value
	ForeignKey              // a referenced row does not exist
	Check                   // a CHECK constraint failed
)

// ViolatedConstraint reports which constraint err broke, on either database,
// by its error code, never its message text.
func ViolatedConstraint(err error) Constraint {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return Unique
		case "23503":
			return ForeignKey
		case "23514":
			return Check
		}
		return NoConstraint
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		switch sqliteErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return Unique
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return ForeignKey
		case sqlite3.SQLITE_CONSTRAINT_CHECK:
			return Check
		}
	}
	return NoConstraint
}

// ConstraintName returns the name of the PostgreSQL constraint err broke, or
// "" (SQLite does not report names in a structured way).
func ConstraintName(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.ConstraintName
	}
	return ""
}

// IsClash reports whether err is PostgreSQL undoing a transaction because
// another one touched the same rows at the same moment: a deadlock it broke
// (40P01), or a serialization failure (40001). Nothing of the transaction
// was kept, and the same request may well pass if sent again.
func IsClash(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// IsUnavailable reports whether err says the database could not be reached
// or stopped serving, rather than that anything was wrong with the request:
// a connection refused, lost or timed out; the server shutting down or
// starting up; every connection slot taken; SQLite still busy after its
// busy timeout. The web layer answers these 503 with Retry-After, because
// the same request is likely to work once the database is back; anything
// else stays a fault (500) that must be looked into.
//
// It looks at error types and codes only, never message text.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"): // class 08: connection exception
			return true
		case pgErr.Code == "57P01", // admin_shutdown: the server is stopping
			pgErr.Code == "57P02", // crash_shutdown
			pgErr.Code == "57P03", // cannot_connect_now: still starting up
			pgErr.Code == "53300": // too_many_connections
			return true
		}
		// Any other server error is an answer about the query itself.
		return false
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		// The busy timeout (migrations.Open sets it) ran out while another
		// writer held the lock: busy, not broken. The low byte is the
		// primary result code, whatever the extended one.
		return sqliteErr.Code()&0xff == sqlite3.SQLITE_BUSY
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connectErr), // could not connect at all
		errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, driver.ErrBadConn), // database/sql gave up on its pooled connections
		errors.Is(err, sql.ErrConnDone),
		errors.As(err, &netErr),                                     // refused, reset, or a socket timeout
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), // the server hung up mid-answer
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		// A deadline ran out waiting for the database (a ping with a
		// timeout, a request with a deadline): it did not answer in time.
		errors.Is(err, context.DeadlineExceeded):
		return true
	}
	return false
}
