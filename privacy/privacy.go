// Package privacy keeps the data-protection rules for carers' and
// cared-for people's records: subject access (everything held about a
// carer, as one document), erasure on request, and the retention periods
// the daily data-retention job applies. Like sharedlives, it reads other
// packages' tables by name, since its job is to cover every one of them.
package privacy

import (
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
)

// Errors the service returns.
var (
	// ErrNotAllowed: only administrators (and the command line, run on the
	// server) may export or erase what is held about a carer.
	ErrNotAllowed = apperr.New(apperr.Forbidden, "Only administrators can export or erase what is held about a carer.")
	// ErrCarerNotFound: no carer has that id.
	ErrCarerNotFound = apperr.New(apperr.NotFound, "There is no carer with that id.")
	// ErrStayNotOver: a carer cannot be erased while a stay of theirs is
	// upcoming or under way; the message names the stay.
	ErrStayNotOver = apperr.New(apperr.Conflict, "This carer has a stay that is upcoming or under way; cancel it or wait until it ends.")
)

// Period is a length of time in the calendar's terms: so many years,
// months and days. Six years is six anniversaries, whatever the leap days.
type Period struct {
	Years, Months, Days int
}

// Before returns the instant p before t.
func (p Period) Before(t time.Time) time.Time { return t.AddDate(-p.Years, -p.Months, -p.Days) }

// String writes p as people do: "6 years", "90 days", "1 year 6 months".
func (p Period) String() string {
	var parts []string
	for _, u := range []struct {
		n          int
		one, other string
	}{{p.Years, "year", "years"}, {p.Months, "month", "months"}, {p.Days, "day", "days"}} {
		switch {
		case u.n == 1:
			parts = append(parts, "1 "+u.one)
		case u.n != 0:
			parts = append(parts, fmt.Sprintf("%d %s", u.n, u.other))
		}
	}
	if len(parts) == 0 {
		return "0 days"
	}
	return strings.Join(parts, " ")
}

// Default retention periods (see Options).
var (
	DefaultInactive = Period{Years: 6}
	DefaultMessages = Period{Days: 90}
	// UnmetLinkedFor is how long an unmet search keeps whose it was; after
	// it only the aggregate (dates, area, needs, requirements, age group,
	// kind) stays, which is all the unmet-demand report reads.
	UnmetLinkedFor = Period{Years: 1}
)

// Options are the retention periods.
type Options struct {
	// Inactive (RESPITE_RETAIN_INACTIVE): carers, and their people, with
	// no stay and no contact for this long are anonymised. Zero is
	// DefaultInactive.
	Inactive Period
	// Messages (RESPITE_RETAIN_MESSAGES): texts' bodies are blanked this
	// long after they were queued. Zero is DefaultMessages.
	Messages Period
}

// Service answers subject-access requests, erases and applies retention.
type Service struct {
	db   *bun.DB
	now  calendar.Clock
	opts Options
}

// NewService returns the service on db with the default retention
// periods; a nil clock is the system clock.
func NewService(db *bun.DB, clock calendar.Clock) *Service {
	return NewServiceWith(db, clock, Options{})
}

// NewServiceWith returns the service on db with opts.
func NewServiceWith(db *bun.DB, clock calendar.Clock, opts Options) *Service {
	if clock == nil {
		clock = calendar.SystemClock
	}
	if opts.Inactive == (Period{}) {
		opts.Inactive = DefaultInactive
	}
	if opts.Messages == (Period{}) {
		opts.Messages = DefaultMessages
	}
	return &Service{db: db, now: clock, opts: opts}
}

// Options returns the retention periods in force.
func (s *Service) Options() Options { return s.opts }

// mayAct reports whether actor may export or erase: an administrator, or
// whoever runs the respite command on the server.
func mayAct(actor accounts.Principal) bool {
	return actor.IsStaff(accounts.RoleAdmin) || actor.Kind == accounts.SubjectOperator
}
