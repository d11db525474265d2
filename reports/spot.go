package reports

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// Spot is what was bought spot: beds under spot contracts, bought for one
// stay when the block beds were full. One line per month and a total.
// Every stay counts, whatever the bed or contract's state now, since the
// money was spent.
type Spot struct {
	Lines []SpotLine
	Total SpotLine // Month left empty
	// BlockRatePence is the average block rate over the period: block cost
	// ÷ contracted bed-nights (see BlockUse), to compare with spot rates.
	BlockRatePence int64
}

// SpotLine is spot purchasing in one month (or, for the total, the period).
type SpotLine struct {
	Month Month
	// Stays is the number of spot stays with at least one night in the
	// month; a stay across a month's end counts in both months, and once
	// in the total.
	Stays int64
	// Nights is the nights of spot stays in the month.
	Nights int64
	// SpendPence is each of those nights at the rate its booking was made
	// at.
	SpendPence int64
}

// AverageRatePence is spend ÷ nights, to the penny; ok is false when there
// were no nights.
func (l SpotLine) AverageRatePence() (pence int64, ok bool) { return divRound(l.SpendPence, l.Nights) }

// Header names Spot's columns.
func (Spot) Header() []string {
	return []string{"Month", "Spot stays", "Nights", "Spend (£)", "Average spot rate (£)", "Average block rate (£)", "Spot rate above block (£)"}
}

// Rows writes each month, then the total, in Header's order.
func (s Spot) Rows() [][]string {
	out := make([][]string, 0, len(s.Lines)+1)
	for _, l := range s.Lines {
		out = append(out, s.cells(string(l.Month), l))
	}
	return append(out, s.cells("Total", s.Total))
}

func (s Spot) cells(month string, l SpotLine) []string {
	avg, diff := "", ""
	if r, ok := l.AverageRatePence(); ok {
		avg, diff = pounds(r), pounds(r-s.BlockRatePence)
	}
	return []string{month, itoa(l.Stays), itoa(l.Nights), pounds(l.SpendPence), avg, pounds(s.BlockRatePence), diff}
}

// Spot works out spot purchasing over p. It returns an Invalid error naming
// from or to when p is not a valid period.
func (s *Service) Spot(ctx context.Context, p Period) (Spot, error) {
	rate, err := s.blockRatePence(ctx, p)
	if err != nil {
		return Spot{}, err
	}
	var out Spot
	out.BlockRatePence = rate
	if out.Lines, err = spotNights(ctx, s.db, p, true); err != nil {
		return Spot{}, err
	}
	total, err := spotNights(ctx, s.db, p, false)
	if err != nil {
		return Spot{}, err
	}
	if len(total) == 1 {
		out.Total = total[0]
	}
	out.Total.Month = ""
	return out, nil
}

// spotNights sums the nights of p stayed on beds under spot contracts, by
// month or for the whole period. It starts from the spot contracts' beds,
// which are few, and reads their stays through bookings_place_idx. In
// SQLite a CROSS JOIN keeps the order written, and the conditions in WHERE
// make the same joins on PostgreSQL, which plans them freely.
func spotNights(ctx context.Context, db bun.IDB, p Period, byMonth bool) ([]SpotLine, error) {
	d := dialectOf(db)
	periods := wholePeriod(p)
	if byMonth {
		periods = monthsOf(p)
	}
	spans, args := d.spansWith(periods)
	args = append(args, p.To.AddDays(1), p.From)
	var out []SpotLine
	err := db.NewRaw(`
WITH `+spans+`
SELECT month, COUNT(DISTINCT id) AS stays, COALESCE(SUM(nights), 0) AS nights,
       COALESCE(SUM(nights * nightly_rate_pence), 0) AS spend_pence
FROM (
  SELECT s.label AS month, bk.id, bk.nightly_rate_pence, `+d.nightsWithin("bk.arrive", "bk.depart", "s.first", "s.after")+` AS nights
  FROM contracts c
  CROSS JOIN beds b
  CROSS JOIN bookings bk`+d.indexedBy("bookings_place_idx")+`
  CROSS JOIN spans s
  WHERE c.kind = 'spot' AND b.contract_id = c.id AND bk.place_kind = 'bed' AND bk.place_id = b.id
    AND bk.status = 'confirmed' AND bk.arrive < ? AND bk.depart > ?
    AND bk.arrive < s.after AND bk.depart > s.first
) x
GROUP BY month
ORDER BY month`, args...).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("reports: summing spot nights: %w", err)
	}
	return out, nil
}
