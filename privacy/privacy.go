// Package privacy keeps the data-protection rules for carers' and
// cared-for people's records: subject access (everything held about a
// carer, as one document), erasure on request, and the retention periods
// the daily data-retention job applies. Like sharedlives, it reads other
// packages' tables by name, since its job is to cover every one of them.
package privacy

import (
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/calendar"
)

// Service answers subject-access requests, erases and applies retention.
type Service struct {
	db  *bun.DB
	now calendar.Clock
}

// NewService returns the service on db; a nil clock is the system clock.
func NewService(db *bun.DB, clock calendar.Clock) *Service {
	if clock == nil {
		clock = calendar.SystemClock
	}
	return &Service{db: db, now: clock}
}
