package booking

import (
	"crypto/rand"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
)

// Place kinds: anything bookable for a night.
const (
	PlaceBed  = "bed"  // a care home bed: one guest a night
	PlaceHost = "host" // a shared-lives host: as many guests as their capacity
)

// Booking kinds and statuses.
const (
	KindPlanned   = "planned"
	KindEmergency = "emergency"

	StatusConfirmed = "confirmed"
	StatusCancelled = "cancelled"
)

// The vocabularies above as lists, for the API document's enums.
var (
	PlaceKinds = []string{PlaceBed, PlaceHost}
	Kinds      = []string{KindPlanned, KindEmergency}
	Statuses   = []string{StatusConfirmed, StatusCancelled}
)

// Place names something bookable.
type Place struct {
	Kind string
	ID   int64
}

// Hold is a short claim on a place's nights while someone confirms.
type Hold struct {
	bun.BaseModel `bun:"table:holds"`

	ID        string `bun:"id,pk"`
	PersonID  int64  `bun:"person_id"`
	CarerID   int64  `bun:"carer_id"`
	PlaceKind string `bun:"place_kind"`
	PlaceID   int64  `bun:"place_id"`
	Slot      int    `bun:"slot"` // the slot on the first night (see NightSlots)
	// NightSlots is the slot held on each night, in order. A bed has one
	// slot (0); a host's stay may take a different slot each night, so
	// that a stay fits whenever each night has room. Holds made before
	// night slots were recorded have none, and hold Slot on every night.
	NightSlots    []int         `bun:"night_slots"`
	Arrive        calendar.Date `bun:"arrive"`
	Depart        calendar.Date `bun:"depart"`
	CreatedByKind string        `bun:"created_by_kind"`
	CreatedByID   int64         `bun:"created_by_id"`
	CreatedAt     time.Time     `bun:"created_at"`
	ExpiresAt     time.Time     `bun:"expires_at"`
}

// Booking is a confirmed (or since cancelled) stay.
type Booking struct {
	bun.BaseModel `bun:"table:bookings"`

	ID               int64         `bun:"id,pk,autoincrement"`
	Reference        string        `bun:"reference"`
	Status           string        `bun:"status"`
	Kind             string        `bun:"kind"`
	PersonID         int64         `bun:"person_id"`
	CarerID          int64         `bun:"carer_id"`
	PlaceKind        string        `bun:"place_kind"`
	PlaceID          int64         `bun:"place_id"`
	Arrive           calendar.Date `bun:"arrive"`
	Depart           calendar.Date `bun:"depart"`
	Nights           int           `bun:"nights"`
	NightlyRatePence int64         `bun:"nightly_rate_pence"`
	CreatedByKind    string        `bun:"created_by_kind"`
	CreatedByID      int64         `bun:"created_by_id"`
	IdempotencyKey   *string       `bun:"idempotency_key"`
	// IdempotencyRequest is what a booking made with an idempotency key
	// was asked for ("hold:" and the hold's id), to tell a replay from a
	// new request wrongly sent with the same key.
	IdempotencyRequest *string    `bun:"idempotency_request"`
	CancelledAt        *time.Time `bun:"cancelled_at"`
	CancelledByKind    *string    `bun:"cancelled_by_kind"`
	CancelledByID      *int64     `bun:"cancelled_by_id"`
	CancelReason       *string    `bun:"cancel_reason"`
	AllowanceRestored  bool       `bun:"allowance_restored"`
	// MovedFromBookingID names the booking this one continues, when a stay
	// was moved to another place part-way through (see Service.Move).
	MovedFromBookingID *int64 `bun:"moved_from_booking_id"`
	// EndedEarlyAt is when the stay was ended early (Service.EndEarly, or
	// Cancel on a stay under way); BookedDepart is the departure it was
	// booked to before that. The nights before Depart were kept.
	EndedEarlyAt *time.Time    `bun:"ended_early_at"`
	BookedDepart calendar.Date `bun:"booked_depart"`
	// AllowanceKeptUntil, when after Depart, is how far the stay still
	// counts against the allowance: the nights freed by ending it early
	// that policy keeps (Options.KeepAllowanceOnLateCancel).
	AllowanceKeptUntil calendar.Date `bun:"allowance_kept_until"`
	// OverrideProblems says why the place did not suit the person on paper
	// ("It has no hoist; The home does not take children"), and
	// OverrideReason why duty staff placed them there all the same. Both
	// are empty unless a placement or move was made despite them.
	OverrideProblems string    `bun:"override_problems"`
	OverrideReason   string    `bun:"override_reason"`
	CreatedAt        time.Time `bun:"created_at"`
	UpdatedAt        time.Time `bun:"updated_at"`
}

// slotOn is the slot the hold keeps on the i-th night of its stay.
func (h Hold) slotOn(i int) int {
	if i >= 0 && i < len(h.NightSlots) {
		return h.NightSlots[i]
	}
	return h.Slot
}

// nightSlots is the slot the hold keeps on each night, in order.
func (h Hold) nightSlots() []int {
	out := make([]int, h.Arrive.DaysUntil(h.Depart))
	for i := range out {
		out[i] = h.slotOn(i)
	}
	return out
}

// Overridden reports whether the stay was placed where it did not suit on
// paper (see OverrideProblems).
func (b Booking) Overridden() bool { return b.OverrideReason != "" }

// Night is one place-night-slot a booking occupies. Its primary key is what
// makes a double booking impossible.
type Night struct {
	bun.BaseModel `bun:"table:booking_nights"`

	PlaceKind string        `bun:"place_kind,pk"`
	PlaceID   int64         `bun:"place_id,pk"`
	Night     calendar.Date `bun:"night,pk"`
	Slot      int           `bun:"slot,pk"`
	BookingID int64         `bun:"booking_id"`
	PersonID  int64         `bun:"person_id"`
}

// Errors, each saying which rule was broken in words a carer can act on.
// Services return them with Reason for the particulars.
var (
	ErrHoldNotFound     = apperr.New(apperr.NotFound, "There is no hold with that id, or it has already been used.")
	ErrHoldExpired      = apperr.New(apperr.Conflict, "The hold has expired: a place is kept for a short time only. Search again and hold it afresh.")
	ErrNightsTaken      = apperr.New(apperr.Conflict, "Someone else has just booked or is holding one of those nights. Search again for another place.")
	ErrHoldsUnavailable = apperr.New(apperr.Unavailable, "Places cannot be held just now because the hold service is not answering. Please try again in a minute; nothing has been booked.")
	ErrBookingNotFound  = apperr.New(apperr.NotFound, "There is no booking with that id.")
	ErrPlaceNotFound    = apperr.New(apperr.NotFound, "There is no place with that id.")
	ErrStayRule         = apperr.New(apperr.Invalid, "The stay's dates break a booking rule.")
	ErrUnsuitable       = apperr.New(apperr.Invalid, "That place does not suit the person.")
	ErrEmergencyOnly    = apperr.New(apperr.Invalid, "That bed is kept for emergencies and cannot be booked ahead.")
	ErrOtherStay        = apperr.New(apperr.Conflict, "The person already has a stay on some of those nights.")
	ErrAllowance        = apperr.New(apperr.Invalid, "The stay would use more nights than remain in the allowance.")
	ErrCancelTooLate    = apperr.New(apperr.Invalid, "It is too late to cancel online.")
	ErrAlreadyCancelled = apperr.New(apperr.Conflict, "That booking is already cancelled.")
)

// checkStay applies design.md rule 2's date rules to a planned stay.
func (s *Service) checkStay(arrive, depart calendar.Date) error {
	var f apperr.Fields
	if arrive.IsZero() {
		f.Add("arrive", "Enter the arrival date as YYYY-MM-DD.")
	}
	if depart.IsZero() {
		f.Add("depart", "Enter the departure date as YYYY-MM-DD.")
	}
	if err := f.Err(); err != nil {
		return err
	}
	today := s.today()
	earliest := today.AddDays(s.opts.LeadDays)
	latest := today.AddDays(s.opts.HorizonDays)
	nights := arrive.DaysUntil(depart)
	switch {
	case arrive.Before(earliest):
		f.Add("arrive", "A stay booked ahead can start on %s at the earliest. For tonight, ring the duty team.", earliest.Long())
	case arrive.After(latest):
		f.Add("arrive", "A stay can be booked up to a year ahead: the latest start is %s.", latest.Long())
	}
	switch {
	case nights < 1:
		f.Add("depart", "The departure date must be after the arrival date.")
	case nights > s.opts.MaxNights:
		f.Add("depart", "A stay booked ahead can be at most %d nights; this one is %d.", s.opts.MaxNights, nights)
	}
	return f.Err()
}

// bedCandidate is a bed with what matching needs to know of its home and contract.
type bedCandidate struct {
	BedID            int64    `bun:"bed_id"`
	Label            string   `bun:"label"`
	BedType          string   `bun:"bed_type"`
	Features         []string `bun:"features"`
	Emergency        bool     `bun:"emergency_reserved"`
	ProviderID       int64    `bun:"provider_id"`
	ProviderName     string   `bun:"provider_name"`
	ProviderPhone    string   `bun:"provider_phone"`
	ProviderAddress  string   `bun:"provider_address"`
	ProviderPostcode string   `bun:"provider_postcode"`
	Latitude         float64  `bun:"latitude"`
	Longitude        float64  `bun:"longitude"`
	Specialisms      []string `bun:"specialisms"`
	AgeGroups        []string `bun:"age_groups"`
	NightlyRatePence int64    `bun:"nightly_rate_pence"`
}

// bedTypesFor lists the bed types that can meet a person's needs: dementia
// needs a dementia bed, nursing care a nursing bed.
func bedTypesFor(needs []string) []string {
	dementia, nursing := slices.Contains(needs, "dementia"), slices.Contains(needs, "nursing_care")
	switch {
	case dementia && nursing:
		return []string{"nursing_dementia"}
	case dementia:
		return []string{"residential_dementia", "nursing_dementia"}
	case nursing:
		return []string{"nursing", "nursing_dementia"}
	}
	return []string{"residential", "nursing"}
}

// homesMeet are requirements every registered care home meets: they are
// smoke-free and keep no pets where people stay.
var homesMeet = []string{"no_pets", "non_smoking"}

// match says whether a bed suits a person arriving on arrive, how well
// (higher is better) and why, or why not. The date matters only through the
// person's age group on it: a search over many dates keeps one answer per
// bed and age group, so keep it that way or change search's memo too.
func match(p Person, arrive calendar.Date, b bedCandidate) (score int, reasons []string, problems []string) {
	if !slices.Contains(bedTypesFor(p.Needs), b.BedType) {
		problems = append(problems, fmt.Sprintf("it is a %s bed, and %s needs %s", words(b.BedType), p.Name, orList(bedTypesFor(p.Needs))))
	} else {
		reasons = append(reasons, fmt.Sprintf("%s bed", capitalise(words(b.BedType))))
		if b.BedType == bedTypesFor(p.Needs)[0] {
			score++ // the closest kind of bed, not just one that will do
		}
	}
	for _, need := range p.Needs {
		switch {
		case need == "dementia" || need == "nursing_care":
			if slices.Contains(b.Specialisms, need) {
				score++
				reasons = append(reasons, "Specialises in "+words(need))
			}
		case slices.Contains(b.Specialisms, need):
			score++
			reasons = append(reasons, "Specialises in "+words(need))
		default:
			problems = append(problems, fmt.Sprintf("the home does not specialise in %s", words(need)))
		}
	}
	for _, req := range p.Requirements {
		switch {
		case slices.Contains(b.Features, req):
			reasons = append(reasons, "Has "+words(req))
		case slices.Contains(homesMeet, req):
		default:
			problems = append(problems, fmt.Sprintf("it has no %s", words(req)))
		}
	}
	group := p.AgeGroup(arrive)
	if slices.Contains(b.AgeGroups, group) {
		reasons = append(reasons, "Takes "+group)
	} else {
		problems = append(problems, fmt.Sprintf("the home does not take %s", group))
	}
	return score, reasons, problems
}

func words(s string) string { return strings.ReplaceAll(s, "_", " ") }

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func orList(xs []string) string {
	ws := make([]string, len(xs))
	for i, x := range xs {
		ws[i] = words(x)
	}
	if len(ws) == 1 {
		return "a " + ws[0] + " bed"
	}
	return "a " + strings.Join(ws[:len(ws)-1], ", ") + " or " + ws[len(ws)-1] + " bed"
}

// distanceKm is the great-circle distance between two points.
func distanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const earthKm = 6371.0
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return math.Round(earthKm*2*math.Atan2(math.Sqrt(a), math.Sqrt(1-a))*10) / 10
}

// referenceAlphabet leaves out 0/O and 1/I, which are misread on the phone.
const referenceAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// newReference makes a booking reference like "K7M-4QX".
func newReference() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	out := make([]byte, 0, 7)
	for i, v := range b {
		if i == 3 {
			out = append(out, '-')
		}
		out = append(out, referenceAlphabet[int(v)%len(referenceAlphabet)])
	}
	return string(out)
}

// newHoldID makes an unguessable hold id.
func newHoldID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}
