package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
)

// placeJSON is both in requests and in answers, so its required fields
// are tagged: the document gives a type one schema.
type placeJSON struct {
	Kind string `json:"kind" jsonschema:"required"`
	ID   int64  `json:"id" jsonschema:"required"`
}

type optionJSON struct {
	Place            placeJSON `json:"place"`
	Name             string    `json:"name"`
	Provider         string    `json:"provider"`
	ProviderID       int64     `json:"provider_id"`
	DistanceKm       float64   `json:"distance_km"`
	NightlyRatePence int64     `json:"nightly_rate_pence"`
	Reasons          []string  `json:"reasons"`
}

type availabilityJSON struct {
	Options []optionJSON `json:"options"`
}

type holdRequest struct {
	PersonID int64     `json:"person_id" jsonschema:"required"`
	Place    placeJSON `json:"place" jsonschema:"required"`
	Arrive   string    `json:"arrive" jsonschema:"required,format=date"`
	Depart   string    `json:"depart" jsonschema:"required,format=date"`
}

type holdJSON struct {
	ID        string        `json:"id"`
	ExpiresAt time.Time     `json:"expires_at"`
	PersonID  int64         `json:"person_id"`
	Place     placeJSON     `json:"place"`
	Arrive    calendar.Date `json:"arrive"`
	Depart    calendar.Date `json:"depart"`
	Nights    int           `json:"nights"`
}

type bookingRequest struct {
	HoldID string `json:"hold_id" jsonschema:"required"`
}

type cancelRequest struct {
	Reason string `json:"reason"`
}

type actorJSON struct {
	Kind string `json:"kind"`
	ID   int64  `json:"id"`
}

type bookingJSON struct {
	ID                int64         `json:"id"`
	Reference         string        `json:"reference"`
	Status            string        `json:"status"`
	Kind              string        `json:"kind"`
	PersonID          int64         `json:"person_id"`
	CarerID           int64         `json:"carer_id"`
	Place             placeJSON     `json:"place"`
	Arrive            calendar.Date `json:"arrive"`
	Depart            calendar.Date `json:"depart"`
	Nights            int           `json:"nights"`
	NightlyRatePence  int64         `json:"nightly_rate_pence"`
	CreatedBy         actorJSON     `json:"created_by"`
	CreatedAt         time.Time     `json:"created_at"`
	CancelledAt       *time.Time    `json:"cancelled_at,omitempty"`
	CancelledBy       *actorJSON    `json:"cancelled_by,omitempty"`
	CancelReason      *string       `json:"cancel_reason,omitempty"`
	AllowanceRestored *bool         `json:"allowance_restored,omitempty"`
}

type bookingList struct {
	Items      []bookingJSON `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

type allowanceJSON struct {
	YearStarts calendar.Date `json:"year_starts"`
	YearEnds   calendar.Date `json:"year_ends"`
	Allowed    int           `json:"allowed"`
	Booked     int           `json:"booked"`
	Held       int           `json:"held"`
	Remaining  int           `json:"remaining"`
}

func toBookingJSON(b booking.Booking) bookingJSON {
	out := bookingJSON{
		ID: b.ID, Reference: b.Reference, Status: b.Status, Kind: b.Kind, PersonID: b.PersonID, CarerID: b.CarerID,
		Place: placeJSON{Kind: b.PlaceKind, ID: b.PlaceID}, Arrive: b.Arrive, Depart: b.Depart, Nights: b.Nights,
		NightlyRatePence: b.NightlyRatePence, CreatedBy: actorJSON{Kind: b.CreatedByKind, ID: b.CreatedByID}, CreatedAt: b.CreatedAt,
	}
	if b.Status == booking.StatusCancelled {
		out.CancelledAt, out.CancelReason = b.CancelledAt, b.CancelReason
		if b.CancelledByKind != nil && b.CancelledByID != nil {
			out.CancelledBy = &actorJSON{Kind: *b.CancelledByKind, ID: *b.CancelledByID}
		}
		restored := b.AllowanceRestored
		out.AllowanceRestored = &restored
	}
	return out
}

// showAvailability lists the places that suit a person for a stay.
func (s *Server) showAvailability(c *fiber.Ctx) error {
	var f apperr.Fields
	q := booking.Search{
		Arrive: parseDate(&f, "arrive", strings.Clone(c.Query("arrive"))),
		Depart: parseDate(&f, "depart", strings.Clone(c.Query("depart"))),
	}
	personID, err := strconv.ParseInt(c.Query("person_id"), 10, 64)
	if err != nil || personID <= 0 {
		f.Add("person_id", "Choose the person the stay is for (their id).")
	}
	q.PersonID = personID
	if near := c.Query("near"); near != "" {
		lat, lon, ok := parseLatLon(near)
		if !ok {
			f.Add("near", "Give a point as LAT,LON, like 53.80,-1.55.")
		}
		q.Near = &booking.LatLon{Lat: lat, Lon: lon}
	}
	if !f.Has("arrive") && q.Arrive.IsZero() {
		f.Add("arrive", "Enter the arrival date as YYYY-MM-DD.")
	}
	if !f.Has("depart") && q.Depart.IsZero() {
		f.Add("depart", "Enter the departure date as YYYY-MM-DD.")
	}
	if err := f.Err(); err != nil {
		return err
	}
	opts, err := s.deps.Booking.Availability(c.UserContext(), principal(c), q)
	if err != nil {
		return err
	}
	out := availabilityJSON{Options: make([]optionJSON, len(opts))}
	for i, o := range opts {
		out.Options[i] = optionJSON{
			Place: placeJSON{Kind: o.Place.Kind, ID: o.Place.ID}, Name: o.Name, Provider: o.Provider, ProviderID: o.ProviderID,
			DistanceKm: o.DistanceKm, NightlyRatePence: o.NightlyRatePence, Reasons: o.Reasons,
		}
	}
	return c.JSON(out)
}

func parseLatLon(s string) (float64, float64, bool) {
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return 0, 0, false
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil || !(booking.LatLon{Lat: lat, Lon: lon}).OnTheMap() {
		return 0, 0, false
	}
	return lat, lon, true
}

// createHold holds a place's nights while the carer confirms.
func (s *Server) createHold(c *fiber.Ctx) error {
	var req holdRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var dates apperr.Fields
	hr := booking.HoldRequest{
		PersonID: req.PersonID, Place: booking.Place{Kind: req.Place.Kind, ID: req.Place.ID},
		Arrive: parseDate(&dates, "arrive", req.Arrive), Depart: parseDate(&dates, "depart", req.Depart),
	}
	if err := dates.Err(); err != nil {
		return err
	}
	h, err := s.deps.Booking.CreateHold(c.UserContext(), principal(c), hr)
	if err != nil {
		return err
	}
	c.Location("/api/v1/holds/" + h.ID)
	return c.Status(fiber.StatusCreated).JSON(holdJSON{
		ID: h.ID, ExpiresAt: h.ExpiresAt, PersonID: h.PersonID, Place: placeJSON{Kind: h.PlaceKind, ID: h.PlaceID},
		Arrive: h.Arrive, Depart: h.Depart, Nights: h.Arrive.DaysUntil(h.Depart),
	})
}

// releaseHold lets a hold go early.
func (s *Server) releaseHold(c *fiber.Ctx) error {
	if err := s.deps.Booking.ReleaseHold(c.UserContext(), principal(c), strings.Clone(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// createBooking confirms a hold. With an Idempotency-Key header the same
// request again returns the same booking.
func (s *Server) createBooking(c *fiber.Ctx) error {
	var req bookingRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.HoldID) == "" {
		return apperr.Invalidf("hold_id", "Give the id of the hold to confirm.")
	}
	key := strings.Clone(c.Get("Idempotency-Key"))
	if len(key) > 200 {
		return apperr.Invalidf("Idempotency-Key", "Keep the Idempotency-Key to 200 characters.")
	}
	b, created, err := s.deps.Booking.Confirm(c.UserContext(), principal(c), req.HoldID, key)
	if err != nil {
		return err
	}
	if !created {
		c.Set("Idempotent-Replayed", "true")
	}
	c.Location("/api/v1/bookings/" + strconv.FormatInt(b.ID, 10))
	return c.Status(fiber.StatusCreated).JSON(toBookingJSON(b))
}

// listBookings lists bookings: a carer's own, or all for staff.
func (s *Server) listBookings(c *fiber.Ctx) error {
	var f apperr.Fields
	filter := booking.BookingFilter{
		From:   parseDate(&f, "from", strings.Clone(c.Query("from"))),
		To:     parseDate(&f, "to", strings.Clone(c.Query("to"))),
		Status: strings.Clone(c.Query("status")),
		// Finding a booking from what a caller has to hand.
		Reference: strings.Clone(c.Query("reference")),
		Mobile:    strings.Clone(c.Query("mobile")),
		Page:      pageRequest(c, &f),
	}
	if raw := c.Query("person_id"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			f.Add("person_id", "Use a person's id.")
		}
		filter.PersonID = id
	}
	if kind, raw := c.Query("place_kind"), c.Query("place_id"); kind != "" || raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 || (kind != booking.PlaceBed && kind != booking.PlaceHost) {
			f.Add("place_id", "Filter by place with both place_kind (bed or host) and place_id.")
		}
		filter.Place = &booking.Place{Kind: strings.Clone(kind), ID: id}
	}
	if err := f.Err(); err != nil {
		return err
	}
	page, err := s.deps.Booking.Bookings(c.UserContext(), principal(c), filter)
	if err != nil {
		return err
	}
	out := bookingList{Items: make([]bookingJSON, len(page.Items)), NextCursor: cursor(page.Next)}
	for i, b := range page.Items {
		out.Items[i] = toBookingJSON(b)
	}
	return c.JSON(out)
}

// showBooking shows one booking, named by its id or by its reference
// (typed any way: "k7m4qx" finds K7M-4QX), as people read it out.
func (s *Server) showBooking(c *fiber.Ctx) error {
	var b booking.Booking
	var err error
	if raw := strings.Clone(c.Params("id")); strings.ContainsFunc(raw, func(r rune) bool { return r < '0' || r > '9' }) {
		b, err = s.bookingByReference(c, raw)
	} else {
		var id int64
		if id, err = pathID(c, booking.ErrBookingNotFound); err == nil {
			b, err = s.deps.Booking.Booking(c.UserContext(), principal(c), id)
		}
	}
	if err != nil {
		return err
	}
	return c.JSON(toStayJSON(b)) // with what changed since it was booked
}

// bookingByReference finds the booking with a reference, as the list of
// bookings narrowed to it would: so whoever may not see the booking there
// does not find it here either. Something that cannot be a reference
// names no booking: ErrBookingNotFound.
func (s *Server) bookingByReference(c *fiber.Ctx, ref string) (booking.Booking, error) {
	page, err := s.deps.Booking.Bookings(c.UserContext(), principal(c), booking.BookingFilter{Reference: ref})
	switch {
	case apperr.KindOf(err) == apperr.Invalid:
		return booking.Booking{}, booking.ErrBookingNotFound
	case err != nil:
		return booking.Booking{}, err
	case len(page.Items) == 0:
		return booking.Booking{}, booking.ErrBookingNotFound
	}
	return page.Items[0], nil
}

// carerStayJSON is a stay as the duty team sees it beside a carer's
// emergency card: who is staying, where, and when.
type carerStayJSON struct {
	BookingID  int64         `json:"booking_id"`
	Reference  string        `json:"reference"`
	Kind       string        `json:"kind"`
	PersonID   int64         `json:"person_id"`
	PersonName string        `json:"person_name"`
	Place      placeJSON     `json:"place"`
	PlaceName  string        `json:"place_name"`
	Phone      string        `json:"phone,omitempty"` // the home's, E.164; none for a shared-lives host
	Arrive     calendar.Date `json:"arrive"`
	Depart     calendar.Date `json:"depart"`
	Nights     int           `json:"nights"`
}

func toCarerStaysJSON(stays []booking.Stay) []carerStayJSON {
	out := make([]carerStayJSON, len(stays))
	for i, st := range stays {
		out[i] = carerStayJSON{BookingID: st.ID, Reference: st.Reference, Kind: st.Kind, PersonID: st.PersonID, PersonName: st.PersonName,
			Place: placeJSON{Kind: st.PlaceKind, ID: st.PlaceID}, PlaceName: st.PlaceName, Phone: st.Phone,
			Arrive: st.Arrive, Depart: st.Depart, Nights: st.Nights}
	}
	return out
}

// cancelBooking cancels a booking; staff must say why.
func (s *Server) cancelBooking(c *fiber.Ctx) error {
	id, err := pathID(c, booking.ErrBookingNotFound)
	if err != nil {
		return err
	}
	var req cancelRequest
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	b, err := s.deps.Booking.Cancel(c.UserContext(), principal(c), id, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(toBookingJSON(b))
}

// showAllowance shows a carer's nights for the current allowance year.
func (s *Server) showAllowance(c *fiber.Ctx) error {
	id, err := pathID(c, booking.ErrCarerNotFound)
	if err != nil {
		return err
	}
	a, err := s.deps.Booking.Allowance(c.UserContext(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(allowanceJSON{YearStarts: a.YearStarts, YearEnds: a.YearEnds, Allowed: a.Allowed, Booked: a.Booked, Held: a.Held, Remaining: a.Remaining})
}

var bookingOperations = []operation{
	{method: "GET", path: "/api/v1/availability", summary: "Places free on every night of a stay, under a contract covering every night, that suit the person (never beds kept for emergencies), best match first, then nearest. Searches that find nothing are recorded for commissioners.", who: "admin, duty, or the person's carer", status: 200, response: availabilityJSON{}, errors: []int{404, 422},
		query: []queryParam{{"person_id", "The person the stay is for.", "id", true, nil}, {"arrive", "Arrival date, YYYY-MM-DD.", "date", true, nil}, {"depart", "Departure date, YYYY-MM-DD.", "date", true, nil}, {"near", "LAT,LON to measure distance from (default: the carer's home).", "string", false, nil}}},
	{method: "POST", path: "/api/v1/holds", summary: "Hold a place's nights for 10 minutes while the booking is confirmed; 409 when any night is taken or held, 422 naming a broken rule, 503 if the hold service is down.", who: "admin, duty, or the person's carer", request: holdRequest{}, status: 201, response: holdJSON{}, errors: []int{400, 404, 409, 415, 422, 503}},
	{method: "DELETE", path: "/api/v1/holds/{id}", summary: "Release a hold early.", who: "admin, duty, or the hold's carer", status: 204, errors: []int{404},
		idSchema: map[string]any{"type": "string", "pattern": "^[0-9a-f]{24}$", "description": "A hold's id: 24 hexadecimal digits."}},
	{method: "POST", path: "/api/v1/bookings", summary: "Confirm a hold as a booking. Send an Idempotency-Key header to make retries safe: the same key returns the same booking.", who: "admin, duty, or the hold's carer", request: bookingRequest{}, status: 201, response: bookingJSON{}, errors: []int{400, 404, 409, 415, 422}},
	{method: "GET", path: "/api/v1/bookings", summary: "Bookings in id order: a carer sees their own, staff all. Find a booking by its reference, or a carer's bookings by their mobile number; a query parameter not listed here is refused (422), never ignored.", who: "admin, duty, or a carer (their own)", status: 200, response: bookingList{}, errors: []int{422},
		query: append([]queryParam{{"from", "Stays ending after this date.", "date", false, nil}, {"to", "Stays starting on or before this date.", "date", false, nil}, {"place_kind", "bed or host (with place_id).", "string", false, booking.PlaceKinds}, {"place_id", "Only stays at this place: a bed's id, or a shared-lives host's, as place_kind says.", "id", false, nil}, {"person_id", "Only the stays of this person cared for.", "id", false, nil}, {"status", "Only confirmed stays, or only cancelled ones; both when left out.", "string", false, booking.Statuses},
			{"reference", "A booking reference, in any case, with or without the dash: K7M-4QX or k7m4qx.", "string", false, nil}, {"mobile", "The carer's mobile number, written any UK way: 07700 900123 or +44 7700 900123.", "string", false, nil}}, pageParams...)},
	{method: "GET", path: "/api/v1/bookings/{id}", summary: "One booking, by its id or its reference (any case, with or without the dash).", who: "admin, duty, or the booking's carer", status: 200, response: stayJSON{}, errors: []int{404},
		// One string, not a oneOf of a number and a reference: a
		// generated client can pass a string, but not an untyped union.
		idSchema: map[string]any{"type": "string", "pattern": "^([1-9][0-9]*|[A-Za-z0-9]{3}-?[A-Za-z0-9]{3})$", "description": "The booking's id (digits) or its reference (K7M-4QX or k7m4qx)."}},
	{method: "POST", path: "/api/v1/bookings/{id}/cancel", summary: "Cancel a booking: the nights are freed and given back to the allowance, and the carer is texted. Carers may cancel up to RESPITE_CANCEL_CUTOFF (48 hours) before arrival; staff at any time, with a reason. Cancelling a stay already under way ends it today instead: the nights spent stay booked and counted.", who: "admin, duty, or the booking's carer", request: cancelRequest{}, bodyOptional: true, status: 200, response: bookingJSON{}, errors: []int{400, 404, 409, 415, 422}},
	{method: "GET", path: "/api/v1/carers/{id}/allowance", summary: "The carer's nights this allowance year: allowed, booked, held and remaining.", who: "admin, duty, or the carer", status: 200, response: allowanceJSON{}, errors: []int{404}},
}
