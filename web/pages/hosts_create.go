package pages

import (
	"github.com/gofiber/fiber/v2"
)

// A coordinator adds someone applying to be a shared-lives host. They
// start as an applicant; approving them is a step of its own, on their
// page.

func newHostView(f hostForm) *hostFormView {
	return &hostFormView{Heading: "Add a host", Action: "/hosts/new", Button: "Add the host", Form: f}
}

// showNewHost shows the empty form.
func (p *Pages) showNewHost(c *fiber.Ctx) error {
	v := newHostView(hostForm{})
	v.BackLink = "/hosts"
	return p.renderHostForm(c, fiber.StatusOK, v, nil)
}

// createHost adds the host and goes to their page.
func (p *Pages) createHost(c *fiber.Ctx) error {
	f := readHostForm(c)
	v := newHostView(f)
	v.BackLink = "/hosts"
	in, errs := f.input()
	if len(errs) > 0 {
		return p.renderHostForm(c, fiber.StatusUnprocessableEntity, v, errs)
	}
	h, err := p.deps.Hosts.CreateHost(ctx(c), signedInAs(c), in)
	if err != nil {
		errs, ok := hostFormErrors(err)
		if !ok {
			return err
		}
		return p.renderHostForm(c, statusFor(err), v, errs)
	}
	return redirect(c, "/hosts/"+itoa(h.ID)+"?done=added")
}
