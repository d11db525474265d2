package web

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/invopop/jsonschema"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/sharedlives"
)

// hostRoutes registers shared-lives hosts, their approval, calendars and
// guests. Coordinators and administrators manage hosts; the duty team reads
// them, to place emergencies; a host may read their own record, calendar
// and guests and change their own calendar, and the hosts service narrows
// them to their own (404 for anyone else's).
func (s *Server) hostRoutes(api fiber.Router) {
	hostTeam := s.staffOnly(accounts.RoleAdmin, accounts.RoleCoordinator)
	readers := s.staffOnly(accounts.RoleAdmin, accounts.RoleCoordinator, accounts.RoleDuty)
	readersOrHost := s.staffOrHost(accounts.RoleAdmin, accounts.RoleCoordinator, accounts.RoleDuty)
	hostTeamOrHost := s.staffOrHost(accounts.RoleAdmin, accounts.RoleCoordinator)
	api.Post("/hosts", hostTeam, s.createHost)
	api.Get("/hosts", readers, s.listHosts)
	api.Get("/hosts/:id", readersOrHost, s.showHost)
	api.Patch("/hosts/:id", hostTeam, s.updateHost)
	api.Post("/hosts/:id/approve", hostTeam, s.approveHost)
	api.Post("/hosts/:id/suspend", hostTeam, s.suspendHost)
	api.Post("/hosts/:id/leave", hostTeam, s.leaveHost)
	api.Get("/hosts/:id/availability", readersOrHost, s.showHostAvailability)
	api.Put("/hosts/:id/availability", hostTeamOrHost, s.setHostAvailability)
	api.Post("/hosts/:id/availability", hostTeamOrHost, s.addHostAvailability)
	api.Delete("/hosts/:id/availability", hostTeamOrHost, s.removeHostAvailability)
	api.Get("/hosts/:id/guests", readersOrHost, s.listHostGuests)
}

// hostOperations documents hostRoutes in the OpenAPI document.
var hostOperations = []operation{
	{method: "POST", path: "/api/v1/hosts", summary: "Record someone applying to be a shared-lives host; they start as an applicant.", who: "admin or coordinator", request: hostRequest{}, status: 201, response: hostJSON{}, errors: []int{400, 409, 415, 422}},
	{method: "GET", path: "/api/v1/hosts", summary: "List hosts in id order.", who: "admin, coordinator or duty", status: 200, response: hostList{}, errors: []int{422},
		query: append([]queryParam{
			{"status", "applicant, approved, suspended or left.", "string", false, sharedlives.Statuses},
			{"reviews_due_by", "Hosts whose approval review is due on or before this date, YYYY-MM-DD (approved hosts unless status says otherwise).", "date", false, nil},
			{"q", "Part of the name, any case.", "string", false, nil},
		}, pageParams...)},
	{method: "GET", path: "/api/v1/hosts/{id}", summary: "One host. Hosts are not shown staff notes.", who: "admin, coordinator, duty, or the host themself", status: 200, response: hostJSON{}, errors: []int{404}},
	{method: "PATCH", path: "/api/v1/hosts/{id}", summary: "Change a host's record; fields left out stay as they are. The status changes only by approve, suspend and leave.", who: "admin or coordinator", request: hostPatchRequest{}, status: 200, response: hostJSON{}, errors: []int{400, 404, 409, 415, 422}},
	{method: "POST", path: "/api/v1/hosts/{id}/approve", summary: "Approve an applicant, or a suspended host again, from a date (default today); the review falls due 12 months later. 409 for a host already approved or who has left.", who: "admin or coordinator", request: hostApproveRequest{}, bodyOptional: true, status: 200, response: hostJSON{}, errors: []int{400, 404, 409, 415, 422}},
	{method: "POST", path: "/api/v1/hosts/{id}/suspend", summary: "Suspend an approved host, saying why; the reason is kept in the staff notes. 409 for a host who is not approved.", who: "admin or coordinator", request: hostSuspendRequest{}, status: 200, response: hostJSON{}, errors: []int{400, 404, 409, 415, 422}},
	{method: "POST", path: "/api/v1/hosts/{id}/leave", summary: "Record that a host has stopped hosting. It is final; 409 for a host who has already left.", who: "admin or coordinator", status: 200, response: hostJSON{}, errors: []int{404, 409}},
	{method: "GET", path: "/api/v1/hosts/{id}/availability", summary: "The host's calendar: the date ranges (both ends included) from today on when they can take guests, when it was last confirmed, and whether that is too long ago to trust (stale).", who: "admin, coordinator, duty, or the host themself", status: 200, response: hostAvailabilityJSON{}, errors: []int{404}},
	{method: "PUT", path: "/api/v1/hosts/{id}/availability", summary: "Replace the host's calendar from today on; this also confirms it. Ranges may not overlap, must end today or later, and reach no more than 18 months ahead; a 422 names every bad range.", who: "admin, coordinator, or the host themself", request: hostAvailabilityRequest{}, status: 200, response: hostAvailabilityJSON{}, errors: []int{400, 404, 409, 415, 422}},
	{method: "POST", path: "/api/v1/hosts/{id}/availability", summary: "Add one range of dates (from and to, both included) to the host's calendar, joining any range it overlaps or runs on from; this also confirms the calendar. A from before today counts from today; to may be no more than 18 months ahead.", who: "admin, coordinator, or the host themself", request: hostDatesRequest{}, status: 200, response: hostAvailabilityJSON{}, errors: []int{400, 404, 409, 415, 422}},
	{method: "DELETE", path: "/api/v1/hosts/{id}/availability", summary: "Take one range of dates (from and to, both included; from == to for one night) out of the host's calendar, splitting a range it falls inside; this also confirms the calendar. Refused (409) when a guest is booked to stay any of those nights: the message names the stay. The day a guest leaves is not one of their nights.", who: "admin, coordinator, or the host themself", status: 200, response: hostAvailabilityJSON{}, errors: []int{404, 409, 422},
		query: []queryParam{{"from", "The first date to take out, YYYY-MM-DD.", "date", true, nil}, {"to", "The last date to take out, YYYY-MM-DD.", "date", true, nil}}},
	{method: "GET", path: "/api/v1/hosts/{id}/guests", summary: "Guests booked to stay with the host who have not yet left, by arrival: first name, dates, needs and requirements.", who: "admin, coordinator, duty, or the host themself", status: 200, response: hostGuestList{}, errors: []int{404}},
}

type hostRequest struct {
	Name       string   `json:"name"`
	Mobile     string   `json:"mobile"`
	Address    string   `json:"address"`
	Postcode   string   `json:"postcode"`
	Latitude   *float64 `json:"latitude"`
	Longitude  *float64 `json:"longitude"`
	Capacity   *int     `json:"capacity"`
	Skills     []string `json:"skills"`
	Offers     []string `json:"offers"`
	HomeFacts  []string `json:"home_facts"`
	AgeGroups  []string `json:"age_groups"`
	StaffNotes string   `json:"staff_notes"`
}

// hostPatchRequest has the same fields as sharedlives.HostPatch.
type hostPatchRequest struct {
	// IfRevision is the If-Match header's revision, not a body field.
	IfRevision string    `json:"-"`
	Name       *string   `json:"name"`
	Mobile     *string   `json:"mobile"`
	Address    *string   `json:"address"`
	Postcode   *string   `json:"postcode"`
	Latitude   *float64  `json:"latitude"`
	Longitude  *float64  `json:"longitude"`
	Capacity   *int      `json:"capacity"`
	Skills     *[]string `json:"skills"`
	Offers     *[]string `json:"offers"`
	HomeFacts  *[]string `json:"home_facts"`
	AgeGroups  *[]string `json:"age_groups"`
	StaffNotes *string   `json:"staff_notes"`
}

type hostApproveRequest struct {
	On string `json:"on" jsonschema:"format=date"`
}

type hostSuspendRequest struct {
	Reason string `json:"reason"`
}

// hostJSON is a host's record. StaffNotes is left out of every answer to a
// host: the notes are for staff only.
type hostJSON struct {
	ID            int64          `json:"id"`
	Name          string         `json:"name"`
	Mobile        string         `json:"mobile"`         // E.164
	MobileDisplay string         `json:"mobile_display"` // as people write it
	Address       string         `json:"address"`
	Postcode      string         `json:"postcode"`
	Latitude      float64        `json:"latitude"`
	Longitude     float64        `json:"longitude"`
	Capacity      int            `json:"capacity"`
	Skills        []string       `json:"skills"`
	Offers        []string       `json:"offers"`
	HomeFacts     []string       `json:"home_facts"`
	AgeGroups     []string       `json:"age_groups"`
	StaffNotes    *string        `json:"staff_notes,omitempty"`
	Status        string         `json:"status"`
	ApprovedOn    *calendar.Date `json:"approved_on"`
	ReviewDue     *calendar.Date `json:"review_due"`
	// Bookable says whether the host can be offered for stays today:
	// approved, with the review not overdue.
	Bookable                bool       `json:"bookable"`
	AvailabilityConfirmedAt *time.Time `json:"availability_confirmed_at"`
	AvailabilityStale       bool       `json:"availability_stale"`
	CreatedAt               time.Time  `json:"created_at"`
	UpdatedAt               time.Time  `json:"updated_at"`
}

type hostList struct {
	Items      []hostJSON `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

type hostRangeRequest struct {
	StartsOn string `json:"starts_on" jsonschema:"format=date"`
	EndsOn   string `json:"ends_on" jsonschema:"format=date"`
}

// hostDatesRequest is one range of dates to add to a host's calendar.
type hostDatesRequest struct {
	From string `json:"from" jsonschema:"format=date"`
	To   string `json:"to" jsonschema:"format=date"`
}

type hostAvailabilityRequest struct {
	Ranges []hostRangeRequest `json:"ranges"`
}

type hostRangeJSON struct {
	StartsOn calendar.Date `json:"starts_on"`
	EndsOn   calendar.Date `json:"ends_on"`
}

type hostAvailabilityJSON struct {
	Ranges      []hostRangeJSON `json:"ranges"`
	ConfirmedAt *time.Time      `json:"confirmed_at"`
	Stale       bool            `json:"stale"`
}

type hostGuestJSON struct {
	BookingReference string        `json:"booking_reference"`
	FirstName        string        `json:"first_name"`
	Arrive           calendar.Date `json:"arrive"`
	Depart           calendar.Date `json:"depart"`
	Nights           int           `json:"nights"`
	Needs            []string      `json:"needs"`
	Requirements     []string      `json:"requirements"`
}

type hostGuestList struct {
	Items []hostGuestJSON `json:"items"`
}

// toHostJSON writes a host for viewer as of now, leaving the staff notes
// out unless viewer is staff.
func toHostJSON(h sharedlives.Host, viewer accounts.Principal, now time.Time) hostJSON {
	out := hostJSON{
		ID: h.ID, Name: h.Name, Mobile: h.Mobile, MobileDisplay: contact.DisplayPhone(h.Mobile), Address: h.Address, Postcode: h.Postcode,
		Latitude: h.Latitude, Longitude: h.Longitude, Capacity: h.Capacity, Skills: h.Skills, Offers: h.Offers,
		HomeFacts: h.HomeFacts, AgeGroups: h.AgeGroups, Status: h.Status, ApprovedOn: h.ApprovedOn, ReviewDue: h.ReviewDue,
		Bookable: h.Bookable(calendar.Of(now.In(calendar.London))), AvailabilityConfirmedAt: h.AvailabilityConfirmedAt,
		AvailabilityStale: h.Stale(now), CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt,
	}
	if viewer.Kind == accounts.SubjectStaff {
		notes := h.StaffNotes
		out.StaffNotes = &notes
	}
	return out
}

func toHostAvailabilityJSON(h sharedlives.Host, ranges []sharedlives.Range, now time.Time) hostAvailabilityJSON {
	out := hostAvailabilityJSON{Ranges: make([]hostRangeJSON, len(ranges)), ConfirmedAt: h.AvailabilityConfirmedAt, Stale: h.Stale(now)}
	for i, r := range ranges {
		out.Ranges[i] = hostRangeJSON{StartsOn: r.StartsOn, EndsOn: r.EndsOn}
	}
	return out
}

func (s *Server) createHost(c *fiber.Ctx) error {
	var req hostRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	h, err := s.deps.Hosts.CreateHost(c.UserContext(), principal(c), sharedlives.HostInput(req))
	if err != nil {
		return err
	}
	c.Location("/api/v1/hosts/" + strconv.FormatInt(h.ID, 10))
	return c.Status(fiber.StatusCreated).JSON(toHostJSON(h, principal(c), s.deps.Hosts.Now()))
}

func (s *Server) listHosts(c *fiber.Ctx) error {
	var f apperr.Fields
	filter := sharedlives.HostFilter{
		Status: strings.Clone(c.Query("status")),
		Query:  strings.Clone(c.Query("q")),
		Page:   pageRequest(c, &f),
	}
	if raw := c.Query("reviews_due_by"); raw != "" {
		by := parseDate(&f, "reviews_due_by", strings.Clone(raw))
		filter.ReviewsDueBy = &by
	}
	if err := f.Err(); err != nil {
		return err
	}
	viewer := principal(c)
	got, err := s.deps.Hosts.Hosts(c.UserContext(), viewer, filter)
	if err != nil {
		return err
	}
	now := s.deps.Hosts.Now()
	out := hostList{Items: make([]hostJSON, len(got.Items)), NextCursor: cursor(got.Next)}
	for i, h := range got.Items {
		out.Items[i] = toHostJSON(h, viewer, now)
	}
	return c.JSON(out)
}

func (s *Server) showHost(c *fiber.Ctx) error {
	id, err := pathID(c, sharedlives.ErrHostNotFound)
	if err != nil {
		return err
	}
	viewer := principal(c)
	h, err := s.deps.Hosts.Host(c.UserContext(), viewer, id)
	if err != nil {
		return err
	}
	setETag(c, h.UpdatedAt)
	return c.JSON(toHostJSON(h, viewer, s.deps.Hosts.Now()))
}

func (s *Server) updateHost(c *fiber.Ctx) error {
	id, err := pathID(c, sharedlives.ErrHostNotFound)
	if err != nil {
		return err
	}
	var req hostPatchRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.IfRevision, err = ifMatch(c); err != nil {
		return err
	}
	h, err := s.deps.Hosts.UpdateHost(c.UserContext(), principal(c), id, sharedlives.HostPatch(req))
	if err != nil {
		return err
	}
	setETag(c, h.UpdatedAt)
	return c.JSON(toHostJSON(h, principal(c), s.deps.Hosts.Now()))
}

// approveHost approves a host from the date in the body, or today when
// there is no body or no date.
func (s *Server) approveHost(c *fiber.Ctx) error {
	id, err := pathID(c, sharedlives.ErrHostNotFound)
	if err != nil {
		return err
	}
	var req hostApproveRequest
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	// An unreadable date must not fall back to today.
	var dates apperr.Fields
	on := parseDate(&dates, "on", req.On)
	if err := dates.Err(); err != nil {
		return err
	}
	h, err := s.deps.Hosts.Approve(c.UserContext(), principal(c), id, on)
	if err != nil {
		return err
	}
	return c.JSON(toHostJSON(h, principal(c), s.deps.Hosts.Now()))
}

func (s *Server) suspendHost(c *fiber.Ctx) error {
	id, err := pathID(c, sharedlives.ErrHostNotFound)
	if err != nil {
		return err
	}
	var req hostSuspendRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	h, err := s.deps.Hosts.Suspend(c.UserContext(), principal(c), id, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(toHostJSON(h, principal(c), s.deps.Hosts.Now()))
}

func (s *Server) leaveHost(c *fiber.Ctx) error {
	id, err := pathID(c, sharedlives.ErrHostNotFound)
	if err != nil {
		return err
	}
	h, err := s.deps.Hosts.Leave(c.UserContext(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(toHostJSON(h, principal(c), s.deps.Hosts.Now()))
}

func (s *Server) showHostAvailability(c *fiber.Ctx) error {
	id, err := pathID(c, sharedlives.ErrHostNotFound)
	if err != nil {
		return err
	}
	viewer := principal(c)
	h, err := s.deps.Hosts.Host(c.UserContext(), viewer, id)
	if err != nil {
		return err
	}
	ranges, err := s.deps.Hosts.Calendar(c.UserContext(), viewer, id)
	if err != nil {
		return err
	}
	return c.JSON(toHostAvailabilityJSON(h, ranges, s.deps.Hosts.Now()))
}

// setHostAvailability replaces a host's calendar. The ranges must be sent,
// even as an empty list, so a body that forgot them cannot wipe a calendar.
func (s *Server) setHostAvailability(c *fiber.Ctx) error {
	id, err := pathID(c, sharedlives.ErrHostNotFound)
	if err != nil {
		return err
	}
	var req hostAvailabilityRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Ranges == nil {
		return apperr.Invalidf("ranges", "Send the ranges as a list; an empty list clears the calendar.")
	}
	var dates apperr.Fields
	in := make([]sharedlives.RangeInput, len(req.Ranges))
	for i, r := range req.Ranges {
		in[i] = sharedlives.RangeInput{
			StartsOn: parseDate(&dates, fmt.Sprintf("ranges[%d].starts_on", i), r.StartsOn),
			EndsOn:   parseDate(&dates, fmt.Sprintf("ranges[%d].ends_on", i), r.EndsOn),
		}
	}
	viewer := principal(c)
	ranges, err := s.deps.Hosts.SetCalendar(c.UserContext(), viewer, id, in)
	if err != nil {
		return withDateErrors(err, dates)
	}
	h, err := s.deps.Hosts.Host(c.UserContext(), viewer, id)
	if err != nil {
		return err
	}
	return c.JSON(toHostAvailabilityJSON(h, ranges, s.deps.Hosts.Now()))
}

// addHostAvailability adds one range of dates to a host's calendar.
func (s *Server) addHostAvailability(c *fiber.Ctx) error {
	id, err := pathID(c, sharedlives.ErrHostNotFound)
	if err != nil {
		return err
	}
	var req hostDatesRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	return s.changeHostDates(c, id, req.From, req.To, s.deps.Hosts.AddAvailability)
}

// removeHostAvailability takes one range of dates, ?from= to ?to=, out of
// a host's calendar; a guest booked on any of them refuses it (409).
func (s *Server) removeHostAvailability(c *fiber.Ctx) error {
	id, err := pathID(c, sharedlives.ErrHostNotFound)
	if err != nil {
		return err
	}
	return s.changeHostDates(c, id, strings.Clone(c.Query("from")), strings.Clone(c.Query("to")), s.deps.Hosts.RemoveAvailability)
}

// changeHostDates makes one change of a range of dates to a host's
// calendar and answers with the calendar as it now is.
func (s *Server) changeHostDates(c *fiber.Ctx, id int64, rawFrom, rawTo string,
	change func(context.Context, accounts.Principal, int64, calendar.Date, calendar.Date) ([]sharedlives.Range, error)) error {
	var dates apperr.Fields
	from, to := parseDate(&dates, "from", rawFrom), parseDate(&dates, "to", rawTo)
	viewer := principal(c)
	ranges, err := change(c.UserContext(), viewer, id, from, to)
	if err != nil {
		return withDateErrors(err, dates)
	}
	h, err := s.deps.Hosts.Host(c.UserContext(), viewer, id)
	if err != nil {
		return err
	}
	return c.JSON(toHostAvailabilityJSON(h, ranges, s.deps.Hosts.Now()))
}

func (s *Server) listHostGuests(c *fiber.Ctx) error {
	id, err := pathID(c, sharedlives.ErrHostNotFound)
	if err != nil {
		return err
	}
	guests, err := s.deps.Hosts.UpcomingGuests(c.UserContext(), principal(c), id)
	if err != nil {
		return err
	}
	out := hostGuestList{Items: make([]hostGuestJSON, len(guests))}
	for i, g := range guests {
		out.Items[i] = hostGuestJSON{
			BookingReference: g.BookingReference, FirstName: g.FirstName, Arrive: g.Arrive, Depart: g.Depart,
			Nights: g.Arrive.DaysUntil(g.Depart), Needs: g.Needs, Requirements: g.Requirements,
		}
	}
	return c.JSON(out)
}

// The vocabularies and required fields come from the sharedlives package's rules.

func (hostRequest) JSONSchemaExtend(s *jsonschema.Schema) {
	hostEnums(s)
	require(s, "name", "mobile", "postcode", "capacity", "offers", "age_groups")
}
func (hostPatchRequest) JSONSchemaExtend(s *jsonschema.Schema) { hostEnums(s) }
func (hostJSON) JSONSchemaExtend(s *jsonschema.Schema) {
	hostEnums(s)
	status, _ := s.Properties.Get("status")
	status.Enum = nil
	for _, v := range sharedlives.Statuses {
		status.Enum = append(status.Enum, v)
	}
	notes, _ := s.Properties.Get("staff_notes")
	notes.Description = "For staff only: left out of every answer to a host."
	nullableProperties(s, "approved_on", "review_due", "availability_confirmed_at")
}
func (hostRangeRequest) JSONSchemaExtend(s *jsonschema.Schema) { require(s, "starts_on", "ends_on") }
func (hostDatesRequest) JSONSchemaExtend(s *jsonschema.Schema) { require(s, "from", "to") }
func (hostAvailabilityRequest) JSONSchemaExtend(s *jsonschema.Schema) {
	require(s, "ranges")
}
func (hostAvailabilityJSON) JSONSchemaExtend(s *jsonschema.Schema) {
	nullableProperties(s, "confirmed_at")
}
func (hostSuspendRequest) JSONSchemaExtend(s *jsonschema.Schema) { require(s, "reason") }
func (hostGuestJSON) JSONSchemaExtend(s *jsonschema.Schema) {
	enum(s, "needs", booking.Needs)
	enum(s, "requirements", booking.Requirements)
}

func hostEnums(s *jsonschema.Schema) {
	enum(s, "skills", sharedlives.Skills)
	enum(s, "offers", sharedlives.Offers)
	enum(s, "home_facts", sharedlives.HomeFacts)
	enum(s, "age_groups", sharedlives.AgeGroups)
}
