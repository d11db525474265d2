package pages

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
)

type checkView struct {
	layout
	Held booking.HeldStay
	// Change goes back to the "when" question with the answers filled in.
	Change string
}

// showCheck is "check your answers": the stay as held, until when it is
// held, and what it leaves of the allowance.
func (p *Pages) showCheck(c *fiber.Ctx) error {
	held, err := p.deps.Booking.HeldStay(ctx(c), signedInAs(c), param(c, "hold"))
	switch {
	case errors.Is(err, booking.ErrHoldExpired):
		errs, _ := errorsFrom(err, "search-again", nil)
		return p.renderHoldGone(c, fiber.StatusConflict, errs)
	case errors.Is(err, booking.ErrHoldNotFound):
		// Used, let go, or never this carer's: the same kind answer for
		// each, so an id tells nobody anything.
		return p.renderHoldGone(c, fiber.StatusNotFound, nil)
	}
	if err != nil {
		return err
	}
	return p.renderCheck(c, fiber.StatusOK, held, nil)
}

func (p *Pages) renderCheck(c *fiber.Ctx, status int, held booking.HeldStay, errs formErrors) error {
	v := &checkView{Held: held}
	nights := held.Hold.Arrive.DaysUntil(held.Hold.Depart)
	v.Change = "/book/when?" + stayFormFor(held.Hold.PersonID, held.Hold.Arrive, nights).Values()
	v.Title = "Check the details, then book"
	v.BackLink = v.Change
	v.Errors = errs
	return p.render(c, status, "book-check", v)
}

// confirmBooking books the held stay. The hold id is the idempotency key,
// so pressing the button twice (or a retry after a dropped connection)
// books once and shows the same confirmation.
func (p *Pages) confirmBooking(c *fiber.Ctx) error {
	holdID := param(c, "hold")
	b, _, err := p.deps.Booking.Confirm(ctx(c), signedInAs(c), holdID, "page:"+holdID)
	if err != nil {
		errs, ok := errorsFrom(err, "confirm", nil)
		if !ok {
			return err
		}
		held, herr := p.deps.Booking.HeldStay(ctx(c), signedInAs(c), holdID)
		if herr != nil {
			// The hold has gone (expired or used): say why on the
			// results page's first question.
			return p.renderHoldGone(c, statusFor(err), errs)
		}
		return p.renderCheck(c, statusFor(err), held, errs)
	}
	return redirect(c, "/book/done/"+itoa(b.ID))
}

type holdGoneView struct{ layout }

func (p *Pages) renderHoldGone(c *fiber.Ctx, status int, errs formErrors) error {
	v := &holdGoneView{}
	v.Title = "The place is no longer held"
	for i := range errs {
		errs[i].Href = "#search-again"
	}
	v.Errors = errs
	return p.render(c, status, "book-hold-gone", v)
}

// releaseHold lets the place go when the carer changes their mind.
func (p *Pages) releaseHold(c *fiber.Ctx) error {
	held, err := p.deps.Booking.HeldStay(ctx(c), signedInAs(c), param(c, "hold"))
	if errors.Is(err, booking.ErrHoldExpired) {
		// It has let itself go already.
		p.setFlash(c, "hold-released")
		return redirect(c, homeFor(c, signedInAs(c).ID))
	}
	if err != nil {
		return err
	}
	if err := p.deps.Booking.ReleaseHold(ctx(c), signedInAs(c), held.Hold.ID); err != nil {
		return err
	}
	p.setFlash(c, "hold-released")
	return redirect(c, homeFor(c, held.Hold.CarerID))
}
