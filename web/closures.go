package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/invopop/jsonschema"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/providers"
)

// closureRoutes: a bed, or a whole care home, closed to admissions for a
// run of nights. Admins close and lift; all staff read.
func (s *Server) closureRoutes(api fiber.Router) {
	staff := s.staffOnly()
	admin := s.staffOnly(accounts.RoleAdmin)
	api.Post("/providers/:id/closures", admin, s.createClosure)
	api.Get("/providers/:id/closures", staff, s.listClosures)
	api.Delete("/closures/:id", admin, s.liftClosure)
}

var closureOperations = []operation{
	{method: "POST", path: "/api/v1/providers/{id}/closures", summary: "Close a bed (bed_id), or the whole home (no bed_id), to admissions for a run of nights, both included, with a reason (an outbreak, refurbishment). Closed nights are offered to nobody: searches, holds, confirms and emergency placements all pass them by. A closure over nights already booked is refused (409) naming the stays in the way, unless confirm_stays_in_the_way is true: then it is made, and the answer lists the stays for staff to move.", who: "admin", request: closureRequest{}, status: 201, response: closureJSON{}, errors: []int{400, 404, 409, 415, 422}},
	{method: "GET", path: "/api/v1/providers/{id}/closures", summary: "The home's closures that are not yet over, soonest first, each with the stays still booked on its nights.", who: "staff", status: 200, response: closureList{}, errors: []int{404}},
	{method: "DELETE", path: "/api/v1/closures/{id}", summary: "Lift a closure from a night on (default tonight): one not yet begun by then is deleted; one under way is ended early, on the night before. 409 for a closure already over.", who: "admin", status: 204, errors: []int{404, 409, 422},
		query: []queryParam{{"from", "The first night open again, YYYY-MM-DD (default today).", "date", false, nil}}},
}

type closureRequest struct {
	// BedID closes one bed; leave it out to close the whole home.
	BedID    *int64 `json:"bed_id,omitempty"`
	StartsOn string `json:"starts_on" jsonschema:"format=date"`
	EndsOn   string `json:"ends_on" jsonschema:"format=date"`
	Reason   string `json:"reason"`
	// ConfirmStaysInTheWay makes the closure even over nights already
	// booked, once staff have been told of the stays (a 409 names them).
	ConfirmStaysInTheWay bool `json:"confirm_stays_in_the_way,omitempty"`
}

type stayInTheWayJSON struct {
	BookingID int64         `json:"booking_id"`
	Reference string        `json:"reference"`
	BedID     int64         `json:"bed_id"`
	BedLabel  string        `json:"bed_label"`
	Arrive    calendar.Date `json:"arrive"`
	Depart    calendar.Date `json:"depart"`
}

type closureJSON struct {
	ID         int64  `json:"id"`
	ProviderID int64  `json:"provider_id"`
	BedID      *int64 `json:"bed_id"` // null: the whole home
	BedLabel   string `json:"bed_label,omitempty"`
	// StartsOn and EndsOn are the first and last nights closed.
	StartsOn      calendar.Date      `json:"starts_on"`
	EndsOn        calendar.Date      `json:"ends_on"`
	Reason        string             `json:"reason"`
	CreatedBy     int64              `json:"created_by"`
	CreatedAt     time.Time          `json:"created_at"`
	StaysInTheWay []stayInTheWayJSON `json:"stays_in_the_way"`
}

type closureList struct {
	Items []closureJSON `json:"items"`
}

func (closureRequest) JSONSchemaExtend(s *jsonschema.Schema) {
	require(s, "starts_on", "ends_on", "reason")
}
func (closureJSON) JSONSchemaExtend(s *jsonschema.Schema) {
	nullableProperties(s, "bed_id")
	stays, _ := s.Properties.Get("stays_in_the_way")
	stays.Description = "Stays booked on nights the closure closes, for staff to move."
}

func toClosureJSON(cl providers.Closure) closureJSON {
	out := closureJSON{ID: cl.ID, ProviderID: cl.ProviderID, BedID: cl.BedID, BedLabel: cl.BedLabel, StartsOn: cl.StartsOn, EndsOn: cl.EndsOn,
		Reason: cl.Reason, CreatedBy: cl.CreatedBy, CreatedAt: cl.CreatedAt, StaysInTheWay: make([]stayInTheWayJSON, len(cl.StaysInTheWay))}
	for i, st := range cl.StaysInTheWay {
		out.StaysInTheWay[i] = stayInTheWayJSON(st)
	}
	return out
}

// createClosure closes a bed or a whole home. A date that cannot be read
// is named with the rest of what is wrong.
func (s *Server) createClosure(c *fiber.Ctx) error {
	providerID, err := pathID(c, providers.ErrProviderNotFound)
	if err != nil {
		return err
	}
	var req closureRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var dates apperr.Fields
	in := providers.ClosureInput{
		BedID: req.BedID, Reason: req.Reason, CreatedBy: principal(c).ID, ConfirmStaysInTheWay: req.ConfirmStaysInTheWay,
		StartsOn: parseDate(&dates, "starts_on", req.StartsOn), EndsOn: parseDate(&dates, "ends_on", req.EndsOn),
	}
	cl, err := s.providers.CreateClosure(c.UserContext(), principal(c), providerID, in)
	if err != nil {
		return withDateErrors(err, dates)
	}
	c.Location("/api/v1/providers/" + strconv.FormatInt(providerID, 10) + "/closures")
	return c.Status(fiber.StatusCreated).JSON(toClosureJSON(cl))
}

func (s *Server) listClosures(c *fiber.Ctx) error {
	providerID, err := pathID(c, providers.ErrProviderNotFound)
	if err != nil {
		return err
	}
	cs, err := s.providers.Closures(c.UserContext(), providerID)
	if err != nil {
		return err
	}
	out := closureList{Items: make([]closureJSON, len(cs))}
	for i, cl := range cs {
		out.Items[i] = toClosureJSON(cl)
	}
	return c.JSON(out)
}

// liftClosure opens a closure's nights again, from ?from= or tonight.
func (s *Server) liftClosure(c *fiber.Ctx) error {
	id, err := pathID(c, providers.ErrClosureNotFound)
	if err != nil {
		return err
	}
	var f apperr.Fields
	from := parseDate(&f, "from", strings.Clone(c.Query("from")))
	if err := f.Err(); err != nil {
		return err
	}
	if _, _, err := s.providers.LiftClosure(c.UserContext(), principal(c), id, from); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
