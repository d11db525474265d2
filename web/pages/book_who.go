package pages

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
)

// Booking a break, in at most five screens: who, when, results, check your
// answers, confirmation. The first three are GET forms, so the back button
// and a shared link work, and searching changes nothing; holding and
// confirming are POSTs.

type whoView struct {
	layout
	People []booking.Person
	Chosen int64
}

// showWho asks who the break is for, and skips the question when the carer
// looks after one person.
func (p *Pages) showWho(c *fiber.Ctx) error {
	who := signedInAs(c)
	people, err := p.deps.Booking.People(ctx(c), who, who.ID)
	if err != nil {
		return err
	}
	if len(people) == 1 {
		return redirect(c, "/book/when?person="+strconv.FormatInt(people[0].ID, 10))
	}
	v := &whoView{People: people}
	v.Title = "Who is the break for?"
	v.BackLink = "/home"
	return p.render(c, fiber.StatusOK, "book-who", v)
}
