package providers

import (
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
)

// Contract kinds.
const (
	// KindBlock: beds bought in advance for a period, paid for whether used or not.
	KindBlock = "block"
	// KindSpot: a bed bought for one stay when the block beds are full.
	KindSpot = "spot"
)

// ContractKinds lists the kinds of contract.
var ContractKinds = []string{KindBlock, KindSpot}

// Contract is what the council buys beds from a home under, for the nights
// from StartsOn to EndsOn inclusive, at a nightly rate.
type Contract struct {
	bun.BaseModel `bun:"table:contracts"`

	ID               int64         `bun:"id,pk,autoincrement"`
	ProviderID       int64         `bun:"provider_id"`
	Kind             string        `bun:"kind"`
	Reference        string        `bun:"reference"`
	StartsOn         calendar.Date `bun:"starts_on"`
	EndsOn           calendar.Date `bun:"ends_on"`
	NightlyRatePence int64         `bun:"nightly_rate_pence"`
	CreatedAt        time.Time     `bun:"created_at"`
	UpdatedAt        time.Time     `bun:"updated_at"`
}

// ContractInput is what staff enter to record a contract.
type ContractInput struct {
	Kind             string
	Reference        string
	StartsOn         calendar.Date
	EndsOn           calendar.Date
	NightlyRatePence *int64
}

// Errors about contracts.
var (
	ErrContractNotFound = apperr.New(apperr.NotFound, "There is no contract with that id.")
	ErrReferenceTaken   = apperr.New(apperr.Conflict, "Another contract already has that reference.")
)

// maxContractYears bounds a contract's length: longer is almost certainly a
// typing mistake in the year.
const maxContractYears = 10

func newContract(providerID int64, in ContractInput) (Contract, error) {
	var f apperr.Fields
	c := Contract{
		ProviderID: providerID,
		Kind:       strings.TrimSpace(in.Kind),
		Reference:  strings.TrimSpace(in.Reference),
		StartsOn:   in.StartsOn,
		EndsOn:     in.EndsOn,
	}
	f.OneOf("kind", c.Kind, ContractKinds)
	requiredText(&f, "reference", c.Reference, "Enter the contract reference.", 100)
	if c.StartsOn.IsZero() {
		f.Add("starts_on", "Enter the date the contract starts, as YYYY-MM-DD.")
	}
	if c.EndsOn.IsZero() {
		f.Add("ends_on", "Enter the date the contract ends, as YYYY-MM-DD.")
	}
	if !c.StartsOn.IsZero() && !c.EndsOn.IsZero() {
		switch {
		case c.EndsOn.Before(c.StartsOn):
			f.Add("ends_on", "The end date must be on or after the start date (%s).", c.StartsOn)
		case c.EndsOn.After(c.StartsOn.AddDays(366 * maxContractYears)):
			f.Add("ends_on", "A contract can last at most %d years; check the year.", maxContractYears)
		}
	}
	switch {
	case in.NightlyRatePence == nil:
		f.Add("nightly_rate_pence", "Enter the nightly rate in pence (0 or more).")
	case *in.NightlyRatePence < 0:
		f.Add("nightly_rate_pence", "The nightly rate cannot be negative.")
	default:
		c.NightlyRatePence = *in.NightlyRatePence
	}
	return c, f.Err()
}

// Covers reports whether the night of d falls within the contract.
func (c Contract) Covers(d calendar.Date) bool {
	return !d.Before(c.StartsOn) && !d.After(c.EndsOn)
}
