package pages

import (
	"github.com/gofiber/fiber/v2"
)

// The steps of a host's life that a coordinator takes from the host's
// page: approve (again, after a suspension), suspend with a reason, and
// record that they have left. Each posts, then goes back to the page with
// a banner saying what was done.

// approveHost approves the host from the date given.
func (p *Pages) approveHost(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	typed := &hostView{ApproveOn: readDate(c, "approve-on")}
	on, errs := typed.ApproveOn.parse("on", "approve-on", "the date they were approved")
	if len(errs) > 0 {
		return p.renderHost(c, fiber.StatusUnprocessableEntity, errs, typed)
	}
	if _, err := p.deps.Hosts.Approve(ctx(c), signedInAs(c), id, on); err != nil {
		errs, ok := errorsFrom(err, "approve-on-day", map[string]string{"on": "approve-on-day"})
		if !ok {
			return err
		}
		return p.renderHost(c, statusFor(err), errs, typed)
	}
	return redirect(c, "/hosts/"+itoa(id)+"?done=approved")
}

// suspendHost suspends the host, for the reason given.
func (p *Pages) suspendHost(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	typed := &hostView{Reason: form(c, "reason")}
	if _, err := p.deps.Hosts.Suspend(ctx(c), signedInAs(c), id, typed.Reason); err != nil {
		errs, ok := errorsFrom(err, "reason", map[string]string{"reason": "reason"})
		if !ok {
			return err
		}
		return p.renderHost(c, statusFor(err), errs, typed)
	}
	return redirect(c, "/hosts/"+itoa(id)+"?done=suspended")
}

type hostLeaveView struct {
	layout
	Host hostRow
}

// showLeaveHost asks the coordinator to confirm that the host has left.
func (p *Pages) showLeaveHost(c *fiber.Ctx) error {
	return p.renderLeaveHost(c, fiber.StatusOK, nil)
}

func (p *Pages) renderLeaveHost(c *fiber.Ctx, status int, errs formErrors) error {
	h, err := p.hostOfPath(c)
	if err != nil {
		return err
	}
	v := &hostLeaveView{Host: hostRow{ID: h.ID, Name: h.Name}}
	v.Title = "Record that " + h.Name + " has left"
	v.BackLink = "/hosts/" + itoa(h.ID)
	v.Errors = errs
	return p.render(c, status, "hosts-leave", v)
}

// leaveHost records that the host has left.
func (p *Pages) leaveHost(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := p.deps.Hosts.Leave(ctx(c), signedInAs(c), id); err != nil {
		errs, ok := errorsFrom(err, "leave", nil)
		if !ok {
			return err
		}
		return p.renderLeaveHost(c, statusFor(err), errs)
	}
	return redirect(c, "/hosts/"+itoa(id)+"?done=left")
}
