package pages

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/sharedlives"
)

// A host's page for coordinators: their record, what can be done next
// (approve, suspend, record that they have left), their calendar a month
// at a time, read-only, and the guests coming to stay.

// hostsDone are the banners a host's page shows after an action, named
// by ?done=; the page never shows what the address says in any other way.
var hostsDone = map[string]string{
	"added":     "Host added. They are an applicant until you approve them.",
	"saved":     "The host's details have been saved.",
	"approved":  "Host approved. They can now be offered for stays.",
	"suspended": "Host suspended. They will not be offered for stays until you approve them again.",
	"left":      "Recorded that the host has left. They will not be offered for stays again.",
}

type hostView struct {
	layout
	Host       sharedlives.Host
	Row        hostRow
	Notes      []string
	Month      sharedlives.Month
	MonthParam string
	Guests     []sharedlives.Guest
	ApproveOn  dateForm
	Reason     string
	CanApprove bool
	CanSuspend bool
	CanLeave   bool
}

// showHost shows the host's page, for the month ?month=YYYY-MM (this
// month when not given).
func (p *Pages) showHost(c *fiber.Ctx) error {
	return p.renderHost(c, fiber.StatusOK, nil, nil)
}

// renderHost shows the host's page; typed holds what was typed into a
// form that went wrong, and errs what was wrong with it.
func (p *Pages) renderHost(c *fiber.Ctx, status int, errs formErrors, typed *hostView) error {
	h, err := p.hostOfPath(c)
	if err != nil {
		return err
	}
	who := signedInAs(c)
	now := p.deps.Hosts.Now()
	today := calendar.Of(now.In(calendar.London))
	month := query(c, "month")
	var on calendar.Date
	if month != "" {
		if on, err = calendar.Parse(month + "-01"); err != nil {
			return errNoSuchPage
		}
	}
	m, err := p.deps.Hosts.CalendarMonth(ctx(c), who, h.ID, on)
	if err != nil {
		if apperr.KindOf(err) == apperr.Invalid {
			return errNoSuchPage // a month outside those that can be shown
		}
		return err
	}
	guests, err := p.deps.Hosts.UpcomingGuests(ctx(c), who, h.ID)
	if err != nil {
		return err
	}
	v := &hostView{ApproveOn: dateFormOf(today)}
	if typed != nil {
		v = typed
	}
	v.Host, v.Row, v.Month, v.MonthParam, v.Guests = h, hostRowOf(h, today, now), m, month, guests
	for _, n := range strings.Split(h.StaffNotes, "\n\n") {
		if n = strings.TrimSpace(n); n != "" {
			v.Notes = append(v.Notes, n)
		}
	}
	v.CanApprove = h.Status == sharedlives.StatusApplicant || h.Status == sharedlives.StatusSuspended
	v.CanSuspend = h.Status == sharedlives.StatusApproved
	v.CanLeave = h.Status != sharedlives.StatusLeft
	v.Title = h.Name
	v.BackLink = "/hosts"
	v.Errors = errs
	if len(errs) == 0 {
		v.Flash = hostsDone[query(c, "done")]
	}
	return p.render(c, status, "hosts-show", v)
}
