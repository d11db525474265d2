package reports

import (
	"context"
	"time"

	"github.com/respite-uk/respite/calendar"
)

// Lateness says how long before a stay's arrival its nights were given up,
// measured from the cancellation to the start (midnight, London time) of
// the arrival date.
type Lateness string

// The lateness buckets, earliest first.
const (
	// LatenessWeekOrMore is cancelled 7 days (168 hours) or more before.
	LatenessWeekOrMore Lateness = "7 days or more before"
	// LatenessDays is cancelled from 48 hours to under 7 days before.
	LatenessDays Lateness = "2 to 7 days before"
	// LatenessHours is cancelled under 48 hours before.
	LatenessHours Lateness = "under 48 hours before"
	// LatenessAfterArrival is cancelled on or after the arrival date began,
	// or the stay ended early (the nights after its new end were freed).
	LatenessAfterArrival Lateness = "after arrival or ended early"
)

// Latenesses lists the buckets in the order reports show them.
var Latenesses = []Lateness{LatenessWeekOrMore, LatenessDays, LatenessHours, LatenessAfterArrival}

// Cancellations is the share of booked nights in a period that were
// cancelled, and how late. A night counts where its date falls, so a stay
// across the period's edge counts only its nights inside.
type Cancellations struct {
	// BookedNights is every night of the period that was ever booked: the
	// nights of confirmed stays, the nights of cancelled stays, and the
	// nights freed by ending stays early. A stay moved to another place is
	// neither cancelled nor ended early.
	BookedNights int64
	// Buckets has one line per Lateness, in Latenesses' order.
	Buckets []CancellationLine
	Total   CancellationLine // Lateness left empty
}

// CancellationLine is the cancellations of one lateness.
type CancellationLine struct {
	Lateness Lateness
	// Stays is the stays cancelled (or ended early) with at least one
	// night in the period.
	Stays int64
	// Nights is the nights of the period they gave up.
	Nights int64
}

// Header names Cancellations' columns.
func (Cancellations) Header() []string {
	return []string{"When", "Stays", "Nights cancelled", "Nights booked", "Share of booked nights %"}
}

// Rows writes each lateness, then the total, in Header's order.
func (c Cancellations) Rows() [][]string {
	out := make([][]string, 0, len(c.Buckets)+1)
	for _, l := range c.Buckets {
		out = append(out, c.cells(string(l.Lateness), l))
	}
	return append(out, c.cells("Total", c.Total))
}

func (c Cancellations) cells(when string, l CancellationLine) []string {
	return []string{when, itoa(l.Stays), itoa(l.Nights), itoa(c.BookedNights), percent(l.Nights, c.BookedNights)}
}

// Cancellations works out the nights of p cancelled, and how late. It
// returns an Invalid error naming from or to when p is not a valid period.
func (s *Service) Cancellations(ctx context.Context, p Period) (Cancellations, error) {
	if err := p.Validate(); err != nil {
		return Cancellations{}, err
	}
	confirmed, err := confirmedNights(ctx, s.db, p)
	if err != nil {
		return Cancellations{}, err
	}
	byLateness := map[Lateness]CancellationLine{}
	first, err := firstCancelledArrival(ctx, s.db, p)
	if err != nil {
		return Cancellations{}, err
	}
	if !first.IsZero() {
		lines, err := cancelledNights(ctx, s.db, p, arrivalCalendar(first, p.To))
		if err != nil {
			return Cancellations{}, err
		}
		for _, l := range lines {
			byLateness[l.Lateness] = l
		}
	}
	early, err := endedEarlyNights(ctx, s.db, p)
	if err != nil {
		return Cancellations{}, err
	}
	after := byLateness[LatenessAfterArrival]
	after.Stays += early.Stays
	after.Nights += early.Nights
	byLateness[LatenessAfterArrival] = after

	out := Cancellations{BookedNights: confirmed}
	for _, k := range Latenesses {
		l := byLateness[k]
		l.Lateness = k
		out.Buckets = append(out.Buckets, l)
		out.Total.Stays += l.Stays
		out.Total.Nights += l.Nights
	}
	out.BookedNights += out.Total.Nights
	return out, nil
}

// arrival is an arrival date and the instants that bound its lateness
// buckets, worked out in Go because SQLite knows nothing of London time.
type arrival struct {
	Day            calendar.Date
	Starts         time.Time // midnight starting Day, London time
	Less48h, Less7 time.Time
}

// arrivalCalendar returns one arrival for each date from first to last.
func arrivalCalendar(first, last calendar.Date) []arrival {
	out := make([]arrival, 0, first.DaysUntil(last)+1)
	for d := first; !d.After(last); d = d.AddDays(1) {
		t := d.StartIn(calendar.London).UTC()
		out = append(out, arrival{Day: d, Starts: t, Less48h: t.Add(-48 * time.Hour), Less7: t.Add(-7 * 24 * time.Hour)})
	}
	return out
}
