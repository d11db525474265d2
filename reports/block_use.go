package reports

import (
	"context"
	"sort"

	"github.com/respite-uk/respite/calendar"
)

// BlockUse is how the beds bought under block contracts were used: one line
// per month, contract and bed type, and a total for the council as a whole.
//
// Which beds count: the beds active now under block contracts active now,
// each counted for every night of the period its contract covers. The
// schema keeps no history of a bed being added, taken out or moved between
// contracts, so a bed added part-way through the period counts from the
// period's start (or the contract's), and a bed made inactive counts for
// none of it, nor do the nights booked on it. Nights a bed or home was
// closed (an outbreak, refurbishment) still count as contracted: the
// council pays for them.
type BlockUse struct {
	Lines []BlockUseLine
	Total BlockUseLine // Month, contract, home and bed type left empty
}

// BlockUseLine is block-bed use for one month, contract and bed type.
type BlockUseLine struct {
	Month             Month
	ContractID        int64
	ContractReference string
	ProviderID        int64
	ProviderName      string
	BedType           string
	// Beds is the number of active beds of this type under the contract.
	Beds int64
	// ContractedNights is the contracted bed-nights: beds × the nights of
	// the month, within the period, that the contract covers.
	ContractedNights int64
	// PlannedNights and EmergencyNights are the nights of confirmed stays
	// on these beds, pre-booked and placed by duty staff respectively.
	PlannedNights   int64
	EmergencyNights int64
	// ReservedNights is the contracted bed-nights of the beds held back for
	// emergencies, and ReservedUsed how many of them someone stayed.
	ReservedNights int64
	ReservedUsed   int64
	// NightlyRatePence is the contract's rate (on the total: the average,
	// block cost ÷ contracted bed-nights, rounded to the penny).
	NightlyRatePence int64
	// BlockCostPence is what the council pays: contracted bed-nights × the
	// nightly rate, whether the beds were used or not.
	BlockCostPence int64
}

// BookedNights is the nights used: planned and emergency.
func (l BlockUseLine) BookedNights() int64 { return l.PlannedNights + l.EmergencyNights }

// OccupancyPercent is the nights used ÷ contracted bed-nights, as text with
// one decimal ("" when nothing was contracted).
func (l BlockUseLine) OccupancyPercent() string {
	return percent(l.BookedNights(), l.ContractedNights)
}

// CostPerOccupiedNightPence is the block cost ÷ nights used, to the penny;
// ok is false when no night was used.
func (l BlockUseLine) CostPerOccupiedNightPence() (pence int64, ok bool) {
	return divRound(l.BlockCostPence, l.BookedNights())
}

// Header names BlockUse's columns.
func (BlockUse) Header() []string {
	return []string{
		"Month", "Contract", "Care home", "Bed type", "Beds",
		"Contracted bed-nights", "Planned nights", "Emergency nights",
		"Reserved bed-nights", "Reserved nights used", "Occupancy %",
		"Nightly rate (£)", "Block cost (£)", "Cost per occupied night (£)",
	}
}

// Rows writes each line, then the total, in Header's order.
func (u BlockUse) Rows() [][]string {
	out := make([][]string, 0, len(u.Lines)+1)
	for _, l := range u.Lines {
		out = append(out, l.cells(string(l.Month)))
	}
	return append(out, u.Total.cells("Total"))
}

func (l BlockUseLine) cells(month string) []string {
	cost := ""
	if p, ok := l.CostPerOccupiedNightPence(); ok {
		cost = pounds(p)
	}
	return []string{
		month, l.ContractReference, l.ProviderName, l.BedType, itoa(l.Beds),
		itoa(l.ContractedNights), itoa(l.PlannedNights), itoa(l.EmergencyNights),
		itoa(l.ReservedNights), itoa(l.ReservedUsed), l.OccupancyPercent(),
		pounds(l.NightlyRatePence), pounds(l.BlockCostPence), cost,
	}
}

// BlockUse works out block-bed use over p. It returns an Invalid error
// naming from or to when p is not a valid period.
func (s *Service) BlockUse(ctx context.Context, p Period) (BlockUse, error) {
	if err := p.Validate(); err != nil {
		return BlockUse{}, err
	}
	groups, err := blockBedGroups(ctx, s.db, p)
	if err != nil {
		return BlockUse{}, err
	}
	used, err := blockNightsBooked(ctx, s.db, p)
	if err != nil {
		return BlockUse{}, err
	}

	var u BlockUse
	months := monthsOf(p)
	for _, g := range groups {
		u.Total.Beds += g.Beds
		for _, m := range months {
			nights := int64(overlap(m.From, m.To, g.StartsOn, g.EndsOn))
			if nights == 0 {
				continue
			}
			b := used[blockNightsKey{m.Month, g.ContractID, g.BedType}]
			l := BlockUseLine{
				Month: m.Month, ContractID: g.ContractID, ContractReference: g.Reference,
				ProviderID: g.ProviderID, ProviderName: g.ProviderName, BedType: g.BedType,
				Beds: g.Beds, ContractedNights: g.Beds * nights,
				PlannedNights: b.Planned, EmergencyNights: b.Emergency,
				ReservedNights: g.ReservedBeds * nights, ReservedUsed: b.ReservedUsed,
				NightlyRatePence: g.NightlyRatePence, BlockCostPence: g.Beds * nights * g.NightlyRatePence,
			}
			u.Lines = append(u.Lines, l)
			u.Total.ContractedNights += l.ContractedNights
			u.Total.PlannedNights += l.PlannedNights
			u.Total.EmergencyNights += l.EmergencyNights
			u.Total.ReservedNights += l.ReservedNights
			u.Total.ReservedUsed += l.ReservedUsed
			u.Total.BlockCostPence += l.BlockCostPence
		}
	}
	u.Total.NightlyRatePence, _ = divRound(u.Total.BlockCostPence, u.Total.ContractedNights)
	sort.SliceStable(u.Lines, func(i, j int) bool {
		a, b := u.Lines[i], u.Lines[j]
		switch {
		case a.Month != b.Month:
			return a.Month < b.Month
		case a.ProviderName != b.ProviderName:
			return a.ProviderName < b.ProviderName
		case a.ContractReference != b.ContractReference:
			return a.ContractReference < b.ContractReference
		default:
			return a.BedType < b.BedType
		}
	})
	return u, nil
}

// blockBedGroup is the active beds of one type under one block contract.
type blockBedGroup struct {
	ContractID       int64         `bun:"contract_id"`
	Reference        string        `bun:"reference"`
	ProviderID       int64         `bun:"provider_id"`
	ProviderName     string        `bun:"provider_name"`
	StartsOn         calendar.Date `bun:"starts_on"`
	EndsOn           calendar.Date `bun:"ends_on"`
	NightlyRatePence int64         `bun:"nightly_rate_pence"`
	BedType          string        `bun:"bed_type"`
	Beds             int64         `bun:"beds"`
	ReservedBeds     int64         `bun:"reserved_beds"`
}

// blockRatePence is the average block rate over p, as BlockUse's total
// works it out (block cost ÷ contracted bed-nights), without counting the
// nights booked: what Spot and RightSizing compare against. It validates p.
func (s *Service) blockRatePence(ctx context.Context, p Period) (int64, error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	groups, err := blockBedGroups(ctx, s.db, p)
	if err != nil {
		return 0, err
	}
	var cost, nights int64
	for _, g := range groups {
		n := g.Beds * int64(overlap(p.From, p.To, g.StartsOn, g.EndsOn))
		nights += n
		cost += n * g.NightlyRatePence
	}
	rate, _ := divRound(cost, nights)
	return rate, nil
}
