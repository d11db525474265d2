package providers

import (
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
)

// Bed is one bookable bed in a home, bought under one of that home's contracts.
type Bed struct {
	bun.BaseModel `bun:"table:beds"`

	ID         int64    `bun:"id,pk,autoincrement"`
	ProviderID int64    `bun:"provider_id"`
	ContractID int64    `bun:"contract_id"`
	Label      string   `bun:"label"`
	BedType    string   `bun:"bed_type"`
	Features   []string `bun:"features"`
	// EmergencyReserved beds are kept back for duty staff placing someone in
	// an emergency; carers never see them when they book ahead.
	EmergencyReserved bool      `bun:"emergency_reserved"`
	Active            bool      `bun:"active"`
	CreatedAt         time.Time `bun:"created_at"`
	UpdatedAt         time.Time `bun:"updated_at"`
}

// BedInput is what staff enter to add a bed.
type BedInput struct {
	Label             string
	ContractID        int64
	BedType           string
	Features          []string
	EmergencyReserved bool
	Active            *bool // default: true
}

// BedPatch changes some of a bed's details; nil fields stay as they are.
type BedPatch struct {
	// IfRevision, when set, is the revision (revision.Of) the change was
	// made to; the change is refused (revision.ErrStale) if the record has
	// changed since.
	IfRevision        string
	Label             *string
	ContractID        *int64
	BedType           *string
	Features          *[]string
	EmergencyReserved *bool
	Active            *bool
}

// Errors about beds.
var (
	ErrBedNotFound = apperr.New(apperr.NotFound, "There is no bed with that id.")
	ErrLabelTaken  = apperr.New(apperr.Conflict, "This care home already has a bed with that label.")
)

func newBed(providerID int64, in BedInput) Bed {
	return Bed{
		ProviderID:        providerID,
		ContractID:        in.ContractID,
		Label:             in.Label,
		BedType:           in.BedType,
		Features:          in.Features,
		EmergencyReserved: in.EmergencyReserved,
		Active:            in.Active == nil || *in.Active,
	}
}

func (b *Bed) apply(patch BedPatch) {
	set(&b.Label, patch.Label)
	set(&b.ContractID, patch.ContractID)
	set(&b.BedType, patch.BedType)
	set(&b.Features, patch.Features)
	set(&b.EmergencyReserved, patch.EmergencyReserved)
	set(&b.Active, patch.Active)
}

// changedFrom names the fields of b that differ from was, by the API's
// names for them, for the audit log.
func (b Bed) changedFrom(was Bed) []string {
	var c changes
	c.note("label", b.Label != was.Label)
	c.note("contract_id", b.ContractID != was.ContractID)
	c.note("bed_type", b.BedType != was.BedType)
	c.note("features", !slices.Equal(b.Features, was.Features))
	c.note("emergency_reserved", b.EmergencyReserved != was.EmergencyReserved)
	c.note("active", b.Active != was.Active)
	return c
}

// check tidies the bed and names every rule it breaks. home and contract are
// the bed's care home and the contract it names (nil when that contract does
// not exist).
func (b *Bed) check(home Provider, contract *Contract) error {
	var f apperr.Fields
	b.Label = strings.TrimSpace(b.Label)
	requiredText(&f, "label", b.Label, "Enter the bed's label, such as \"Room 4\".", 100)
	switch {
	case b.ContractID == 0:
		f.Add("contract_id", "Choose the contract this bed is bought under.")
	case contract == nil:
		f.Add("contract_id", "There is no contract %d.", b.ContractID)
	case contract.ProviderID != home.ID:
		f.Add("contract_id", "Contract %s is with a different care home; choose one of %s's contracts.", contract.Reference, home.Name)
	}
	if f.OneOf("bed_type", b.BedType, BedTypes) && !home.Offers(b.BedType) {
		f.Add("bed_type", "%s does not offer %s beds; it offers %s.", home.Name, b.BedType, strings.Join(home.BedTypes, ", "))
	}
	b.Features = nonNil(b.Features)
	f.AllOneOf("features", b.Features, Features)
	return f.Err()
}
