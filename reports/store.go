package reports

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/respite-uk/respite/calendar"
)

// blockBedGroups counts the active beds, by type, under each active block
// contract that covers any of p.
func blockBedGroups(ctx context.Context, db bun.IDB, p Period) ([]blockBedGroup, error) {
	var out []blockBedGroup
	err := db.NewRaw(`
SELECT c.id AS contract_id, c.reference, c.provider_id, p.name AS provider_name,
       c.starts_on, c.ends_on, c.nightly_rate_pence, b.bed_type,
       COUNT(*) AS beds,
       SUM(CASE WHEN b.emergency_reserved THEN 1 ELSE 0 END) AS reserved_beds
FROM beds b
JOIN contracts c ON c.id = b.contract_id
JOIN providers p ON p.id = c.provider_id
WHERE c.kind = 'block' AND c.active AND b.active
  AND c.starts_on <= ? AND c.ends_on >= ?
GROUP BY c.id, c.reference, c.provider_id, p.name, c.starts_on, c.ends_on, c.nightly_rate_pence, b.bed_type`,
		p.To, p.From).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("reports: counting block beds: %w", err)
	}
	return out, nil
}

// confirmedNights counts the nights of p of confirmed stays, at any place.
func confirmedNights(ctx context.Context, db bun.IDB, p Period) (int64, error) {
	return nightsOfStays(ctx, db, p, "")
}

// nightsOfStays counts the nights of p of confirmed stays at places of the
// given kind ("bed" or "host"), or at any place when placeKind is "".
func nightsOfStays(ctx context.Context, db bun.IDB, p Period, placeKind string) (int64, error) {
	pg := db.Dialect().Name() == dialect.PG
	where, args := "", append(nightsInArgs(p), p.To.AddDays(1), p.From)
	if placeKind != "" {
		where, args = " AND bk.place_kind = ?", append(args, placeKind)
	}
	var n int64
	err := db.NewRaw(`
SELECT COALESCE(SUM(`+nightsIn(pg, "bk.arrive", "bk.depart")+`), 0)
FROM bookings bk
WHERE bk.status = 'confirmed' AND bk.arrive < ? AND bk.depart > ?`+where, args...).Scan(ctx, &n)
	if err != nil {
		return 0, fmt.Errorf("reports: counting nights of confirmed stays: %w", err)
	}
	return n, nil
}

// firstCancelledArrival returns the earliest arrival of a cancelled stay
// with a night in p, or the zero Date when there is none.
func firstCancelledArrival(ctx context.Context, db bun.IDB, p Period) (calendar.Date, error) {
	var first calendar.Date
	err := db.NewRaw(`
SELECT MIN(arrive) FROM bookings
WHERE status = 'cancelled' AND arrive <= ? AND depart > ?`, p.To, p.From).Scan(ctx, &first)
	if err != nil {
		return calendar.Date{}, fmt.Errorf("reports: finding the first cancelled stay: %w", err)
	}
	return first, nil
}

// cancelledNights counts the cancelled stays with a night in p and their
// nights in p, by lateness. arrivals must cover every such stay's arrival
// date: it is a generated calendar joined on bookings.arrive. SQLite keeps
// a CROSS JOIN's order, so it looks up each date's cancelled stays in
// bookings_report_idx rather than scanning the calendar for every stay.
func cancelledNights(ctx context.Context, db bun.IDB, p Period, arrivals []arrival) ([]CancellationLine, error) {
	pg := db.Dialect().Name() == dialect.PG
	var values strings.Builder
	args := make([]any, 0, 4*len(arrivals)+8)
	row := "(?, ?, ?, ?)"
	if pg {
		row = "(CAST(? AS DATE), CAST(? AS TIMESTAMPTZ), CAST(? AS TIMESTAMPTZ), CAST(? AS TIMESTAMPTZ))"
	}
	for i, a := range arrivals {
		if i > 0 {
			values.WriteString(",\n")
		}
		values.WriteString(row)
		args = append(args, a.Day, instant(pg, a.Starts), instant(pg, a.Less48h), instant(pg, a.Less7))
	}
	at, before := "bk.cancelled_at", func(col string) string { return col }
	if !pg {
		// SQLite compares instants as Julian day numbers, whatever offset
		// the driver wrote them with.
		at = "julianday(bk.cancelled_at)"
		before = func(col string) string { return "julianday(" + col + ")" }
	}
	args = append(args, string(LatenessAfterArrival), string(LatenessHours), string(LatenessDays), string(LatenessWeekOrMore))
	args = append(args, nightsInArgs(p)...)
	args = append(args, p.To, p.From)
	var out []CancellationLine
	err := db.NewRaw(`
WITH arrivals (day, starts, less48h, less7) AS (VALUES `+values.String()+`)
SELECT lateness, COUNT(*) AS stays, SUM(nights) AS nights FROM (
  SELECT CASE WHEN `+at+` >= `+before("a.starts")+` THEN ?
              WHEN `+at+` > `+before("a.less48h")+` THEN ?
              WHEN `+at+` > `+before("a.less7")+` THEN ?
              ELSE ? END AS lateness,
         `+nightsIn(pg, "bk.arrive", "bk.depart")+` AS nights
  FROM arrivals a
  CROSS JOIN bookings bk
  WHERE a.day = bk.arrive AND bk.status = 'cancelled' AND bk.arrive <= ? AND bk.depart > ?
) c
GROUP BY lateness`, args...).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("reports: counting cancelled nights: %w", err)
	}
	return out, nil
}

// endedEarlyNights counts the stays ended early with a freed night in p,
// and those nights: from the stay's new departure to the one it was booked
// to.
func endedEarlyNights(ctx context.Context, db bun.IDB, p Period) (CancellationLine, error) {
	pg := db.Dialect().Name() == dialect.PG
	var out CancellationLine
	args := append(nightsInArgs(p), p.To, p.From)
	err := db.NewRaw(`
SELECT COUNT(*) AS stays, COALESCE(SUM(`+nightsIn(pg, "depart", "booked_depart")+`), 0) AS nights
FROM bookings
WHERE ended_early_at IS NOT NULL AND depart <= ? AND booked_depart > ?`, args...).Scan(ctx, &out)
	if err != nil {
		return CancellationLine{}, fmt.Errorf("reports: counting nights freed by ending stays early: %w", err)
	}
	return out, nil
}

// nightsIn is SQL for the number of nights from the date column arrive up
// to (not including) the date column depart that fall in a period; its two
// arguments come from nightsInArgs.
func nightsIn(pg bool, arrive, depart string) string {
	if pg {
		return "GREATEST(0, LEAST(" + depart + ", CAST(? AS DATE)) - GREATEST(" + arrive + ", CAST(? AS DATE)))"
	}
	return "MAX(0, CAST(julianday(MIN(" + depart + ", ?)) - julianday(MAX(" + arrive + ", ?)) AS INTEGER))"
}

// nightsInArgs is nightsIn's arguments: the day after p and p's first day.
func nightsInArgs(p Period) []any { return []any{p.To.AddDays(1), p.From} }

// instant writes t for a VALUES list: RFC 3339 for PostgreSQL to cast, and
// SQLite's own date-time text for julianday.
func instant(pg bool, t time.Time) string {
	if pg {
		return t.UTC().Format(time.RFC3339)
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// stayersIn lists the people with a night of a confirmed stay in p, each
// with the carer who booked, their nights in p and the arrival of their
// first such stay: one row for each person and carer, read in one pass
// over the stays.
func stayersIn(ctx context.Context, db bun.IDB, p Period) ([]stayer, error) {
	pg := db.Dialect().Name() == dialect.PG
	var out []stayer
	err := db.NewRaw(`
SELECT bk.person_id, bk.carer_id, pe.date_of_birth, MIN(bk.arrive) AS first_arrive,
       SUM(`+nightsIn(pg, "bk.arrive", "bk.depart")+`) AS nights
FROM bookings bk
JOIN people pe ON pe.id = bk.person_id
WHERE bk.status = 'confirmed' AND bk.arrive < ? AND bk.depart > ?
GROUP BY bk.person_id, bk.carer_id, pe.date_of_birth`, append(nightsInArgs(p), p.To.AddDays(1), p.From)...).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("reports: listing the people who stayed: %w", err)
	}
	return out, nil
}

// allowancesRegistered sums the yearly allowances of the carers registered
// before the instant until.
func allowancesRegistered(ctx context.Context, db bun.IDB, until time.Time) (int64, error) {
	pg := db.Dialect().Name() == dialect.PG
	cond := "julianday(created_at) < julianday(?)"
	if pg {
		cond = "created_at < CAST(? AS TIMESTAMPTZ)"
	}
	var n int64
	err := db.NewRaw(`SELECT COALESCE(SUM(allowance_nights), 0) FROM carers WHERE `+cond, instant(pg, until)).Scan(ctx, &n)
	if err != nil {
		return 0, fmt.Errorf("reports: summing allowances: %w", err)
	}
	return n, nil
}

// placementWhere picks the emergency placements of p (see Emergencies) from
// bookings bk; its arguments are p.From and p.To.
const placementWhere = `bk.kind = 'emergency' AND bk.status = 'confirmed'
  AND bk.moved_from_booking_id IS NULL AND bk.arrive >= ? AND bk.arrive <= ?`

// plansHeld counts the carers registered before until with an emergency
// plan.
func plansHeld(ctx context.Context, db bun.IDB, until time.Time) (int64, error) {
	pg := db.Dialect().Name() == dialect.PG
	cond := "julianday(created_at) < julianday(?)"
	if pg {
		cond = "created_at < CAST(? AS TIMESTAMPTZ)"
	}
	var n int64
	err := db.NewRaw(`SELECT COUNT(*) FROM carers WHERE TRIM(emergency_plan) <> '' AND `+cond, instant(pg, until)).Scan(ctx, &n)
	if err != nil {
		return 0, fmt.Errorf("reports: counting emergency plans: %w", err)
	}
	return n, nil
}

// placementsByTier counts p's emergency placements by tier. A spot
// placement's bed is marked reserved (it was bought for the emergency), so
// the spot contract is asked about first.
func placementsByTier(ctx context.Context, db bun.IDB, p Period) ([]TierCount, error) {
	var out []TierCount
	err := db.NewRaw(`
SELECT tier, COUNT(*) AS placements FROM (
  SELECT CASE WHEN bk.place_kind = 'host' THEN ?
              WHEN c.kind = 'spot' THEN ?
              WHEN b.emergency_reserved THEN ?
              ELSE ? END AS tier
  FROM bookings bk
  LEFT JOIN beds b ON bk.place_kind = 'bed' AND b.id = bk.place_id
  LEFT JOIN contracts c ON c.id = b.contract_id
  WHERE `+placementWhere+`
) t
GROUP BY tier`, string(TierHost), string(TierSpot), string(TierReservedBed), string(TierBlockBed), p.From, p.To).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("reports: counting emergency placements: %w", err)
	}
	return out, nil
}

// carersPlaced counts the distinct carers with an emergency placement in p.
func carersPlaced(ctx context.Context, db bun.IDB, p Period) (int64, error) {
	var n int64
	err := db.NewRaw(`SELECT COUNT(DISTINCT bk.carer_id) FROM bookings bk WHERE `+placementWhere, p.From, p.To).Scan(ctx, &n)
	if err != nil {
		return 0, fmt.Errorf("reports: counting carers placed: %w", err)
	}
	return n, nil
}

// lookupWaits returns, for each emergency placement of p whose carer's card
// was looked up in the lookupWindow before it, the whole seconds from the
// latest such lookup to the placement (the booking's created_at, written in
// the same transaction as the emergency.placement audit entry).
func lookupWaits(ctx context.Context, db bun.IDB, p Period) ([]int64, error) {
	pg := db.Dialect().Name() == dialect.PG
	wait := "CAST(ROUND((julianday(bk.created_at) - julianday(MAX(a.at))) * 86400) AS INTEGER)"
	window := "julianday(a.at) <= julianday(bk.created_at) AND julianday(a.at) > julianday(bk.created_at) - ?"
	windowArg := any(lookupWindow.Hours() / 24)
	if pg {
		wait = "CAST(ROUND(EXTRACT(EPOCH FROM bk.created_at - MAX(a.at))) AS BIGINT)"
		window = "a.at <= bk.created_at AND a.at > bk.created_at - CAST(? AS INTERVAL)"
		windowArg = fmt.Sprintf("%d seconds", int64(lookupWindow.Seconds()))
	}
	var out []int64
	err := db.NewRaw(`
SELECT `+wait+` AS wait
FROM bookings bk
JOIN audit_log a ON a.action = 'emergency.lookup' AND a.target_kind = 'carer' AND a.target_id = bk.carer_id
  AND `+window+`
WHERE `+placementWhere+`
GROUP BY bk.id, bk.created_at`, windowArg, p.From, p.To).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("reports: timing card lookups: %w", err)
	}
	return out, nil
}

// hostCounts counts the approved hosts, those with stale calendars (last
// confirmed before staleBefore, or never) and those overdue for review on
// today.
func hostCounts(ctx context.Context, db bun.IDB, today calendar.Date, staleBefore time.Time) (SharedLives, error) {
	pg := db.Dialect().Name() == dialect.PG
	stale := "julianday(availability_confirmed_at) < julianday(?)"
	if pg {
		stale = "availability_confirmed_at < CAST(? AS TIMESTAMPTZ)"
	}
	var out SharedLives
	err := db.NewRaw(`
SELECT COUNT(*) AS approved_hosts,
       COALESCE(SUM(CASE WHEN availability_confirmed_at IS NULL OR `+stale+` THEN 1 ELSE 0 END), 0) AS stale_calendars,
       COALESCE(SUM(CASE WHEN review_due IS NULL OR review_due < ? THEN 1 ELSE 0 END), 0) AS reviews_overdue
FROM hosts WHERE status = 'approved'`, instant(pg, staleBefore), today).Scan(ctx, &out)
	if err != nil {
		return SharedLives{}, fmt.Errorf("reports: counting hosts: %w", err)
	}
	return out, nil
}

// hostNightsOffered sums, over the hosts approved now, the nights of p in
// their calendars times their capacity. A host's ranges never overlap: the
// calendar merges them.
func hostNightsOffered(ctx context.Context, db bun.IDB, p Period) (int64, error) {
	pg := db.Dialect().Name() == dialect.PG
	var n int64
	args := append(nightsInArgs(p), p.To, p.From)
	err := db.NewRaw(`
SELECT COALESCE(SUM(h.capacity * `+nightsThrough(pg, "a.starts_on", "a.ends_on")+`), 0)
FROM host_availability a
JOIN hosts h ON h.id = a.host_id
WHERE h.status = 'approved' AND a.starts_on <= ? AND a.ends_on >= ?`, args...).Scan(ctx, &n)
	if err != nil {
		return 0, fmt.Errorf("reports: summing host-nights offered: %w", err)
	}
	return n, nil
}

// hostNightsUsed counts the guest-nights of p of confirmed stays with
// hosts.
func hostNightsUsed(ctx context.Context, db bun.IDB, p Period) (int64, error) {
	return nightsOfStays(ctx, db, p, "host")
}

// nightsThrough is nightsIn for a range whose last night is the date
// column last (both ends included); it takes nightsInArgs too.
func nightsThrough(pg bool, first, last string) string {
	if pg {
		return nightsIn(pg, first, last+" + 1")
	}
	return nightsIn(pg, first, "date("+last+", '+1 day')")
}

// unmetBy counts the unmet stays arriving in p by one breakdown (see
// UnmetDemand), or in all when by is "".
func unmetBy(ctx context.Context, db bun.IDB, p Period, by string) ([]UnmetLine, error) {
	pg := db.Dialect().Name() == dialect.PG
	nights := "CAST(julianday(u.depart) - julianday(u.arrive) AS INTEGER)"
	if pg {
		nights = "(u.depart - u.arrive)"
	}
	each := func(col string) string {
		if pg {
			return " LEFT JOIN LATERAL jsonb_array_elements_text(u." + col + ") AS j(value) ON TRUE"
		}
		return " LEFT JOIN json_each(u." + col + ") AS j"
	}
	value, join := "''", ""
	var args []any
	switch by {
	case ByMonth:
		value = monthExpr(db, "u.arrive")
	case ByArea:
		value = "u.area"
	case ByNeed:
		value, join = "COALESCE(j.value, 'none')", each("needs")
	case ByRequirement:
		value, join = "COALESCE(j.value, 'none')", each("requirements")
	case ByLength:
		var b strings.Builder
		b.WriteString("CASE")
		for i := len(lengthBands) - 1; i >= 0; i-- {
			b.WriteString(" WHEN " + nights + " >= ? THEN ?")
			args = append(args, lengthBands[i].from, lengthBands[i].name)
		}
		b.WriteString(" END")
		value = b.String()
	}
	args = append(args, p.From, p.To)
	var out []UnmetLine
	err := db.NewRaw(`
SELECT ? AS dimension, value, SUM(planned) AS planned, SUM(emergency) AS emergency, SUM(nights) AS nights FROM (
  SELECT `+value+` AS value,
         CASE WHEN u.kind = 'planned' THEN 1 ELSE 0 END AS planned,
         CASE WHEN u.kind = 'emergency' THEN 1 ELSE 0 END AS emergency,
         `+nights+` AS nights
  FROM unmet_searches u`+join+`
  WHERE u.arrive >= ? AND u.arrive <= ?
) v
GROUP BY value
ORDER BY value`, append([]any{by}, args...)...).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("reports: counting unmet stays by %q: %w", by, err)
	}
	return out, nil
}

// districtExpr is SQL for the postcode district (the outward code, "LS6")
// of a home's postcode column, as booking records it for unmet searches.
// Homes' postcodes are stored as contact.ParsePostcode writes them, with
// one space before the three-character inward code, so the district is
// all but the last four characters: cheap enough to work out for every
// stay a year's right-sizing reads.
func districtExpr(_ bun.IDB, col string) string {
	return "substr(" + col + ", 1, length(" + col + ") - 4)"
}

// turnedAwayChanges is addBedDemand's changes for the planned stays that
// searches found nothing for, by the carer's district and the bed type the
// person's needs call for.
func turnedAwayChanges(ctx context.Context, db bun.IDB, p Period) ([]demandChange, error) {
	d := dialectOf(db)
	needs := "u.needs"
	if d.pg {
		needs = "CAST(u.needs AS TEXT)"
	}
	dementia, nursing := needs+` LIKE '%"dementia"%'`, needs+` LIKE '%"nursing_care"%'`
	bedType := "CASE WHEN " + dementia + " AND " + nursing + " THEN 'nursing_dementia' WHEN " + dementia +
		" THEN 'residential_dementia' WHEN " + nursing + " THEN 'nursing' ELSE 'residential' END"
	after := p.To.AddDays(1)
	var out []demandChange
	err := db.NewRaw(`
SELECT area, bed_type, day, SUM(change) AS change FROM (
  SELECT u.area, `+bedType+` AS bed_type, `+d.greatest("u.arrive", d.param())+` AS day, 1 AS change
  FROM unmet_searches u
  WHERE u.kind = 'planned' AND u.arrive < ? AND u.depart > ?
  UNION ALL
  SELECT u.area, `+bedType+` AS bed_type, u.depart AS day, -1 AS change
  FROM unmet_searches u
  WHERE u.kind = 'planned' AND u.arrive < ? AND u.depart > ? AND u.depart < ?
) c
GROUP BY area, bed_type, day`, p.From, after, p.From, after, p.From, after).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("reports: counting nights turned away: %w", err)
	}
	return out, nil
}

// blockBedsByArea counts today's active beds under active block contracts
// by the home's district and bed type.
func blockBedsByArea(ctx context.Context, db bun.IDB) ([]bedsInArea, error) {
	area := districtExpr(db, "pr.postcode")
	var out []bedsInArea
	err := db.NewRaw(`
SELECT `+area+` AS area, b.bed_type, COUNT(*) AS beds
FROM beds b
JOIN contracts c ON c.id = b.contract_id
JOIN providers pr ON pr.id = b.provider_id
WHERE c.kind = 'block' AND c.active AND b.active
GROUP BY `+area+`, b.bed_type`).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("reports: counting block beds by area: %w", err)
	}
	return out, nil
}
