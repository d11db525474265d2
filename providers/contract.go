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
	// Active contracts supply beds; an inactive one's beds are offered to
	// nobody (a contract ended early, or entered by mistake).
	Active    bool      `bun:"active"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// ContractInput is what staff enter to record a contract.
type ContractInput struct {
	Kind             string
	Reference        string
	StartsOn         calendar.Date
	EndsOn           calendar.Date
	NightlyRatePence *int64
}

// ContractPatch changes some of a contract's details; nil fields stay as
// they are. Its kind cannot change: a spot contract is a different
// arrangement, recorded as a contract of its own.
type ContractPatch struct {
	Reference        *string
	StartsOn         *calendar.Date
	EndsOn           *calendar.Date
	NightlyRatePence *int64
	Active           *bool
}

// Errors about contracts.
var (
	ErrContractNotFound = apperr.New(apperr.NotFound, "There is no contract with that id.")
	ErrReferenceTaken   = apperr.New(apperr.Conflict, "Another contract already has that reference.")
	// ErrContractHasStays refuses a change that would leave booked nights
	// outside the contract; the message names the stays in the way.
	ErrContractHasStays = apperr.New(apperr.Conflict, "Stays are booked on nights this change would take out of the contract.")
)

// MaxNightlyRatePence bounds a nightly rate: £10,000 a night is far above
// any care home's, so more is a typing mistake (pounds typed as pence, or
// an extra nought), and it keeps rate × nights well inside an int64.
const MaxNightlyRatePence = 1_000_000

// maxContractYears bounds a contract's length: longer is almost certainly a
// typing mistake in the year.
const maxContractYears = 10

func newContract(providerID int64, in ContractInput) (Contract, error) {
	c := Contract{
		ProviderID: providerID,
		Kind:       strings.TrimSpace(in.Kind),
		Reference:  in.Reference,
		StartsOn:   in.StartsOn,
		EndsOn:     in.EndsOn,
		Active:     true,
	}
	var f apperr.Fields
	f.OneOf("kind", c.Kind, ContractKinds)
	c.check(&f, in.NightlyRatePence)
	return c, f.Err()
}

// apply changes c by patch and names every rule the result breaks.
func (c *Contract) apply(patch ContractPatch) error {
	set(&c.Reference, patch.Reference)
	set(&c.StartsOn, patch.StartsOn)
	set(&c.EndsOn, patch.EndsOn)
	set(&c.Active, patch.Active)
	rate := &c.NightlyRatePence
	if patch.NightlyRatePence != nil {
		rate = patch.NightlyRatePence
	}
	var f apperr.Fields
	c.check(&f, rate)
	return f.Err()
}

// changedFrom names the fields of c that differ from was, by the API's
// names for them, for the audit log.
func (c Contract) changedFrom(was Contract) []string {
	var ch changes
	ch.note("reference", c.Reference != was.Reference)
	ch.note("starts_on", c.StartsOn != was.StartsOn)
	ch.note("ends_on", c.EndsOn != was.EndsOn)
	ch.note("nightly_rate_pence", c.NightlyRatePence != was.NightlyRatePence)
	ch.note("active", c.Active != was.Active)
	return ch
}

// check tidies the contract's details and adds to f every rule they break.
// rate is the nightly rate as given (nil when it was not).
func (c *Contract) check(f *apperr.Fields, rate *int64) {
	c.Reference = strings.TrimSpace(c.Reference)
	requiredText(f, "reference", c.Reference, "Enter the contract reference.", 100)
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
	case rate == nil:
		f.Add("nightly_rate_pence", "Enter the nightly rate in pence (0 or more).")
	case *rate < 0:
		f.Add("nightly_rate_pence", "The nightly rate cannot be negative.")
	case *rate > MaxNightlyRatePence:
		f.Add("nightly_rate_pence", "A nightly rate over £%d is almost certainly a typing mistake; check it (rates are in pence).", MaxNightlyRatePence/100)
	default:
		c.NightlyRatePence = *rate
	}
}

// Covers reports whether the night of d falls within the contract.
func (c Contract) Covers(d calendar.Date) bool {
	return !d.Before(c.StartsOn) && !d.After(c.EndsOn)
}
