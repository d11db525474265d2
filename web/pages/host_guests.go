package pages

import (
	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/sharedlives"
)

type guestsView struct {
	layout
	Guests      []sharedlives.Guest
	SharedLives string
}

// showGuests lists the host's guests to come: first name, dates, needs and
// requirements, and the shared-lives team's number.
func (p *Pages) showGuests(c *fiber.Ctx) error {
	who := signedInAs(c)
	guests, err := p.deps.Hosts.UpcomingGuests(ctx(c), who, who.ID)
	if err != nil {
		return err
	}
	v := &guestsView{Guests: guests, SharedLives: p.deps.SharedLivesPhone}
	v.Title = "Your guests"
	return p.render(c, fiber.StatusOK, "host-guests", v)
}
