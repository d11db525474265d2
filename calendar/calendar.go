// Package calendar holds the service's idea of time: civil dates in
// Europe/London. A night is a date, never an instant, so a stay from Saturday
// to Monday is two nights whether or not the clocks change in between.
package calendar

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
)

// London is the time zone every date in Respite is reckoned in.
var London = mustLoad("Europe/London")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// The binary embeds the zone database (time/tzdata is imported by
		// cmd/respite), so this only fails on a broken build.
		panic(fmt.Sprintf("calendar: loading %s: %v", name, err))
	}
	return loc
}

// Clock tells the time. Services take one so tests can fix the time,
// including across the clock changes in March and October.
type Clock func() time.Time

// SystemClock is the real clock.
func SystemClock() time.Time { return time.Now() }

// Fixed returns a clock that always reads t.
func Fixed(t time.Time) Clock { return func() time.Time { return t } }

// Date is a civil date: a year, month and day with no time or zone.
// The zero Date means "no date".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// layout is ISO 8601, as used on the wire and in the database.
const layout = "2006-01-02"

// The range of dates Respite takes: the years ISO 8601 writes with four
// digits. Both databases hold every one of them (PostgreSQL's dates run
// from 4713 BC to AD 5874897; SQLite keeps them as text, which sorts in
// date order only while every year has four digits), and Go's time package
// has no year 0 to parse. A date outside them is refused where it is
// parsed, so the API and the pages share the rule.
var (
	First = Date{Year: 1, Month: time.January, Day: 1}
	Last  = Date{Year: 9999, Month: time.December, Day: 31}
)

// Parse reads a date written YYYY-MM-DD, refusing dates that do not exist
// (2027-02-29), are written any other way, or fall outside First to Last.
func Parse(s string) (Date, error) {
	t, err := time.Parse(layout, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a real date in the form YYYY-MM-DD", s)
	}
	d := Of(t)
	if !d.InRange() {
		// time.Parse reads year 0000, which has no place in the calendar.
		return Date{}, fmt.Errorf("%q is not a date between %s and %s", s, First, Last)
	}
	return d, nil
}

// InRange reports whether d lies from First to Last.
func (d Date) InRange() bool { return !d.Before(First) && !d.After(Last) }

// ParseInstant reads an instant written in RFC 3339
// ("2027-04-03T22:00:00Z"), refusing one whose date in UTC falls outside
// First to Last: PostgreSQL has no year 0 for a timestamp to be in, and
// 0001-01-01T00:00:00+14:00 is in year 0 in UTC.
func ParseInstant(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a time like 2027-04-03T22:00:00Z", s)
	}
	if !Of(t.UTC()).InRange() {
		return time.Time{}, fmt.Errorf("%q is not a time between %s and %s (UTC)", s, First, Last)
	}
	return t, nil
}

// Of returns the date of t in t's own location.
func Of(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// Today returns the date in London at the clock's current instant.
func Today(now Clock) Date { return Of(now().In(London)) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String writes the date as YYYY-MM-DD.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Long writes the date for people: "Saturday 3 April 2027".
func (d Date) Long() string { return d.midnightUTC().Format("Monday 2 January 2006") }

// Short writes the date for SMS: "Sat 3 Apr".
func (d Date) Short() string { return d.midnightUTC().Format("Mon 2 Jan") }

// AddDays returns the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date { return Of(d.midnightUTC().AddDate(0, 0, n)) }

// DaysUntil returns the number of days from d to e; negative when e is earlier.
// For a stay it is the number of nights.
func (d Date) DaysUntil(e Date) int {
	// Counted in Unix seconds rather than with time.Sub, whose Duration
	// stops at about 292 years and would make 0001-01-01 to 9999-12-31
	// look short.
	return int((e.midnightUTC().Unix() - d.midnightUTC().Unix()) / (24 * 60 * 60))
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.DaysUntil(e) > 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.DaysUntil(e) < 0 }

// StartIn returns the first instant of d in loc.
func (d Date) StartIn(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// midnightUTC is used for arithmetic: UTC has no clock changes, so days are
// always 24 hours long there.
func (d Date) midnightUTC() time.Time { return d.StartIn(time.UTC) }

// MarshalJSON writes "YYYY-MM-DD", or null for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "YYYY-MM-DD" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a date must be a string in the form YYYY-MM-DD")
	}
	if s == "" {
		*d = Date{}
		return nil
	}
	p, err := Parse(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// Value stores the date as YYYY-MM-DD text, which PostgreSQL reads into a
// DATE column and SQLite stores as sortable text. A date outside First to
// Last is an error: it can only come of arithmetic a rule should have
// stopped, and SQLite would store it out of order.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	if !d.InRange() {
		return nil, fmt.Errorf("calendar: %s is outside %s to %s and cannot be stored", d, First, Last)
	}
	return d.String(), nil
}

// Scan reads a date from either driver: PostgreSQL gives time.Time for DATE
// columns, SQLite gives text.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		*d = Of(v)
		return nil
	case string:
		return d.scanText(v)
	case []byte:
		return d.scanText(string(v))
	default:
		return fmt.Errorf("calendar: cannot scan %T into a Date", src)
	}
}

func (d *Date) scanText(s string) error {
	if len(s) > len(layout) {
		s = s[:len(layout)] // a driver may add a time part to a date
	}
	p, err := Parse(s)
	if err != nil {
		return fmt.Errorf("calendar: %w", err)
	}
	*d = p
	return nil
}
