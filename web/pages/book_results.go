package pages

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
)

// nearbyWindow is how far either side of the dates asked for the results
// page looks for dates that do have a place, when none suits.
const nearbyWindow = 14

type resultsView struct {
	layout
	Form   stayForm
	Person booking.Person
	Arrive calendar.Date
	Depart calendar.Date
	Nights int
	// Options are this page's places: Total in all, numbered From to To.
	Options         []booking.Option
	Total, From, To int
	Pages           []pageLink
	Prev, Next      string
	Nearby          []nearbyLink
	BookingLine     string
}

// pageLink is one numbered link of the results' pagination.
type pageLink struct {
	Number  int
	Href    string
	Current bool
}

// resultsPerPage keeps the page short on a phone (and under 30 KB) however
// many places suit: the nearest and best matched come first.
const resultsPerPage = 10

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
	v := &resultsView{BookingLine: p.deps.BookingLine, Form: f, Person: person, Arrive: f.arrive, Depart: f.depart, Nights: f.nights}
	v.paginate(options, query(c, "page"), "/book/results?"+f.Values())
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

// paginate shows page raw (1 when missing or out of range) of options.
func (v *resultsView) paginate(options []booking.Option, raw, base string) {
	v.Total = len(options)
	last := (len(options) + resultsPerPage - 1) / resultsPerPage
	page, err := strconv.Atoi(raw)
	if err != nil || page < 1 || page > last {
		page = 1
	}
	start := (page - 1) * resultsPerPage
	end := min(start+resultsPerPage, len(options))
	v.Options = options[start:end]
	v.From, v.To = start+1, end
	if last <= 1 {
		return
	}
	href := func(n int) string { return base + "&page=" + strconv.Itoa(n) + "#results" }
	for n := 1; n <= last; n++ {
		v.Pages = append(v.Pages, pageLink{Number: n, Href: href(n), Current: n == page})
	}
	if page > 1 {
		v.Prev = href(page - 1)
	}
	if page < last {
		v.Next = href(page + 1)
	}
}
