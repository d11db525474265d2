package reports

import (
	"context"
	"slices"
	"strings"

	"github.com/respite-uk/respite/calendar"
)

// RightSizing is advice on how many block beds to buy: for each area and
// bed type, the fewest beds that would have covered the nights demanded on
// 90% and on 95% of the period's nights, and what that would have cost.
// The assumptions behind it are in Assumptions, to show beside it.
type RightSizing struct {
	Lines []RightSizingLine
	// BlockRatePence is the period's average block rate (block cost ÷
	// contracted bed-nights) and SpotRatePence its average spot rate (spend
	// ÷ nights); NoSpot is true when nothing was bought spot, and the
	// average block rate stands in for it.
	BlockRatePence int64
	SpotRatePence  int64
	NoSpot         bool
	// Nights is the nights of the period.
	Nights int
}

// RightSizingLine is the advice for one area and bed type.
type RightSizingLine struct {
	// Area is the postcode district: of the care home for stays, of the
	// carer's home for stays turned away.
	Area    string
	BedType string
	// BedsNow is the active beds under active block contracts today.
	BedsNow int64
	// NightsDemanded is the bed-nights demanded over the period: nights of
	// confirmed stays on beds (block or spot, planned or emergency) plus
	// nights of planned stays turned away. BusiestNight is the most
	// demanded on any one night.
	NightsDemanded int64
	BusiestNight   int64
	// Cover90 and Cover95 are the advice at each level.
	Cover90, Cover95 Cover
}

// Cover is a number of block beds and what it would have cost over the
// period.
type Cover struct {
	// Beds is the fewest beds that meet the demand on at least the given
	// share of nights: the nearest-rank percentile of nightly demand.
	Beds int64
	// BlockCostPence is Beds × the period's nights × the average block
	// rate.
	BlockCostPence int64
	// OverflowNights is the nights demanded beyond Beds, and
	// OverflowCostPence those nights bought spot at the average spot rate.
	OverflowNights    int64
	OverflowCostPence int64
}

// TotalPence is block cost plus overflow.
func (c Cover) TotalPence() int64 { return c.BlockCostPence + c.OverflowCostPence }

// Assumptions says what the advice takes for granted, in plain words.
func (r RightSizing) Assumptions() []string {
	spot := "Overflow is priced at the period's average spot rate, £" + pounds(r.SpotRatePence) + " a night."
	if r.NoSpot {
		spot = "Nothing was bought spot in the period, so overflow is priced at the average block rate, £" + pounds(r.SpotRatePence) + " a night."
	}
	return []string{
		"Demand is the nights of confirmed stays on beds, planned or emergency, block or spot, plus the nights of planned stays that searches found nothing for.",
		"A stay is counted in the postcode district of its care home; a stay turned away in the district of the carer's home, as the nearest place they would have taken.",
		"A stay turned away is counted as the least specialised bed type that meets the person's needs (dementia: residential dementia; nursing care: nursing; both: nursing dementia; neither: residential).",
		"Emergency searches that found nothing are left out: such a stay ends in a spot purchase, already counted as a stay. Shared-lives stays are left out: they are not beds.",
		"The beds for 90% (95%) of nights are the fewest that would have met the demand on at least 90% (95%) of the period's nights, nights with no demand included.",
		"Block beds are priced at the period's average block rate, £" + pounds(r.BlockRatePence) + " a night, for every night of the period.",
		spot,
	}
}

// Header names RightSizing's columns.
func (RightSizing) Header() []string {
	return []string{
		"Area", "Bed type", "Block beds now", "Nights demanded", "Busiest night",
		"Beds for 90% of nights", "Block cost at 90% (£)", "Overflow nights at 90%", "Overflow as spot at 90% (£)", "Total at 90% (£)",
		"Beds for 95% of nights", "Block cost at 95% (£)", "Overflow nights at 95%", "Overflow as spot at 95% (£)", "Total at 95% (£)",
	}
}

// Rows writes each area and bed type in Header's order.
func (r RightSizing) Rows() [][]string {
	out := make([][]string, 0, len(r.Lines))
	for _, l := range r.Lines {
		row := []string{l.Area, l.BedType, itoa(l.BedsNow), itoa(l.NightsDemanded), itoa(l.BusiestNight)}
		for _, c := range []Cover{l.Cover90, l.Cover95} {
			row = append(row, itoa(c.Beds), pounds(c.BlockCostPence), itoa(c.OverflowNights), pounds(c.OverflowCostPence), pounds(c.TotalPence()))
		}
		out = append(out, row)
	}
	return out
}

// RightSizing works out the right-sizing advice for p. It returns an
// Invalid error naming from or to when p is not a valid period.
func (s *Service) RightSizing(ctx context.Context, p Period) (RightSizing, error) {
	spot, err := s.Spot(ctx, p) // validates p, and works out the block rate too
	if err != nil {
		return RightSizing{}, err
	}
	out := RightSizing{BlockRatePence: spot.BlockRatePence, Nights: p.Nights()}
	if r, ok := spot.Total.AverageRatePence(); ok {
		out.SpotRatePence = r
	} else {
		out.SpotRatePence, out.NoSpot = out.BlockRatePence, true
	}

	turnedAway, err := turnedAwayChanges(ctx, s.db, p)
	if err != nil {
		return RightSizing{}, err
	}
	beds, err := blockBedsByArea(ctx, s.db)
	if err != nil {
		return RightSizing{}, err
	}

	// Each area and bed type's demand night by night: the running sum of
	// its changes.
	type key struct{ area, bedType string }
	changes := map[key][]int64{}
	series := func(k key) []int64 {
		if changes[k] == nil {
			changes[k] = make([]int64, out.Nights)
		}
		return changes[k]
	}
	if err := addBedDemand(ctx, s.db, p, func(area, bedType string) []int64 { return series(key{area, bedType}) }); err != nil {
		return RightSizing{}, err
	}
	for _, c := range turnedAway {
		if i := p.From.DaysUntil(c.Day); i >= 0 && i < out.Nights {
			series(key{c.Area, c.BedType})[i] += c.Change
		}
	}
	bedsNow := map[key]int64{}
	for _, b := range beds {
		k := key{b.Area, b.BedType}
		bedsNow[k] = b.Beds
		series(k)
	}
	for k, demand := range changes {
		for i := 1; i < len(demand); i++ {
			demand[i] += demand[i-1]
		}
		l := RightSizingLine{Area: k.area, BedType: k.bedType, BedsNow: bedsNow[k]}
		for _, n := range demand {
			l.NightsDemanded += n
			l.BusiestNight = max(l.BusiestNight, n)
		}
		l.Cover90 = out.cover(demand, 90)
		l.Cover95 = out.cover(demand, 95)
		out.Lines = append(out.Lines, l)
	}
	slices.SortFunc(out.Lines, func(a, b RightSizingLine) int {
		if c := strings.Compare(a.Area, b.Area); c != 0 {
			return c
		}
		return strings.Compare(a.BedType, b.BedType)
	})
	return out, nil
}

// cover works out the beds meeting series on pct% of its nights, and their
// cost.
func (r RightSizing) cover(series []int64, pct int) Cover {
	c := Cover{Beds: nearestRank(series, pct)}
	c.BlockCostPence = c.Beds * int64(len(series)) * r.BlockRatePence
	for _, n := range series {
		c.OverflowNights += max(0, n-c.Beds)
	}
	c.OverflowCostPence = c.OverflowNights * r.SpotRatePence
	return c
}

// demandChange is the change, from the night before, in the bed-nights
// demanded in one area, of one bed type, on one night.
type demandChange struct {
	Area    string        `bun:"area"`
	BedType string        `bun:"bed_type"`
	Day     calendar.Date `bun:"day"`
	Change  int64         `bun:"change"`
}

// bedsInArea is the block beds of one type in one area today.
type bedsInArea struct {
	Area    string `bun:"area"`
	BedType string `bun:"bed_type"`
	Beds    int64  `bun:"beds"`
}
