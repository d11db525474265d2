package booking

import (
	"context"
	"slices"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations"
	"github.com/respite-uk/respite/sharedlives"
)

// actsFor reports whether actor may act for the carer: duty staff and
// administrators for anyone, a carer for themselves only.
func actsFor(actor accounts.Principal, carerID int64) bool {
	return actor.IsStaff(accounts.RoleAdmin, accounts.RoleDuty) || (actor.Kind == accounts.SubjectCarer && actor.ID == carerID)
}

// access says why actor may not act for the carer: ErrNotAllowed (403) for
// someone whose role never may, notFound (404) for another carer, so ids
// reveal nothing; nil when they may.
func access(actor accounts.Principal, carerID int64, notFound error) error {
	switch {
	case actsFor(actor, carerID):
		return nil
	case actor.Kind == accounts.SubjectCarer:
		return notFound
	}
	return ErrNotAllowed.Reason("Only the duty team, administrators and carers themselves can do this.")
}

// personFor loads a person and their carer if actor may act for them. For
// anyone else the answer is ErrPersonNotFound, so ids reveal nothing.
func personFor(ctx context.Context, db bun.IDB, actor accounts.Principal, personID int64) (Person, Carer, error) {
	var p Person
	err := db.NewSelect().Model(&p).Where("id = ?", personID).Scan(ctx)
	if migrations.IsNoRows(err) {
		return Person{}, Carer{}, ErrPersonNotFound
	}
	if err != nil {
		return Person{}, Carer{}, apperr.Wrapf(err, "reading person %d", personID)
	}
	if err := access(actor, p.CarerID, ErrPersonNotFound); err != nil {
		return Person{}, Carer{}, err
	}
	c, err := lockCarer(ctx, db, p.CarerID, false)
	return p, c, err
}

// lockCarer reads a carer; with forUpdate it also locks the row on
// PostgreSQL until the transaction ends, so two bookings for one carer
// check the allowance one after the other. (SQLite transactions already
// take the write lock when they begin.)
func lockCarer(ctx context.Context, db bun.IDB, carerID int64, forUpdate bool) (Carer, error) {
	var c Carer
	q := db.NewSelect().Model(&c).Where("id = ?", carerID)
	if forUpdate && db.Dialect().Name() == dialect.PG {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return Carer{}, apperr.Wrapf(err, "reading carer %d", carerID)
	}
	return c, nil
}

// lockPlace takes the lock that changes to a place take, so a booking and a
// change racing for the same nights go one after the other, and whichever
// goes second sees the first. For a host it is the lock every calendar
// change takes (a host taking nights out waits for this booking, and is
// then refused, or goes first and this sees it). For a bed it is the bed's
// contract's row, shared: providers.UpdateContract locks it for update
// before checking which stays its new dates would leave out. SQLite
// transactions already hold the write lock, so there it does nothing more.
func lockPlace(ctx context.Context, db bun.Tx, kind string, id int64) error {
	if kind == PlaceHost {
		_, err := sharedlives.LockHost(ctx, db, id)
		return err
	}
	if db.Dialect().Name() != dialect.PG {
		return nil
	}
	_, err := db.NewRaw("SELECT c.id FROM contracts AS c JOIN beds AS b ON b.contract_id = c.id WHERE b.id = ? FOR SHARE OF c", id).Exec(ctx)
	return apperr.Wrapf(err, "locking the contract of bed %d", id)
}

// bedCandidates returns the active, bookable beds whose contract covers
// every night from arrive to depart and whose nights are neither booked nor
// held, limited to bedTypes. beds narrows to some beds (nil for all). It
// reads a window of just the stay's nights (loadBedWindow), in one query.
func bedCandidates(ctx context.Context, db bun.IDB, arrive, depart calendar.Date, bedTypes []string, now time.Time, beds []int64, near *area, includeEmergency bool) ([]bedCandidate, error) {
	w, err := loadBedWindow(ctx, db, arrive, depart, arrive.DaysUntil(depart), bedTypes, now, beds, near, includeEmergency, nil)
	if err != nil {
		return nil, err
	}
	return w.free(arrive, depart), nil
}

// personNightsTaken reports whether the person has a booking or a live hold
// (other than exceptHold) on any night from arrive to depart.
func personNightsTaken(ctx context.Context, db bun.IDB, personID int64, arrive, depart calendar.Date, now time.Time, exceptHold string) (bool, error) {
	busy, err := personBusy(ctx, db, personID, arrive, depart, now, exceptHold)
	return slices.Contains(busy, true), err
}

// personBusy marks, by night from from to to, the nights the person has a
// booking or a live hold (other than exceptHold) on.
func personBusy(ctx context.Context, db bun.IDB, personID int64, from, to calendar.Date, now time.Time, exceptHold string) ([]bool, error) {
	w := nightIndex{from, to}
	busy := make([]bool, max(from.DaysUntil(to), 0))
	var nights []Night
	if err := db.NewSelect().Model(&nights).Column("night").
		Where("person_id = ?", personID).Where("night >= ?", from).Where("night < ?", to).
		Scan(ctx); err != nil {
		return nil, apperr.Wrapf(err, "checking the person's stays")
	}
	for _, n := range nights {
		w.mark(busy, n.Night, n.Night.AddDays(1))
	}
	var holds []Hold
	if err := db.NewSelect().Model(&holds).Column("arrive", "depart").
		Where("person_id = ?", personID).Where("id <> ?", exceptHold).Where("expires_at > ?", now).
		Where("arrive < ?", to).Where("depart > ?", from).
		Scan(ctx); err != nil {
		return nil, apperr.Wrapf(err, "checking the person's holds")
	}
	for _, h := range holds {
		w.mark(busy, h.Arrive, h.Depart)
	}
	return busy, nil
}

func insertHold(ctx context.Context, db bun.IDB, h *Hold) error {
	_, err := db.NewInsert().Model(h).Exec(ctx)
	return apperr.Wrapf(err, "storing hold")
}

func holdByID(ctx context.Context, db bun.IDB, id string) (Hold, error) {
	var h Hold
	err := db.NewSelect().Model(&h).Where("id = ?", id).Scan(ctx)
	if migrations.IsNoRows(err) {
		return Hold{}, ErrHoldNotFound
	}
	return h, apperr.Wrapf(err, "reading hold")
}

// errHoldGone: the hold was used, released or expired while a confirm waited.
var errHoldGone = apperr.New(apperr.Conflict, "The hold is no longer live.")

// takeHold deletes the hold if it is still live, reporting whether it did.
func takeHold(ctx context.Context, db bun.IDB, id string, now time.Time) (bool, error) {
	res, err := db.NewDelete().Model((*Hold)(nil)).Where("id = ?", id).Where("expires_at > ?", now).Exec(ctx)
	if err != nil {
		return false, apperr.Wrapf(err, "taking hold")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DeleteExpiredHolds removes holds that ran out without being confirmed; a
// job calls it so the table does not grow without end.
func (s *Service) DeleteExpiredHolds(ctx context.Context) (int64, error) {
	res, err := s.db.NewDelete().Model((*Hold)(nil)).Where("expires_at <= ?", s.now().UTC()).Exec(ctx)
	if err != nil {
		return 0, apperr.Wrapf(err, "deleting expired holds")
	}
	n, _ := res.RowsAffected()
	return n, nil
}

func deleteHold(ctx context.Context, db bun.IDB, id string) error {
	_, err := db.NewDelete().Model((*Hold)(nil)).Where("id = ?", id).Exec(ctx)
	return apperr.Wrapf(err, "deleting hold")
}

// insertBooking stores a booking with a fresh reference, trying again in
// the rare case the reference is already used.
func insertBooking(ctx context.Context, db bun.IDB, b *Booking) error {
	for range 5 {
		b.Reference = newReference()
		// ON CONFLICT DO NOTHING rather than a savepoint: a clash on a
		// unique key leaves the transaction usable (PostgreSQL spoils one
		// on an error), so the reference can be tried again, and the
		// usual case is one statement rather than three.
		res, err := db.NewInsert().Model(b).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return apperr.Wrapf(err, "inserting booking")
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return apperr.Wrapf(err, "inserting booking")
		}
		// Which unique key? Only a clash on the reference is worth another
		// try; the other is the idempotency key, which the caller handles.
		taken, cerr := db.NewSelect().Model((*Booking)(nil)).Where("reference = ?", b.Reference).Exists(ctx)
		if cerr != nil {
			return apperr.Wrapf(cerr, "checking booking reference")
		}
		if !taken {
			return errIdempotencyClash
		}
	}
	return apperr.Wrapf(errRefsExhausted, "inserting booking")
}

var (
	errRefsExhausted    = apperr.New(apperr.Internal, "no free booking reference after 5 tries")
	errIdempotencyClash = apperr.New(apperr.Conflict, "A booking was just made with the same Idempotency-Key.")
)

// insertNights writes one row per night of the booking's stay, slots[i]
// being the slot on the i-th night: the primary key refuses any night
// already taken at that place and slot, and any night the person already
// has a stay.
func insertNights(ctx context.Context, db bun.IDB, b Booking, slots []int) error {
	return insertNightsFrom(ctx, db, b, b.Arrive, b.Depart, slots)
}

// insertNightsFrom writes the rows of the booking's nights from from to to
// only, slots[i] being the slot on the i-th of them: the nights a change
// adds to a stay.
func insertNightsFrom(ctx context.Context, db bun.IDB, b Booking, from, to calendar.Date, slots []int) error {
	if len(slots) != from.DaysUntil(to) {
		return apperr.Wrapf(errSlotCount, "booking %d from %s to %s", b.ID, from, to)
	}
	var nights []Night
	for i, slot := range slots {
		nights = append(nights, Night{PlaceKind: b.PlaceKind, PlaceID: b.PlaceID, Night: from.AddDays(i), Slot: slot, BookingID: b.ID, PersonID: b.PersonID})
	}
	// ON CONFLICT DO NOTHING rather than a savepoint, so that the usual
	// case is one statement rather than three: a night refused by a key
	// leaves the transaction usable (PostgreSQL spoils one on an error),
	// to ask which key refused it. The nights that did go in are taken out
	// again, so that a caller may try other slots in the same transaction
	// (insertNightsTrying). The keys refuse a taken night whichever way it
	// is written; two at once on PostgreSQL, the second waits for the
	// first and is refused when it commits.
	res, err := db.NewInsert().Model(&nights).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return apperr.Wrapf(err, "booking nights")
	}
	if n, err := res.RowsAffected(); err != nil || n == int64(len(nights)) {
		return apperr.Wrapf(err, "booking nights")
	}
	// Every caller writes nights the booking does not yet have at this
	// place (a move deletes the old ones first), so these are the rows
	// that went in just now.
	if _, err := db.NewDelete().TableExpr("booking_nights").Where("booking_id = ?", b.ID).
		Where("place_kind = ? AND place_id = ?", b.PlaceKind, b.PlaceID).
		Where("night >= ? AND night < ?", from, to).Exec(ctx); err != nil {
		return apperr.Wrapf(err, "taking back nights after a refusal")
	}
	// The person's own stay elsewhere, or the place's night?
	if mine, cerr := personHasNights(ctx, db, b, from, to); cerr == nil && mine {
		return ErrOtherStay
	}
	return ErrNightsTaken
}

// errSlotCount: a fault in the caller, never the user's doing.
var errSlotCount = apperr.New(apperr.Internal, "a slot is needed for each night")

// personHasNights reports whether the booking's person already has a
// booked night, in another booking, from from to to.
func personHasNights(ctx context.Context, db bun.IDB, b Booking, from, to calendar.Date) (bool, error) {
	return db.NewSelect().TableExpr("booking_nights").
		Where("person_id = ?", b.PersonID).Where("booking_id <> ?", b.ID).Where("night >= ? AND night < ?", from, to).Exists(ctx)
}

func bookingByID(ctx context.Context, db bun.IDB, id int64) (Booking, error) {
	var b Booking
	err := db.NewSelect().Model(&b).Where("id = ?", id).Scan(ctx)
	if migrations.IsNoRows(err) {
		return Booking{}, ErrBookingNotFound
	}
	return b, apperr.Wrapf(err, "reading booking %d", id)
}

func bookingByIdempotencyKey(ctx context.Context, db bun.IDB, kind string, id int64, key string) (Booking, bool, error) {
	var b Booking
	err := db.NewSelect().Model(&b).Where("created_by_kind = ? AND created_by_id = ? AND idempotency_key = ?", kind, id, key).Scan(ctx)
	if migrations.IsNoRows(err) {
		return Booking{}, false, nil
	}
	return b, err == nil, apperr.Wrapf(err, "reading booking by idempotency key")
}
