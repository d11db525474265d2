package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/invopop/jsonschema"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/contact"
)

// carerRoutes registers carers and the people they care for. The duty team
// and administrators write; carers may also read, and the booking service
// narrows them to their own record and people.
func (s *Server) carerRoutes(api fiber.Router) {
	carerTeam := s.staffOnly(accounts.RoleAdmin, accounts.RoleDuty)
	carerTeamOrCarer := s.staffOrCarer(accounts.RoleAdmin, accounts.RoleDuty)
	api.Post("/carers", carerTeam, s.createCarer)
	api.Get("/carers", carerTeam, s.listCarers)
	api.Get("/carers/:id", carerTeamOrCarer, s.showCarer)
	api.Patch("/carers/:id", carerTeam, s.updateCarer)
	api.Post("/carers/:id/people", carerTeam, s.addPerson)
	api.Get("/carers/:id/people", carerTeamOrCarer, s.listPeople)
	api.Get("/people/:id", carerTeamOrCarer, s.showPerson)
	api.Patch("/people/:id", carerTeam, s.updatePerson)
}

// carerOperations documents carerRoutes in the OpenAPI document.
var carerOperations = []operation{
	{method: "POST", path: "/api/v1/carers", summary: "Register a carer after their carer's assessment.", who: "admin or duty", request: carerRequest{}, status: 201, response: carerJSON{}, errors: []int{400, 409, 415, 422}},
	{method: "GET", path: "/api/v1/carers", summary: "List carers in id order.", who: "admin or duty", status: 200, response: carerList{}, errors: []int{422},
		query: append([]queryParam{{"q", "Part of the name, any case.", "string", false, nil}}, pageParams...)},
	{method: "GET", path: "/api/v1/carers/{id}", summary: "One carer, with their emergency plan.", who: "admin, duty, or the carer themself", status: 200, response: carerJSON{}, errors: []int{404}},
	{method: "PATCH", path: "/api/v1/carers/{id}", summary: "Change a carer's record; fields left out stay as they are, and an empty email, emergency_card or emergency_contact_phone removes it.", who: "admin or duty", request: carerPatchRequest{}, status: 200, response: carerJSON{}, errors: []int{400, 404, 409, 415, 422}},
	{method: "POST", path: "/api/v1/carers/{id}/people", summary: "Add someone the carer looks after.", who: "admin or duty", request: personRequest{}, status: 201, response: personJSON{}, errors: []int{400, 404, 415, 422}},
	{method: "GET", path: "/api/v1/carers/{id}/people", summary: "The people the carer looks after, in id order. Carers are not shown staff notes.", who: "admin, duty, or the carer themself", status: 200, response: personList{}, errors: []int{404}},
	{method: "GET", path: "/api/v1/people/{id}", summary: "One cared-for person. Carers are not shown staff notes.", who: "admin, duty, or the person's carer", status: 200, response: personJSON{}, errors: []int{404}},
	{method: "PATCH", path: "/api/v1/people/{id}", summary: "Change a cared-for person's details; fields left out stay as they are.", who: "admin or duty", request: personPatchRequest{}, status: 200, response: personJSON{}, errors: []int{400, 404, 415, 422}},
}

type carerRequest struct {
	Name                  string   `json:"name"`
	Mobile                string   `json:"mobile"`
	Email                 *string  `json:"email"`
	Postcode              string   `json:"postcode"`
	Latitude              *float64 `json:"latitude"`
	Longitude             *float64 `json:"longitude"`
	AllowanceNights       *int     `json:"allowance_nights"`
	AllowanceYearStarts   string   `json:"allowance_year_starts" jsonschema:"format=date"`
	EmergencyCard         *string  `json:"emergency_card"`
	EmergencyPlan         string   `json:"emergency_plan"`
	EmergencyContactName  string   `json:"emergency_contact_name"`
	EmergencyContactPhone *string  `json:"emergency_contact_phone"`
}

type carerPatchRequest struct {
	Name                  *string  `json:"name"`
	Mobile                *string  `json:"mobile"`
	Email                 *string  `json:"email"`
	Postcode              *string  `json:"postcode"`
	Latitude              *float64 `json:"latitude"`
	Longitude             *float64 `json:"longitude"`
	AllowanceNights       *int     `json:"allowance_nights"`
	AllowanceYearStarts   *string  `json:"allowance_year_starts" jsonschema:"format=date"`
	EmergencyCard         *string  `json:"emergency_card"`
	EmergencyPlan         *string  `json:"emergency_plan"`
	EmergencyContactName  *string  `json:"emergency_contact_name"`
	EmergencyContactPhone *string  `json:"emergency_contact_phone"`
}

// carerJSON is a carer's record. Carers see all of it: the emergency plan
// and contact are their own.
type carerJSON struct {
	ID                           int64         `json:"id"`
	Name                         string        `json:"name"`
	Mobile                       string        `json:"mobile"`         // E.164
	MobileDisplay                string        `json:"mobile_display"` // as people write it
	Email                        *string       `json:"email"`
	Postcode                     string        `json:"postcode"`
	Latitude                     float64       `json:"latitude"`
	Longitude                    float64       `json:"longitude"`
	AllowanceNights              int           `json:"allowance_nights"`
	AllowanceYearStarts          calendar.Date `json:"allowance_year_starts"`
	EmergencyCard                *string       `json:"emergency_card"`
	EmergencyPlan                string        `json:"emergency_plan"`
	EmergencyContactName         string        `json:"emergency_contact_name"`
	EmergencyContactPhone        *string       `json:"emergency_contact_phone"` // E.164
	EmergencyContactPhoneDisplay *string       `json:"emergency_contact_phone_display"`
	CreatedAt                    time.Time     `json:"created_at"`
	UpdatedAt                    time.Time     `json:"updated_at"`
}

type carerList struct {
	Items      []carerJSON `json:"items"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

type personRequest struct {
	Name         string   `json:"name"`
	DateOfBirth  string   `json:"date_of_birth" jsonschema:"format=date"`
	Needs        []string `json:"needs"`
	Requirements []string `json:"requirements"`
	StaffNotes   string   `json:"staff_notes"`
}

type personPatchRequest struct {
	Name         *string   `json:"name"`
	DateOfBirth  *string   `json:"date_of_birth" jsonschema:"format=date"`
	Needs        *[]string `json:"needs"`
	Requirements *[]string `json:"requirements"`
	StaffNotes   *string   `json:"staff_notes"`
}

// personJSON is a cared-for person. StaffNotes is left out of every answer
// to a carer: the notes are for staff only.
type personJSON struct {
	ID           int64         `json:"id"`
	CarerID      int64         `json:"carer_id"`
	Name         string        `json:"name"`
	DateOfBirth  calendar.Date `json:"date_of_birth"`
	Needs        []string      `json:"needs"`
	Requirements []string      `json:"requirements"`
	StaffNotes   *string       `json:"staff_notes,omitempty"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
}

type personList struct {
	Items []personJSON `json:"items"`
}

func toCarerJSON(c booking.Carer) carerJSON {
	out := carerJSON{
		ID: c.ID, Name: c.Name, Mobile: c.Mobile, MobileDisplay: contact.DisplayPhone(c.Mobile), Email: c.Email,
		Postcode: c.Postcode, Latitude: c.Latitude, Longitude: c.Longitude,
		AllowanceNights: c.AllowanceNights, AllowanceYearStarts: c.AllowanceYearStarts,
		EmergencyCard: c.EmergencyCard, EmergencyPlan: c.EmergencyPlan, EmergencyContactName: c.EmergencyContactName,
		EmergencyContactPhone: c.EmergencyContactPhone, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
	if c.EmergencyContactPhone != nil {
		display := contact.DisplayPhone(*c.EmergencyContactPhone)
		out.EmergencyContactPhoneDisplay = &display
	}
	return out
}

// toPersonJSON writes a person for viewer, leaving the staff notes out
// unless viewer is staff.
func toPersonJSON(p booking.Person, viewer accounts.Principal) personJSON {
	out := personJSON{
		ID: p.ID, CarerID: p.CarerID, Name: p.Name, DateOfBirth: p.DateOfBirth,
		Needs: p.Needs, Requirements: p.Requirements, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
	if viewer.Kind == accounts.SubjectStaff {
		notes := p.StaffNotes
		out.StaffNotes = &notes
	}
	return out
}

func (s *Server) createCarer(c *fiber.Ctx) error {
	var req carerRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var dates apperr.Fields
	in := booking.CarerInput{
		Name: req.Name, Mobile: req.Mobile, Email: req.Email, Postcode: req.Postcode,
		Latitude: req.Latitude, Longitude: req.Longitude, AllowanceNights: req.AllowanceNights,
		AllowanceYearStarts: parseDate(&dates, "allowance_year_starts", req.AllowanceYearStarts), EmergencyCard: req.EmergencyCard,
		EmergencyPlan: req.EmergencyPlan, EmergencyContactName: req.EmergencyContactName, EmergencyContactPhone: req.EmergencyContactPhone,
	}
	carer, err := s.deps.Booking.CreateCarer(c.UserContext(), principal(c), in)
	if err != nil {
		return withDateErrors(err, dates)
	}
	c.Location("/api/v1/carers/" + strconv.FormatInt(carer.ID, 10))
	return c.Status(fiber.StatusCreated).JSON(toCarerJSON(carer))
}

func (s *Server) listCarers(c *fiber.Ctx) error {
	var f apperr.Fields
	page := pageRequest(c, &f)
	if err := f.Err(); err != nil {
		return err
	}
	got, err := s.deps.Booking.Carers(c.UserContext(), principal(c), booking.CarerFilter{Query: c.Query("q"), Page: page})
	if err != nil {
		return err
	}
	out := carerList{Items: make([]carerJSON, len(got.Items)), NextCursor: cursor(got.Next)}
	for i, carer := range got.Items {
		out.Items[i] = toCarerJSON(carer)
	}
	return c.JSON(out)
}

func (s *Server) showCarer(c *fiber.Ctx) error {
	id, err := pathID(c, booking.ErrCarerNotFound)
	if err != nil {
		return err
	}
	carer, err := s.deps.Booking.Carer(c.UserContext(), principal(c), id)
	if err != nil {
		return err
	}
	setETag(c, carer.UpdatedAt)
	return c.JSON(toCarerJSON(carer))
}

func (s *Server) updateCarer(c *fiber.Ctx) error {
	id, err := pathID(c, booking.ErrCarerNotFound)
	if err != nil {
		return err
	}
	var req carerPatchRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	read, err := ifMatch(c)
	if err != nil {
		return err
	}
	var dates apperr.Fields
	patch := booking.CarerPatch{
		Name: req.Name, Mobile: req.Mobile, Email: req.Email, Postcode: req.Postcode,
		Latitude: req.Latitude, Longitude: req.Longitude, AllowanceNights: req.AllowanceNights,
		AllowanceYearStarts: parseOptionalDate(&dates, "allowance_year_starts", req.AllowanceYearStarts), EmergencyCard: req.EmergencyCard,
		EmergencyPlan: req.EmergencyPlan, EmergencyContactName: req.EmergencyContactName, EmergencyContactPhone: req.EmergencyContactPhone,
		IfRevision: read,
	}
	carer, err := s.deps.Booking.UpdateCarer(c.UserContext(), principal(c), id, patch)
	if err != nil {
		return withDateErrors(err, dates)
	}
	setETag(c, carer.UpdatedAt)
	return c.JSON(toCarerJSON(carer))
}

func (s *Server) addPerson(c *fiber.Ctx) error {
	carerID, err := pathID(c, booking.ErrCarerNotFound)
	if err != nil {
		return err
	}
	var req personRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var dates apperr.Fields
	in := booking.PersonInput{
		Name: req.Name, DateOfBirth: parseDate(&dates, "date_of_birth", req.DateOfBirth),
		Needs: req.Needs, Requirements: req.Requirements, StaffNotes: req.StaffNotes,
	}
	p, err := s.deps.Booking.AddPerson(c.UserContext(), principal(c), carerID, in)
	if err != nil {
		return withDateErrors(err, dates)
	}
	c.Location("/api/v1/people/" + strconv.FormatInt(p.ID, 10))
	return c.Status(fiber.StatusCreated).JSON(toPersonJSON(p, principal(c)))
}

func (s *Server) listPeople(c *fiber.Ctx) error {
	carerID, err := pathID(c, booking.ErrCarerNotFound)
	if err != nil {
		return err
	}
	viewer := principal(c)
	people, err := s.deps.Booking.People(c.UserContext(), viewer, carerID)
	if err != nil {
		return err
	}
	out := personList{Items: make([]personJSON, len(people))}
	for i, p := range people {
		out.Items[i] = toPersonJSON(p, viewer)
	}
	return c.JSON(out)
}

func (s *Server) showPerson(c *fiber.Ctx) error {
	id, err := pathID(c, booking.ErrPersonNotFound)
	if err != nil {
		return err
	}
	viewer := principal(c)
	p, err := s.deps.Booking.Person(c.UserContext(), viewer, id)
	if err != nil {
		return err
	}
	setETag(c, p.UpdatedAt)
	return c.JSON(toPersonJSON(p, viewer))
}

func (s *Server) updatePerson(c *fiber.Ctx) error {
	id, err := pathID(c, booking.ErrPersonNotFound)
	if err != nil {
		return err
	}
	var req personPatchRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	read, err := ifMatch(c)
	if err != nil {
		return err
	}
	var dates apperr.Fields
	patch := booking.PersonPatch{
		Name: req.Name, DateOfBirth: parseOptionalDate(&dates, "date_of_birth", req.DateOfBirth),
		Needs: req.Needs, Requirements: req.Requirements, StaffNotes: req.StaffNotes,
		IfRevision: read,
	}
	p, err := s.deps.Booking.UpdatePerson(c.UserContext(), principal(c), id, patch)
	if err != nil {
		return withDateErrors(err, dates)
	}
	setETag(c, p.UpdatedAt)
	return c.JSON(toPersonJSON(p, principal(c)))
}

// parseOptionalDate is parseDate for a patch: nil leaves the date as it is.
func parseOptionalDate(f *apperr.Fields, field string, raw *string) *calendar.Date {
	if raw == nil {
		return nil
	}
	d := parseDate(f, field, *raw)
	return &d
}

// The vocabularies and required fields come from the booking package's rules.

func (carerRequest) JSONSchemaExtend(s *jsonschema.Schema) {
	require(s, "name", "mobile", "postcode", "allowance_nights", "allowance_year_starts")
}
func (personRequest) JSONSchemaExtend(s *jsonschema.Schema) {
	personEnums(s)
	require(s, "name", "date_of_birth")
}
func (carerJSON) JSONSchemaExtend(s *jsonschema.Schema) {
	nullableProperties(s, "email", "emergency_card", "emergency_contact_phone", "emergency_contact_phone_display")
}
func (personPatchRequest) JSONSchemaExtend(s *jsonschema.Schema) { personEnums(s) }
func (personJSON) JSONSchemaExtend(s *jsonschema.Schema) {
	personEnums(s)
	notes, _ := s.Properties.Get("staff_notes")
	notes.Description = "For staff only: left out of every answer to a carer."
}

func personEnums(s *jsonschema.Schema) {
	enum(s, "needs", booking.Needs)
	enum(s, "requirements", booking.Requirements)
}

// nullableProperties marks properties that are null when the carer has none.
func nullableProperties(s *jsonschema.Schema, properties ...string) {
	for _, name := range properties {
		p, ok := s.Properties.Get(name)
		if !ok {
			panic("openapi: no property " + name) // a renamed field: fail the test loudly
		}
		nullable(p)
	}
}
