// Package reports works out the figures commissioners use to judge and
// right-size what the council buys: how block beds are used, what is bought
// spot, and so on. It only reads. Each figure is one or two set-based
// queries (GROUP BY over booking_nights and the contracts), so a year of a
// region's bookings is never loaded into memory; the little left to do in
// Go (spreading a contract's beds over the months of a period) works on one
// row per contract and bed type.
//
// Every figure takes a Period of whole London dates and returns typed rows
// that also satisfy Table, so the API's CSV, the pages' tables and the
// command line all print the same columns in the same order.
package reports

import (
	"fmt"
	"strconv"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
)

// MaxPeriodDays is the longest period a report covers: three years of
// nights, leap day included. Longer ones would only be slow to read.
const MaxPeriodDays = 3*365 + 1

// Period is the whole dates a report covers, From and To both included: a
// night belongs to it when its date (the date the stay's night starts) lies
// from From to To.
type Period struct {
	From calendar.Date
	To   calendar.Date
}

// Validate returns an Invalid error naming "from" or "to" when either date
// is missing, To is before From, or the period is longer than
// MaxPeriodDays.
func (p Period) Validate() error {
	var f apperr.Fields
	if p.From.IsZero() {
		f.Add("from", "Enter the first date of the report")
	}
	if p.To.IsZero() {
		f.Add("to", "Enter the last date of the report")
	}
	if f.Has("from") || f.Has("to") {
		return f.Err()
	}
	switch n := p.Nights(); {
	case n < 1:
		f.Add("to", "The last date must be the same as or after the first date")
	case n > MaxPeriodDays:
		f.Add("to", "A report can cover at most 3 years (%d days)", MaxPeriodDays)
	}
	return f.Err()
}

// Nights is the number of dates in the period.
func (p Period) Nights() int { return p.From.DaysUntil(p.To) + 1 }

// Table is a figure written out as text: a header and rows in a fixed
// column order, for CSV files and HTML tables alike.
type Table interface {
	Header() []string
	Rows() [][]string
}

// Month is a calendar month, written YYYY-MM.
type Month string

// monthOf returns the month a date falls in.
func monthOf(d calendar.Date) Month { return Month(d.String()[:7]) }

// monthsOf returns the months of p, each clipped to p: the first and last
// dates of each month that lie inside the period.
func monthsOf(p Period) []monthSpan {
	var out []monthSpan
	for d := p.From; !d.After(p.To); {
		m := monthOf(d)
		end := d
		for next := end.AddDays(1); !next.After(p.To) && monthOf(next) == m; next = next.AddDays(1) {
			end = next
		}
		out = append(out, monthSpan{Month: m, From: d, To: end})
		d = end.AddDays(1)
	}
	return out
}

type monthSpan struct {
	Month    Month
	From, To calendar.Date
}

// overlap returns how many dates [a1, a2] and [b1, b2] share.
func overlap(a1, a2, b1, b2 calendar.Date) int {
	from, to := a1, a2
	if b1.After(from) {
		from = b1
	}
	if b2.Before(to) {
		to = b2
	}
	if to.Before(from) {
		return 0
	}
	return from.DaysUntil(to) + 1
}

// pounds writes an amount in pence as pounds with two decimals ("150.00").
func pounds(pence int64) string {
	sign := ""
	if pence < 0 {
		sign, pence = "-", -pence
	}
	return fmt.Sprintf("%s%d.%02d", sign, pence/100, pence%100)
}

// percent writes part ÷ whole as a percentage with one decimal, or "" when
// whole is 0 (no figure, rather than a misleading 0%).
func percent(part, whole int64) string {
	if whole == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(part)*100/float64(whole), 'f', 1, 64)
}

// divRound returns a ÷ b rounded to the nearest whole number, halves away
// from zero; ok is false when b is 0.
func divRound(a, b int64) (q int64, ok bool) {
	if b == 0 {
		return 0, false
	}
	if a >= 0 {
		return (a + b/2) / b, true
	}
	return -((-a + b/2) / b), true
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
