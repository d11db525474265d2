package booking

import (
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/calendar"
)

// The vocabularies that matching uses. A cared-for person's needs are met by
// bed types and a home's specialisms (or a host's skills); requirements by a
// bed's features (or a host's home).
var (
	// Needs are what a person needs care for.
	Needs = []string{
		"dementia", "nursing_care", "learning_disability", "physical_disability", "mental_health",
		"autism", "epilepsy", "acquired_brain_injury", "sensory_impairment", "end_of_life",
	}
	// Requirements are what a person's room or home must have, or must not.
	Requirements = []string{
		"hoist", "wheelchair_access", "ground_floor", "en_suite", "level_access_shower",
		"profiling_bed", "pressure_relief_mattress", "hearing_loop", "no_pets", "non_smoking",
	}
)

// Carer is an unpaid carer registered after a carer's assessment.
type Carer struct {
	bun.BaseModel `bun:"table:carers"`

	ID        int64   `bun:"id,pk,autoincrement"`
	Name      string  `bun:"name"`
	Mobile    string  `bun:"mobile"` // E.164; where texts go, and how the carer signs in
	Email     *string `bun:"email"`
	Postcode  string  `bun:"postcode"`
	Latitude  float64 `bun:"latitude"`
	Longitude float64 `bun:"longitude"`
	// AllowanceNights is how many respite nights the carer may book in each
	// allowance year; the years run from AllowanceYearStarts, year on year.
	AllowanceNights     int           `bun:"allowance_nights"`
	AllowanceYearStarts calendar.Date `bun:"allowance_year_starts"`
	// The emergency card the carer carries, and the plan duty staff follow
	// if the carer is suddenly unable to care.
	EmergencyCard         *string   `bun:"emergency_card"`
	EmergencyPlan         string    `bun:"emergency_plan"`
	EmergencyContactName  string    `bun:"emergency_contact_name"`
	EmergencyContactPhone *string   `bun:"emergency_contact_phone"` // E.164
	CreatedAt             time.Time `bun:"created_at"`
	UpdatedAt             time.Time `bun:"updated_at"`
}

// Person is someone a carer looks after: the person who stays.
type Person struct {
	bun.BaseModel `bun:"table:people"`

	ID           int64         `bun:"id,pk,autoincrement"`
	CarerID      int64         `bun:"carer_id"`
	Name         string        `bun:"name"`
	DateOfBirth  calendar.Date `bun:"date_of_birth"`
	Needs        []string      `bun:"needs"`
	Requirements []string      `bun:"requirements"`
	StaffNotes   string        `bun:"staff_notes"` // for staff only; never shown to carers or hosts
	CreatedAt    time.Time     `bun:"created_at"`
	UpdatedAt    time.Time     `bun:"updated_at"`
}

// withoutPlan blanks c's emergency plan and contact, for a reader who is
// not shown them.
func (c *Carer) withoutPlan() {
	c.EmergencyPlan, c.EmergencyContactName, c.EmergencyContactPhone = "", "", nil
}

// withoutCareDetails blanks p's needs, requirements and staff notes, for a
// reader who is not shown them.
func (p *Person) withoutCareDetails() {
	p.Needs, p.Requirements, p.StaffNotes = []string{}, []string{}, ""
}

// changedFrom names the fields of c that differ from was, by the API's
// names for them and in the order the API lists them, for the audit log:
// the names only, never the values.
func (c Carer) changedFrom(was Carer) []string {
	var ch changes
	ch.note("name", c.Name != was.Name)
	ch.note("mobile", c.Mobile != was.Mobile)
	ch.note("email", !sameOptional(c.Email, was.Email))
	ch.note("postcode", c.Postcode != was.Postcode)
	ch.note("latitude", c.Latitude != was.Latitude)
	ch.note("longitude", c.Longitude != was.Longitude)
	ch.note("allowance_nights", c.AllowanceNights != was.AllowanceNights)
	ch.note("allowance_year_starts", c.AllowanceYearStarts != was.AllowanceYearStarts)
	ch.note("emergency_card", !sameOptional(c.EmergencyCard, was.EmergencyCard))
	ch.note("emergency_plan", !sameText(c.EmergencyPlan, was.EmergencyPlan))
	ch.note("emergency_contact_name", c.EmergencyContactName != was.EmergencyContactName)
	ch.note("emergency_contact_phone", !sameOptional(c.EmergencyContactPhone, was.EmergencyContactPhone))
	return ch
}

// changedFrom names the fields of p that differ from was, as Carer's does.
// Needs and requirements are sets: the same ones in another order are no
// change.
func (p Person) changedFrom(was Person) []string {
	var ch changes
	ch.note("name", p.Name != was.Name)
	ch.note("date_of_birth", p.DateOfBirth != was.DateOfBirth)
	ch.note("needs", !sameSet(p.Needs, was.Needs))
	ch.note("requirements", !sameSet(p.Requirements, was.Requirements))
	ch.note("staff_notes", !sameText(p.StaffNotes, was.StaffNotes))
	return ch
}

// changes collects the names of the fields a change touched.
type changes []string

// note adds field when it changed.
func (ch *changes) note(field string, changed bool) {
	if changed {
		*ch = append(*ch, field)
	}
}

// sameOptional reports whether two optional values are both absent, or
// both present and equal.
func sameOptional[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// sameText reports whether two long texts say the same, whatever their line
// ends: a browser sends a textarea's back with CRLF, the API as typed.
func sameText(a, b string) bool {
	return strings.ReplaceAll(a, "\r\n", "\n") == strings.ReplaceAll(b, "\r\n", "\n")
}

// sameSet reports whether a and b hold the same words, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// AllowanceYear returns the allowance year holding night d: from the last
// anniversary of AllowanceYearStarts on or before d, for a year.
func (c Carer) AllowanceYear(d calendar.Date) (start, next calendar.Date) {
	start = anniversary(c.AllowanceYearStarts, d.Year)
	if start.After(d) {
		start = anniversary(c.AllowanceYearStarts, d.Year-1)
	}
	return start, anniversary(c.AllowanceYearStarts, start.Year+1)
}

// anniversary is the date's month and day in year y; 29 February falls on
// 28 February in other years.
func anniversary(d calendar.Date, y int) calendar.Date {
	a := calendar.Date{Year: y, Month: d.Month, Day: d.Day}
	if d.Month == time.February && d.Day == 29 {
		if p, err := calendar.Parse(a.String()); err != nil || p != a {
			a.Day = 28
		}
	}
	return a
}

// IsChild reports whether the person is under 18 on d. Someone born on
// 29 February comes of age on 1 March in a year without one, as UK law
// reckons it.
func (p Person) IsChild(on calendar.Date) bool {
	dob := p.DateOfBirth
	eighteenth := calendar.Date{Year: dob.Year + 18, Month: dob.Month, Day: dob.Day}
	if dob.Month == time.February && dob.Day == 29 && anniversary(dob, dob.Year+18).Day == 28 {
		eighteenth = calendar.Date{Year: dob.Year + 18, Month: time.March, Day: 1}
	}
	return on.Before(eighteenth)
}

// AgeGroup is "children" or "adults" on d, in the words providers and hosts use.
func (p Person) AgeGroup(on calendar.Date) string {
	if p.IsChild(on) {
		return "children"
	}
	return "adults"
}
