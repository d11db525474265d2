package pages

import (
	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
)

type startView struct {
	layout
	BookingLine string
}

// showStart is the start page: what the service is and how to sign in.
// Someone already signed in goes straight to their own home page.
func (p *Pages) showStart(c *fiber.Ctx) error {
	switch signedInAs(c).Kind {
	case accounts.SubjectCarer:
		return redirect(c, "/home")
	case accounts.SubjectHost:
		return redirect(c, "/host")
	}
	v := &startView{BookingLine: p.deps.BookingLine}
	v.Title = "Book a short break"
	return p.render(c, fiber.StatusOK, "start", v)
}
