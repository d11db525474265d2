package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
)

// stayChangeRoutes: the booking line changes a stay once it is booked —
// more nights, fewer, or another place. Carers ring the booking line.
func (s *Server) stayChangeRoutes(api fiber.Router) {
	bookingLine := s.staffOnly(accounts.RoleAdmin, accounts.RoleDuty)
	api.Post("/bookings/:id/extend", bookingLine, s.extendBooking)
	api.Post("/bookings/:id/end", bookingLine, s.endBooking)
	api.Post("/bookings/:id/move", bookingLine, s.moveBooking)
}

type extendRequest struct {
	Arrive string `json:"arrive,omitempty" jsonschema:"format=date"` // a new, earlier arrival; leave out to keep it
	Depart string `json:"depart,omitempty" jsonschema:"format=date"` // a new, later departure; leave out to keep it
	Reason string `json:"reason" jsonschema:"required"`
}

type endRequest struct {
	On     string `json:"on" jsonschema:"required,format=date"` // the stay's new departure date
	Reason string `json:"reason" jsonschema:"required"`
}

type moveRequest struct {
	Place placeJSON `json:"place" jsonschema:"required"`
	// From is the first night at the new place; leave it out for the first
	// night not yet begun.
	From   string `json:"from,omitempty" jsonschema:"format=date"`
	Reason string `json:"reason" jsonschema:"required"`
	// OverrideReason (duty only) places the person although the place does
	// not suit them on paper.
	OverrideReason string `json:"override_reason,omitempty"`
}

type overrideJSON struct {
	Problems string `json:"problems"` // why the place did not suit: "It has no hoist; …"
	Reason   string `json:"reason"`   // why the person was placed there all the same
}

// stayJSON is a booking with what changes to it leave on the record.
type stayJSON struct {
	bookingJSON
	MovedFromBookingID *int64         `json:"moved_from_booking_id,omitempty"`
	EndedEarlyAt       *time.Time     `json:"ended_early_at,omitempty"`
	BookedDepart       *calendar.Date `json:"booked_depart,omitempty"`        // the departure before it was ended early
	AllowanceKeptUntil *calendar.Date `json:"allowance_kept_until,omitempty"` // freed nights still counted against the allowance up to here
	Override           *overrideJSON  `json:"override,omitempty"`
}

func toStayJSON(b booking.Booking) stayJSON {
	out := stayJSON{bookingJSON: toBookingJSON(b), MovedFromBookingID: b.MovedFromBookingID, EndedEarlyAt: b.EndedEarlyAt}
	if !b.BookedDepart.IsZero() {
		out.BookedDepart = &b.BookedDepart
	}
	if b.AllowanceKeptUntil.After(b.Depart) {
		out.AllowanceKeptUntil = &b.AllowanceKeptUntil
	}
	if b.Overridden() {
		out.Override = &overrideJSON{Problems: b.OverrideProblems, Reason: b.OverrideReason}
	}
	return out
}

// extendBooking adds nights at the start or end of a stay.
func (s *Server) extendBooking(c *fiber.Ctx) error {
	id, err := pathID(c, booking.ErrBookingNotFound)
	if err != nil {
		return err
	}
	var req extendRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var f apperr.Fields
	x := booking.StayExtension{Arrive: parseDate(&f, "arrive", req.Arrive), Depart: parseDate(&f, "depart", req.Depart), Reason: req.Reason}
	if err := f.Err(); err != nil {
		return err
	}
	b, err := s.deps.Booking.Extend(c.UserContext(), principal(c), id, x)
	if err != nil {
		return err
	}
	return c.JSON(toStayJSON(b))
}

// endBooking ends a stay early.
func (s *Server) endBooking(c *fiber.Ctx) error {
	id, err := pathID(c, booking.ErrBookingNotFound)
	if err != nil {
		return err
	}
	var req endRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var f apperr.Fields
	on := parseDate(&f, "on", req.On)
	if err := f.Err(); err != nil {
		return err
	}
	b, err := s.deps.Booking.EndEarly(c.UserContext(), principal(c), id, on, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(toStayJSON(b))
}

// moveBooking moves some or all of a stay's nights to another place. The
// answer is the booking the stay continues in: the same one when it moved
// whole, a new one naming it (moved_from_booking_id) when it moved part-way.
func (s *Server) moveBooking(c *fiber.Ctx) error {
	id, err := pathID(c, booking.ErrBookingNotFound)
	if err != nil {
		return err
	}
	var req moveRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var f apperr.Fields
	m := booking.StayMove{Place: booking.Place{Kind: req.Place.Kind, ID: req.Place.ID}, From: parseDate(&f, "from", req.From),
		Reason: req.Reason, Override: req.OverrideReason}
	if err := f.Err(); err != nil {
		return err
	}
	b, err := s.deps.Booking.Move(c.UserContext(), principal(c), id, m)
	if err != nil {
		return err
	}
	if b.ID != id {
		c.Location("/api/v1/bookings/" + strconv.FormatInt(b.ID, 10))
	}
	return c.JSON(toStayJSON(b))
}

var stayChangeOperations = []operation{
	{method: "POST", path: "/api/v1/bookings/{id}/extend", summary: "Add nights at the start (an earlier arrive) or end (a later depart) of a stay, at the same place, in one transaction; 409 when a night is booked or held by someone else or the person has another stay, 422 naming a broken rule. A planned stay keeps its rules (lead time for new nights at the start, at most 14 nights, the allowance); an emergency stay may be extended by duty onto a bed kept for emergencies, up to 28 nights, its allowance recorded, not enforced. The carer and a host are texted; audited.", who: "admin or duty", request: extendRequest{}, status: 200, response: stayJSON{}, errors: []int{400, 404, 409, 415, 422}},
	{method: "POST", path: "/api/v1/bookings/{id}/end", summary: "End a stay early: on is its new departure. The nights before it stay booked and count as used; the later ones are freed and go back to the allowance (unless policy keeps those too late to cancel online). The stay stays confirmed, with ended_early_at and booked_depart. Nights already spent are not rewritten: on is the night under way or later. The carer and a host are texted; audited.", who: "admin or duty", request: endRequest{}, status: 200, response: stayJSON{}, errors: []int{400, 404, 409, 415, 422}},
	{method: "POST", path: "/api/v1/bookings/{id}/move", summary: "Move a stay to another place from a date, in one transaction, so the person is never without a place. The answer is the booking the stay continues in: moving every night changes this booking's place (same id and reference); moving from a later night ends this booking then and answers with a new one from that night, naming this one in moved_from_booking_id (and in Location). The new place must be free and suit the person; duty may give override_reason to place them where it does not suit, which is audited and kept on the booking.", who: "admin or duty", request: moveRequest{}, status: 200, response: stayJSON{}, errors: []int{400, 404, 409, 415, 422}},
}
