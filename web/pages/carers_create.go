package pages

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/revision"
)

// Administrators register a carer after their carer's assessment, and
// change their record.

// showNewCarer is the empty carer form.
func (p *Pages) showNewCarer(c *fiber.Ctx) error {
	return p.renderCarerForm(c, fiber.StatusOK, nil, carerForm{}, nil)
}

// renderCarerForm shows the carer form: for cr when changing a record, or
// for a new carer when cr is nil.
func (p *Pages) renderCarerForm(c *fiber.Ctx, status int, cr *booking.Carer, f carerForm, errs formErrors) error {
	v := newCarerFormView(f, errs)
	if cr == nil {
		v.Title, v.Heading, v.Action, v.Button = "Register a carer", "Register a carer", "/carers/new", "Register the carer"
		v.BackLink = "/carers"
	} else {
		v.Title, v.Heading, v.Action, v.Button = "Change "+cr.Name+"'s record", "Change "+cr.Name+"'s record", "/carers/"+itoa(cr.ID)+"/edit", "Save the changes"
		v.BackLink = "/carers/" + itoa(cr.ID)
	}
	return p.render(c, status, "carers-form", v)
}

// createCarer registers the carer and goes to their page, to add the
// people they care for.
func (p *Pages) createCarer(c *fiber.Ctx) error {
	f := readCarerForm(c)
	in, errs := f.input()
	if errs.For("latitude") != "" || errs.For("longitude") != "" {
		// Asked without them, the service might fill in the position from
		// the postcode and register the carer despite the mistake.
		return p.renderCarerForm(c, fiber.StatusUnprocessableEntity, nil, f, errs)
	}
	cr, err := p.deps.Booking.CreateCarer(ctx(c), signedInAs(c), in)
	if err == nil {
		// With the position read, every other page error leaves out
		// something the service requires, so it cannot have succeeded.
		return redirect(c, "/carers/"+itoa(cr.ID)+"?done=carer")
	}
	more, ok := errorsFrom(err, "name", carerFields)
	if !ok {
		return err
	}
	return p.renderCarerForm(c, statusFor(err), nil, f, homesMerge(errs, more))
}

// showEditCarer is the carer form filled in with their record.
func (p *Pages) showEditCarer(c *fiber.Ctx) error {
	cr, err := p.adminCarer(c, shownOn(c, carerFormRoute))
	if err != nil {
		return err
	}
	return p.renderCarerForm(c, fiber.StatusOK, &cr, carerFormOf(cr), nil)
}

// saveCarer saves the changed record. The record is read for its name:
// the form shows again what was typed, not what is stored.
func (p *Pages) saveCarer(c *fiber.Ctx) error {
	cr, err := p.adminCarer(c, notShown(c))
	if err != nil {
		return err
	}
	f := readCarerForm(c)
	patch, errs := f.patch()
	if len(errs) > 0 {
		return p.renderCarerForm(c, fiber.StatusUnprocessableEntity, &cr, f, errs)
	}
	if _, err := p.deps.Booking.UpdateCarer(ctx(c), signedInAs(c), cr.ID, patch); err != nil {
		errs, ok := errorsFrom(err, "name", carerFields)
		if !ok {
			return err
		}
		if changedMeanwhile(err) {
			f.Revision = revision.Of(cr.UpdatedAt) // saving again replaces their change
		}
		return p.renderCarerForm(c, statusFor(err), &cr, f, errs)
	}
	return redirect(c, "/carers/"+itoa(cr.ID)+"?done=carer-save")
}

// adminCarer is the carer the path names, read through reads (shownOn or
// notShown).
func (p *Pages) adminCarer(c *fiber.Ctx, reads context.Context) (booking.Carer, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return booking.Carer{}, err
	}
	return p.deps.Booking.Carer(reads, signedInAs(c), id)
}
