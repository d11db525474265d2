package pages

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
)

// holdPlace holds the chosen place while the carer checks their answers.
// If it has just gone (or breaks a rule), the results page comes back with
// the booking service's reason at the top.
func (p *Pages) holdPlace(c *fiber.Ctx) error {
	f := readStayForm(c)
	person, err := p.personFor(c, f.PersonID)
	if err != nil {
		return err
	}
	if errs := f.parse(); len(errs) > 0 {
		return p.renderWhen(c, fiber.StatusUnprocessableEntity, f, person, errs)
	}
	placeID, _ := strconv.ParseInt(form(c, "place-id"), 10, 64)
	h, err := p.deps.Booking.CreateHold(ctx(c), signedInAs(c), booking.HoldRequest{
		PersonID: person.ID, Place: booking.Place{Kind: form(c, "place-kind"), ID: placeID},
		Arrive: f.arrive, Depart: f.depart,
	})
	if err != nil {
		errs, ok := errorsFrom(err, "results", nil)
		if !ok {
			return err
		}
		for i := range errs {
			errs[i].Href = "#results"
		}
		return p.renderResults(c, statusFor(err), f, person, errs)
	}
	return redirect(c, "/book/check/"+h.ID)
}
