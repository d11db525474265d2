package pages

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
)

// A carer's page for administrators: their record, the people they care
// for, and a form to add one.

type carerPageView struct {
	layout
	fieldsView
	Carer  booking.Carer
	People []booking.Person
	Person personForm
	// Privacy is whether the carer's data can be exported and erased
	// from here.
	Privacy bool
}

// personForm is the add-a-person form as typed.
type personForm struct {
	Name, Notes         string
	Born                dateForm
	Needs, Requirements []homesChoice
	// Revision is the person's revision when the change form was filled
	// in (revision.Of); empty when adding someone.
	Revision string
}

// personFields maps the booking service's field names to the form's inputs.
var personFields = map[string]string{"name": "person-name", "date_of_birth": "person-born-day", "needs": "person-needs",
	"requirements": "person-requirements", "staff_notes": "person-notes"}

// The routes by which these pages show staff a carer's emergency plan or a
// person's needs, as the audit log names them (booking.WithReadRoute).
const (
	carerPageRoute  = "carer's page"
	carerFormRoute  = "form to change a carer's record"
	personFormRoute = "form to change a cared-for person's details"
)

// shownOn is the request's context for reading carers' records to show
// them on route: each emergency plan and person's needs read is audited.
func shownOn(c *fiber.Ctx, route string) context.Context {
	return booking.WithReadRoute(ctx(c), route)
}

// notShown is the request's context for reading carers' records to show
// no emergency plan or needs: the service leaves them out, and records
// nothing.
func notShown(c *fiber.Ctx) context.Context { return booking.WithCareDetailsHidden(ctx(c)) }

// showAdminCarer is the carer's page.
func (p *Pages) showAdminCarer(c *fiber.Ctx) error {
	return p.renderAdminCarer(c, fiber.StatusOK, personForm{}, nil, nil, nil)
}

func (p *Pages) renderAdminCarer(c *fiber.Ctx, status int, pf personForm, needs, requirements []string, errs formErrors) error {
	reads := shownOn(c, carerPageRoute)
	cr, err := p.adminCarer(c, reads)
	if err != nil {
		return err
	}
	people, err := p.deps.Booking.People(reads, signedInAs(c), cr.ID)
	if err != nil {
		return err
	}
	pf.Needs = homesChoices("person-needs", booking.Needs, needs)
	pf.Requirements = homesChoices("person-requirements", booking.Requirements, requirements)
	v := &carerPageView{Carer: cr, People: people, Person: pf, Privacy: p.deps.Privacy != nil}
	v.Title = cr.Name
	v.BackLink = "/carers"
	v.Flash = homeNotice[query(c, "done")]
	v.Errors = errs
	v.fieldsView = fieldsView{&v.Errors}
	return p.render(c, status, "carers-show", v)
}

// addPerson records someone the carer looks after.
func (p *Pages) addPerson(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	pf := personForm{Name: form(c, "person-name"), Notes: form(c, "person-notes"), Born: readDate(c, "person-born")}
	in := booking.PersonInput{Name: pf.Name, StaffNotes: pf.Notes, Needs: homesFormAll(c, "person-needs"), Requirements: homesFormAll(c, "person-requirements")}
	born, errs := pf.Born.parse("date_of_birth", "person-born", "their date of birth")
	in.DateOfBirth = born
	// A date of birth that is not a date leaves it out, so the service
	// refuses too, and says what else is wrong.
	if _, err := p.deps.Booking.AddPerson(ctx(c), signedInAs(c), id, in); err != nil {
		more, ok := errorsFrom(err, "person-name", personFields)
		if !ok {
			return err
		}
		return p.renderAdminCarer(c, statusFor(err), pf, in.Needs, in.Requirements, homesMerge(errs, more))
	}
	return redirect(c, "/carers/"+itoa(id)+"?done=person#people")
}
