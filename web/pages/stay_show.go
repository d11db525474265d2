package pages

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
)

type stayView struct {
	layout
	Stay        booking.Stay
	CanCancel   bool
	CancelBy    time.Time
	BookingLine string
	Phone       string // the place's, or the shared lives team's for a host
}

// showStay is one stay's page: the details, a calendar file, and cancel.
func (p *Pages) showStay(c *fiber.Ctx) error {
	s, err := p.stayFor(c)
	if err != nil {
		return err
	}
	v := p.stayView(c, s)
	v.Title = "Stay " + s.Booking.Reference
	v.BackLink = "/home"
	return p.render(c, fiber.StatusOK, "stay", v)
}

func (p *Pages) stayView(c *fiber.Ctx, s booking.Stay) *stayView {
	v := &stayView{Stay: s, BookingLine: p.deps.BookingLine, Phone: s.Phone}
	if v.Phone == "" {
		v.Phone = p.deps.SharedLivesPhone
	}
	v.CancelBy = p.deps.Booking.CancelDeadline(s.Booking)
	v.CanCancel = s.Booking.Status == booking.StatusConfirmed && p.deps.Clock().Before(v.CancelBy)
	return v
}
