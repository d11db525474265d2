package pages

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
)

// showCancel asks the carer to confirm they want to cancel the stay, or,
// when it is too late to cancel online, says to ring the booking line.
func (p *Pages) showCancel(c *fiber.Ctx) error {
	s, err := p.stayFor(c)
	if err != nil {
		return err
	}
	v := p.stayView(c, s)
	v.Title = "Cancel stay " + s.Booking.Reference
	v.BackLink = "/stays/" + itoa(s.Booking.ID)
	return p.render(c, fiber.StatusOK, "stay-cancel", v)
}

// cancelStay cancels it. The booking service decides whether it may be
// cancelled; its reason is shown if not.
func (p *Pages) cancelStay(c *fiber.Ctx) error {
	s, err := p.stayFor(c)
	if err != nil {
		return err
	}
	if _, err := p.deps.Booking.Cancel(ctx(c), signedInAs(c), s.Booking.ID, ""); err != nil {
		errs, ok := errorsFrom(err, "cancel", nil)
		if !ok {
			return err
		}
		v := p.stayView(c, s)
		v.Title = "Cancel stay " + s.Booking.Reference
		v.BackLink = "/stays/" + itoa(s.Booking.ID)
		v.Errors = errs
		if errors.Is(err, booking.ErrAlreadyCancelled) {
			// Cancelled by someone else since the page was read (staff,
			// or this carer in another tab): say so, not "too late".
			v.Stay.Booking.Status = booking.StatusCancelled
			v.CanCancel = false
		}
		return p.render(c, statusFor(err), "stay-cancel", v)
	}
	p.setFlash(c, "cancelled")
	return redirect(c, "/home")
}
