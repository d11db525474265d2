package booking

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/paging"
)

// BookingFilter narrows a list of bookings.
type BookingFilter struct {
	From, To calendar.Date // stays overlapping [From, To]; zero for open ends
	Place    *Place
	PersonID int64
	Status   string
	// Reference finds a booking by its reference, typed any way
	// ("k7m4qx", "K7M-4QX"); Mobile finds a carer's bookings by their
	// mobile number, written any UK way (see tidyFinders).
	Reference string
	Mobile    string
	Page      paging.Request
	carerOnly int64
}

// Bookings lists bookings by arrival: a carer sees only their own; staff
// see all. It returns an Invalid error for a bad filter.
func (s *Service) Bookings(ctx context.Context, actor accounts.Principal, f BookingFilter) (paging.Page[Booking], error) {
	switch {
	case actor.Kind == accounts.SubjectCarer:
		f.carerOnly = actor.ID
	case !actor.IsStaff(accounts.RoleAdmin, accounts.RoleDuty):
		return paging.Page[Booking]{}, ErrNotAllowed.Reason("Only the duty team, administrators and carers themselves can see bookings.")
	}
	var fields apperr.Fields
	if f.Status != "" {
		fields.OneOf("status", f.Status, []string{StatusConfirmed, StatusCancelled})
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		fields.Add("to", "The end of the range must be on or after its start.")
	}
	f.tidyFinders(&fields)
	if err := fields.Err(); err != nil {
		return paging.Page[Booking]{}, err
	}
	f.Page = f.Page.Clamp()
	var bs []Booking
	q := s.db.NewSelect().Model(&bs).Where("id > ?", f.Page.After).OrderExpr("id").Limit(int64(f.Page.Limit) + 1)
	if f.carerOnly != 0 {
		q = q.Where("carer_id = ?", f.carerOnly)
	}
	if !f.From.IsZero() {
		q = q.Where("depart > ?", f.From)
	}
	if !f.To.IsZero() {
		q = q.Where("arrive <= ?", f.To)
	}
	if f.Place != nil {
		q = q.Where("place_kind = ? AND place_id = ?", f.Place.Kind, f.Place.ID)
	}
	if f.PersonID != 0 {
		q = q.Where("person_id = ?", f.PersonID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Reference != "" {
		q = q.Where("reference = ?", f.Reference)
	}
	if f.Mobile != "" {
		q = q.Where("carer_id IN (SELECT c.id FROM carers AS c WHERE c.mobile = ?)", f.Mobile)
	}
	if err := q.Scan(ctx); err != nil {
		return paging.Page[Booking]{}, apperr.Wrapf(err, "listing bookings")
	}
	return paging.Cut(bs, f.Page.Limit, func(b Booking) int64 { return b.ID }), nil
}

// Booking returns one booking, or ErrBookingNotFound (also for a booking
// that is not the actor's to see).
func (s *Service) Booking(ctx context.Context, actor accounts.Principal, id int64) (Booking, error) {
	b, err := bookingByID(ctx, s.db, id)
	if err != nil {
		return Booking{}, err
	}
	if err := access(actor, b.CarerID, ErrBookingNotFound); err != nil {
		return Booking{}, err
	}
	return b, nil
}

// Cancel cancels a booking: its nights are freed at once, its nights go
// back to the allowance (unless policy keeps them), and the carer is told.
// A carer may cancel their own up to Options.CancelCutoff before arrival;
// staff at any time, giving a reason.
//
// Cancelling a stay already under way (it arrived before today) ends it
// early, today: the nights already spent stay booked and count as used,
// only the rest are freed, and the booking stays confirmed with its new
// departure (see EndEarly). A stay that has already ended cannot be
// cancelled (ErrStayOver). It returns ErrBookingNotFound,
// ErrAlreadyCancelled, ErrCancelTooLate, ErrStayOver or an Invalid error.
func (s *Service) Cancel(ctx context.Context, actor accounts.Principal, id int64, reason string) (Booking, error) {
	reason = strings.TrimSpace(reason)
	b, err := s.Booking(ctx, actor, id)
	if err != nil {
		return Booking{}, err
	}
	if b.Status == StatusCancelled {
		return Booking{}, ErrAlreadyCancelled
	}
	now := s.now().UTC()
	staff := actor.Kind == accounts.SubjectStaff
	deadline := s.CancelDeadline(b)
	if staff && reason == "" {
		return Booking{}, apperr.Invalidf("reason", "Say why the booking is cancelled; it is kept on the record.")
	}
	if !staff && now.After(deadline) {
		return Booking{}, ErrCancelTooLate.Reason("Stays can be cancelled online up to %s before they start. To cancel this one, ring the booking line.", cutoffWords(s.opts.CancelCutoff))
	}
	if len(reason) > 1000 {
		return Booking{}, apperr.Invalidf("reason", "Keep the reason to 1,000 characters.")
	}
	if today := s.today(); b.Arrive.Before(today) {
		// Under way: the nights spent are kept, the rest freed.
		if !b.Depart.After(today) {
			return Booking{}, ErrStayOver.Reason("That stay ended on %s, so there is nothing left to cancel.", b.Depart.Long())
		}
		return s.changeBooking(ctx, b.ID, func(ctx context.Context, tx bun.Tx, b Booking) error {
			if !b.Depart.After(today) {
				return ErrStayOver.Reason("That stay ended on %s, so there is nothing left to cancel.", b.Depart.Long())
			}
			return s.endEarly(ctx, tx, actor, b, today, reason, now)
		})
	}
	restore := !(staff && now.After(deadline) && s.opts.KeepAllowanceOnLateCancel)

	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		kind := string(actor.Kind)
		var reasonPtr *string
		if reason != "" {
			reasonPtr = &reason
		}
		res, err := tx.NewUpdate().Model((*Booking)(nil)).
			Set("status = ?", StatusCancelled).Set("cancelled_at = ?", now).
			Set("cancelled_by_kind = ?", kind).Set("cancelled_by_id = ?", actor.ID).
			Set("cancel_reason = ?", reasonPtr).Set("allowance_restored = ?", restore).Set("updated_at = ?", now).
			Where("id = ? AND status = ?", b.ID, StatusConfirmed).Exec(ctx)
		if err != nil {
			return apperr.Wrapf(err, "cancelling booking %d", b.ID)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrAlreadyCancelled // cancelled by someone else just now
		}
		if _, err := tx.NewDelete().Model((*Night)(nil)).Where("booking_id = ?", b.ID).Exec(ctx); err != nil {
			return apperr.Wrapf(err, "freeing the nights of booking %d", b.ID)
		}
		c, err := lockCarer(ctx, tx, b.CarerID, false)
		if err != nil {
			return err
		}
		// Reminders still waiting to go must not arrive after "cancelled".
		if err := s.notify.Withdraw(ctx, tx, bookingKey(b.ID, "reminder-week"), bookingKey(b.ID, "reminder-day")); err != nil {
			return err
		}
		pl, err := placeInfo(ctx, tx, b.PlaceKind, b.PlaceID)
		if err != nil {
			return err
		}
		if err := s.notify.Enqueue(ctx, tx, notify.Outgoing{
			DedupeKey: bookingKey(b.ID, "cancelled"), To: c.Mobile, Template: notify.TemplateBookingCancelled,
			Data: notify.Data{Reference: b.Reference, Place: pl.name, Arrive: b.Arrive, Depart: b.Depart},
		}); err != nil {
			return err
		}
		if err := s.tellPlace(ctx, tx, b, pl, placeCancelled, "cancelled"); err != nil {
			return err
		}
		if staff {
			return audit.Record(ctx, tx, now, actor, audit.BookingCancelled, "booking", b.ID, reason)
		}
		return nil
	})
	if err != nil {
		return Booking{}, err
	}
	return bookingByID(ctx, s.db, b.ID)
}

// cutoffWords writes the cutoff for people: "48 hours".
func cutoffWords(d time.Duration) string {
	if d%time.Hour == 0 {
		return strconv.Itoa(int(d/time.Hour)) + " hours"
	}
	return d.String()
}
