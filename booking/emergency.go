package booking

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/sharedlives"
)

// Emergency placements (design.md rule 3): duty staff only; may start today;
// may use beds kept for emergencies and hosts who offer emergency care; the
// allowance is recorded but not enforced; a reason is required; and they go
// straight to the database in one transaction, without the hold layer, so
// they work when Redis is down. The booking_nights keys still refuse any
// double booking.

// Errors of emergency placements.
var (
	ErrDutyOnly     = apperr.New(apperr.Forbidden, "Only the duty team can use emergency cards and place people in an emergency.")
	ErrCardNotFound = apperr.New(apperr.NotFound, "No carer has that emergency card number.")
)

// maxEmergencyNights bounds an emergency stay; longer needs a planned review.
const maxEmergencyNights = 28

// Emergency option tiers, in the order duty staff should look at them.
const (
	TierEmergencyBed = "emergency_reserved" // beds kept back for this
	TierBlockBed     = "block"              // other free beds the council has bought
	TierHost         = "host"               // hosts who offer emergency care
	TierSpot         = "spot"               // homes to ring for a spot purchase
)

// EmergencyCard is what duty staff see from a carer's emergency card.
type EmergencyCard struct {
	Carer  Carer
	People []Person
}

// LookupCard finds the carer behind an emergency card number, with the
// people they care for. Every lookup is audited.
func (s *Service) LookupCard(ctx context.Context, actor accounts.Principal, card string) (EmergencyCard, error) {
	if !actor.IsStaff(accounts.RoleDuty) {
		return EmergencyCard{}, ErrDutyOnly
	}
	card = strings.ToUpper(strings.TrimSpace(card))
	if card == "" {
		return EmergencyCard{}, apperr.Invalidf("card", "Enter the number on the carer's emergency card.")
	}
	var out EmergencyCard
	err := s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewSelect().Model(&out.Carer).Where("emergency_card = ?", card).Scan(ctx)
		if migrations.IsNoRows(err) {
			return ErrCardNotFound
		}
		if err != nil {
			return apperr.Wrapf(err, "looking up emergency card")
		}
		if err := tx.NewSelect().Model(&out.People).Where("carer_id = ?", out.Carer.ID).OrderExpr("id").Scan(ctx); err != nil {
			return apperr.Wrapf(err, "reading the carer's people")
		}
		return audit.Record(ctx, tx, s.now(), actor, audit.EmergencyLookup, "carer", out.Carer.ID, "emergency card "+card)
	})
	return out, err
}

// EmergencyOption is a place for tonight.
type EmergencyOption struct {
	Tier             string
	Place            Place // zero for spot suggestions: ring the home
	Name             string
	Provider         string
	ProviderID       int64
	Phone            string
	DistanceKm       float64
	NightlyRatePence int64
	Reasons          []string
	score            int
}

// EmergencyOptions lists the places that suit the person from arrive (which
// may be today): emergency beds first, then other free block beds, then
// hosts offering emergency care, each nearest first; when none suits, the
// nearest homes that could take the person for a spot purchase. It is
// EmergencyChoices without the near misses, and returns the same errors.
func (s *Service) EmergencyOptions(ctx context.Context, actor accounts.Principal, personID int64, arrive, depart calendar.Date) ([]EmergencyOption, error) {
	choice, err := s.EmergencyChoices(ctx, actor, personID, arrive, depart)
	if err != nil {
		return nil, err
	}
	return choice.Options, nil
}

// maxNearMisses is how many near misses EmergencyChoices lists.
const maxNearMisses = 10

// EmergencyChoice is what duty staff choose from for tonight.
type EmergencyChoice struct {
	// Options are the places that suit, as EmergencyOptions lists them.
	Options []EmergencyOption
	// NearMisses are places free on every night that do not suit the
	// person, nearest first, at most 10: what to weigh up, or ring about,
	// when the options run out.
	NearMisses []NearMiss
}

// NearMiss is a place free on every night of the stay that does not suit
// the person. Its EmergencyOption's Reasons say what does suit; Problems
// say what does not.
type NearMiss struct {
	EmergencyOption
	// Problems say why the place does not suit, one sentence each, starting
	// with a capital and without a full stop ("It has no hoist", "The home
	// does not take children"). There is always at least one.
	Problems []string
}

// EmergencyChoices lists, for a stay from arrive (which may be today), the
// places that suit the person by tier with the reasons they suit (see
// EmergencyOptions), and the nearest free places that do not suit with the
// reasons they do not. Near misses are beds of any type under a contract
// covering the stay and hosts offering emergency care, free on every night;
// a place that suits is never a near miss.
//
// It returns ErrDutyOnly to anyone but duty staff, ErrPersonNotFound, and
// an Invalid error naming "arrive" or "depart" for dates an emergency
// placement cannot have.
func (s *Service) EmergencyChoices(ctx context.Context, actor accounts.Principal, personID int64, arrive, depart calendar.Date) (EmergencyChoice, error) {
	if !actor.IsStaff(accounts.RoleDuty) {
		return EmergencyChoice{}, ErrDutyOnly
	}
	p, c, err := personFor(ctx, s.db, actor, personID)
	if err != nil {
		return EmergencyChoice{}, err
	}
	if err := s.checkEmergencyStay(arrive, depart); err != nil {
		return EmergencyChoice{}, err
	}
	now := s.now().UTC()
	// Every bed type is read, not just those the person's needs call for:
	// a bed of the wrong type is a near miss, and match says why.
	beds, err := bedCandidates(ctx, s.db, arrive, depart, allBedTypes, now, nil, true)
	if err != nil {
		return EmergencyChoice{}, err
	}
	var opts []EmergencyOption
	var misses []NearMiss
	file := func(o EmergencyOption, problems []string) {
		if len(problems) > 0 {
			misses = append(misses, NearMiss{EmergencyOption: o, Problems: sentences(problems)})
		} else {
			opts = append(opts, o)
		}
	}
	for _, b := range beds {
		score, reasons, problems := match(p, arrive, b)
		tier := TierBlockBed
		if b.Emergency {
			tier = TierEmergencyBed
		}
		file(EmergencyOption{Tier: tier, Place: Place{Kind: PlaceBed, ID: b.BedID}, Name: b.Label, Provider: b.ProviderName,
			ProviderID: b.ProviderID, Phone: b.ProviderPhone, DistanceKm: distanceKm(c.Latitude, c.Longitude, b.Latitude, b.Longitude),
			NightlyRatePence: b.NightlyRatePence, Reasons: reasons, score: score}, problems)
	}
	hosts, err := hostCandidates(ctx, s.db, sharedlives.OfferEmergency, arrive, depart, s.today(), now, nil)
	if err != nil {
		return EmergencyChoice{}, err
	}
	for _, hc := range hosts {
		score, reasons, problems := matchHost(p, arrive, hc.host, now)
		file(EmergencyOption{Tier: TierHost, Place: Place{Kind: PlaceHost, ID: hc.host.ID}, Name: hostName(hc.host),
			Provider: "Shared Lives", Phone: hc.host.Mobile, DistanceKm: distanceKm(c.Latitude, c.Longitude, hc.host.Latitude, hc.host.Longitude),
			Reasons: reasons, score: score}, problems)
	}
	if len(opts) == 0 {
		if opts, err = s.spotSuggestions(ctx, p, c, arrive); err != nil {
			return EmergencyChoice{}, err
		}
	}
	slices.SortStableFunc(opts, func(a, b EmergencyOption) int {
		return cmp.Or(cmp.Compare(tierRank[a.Tier], tierRank[b.Tier]), cmp.Compare(a.DistanceKm, b.DistanceKm))
	})
	slices.SortStableFunc(misses, func(a, b NearMiss) int {
		return cmp.Or(cmp.Compare(a.DistanceKm, b.DistanceKm), cmp.Compare(len(a.Problems), len(b.Problems)),
			cmp.Compare(tierRank[a.Tier], tierRank[b.Tier]))
	})
	if len(misses) > maxNearMisses {
		misses = misses[:maxNearMisses]
	}
	return EmergencyChoice{Options: opts, NearMisses: misses}, nil
}

// tierRank orders the tiers as duty staff should look at them.
var tierRank = map[string]int{TierEmergencyBed: 0, TierBlockBed: 1, TierHost: 2, TierSpot: 3}

// sentences writes match's problems, which are parts of a sentence, as
// items of a list.
func sentences(problems []string) []string {
	out := make([]string, len(problems))
	for i, p := range problems {
		out[i] = capitalise(p)
	}
	return out
}

// spotSuggestions lists the nearest active homes whose bed types,
// specialisms and age groups could suit the person: homes to ring.
func (s *Service) spotSuggestions(ctx context.Context, p Person, c Carer, arrive calendar.Date) ([]EmergencyOption, error) {
	var homes []providers.Provider
	if err := s.db.NewSelect().Model(&homes).Where("active = ?", true).OrderExpr("id").Scan(ctx); err != nil {
		return nil, apperr.Wrapf(err, "reading homes")
	}
	var out []EmergencyOption
	for _, h := range homes {
		for _, t := range bedTypesFor(p.Needs) {
			if !h.Offers(t) {
				continue
			}
			cand := bedCandidate{BedType: t, Specialisms: h.Specialisms, AgeGroups: h.AgeGroups, Features: p.Requirements}
			if _, reasons, problems := match(p, arrive, cand); len(problems) == 0 {
				out = append(out, EmergencyOption{Tier: TierSpot, Name: "Ring to ask for a " + words(t) + " bed", Provider: h.Name,
					ProviderID: h.ID, Phone: h.Phone, DistanceKm: distanceKm(c.Latitude, c.Longitude, h.Latitude, h.Longitude),
					Reasons: append(reasons, "No free contracted bed: a spot purchase")})
				break
			}
		}
	}
	sort.SliceStable(out, func(i, k int) bool { return out[i].DistanceKm < out[k].DistanceKm })
	if len(out) > 10 {
		out = out[:10]
	}
	return out, nil
}

func (s *Service) checkEmergencyStay(arrive, depart calendar.Date) error {
	var f apperr.Fields
	today := s.today()
	switch {
	case arrive.IsZero():
		f.Add("arrive", "Enter the arrival date as YYYY-MM-DD.")
	case arrive.Before(today):
		f.Add("arrive", "An emergency placement starts today at the earliest.")
	case arrive.After(today.AddDays(2)):
		f.Add("arrive", "An emergency placement starts within two days; book further ahead as a planned stay.")
	}
	switch nights := arrive.DaysUntil(depart); {
	case depart.IsZero():
		f.Add("depart", "Enter the departure date as YYYY-MM-DD.")
	case nights < 1:
		f.Add("depart", "The departure date must be after the arrival date.")
	case nights > maxEmergencyNights:
		f.Add("depart", "An emergency placement is at most %d nights; this one is %d.", maxEmergencyNights, nights)
	}
	return f.Err()
}

// EmergencyRequest places a person in an emergency.
type EmergencyRequest struct {
	PersonID       int64
	Place          Place
	Arrive, Depart calendar.Date
	Reason         string
}

// PlaceEmergency makes a confirmed emergency booking in one transaction,
// without the hold layer: the night rows refuse a taken night (409). The
// nights count against the allowance but are not limited by it. The place
// and the carer's emergency contact are texted at once, and the placement is
// audited. It returns ErrDutyOnly, ErrPersonNotFound, ErrPlaceNotFound,
// ErrNightsTaken, or an Invalid error.
func (s *Service) PlaceEmergency(ctx context.Context, actor accounts.Principal, req EmergencyRequest) (Booking, error) {
	if !actor.IsStaff(accounts.RoleDuty) {
		return Booking{}, ErrDutyOnly
	}
	p, c, err := personFor(ctx, s.db, actor, req.PersonID)
	if err != nil {
		return Booking{}, err
	}
	var f apperr.Fields
	if strings.TrimSpace(req.Reason) == "" {
		f.Add("reason", "Say why this emergency placement is needed; it is kept on the record.")
	}
	if req.Place.Kind != PlaceBed && req.Place.Kind != PlaceHost {
		f.Add("place.kind", "Choose bed or host.")
	}
	f.Merge("", s.checkEmergencyStay(req.Arrive, req.Depart))
	if err := f.Err(); err != nil {
		return Booking{}, err
	}
	now := s.now().UTC()
	slots := []int{0}
	if req.Place.Kind == PlaceBed {
		found, err := bedCandidates(ctx, s.db, req.Arrive, req.Depart, allBedTypes, now, []int64{req.Place.ID}, true)
		if err != nil {
			return Booking{}, err
		}
		if len(found) == 0 {
			if _, err := s.providers.Bed(ctx, req.Place.ID); errors.Is(err, providers.ErrBedNotFound) {
				return Booking{}, ErrPlaceNotFound
			} else if err != nil {
				return Booking{}, err // the database not answering is a 503, not "no such bed"
			}
			return Booking{}, ErrNightsTaken.Reason("That bed is not free on every night from %s to %s. Choose another option.", req.Arrive.Long(), req.Depart.Long())
		}
		if _, _, problems := match(p, req.Arrive, found[0]); len(problems) > 0 {
			return Booking{}, ErrUnsuitable.Reason("%s at %s does not suit %s: %s.", found[0].Label, found[0].ProviderName, p.Name, strings.Join(problems, "; "))
		}
	} else {
		found, err := hostCandidates(ctx, s.db, sharedlives.OfferEmergency, req.Arrive, req.Depart, s.today(), now, []int64{req.Place.ID})
		if err != nil {
			return Booking{}, err
		}
		if len(found) == 0 {
			return Booking{}, ErrNightsTaken.Reason("That host cannot take an emergency guest on every night from %s to %s.", req.Arrive.Long(), req.Depart.Long())
		}
		if _, _, problems := matchHost(p, req.Arrive, found[0].host, now); len(problems) > 0 {
			return Booking{}, ErrUnsuitable.Reason("%s does not suit %s: %s.", hostName(found[0].host), p.Name, strings.Join(problems, "; "))
		}
		slots = found[0].slots
	}
	var b Booking
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		// Check the place again under the lock its changes take (a host's
		// calendar, a bed's contract), so nights taken out since the check
		// above are never booked.
		if err := lockPlace(ctx, tx, req.Place.Kind, req.Place.ID); err != nil {
			return err
		}
		if req.Place.Kind == PlaceBed {
			found, err := bedCandidates(ctx, tx, req.Arrive, req.Depart, allBedTypes, now, []int64{req.Place.ID}, true)
			if err != nil {
				return err
			}
			if len(found) == 0 {
				return ErrNightsTaken.Reason("That bed is not free on every night from %s to %s. Choose another option.", req.Arrive.Long(), req.Depart.Long())
			}
		}
		if req.Place.Kind == PlaceHost {
			found, err := hostCandidates(ctx, tx, sharedlives.OfferEmergency, req.Arrive, req.Depart, s.today(), now, []int64{req.Place.ID})
			if err != nil {
				return err
			}
			if len(found) == 0 {
				return ErrNightsTaken.Reason("That host cannot take an emergency guest on every night from %s to %s.", req.Arrive.Long(), req.Depart.Long())
			}
			slots = found[0].slots
		}
		var err error
		b, err = s.insertEmergency(ctx, tx, actor, p, c, req.Place, slots, req.Arrive, req.Depart, now)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, actor, audit.EmergencyPlacement, "booking", b.ID, req.Reason)
	})
	return b, err
}

var allBedTypes = providers.BedTypes

// insertEmergency writes the booking, its nights (trying each free slot),
// and the urgent texts.
func (s *Service) insertEmergency(ctx context.Context, tx bun.IDB, actor accounts.Principal, p Person, c Carer, pl Place, slots []int, arrive, depart calendar.Date, now time.Time) (Booking, error) {
	info, err := placeInfo(ctx, tx, pl.Kind, pl.ID)
	if err != nil {
		return Booking{}, err
	}
	b := Booking{
		Status: StatusConfirmed, Kind: KindEmergency, PersonID: p.ID, CarerID: c.ID, PlaceKind: pl.Kind, PlaceID: pl.ID,
		Arrive: arrive, Depart: depart, Nights: arrive.DaysUntil(depart), NightlyRatePence: info.rate,
		CreatedByKind: string(actor.Kind), CreatedByID: actor.ID, CreatedAt: now, UpdatedAt: now,
	}
	if err := insertBooking(ctx, tx, &b); err != nil {
		return Booking{}, err
	}
	// Each try is under its own savepoint: a host's next free slot can be
	// tried after a rival took this one.
	err = ErrNightsTaken
	for _, slot := range slots {
		if err = insertNights(ctx, tx, b, slot); !errors.Is(err, ErrNightsTaken) {
			break
		}
	}
	if err != nil {
		return Booking{}, err
	}
	// Urgent texts, day or night: the place, and the carer's emergency
	// contact. No care details in either.
	placePhone := info.hostMobile
	if pl.Kind == PlaceBed {
		placePhone, err = bedPhone(ctx, tx, pl.ID)
		if err != nil {
			return Booking{}, err
		}
	}
	if err := s.notify.Enqueue(ctx, tx, notify.Outgoing{
		DedupeKey: bookingKey(b.ID, "emergency-place"), To: placePhone, Template: notify.TemplateEmergencyPlacementPlace,
		Data: notify.Data{Reference: b.Reference, Arrive: b.Arrive},
	}); err != nil {
		return Booking{}, err
	}
	if c.EmergencyContactPhone != nil && *c.EmergencyContactPhone != "" {
		if err := s.notify.Enqueue(ctx, tx, notify.Outgoing{
			DedupeKey: bookingKey(b.ID, "emergency-contact"), To: *c.EmergencyContactPhone, Template: notify.TemplateEmergencyPlacementContact,
			Data: notify.Data{Place: info.name},
		}); err != nil {
			return Booking{}, err
		}
	}
	return b, nil
}

func bedPhone(ctx context.Context, db bun.IDB, bedID int64) (string, error) {
	var phone string
	err := db.NewSelect().ColumnExpr("p.phone").TableExpr("beds AS b").Join("JOIN providers AS p ON p.id = b.provider_id").
		Where("b.id = ?", bedID).Scan(ctx, &phone)
	return phone, apperr.Wrapf(err, "reading the home's phone for bed %d", bedID)
}

// SpotRequest records a spot purchase made by phone for an emergency.
type SpotRequest struct {
	PersonID         int64
	ProviderID       int64
	BedType          string
	NightlyRatePence *int64
	Arrive, Depart   calendar.Date
	Reason           string
}

// SpotPlacement records a spot purchase: a spot contract for the stay, a bed
// under it and the emergency booking, in one transaction, audited.
func (s *Service) SpotPlacement(ctx context.Context, actor accounts.Principal, req SpotRequest) (Booking, error) {
	if !actor.IsStaff(accounts.RoleDuty) {
		return Booking{}, ErrDutyOnly
	}
	p, c, err := personFor(ctx, s.db, actor, req.PersonID)
	if err != nil {
		return Booking{}, err
	}
	var f apperr.Fields
	if strings.TrimSpace(req.Reason) == "" {
		f.Add("reason", "Say why this spot purchase is needed; it is kept on the record.")
	}
	switch {
	case req.NightlyRatePence == nil:
		f.Add("nightly_rate_pence", "Enter the agreed nightly rate in pence.")
	case *req.NightlyRatePence < 0:
		f.Add("nightly_rate_pence", "The nightly rate cannot be negative.")
	}
	f.OneOf("bed_type", req.BedType, providers.BedTypes)
	f.Merge("", s.checkEmergencyStay(req.Arrive, req.Depart))
	if err := f.Err(); err != nil {
		return Booking{}, err
	}
	home, err := s.providers.Provider(ctx, req.ProviderID)
	if err != nil {
		return Booking{}, err
	}
	if _, _, problems := match(p, req.Arrive, bedCandidate{BedType: req.BedType, Specialisms: home.Specialisms, AgeGroups: home.AgeGroups, Features: p.Requirements}); len(problems) > 0 {
		return Booking{}, ErrUnsuitable.Reason("A %s bed at %s does not suit %s: %s.", words(req.BedType), home.Name, p.Name, strings.Join(problems, "; "))
	}
	now := s.now().UTC()
	var b Booking
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		ref := "SPOT-" + newReference()
		contract := providers.Contract{ProviderID: home.ID, Kind: providers.KindSpot, Reference: ref, StartsOn: req.Arrive,
			EndsOn: req.Depart.AddDays(-1), NightlyRatePence: *req.NightlyRatePence, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(&contract).Exec(ctx); err != nil {
			return apperr.Wrapf(err, "recording spot contract")
		}
		// The spot bed is never offered for planned stays: it exists for
		// this placement, and its contract ends with it.
		bed := providers.Bed{ProviderID: home.ID, ContractID: contract.ID, Label: "Spot bed " + ref, BedType: req.BedType,
			Features: nonNil(p.Requirements), EmergencyReserved: true, Active: true, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(&bed).Exec(ctx); err != nil {
			return apperr.Wrapf(err, "recording spot bed")
		}
		var err error
		b, err = s.insertEmergency(ctx, tx, actor, p, c, Place{Kind: PlaceBed, ID: bed.ID}, []int{0}, req.Arrive, req.Depart, now)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, actor, audit.SpotPlacement, "booking", b.ID, fmt.Sprintf("%s (spot at %s, %d pence a night)", req.Reason, home.Name, *req.NightlyRatePence))
	})
	return b, err
}
