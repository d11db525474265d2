package reports

import (
	"context"
	"strconv"

	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/sharedlives"
)

// SharedLives is what shared-lives hosts offered and how much of it was
// used. The host counts are as things stand today (the schema keeps no
// history of a host's status or calendar confirmations), whatever the
// period, by the same rules as the coordinator's pages.
type SharedLives struct {
	// OfferedNights is host-nights offered: for each host approved today,
	// each night of the period in their availability calendar times the
	// guests they take at once.
	OfferedNights int64
	// UsedNights is host-nights used: the nights of the period of confirmed
	// stays with any host, one for each guest.
	UsedNights int64
	// ApprovedHosts is the hosts approved today.
	ApprovedHosts int64
	// StaleCalendars is the approved hosts whose calendar was never
	// confirmed, or last confirmed more than sharedlives.StaleAfter ago.
	StaleCalendars int64
	// ReviewsOverdue is the approved hosts whose approval review date has
	// passed (or who have none), so searches leave them out.
	ReviewsOverdue int64
}

// Header names SharedLives' columns: it is one measure a row.
func (SharedLives) Header() []string { return []string{"Measure", "Value"} }

// Rows writes each measure in turn.
func (s SharedLives) Rows() [][]string {
	return [][]string{
		{"Host-nights offered", itoa(s.OfferedNights)},
		{"Host-nights used", itoa(s.UsedNights)},
		{"Host-nights used %", percent(s.UsedNights, s.OfferedNights)},
		{"Approved hosts", itoa(s.ApprovedHosts)},
		{"Stale calendars (not confirmed for " + strconv.Itoa(int(sharedlives.StaleAfter.Hours()/24)) + " days)", itoa(s.StaleCalendars)},
		{"Reviews overdue", itoa(s.ReviewsOverdue)},
	}
}

// SharedLives works out the shared-lives figures for p, with the host
// counts as of the service's clock. It returns an Invalid error naming from
// or to when p is not a valid period.
func (s *Service) SharedLives(ctx context.Context, p Period) (SharedLives, error) {
	if err := p.Validate(); err != nil {
		return SharedLives{}, err
	}
	now := s.now()
	out, err := hostCounts(ctx, s.db, calendar.Today(s.now), now.Add(-sharedlives.StaleAfter))
	if err != nil {
		return SharedLives{}, err
	}
	if out.OfferedNights, err = hostNightsOffered(ctx, s.db, p); err != nil {
		return SharedLives{}, err
	}
	if out.UsedNights, err = hostNightsUsed(ctx, s.db, p); err != nil {
		return SharedLives{}, err
	}
	return out, nil
}
