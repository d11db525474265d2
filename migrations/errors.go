package migrations

import (
	"errors"

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
