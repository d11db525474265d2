package reports

import (
	"context"
	"slices"
	"strings"
)

// The ways UnmetDemand breaks down unmet stays, in the order it shows them.
const (
	ByMonth       = "Month"
	ByArea        = "Postcode district"
	ByNeed        = "Need"
	ByRequirement = "Requirement"
	ByLength      = "Length of stay"
)

// lengthBands are the lengths of stay UnmetDemand groups by: the fewest
// nights of each band, and its name.
var lengthBands = []struct {
	from int
	name string
}{{1, "1 night"}, {2, "2 nights"}, {3, "3 nights"}, {4, "4 to 7 nights"}, {8, "8 to 14 nights"}, {15, "15 nights or more"}}

// UnmetDemand is the stays people looked for and were turned away from:
// planned searches that found nothing, and emergency searches that found no
// bed or host (only homes to ring for a spot purchase). It counts each
// unmet stay whose arrival falls in the period once: the same person
// searching again for the same dates and kind is recorded once, with the
// first search's time. (Searches recorded before that rule, with no person,
// each count.)
//
// It breaks the stays down by the month they would have started, the
// postcode district of the carer's home, each need and each requirement of
// the person (a stay with two needs counts under both; "none" when there
// were none), and the length of stay.
type UnmetDemand struct {
	Lines []UnmetLine
	Total UnmetLine // By and Value left empty
}

// UnmetLine is the unmet stays of one value of one breakdown.
type UnmetLine struct {
	By    string `bun:"dimension"` // ByMonth, ByArea, ByNeed, ByRequirement or ByLength
	Value string `bun:"value"`
	// Planned and Emergency count the unmet stays of each kind of search.
	Planned   int64 `bun:"planned"`
	Emergency int64 `bun:"emergency"`
	// Nights is the nights those stays wanted.
	Nights int64 `bun:"nights"`
}

// Header names UnmetDemand's columns.
func (UnmetDemand) Header() []string {
	return []string{"By", "Value", "Planned searches", "Emergency searches", "Nights wanted"}
}

// Rows writes each line, then the total, in Header's order.
func (u UnmetDemand) Rows() [][]string {
	out := make([][]string, 0, len(u.Lines)+1)
	for _, l := range u.Lines {
		out = append(out, []string{l.By, l.Value, itoa(l.Planned), itoa(l.Emergency), itoa(l.Nights)})
	}
	t := u.Total
	return append(out, []string{"Total", "", itoa(t.Planned), itoa(t.Emergency), itoa(t.Nights)})
}

// UnmetDemand works out the unmet stays of p. It returns an Invalid error
// naming from or to when p is not a valid period.
func (s *Service) UnmetDemand(ctx context.Context, p Period) (UnmetDemand, error) {
	if err := p.Validate(); err != nil {
		return UnmetDemand{}, err
	}
	var out UnmetDemand
	for _, by := range []string{ByMonth, ByArea, ByNeed, ByRequirement, ByLength} {
		lines, err := unmetBy(ctx, s.db, p, by)
		if err != nil {
			return UnmetDemand{}, err
		}
		if by == ByLength {
			slices.SortStableFunc(lines, func(a, b UnmetLine) int { return lengthRank(a.Value) - lengthRank(b.Value) })
		} else {
			// In Go, so the order is the same whatever the database's collation.
			slices.SortStableFunc(lines, func(a, b UnmetLine) int { return strings.Compare(a.Value, b.Value) })
		}
		out.Lines = append(out.Lines, lines...)
	}
	total, err := unmetBy(ctx, s.db, p, "")
	if err != nil {
		return UnmetDemand{}, err
	}
	if len(total) == 1 {
		out.Total = total[0]
	}
	out.Total.By, out.Total.Value = "", ""
	return out, nil
}

func lengthRank(name string) int {
	for i, b := range lengthBands {
		if b.name == name {
			return i
		}
	}
	return len(lengthBands)
}
