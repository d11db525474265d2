package pages

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
)

// tonightForm is how long an emergency stay is, from tonight.
type tonightForm struct {
	PersonID int64
	Nights   string
	nights   int
	arrive   calendar.Date
	depart   calendar.Date
}

// readTonight reads the nights asked for (1 when not given); the stay
// starts today, London time.
func (p *Pages) readTonight(c *fiber.Ctx) (tonightForm, formErrors) {
	get := form
	if c.Method() == fiber.MethodGet {
		get = query
	}
	f := tonightForm{Nights: get(c, "nights")}
	if f.Nights == "" {
		f.Nights = "1"
	}
	n, ok := atoi(f.Nights)
	if !ok || n < 1 {
		return f, pageError("depart", "nights", "Enter the number of nights as a whole number, like 2.")
	}
	f.nights = n
	// Tonight: before the night under way ends (RESPITE_NIGHT_ENDS_AT),
	// the night the person is already in.
	f.arrive = p.deps.Booking.Tonight()
	f.depart = f.arrive.AddDays(n)
	return f, nil
}

type tonightView struct {
	layout
	Person  booking.Person
	Form    tonightForm
	Choices booking.EmergencyChoice
	Arrive  calendar.Date
	Depart  calendar.Date
}

// showTonight is screen one: the places tonight by tier, with the reasons
// each suits, the near misses with why they do not, and homes to ring.
func (p *Pages) showTonight(c *fiber.Ctx) error {
	person, err := p.dutyPerson(c)
	if err != nil {
		return err
	}
	f, errs := p.readTonight(c)
	f.PersonID = person.ID
	v := &tonightView{Person: person, Form: f, Arrive: f.arrive, Depart: f.depart}
	v.Title = "Places tonight for " + person.Name
	v.BackLink = "/duty/carers/" + itoa(person.CarerID)
	if len(errs) == 0 {
		v.Choices, err = p.deps.Booking.EmergencyChoices(ctx(c), signedInAs(c), person.ID, f.arrive, f.depart)
		if err != nil {
			if errs, ok := errorsFrom(err, "nights", map[string]string{"depart": "nights", "arrive": "nights"}); ok {
				v.Errors = errs
				return p.render(c, statusFor(err), "duty-tonight", v)
			}
			return err
		}
	}
	v.Errors = errs
	status := fiber.StatusOK
	if len(errs) > 0 {
		status = fiber.StatusUnprocessableEntity
	}
	return p.render(c, status, "duty-tonight", v)
}

type placeView struct {
	layout
	Person  booking.Person
	Form    tonightForm
	Arrive  calendar.Date
	Depart  calendar.Date
	Kind    string
	PlaceID int64
	Name    string
	Reason  string
	// Anyway: the place does not suit on paper, and the duty officer is
	// placing the person there all the same, giving Override as the reason.
	// Problems is why it does not suit, as the options page listed it.
	Anyway   bool
	Problems string
	Override string
}

// showPlace is screen two: the chosen place, and the reason to record.
func (p *Pages) showPlace(c *fiber.Ctx) error {
	return p.renderPlace(c, fiber.StatusOK, "", "", false, nil)
}

func (p *Pages) renderPlace(c *fiber.Ctx, status int, reason, override string, anyway bool, errs formErrors) error {
	person, err := p.dutyPerson(c)
	if err != nil {
		return err
	}
	f, ferrs := p.readTonight(c)
	if len(ferrs) > 0 {
		return errNoSuchPage
	}
	get := form
	if c.Method() == fiber.MethodGet {
		get = query
	}
	placeID, _ := strconv.ParseInt(get(c, "place-id"), 10, 64)
	v := &placeView{Person: person, Form: f, Arrive: f.arrive, Depart: f.depart, Kind: get(c, "place-kind"), PlaceID: placeID, Name: get(c, "name"), Reason: reason,
		Anyway: anyway || get(c, "anyway") != "", Problems: get(c, "problems"), Override: override}
	v.Title = "Place " + person.Name + " tonight"
	v.BackLink = "/duty/people/" + itoa(person.ID) + "/tonight?nights=" + f.Nights
	v.Errors = errs
	return p.render(c, status, "duty-place", v)
}

// placeTonight makes the emergency placement.
func (p *Pages) placeTonight(c *fiber.Ctx) error {
	person, err := p.dutyPerson(c)
	if err != nil {
		return err
	}
	f, ferrs := p.readTonight(c)
	if len(ferrs) > 0 {
		return errNoSuchPage
	}
	placeID, _ := strconv.ParseInt(form(c, "place-id"), 10, 64)
	reason, override := form(c, "reason"), form(c, "override")
	b, err := p.deps.Booking.PlaceEmergency(ctx(c), signedInAs(c), booking.EmergencyRequest{
		PersonID: person.ID, Place: booking.Place{Kind: form(c, "place-kind"), ID: placeID},
		Arrive: f.arrive, Depart: f.depart, Reason: reason, Override: override,
	})
	if err != nil {
		// A place that does not suit asks for the reason to override.
		unsuitable := errors.Is(err, booking.ErrUnsuitable)
		first := "reason"
		if unsuitable {
			first = "override"
		}
		errs, ok := errorsFrom(err, first, map[string]string{"reason": "reason", "override": "override"})
		if !ok {
			return err
		}
		return p.renderPlace(c, statusFor(err), reason, override, unsuitable, errs)
	}
	return redirect(c, "/duty/placements/"+itoa(b.ID))
}

type placedView struct {
	layout
	Stay  booking.Stay
	Texts []booking.TextSent
	// Told: whether the place is texted; a care home with no mobile for
	// texts is not, and the duty officer must ring it.
	Told booking.PlaceTold
}

// showPlaced is screen three: the confirmation, and who was texted.
func (p *Pages) showPlaced(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	stay, err := p.deps.Booking.Stay(ctx(c), signedInAs(c), id)
	if err != nil {
		return err
	}
	texts, err := p.deps.Booking.TextsSent(ctx(c), signedInAs(c), id)
	if err != nil {
		return err
	}
	told, err := p.deps.Booking.PlaceTold(ctx(c), signedInAs(c), id)
	if err != nil {
		return err
	}
	v := &placedView{Stay: stay, Texts: texts, Told: told}
	v.Title = "Placed"
	return p.render(c, fiber.StatusOK, "duty-placed", v)
}

// dutyPerson reads the person named by :id, as the booking service lets
// the duty officer see them. The placing pages show their name, not their
// needs (the carer's file, audited, shows those), so the read leaves the
// needs out and is not audited.
func (p *Pages) dutyPerson(c *fiber.Ctx) (booking.Person, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return booking.Person{}, err
	}
	return p.deps.Booking.Person(notShown(c), signedInAs(c), id)
}

// pathID reads a numeric id from the path; anything else is the 404 page.
func pathID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(param(c, name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNoSuchPage
	}
	return id, nil
}
