package booking

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/sharedlives"
)

// HoldRequest asks to hold a place for a person's stay.
type HoldRequest struct {
	PersonID       int64
	Place          Place
	Arrive, Depart calendar.Date
}

// CreateHold holds every night of the stay at the place for a short time
// (Options.HoldTTL), checking every booking rule. A bed's nights are
// claimed in the hold store first, and let go if a rule is broken, so that
// a request losing a race costs nothing but the claim. It returns
// ErrPersonNotFound or ErrPlaceNotFound; an Invalid error naming the broken
// rule (dates, suitability, emergency reserve, allowance); ErrOtherStay;
// ErrNightsTaken when any night is booked or held; or ErrHoldsUnavailable
// when the hold store does not answer — a hold never skips the lock.
func (s *Service) CreateHold(ctx context.Context, actor accounts.Principal, req HoldRequest) (Hold, error) {
	p, c, err := personFor(ctx, s.db, actor, req.PersonID)
	if err != nil {
		return Hold{}, err
	}
	var f apperr.Fields
	if req.Place.Kind != PlaceBed && req.Place.Kind != PlaceHost {
		f.Add("place.kind", "Choose bed or host.")
	}
	if req.Place.ID <= 0 {
		f.Add("place.id", "Choose a place from the search results.")
	}
	f.Merge("", s.checkStay(req.Arrive, req.Depart))
	if err := f.Err(); err != nil {
		return Hold{}, err
	}
	now := s.now().UTC()
	h := Hold{
		ID: newHoldID(), PersonID: p.ID, CarerID: c.ID, PlaceKind: req.Place.Kind, PlaceID: req.Place.ID,
		Arrive: req.Arrive, Depart: req.Depart, CreatedByKind: string(actor.Kind), CreatedByID: actor.ID,
		CreatedAt: now, ExpiresAt: now.Add(s.opts.HoldTTL),
	}
	var keys []string
	if req.Place.Kind == PlaceBed {
		// A bed has one slot, so its keys are known before anything is
		// read: claim them first. When many race for the same bed (the
		// last free one on a bank holiday), the losers are turned away at
		// once, without the reads below; the winner then checks every
		// rule, and lets the nights go again if one is broken.
		h.Slot, h.NightSlots = 0, sameSlot(req.Arrive.DaysUntil(req.Depart), 0)
		keys = holdKeys(h)
		if err := s.claim(ctx, h.ID, keys); err != nil {
			return Hold{}, err
		}
		if err := s.checkHoldRules(ctx, p, c, req, now); err != nil {
			_ = s.holds.Release(context.WithoutCancel(ctx), h.ID, keys)
			return Hold{}, err
		}
	} else {
		hc, err := s.checkHost(ctx, p, req)
		if err != nil {
			return Hold{}, err
		}
		if err := s.checkPersonAndAllowance(ctx, p, c, req, now); err != nil {
			return Hold{}, err
		}
		// A free slot may be claimed by a rival between the check and the
		// claim: then try the next ways of giving the stay the slots the
		// database shows free.
		claimed := false
		for _, slots := range slotChoices(hc) {
			h.Slot, h.NightSlots = slots[0], slots
			keys = holdKeys(h)
			err := s.claim(ctx, h.ID, keys)
			if errors.Is(err, ErrNightsTaken) {
				continue
			}
			if err != nil {
				return Hold{}, err
			}
			claimed = true
			break
		}
		if !claimed {
			return Hold{}, ErrNightsTaken
		}
	}
	if err := insertHold(ctx, s.db, &h); err != nil {
		_ = s.holds.Release(context.WithoutCancel(ctx), h.ID, keys)
		return Hold{}, err
	}
	return h, nil
}

// claim takes the hold store's keys for the hold, all or none. It returns
// ErrNightsTaken when another hold has any of them, and
// ErrHoldsUnavailable when the store does not answer.
func (s *Service) claim(ctx context.Context, holdID string, keys []string) error {
	ok, err := s.holds.Claim(ctx, holdID, keys, s.opts.HoldTTL)
	if err != nil {
		// The store may have claimed the keys before failing to answer:
		// let them go rather than block the nights until they expire.
		_ = s.holds.Release(context.WithoutCancel(ctx), holdID, keys)
		return ErrHoldsUnavailable.Because(err)
	}
	if !ok {
		return ErrNightsTaken
	}
	return nil
}

// checkHoldRules checks every rule a hold of a bed must keep: the bed
// (checkBed), the person's other stays and the carer's allowance.
func (s *Service) checkHoldRules(ctx context.Context, p Person, c Carer, req HoldRequest, now time.Time) error {
	if err := s.checkBed(ctx, p, req); err != nil {
		return err
	}
	return s.checkPersonAndAllowance(ctx, p, c, req, now)
}

// checkPersonAndAllowance checks that the person has no other stay or
// hold on the nights, and that the carer's allowance has room for them.
func (s *Service) checkPersonAndAllowance(ctx context.Context, p Person, c Carer, req HoldRequest, now time.Time) error {
	taken, err := personNightsTaken(ctx, s.db, p.ID, req.Arrive, req.Depart, now, "")
	if err != nil {
		return err
	}
	if taken {
		return ErrOtherStay.Reason("%s already has a stay, or a place held, on some nights from %s to %s.", p.Name, req.Arrive.Long(), req.Depart.Long())
	}
	return checkAllowance(ctx, s.db, c, req.Arrive, req.Depart, now, "")
}

// checkBed checks that the bed exists, is bookable ahead, is free on every
// night under a contract covering them all, and suits the person.
func (s *Service) checkBed(ctx context.Context, p Person, req HoldRequest) error {
	now := s.now().UTC()
	found, err := bedCandidates(ctx, s.db, req.Arrive, req.Depart, []string{"residential", "residential_dementia", "nursing", "nursing_dementia"}, now, []int64{req.Place.ID}, nil, true)
	if err != nil {
		return err
	}
	if len(found) == 0 {
		// Say which: no such bed, or a bed that is not free or not covered.
		if _, err := s.providers.Bed(ctx, req.Place.ID); errors.Is(err, providers.ErrBedNotFound) {
			return ErrPlaceNotFound
		} else if err != nil {
			return err // the database not answering is a 503, not "no such bed"
		}
		return ErrNightsTaken.Reason("That bed is not free on every night from %s to %s (booked, held, closed, or outside its contract). Search again for another place.", req.Arrive.Long(), req.Depart.Long())
	}
	b := found[0]
	if b.Emergency && !s.emergencyBedsReleased(req.Depart) {
		return ErrEmergencyOnly
	}
	if _, _, problems := match(p, req.Arrive, b); len(problems) > 0 {
		return ErrUnsuitable.Reason("%s at %s does not suit %s: %s.", b.Label, b.ProviderName, p.Name, strings.Join(problems, "; "))
	}
	return nil
}

// checkHost checks that the host is bookable for a short break, has every
// night marked available with a slot free, and suits the person.
func (s *Service) checkHost(ctx context.Context, p Person, req HoldRequest) (hostCandidate, error) {
	now := s.now().UTC()
	found, err := hostCandidates(ctx, s.db, sharedlives.OfferShortBreak, req.Arrive, req.Depart, s.today(), now, []int64{req.Place.ID}, nil)
	if err != nil {
		return hostCandidate{}, err
	}
	if len(found) == 0 {
		var n int64
		if n, err = s.db.NewSelect().Model((*sharedlives.Host)(nil)).Where("id = ?", req.Place.ID).Count(ctx); err != nil || n == 0 {
			return hostCandidate{}, ErrPlaceNotFound
		}
		return hostCandidate{}, ErrNightsTaken.Reason("That host cannot take a guest on every night from %s to %s (not available, full, or not taking short breaks now). Search again for another place.", req.Arrive.Long(), req.Depart.Long())
	}
	hc := found[0]
	if _, _, problems := matchHost(p, req.Arrive, hc.host, now); len(problems) > 0 {
		return hostCandidate{}, ErrUnsuitable.Reason("%s does not suit %s: %s.", hostName(hc.host), p.Name, strings.Join(problems, "; "))
	}
	return hc, nil
}

// ReleaseHold lets a hold go before it expires. It returns ErrHoldNotFound
// for a hold that is not the actor's to release.
func (s *Service) ReleaseHold(ctx context.Context, actor accounts.Principal, holdID string) error {
	h, err := holdByID(ctx, s.db, holdID)
	if err != nil {
		return err
	}
	if err := access(actor, h.CarerID, ErrHoldNotFound); err != nil {
		return err
	}
	if err := deleteHold(ctx, s.db, h.ID); err != nil {
		return err
	}
	return s.holds.Release(ctx, h.ID, holdKeys(h))
}

// errKeyReused refuses a request sent with an idempotency key that an
// earlier, different request used.
func errKeyReused(key string, earlier Booking) error {
	return apperr.Invalidf("Idempotency-Key",
		"The Idempotency-Key %q was already used to book %s from a different hold. Use a new key for each new booking; send the same key only to repeat the same request.",
		key, earlier.Reference)
}

// Confirm turns a live hold into a confirmed booking, in one transaction
// that re-checks the allowance, writes one row per night (the database
// refuses any night already taken), queues the confirmation text and
// removes the hold. With an idempotency key, the same request again returns
// the same booking. It returns ErrHoldNotFound (including another carer's
// hold), ErrHoldExpired, ErrNightsTaken or an Invalid allowance error.
func (s *Service) Confirm(ctx context.Context, actor accounts.Principal, holdID, idempotencyKey string) (Booking, bool, error) {
	idempotencyKey = strings.TrimSpace(idempotencyKey)
	request := "hold:" + strings.TrimSpace(holdID)
	// replay finds the booking an earlier request with the same key made,
	// and refuses a different request sent with it.
	replay := func() (Booking, bool, error) {
		if idempotencyKey == "" {
			return Booking{}, false, nil
		}
		b, ok, err := bookingByIdempotencyKey(ctx, s.db, string(actor.Kind), actor.ID, idempotencyKey)
		if ok && b.IdempotencyRequest != nil && *b.IdempotencyRequest != request {
			return Booking{}, false, errKeyReused(idempotencyKey, b)
		}
		return b, ok, err
	}
	if b, ok, err := replay(); err != nil || ok {
		return b, false, err
	}
	h, err := holdByID(ctx, s.db, holdID)
	if errors.Is(err, ErrHoldNotFound) {
		// The first request may have used the hold since we looked.
		if b, ok, rerr := replay(); rerr != nil || ok {
			return b, false, rerr
		}
	}
	if err != nil {
		return Booking{}, false, err
	}
	if err := access(actor, h.CarerID, ErrHoldNotFound); err != nil {
		return Booking{}, false, err
	}
	// Microseconds, as PostgreSQL keeps them: the booking this request
	// answers with is then byte for byte the one a replay reads back.
	now := s.now().UTC().Truncate(time.Microsecond)
	if !now.Before(h.ExpiresAt) {
		return Booking{}, false, s.holdExpired()
	}

	var b Booking
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		// Take the hold first: of two confirms racing (a retry while the
		// first request still runs, or a double click), exactly one deletes
		// the live row; the other waits for it and finds nothing.
		if taken, err := takeHold(ctx, tx, h.ID, now); err != nil || !taken {
			if err == nil {
				err = errHoldGone
			}
			return err
		}
		c, err := lockCarer(ctx, tx, h.CarerID, true)
		if err != nil {
			return err
		}
		if err := checkAllowance(ctx, tx, c, h.Arrive, h.Depart, now, h.ID); err != nil {
			return err
		}
		if err := lockPlace(ctx, tx, h.PlaceKind, h.PlaceID); err != nil {
			return err
		}
		if err := s.stillBookable(ctx, tx, h, now); err != nil {
			return err
		}
		place, err := placeInfo(ctx, tx, h.PlaceKind, h.PlaceID)
		if err != nil {
			return err
		}
		b = Booking{
			Status: StatusConfirmed, Kind: KindPlanned, PersonID: h.PersonID, CarerID: h.CarerID,
			PlaceKind: h.PlaceKind, PlaceID: h.PlaceID, Arrive: h.Arrive, Depart: h.Depart, Nights: h.Arrive.DaysUntil(h.Depart),
			NightlyRatePence: place.rate, CreatedByKind: string(actor.Kind), CreatedByID: actor.ID,
			AllowanceRestored: false, CreatedAt: now, UpdatedAt: now,
		}
		if idempotencyKey != "" {
			b.IdempotencyKey, b.IdempotencyRequest = &idempotencyKey, &request
		}
		if err := insertBooking(ctx, tx, &b); err != nil {
			return err
		}
		if err := insertNights(ctx, tx, b, h.nightSlots()); err != nil {
			return err
		}
		if err := s.notify.Enqueue(ctx, tx, notify.Outgoing{
			DedupeKey: bookingKey(b.ID, "confirmed"), To: c.Mobile, Template: notify.TemplateBookingConfirmed,
			Data: notify.Data{Reference: b.Reference, Place: place.name, Arrive: b.Arrive, Depart: b.Depart},
		}); err != nil {
			return err
		}
		if err := s.tellPlace(ctx, tx, b, place, placeBooked, "booked"); err != nil {
			return err
		}
		if actor.Kind == accounts.SubjectStaff {
			return audit.Record(ctx, tx, now, actor, audit.BookingCreated, "booking", b.ID, "booked on the carer's behalf")
		}
		return nil
	})
	if errors.Is(err, errIdempotencyClash) || errors.Is(err, errHoldGone) {
		// The same request, sent twice at once: the other one made it.
		if b, ok, rerr := replay(); rerr != nil || ok {
			return b, false, rerr
		}
	}
	if errors.Is(err, errHoldGone) {
		// Used, released or expired while this request waited.
		if _, lerr := holdByID(ctx, s.db, h.ID); lerr == nil {
			return Booking{}, false, s.holdExpired()
		}
		return Booking{}, false, ErrHoldNotFound
	}
	if err != nil {
		return Booking{}, false, err
	}
	_ = s.holds.Release(context.WithoutCancel(ctx), h.ID, holdKeys(h))
	return b, true, nil
}

// stillBookable checks, inside Confirm's transaction, that the place can
// still be booked as it could when it was held: in the minutes between, a
// bed may have been made inactive, kept for emergencies or taken off its
// contract, or a host suspended or their calendar changed.
func (s *Service) stillBookable(ctx context.Context, tx bun.IDB, h Hold, now time.Time) error {
	gone := ErrNightsTaken.Reason("The place is no longer bookable for those nights (it was changed while it was held). Search again for another place.")
	if h.PlaceKind == PlaceBed {
		found, err := bedCandidates(ctx, tx, h.Arrive, h.Depart, allBedTypes, now, []int64{h.PlaceID}, nil, true)
		if err != nil {
			return err
		}
		if len(found) == 0 || (found[0].Emergency && !s.emergencyBedsReleased(h.Depart)) {
			return gone
		}
		return nil
	}
	found, err := hostCandidates(ctx, tx, sharedlives.OfferShortBreak, h.Arrive, h.Depart, s.today(), now, []int64{h.PlaceID}, nil)
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return gone
	}
	for i, free := range found[0].free {
		if !slices.Contains(free, h.slotOn(i)) {
			return gone
		}
	}
	return nil
}

// place is what texts and bookings need to know of a place.
type place struct {
	kind string // PlaceBed or PlaceHost
	name string // as carers see it: the home's name, or "Shared Lives host Ann"
	rate int64  // pence a night under its contract; hosts have none here
	// textTo is where the place's texts about its stays go: a host's
	// mobile, or a care home's notifications mobile. It is "" for a home
	// without one, which is not texted: staff ring it (see PlaceTold).
	textTo string
	phone  string // a care home's phone, to ring it; "" for a host
}

// placeInfo reads a place's name and rate, and where to text or ring it.
func placeInfo(ctx context.Context, db bun.IDB, kind string, id int64) (place, error) {
	if kind == PlaceHost {
		var h sharedlives.Host
		if err := db.NewSelect().Model(&h).Where("id = ?", id).Scan(ctx); err != nil {
			return place{}, apperr.Wrapf(err, "reading host %d", id)
		}
		return place{kind: PlaceHost, name: hostName(h), textTo: h.Mobile}, nil
	}
	var row struct {
		Name   string `bun:"name"`
		Rate   int64  `bun:"nightly_rate_pence"`
		Mobile string `bun:"notifications_mobile"`
		Phone  string `bun:"phone"`
	}
	err := db.NewSelect().ColumnExpr("p.name, c.nightly_rate_pence, p.notifications_mobile, p.phone").TableExpr("beds AS b").
		Join("JOIN providers AS p ON p.id = b.provider_id").Join("JOIN contracts AS c ON c.id = b.contract_id").
		Where("b.id = ?", id).Scan(ctx, &row)
	return place{kind: PlaceBed, name: row.Name, rate: row.Rate, textTo: row.Mobile, phone: row.Phone}, apperr.Wrapf(err, "reading bed %d", id)
}

// What happened to a stay, as its place is told.
const (
	placeBooked    = "booked"    // a new stay, or one moved here
	placeChanged   = "changed"   // its dates changed (extended, ended early, or partly moved away)
	placeCancelled = "cancelled" // cancelled, or moved away entirely
)

// tellPlace tells the place about a stay (b, as it now stands), in the
// stay's transaction: a shared-lives host on their mobile, a care home on
// its notifications mobile. A home without one is not texted; staff pages
// show it as "not told: ring them" (PlaceTold). This is the one place that
// texts places about planned stays, changes and cancellations, so homes and
// hosts are told the same things.
//
// The text says no more than the host's texts always have: the reference,
// the dates, and the home's own name (never the person's), with the
// service's number to ring for the rest. It goes at once when the stay is
// tonight or tomorrow, or already under way; a notice about a stay further
// off waits for daytime (notify.StayNotice). An emergency stay arriving
// (moved here) is told with the urgent emergency text instead, as a
// placement is. event makes the dedupe key with the booking's id and the
// place: one text per event per booking and place.
func (s *Service) tellPlace(ctx context.Context, db bun.IDB, b Booking, p place, what, event string) error {
	if p.textTo == "" {
		return nil
	}
	// The place is in the key: a stay moved whole tells the place it left
	// and the place it moved to in one change.
	event = b.PlaceKind + "-" + strconv.FormatInt(b.PlaceID, 10) + "-" + event
	if what == placeBooked && b.Kind == KindEmergency {
		return s.tellEmergencyPlace(ctx, db, b, p, event)
	}
	out := notify.Outgoing{
		DedupeKey: bookingKey(b.ID, event), To: p.textTo,
		Data:  notify.Data{Reference: b.Reference, Arrive: b.Arrive, Depart: b.Depart},
		About: b.Arrive,
	}
	switch {
	// A host is told the stay as it now stands; a change reads as the
	// booking with its new dates.
	case p.kind == PlaceHost && what == placeCancelled:
		out.Template = notify.TemplateHostGuestCancelled
	case p.kind == PlaceHost:
		out.Template = notify.TemplateHostGuestBooked
	case what == placeBooked:
		out.Template, out.Data.Place = notify.TemplateHomeStayBooked, p.name
	case what == placeChanged:
		out.Template, out.Data.Place = notify.TemplateHomeStayChanged, p.name
	default:
		out.Template, out.Data.Place = notify.TemplateHomeStayCancelled, p.name
	}
	return s.notify.Enqueue(ctx, db, out)
}

func bookingKey(id int64, event string) string {
	return "booking:" + strconv.FormatInt(id, 10) + ":" + event
}
