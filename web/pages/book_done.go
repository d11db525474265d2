package pages

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
)

type doneView struct {
	layout
	Stay booking.Stay
}

// showDone is the confirmation: the panel with the booking reference.
func (p *Pages) showDone(c *fiber.Ctx) error {
	s, err := p.stayFor(c)
	if err != nil {
		return err
	}
	v := &doneView{Stay: s}
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
