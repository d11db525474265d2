// Package sharedlives holds shared-lives hosts: vetted, trained families who
// take a person into their home for a short break, an emergency or the long
// term. Coordinators approve and review them; hosts keep their own calendar
// of when they can take guests, and say every so often that it is still right.
package sharedlives

import (
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/calendar"
)

// The vocabularies of hosts, matched against a cared-for person's needs
// (skills) and requirements (home facts).
var (
	// Skills are the training and experience a host has.
	Skills = []string{
		"dementia", "learning_disability", "physical_disability", "mental_health", "autism",
		"epilepsy", "medication", "acquired_brain_injury", "sensory_impairment", "personal_care",
	}
	// Offers are the kinds of stay a host takes.
	Offers = []string{OfferShortBreak, OfferEmergency, OfferLongTerm}
	// HomeFacts describe the host's home.
	HomeFacts = []string{
		"pets", "smoking", "stairs", "wheelchair_access", "ground_floor_bedroom", "level_access_shower", "hoist", "en_suite",
	}
	// AgeGroups are who a host is approved to take.
	AgeGroups = []string{"children", "adults"}
)

// Offers.
const (
	OfferShortBreak = "short_break"
	OfferEmergency  = "emergency"
	OfferLongTerm   = "long_term"
)

// Lifecycle statuses.
const (
	StatusApplicant = "applicant"
	StatusApproved  = "approved"
	StatusSuspended = "suspended"
	StatusLeft      = "left"
)

// StaleAfter is how long a host's calendar stays trusted without the host
// confirming it; after that it is marked stale wherever it is shown.
const StaleAfter = 60 * 24 * time.Hour

// Host is an approved (or applying, suspended, departed) shared-lives host.
type Host struct {
	bun.BaseModel `bun:"table:hosts"`

	ID                      int64          `bun:"id,pk,autoincrement"`
	Name                    string         `bun:"name"`
	Mobile                  string         `bun:"mobile"`  // E.164; texts, and code sign-in
	Address                 string         `bun:"address"` // the home, for carers whose stay is there; "" until entered
	Postcode                string         `bun:"postcode"`
	Latitude                float64        `bun:"latitude"`
	Longitude               float64        `bun:"longitude"`
	Capacity                int            `bun:"capacity"` // guests at once
	Skills                  []string       `bun:"skills"`
	Offers                  []string       `bun:"offers"`
	HomeFacts               []string       `bun:"home_facts"`
	AgeGroups               []string       `bun:"age_groups"`
	StaffNotes              string         `bun:"staff_notes"`
	Status                  string         `bun:"status"`
	ApprovedOn              *calendar.Date `bun:"approved_on"`
	ReviewDue               *calendar.Date `bun:"review_due"`
	AvailabilityConfirmedAt *time.Time     `bun:"availability_confirmed_at"`
	CreatedAt               time.Time      `bun:"created_at"`
	UpdatedAt               time.Time      `bun:"updated_at"`
}

// Range is a span of dates, both ends included, when a host can take guests.
type Range struct {
	bun.BaseModel `bun:"table:host_availability"`

	ID       int64         `bun:"id,pk,autoincrement"`
	HostID   int64         `bun:"host_id"`
	StartsOn calendar.Date `bun:"starts_on"`
	EndsOn   calendar.Date `bun:"ends_on"`
}

// Bookable reports whether the host can be found and booked on day:
// approved, with the approval review not overdue.
func (h Host) Bookable(day calendar.Date) bool {
	return h.Status == StatusApproved && h.ReviewDue != nil && !h.ReviewDue.Before(day)
}

// Stale reports whether the host's calendar has gone unconfirmed too long.
func (h Host) Stale(now time.Time) bool {
	return h.AvailabilityConfirmedAt == nil || now.Sub(*h.AvailabilityConfirmedAt) > StaleAfter
}
