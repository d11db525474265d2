package reports

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/calendar"
)

// Block use and right-sizing read every confirmed stay on a bed in the
// period and add the nights up in Go, a stay at a time, rather than in a
// GROUP BY. A year is about 92,000 stays. SQLite through the pure-Go
// driver sorts a GROUP BY at about 2 µs a row, and joining each stay to
// its bed and contract costs about as much again. Streaming the stays
// through bookings_report_idx, with no join and no sort, costs about
// 1.2 µs a row. The beds are a few thousand rows, read once into a map.
// On PostgreSQL it is no slower than its own GROUP BY.
// docs/benchmarks.md, "Commissioners' reports", has the figures.

// bedStay is a confirmed stay on a bed: which bed, planned or emergency,
// and its nights as days from the period's first date, from First up to
// (not including) After. Either may lie outside the period.
type bedStay struct {
	BedID        int64
	Kind         string
	First, After int
}

// eachBedStay calls fn with each confirmed stay on a bed that has a night
// in p, as the rows arrive.
func eachBedStay(ctx context.Context, db bun.IDB, p Period, fn func(bedStay)) error {
	// CAST AS TEXT, because the SQLite driver turns a column declared DATE
	// into a time.Time through time.Parse, the dearest part of reading a
	// row; calendar.Date reads the text itself. PostgreSQL writes a DATE
	// as the same ISO text.
	rows, err := db.QueryContext(ctx, `
SELECT bk.place_id, bk.kind, CAST(bk.arrive AS TEXT), CAST(bk.depart AS TEXT)
FROM bookings bk`+dialectOf(db).indexedBy("bookings_report_idx")+`
WHERE bk.status = 'confirmed' AND bk.arrive < ? AND bk.depart > ? AND bk.place_kind = 'bed'`,
		p.To.AddDays(1), p.From)
	if err != nil {
		return fmt.Errorf("reports: reading stays on beds: %w", err)
	}
	defer rows.Close()
	var (
		s              bedStay
		arrive, depart calendar.Date
	)
	for rows.Next() {
		if err := rows.Scan(&s.BedID, &s.Kind, &arrive, &depart); err != nil {
			return fmt.Errorf("reports: reading a stay on a bed: %w", err)
		}
		s.First, s.After = p.From.DaysUntil(arrive), p.From.DaysUntil(depart)
		fn(s)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reports: reading stays on beds: %w", err)
	}
	return nil
}

// blockBed is an active bed under an active block contract covering some
// of a period: its contract, type, whether it is held back for
// emergencies, and the days of the period its contract covers, from First
// up to (not including) After, as days from the period's first date.
type blockBed struct {
	ContractID   int64
	BedType      string
	Reserved     bool
	First, After int
}

// blockBeds reads the beds blockBedGroups counts, by id.
func blockBeds(ctx context.Context, db bun.IDB, p Period) (map[int64]blockBed, error) {
	var rows []struct {
		ID         int64         `bun:"id"`
		ContractID int64         `bun:"contract_id"`
		BedType    string        `bun:"bed_type"`
		Reserved   bool          `bun:"emergency_reserved"`
		StartsOn   calendar.Date `bun:"starts_on"`
		EndsOn     calendar.Date `bun:"ends_on"`
	}
	err := db.NewRaw(`
SELECT b.id, b.contract_id, b.bed_type, b.emergency_reserved, c.starts_on, c.ends_on
FROM beds b
JOIN contracts c ON c.id = b.contract_id
WHERE c.kind = 'block' AND c.active AND b.active
  AND c.starts_on <= ? AND c.ends_on >= ?`, p.To, p.From).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("reports: reading block beds: %w", err)
	}
	out := make(map[int64]blockBed, len(rows))
	for _, r := range rows {
		out[r.ID] = blockBed{
			ContractID: r.ContractID, BedType: r.BedType, Reserved: r.Reserved,
			First: max(0, p.From.DaysUntil(r.StartsOn)), After: min(p.Nights(), p.From.DaysUntil(r.EndsOn)+1),
		}
	}
	return out, nil
}

// blockNightsBooked counts the nights of p stayed on the beds blockBeds
// reads, within their contracts' dates, by month, contract and bed type.
func blockNightsBooked(ctx context.Context, db bun.IDB, p Period) (map[blockNightsKey]blockNights, error) {
	beds, err := blockBeds(ctx, db, p)
	if err != nil {
		return nil, err
	}
	// Each month of p as days from its first date.
	type span struct {
		month        Month
		first, after int
	}
	var months []span
	for _, m := range monthsOf(p) {
		months = append(months, span{m.Month, p.From.DaysUntil(m.From), p.From.DaysUntil(m.To) + 1})
	}
	out := map[blockNightsKey]blockNights{}
	err = eachBedStay(ctx, db, p, func(s bedStay) {
		bed, ok := beds[s.BedID]
		if !ok {
			return
		}
		first, after := max(s.First, bed.First), min(s.After, bed.After)
		for _, m := range months {
			nights := int64(min(after, m.after) - max(first, m.first))
			if nights <= 0 {
				continue
			}
			k := blockNightsKey{m.month, bed.ContractID, bed.BedType}
			n := out[k]
			if s.Kind == "emergency" {
				n.Emergency += nights
			} else {
				n.Planned += nights
			}
			if bed.Reserved {
				n.ReservedUsed += nights
			}
			out[k] = n
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// blockNightsKey names a month, contract and bed type.
type blockNightsKey struct {
	Month      Month
	ContractID int64
	BedType    string
}

// blockNights is the nights booked on one contract's beds of one type in
// one month.
type blockNights struct {
	Planned      int64
	Emergency    int64
	ReservedUsed int64
}

// addBedDemand adds the nights of p of confirmed stays on beds (block or
// spot, planned or emergency) to the demand in the care home's district
// and the bed's type, as changes from the night before: +1 on each stay's
// first night in p and -1 on the day it leaves, if that is in p.
// RightSizing adds them up night by night. series gives the changes of an
// area and bed type, one element a night of p.
func addBedDemand(ctx context.Context, db bun.IDB, p Period, series func(area, bedType string) []int64) error {
	var beds []struct {
		ID      int64  `bun:"id"`
		Area    string `bun:"area"`
		BedType string `bun:"bed_type"`
	}
	err := db.NewRaw(`
SELECT b.id, `+districtExpr(db, "pr.postcode")+` AS area, b.bed_type
FROM beds b JOIN providers pr ON pr.id = b.provider_id`).Scan(ctx, &beds)
	if err != nil {
		return fmt.Errorf("reports: reading beds' areas: %w", err)
	}
	type place struct{ area, bedType string }
	places := make(map[int64]place, len(beds))
	for _, b := range beds {
		places[b.ID] = place{b.Area, b.BedType}
	}
	// Each bed's series, found on its first stay, so that an area and bed
	// type nobody stayed in gets no series from here.
	changes := make(map[int64][]int64, len(beds))
	nights := p.Nights()
	return eachBedStay(ctx, db, p, func(s bedStay) {
		c := changes[s.BedID]
		if c == nil {
			b, ok := places[s.BedID]
			if !ok { // a bed added since the beds were read
				return
			}
			c = series(b.area, b.bedType)
			changes[s.BedID] = c
		}
		c[max(0, s.First)]++
		if s.After < nights {
			c[s.After]--
		}
	})
}
