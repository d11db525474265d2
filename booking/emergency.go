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

// Tiers lists the tiers in that order.
var Tiers = []string{TierEmergencyBed, TierBlockBed, TierHost, TierSpot}

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
		if err := audit.Record(ctx, tx, s.now(), actor, audit.EmergencyLookup, "carer", out.Carer.ID, "emergency card "+card); err != nil {
			return err
		}
		// The card shows each person's needs too: one read each, as the
		// duty console's carer file records them.
		ids := make([]int64, len(out.People))
		for i, p := range out.People {
			ids[i] = p.ID
		}
		return insertReads(ctx, tx, s.now(), actor, audit.PersonNeedsRead, auditPerson, ids, "emergency card "+card)
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
	// ReachKm is how far from the carer's home the search looked for
	// beds and hosts (see emergencyReachKm): places further away are not
	// listed. It is 0 when the carer's home is not on the map, and the
	// search looked everywhere.
	ReachKm float64
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
	// Near the carer's home first, further only when nothing suits there.
	var opts []EmergencyOption
	var misses []NearMiss
	var reachKm float64
	for _, km := range emergencyReachKm {
		near := within(LatLon{c.Latitude, c.Longitude}, km)
		if opts, misses, err = s.emergencyPlaces(ctx, p, c, arrive, depart, now, near); err != nil {
			return EmergencyChoice{}, err
		}
		if near == nil {
			break // looked everywhere
		}
		if reachKm = km; len(opts) > 0 {
			break
		}
	}
	if len(opts) == 0 {
		// No bed or host: an emergency search that found nothing, for the
		// commissioners. Losing the record is worth a log line, not a
		// failed answer.
		if err := recordUnmet(ctx, s.db, UnmetEmergency, p, c, arrive, depart, now); err != nil {
			s.log.ErrorContext(ctx, "recording an emergency search that found nothing", "err", err)
		}
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
	for i := range misses {
		misses[i].Problems = sentences(misses[i].Problems)
	}
	return EmergencyChoice{Options: opts, NearMisses: misses, ReachKm: reachKm}, nil
}

// emergencyReachKm are how far from the carer's home, in turn, duty staff's
// search looks: 50 km (31 miles), then 100, then 200. It goes further only
// when nothing suits within the last, so its cost is that of the places
// near enough, not of every place in the country (docs/benchmarks.md,
// "Emergency options"). Beyond 200 km (124 miles) a place is no answer
// for tonight; the spot suggestions cover that case. A carer whose home is
// not on the map is searched for everywhere.
var emergencyReachKm = []float64{50, 100, 200}

// emergencyPlaces lists the free beds and hosts in near (nil: everywhere)
// for the stay, as options where they suit the person and near misses
// where they do not, unsorted; the near misses' problems are match's
// parts of a sentence, not yet sentences.
func (s *Service) emergencyPlaces(ctx context.Context, p Person, c Carer, arrive, depart calendar.Date, now time.Time, near *area) ([]EmergencyOption, []NearMiss, error) {
	// Every bed type is read, not just those the person's needs call for:
	// a bed of the wrong type is a near miss, and match says why.
	beds, err := bedCandidates(ctx, s.db, arrive, depart, allBedTypes, now, nil, near, true)
	if err != nil {
		return nil, nil, err
	}
	var (
		opts   []EmergencyOption
		misses []NearMiss
	)
	file := func(o EmergencyOption, problems []string) {
		if len(problems) > 0 {
			// Written as sentences only for the few EmergencyChoices keeps.
			misses = append(misses, NearMiss{EmergencyOption: o, Problems: problems})
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
	hosts, err := hostCandidates(ctx, s.db, sharedlives.OfferEmergency, arrive, depart, s.today(), now, nil, near)
	if err != nil {
		return nil, nil, err
	}
	for _, hc := range hosts {
		score, reasons, problems := matchHost(p, arrive, hc.host, now)
		file(EmergencyOption{Tier: TierHost, Place: Place{Kind: PlaceHost, ID: hc.host.ID}, Name: hostName(hc.host),
			Provider: "Shared Lives", Phone: hc.host.Mobile, DistanceKm: distanceKm(c.Latitude, c.Longitude, hc.host.Latitude, hc.host.Longitude),
			Reasons: reasons, score: score}, problems)
	}
	return opts, misses, nil
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
	if err := s.db.NewSelect().Model(&homes).Where("active = ?", true).OrderExpr("id").
		// A home closed whole on the first night (providers.Closure) is not one to ring.
		Where("NOT EXISTS (SELECT 1 FROM closures AS cl WHERE cl.provider_id = provider.id AND cl.bed_id IS NULL AND cl.starts_on <= ? AND cl.ends_on >= ?)", arrive, arrive).
		Scan(ctx); err != nil {
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
	today, tonight := s.today(), s.Tonight()
	switch {
	case arrive.IsZero():
		f.Add("arrive", "Enter the arrival date as YYYY-MM-DD.")
	case arrive.Before(tonight) && tonight == today:
		f.Add("arrive", "An emergency placement starts today at the earliest.")
	case arrive.Before(tonight):
		f.Add("arrive", "An emergency placement starts on %s at the earliest: the night under way.", tonight.Long())
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
	Reason         string // why the placement is needed
	// Override is why the person is placed here although the place does
	// not suit them on paper (it has no hoist, the home does not take
	// children). Without it such a place is refused; with it the placement
	// is made, audited as an override, and the reasons it did not suit are
	// kept on the booking for the home to see. The person's record is
	// never changed to make the match.
	Override string
}

// maxReasonLength bounds every reason staff type.
const maxReasonLength = 1000

// PlaceEmergency makes a confirmed emergency booking in one transaction,
// without the hold layer: the night rows refuse a taken night (409). The
// nights count against the allowance but are not limited by it. The place
// and the carer's emergency contact are texted at once, and the placement is
// audited. It may start on the night under way (see Tonight). It returns
// ErrDutyOnly, ErrPersonNotFound, ErrPlaceNotFound, ErrNightsTaken,
// ErrUnsuitable (a place that does not suit, without an override), or an
// Invalid error.
func (s *Service) PlaceEmergency(ctx context.Context, actor accounts.Principal, req EmergencyRequest) (Booking, error) {
	if !actor.IsStaff(accounts.RoleDuty) {
		return Booking{}, ErrDutyOnly
	}
	p, c, err := personFor(ctx, s.db, actor, req.PersonID)
	if err != nil {
		return Booking{}, err
	}
	req.Override = strings.TrimSpace(req.Override)
	var f apperr.Fields
	if strings.TrimSpace(req.Reason) == "" {
		f.Add("reason", "Say why this emergency placement is needed; it is kept on the record.")
	}
	if len(req.Reason) > maxReasonLength {
		f.Add("reason", "Keep the reason to 1,000 characters.")
	}
	if len(req.Override) > maxReasonLength {
		f.Add("override", "Keep the reason to 1,000 characters.")
	}
	if req.Place.Kind != PlaceBed && req.Place.Kind != PlaceHost {
		f.Add("place.kind", "Choose bed or host.")
	}
	f.Merge("", s.checkEmergencyStay(req.Arrive, req.Depart))
	if err := f.Err(); err != nil {
		return Booking{}, err
	}
	now := s.now().UTC()
	var ov override
	if req.Place.Kind == PlaceBed {
		found, err := bedCandidates(ctx, s.db, req.Arrive, req.Depart, allBedTypes, now, []int64{req.Place.ID}, nil, true)
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
		_, _, problems := match(p, req.Arrive, found[0])
		if ov, err = overrideFor(fmt.Sprintf("%s at %s", found[0].Label, found[0].ProviderName), p, problems, req.Override); err != nil {
			return Booking{}, err
		}
	} else {
		found, err := hostCandidates(ctx, s.db, sharedlives.OfferEmergency, req.Arrive, req.Depart, s.today(), now, []int64{req.Place.ID}, nil)
		if err != nil {
			return Booking{}, err
		}
		if len(found) == 0 {
			return Booking{}, ErrNightsTaken.Reason("That host cannot take an emergency guest on every night from %s to %s.", req.Arrive.Long(), req.Depart.Long())
		}
		_, _, problems := matchHost(p, req.Arrive, found[0].host, now)
		if ov, err = overrideFor(hostName(found[0].host), p, problems, req.Override); err != nil {
			return Booking{}, err
		}
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
			found, err := bedCandidates(ctx, tx, req.Arrive, req.Depart, allBedTypes, now, []int64{req.Place.ID}, nil, true)
			if err != nil {
				return err
			}
			if len(found) == 0 {
				return ErrNightsTaken.Reason("That bed is not free on every night from %s to %s. Choose another option.", req.Arrive.Long(), req.Depart.Long())
			}
		}
		choices := [][]int{sameSlot(req.Arrive.DaysUntil(req.Depart), 0)}
		if req.Place.Kind == PlaceHost {
			found, err := hostCandidates(ctx, tx, sharedlives.OfferEmergency, req.Arrive, req.Depart, s.today(), now, []int64{req.Place.ID}, nil)
			if err != nil {
				return err
			}
			if len(found) == 0 {
				return ErrNightsTaken.Reason("That host cannot take an emergency guest on every night from %s to %s.", req.Arrive.Long(), req.Depart.Long())
			}
			choices = slotChoices(found[0])
		}
		var err error
		b, err = s.insertEmergency(ctx, tx, actor, p, c, req.Place, choices, req.Arrive, req.Depart, ov, now)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, actor, audit.EmergencyPlacement, "booking", b.ID, req.Reason); err != nil {
			return err
		}
		return ov.record(ctx, tx, now, actor, b.ID)
	})
	return b, err
}

// override is a placement made although the place does not suit the
// person on paper: why not, and why all the same. The zero value is no
// override.
type override struct {
	problems string // "It has no hoist; The home does not take children"
	reason   string
}

// overrideFor decides what to do with a place's problems for a person:
// none is no override; problems without a reason are ErrUnsuitable, saying
// how to place the person there all the same; problems with one are an
// override. A reason given where the place suits is not needed and not kept.
func overrideFor(placeName string, p Person, problems []string, reason string) (override, error) {
	if len(problems) == 0 {
		return override{}, nil
	}
	if reason == "" {
		return override{}, ErrUnsuitable.Reason("%s does not suit %s: %s. To place them there all the same, give a reason to override; it is kept on the record and shown to the home.", placeName, p.Name, strings.Join(problems, "; "))
	}
	return override{problems: strings.Join(sentences(problems), "; "), reason: reason}, nil
}

// apply writes the override on a booking about to be stored.
func (ov override) apply(b *Booking) { b.OverrideProblems, b.OverrideReason = ov.problems, ov.reason }

// record audits the override (emergency.override), in the placement's
// transaction; with no override it does nothing.
func (ov override) record(ctx context.Context, db bun.IDB, now time.Time, actor accounts.Principal, bookingID int64) error {
	if ov.reason == "" {
		return nil
	}
	return audit.Record(ctx, db, now, actor, audit.EmergencyOverride, "booking", bookingID, overrideWords(ov.problems, ov.reason))
}

// overrideWords is how an override reads on the record and to the home:
// "Placed despite: It has no hoist; reason: the only bed tonight".
func overrideWords(problems, reason string) string {
	return "Placed despite: " + problems + "; reason: " + reason
}

// slotChoices lists the ways to give a stay a host's free slots, a slot a
// night, to try in turn.
func slotChoices(hc hostCandidate) [][]int {
	out := make([][]int, hc.choices())
	for try := range out {
		out[try] = hc.slotsFor(try)
	}
	return out
}

var allBedTypes = providers.BedTypes

// insertEmergency writes the booking, its nights (trying each choice of
// free slots in turn), and the urgent texts.
func (s *Service) insertEmergency(ctx context.Context, tx bun.IDB, actor accounts.Principal, p Person, c Carer, pl Place, choices [][]int, arrive, depart calendar.Date, ov override, now time.Time) (Booking, error) {
	info, err := placeInfo(ctx, tx, pl.Kind, pl.ID)
	if err != nil {
		return Booking{}, err
	}
	b := Booking{
		Status: StatusConfirmed, Kind: KindEmergency, PersonID: p.ID, CarerID: c.ID, PlaceKind: pl.Kind, PlaceID: pl.ID,
		Arrive: arrive, Depart: depart, Nights: arrive.DaysUntil(depart), NightlyRatePence: info.rate,
		CreatedByKind: string(actor.Kind), CreatedByID: actor.ID, CreatedAt: now, UpdatedAt: now,
	}
	ov.apply(&b)
	if err := insertBooking(ctx, tx, &b); err != nil {
		return Booking{}, err
	}
	if err := insertNightsTrying(ctx, tx, b, b.Arrive, b.Depart, choices); err != nil {
		return Booking{}, err
	}
	// Urgent texts, day or night: the place (unless it is a home with no
	// mobile for texts, which duty staff ring), and the carer's emergency
	// contact, in words for the contact. No care details in either.
	if err := s.tellEmergencyPlace(ctx, tx, b, info, "emergency-place"); err != nil {
		return Booking{}, err
	}
	if c.EmergencyContactPhone != nil && *c.EmergencyContactPhone != "" {
		if err := s.notify.Enqueue(ctx, tx, notify.Outgoing{
			DedupeKey: bookingKey(b.ID, "emergency-contact"), To: *c.EmergencyContactPhone, Template: notify.TemplateEmergencyPlacementContact,
			Data: notify.Data{Place: info.name, Arrive: b.Arrive, Reference: b.Reference},
		}); err != nil {
			return Booking{}, err
		}
	}
	return b, nil
}

// insertNightsTrying writes the booking's nights from from to to with the
// first choice of slots the database accepts. Each try is under its own
// savepoint (insertNights), so a host's next free slots can be tried after a
// rival took one of these.
func insertNightsTrying(ctx context.Context, tx bun.IDB, b Booking, from, to calendar.Date, choices [][]int) error {
	var err error = ErrNightsTaken
	for _, slots := range choices {
		if err = insertNightsFrom(ctx, tx, b, from, to, slots); !errors.Is(err, ErrNightsTaken) {
			break
		}
	}
	return err
}

// tellEmergencyPlace texts the host (their mobile) or care home (its
// notifications mobile) at once that an emergency stay is arriving, in the
// stay's transaction. A home without a mobile for texts is not texted (its
// main line may well be a landline, which cannot take a text): the duty
// officer's confirmation says to ring it (PlaceTold).
func (s *Service) tellEmergencyPlace(ctx context.Context, tx bun.IDB, b Booking, info place, event string) error {
	if info.textTo == "" {
		return nil
	}
	return s.notify.Enqueue(ctx, tx, notify.Outgoing{
		DedupeKey: bookingKey(b.ID, event), To: info.textTo, Template: notify.TemplateEmergencyPlacementPlace,
		Data: notify.Data{Reference: b.Reference, Arrive: b.Arrive},
	})
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

// spotPurchase is the audit log's reason for the contract and bed a spot
// purchase buys.
const spotPurchase = "spot purchase, for an emergency placement"

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
	case *req.NightlyRatePence > providers.MaxNightlyRatePence:
		f.Add("nightly_rate_pence", "A nightly rate over £%d is almost certainly a typing mistake; check it (rates are in pence).", providers.MaxNightlyRatePence/100)
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
	// A home closed to admissions (an outbreak) is closed to a spot
	// purchase too: its new spot bed would otherwise slip past the closure.
	closures, err := s.providers.Closures(ctx, home.ID)
	if err != nil {
		return Booking{}, err
	}
	for _, cl := range closures {
		if cl.WholeHome() && !cl.StartsOn.After(req.Depart.AddDays(-1)) && !cl.EndsOn.Before(req.Arrive) {
			return Booking{}, ErrNightsTaken.Reason("%s is closed to admissions from %s to %s (%s). Choose another home.", home.Name, cl.StartsOn.Long(), cl.EndsOn.Long(), cl.Reason)
		}
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
		// The contract and bed bought are a home's records like any other.
		if err := audit.Record(ctx, tx, now, actor, audit.ContractCreated, "contract", contract.ID, spotPurchase); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, actor, audit.BedCreated, "bed", bed.ID, spotPurchase); err != nil {
			return err
		}
		var err error
		b, err = s.insertEmergency(ctx, tx, actor, p, c, Place{Kind: PlaceBed, ID: bed.ID}, [][]int{sameSlot(req.Arrive.DaysUntil(req.Depart), 0)}, req.Arrive, req.Depart, override{}, now)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, actor, audit.SpotPlacement, "booking", b.ID, fmt.Sprintf("%s (spot at %s, %d pence a night)", req.Reason, home.Name, *req.NightlyRatePence))
	})
	return b, err
}
