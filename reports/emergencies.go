package reports

import (
	"context"
	"strconv"
	"time"

	"github.com/respite-uk/respite/calendar"
)

// Tier is the kind of place an emergency placement used, in the order duty
// staff are expected to try them.
type Tier string

// The tiers of emergency placement.
const (
	// TierReservedBed is a block bed held back for emergencies.
	TierReservedBed Tier = "reserved bed"
	// TierBlockBed is any other bed under a block contract.
	TierBlockBed Tier = "other block bed"
	// TierHost is a shared-lives host.
	TierHost Tier = "shared-lives host"
	// TierSpot is a bed under a spot contract, bought for the stay.
	TierSpot Tier = "spot purchase"
)

// Tiers lists the tiers in the order reports show them.
var Tiers = []Tier{TierReservedBed, TierBlockBed, TierHost, TierSpot}

// lookupWindow is how long before a placement a lookup of the carer's
// emergency card counts as part of the same emergency.
const lookupWindow = 24 * time.Hour

// Emergencies is how carers' emergency plans were held and used.
//
// A placement is an emergency stay (made by duty staff) that arrives in the
// period and is still confirmed; the second part of a stay moved to another
// place is not a placement of its own.
type Emergencies struct {
	// PlansHeld is the carers registered by the period's last day whose
	// emergency plan is not empty (as it reads now: plans keep no history).
	PlansHeld int64
	// Placements is the emergency placements, and CarersPlaced the distinct
	// carers whose person was placed: the plans used.
	Placements   int64
	CarersPlaced int64
	// ByTier is the placements by the kind of place, in Tiers' order.
	ByTier []TierCount
	// LookedUp is the placements whose carer's emergency card was looked up
	// in the 24 hours before; MedianLookupToPlacement is the median time
	// from the latest such lookup to the placement (0 when none were).
	LookedUp                int64
	MedianLookupToPlacement time.Duration
}

// TierCount is the placements of one tier.
type TierCount struct {
	Tier       Tier
	Placements int64
}

// Header names Emergencies' columns: it is one measure a row.
func (Emergencies) Header() []string { return []string{"Measure", "Value"} }

// Rows writes each measure in turn; the median is in minutes, one decimal.
func (e Emergencies) Rows() [][]string {
	rows := [][]string{
		{"Carers holding an emergency plan", itoa(e.PlansHeld)},
		{"Emergency placements", itoa(e.Placements)},
		{"Carers whose plan was used", itoa(e.CarersPlaced)},
	}
	for _, t := range e.ByTier {
		rows = append(rows, []string{"Placements: " + string(t.Tier), itoa(t.Placements)})
	}
	median := ""
	if e.LookedUp > 0 {
		median = strconv.FormatFloat(e.MedianLookupToPlacement.Minutes(), 'f', 1, 64)
	}
	return append(rows,
		[]string{"Placements after a card lookup", itoa(e.LookedUp)},
		[]string{"Card lookup to placement, median minutes", median},
	)
}

// Emergencies works out the emergency figures for p. It returns an Invalid
// error naming from or to when p is not a valid period.
func (s *Service) Emergencies(ctx context.Context, p Period) (Emergencies, error) {
	if err := p.Validate(); err != nil {
		return Emergencies{}, err
	}
	var out Emergencies
	var err error
	if out.PlansHeld, err = plansHeld(ctx, s.db, p.To.AddDays(1).StartIn(calendar.London)); err != nil {
		return Emergencies{}, err
	}
	tiers, err := placementsByTier(ctx, s.db, p)
	if err != nil {
		return Emergencies{}, err
	}
	byTier := map[Tier]int64{}
	for _, t := range tiers {
		byTier[t.Tier] = t.Placements
		out.Placements += t.Placements
	}
	for _, t := range Tiers {
		out.ByTier = append(out.ByTier, TierCount{Tier: t, Placements: byTier[t]})
	}
	if out.CarersPlaced, err = carersPlaced(ctx, s.db, p); err != nil {
		return Emergencies{}, err
	}
	waits, err := lookupWaits(ctx, s.db, p)
	if err != nil {
		return Emergencies{}, err
	}
	out.LookedUp = int64(len(waits))
	out.MedianLookupToPlacement = time.Duration(median(waits) * float64(time.Second))
	return out, nil
}
