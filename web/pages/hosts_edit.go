package pages

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/revision"
	"github.com/respite-uk/respite/sharedlives"
)

// A coordinator changes a host's record. The status changes only by the
// actions on the host's page.

func editHostView(h sharedlives.Host, f hostForm) *hostFormView {
	v := &hostFormView{Heading: "Change " + h.Name + "'s details", Action: "/hosts/" + itoa(h.ID) + "/edit", Button: "Save the changes", Form: f,
		Position: strconv.FormatFloat(h.Latitude, 'f', -1, 64) + ", " + strconv.FormatFloat(h.Longitude, 'f', -1, 64)}
	v.BackLink = "/hosts/" + itoa(h.ID)
	return v
}

// showEditHost shows the form filled in from the record.
func (p *Pages) showEditHost(c *fiber.Ctx) error {
	h, err := p.hostOfPath(c)
	if err != nil {
		return err
	}
	return p.renderHostForm(c, fiber.StatusOK, editHostView(h, hostFormOf(h)), nil)
}

// saveHost changes the record and goes back to the host's page.
func (p *Pages) saveHost(c *fiber.Ctx) error {
	h, err := p.hostOfPath(c)
	if err != nil {
		return err
	}
	f := readHostForm(c)
	patch, errs := f.patch(h)
	if len(errs) > 0 {
		return p.renderHostForm(c, fiber.StatusUnprocessableEntity, editHostView(h, f), errs)
	}
	if _, err := p.deps.Hosts.UpdateHost(ctx(c), signedInAs(c), h.ID, patch); err != nil {
		errs, ok := hostFormErrors(err)
		if !ok {
			return err
		}
		if changedMeanwhile(err) {
			f.Revision = revision.Of(h.UpdatedAt) // saving again replaces their change
		}
		return p.renderHostForm(c, statusFor(err), editHostView(h, f), errs)
	}
	return redirect(c, "/hosts/"+itoa(h.ID)+"?done=saved")
}

// hostOfPath reads the host named by :id.
func (p *Pages) hostOfPath(c *fiber.Ctx) (sharedlives.Host, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return sharedlives.Host{}, err
	}
	return p.deps.Hosts.Host(ctx(c), signedInAs(c), id)
}
