package pages

import (
	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/contact"
)

// A carer's own details: they may change their email, their emergency
// contact and their mobile (after proving the new number with a code).
// Everything else on their record is the council's to change.

type detailsView struct {
	layout
	Carer booking.Carer
	// The form's values as typed, when it is shown again with errors.
	Email, ContactName, ContactPhone string
}

// showDetails lists the carer's details with links to change them.
func (p *Pages) showDetails(c *fiber.Ctx) error {
	who := signedInAs(c)
	carer, err := p.deps.Booking.Carer(ctx(c), who, who.ID)
	if err != nil {
		return err
	}
	v := &detailsView{Carer: carer}
	v.Title = "Your details"
	return p.render(c, fiber.StatusOK, "details", v)
}

// showContactForm shows the email and emergency contact form, filled in.
func (p *Pages) showContactForm(c *fiber.Ctx) error {
	who := signedInAs(c)
	carer, err := p.deps.Booking.Carer(ctx(c), who, who.ID)
	if err != nil {
		return err
	}
	v := &detailsView{Carer: carer, ContactName: carer.EmergencyContactName}
	if carer.Email != nil {
		v.Email = *carer.Email
	}
	if carer.EmergencyContactPhone != nil {
		// As people write it ("07700 900999"), not as it is stored.
		v.ContactPhone = contact.DisplayPhone(*carer.EmergencyContactPhone)
	}
	v.Title = "Change your contact details"
	v.BackLink = "/details"
	return p.render(c, fiber.StatusOK, "details-contact", v)
}

// contactFields maps the booking service's field names to the form's inputs.
var contactFields = map[string]string{"email": "email", "emergency_contact_name": "contact-name", "emergency_contact_phone": "contact-phone"}

// saveContact saves the email and emergency contact.
func (p *Pages) saveContact(c *fiber.Ctx) error {
	email, name, phone := form(c, "email"), form(c, "contact-name"), form(c, "contact-phone")
	_, err := p.deps.Booking.UpdateOwnDetails(ctx(c), signedInAs(c), booking.OwnDetailsPatch{
		Email: &email, EmergencyContactName: &name, EmergencyContactPhone: &phone,
	})
	if err != nil {
		errs, ok := errorsFrom(err, "email", contactFields)
		if !ok {
			return err
		}
		v := &detailsView{Email: email, ContactName: name, ContactPhone: phone}
		v.Title = "Change your contact details"
		v.BackLink = "/details"
		v.Errors = errs
		return p.render(c, statusFor(err), "details-contact", v)
	}
	p.setFlash(c, "details-saved")
	return redirect(c, "/details")
}

type mobileView struct {
	layout
	Mobile string
}

// showMobileForm asks for the new mobile number.
func (p *Pages) showMobileForm(c *fiber.Ctx) error {
	v := &mobileView{}
	v.Title = "Change your mobile number"
	v.BackLink = "/details"
	return p.render(c, fiber.StatusOK, "details-mobile", v)
}

// startMobileChange texts a code to the new number; the number changes
// only once that code comes back.
func (p *Pages) startMobileChange(c *fiber.Ctx) error {
	mobile := form(c, "mobile")
	if err := p.deps.Booking.StartMobileChange(ctx(c), signedInAs(c), mobile); err != nil {
		errs, ok := errorsFrom(err, "mobile", map[string]string{"mobile": "mobile"})
		if !ok {
			return err
		}
		v := &mobileView{Mobile: mobile}
		v.Title = "Change your mobile number"
		v.BackLink = "/details"
		v.Errors = errs
		return p.render(c, statusFor(err), "details-mobile", v)
	}
	return redirect(c, "/details/mobile/code")
}

// showMobileCode asks for the code sent to the new number.
func (p *Pages) showMobileCode(c *fiber.Ctx) error {
	v := &mobileView{}
	v.Title = "Check your new phone"
	v.BackLink = "/details/mobile"
	return p.render(c, fiber.StatusOK, "details-mobile-code", v)
}

// confirmMobileChange checks the code and changes the number.
func (p *Pages) confirmMobileChange(c *fiber.Ctx) error {
	if _, err := p.deps.Booking.ConfirmMobileChange(ctx(c), signedInAs(c), form(c, "code")); err != nil {
		errs, ok := errorsFrom(err, "code", map[string]string{"code": "code"})
		if !ok {
			return err
		}
		v := &mobileView{}
		v.Title = "Check your new phone"
		v.BackLink = "/details/mobile"
		v.Errors = errs
		return p.render(c, statusFor(err), "details-mobile-code", v)
	}
	p.setFlash(c, "mobile-changed")
	return redirect(c, "/details")
}
