package booking

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/sharedlives"
)

// Changing a stay once it is booked: adding nights (Extend), ending it early
// (EndEarly, and Cancel on a stay under way), and moving it to another place
// (Move). Each change is one transaction that locks the booking, checks the
// place again under the lock its changes take (lockPlace), and writes the
// nights under the same booking_nights keys a booking does, so a change can
// never double-book, and a refused change leaves nothing behind. Each is
// audited, and texts the carer and the place.
//
// Changes are the booking line's: duty staff and administrators, giving a
// reason. Carers ring the booking line to change a stay.

// Errors of changing a stay.
var (
	ErrStayOver = apperr.New(apperr.Conflict, "That stay has already ended, so it cannot be changed.")
	// errCarersRing: carers change a stay by ringing the booking line.
	errCarersRing = ErrNotAllowed.Reason("Only the duty team and administrators can change a stay. To change yours, ring the booking line.")
)

// mayChangeStays says why actor may not change stays, or nil if they may.
func mayChangeStays(actor accounts.Principal) error {
	if runsCarers(actor) {
		return nil
	}
	return errCarersRing
}

// checkReason checks the reason staff give for a change: required, and
// kept to 1,000 characters.
func checkReason(f *apperr.Fields, reason, what string) {
	switch {
	case reason == "":
		f.Add("reason", "Say why the stay is %s; it is kept on the record.", what)
	case len(reason) > maxReasonLength:
		f.Add("reason", "Keep the reason to 1,000 characters.")
	}
}

// lockBooking reads a booking in a change's transaction and, on
// PostgreSQL, locks its row until the transaction ends, so two changes to
// one stay (or a change and a cancellation) go one after the other and the
// second sees the first. SQLite transactions already hold the write lock.
func lockBooking(ctx context.Context, tx bun.Tx, id int64) (Booking, error) {
	var b Booking
	q := tx.NewSelect().Model(&b).Where("id = ?", id)
	if tx.Dialect().Name() == dialect.PG {
		q = q.For("UPDATE")
	}
	err := q.Scan(ctx)
	if migrations.IsNoRows(err) {
		return Booking{}, ErrBookingNotFound
	}
	return b, apperr.Wrapf(err, "reading booking %d", id)
}

// changeBooking runs change on booking id in one transaction, once the
// booking is locked and known to be confirmed, and returns the booking as
// it then stands.
func (s *Service) changeBooking(ctx context.Context, id int64, change func(ctx context.Context, tx bun.Tx, b Booking) error) (Booking, error) {
	err := s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		b, err := lockBooking(ctx, tx, id)
		if err != nil {
			return err
		}
		if b.Status != StatusConfirmed {
			return ErrAlreadyCancelled.Reason("That booking is cancelled, so it cannot be changed.")
		}
		return change(ctx, tx, b)
	})
	if err != nil {
		return Booking{}, err
	}
	return bookingByID(ctx, s.db, id)
}

// changeKey names the texts of one change to a booking: the event and the
// moment, so each change texts once, and a later change texts again even
// back to the same dates.
func changeKey(event string, now time.Time) string {
	return event + "-" + strconv.FormatInt(now.UnixMilli(), 10)
}

// tellCarer texts the carer the stay as it now stands, in the change's
// transaction. (The confirmation's words, with the new dates and place:
// "A respite stay is booked at … from … to …".)
func (s *Service) tellCarer(ctx context.Context, db bun.IDB, carerID int64, b Booking, p place, event string) error {
	c, err := lockCarer(ctx, db, carerID, false)
	if err != nil {
		return err
	}
	return s.notify.Enqueue(ctx, db, notify.Outgoing{
		DedupeKey: bookingKey(b.ID, event), To: c.Mobile, Template: notify.TemplateBookingConfirmed,
		Data: notify.Data{Reference: b.Reference, Place: p.name, Arrive: b.Arrive, Depart: b.Depart},
	})
}

// withdrawStaleReminders stops queued reminders whose dates a change made
// wrong: the week's reminder names both dates, the day's the arrival.
func (s *Service) withdrawStaleReminders(ctx context.Context, db bun.IDB, before, after Booking) error {
	var keys []string
	if before.Arrive != after.Arrive || before.PlaceKind != after.PlaceKind || before.PlaceID != after.PlaceID {
		keys = append(keys, bookingKey(before.ID, "reminder-week"), bookingKey(before.ID, "reminder-day"))
	} else if before.Depart != after.Depart {
		keys = append(keys, bookingKey(before.ID, "reminder-week"))
	}
	return s.notify.Withdraw(ctx, db, keys...)
}

// stayWords writes a stay's dates for the record: "3 April 2027 to 6 April 2027".
func stayWords(arrive, depart calendar.Date) string {
	return arrive.Long() + " to " + depart.Long()
}

// freeNights is what a place offers for some nights of a stay: the slots
// to try, a slot a night (a bed's is always 0), and, for a bed, whether it
// is kept for emergencies.
type freeNights struct {
	choices   [][]int
	emergency bool
	bed       bedCandidate
	host      sharedlives.Host
}

// placeFree checks, in tx and under the place's lock, that the place can
// take the nights from from to to: a bed that is active under a contract
// covering them, neither booked nor held; a host available on each with a
// slot free, offering the kind of stay. It returns ErrPlaceNotFound, or
// ErrNightsTaken saying which nights.
func (s *Service) placeFree(ctx context.Context, tx bun.IDB, pl Place, kind string, from, to calendar.Date, now time.Time) (freeNights, error) {
	if pl.Kind == PlaceBed {
		found, err := bedCandidates(ctx, tx, from, to, allBedTypes, now, []int64{pl.ID}, nil, true)
		if err != nil {
			return freeNights{}, err
		}
		if len(found) == 0 {
			if _, err := s.providers.Bed(ctx, pl.ID); errors.Is(err, providers.ErrBedNotFound) {
				return freeNights{}, ErrPlaceNotFound
			} else if err != nil {
				return freeNights{}, err // the database not answering is a 503, not "no such bed"
			}
			return freeNights{}, ErrNightsTaken.Reason("That bed is not free on every night from %s (booked, held, closed, or outside its contract).", stayWords(from, to))
		}
		return freeNights{choices: [][]int{sameSlot(from.DaysUntil(to), 0)}, emergency: found[0].Emergency, bed: found[0]}, nil
	}
	offer := sharedlives.OfferShortBreak
	if kind == KindEmergency {
		offer = sharedlives.OfferEmergency
	}
	found, err := hostCandidates(ctx, tx, offer, from, to, s.today(), now, []int64{pl.ID}, nil)
	if err != nil {
		return freeNights{}, err
	}
	if len(found) == 0 {
		if n, err := tx.NewSelect().Model((*sharedlives.Host)(nil)).Where("id = ?", pl.ID).Count(ctx); err != nil || n == 0 {
			return freeNights{}, ErrPlaceNotFound
		}
		return freeNights{}, ErrNightsTaken.Reason("That host cannot take a guest on every night from %s (not available, full, or not taking this kind of stay now).", stayWords(from, to))
	}
	return freeNights{choices: slotChoices(found[0]), host: found[0].host}, nil
}

// mayUseEmergencyBed says whether a stay of kind may take a bed kept for
// emergencies for nights up to depart: an emergency stay when duty staff
// place it, a planned one only once such beds are released
// (Options.ReleaseEmergencyDays).
func (s *Service) mayUseEmergencyBed(actor accounts.Principal, kind string, depart calendar.Date) error {
	switch {
	case kind == KindEmergency && actor.IsStaff(accounts.RoleDuty):
		return nil
	case kind == KindEmergency:
		return ErrDutyOnly.Reason("That bed is kept for emergencies: only the duty team can put an emergency stay there.")
	case s.emergencyBedsReleased(depart):
		return nil
	}
	return ErrEmergencyOnly
}

// StayExtension asks for more nights: an earlier arrival, a later
// departure, or both.
type StayExtension struct {
	Arrive calendar.Date // the new arrival, before the stay's; zero keeps it
	Depart calendar.Date // the new departure, after the stay's; zero keeps it
	Reason string
}

// Extend adds nights at the start or end of a stay (or both), at the same
// place, if the place is free on them. The stay's own rules apply to the
// nights added:
//   - a planned stay: new nights at the start no sooner than the lead time
//     allows, the whole stay no longer than Options.MaxNights, a bed kept
//     for emergencies only once released, and the carer's allowance;
//   - an emergency stay: duty staff may extend it onto a bed kept for
//     emergencies; it may be at most 28 nights; the allowance is recorded,
//     not enforced; and the rule that an emergency placement starts within
//     two days does not apply, since the stay is already placed.
//
// Nights already spent cannot be added to: new nights start on the night
// under way at the earliest (Tonight). Suitability was settled when the stay
// was placed, so it is not asked again. It returns ErrNotAllowed,
// ErrBookingNotFound, ErrAlreadyCancelled, ErrStayOver, ErrNightsTaken,
// ErrOtherStay, ErrAllowance, ErrEmergencyOnly or ErrDutyOnly (a bed kept
// for emergencies), or an Invalid error naming arrive, depart or reason.
func (s *Service) Extend(ctx context.Context, actor accounts.Principal, id int64, x StayExtension) (Booking, error) {
	if err := mayChangeStays(actor); err != nil {
		return Booking{}, err
	}
	x.Reason = strings.TrimSpace(x.Reason)
	var f apperr.Fields
	if x.Arrive.IsZero() && x.Depart.IsZero() {
		f.Add("depart", "Enter the new departure date, or the new arrival date.")
	}
	checkReason(&f, x.Reason, "extended")
	if err := f.Err(); err != nil {
		return Booking{}, err
	}
	now := s.now().UTC()
	return s.changeBooking(ctx, id, func(ctx context.Context, tx bun.Tx, b Booking) error {
		after, err := s.checkExtension(b, x)
		if err != nil {
			return err
		}
		// The nights added: before the stay, and after it.
		var added [][2]calendar.Date
		if after.Arrive.Before(b.Arrive) {
			added = append(added, [2]calendar.Date{after.Arrive, b.Arrive})
		}
		if after.Depart.After(b.Depart) {
			added = append(added, [2]calendar.Date{b.Depart, after.Depart})
		}
		c, err := lockCarer(ctx, tx, b.CarerID, b.Kind == KindPlanned)
		if err != nil {
			return err
		}
		if b.Kind == KindPlanned {
			if err := checkAllowance(ctx, tx, c, after.Arrive, b.Arrive, now, ""); err != nil {
				return err
			}
			// Nights freed by ending the stay early that still count
			// against the allowance are not counted twice.
			if from := latest(b.Depart, b.AllowanceKeptUntil); after.Depart.After(from) {
				if err := checkAllowance(ctx, tx, c, from, after.Depart, now, ""); err != nil {
					return err
				}
			}
		}
		if err := lockPlace(ctx, tx, b.PlaceKind, b.PlaceID); err != nil {
			return err
		}
		p, err := personByID(ctx, tx, b.PersonID)
		if err != nil {
			return err
		}
		for _, nights := range added {
			from, to := nights[0], nights[1]
			busy, err := personBusy(ctx, tx, b.PersonID, from, to, now, "")
			if err != nil {
				return err
			}
			if containsTrue(busy) {
				return ErrOtherStay.Reason("%s already has another stay, or a place held, on some nights from %s.", p.Name, stayWords(from, to))
			}
			free, err := s.placeFree(ctx, tx, Place{b.PlaceKind, b.PlaceID}, b.Kind, from, to, now)
			if err != nil {
				return err
			}
			if free.emergency {
				if err := s.mayUseEmergencyBed(actor, b.Kind, to); err != nil {
					return err
				}
			}
			if err := insertNightsTrying(ctx, tx, b, from, to, free.choices); err != nil {
				return err
			}
		}
		if !after.Depart.Before(b.AllowanceKeptUntil) {
			after.AllowanceKeptUntil = calendar.Date{} // the kept nights are booked again
		}
		if _, err := tx.NewUpdate().Model((*Booking)(nil)).
			Set("arrive = ?", after.Arrive).Set("depart = ?", after.Depart).Set("nights = ?", after.Nights).
			Set("allowance_kept_until = ?", after.AllowanceKeptUntil).Set("updated_at = ?", now).
			Where("id = ?", b.ID).Exec(ctx); err != nil {
			return apperr.Wrapf(err, "extending booking %d", b.ID)
		}
		pl, err := placeInfo(ctx, tx, b.PlaceKind, b.PlaceID)
		if err != nil {
			return err
		}
		event := changeKey("extended", now)
		if err := s.withdrawStaleReminders(ctx, tx, b, after); err != nil {
			return err
		}
		if err := s.tellCarer(ctx, tx, c.ID, after, pl, event); err != nil {
			return err
		}
		if err := s.tellPlace(ctx, tx, after, pl, placeChanged, event); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, actor, audit.BookingExtended, "booking", b.ID,
			fmt.Sprintf("%s (was %s; now %s)", x.Reason, stayWords(b.Arrive, b.Depart), stayWords(after.Arrive, after.Depart)))
	})
}

// checkExtension works out the stay as extended, and checks the dates
// against the stay's rules (see Extend).
func (s *Service) checkExtension(b Booking, x StayExtension) (Booking, error) {
	after := b
	var f apperr.Fields
	if !x.Arrive.IsZero() {
		if !x.Arrive.Before(b.Arrive) {
			f.Add("arrive", "The new arrival date must be before %s, when the stay now starts. To start it later, end it early or cancel it and book again.", b.Arrive.Long())
		}
		after.Arrive = x.Arrive
	}
	if !x.Depart.IsZero() {
		if !x.Depart.After(b.Depart) {
			f.Add("depart", "The new departure date must be after %s, when the stay now ends. To end it sooner, end it early.", b.Depart.Long())
		}
		after.Depart = x.Depart
	}
	if err := f.Err(); err != nil {
		return Booking{}, err
	}
	tonight := s.Tonight()
	if !x.Depart.IsZero() && b.Depart.Before(tonight) {
		return Booking{}, ErrStayOver.Reason("That stay ended on %s. Book a new stay instead.", b.Depart.Long())
	}
	after.Nights = after.Arrive.DaysUntil(after.Depart)
	if b.Kind == KindEmergency {
		if after.Arrive.Before(b.Arrive) && after.Arrive.Before(tonight) {
			f.Add("arrive", "Nights already spent cannot be added: the stay can start on %s at the earliest.", tonight.Long())
		}
		if after.Nights > maxEmergencyNights {
			f.Add("depart", "An emergency stay is at most %d nights; this would make it %d. For longer, book a planned stay after it.", maxEmergencyNights, after.Nights)
		}
		return after, f.Err()
	}
	today := s.today()
	if earliest := today.AddDays(s.opts.LeadDays); after.Arrive.Before(b.Arrive) && after.Arrive.Before(earliest) {
		f.Add("arrive", "A stay booked ahead can start on %s at the earliest. For tonight, ring the duty team.", earliest.Long())
	}
	if latestStart := today.AddDays(s.opts.HorizonDays); after.Arrive.After(latestStart) {
		f.Add("arrive", "A stay can be booked up to a year ahead: the latest start is %s.", latestStart.Long())
	}
	if after.Nights > s.opts.MaxNights {
		f.Add("depart", "A stay booked ahead can be at most %d nights; this would make it %d.", s.opts.MaxNights, after.Nights)
	}
	return after, f.Err()
}

// EndEarly ends a stay on the date on (its new departure date): the nights
// before it stay booked and count as used, and only the later ones are
// freed. The freed nights go back to the allowance, except that with
// Options.KeepAllowanceOnLateCancel each freed night it is too late to
// cancel online (inside Options.CancelCutoff) still counts, as a late
// cancellation's would. The stay stays confirmed, with its new dates; it
// records when it was ended early and the departure it was booked to.
//
// on must leave the stay at least one night, and be the night under way or
// later (Tonight): nights already spent are not rewritten. It returns
// ErrNotAllowed, ErrBookingNotFound, ErrAlreadyCancelled, or an Invalid
// error naming on or reason.
func (s *Service) EndEarly(ctx context.Context, actor accounts.Principal, id int64, on calendar.Date, reason string) (Booking, error) {
	if err := mayChangeStays(actor); err != nil {
		return Booking{}, err
	}
	reason = strings.TrimSpace(reason)
	var f apperr.Fields
	if on.IsZero() {
		f.Add("on", "Enter the date the stay now ends.")
	}
	checkReason(&f, reason, "ended early")
	if err := f.Err(); err != nil {
		return Booking{}, err
	}
	now := s.now().UTC()
	return s.changeBooking(ctx, id, func(ctx context.Context, tx bun.Tx, b Booking) error {
		tonight := s.Tonight()
		switch {
		case !on.After(b.Arrive):
			return apperr.Invalidf("on", "The stay starts on %s, so it can end on %s at the earliest. To call off the whole stay, cancel it.", b.Arrive.Long(), b.Arrive.AddDays(1).Long())
		case !on.Before(b.Depart):
			return apperr.Invalidf("on", "The stay already ends on %s. To end it sooner, choose an earlier date.", b.Depart.Long())
		case on.Before(tonight):
			return apperr.Invalidf("on", "Nights already spent stay booked: the stay can end on %s at the earliest.", tonight.Long())
		}
		return s.endEarly(ctx, tx, actor, b, on, reason, now)
	})
}

// endEarly ends b on on, in tx (see EndEarly): frees the later nights,
// records what the allowance keeps, texts, and audits.
func (s *Service) endEarly(ctx context.Context, tx bun.Tx, actor accounts.Principal, b Booking, on calendar.Date, reason string, now time.Time) error {
	after := b
	after.Depart, after.Nights = on, b.Arrive.DaysUntil(on)
	if after.BookedDepart.IsZero() {
		after.BookedDepart = b.Depart
	}
	after.EndedEarlyAt = &now
	kept := s.keptAgainstAllowance(actor, on, b.Depart, now)
	after.AllowanceKeptUntil = latest(kept, b.AllowanceKeptUntil)
	if !after.AllowanceKeptUntil.After(on) {
		after.AllowanceKeptUntil = calendar.Date{}
	}
	if _, err := tx.NewDelete().Model((*Night)(nil)).Where("booking_id = ? AND night >= ?", b.ID, on).Exec(ctx); err != nil {
		return apperr.Wrapf(err, "freeing the later nights of booking %d", b.ID)
	}
	if _, err := tx.NewUpdate().Model((*Booking)(nil)).
		Set("depart = ?", after.Depart).Set("nights = ?", after.Nights).
		Set("ended_early_at = ?", now).Set("booked_depart = ?", after.BookedDepart).
		Set("allowance_kept_until = ?", after.AllowanceKeptUntil).Set("updated_at = ?", now).
		Where("id = ?", b.ID).Exec(ctx); err != nil {
		return apperr.Wrapf(err, "ending booking %d early", b.ID)
	}
	pl, err := placeInfo(ctx, tx, b.PlaceKind, b.PlaceID)
	if err != nil {
		return err
	}
	event := changeKey("ended-early", now)
	if err := s.withdrawStaleReminders(ctx, tx, b, after); err != nil {
		return err
	}
	if err := s.tellCarer(ctx, tx, b.CarerID, after, pl, event); err != nil {
		return err
	}
	if err := s.tellPlace(ctx, tx, after, pl, placeChanged, event); err != nil {
		return err
	}
	if actor.Kind != accounts.SubjectStaff {
		return nil
	}
	freed := on.DaysUntil(b.Depart)
	record := fmt.Sprintf("%s (ends on %s, not %s; %d %s freed", reason, on.Long(), b.Depart.Long(), freed, plural(freed, "night", "nights"))
	if k := on.DaysUntil(kept); k > 0 {
		record += fmt.Sprintf(", %d still counted against the allowance", k)
	}
	return audit.Record(ctx, tx, now, actor, audit.BookingEndedEarly, "booking", b.ID, record+")")
}

// keptAgainstAllowance is how far the nights from on to depart, freed by
// ending a stay early, still count against the allowance: on when they all
// go back. With Options.KeepAllowanceOnLateCancel, staff freeing a night it
// is too late to cancel online (its night starts inside the cutoff) keep it
// counted, as Cancel keeps a late cancellation's. Those are always the
// first freed nights, so what is kept runs from on.
func (s *Service) keptAgainstAllowance(actor accounts.Principal, on, depart calendar.Date, now time.Time) calendar.Date {
	kept := on
	if actor.Kind != accounts.SubjectStaff || !s.opts.KeepAllowanceOnLateCancel {
		return kept
	}
	for kept.Before(depart) && now.After(kept.StartIn(calendar.London).Add(-s.opts.CancelCutoff)) {
		kept = kept.AddDays(1)
	}
	return kept
}

// latest is the later of two dates, a zero date being earliest.
func latest(a, b calendar.Date) calendar.Date {
	if a.IsZero() || b.After(a) {
		return b
	}
	return a
}

func containsTrue(xs []bool) bool {
	for _, x := range xs {
		if x {
			return true
		}
	}
	return false
}

// StayMove asks to move a stay to another place.
type StayMove struct {
	Place Place
	// From is the first night at the new place. Zero means the first night
	// not yet begun: the stay's arrival, or today for a stay under way.
	From   calendar.Date
	Reason string
	// Override is, as for EmergencyRequest, duty staff's reason to move the
	// person to a place that does not suit them on paper.
	Override string
}

// Move moves a stay to another place from a date, as one change: the
// person is never without a place in between, and the new place's nights
// are checked and booked under the same keys as any booking. Moving all of
// a stay's nights (From on its arrival) changes the booking's place, and
// keeps its reference. Moving some, from a date D, ends the booking at D
// and makes a new booking from D at the new place that names it
// (MovedFromBookingID), with the same kind and the rest of the dates.
//
// The new place must be free on every night moved and suit the person (or
// duty staff give an override); a planned stay cannot move to a bed kept
// for emergencies until such beds are released, an emergency stay can when
// duty staff move it. It returns the booking the stay continues in from
// From (the same booking, or the new one), or ErrNotAllowed,
// ErrBookingNotFound, ErrAlreadyCancelled, ErrStayOver, ErrPlaceNotFound,
// ErrNightsTaken, ErrUnsuitable, ErrEmergencyOnly, ErrDutyOnly, or an
// Invalid error naming place, from, reason or override.
func (s *Service) Move(ctx context.Context, actor accounts.Principal, id int64, m StayMove) (Booking, error) {
	if err := mayChangeStays(actor); err != nil {
		return Booking{}, err
	}
	m.Reason, m.Override = strings.TrimSpace(m.Reason), strings.TrimSpace(m.Override)
	var f apperr.Fields
	if m.Place.Kind != PlaceBed && m.Place.Kind != PlaceHost {
		f.Add("place.kind", "Choose bed or host.")
	}
	if m.Place.ID <= 0 {
		f.Add("place.id", "Choose the place to move the stay to.")
	}
	checkReason(&f, m.Reason, "moved")
	switch {
	case m.Override != "" && !actor.IsStaff(accounts.RoleDuty):
		f.Add("override", "Only the duty team can move a person to a place that does not suit them.")
	case len(m.Override) > maxReasonLength:
		f.Add("override", "Keep the reason to 1,000 characters.")
	}
	if err := f.Err(); err != nil {
		return Booking{}, err
	}
	now := s.now().UTC()
	var movedID int64
	_, err := s.changeBooking(ctx, id, func(ctx context.Context, tx bun.Tx, b Booking) error {
		var err error
		movedID, err = s.move(ctx, tx, actor, b, m, now)
		return err
	})
	if err != nil {
		return Booking{}, err
	}
	return bookingByID(ctx, s.db, movedID)
}

// move moves b as Move says, in tx, and returns the id of the booking the
// stay continues in.
func (s *Service) move(ctx context.Context, tx bun.Tx, actor accounts.Principal, b Booking, m StayMove, now time.Time) (int64, error) {
	tonight := s.Tonight()
	from := m.From
	if from.IsZero() {
		from = latest(b.Arrive, s.today())
	}
	switch {
	case !b.Depart.After(tonight):
		return 0, ErrStayOver.Reason("That stay ended on %s, so there is nothing left to move.", b.Depart.Long())
	case from.Before(b.Arrive) || !from.Before(b.Depart):
		return 0, apperr.Invalidf("from", "Choose a date from %s to %s: the nights of the stay.", b.Arrive.Long(), b.Depart.AddDays(-1).Long())
	case from.Before(tonight):
		return 0, apperr.Invalidf("from", "Nights already spent stay where they were: move the stay from %s at the earliest.", tonight.Long())
	case m.Place == (Place{b.PlaceKind, b.PlaceID}):
		return 0, apperr.Invalidf("place.id", "The stay is already there: choose another place.")
	}
	// Lock both places, in one order, so two moves the opposite ways
	// cannot each wait for the other.
	old, to := Place{b.PlaceKind, b.PlaceID}, m.Place
	first, second := old, to
	if cmp.Or(strings.Compare(first.Kind, second.Kind), cmp.Compare(first.ID, second.ID)) > 0 {
		first, second = second, first
	}
	if err := lockPlace(ctx, tx, first.Kind, first.ID); err != nil {
		return 0, err
	}
	if err := lockPlace(ctx, tx, second.Kind, second.ID); err != nil {
		return 0, err
	}
	free, err := s.placeFree(ctx, tx, to, b.Kind, from, b.Depart, now)
	if err != nil {
		return 0, err
	}
	if free.emergency {
		if err := s.mayUseEmergencyBed(actor, b.Kind, b.Depart); err != nil {
			return 0, err
		}
	}
	p, err := personByID(ctx, tx, b.PersonID)
	if err != nil {
		return 0, err
	}
	var problems []string
	placeName := hostName(free.host)
	if to.Kind == PlaceBed {
		_, _, problems = match(p, from, free.bed)
		placeName = free.bed.Label + " at " + free.bed.ProviderName
	} else {
		_, _, problems = matchHost(p, from, free.host, now)
	}
	ov, err := overrideFor(placeName, p, problems, m.Override)
	if err != nil {
		return 0, err
	}
	oldInfo, err := placeInfo(ctx, tx, old.Kind, old.ID)
	if err != nil {
		return 0, err
	}
	newInfo, err := placeInfo(ctx, tx, to.Kind, to.ID)
	if err != nil {
		return 0, err
	}
	// The person's nights at the old place go first, so their own
	// UNIQUE (person_id, night) does not refuse the new ones.
	if _, err := tx.NewDelete().Model((*Night)(nil)).Where("booking_id = ? AND night >= ?", b.ID, from).Exec(ctx); err != nil {
		return 0, apperr.Wrapf(err, "freeing the nights of booking %d", b.ID)
	}
	event := changeKey("moved", now)
	whole := from == b.Arrive
	moved := b
	if whole {
		moved.PlaceKind, moved.PlaceID, moved.NightlyRatePence = to.Kind, to.ID, newInfo.rate
		ov.apply(&moved)
		if _, err := tx.NewUpdate().Model((*Booking)(nil)).
			Set("place_kind = ?", moved.PlaceKind).Set("place_id = ?", moved.PlaceID).
			Set("nightly_rate_pence = ?", moved.NightlyRatePence).
			Set("override_problems = ?", moved.OverrideProblems).Set("override_reason = ?", moved.OverrideReason).
			Set("updated_at = ?", now).Where("id = ?", b.ID).Exec(ctx); err != nil {
			return 0, apperr.Wrapf(err, "moving booking %d", b.ID)
		}
		if err := insertNightsTrying(ctx, tx, moved, from, moved.Depart, free.choices); err != nil {
			return 0, err
		}
		if err := s.tellPlace(ctx, tx, b, oldInfo, placeCancelled, event); err != nil {
			return 0, err
		}
	} else {
		// The first part stays where it was and ends on the day of the
		// move; the rest is a new booking at the new place. Nights the
		// first part kept against the allowance after its end go with the
		// rest, so they are not counted twice.
		moved = Booking{
			Status: StatusConfirmed, Kind: b.Kind, PersonID: b.PersonID, CarerID: b.CarerID,
			PlaceKind: to.Kind, PlaceID: to.ID, Arrive: from, Depart: b.Depart, Nights: from.DaysUntil(b.Depart),
			NightlyRatePence: newInfo.rate, CreatedByKind: string(actor.Kind), CreatedByID: actor.ID,
			MovedFromBookingID: &b.ID, AllowanceKeptUntil: b.AllowanceKeptUntil, CreatedAt: now, UpdatedAt: now,
		}
		ov.apply(&moved)
		if err := insertBooking(ctx, tx, &moved); err != nil {
			return 0, err
		}
		if err := insertNightsTrying(ctx, tx, moved, from, moved.Depart, free.choices); err != nil {
			return 0, err
		}
		first := b
		first.Depart, first.Nights = from, b.Arrive.DaysUntil(from)
		if _, err := tx.NewUpdate().Model((*Booking)(nil)).
			Set("depart = ?", first.Depart).Set("nights = ?", first.Nights).
			Set("allowance_kept_until = NULL").Set("updated_at = ?", now).
			Where("id = ?", b.ID).Exec(ctx); err != nil {
			return 0, apperr.Wrapf(err, "ending booking %d at the move", b.ID)
		}
		if err := s.tellPlace(ctx, tx, first, oldInfo, placeChanged, event); err != nil {
			return 0, err
		}
	}
	if err := s.withdrawStaleReminders(ctx, tx, b, moved); err != nil {
		return 0, err
	}
	if err := s.tellCarer(ctx, tx, b.CarerID, moved, newInfo, event); err != nil {
		return 0, err
	}
	// (An emergency stay arriving at the new place is told at once, as a
	// placement is: see tellPlace.)
	if err := s.tellPlace(ctx, tx, moved, newInfo, placeBooked, event); err != nil {
		return 0, err
	}
	record := fmt.Sprintf("%s (from %s to %s, from %s", m.Reason, oldInfo.name, newInfo.name, from.Long())
	if !whole {
		record += "; continues as booking " + moved.Reference
	}
	if err := audit.Record(ctx, tx, now, actor, audit.BookingMoved, "booking", b.ID, record+")"); err != nil {
		return 0, err
	}
	return moved.ID, ov.record(ctx, tx, now, actor, moved.ID)
}

// StayLinks is how a stay joins others when it was moved part-way through.
type StayLinks struct {
	MovedFrom *Booking // the booking this one continues, if any
	MovedTo   *Booking // the booking that continues this one, if any
}

// StayLinks returns the bookings a stay was moved from and to. It returns
// ErrBookingNotFound for a booking the actor may not see.
func (s *Service) StayLinks(ctx context.Context, actor accounts.Principal, id int64) (StayLinks, error) {
	b, err := s.Booking(ctx, actor, id)
	if err != nil {
		return StayLinks{}, err
	}
	var links StayLinks
	if b.MovedFromBookingID != nil {
		from, err := bookingByID(ctx, s.db, *b.MovedFromBookingID)
		if err != nil {
			return StayLinks{}, err
		}
		links.MovedFrom = &from
	}
	var to []Booking
	if err := s.db.NewSelect().Model(&to).Where("moved_from_booking_id = ?", b.ID).OrderExpr("id").Limit(1).Scan(ctx); err != nil {
		return StayLinks{}, apperr.Wrapf(err, "reading the stay booking %d was moved to", b.ID)
	}
	if len(to) > 0 {
		links.MovedTo = &to[0]
	}
	return links, nil
}

// MoveChoices lists where a stay could move from from (zero: the first
// night not yet begun) to its departure: the places free on every one of
// those nights that suit the person, nearest the carer first, and, for
// duty staff to weigh up, the nearest free places that do not suit
// (NearMisses), with why. The stay's own place is left out. A planned stay
// is offered beds kept for emergencies only once they are released, and
// hosts offering short breaks; an emergency stay, moved by duty staff, any
// free bed and hosts offering emergency care. It returns ErrNotAllowed,
// ErrBookingNotFound, ErrAlreadyCancelled, ErrStayOver, or an Invalid
// error naming from.
func (s *Service) MoveChoices(ctx context.Context, actor accounts.Principal, id int64, from calendar.Date) (EmergencyChoice, error) {
	if err := mayChangeStays(actor); err != nil {
		return EmergencyChoice{}, err
	}
	b, err := s.Booking(ctx, actor, id)
	if err != nil {
		return EmergencyChoice{}, err
	}
	if b.Status != StatusConfirmed {
		return EmergencyChoice{}, ErrAlreadyCancelled.Reason("That booking is cancelled, so it cannot be changed.")
	}
	tonight := s.Tonight()
	if from.IsZero() {
		from = latest(b.Arrive, s.today())
	}
	switch {
	case !b.Depart.After(tonight):
		return EmergencyChoice{}, ErrStayOver.Reason("That stay ended on %s, so there is nothing left to move.", b.Depart.Long())
	case from.Before(b.Arrive) || !from.Before(b.Depart):
		return EmergencyChoice{}, apperr.Invalidf("from", "Choose a date from %s to %s: the nights of the stay.", b.Arrive.Long(), b.Depart.AddDays(-1).Long())
	case from.Before(tonight):
		return EmergencyChoice{}, apperr.Invalidf("from", "Nights already spent stay where they were: move the stay from %s at the earliest.", tonight.Long())
	}
	p, c, err := personFor(ctx, s.db, actor, b.PersonID)
	if err != nil {
		return EmergencyChoice{}, err
	}
	now := s.now().UTC()
	emergency := b.Kind == KindEmergency && actor.IsStaff(accounts.RoleDuty)
	beds, err := bedCandidates(ctx, s.db, from, b.Depart, allBedTypes, now, nil, nil, true)
	if err != nil {
		return EmergencyChoice{}, err
	}
	var out EmergencyChoice
	file := func(o EmergencyOption, problems []string) {
		switch {
		case o.Place == (Place{b.PlaceKind, b.PlaceID}):
		case len(problems) > 0:
			out.NearMisses = append(out.NearMisses, NearMiss{EmergencyOption: o, Problems: sentences(problems)})
		default:
			out.Options = append(out.Options, o)
		}
	}
	for _, bed := range beds {
		tier := TierBlockBed
		if bed.Emergency {
			if !emergency && !s.emergencyBedsReleased(b.Depart) {
				continue
			}
			tier = TierEmergencyBed
		}
		score, reasons, problems := match(p, from, bed)
		file(EmergencyOption{Tier: tier, Place: Place{Kind: PlaceBed, ID: bed.BedID}, Name: bed.Label, Provider: bed.ProviderName,
			ProviderID: bed.ProviderID, Phone: bed.ProviderPhone, DistanceKm: distanceKm(c.Latitude, c.Longitude, bed.Latitude, bed.Longitude),
			NightlyRatePence: bed.NightlyRatePence, Reasons: reasons, score: score}, problems)
	}
	offer := sharedlives.OfferShortBreak
	if b.Kind == KindEmergency {
		offer = sharedlives.OfferEmergency
	}
	hosts, err := hostCandidates(ctx, s.db, offer, from, b.Depart, s.today(), now, nil, nil)
	if err != nil {
		return EmergencyChoice{}, err
	}
	for _, hc := range hosts {
		score, reasons, problems := matchHost(p, from, hc.host, now)
		file(EmergencyOption{Tier: TierHost, Place: Place{Kind: PlaceHost, ID: hc.host.ID}, Name: hostName(hc.host),
			Provider: "Shared Lives", Phone: hc.host.Mobile, DistanceKm: distanceKm(c.Latitude, c.Longitude, hc.host.Latitude, hc.host.Longitude),
			Reasons: reasons, score: score}, problems)
	}
	slices.SortStableFunc(out.Options, func(a, b EmergencyOption) int {
		return cmp.Or(cmp.Compare(a.DistanceKm, b.DistanceKm), cmp.Compare(b.score, a.score))
	})
	slices.SortStableFunc(out.NearMisses, func(a, b NearMiss) int {
		return cmp.Or(cmp.Compare(a.DistanceKm, b.DistanceKm), cmp.Compare(len(a.Problems), len(b.Problems)))
	})
	if !actor.IsStaff(accounts.RoleDuty) {
		out.NearMisses = nil // only duty staff may override
	}
	if len(out.NearMisses) > maxNearMisses {
		out.NearMisses = out.NearMisses[:maxNearMisses]
	}
	return out, nil
}
