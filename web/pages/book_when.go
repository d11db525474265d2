package pages

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
)

// stayForm is the "when" question as typed: the arrival date in three
// boxes and the number of nights.
type stayForm struct {
	PersonID       string
	Arrive         dateForm
	Nights         string
	person         int64
	arrive, depart calendar.Date
	nights         int
}

func readStayForm(c *fiber.Ctx) stayForm {
	get := form
	if c.Method() == fiber.MethodGet {
		get = query
	}
	return stayForm{PersonID: get(c, "person"), Arrive: readDate(c, "arrive"), Nights: get(c, "nights")}
}

// stayFields maps the booking service's field names to this form's inputs.
var stayFields = map[string]string{"arrive": "arrive-day", "depart": "nights"}

// parse reads the form into dates. Whether they may be booked is the
// booking service's to say.
func (f *stayForm) parse() formErrors {
	id, err := strconv.ParseInt(f.PersonID, 10, 64)
	if err != nil || id <= 0 {
		return pageError("person", "person", "Select who the break is for.")
	}
	f.person = id
	var errs formErrors
	f.arrive, errs = f.Arrive.parse("arrive", "arrive", "the date they will arrive")
	n, ok := atoi(f.Nights)
	switch {
	case f.Nights == "":
		errs = append(errs, pageError("depart", "nights", "Enter how many nights the stay is.")...)
	case !ok:
		errs = append(errs, pageError("depart", "nights", "Enter the number of nights as a whole number, like 3.")...)
	default:
		f.nights = n
		if !f.arrive.IsZero() {
			f.depart = f.arrive.AddDays(n)
		}
	}
	return errs
}

// Values is the form's answers as a query string, for links back and on.
func (f stayForm) Values() string {
	return url.Values{
		"person": {f.PersonID}, "arrive-day": {f.Arrive.Day}, "arrive-month": {f.Arrive.Month}, "arrive-year": {f.Arrive.Year}, "nights": {f.Nights},
	}.Encode()
}

func stayFormFor(person int64, arrive calendar.Date, nights int) stayForm {
	return stayForm{PersonID: strconv.FormatInt(person, 10), Arrive: dateFormOf(arrive), Nights: strconv.Itoa(nights)}
}

type whenView struct {
	layout
	Form   stayForm
	Person booking.Person
}

// showWhen asks when the stay starts and for how many nights.
func (p *Pages) showWhen(c *fiber.Ctx) error {
	f := readStayForm(c)
	person, err := p.personFor(c, f.PersonID)
	if err != nil {
		return err
	}
	return p.renderWhen(c, fiber.StatusOK, f, person, nil)
}

func (p *Pages) renderWhen(c *fiber.Ctx, status int, f stayForm, person booking.Person, errs formErrors) error {
	v := &whenView{Form: f, Person: person}
	v.Title = "When is the break?"
	v.BackLink = "/book"
	if signedInAs(c).IsStaff() {
		v.BackLink = "/book?carer=" + itoa(person.CarerID)
	}
	v.Errors = errs
	return p.render(c, status, "book-when", v)
}

// personFor reads a person id from the query and asks the booking service
// for them, so another carer's person is the 404 page, as in the API. A
// missing or unreadable id goes back to the first question.
func (p *Pages) personFor(c *fiber.Ctx, raw string) (booking.Person, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return booking.Person{}, errNoSuchPage
	}
	return p.deps.Booking.Person(notShown(c), signedInAs(c), id) // no needs shown: not audited
}
