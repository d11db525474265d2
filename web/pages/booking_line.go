package pages

import (
	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
)

// The booking line: duty staff and admins find a carer (by name, postcode,
// mobile, card or a booking reference), see their stays, book a break for
// them through the carer's own screens, and cancel a stay with a reason.

// requireBooker lets in carers and the booking line.
func (p *Pages) requireBooker(c *fiber.Ctx) error {
	if who := signedInAs(c); who.IsStaff() {
		return p.requireStaff(accounts.RoleDuty, accounts.RoleAdmin)(c)
	}
	return p.requireCarer(c)
}

// showBookingSearch finds carers for the booking line; one booking
// reference goes straight to the carer.
func (p *Pages) showBookingSearch(c *fiber.Ctx) error {
	return p.searchCarers(c, "Bookings", "/bookings", "/bookings/carers/")
}

type carerBookingsView struct {
	layout
	Carer     booking.Carer
	Years     []booking.Allowance
	Upcoming  []booking.Stay
	Past      []booking.Stay
	BookHref  string
	StayPath  string
	Cancelled bool
}

// showCarerBookings is a carer's stays and allowance, for the booking line.
func (p *Pages) showCarerBookings(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	who := signedInAs(c)
	carer, err := p.deps.Booking.Carer(notShown(c), who, id) // no emergency plan shown: not audited
	if err != nil {
		return err
	}
	years, err := p.deps.Booking.AllowanceYears(ctx(c), who, id)
	if err != nil {
		return err
	}
	upcoming, past, err := p.deps.Booking.Stays(ctx(c), who, id)
	if err != nil {
		return err
	}
	if len(past) > pastShown {
		past = past[:pastShown]
	}
	v := &carerBookingsView{Carer: carer, Years: years, Upcoming: upcoming, Past: past,
		BookHref: "/book?carer=" + itoa(id), StayPath: "/bookings/", Cancelled: query(c, "done") == "cancelled"}
	v.Title = carer.Name + ": bookings"
	v.BackLink = "/bookings"
	return p.render(c, fiber.StatusOK, "bookings-carer", v)
}

type staffBookingView struct {
	layout
	Stay   booking.Stay
	Reason string
	// Links are the stays this one was moved from and to.
	Links booking.StayLinks
	// CanChange: confirmed, with a night still to come, so it can be
	// extended, ended early or moved.
	CanChange bool
	// CanCancel: confirmed and not yet over. UnderWay: the person is
	// already in it, so cancelling ends it today.
	CanCancel bool
	UnderWay  bool
	Today     calendar.Date
	// Told is whether the place is texted about the stay; a care home
	// without a mobile for texts is shown as "not told: ring them".
	Told booking.PlaceTold
}

// staffBookingView reads what the stay's page shows besides the stay.
func (p *Pages) staffBookingView(c *fiber.Ctx, s booking.Stay) (*staffBookingView, error) {
	links, err := p.deps.Booking.StayLinks(ctx(c), signedInAs(c), s.Booking.ID)
	if err != nil {
		return nil, err
	}
	told, err := p.deps.Booking.PlaceTold(ctx(c), signedInAs(c), s.Booking.ID)
	if err != nil {
		return nil, err
	}
	today := calendar.Today(p.deps.Clock)
	confirmed := s.Booking.Status == booking.StatusConfirmed
	v := &staffBookingView{Stay: s, Links: links, Today: today, Told: told,
		CanChange: confirmed && s.Booking.Depart.After(p.deps.Booking.Tonight()),
		CanCancel: confirmed && (!s.Booking.Arrive.Before(today) || s.Booking.Depart.After(today)),
		UnderWay:  confirmed && s.Booking.Arrive.Before(today)}
	v.Title = "Stay " + s.Booking.Reference
	v.BackLink = "/bookings/carers/" + itoa(s.Booking.CarerID)
	return v, nil
}

// showStaffBooking is one stay for the booking line, with changing and
// cancelling.
func (p *Pages) showStaffBooking(c *fiber.Ctx) error {
	s, err := p.stayFor(c)
	if err != nil {
		return err
	}
	v, err := p.staffBookingView(c, s)
	if err != nil {
		return err
	}
	return p.render(c, fiber.StatusOK, "bookings-stay", v)
}

// cancelForCarer cancels a stay on the carer's behalf; the reason is kept
// on the audit log.
func (p *Pages) cancelForCarer(c *fiber.Ctx) error {
	s, err := p.stayFor(c)
	if err != nil {
		return err
	}
	reason := form(c, "reason")
	b, err := p.deps.Booking.Cancel(ctx(c), signedInAs(c), s.Booking.ID, reason)
	if err != nil {
		errs, ok := errorsFrom(err, "reason", map[string]string{"reason": "reason"})
		if !ok {
			return err
		}
		v, verr := p.staffBookingView(c, s)
		if verr != nil {
			return verr
		}
		v.Reason, v.Errors = reason, errs
		return p.render(c, statusFor(err), "bookings-stay", v)
	}
	if b.Status == booking.StatusConfirmed {
		// It was under way: ended today, not cancelled.
		return p.changed(c, b.ID, "stay-ended-early")
	}
	return redirect(c, "/bookings/carers/"+itoa(s.Booking.CarerID)+"?done=cancelled")
}
