package pages

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
)

type doneView struct {
	layout
	Stay booking.Stay
	// Home is where to go next: the carer's home, or for the booking line
	// the carer's bookings.
	Home string
}

// showDone is the confirmation: the panel with the booking reference.
func (p *Pages) showDone(c *fiber.Ctx) error {
	s, err := p.stayFor(c)
	if err != nil {
		return err
	}
	v := &doneView{Stay: s, Home: homeFor(c, s.Booking.CarerID)}
	v.Title = "Stay booked"
	return p.render(c, fiber.StatusOK, "book-done", v)
}

// stayFor reads the stay named by the :id in the path; another carer's
// stay is the 404 page, as in the API.
func (p *Pages) stayFor(c *fiber.Ctx) (booking.Stay, error) {
	id, err := strconv.ParseInt(param(c, "id"), 10, 64)
	if err != nil || id <= 0 {
		return booking.Stay{}, errNoSuchPage
	}
	return p.deps.Booking.Stay(ctx(c), signedInAs(c), id)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// homeFor is where a booking journey ends: a carer's home page, or for the
// booking line the carer's bookings.
func homeFor(c *fiber.Ctx, carerID int64) string {
	if who := signedInAs(c); who.IsStaff() {
		if who.ID == carerID {
			return "/bookings" // no carer known: back to finding one
		}
		return "/bookings/carers/" + itoa(carerID)
	}
	return "/home"
}
