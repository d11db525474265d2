package pages

import (
	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
)

type homeView struct {
	layout
	People []booking.Person
	// Years are the allowance years a stay booked now can fall in: this
	// one first.
	Years    []booking.Allowance
	Upcoming []booking.Stay
	Past     []booking.Stay
}

// showHome is a carer's home: the people they look after, the nights left
// this allowance year, and their stays to come and gone.
func (p *Pages) showHome(c *fiber.Ctx) error {
	who := signedInAs(c)
	people, err := p.deps.Booking.People(ctx(c), who, who.ID)
	if err != nil {
		return err
	}
	years, err := p.deps.Booking.AllowanceYears(ctx(c), who, who.ID)
	if err != nil {
		return err
	}
	upcoming, past, err := p.deps.Booking.Stays(ctx(c), who, who.ID)
	if err != nil {
		return err
	}
	if len(past) > pastShown {
		past = past[:pastShown]
	}
	v := &homeView{People: people, Years: years, Upcoming: upcoming, Past: past}
	v.Title = "Your short breaks"
	return p.render(c, fiber.StatusOK, "home", v)
}

// pastShown is how many past stays the home page lists, newest first.
const pastShown = 10
