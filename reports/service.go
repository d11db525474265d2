package reports

import (
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/respite-uk/respite/calendar"
)

// Service works out the commissioners' figures from the database. It reads
// only, and knows nothing of HTTP: the API, pages and command line render
// what it returns.
type Service struct {
	db  *bun.DB
	now calendar.Clock
}

// NewService returns a Service reading db. The clock is for figures that
// depend on today (stale calendars, overdue reviews); nil means the system
// clock.
func NewService(db *bun.DB, now calendar.Clock) *Service {
	if now == nil {
		now = calendar.SystemClock
	}
	return &Service{db: db, now: now}
}

// monthExpr is SQL for the YYYY-MM month of a DATE column: PostgreSQL keeps
// dates as dates, SQLite as YYYY-MM-DD text.
func monthExpr(db bun.IDB, col string) string {
	if db.Dialect().Name() == dialect.PG {
		return "to_char(" + col + ", 'YYYY-MM')"
	}
	return "substr(" + col + ", 1, 7)"
}
