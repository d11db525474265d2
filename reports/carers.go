package reports

import (
	"context"
	"math"
	"slices"
	"strconv"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
)

// CarersReached is who got a break: the carers and cared-for people with
// at least one night of a confirmed stay (planned or emergency, at any
// place) in the period.
type CarersReached struct {
	// Carers and People are how many distinct carers and cared-for people
	// had at least one night.
	Carers int64
	People int64
	// Children and Adults split People by age (under 18 is a child) at the
	// arrival of the person's first stay with a night in the period, by the
	// rule bookings use (booking.Person.IsChild).
	Children int64
	Adults   int64
	// Nights is the nights they stayed in the period.
	Nights int64
	// MedianNights is the middle of the carers' nights in the period (the
	// mean of the middle two when there is an even number of carers), and
	// P90Nights the nearest-rank 90th percentile: the fewest nights that at
	// least 90% of carers reached got no more than. Both 0 with no carers.
	MedianNights float64
	P90Nights    int64
	// AllowanceNights is the allowances of every carer registered by the
	// period's last day, pro-rated to the period: allowance nights × days
	// in the period ÷ 365. AllowanceUsedPercent is Nights ÷ that.
	AllowanceNights float64
}

// AllowanceUsedPercent is the nights stayed ÷ the pro-rated allowances, as
// text with one decimal ("" when no carer has an allowance).
func (c CarersReached) AllowanceUsedPercent() string {
	if c.AllowanceNights == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(c.Nights)*100/c.AllowanceNights, 'f', 1, 64)
}

// Header names CarersReached's columns: it is one measure a row.
func (CarersReached) Header() []string { return []string{"Measure", "Value"} }

// Rows writes each measure in turn.
func (c CarersReached) Rows() [][]string {
	return [][]string{
		{"Carers reached", itoa(c.Carers)},
		{"Cared-for people reached", itoa(c.People)},
		{"Children", itoa(c.Children)},
		{"Adults", itoa(c.Adults)},
		{"Nights", itoa(c.Nights)},
		{"Nights per carer, median", strconv.FormatFloat(c.MedianNights, 'f', 1, 64)},
		{"Nights per carer, 90th percentile", itoa(c.P90Nights)},
		{"Allowance used %", c.AllowanceUsedPercent()},
	}
}

// CarersReached works out who got a break in p. It returns an Invalid
// error naming from or to when p is not a valid period.
func (s *Service) CarersReached(ctx context.Context, p Period) (CarersReached, error) {
	if err := p.Validate(); err != nil {
		return CarersReached{}, err
	}
	stayers, err := stayersIn(ctx, s.db, p)
	if err != nil {
		return CarersReached{}, err
	}
	allowances, err := allowancesRegistered(ctx, s.db, p.To.AddDays(1).StartIn(calendar.London))
	if err != nil {
		return CarersReached{}, err
	}

	var out CarersReached
	nightsOf := map[int64]int64{}      // by carer
	firstArrival := map[int64]stayer{} // by person
	for _, r := range stayers {
		nightsOf[r.CarerID] += r.Nights
		if first, ok := firstArrival[r.PersonID]; !ok || r.FirstArrive.Before(first.FirstArrive) {
			firstArrival[r.PersonID] = r
		}
	}
	perCarer := make([]int64, 0, len(nightsOf))
	for _, n := range nightsOf {
		perCarer = append(perCarer, n)
		out.Nights += n
	}
	out.Carers = int64(len(perCarer))
	out.MedianNights, out.P90Nights = median(perCarer), nearestRank(perCarer, 90)
	out.People = int64(len(firstArrival))
	for _, r := range firstArrival {
		if (booking.Person{DateOfBirth: r.DateOfBirth}).IsChild(r.FirstArrive) {
			out.Children++
		} else {
			out.Adults++
		}
	}
	out.AllowanceNights = float64(allowances) * float64(p.Nights()) / 365
	return out, nil
}

// median returns the middle of ns (the mean of the middle two when their
// number is even), or 0 when there are none.
func median(ns []int64) float64 {
	if len(ns) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ns))
	m := len(s) / 2
	if len(s)%2 == 1 {
		return float64(s[m])
	}
	return float64(s[m-1]+s[m]) / 2
}

// nearestRank returns the pct-th percentile of ns by the nearest-rank
// method (the value at rank ⌈pct/100 × n⌉), or 0 when there are none.
func nearestRank(ns []int64, pct int) int64 {
	if len(ns) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ns))
	rank := int(math.Ceil(float64(pct) * float64(len(s)) / 100))
	return s[max(rank, 1)-1]
}

// stayer is one cared-for person who stayed in the period, with one carer
// who booked for them (a person whose carer changed has a row for each).
type stayer struct {
	PersonID    int64         `bun:"person_id"`
	CarerID     int64         `bun:"carer_id"`
	DateOfBirth calendar.Date `bun:"date_of_birth"`
	FirstArrive calendar.Date `bun:"first_arrive"`
	Nights      int64         `bun:"nights"`
}
