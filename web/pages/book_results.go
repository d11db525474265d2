package pages

import (
	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
)

// nearbyWindow is how far either side of the dates asked for the results
// page looks for dates that do have a place, when none suits.
const nearbyWindow = 14

type resultsView struct {
	layout
	Form        stayForm
	Person      booking.Person
	Arrive      calendar.Date
	Depart      calendar.Date
	Nights      int
	Options     []booking.Option
	Nearby      []nearbyLink
	BookingLine string
}

type nearbyLink struct {
	Arrive, Depart calendar.Date
	Href           string
}

// showResults searches for places that suit the person on those dates.
// Dates the booking rules refuse send the carer back to the "when"
// question with the booking service's own words.
func (p *Pages) showResults(c *fiber.Ctx) error {
	f := readStayForm(c)
	person, err := p.personFor(c, f.PersonID)
	if err != nil {
		return err
	}
	if errs := f.parse(); len(errs) > 0 {
		return p.renderWhen(c, fiber.StatusUnprocessableEntity, f, person, errs)
	}
	return p.renderResults(c, fiber.StatusOK, f, person, nil)
}

func (p *Pages) renderResults(c *fiber.Ctx, status int, f stayForm, person booking.Person, problem formErrors) error {
	who := signedInAs(c)
	q := booking.Search{PersonID: person.ID, Arrive: f.arrive, Depart: f.depart}
	options, err := p.deps.Booking.Availability(ctx(c), who, q)
	if err != nil {
		errs, ok := errorsFrom(err, "arrive-day", stayFields)
		if !ok {
			return err
		}
		return p.renderWhen(c, statusFor(err), f, person, errs)
	}
	v := &resultsView{BookingLine: p.deps.BookingLine, Form: f, Person: person, Arrive: f.arrive, Depart: f.depart, Nights: f.nights, Options: options}
	if len(options) == 0 {
		dates, err := p.deps.Booking.NearbyDates(ctx(c), who, q, nearbyWindow)
		if err != nil {
			return err
		}
		for _, d := range dates {
			next := stayFormFor(person.ID, d.Arrive, f.nights)
			v.Nearby = append(v.Nearby, nearbyLink{Arrive: d.Arrive, Depart: d.Depart, Href: "/book/results?" + next.Values()})
		}
	}
	v.Title = "Places for " + person.Name
	if len(options) == 0 {
		v.Title = "No places suit these dates"
	}
	v.BackLink = "/book/when?" + f.Values()
	v.Errors = problem
	return p.render(c, status, "book-results", v)
}
