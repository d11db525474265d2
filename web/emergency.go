package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/contact"
)

// emergencyRoutes: duty staff, from a carer's emergency card to a place
// tonight; admins read the audit log.
func (s *Server) emergencyRoutes(api fiber.Router) {
	duty := s.staffOnly(accounts.RoleDuty)
	api.Get("/emergency/lookup", duty, s.lookupEmergencyCard)
	api.Get("/emergency/options", duty, s.showEmergencyOptions)
	api.Post("/emergency/placements", duty, s.placeEmergency)
	api.Post("/emergency/spot-placements", duty, s.placeSpot)
	api.Get("/audit", s.staffOnly(accounts.RoleAdmin), s.listAudit)
}

type emergencyContactJSON struct {
	Name  string  `json:"name"`
	Phone *string `json:"phone"`
}

type emergencyCarerJSON struct {
	ID               int64                `json:"id"`
	Name             string               `json:"name"`
	Mobile           string               `json:"mobile"`
	Postcode         string               `json:"postcode"`
	EmergencyCard    string               `json:"emergency_card"`
	EmergencyPlan    string               `json:"emergency_plan"`
	EmergencyContact emergencyContactJSON `json:"emergency_contact"`
}

type emergencyPersonJSON struct {
	ID           int64         `json:"id"`
	Name         string        `json:"name"`
	DateOfBirth  calendar.Date `json:"date_of_birth"`
	Needs        []string      `json:"needs"`
	Requirements []string      `json:"requirements"`
	StaffNotes   string        `json:"staff_notes"`
}

type emergencyCardJSON struct {
	Carer  emergencyCarerJSON    `json:"carer"`
	People []emergencyPersonJSON `json:"people"`
	// CurrentStays are under way today: where the people are now.
	// UpcomingStays arrive after today, soonest first.
	CurrentStays  []carerStayJSON `json:"current_stays"`
	UpcomingStays []carerStayJSON `json:"upcoming_stays"`
}

type emergencyOptionJSON struct {
	Tier             string     `json:"tier"`
	Place            *placeJSON `json:"place"` // null for a spot purchase: ring the home
	Name             string     `json:"name"`
	Provider         string     `json:"provider"`
	ProviderID       int64      `json:"provider_id,omitempty"`
	Phone            string     `json:"phone"`
	PhoneDisplay     string     `json:"phone_display"`
	DistanceKm       float64    `json:"distance_km"`
	NightlyRatePence int64      `json:"nightly_rate_pence"`
	Reasons          []string   `json:"reasons"`
}

type emergencyOptionsJSON struct {
	Options []emergencyOptionJSON `json:"options"`
	// SearchedWithinKm is how far from the carer's home the search looked
	// for beds and hosts; nil when their home is not on the map and it
	// looked everywhere.
	SearchedWithinKm *float64 `json:"searched_within_km"`
}

type placementRequest struct {
	PersonID int64     `json:"person_id" jsonschema:"required"`
	Place    placeJSON `json:"place" jsonschema:"required"`
	Arrive   string    `json:"arrive" jsonschema:"required,format=date"`
	Depart   string    `json:"depart" jsonschema:"required,format=date"`
	Reason   string    `json:"reason" jsonschema:"required"`
	// OverrideReason places the person although the place does not suit
	// them on paper; it is audited and shown to the home.
	OverrideReason string `json:"override_reason,omitempty"`
}

type spotRequest struct {
	PersonID         int64  `json:"person_id" jsonschema:"required"`
	ProviderID       int64  `json:"provider_id" jsonschema:"required"`
	BedType          string `json:"bed_type" jsonschema:"required"`
	NightlyRatePence *int64 `json:"nightly_rate_pence" jsonschema:"required"`
	Arrive           string `json:"arrive" jsonschema:"required,format=date"`
	Depart           string `json:"depart" jsonschema:"required,format=date"`
	Reason           string `json:"reason" jsonschema:"required"`
}

type auditEntryJSON struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Actor  actorJSON `json:"actor"`
	Name   string    `json:"actor_name"`
	Action string    `json:"action"`
	Target actorJSON `json:"target"`
	Reason string    `json:"reason"`
	// Fields lists the fields a change touched, by name only; empty for
	// entries that are not changes to a record.
	Fields []string `json:"fields"`
}

type auditList struct {
	Items      []auditEntryJSON `json:"items"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

func (s *Server) lookupEmergencyCard(c *fiber.Ctx) error {
	card, err := s.deps.Booking.LookupCard(c.UserContext(), principal(c), strings.Clone(c.Query("card")))
	if err != nil {
		return err
	}
	out := emergencyCardJSON{
		Carer: emergencyCarerJSON{ID: card.Carer.ID, Name: card.Carer.Name, Mobile: card.Carer.Mobile, Postcode: card.Carer.Postcode,
			EmergencyPlan: card.Carer.EmergencyPlan, EmergencyContact: emergencyContactJSON{Name: card.Carer.EmergencyContactName, Phone: card.Carer.EmergencyContactPhone}},
		People: make([]emergencyPersonJSON, len(card.People)),
	}
	if card.Carer.EmergencyCard != nil {
		out.Carer.EmergencyCard = *card.Carer.EmergencyCard
	}
	for i, p := range card.People {
		out.People[i] = emergencyPersonJSON{ID: p.ID, Name: p.Name, DateOfBirth: p.DateOfBirth, Needs: p.Needs, Requirements: p.Requirements, StaffNotes: p.StaffNotes}
	}
	current, upcoming, err := s.deps.Booking.StaysNowAndNext(c.UserContext(), principal(c), card.Carer.ID)
	if err != nil {
		return err
	}
	out.CurrentStays, out.UpcomingStays = toCarerStaysJSON(current), toCarerStaysJSON(upcoming)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

func (s *Server) showEmergencyOptions(c *fiber.Ctx) error {
	var f apperr.Fields
	arrive := parseDate(&f, "arrive", strings.Clone(c.Query("arrive")))
	depart := parseDate(&f, "depart", strings.Clone(c.Query("depart")))
	personID, err := strconv.ParseInt(c.Query("person_id"), 10, 64)
	if err != nil || personID <= 0 {
		f.Add("person_id", "Choose the person who needs a place (their id).")
	}
	if err := f.Err(); err != nil {
		return err
	}
	choice, err := s.deps.Booking.EmergencyChoices(c.UserContext(), principal(c), personID, arrive, depart)
	if err != nil {
		return err
	}
	opts := choice.Options
	out := emergencyOptionsJSON{Options: make([]emergencyOptionJSON, len(opts))}
	if choice.ReachKm > 0 {
		out.SearchedWithinKm = &choice.ReachKm
	}
	for i, o := range opts {
		j := emergencyOptionJSON{Tier: o.Tier, Name: o.Name, Provider: o.Provider, ProviderID: o.ProviderID, Phone: o.Phone,
			PhoneDisplay: contact.DisplayPhone(o.Phone), DistanceKm: o.DistanceKm, NightlyRatePence: o.NightlyRatePence, Reasons: o.Reasons}
		if o.Place.Kind != "" {
			j.Place = &placeJSON{Kind: o.Place.Kind, ID: o.Place.ID}
		}
		out.Options[i] = j
	}
	return c.JSON(out)
}

func (s *Server) placeEmergency(c *fiber.Ctx) error {
	var req placementRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var dates apperr.Fields
	r := booking.EmergencyRequest{PersonID: req.PersonID, Place: booking.Place{Kind: req.Place.Kind, ID: req.Place.ID}, Reason: req.Reason,
		Override: req.OverrideReason, Arrive: parseDate(&dates, "arrive", req.Arrive), Depart: parseDate(&dates, "depart", req.Depart)}
	if err := dates.Err(); err != nil {
		return err
	}
	b, err := s.deps.Booking.PlaceEmergency(c.UserContext(), principal(c), r)
	if err != nil {
		return err
	}
	c.Location("/api/v1/bookings/" + strconv.FormatInt(b.ID, 10))
	return c.Status(fiber.StatusCreated).JSON(toStayJSON(b))
}

func (s *Server) placeSpot(c *fiber.Ctx) error {
	var req spotRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var dates apperr.Fields
	r := booking.SpotRequest{PersonID: req.PersonID, ProviderID: req.ProviderID, BedType: req.BedType, NightlyRatePence: req.NightlyRatePence, Reason: req.Reason,
		Arrive: parseDate(&dates, "arrive", req.Arrive), Depart: parseDate(&dates, "depart", req.Depart)}
	if err := dates.Err(); err != nil {
		return err
	}
	b, err := s.deps.Booking.SpotPlacement(c.UserContext(), principal(c), r)
	if err != nil {
		return err
	}
	c.Location("/api/v1/bookings/" + strconv.FormatInt(b.ID, 10))
	return c.Status(fiber.StatusCreated).JSON(toBookingJSON(b))
}

func (s *Server) listAudit(c *fiber.Ctx) error {
	var f apperr.Fields
	filter := audit.Filter{Action: strings.Clone(c.Query("action")), ActorKind: strings.Clone(c.Query("actor_kind")), TargetKind: strings.Clone(c.Query("target_kind")), Page: pageRequest(c, &f)}
	for name, dst := range map[string]*int64{"actor_id": &filter.ActorID, "target_id": &filter.TargetID} {
		if raw := c.Query(name); raw != "" {
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil || n <= 0 {
				f.Add(name, "Use an id (a whole number).")
			}
			*dst = n
		}
	}
	for name, dst := range map[string]*time.Time{"from": &filter.From, "to": &filter.To} {
		if raw := c.Query(name); raw != "" {
			t, err := calendar.ParseInstant(raw)
			if err != nil {
				f.Add(name, "Use a time like 2027-04-03T22:00:00Z.")
			}
			*dst = t
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	page, err := s.deps.Audit.List(c.UserContext(), principal(c), filter)
	if err != nil {
		return err
	}
	out := auditList{Items: make([]auditEntryJSON, len(page.Items)), NextCursor: cursor(page.Next)}
	for i, e := range page.Items {
		out.Items[i] = auditEntryJSON{ID: e.ID, At: e.At, Actor: actorJSON{Kind: e.ActorKind, ID: e.ActorID}, Name: e.ActorName,
			Action: e.Action, Target: actorJSON{Kind: e.TargetKind, ID: e.TargetID}, Reason: e.Reason, Fields: []string{}}
		if e.Fields != "" {
			out.Items[i].Fields = strings.Split(e.Fields, ", ")
		}
	}
	return c.JSON(out)
}

var emergencyOperations = []operation{
	{method: "GET", path: "/api/v1/emergency/lookup", summary: "The carer behind an emergency card: the people they care for, their needs, the emergency plan, and their stays under way today and to come. Every lookup is audited.", who: "duty", status: 200, response: emergencyCardJSON{}, errors: []int{404, 422},
		query: []queryParam{{"card", "The number on the carer's emergency card.", "string", true, nil}}},
	{method: "GET", path: "/api/v1/emergency/options", summary: "Places for tonight (arrive may be today): beds kept for emergencies first, then other free block beds, then hosts offering emergency care, each nearest first, with phone and reasons; when none suits, the nearest suitable homes to ring for a spot purchase. It looks within 50 km of the carer's home, and further (100 km, then 200 km) only when nothing suits nearer: searched_within_km says how far.", who: "duty", status: 200, response: emergencyOptionsJSON{}, errors: []int{404, 422},
		query: []queryParam{{"person_id", "The person who needs a place.", "id", true, nil}, {"arrive", "YYYY-MM-DD, today or within two days.", "date", true, nil}, {"depart", "The departure date, YYYY-MM-DD: the morning after the last night, at most 28 nights after arrive.", "date", true, nil}}},
	{method: "POST", path: "/api/v1/emergency/placements", summary: "Place the person: a confirmed emergency booking in one transaction, without the hold layer (works with Redis down); the allowance is recorded, not enforced; the place and the emergency contact are texted at once; audited. Between midnight and RESPITE_NIGHT_ENDS_AT (10:00) arrive may be yesterday, the night under way. A place that does not suit the person is refused (422) unless override_reason says why to place them there all the same: that is audited (emergency.override) and kept on the booking for the home to see.", who: "duty", request: placementRequest{}, status: 201, response: stayJSON{}, errors: []int{400, 404, 409, 415, 422}},
	{method: "POST", path: "/api/v1/emergency/spot-placements", summary: "Record a spot purchase agreed by phone: the spot contract, its bed and the emergency booking in one transaction; audited.", who: "duty", request: spotRequest{}, status: 201, response: bookingJSON{}, errors: []int{400, 404, 409, 415, 422}},
	{method: "GET", path: "/api/v1/audit", summary: "The append-only record of staff actions that create, change or cancel bookings, read emergency data or manage staff accounts, newest first.", who: "admin", status: 200, response: auditList{}, errors: []int{422},
		query: append([]queryParam{{"action", "What was done, such as emergency.placement or staff.disabled.", "string", false, nil}, {"actor_kind", "Who acted: staff, carer, host, operator (someone at the command line) or system (a scheduled job).", "string", false, nil}, {"actor_id", "The id of whoever acted, among those of actor_kind: a member of staff's, a carer's or a host's id.", "id", false, nil}, {"target_kind", "What was acted on: booking, carer, person, host, provider, contract, bed, closure, staff_user or data.", "string", false, nil}, {"target_id", "The id of what was acted on, among those of target_kind.", "id", false, nil}, {"from", "RFC 3339 time, inclusive.", "instant", false, nil}, {"to", "RFC 3339 time, exclusive.", "instant", false, nil}}, pageParams...)},
}
