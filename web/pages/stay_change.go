package pages

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
)

// Changing a stay on the booking line: more nights (extend), fewer (end
// early), or another place (move). Each has a page of its own reached from
// the stay's page, showing the form; its POST asks the booking service, and
// goes back to the stay's page with a message, or shows the form again with
// the service's reasons.

func init() {
	flashes["stay-extended"] = "The stay has been extended, and the carer texted."
	flashes["stay-ended-early"] = "The stay now ends sooner, and the carer texted. The nights already spent stay booked."
	flashes["stay-moved"] = "The stay has been moved, and the carer texted."
}

// stayChangeView is what the three forms need.
type stayChangeView struct {
	layout
	Stay     booking.Stay
	Tonight  calendar.Date
	Arrive   dateForm // extend: the new arrival
	Depart   dateForm // extend: the new departure
	On       dateForm // end early: the new departure
	From     dateForm // move: the first night at the new place
	FromDate calendar.Date
	Reason   string
	Override string
	// Move: where the stay could go, and the place chosen ("bed:3").
	Choices booking.EmergencyChoice
	Chosen  string
	// Duty is whether the member of staff may override (duty staff).
	Duty bool
}

// changeView starts a stay change page for the stay named by :id.
func (p *Pages) changeView(c *fiber.Ctx, title string) (*stayChangeView, error) {
	s, err := p.stayFor(c)
	if err != nil {
		return nil, err
	}
	v := &stayChangeView{Stay: s, Tonight: p.deps.Booking.Tonight(), Duty: signedInAs(c).IsStaff(accounts.RoleDuty)}
	v.Title = title + ": stay " + s.Booking.Reference
	v.BackLink = "/bookings/" + itoa(s.Booking.ID)
	return v, nil
}

// changed goes back to the stay's page (or the one it continues in) with
// a message.
func (p *Pages) changed(c *fiber.Ctx, bookingID int64, flash string) error {
	p.setFlash(c, flash)
	return redirect(c, "/bookings/"+itoa(bookingID))
}

// showExtend is the form to add nights: the dates as they are, to change.
func (p *Pages) showExtend(c *fiber.Ctx) error {
	v, err := p.changeView(c, "Extend")
	if err != nil {
		return err
	}
	v.Arrive, v.Depart = dateFormOf(v.Stay.Booking.Arrive), dateFormOf(v.Stay.Booking.Depart)
	return p.render(c, fiber.StatusOK, "bookings-extend", v)
}

// extendStay adds the nights. A date left as it was is not changed.
func (p *Pages) extendStay(c *fiber.Ctx) error {
	v, err := p.changeView(c, "Extend")
	if err != nil {
		return err
	}
	v.Arrive, v.Depart, v.Reason = readDate(c, "arrive"), readDate(c, "depart"), form(c, "reason")
	arrive, errs := v.Arrive.parse("arrive", "arrive", "the arrival date")
	depart, derrs := v.Depart.parse("depart", "depart", "the departure date")
	if errs = append(errs, derrs...); len(errs) > 0 {
		v.Errors = errs
		return p.render(c, fiber.StatusUnprocessableEntity, "bookings-extend", v)
	}
	x := booking.StayExtension{Reason: v.Reason}
	if arrive != v.Stay.Booking.Arrive {
		x.Arrive = arrive
	}
	if depart != v.Stay.Booking.Depart {
		x.Depart = depart
	}
	b, err := p.deps.Booking.Extend(ctx(c), signedInAs(c), v.Stay.Booking.ID, x)
	if err != nil {
		errs, ok := errorsFrom(err, "depart-day", map[string]string{"arrive": "arrive-day", "depart": "depart-day", "reason": "reason"})
		if !ok {
			return err
		}
		v.Errors = errs
		return p.render(c, statusFor(err), "bookings-extend", v)
	}
	return p.changed(c, b.ID, "stay-extended")
}

// showEndEarly is the form to end a stay early.
func (p *Pages) showEndEarly(c *fiber.Ctx) error {
	v, err := p.changeView(c, "End early")
	if err != nil {
		return err
	}
	return p.render(c, fiber.StatusOK, "bookings-end", v)
}

// endStayEarly ends it on the date given.
func (p *Pages) endStayEarly(c *fiber.Ctx) error {
	v, err := p.changeView(c, "End early")
	if err != nil {
		return err
	}
	v.On, v.Reason = readDate(c, "on"), form(c, "reason")
	on, errs := v.On.parse("on", "on", "the date the stay now ends")
	if len(errs) > 0 {
		v.Errors = errs
		return p.render(c, fiber.StatusUnprocessableEntity, "bookings-end", v)
	}
	b, err := p.deps.Booking.EndEarly(ctx(c), signedInAs(c), v.Stay.Booking.ID, on, v.Reason)
	if err != nil {
		errs, ok := errorsFrom(err, "on-day", map[string]string{"on": "on-day", "reason": "reason"})
		if !ok {
			return err
		}
		v.Errors = errs
		return p.render(c, statusFor(err), "bookings-end", v)
	}
	return p.changed(c, b.ID, "stay-ended-early")
}

// showMove is the form to move a stay: from which night, and the places
// free from then that suit (and, for duty staff, those that do not, with
// why). Changing the date shows the places free from the new one.
func (p *Pages) showMove(c *fiber.Ctx) error {
	v, err := p.changeView(c, "Move")
	if err != nil {
		return err
	}
	v.From = readDate(c, "from")
	if v.From == (dateForm{}) {
		v.From = dateFormOf(latestDate(v.Stay.Booking.Arrive, calendar.Today(p.deps.Clock)))
	}
	return p.renderMove(c, v, fiber.StatusOK)
}

// renderMove lists the places for the date in v.From and shows the form.
func (p *Pages) renderMove(c *fiber.Ctx, v *stayChangeView, status int) error {
	from, errs := v.From.parse("from", "from", "the first night at the new place")
	if len(errs) == 0 {
		v.FromDate = from
		choices, err := p.deps.Booking.MoveChoices(ctx(c), signedInAs(c), v.Stay.Booking.ID, from)
		if err != nil {
			var ok bool
			if errs, ok = errorsFrom(err, "from-day", map[string]string{"from": "from-day"}); !ok {
				return err
			}
		}
		v.Choices = choices
	}
	if len(errs) > 0 {
		v.Errors = append(errs, v.Errors...)
		if status == fiber.StatusOK {
			status = fiber.StatusUnprocessableEntity
		}
	}
	return p.render(c, status, "bookings-move", v)
}

// moveStay moves the stay to the place chosen.
func (p *Pages) moveStay(c *fiber.Ctx) error {
	v, err := p.changeView(c, "Move")
	if err != nil {
		return err
	}
	v.From, v.Reason, v.Override, v.Chosen = readDate(c, "from"), form(c, "reason"), form(c, "override"), form(c, "place")
	from, errs := v.From.parse("from", "from", "the first night at the new place")
	if len(errs) > 0 {
		v.Errors = errs
		return p.renderMove(c, v, fiber.StatusUnprocessableEntity)
	}
	kind, rawID, _ := strings.Cut(v.Chosen, ":")
	id, _ := strconv.ParseInt(rawID, 10, 64)
	b, err := p.deps.Booking.Move(ctx(c), signedInAs(c), v.Stay.Booking.ID, booking.StayMove{
		Place: booking.Place{Kind: kind, ID: id}, From: from, Reason: v.Reason, Override: v.Override,
	})
	if err != nil {
		errs, ok := errorsFrom(err, "place", map[string]string{"place.kind": "place", "place.id": "place", "from": "from-day", "reason": "reason", "override": "override"})
		if !ok {
			return err
		}
		v.Errors = errs
		return p.renderMove(c, v, statusFor(err))
	}
	return p.changed(c, b.ID, "stay-moved")
}

// latestDate is the later of two dates.
func latestDate(a, b calendar.Date) calendar.Date {
	if b.After(a) {
		return b
	}
	return a
}
