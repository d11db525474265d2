package pages

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/revision"
)

// Administrators change the details of someone a carer cares for.

// personEditView is the person form filled in, on a page of its own.
type personEditView struct {
	layout
	fieldsView
	Carer  booking.Carer
	Person booking.Person
	Form   personForm
}

// showEditPerson is the person form filled in with their details.
func (p *Pages) showEditPerson(c *fiber.Ctx) error {
	cr, person, err := p.carersPerson(c, shownOn(c, personFormRoute))
	if err != nil {
		return err
	}
	f := personForm{Name: person.Name, Notes: person.StaffNotes, Born: dateFormOf(person.DateOfBirth), Revision: revision.Of(person.UpdatedAt)}
	return p.renderEditPerson(c, fiber.StatusOK, cr, person, f, person.Needs, person.Requirements, nil)
}

func (p *Pages) renderEditPerson(c *fiber.Ctx, status int, cr booking.Carer, person booking.Person, f personForm, needs, requirements []string, errs formErrors) error {
	f.Needs = homesChoices("person-needs", booking.Needs, needs)
	f.Requirements = homesChoices("person-requirements", booking.Requirements, requirements)
	v := &personEditView{Carer: cr, Person: person, Form: f}
	v.Title = "Change " + person.Name
	v.BackLink = "/carers/" + itoa(cr.ID)
	v.Errors = errs
	v.fieldsView = fieldsView{&v.Errors}
	return p.render(c, status, "carers-person-edit", v)
}

// savePerson saves the changed details. The person is read for their name:
// the form shows again what was typed, not what is stored.
func (p *Pages) savePerson(c *fiber.Ctx) error {
	cr, person, err := p.carersPerson(c, notShown(c))
	if err != nil {
		return err
	}
	f := personForm{Name: form(c, "person-name"), Notes: form(c, "person-notes"), Born: readDate(c, "person-born"), Revision: form(c, "revision")}
	needs, requirements := homesFormAll(c, "person-needs"), homesFormAll(c, "person-requirements")
	born, errs := f.Born.parse("date_of_birth", "person-born", "their date of birth")
	if len(errs) > 0 {
		return p.renderEditPerson(c, fiber.StatusUnprocessableEntity, cr, person, f, needs, requirements, errs)
	}
	patch := booking.PersonPatch{Name: &f.Name, DateOfBirth: &born, Needs: &needs, Requirements: &requirements, StaffNotes: &f.Notes,
		IfRevision: f.Revision}
	if _, err := p.deps.Booking.UpdatePerson(ctx(c), signedInAs(c), person.ID, patch); err != nil {
		errs, ok := errorsFrom(err, "person-name", personFields)
		if !ok {
			return err
		}
		if changedMeanwhile(err) {
			f.Revision = revision.Of(person.UpdatedAt) // saving again replaces their change
		}
		return p.renderEditPerson(c, statusFor(err), cr, person, f, needs, requirements, errs)
	}
	return redirect(c, "/carers/"+itoa(cr.ID)+"?done=person-save#people")
}

// carersPerson is the carer and the person the path names, the person read
// through reads (shownOn or notShown); a person who is not that carer's is
// no page at all. The page shows the carer's name only.
func (p *Pages) carersPerson(c *fiber.Ctx, reads context.Context) (booking.Carer, booking.Person, error) {
	cr, err := p.adminCarer(c, notShown(c))
	if err != nil {
		return booking.Carer{}, booking.Person{}, err
	}
	id, err := pathID(c, "person")
	if err != nil {
		return booking.Carer{}, booking.Person{}, err
	}
	person, err := p.deps.Booking.Person(reads, signedInAs(c), id)
	if err != nil {
		return booking.Carer{}, booking.Person{}, err
	}
	if person.CarerID != cr.ID {
		return booking.Carer{}, booking.Person{}, errNoSuchPage
	}
	return cr, person, nil
}
