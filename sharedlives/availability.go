package sharedlives

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
)

// A host's calendar is a list of ranges of dates they can take guests. A
// guest's stay from arrive to depart occupies the nights arrive to depart-1:
// the depart date itself is free for the next guest, or for the host.

// Month is one month of a host's calendar, laid out for a month grid: every
// day with what the host needs to know of it, and the months either side
// that can be shown.
type Month struct {
	First calendar.Date // the 1st of the month
	Days  []Day         // every day of the month, in order
	// Previous and Next are the 1st of the months either side, or nil where
	// the calendar stops: before this month, or after HorizonDays ahead.
	Previous *calendar.Date
	Next     *calendar.Date
}

// Day is one day of a Month.
type Day struct {
	Date      calendar.Date
	Today     bool
	Past      bool         // before today: it can no longer be changed
	Available bool         // the host said they can take guests that night
	Guests    []GuestNight // booked to stay that night, by arrival; empty when none
}

// GuestNight names a guest booked to stay a night, as a host may see them.
type GuestNight struct {
	FirstName        string
	BookingReference string
}

// Name names the month for people: "December 2026".
func (m Month) Name() string {
	return m.First.StartIn(time.UTC).Format("January 2006")
}

// Weeks lays the days out Monday to Sunday, a week to a row, as a calendar
// table shows them. Cells before the 1st and after the last day are zero
// Days (their Date IsZero).
func (m Month) Weeks() [][]Day {
	var weeks [][]Day
	week := make([]Day, 0, 7)
	if len(m.Days) > 0 {
		// time.Weekday counts from Sunday; the week here starts on Monday.
		lead := (int(m.Days[0].Date.StartIn(time.UTC).Weekday()) + 6) % 7
		week = append(week, make([]Day, lead)...)
	}
	for _, d := range m.Days {
		week = append(week, d)
		if len(week) == 7 {
			weeks = append(weeks, week)
			week = make([]Day, 0, 7)
		}
	}
	if len(week) > 0 {
		weeks = append(weeks, append(week, make([]Day, 7-len(week))...))
	}
	return weeks
}

// span is a run of dates, both ends included: the arithmetic of a calendar
// is done on spans, and only the result is written back as Ranges.
type span struct{ first, last calendar.Date }

// meets reports whether s and o overlap or one runs straight on from the
// other, so that together they make one unbroken run.
func (s span) meets(o span) bool {
	return !o.first.After(s.last.AddDays(1)) && !s.first.After(o.last.AddDays(1))
}

func (s span) overlaps(o span) bool {
	return !o.first.After(s.last) && !s.first.After(o.last)
}

// withSpan returns the spans rs (in date order, none overlapping) with s
// added: any that overlap s or run on from it are joined with it into one,
// so the calendar stays as few ranges as it can be.
func withSpan(rs []span, s span) []span {
	out := make([]span, 0, len(rs)+1)
	for _, r := range rs {
		if !r.meets(s) {
			out = append(out, r)
			continue
		}
		if r.first.Before(s.first) {
			s.first = r.first
		}
		if r.last.After(s.last) {
			s.last = r.last
		}
	}
	out = append(out, s)
	sortSpans(out)
	return out
}

// withoutSpan returns the spans rs with the dates of s taken out, splitting
// one that s falls inside.
func withoutSpan(rs []span, s span) []span {
	out := make([]span, 0, len(rs)+1)
	for _, r := range rs {
		if !r.overlaps(s) {
			out = append(out, r)
			continue
		}
		if r.first.Before(s.first) {
			out = append(out, span{r.first, s.first.AddDays(-1)})
		}
		if r.last.After(s.last) {
			out = append(out, span{s.last.AddDays(1), r.last})
		}
	}
	return out
}

// minus returns the dates of a that are in none of b.
func minus(a, b []span) []span {
	for _, s := range b {
		a = withoutSpan(a, s)
	}
	return a
}

// startingFrom returns the spans cut to start no earlier than day.
func startingFrom(rs []span, day calendar.Date) []span {
	var out []span
	for _, r := range rs {
		if r.last.Before(day) {
			continue
		}
		if r.first.Before(day) {
			r.first = day
		}
		out = append(out, r)
	}
	return out
}

func covers(rs []span, day calendar.Date) bool {
	return slices.ContainsFunc(rs, func(r span) bool { return r.overlaps(span{day, day}) })
}

func sortSpans(rs []span) {
	slices.SortFunc(rs, func(a, b span) int { return b.first.DaysUntil(a.first) })
}

func spansOf(rs []Range) []span {
	out := make([]span, len(rs))
	for i, r := range rs {
		out[i] = span{r.StartsOn, r.EndsOn}
	}
	return out
}

func rangesFor(hostID int64, ss []span) []Range {
	out := make([]Range, len(ss))
	for i, s := range ss {
		out[i] = Range{HostID: hostID, StartsOn: s.first, EndsOn: s.last}
	}
	return out
}

// spanWords are what checkSpan says about the from and to of a change.
type spanWords struct{ from, to, beyond string }

var (
	addWords = spanWords{
		from:   "Enter the first date the host can take a guest, as YYYY-MM-DD.",
		to:     "Enter the last date the host can take a guest, as YYYY-MM-DD.",
		beyond: "Availability can be given up to %s at the furthest.",
	}
	removeWords = spanWords{
		from:   "Enter the first date the host cannot take a guest, as YYYY-MM-DD.",
		to:     "Enter the last date the host cannot take a guest, as YYYY-MM-DD.",
		beyond: "The calendar goes no further than %s, so there is nothing to remove after it.",
	}
)

// checkSpan checks the dates of a change to a calendar by checkRanges'
// rules for a range, naming the fields from and to. A from before today is
// moved up to today rather than refused: a host who says "free from the
// 1st to the 30th" on the 10th means from now until the 30th, and should
// not have to work out today's date to say so (SetCalendar likewise takes
// a range that has begun). Days already over are history no change touches.
func checkSpan(from, to, today, last calendar.Date, words spanWords) (span, error) {
	var f apperr.Fields
	if from.IsZero() {
		f.Add("from", "%s", words.from)
	}
	switch {
	case to.IsZero():
		f.Add("to", "%s", words.to)
	case !from.IsZero() && to.Before(from):
		f.Add("to", "The last date cannot be before the first.")
	case to.Before(today):
		f.Add("to", "These dates are over; give dates from today, %s, on.", today.Long())
	case to.After(last):
		f.Add("to", words.beyond, last.Long())
	}
	if err := f.Err(); err != nil {
		return span{}, err
	}
	if from.Before(today) {
		from = today
	}
	return span{from, to}, nil
}

// bookedNight is one night a guest is booked to stay with a host.
type bookedNight struct {
	Night     calendar.Date `bun:"night"`
	BookingID int64         `bun:"booking_id"`
	Reference string        `bun:"reference"`
	Name      string        `bun:"name"`
	Arrive    calendar.Date `bun:"arrive"`
	Depart    calendar.Date `bun:"depart"`
}

// guestBooked returns ErrGuestBooked when any of the nights booked falls on
// a date in removing, naming the first such stay (the nights it would lose,
// the guest's first name, the stay and its reference) and counting the
// others; otherwise nil. booked is in night order. The host is spoken to
// as "you"; staff are told about "this host".
func guestBooked(booked []bookedNight, removing []span, toHost bool) error {
	var first []calendar.Date // the first stay's nights being removed
	var stay bookedNight
	others := map[int64]bool{}
	for _, n := range booked {
		if !covers(removing, n.Night) {
			continue
		}
		switch {
		case first == nil || n.BookingID == stay.BookingID:
			stay = n
			first = append(first, n.Night)
		default:
			others[n.BookingID] = true
		}
	}
	if first == nil {
		return nil
	}
	nights := first[0].Long()
	if len(first) > 1 && first[0].DaysUntil(first[len(first)-1]) == len(first)-1 {
		nights = datesWords(first[0], first[len(first)-1])
	}
	var b strings.Builder
	guest := firstName(stay.Name)
	if guest == "" {
		guest = "A guest"
	}
	if toHost {
		fmt.Fprintf(&b, "You cannot remove %s: %s is staying with you from %s (booking %s).",
			nights, guest, datesWords(stay.Arrive, stay.Depart), stay.Reference)
	} else {
		fmt.Fprintf(&b, "%s cannot be removed: %s is booked to stay with this host from %s (booking %s).",
			nights, guest, datesWords(stay.Arrive, stay.Depart), stay.Reference)
	}
	switch len(others) {
	case 0:
	case 1:
		b.WriteString(" 1 other stay is booked on those dates too.")
	default:
		fmt.Fprintf(&b, " %d other stays are booked on those dates too.", len(others))
	}
	switch {
	case toHost && len(others) == 0:
		b.WriteString(" Ring the shared lives team to change it.")
	case toHost:
		b.WriteString(" Ring the shared lives team to change them.")
	case len(others) == 0:
		b.WriteString(" Move or cancel the booking first.")
	default:
		b.WriteString(" Move or cancel the bookings first.")
	}
	return ErrGuestBooked.Reason("%s", b.String())
}

// datesWords writes a run of dates for people, giving the year once when
// both ends share it: "Sunday 6 December to Wednesday 9 December 2026".
func datesWords(a, b calendar.Date) string {
	if a.Year == b.Year {
		return a.StartIn(time.UTC).Format("Monday 2 January") + " to " + b.Long()
	}
	return a.Long() + " to " + b.Long()
}

// firstName is how a guest is named to a host: the first word of their
// name only.
func firstName(name string) string {
	if words := strings.Fields(name); len(words) > 0 {
		return words[0]
	}
	return ""
}
