// Package providers holds the care homes the council buys beds from: the
// homes themselves, the block and spot contracts it buys under, and the beds,
// some of which are kept back for emergencies.
package providers

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/contact"
)

// The vocabularies shared with matching: a cared-for person's needs are
// matched to bed types and specialisms, their requirements to bed features.
var (
	// BedTypes are the kinds of bed a home registers to provide.
	BedTypes = []string{"residential", "residential_dementia", "nursing", "nursing_dementia"}
	// Specialisms are the needs a home is equipped and trained to meet.
	Specialisms = []string{
		"dementia", "learning_disability", "physical_disability", "mental_health",
		"autism", "epilepsy", "acquired_brain_injury", "sensory_impairment", "end_of_life",
	}
	// AgeGroups are who a home may take: children's units are registered separately.
	AgeGroups = []string{"children", "adults"}
	// Features are what a bed or its room has.
	Features = []string{
		"hoist", "wheelchair_access", "ground_floor", "en_suite", "level_access_shower",
		"profiling_bed", "pressure_relief_mattress", "hearing_loop",
	}
)

// Provider is a care home the council buys beds from.
type Provider struct {
	bun.BaseModel `bun:"table:providers"`

	ID        int64   `bun:"id,pk,autoincrement"`
	Name      string  `bun:"name"`
	Address   string  `bun:"address"`
	Postcode  string  `bun:"postcode"`
	Latitude  float64 `bun:"latitude"`
	Longitude float64 `bun:"longitude"`
	Phone     string  `bun:"phone"` // E.164
	// NotificationsMobile is where the home is texted about its stays
	// (booked, changed, cancelled, and each morning's arrivals and
	// departures), in E.164; "" when it has none, and then staff ring the
	// home instead.
	NotificationsMobile string    `bun:"notifications_mobile"`
	BedTypes            []string  `bun:"bed_types"`
	Specialisms         []string  `bun:"specialisms"`
	AgeGroups           []string  `bun:"age_groups"`
	Active              bool      `bun:"active"`
	CreatedAt           time.Time `bun:"created_at"`
	UpdatedAt           time.Time `bun:"updated_at"`
}

// ProviderInput is what staff enter to add a care home.
type ProviderInput struct {
	Name      string
	Address   string
	Postcode  string
	Latitude  *float64
	Longitude *float64
	Phone     string
	// NotificationsMobile is a mobile for the home's texts; "" for none.
	NotificationsMobile string
	BedTypes            []string
	Specialisms         []string
	AgeGroups           []string // default: adults
	Active              *bool    // default: true
}

// ProviderPatch changes some of a care home's details; nil fields stay as they are.
type ProviderPatch struct {
	// IfRevision, when set, is the revision (revision.Of) the change was
	// made to; the change is refused (revision.ErrStale) if the record has
	// changed since.
	IfRevision          string
	Name                *string
	Address             *string
	Postcode            *string
	Latitude            *float64
	Longitude           *float64
	Phone               *string
	NotificationsMobile *string // "" removes it
	BedTypes            *[]string
	Specialisms         *[]string
	AgeGroups           *[]string
	Active              *bool
}

// Errors about care homes.
var (
	ErrProviderNotFound = apperr.New(apperr.NotFound, "There is no care home with that id.")
	// ErrPossibleDuplicate asks, before a home is added, whether it is one
	// already listed under the same name and postcode: adding it twice would
	// split its beds and contracts between two records. Copies name the
	// home; CreateProviderConfirmed adds it when the answer is no.
	ErrPossibleDuplicate = apperr.New(apperr.Conflict, "There is already a care home with this name at this postcode. Is this the same home?")
)

// newProvider builds a Provider from input, naming every bad field. found
// is what the postcode lookup said of its postcode.
func newProvider(in ProviderInput, found contact.Located) (Provider, error) {
	if in.AgeGroups == nil {
		in.AgeGroups = []string{"adults"}
	}
	p := Provider{
		Name: in.Name, Address: in.Address, Postcode: in.Postcode, Phone: in.Phone, NotificationsMobile: in.NotificationsMobile,
		BedTypes: in.BedTypes, Specialisms: in.Specialisms, AgeGroups: in.AgeGroups,
		Active: in.Active == nil || *in.Active,
	}
	var f apperr.Fields
	p.tidy(&f, in.Latitude, in.Longitude, found)
	return p, f.Err()
}

// apply changes p by patch and checks the result as a whole. found is what
// the postcode lookup said of the postcode after the change
// (contact.LocateChange).
func (p *Provider) apply(patch ProviderPatch, found contact.Located) error {
	moved := contact.Moved(p.Postcode, patch.Postcode, patch.Latitude, patch.Longitude)
	set(&p.Name, patch.Name)
	set(&p.Address, patch.Address)
	set(&p.Postcode, patch.Postcode)
	set(&p.Latitude, patch.Latitude)
	set(&p.Longitude, patch.Longitude)
	set(&p.Phone, patch.Phone)
	set(&p.NotificationsMobile, patch.NotificationsMobile)
	set(&p.BedTypes, patch.BedTypes)
	set(&p.Specialisms, patch.Specialisms)
	set(&p.AgeGroups, patch.AgeGroups)
	set(&p.Active, patch.Active)
	lat, lon := &p.Latitude, &p.Longitude
	if moved {
		lat, lon = nil, nil
	}
	var f apperr.Fields
	p.tidy(&f, lat, lon, found)
	return f.Err()
}

// changedFrom names the fields of p that differ from was, by the API's
// names for them, for the audit log: the names only, never the values.
func (p Provider) changedFrom(was Provider) []string {
	var c changes
	c.note("name", p.Name != was.Name)
	c.note("address", p.Address != was.Address)
	c.note("postcode", p.Postcode != was.Postcode)
	c.note("latitude", p.Latitude != was.Latitude)
	c.note("longitude", p.Longitude != was.Longitude)
	c.note("phone", p.Phone != was.Phone)
	c.note("notifications_mobile", p.NotificationsMobile != was.NotificationsMobile)
	c.note("bed_types", !slices.Equal(p.BedTypes, was.BedTypes))
	c.note("specialisms", !slices.Equal(p.Specialisms, was.Specialisms))
	c.note("age_groups", !slices.Equal(p.AgeGroups, was.AgeGroups))
	c.note("active", p.Active != was.Active)
	return c
}

// changes collects the names of the fields a change touched.
type changes []string

// note adds field when it changed.
func (c *changes) note(field string, changed bool) {
	if changed {
		*c = append(*c, field)
	}
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// tidy normalises what people typed and adds an error for every rule
// broken. lat and lon are the position given (nil: not given).
func (p *Provider) tidy(f *apperr.Fields, lat, lon *float64, found contact.Located) {
	p.Name = strings.TrimSpace(p.Name)
	p.Address = strings.TrimSpace(p.Address)
	requiredText(f, "name", p.Name, "Enter the care home's name.", 200)
	requiredText(f, "address", p.Address, "Enter the care home's address.", 500)

	p.Latitude, p.Longitude = contact.CheckWhereabouts(f, "the care home", &p.Postcode, lat, lon, found)
	if phone, err := contact.ParsePhone(p.Phone); err != nil {
		f.Add("phone", "%s", err.Error())
	} else {
		p.Phone = phone
	}
	// Optional, but when given it must take texts: a landline would
	// silently never be told.
	if p.NotificationsMobile = strings.TrimSpace(p.NotificationsMobile); p.NotificationsMobile != "" {
		if mobile, err := contact.ParseMobileForTexts(p.NotificationsMobile); err != nil {
			f.Add("notifications_mobile", "%s", err.Error())
		} else {
			p.NotificationsMobile = mobile
		}
	}

	p.BedTypes = nonNil(p.BedTypes)
	p.Specialisms = nonNil(p.Specialisms)
	p.AgeGroups = nonNil(p.AgeGroups)
	if len(p.BedTypes) == 0 {
		f.Add("bed_types", "Choose at least one bed type: %s.", strings.Join(BedTypes, ", "))
	}
	f.AllOneOf("bed_types", p.BedTypes, BedTypes)
	f.AllOneOf("specialisms", p.Specialisms, Specialisms)
	if len(p.AgeGroups) == 0 {
		f.Add("age_groups", "Choose at least one age group: %s.", strings.Join(AgeGroups, ", "))
	}
	f.AllOneOf("age_groups", p.AgeGroups, AgeGroups)
}

func requiredText(f *apperr.Fields, field, value, missing string, maxRunes int) {
	switch {
	case value == "":
		f.Add(field, "%s", missing)
	case utf8.RuneCountInString(value) > maxRunes:
		f.Add(field, "This must be %d characters or fewer.", maxRunes)
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Texted reports whether the home is texted about its stays: it has a
// notifications mobile. When it is not, staff must ring it.
func (p Provider) Texted() bool { return p.NotificationsMobile != "" }

// Offers reports whether the home offers bed type t.
func (p Provider) Offers(bedType string) bool {
	for _, t := range p.BedTypes {
		if t == bedType {
			return true
		}
	}
	return false
}
