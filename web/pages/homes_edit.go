package pages

import (
	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/revision"
)

// Administrators change a care home's details, or make it inactive (or
// active again).

// showEditHome is the care home form filled in with the home's details.
func (p *Pages) showEditHome(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	home, err := p.deps.Providers.Provider(ctx(c), id)
	if err != nil {
		return err
	}
	return p.renderEditHome(c, fiber.StatusOK, home, homeFormOf(home), nil)
}

func (p *Pages) renderEditHome(c *fiber.Ctx, status int, home providers.Provider, f homeForm, errs formErrors) error {
	v := newHomeFormView(f, errs)
	v.Home = &home
	v.Title, v.Heading, v.Action, v.Button = "Change "+home.Name, "Change the home's details", "/homes/"+itoa(home.ID)+"/edit", "Save the changes"
	v.BackLink = "/homes/" + itoa(home.ID)
	return p.render(c, status, "homes-form", v)
}

// saveHome saves the changed details.
func (p *Pages) saveHome(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	home, err := p.deps.Providers.Provider(ctx(c), id)
	if err != nil {
		return err
	}
	f := readHomeForm(c)
	patch, errs := f.patch()
	if len(errs) > 0 {
		return p.renderEditHome(c, fiber.StatusUnprocessableEntity, home, f, errs)
	}
	if _, err := p.deps.Providers.UpdateProvider(ctx(c), signedInAs(c), id, patch); err != nil {
		errs, ok := errorsFrom(err, "name", homeFields)
		if !ok {
			return err
		}
		if changedMeanwhile(err) {
			f.Revision = revision.Of(home.UpdatedAt) // saving again replaces their change
		}
		return p.renderEditHome(c, statusFor(err), home, f, errs)
	}
	return redirect(c, "/homes/"+itoa(id)+"?done=saved")
}

// setHomeActive makes the home inactive, or active again.
func (p *Pages) setHomeActive(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	active := form(c, "active") == "yes"
	if _, err := p.deps.Providers.UpdateProvider(ctx(c), signedInAs(c), id, providers.ProviderPatch{Active: &active}); err != nil {
		return err
	}
	done := "inactive"
	if active {
		done = "active"
	}
	return redirect(c, "/homes/"+itoa(id)+"?done="+done)
}
