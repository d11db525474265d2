package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/privacy"
)

// privacyRoutes registers subject access and erasure, for admins.
func (s *Server) privacyRoutes(api fiber.Router) {
	admin := s.staffOnly(accounts.RoleAdmin)
	api.Get("/carers/:id/export", admin, s.exportCarer)
	api.Delete("/carers/:id", admin, s.eraseCarer)
}

func init() { operations = append(operations, privacyOperations...) }

// privacyOperations documents privacyRoutes in the OpenAPI document.
var privacyOperations = []operation{
	{method: "GET", path: "/api/v1/carers/{id}/export", summary: "Everything held about a carer and the people they care for, as one JSON document, for a subject access request: " +
		"records, bookings and holds, allowance use, texts sent to their numbers with their bodies, sign-in history, feedback, unmet searches, and the audit entries that name them. " +
		"Sent as a download (Content-Disposition: attachment). The export is itself recorded in the audit log.",
		who: "admin", status: 200, response: privacy.Export{}, errors: []int{404}},
	{method: "DELETE", path: "/api/v1/carers/{id}", summary: "Erase a carer and the people they care for, on request. In one transaction their names, contact details, emergency plan, needs, requirements and notes " +
		"are replaced by a tombstone (\"Erased carer 123\"); their sign-in sessions, codes and holds are deleted; the texts to their numbers lose their words and number; their feedback comments and unmet searches stop naming them. " +
		"Their stays stay, anonymised, so the commissioners' figures do not change. Refused (409, naming the stay) while a stay is upcoming or under way. " +
		"Erasing a carer already erased does nothing and answers 204 again. Recorded in the audit log with the reason, and none of the erased data.",
		who: "admin", request: eraseRequest{}, status: 204, errors: []int{400, 404, 409, 415, 422}},
}

// eraseRequest says why a carer is erased, for the audit log.
type eraseRequest struct {
	Reason string `json:"reason" jsonschema:"required,description=Why: such as their request and its date. Recorded in the audit log; write no personal details here."`
}

// exportCarer sends everything held about a carer as a JSON download.
func (s *Server) exportCarer(c *fiber.Ctx) error {
	id, err := pathID(c, privacy.ErrCarerNotFound)
	if err != nil {
		return err
	}
	if s.deps.Privacy == nil {
		return privacy.ErrCarerNotFound // this server was built without it
	}
	e, err := s.deps.Privacy.ExportCarer(c.UserContext(), principal(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="respite-carer-`+strconv.FormatInt(id, 10)+`-export.json"`)
	return c.JSON(e)
}

// eraseCarer erases a carer and their people on request.
func (s *Server) eraseCarer(c *fiber.Ctx) error {
	id, err := pathID(c, privacy.ErrCarerNotFound)
	if err != nil {
		return err
	}
	var req eraseRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if s.deps.Privacy == nil {
		return privacy.ErrCarerNotFound
	}
	if _, err := s.deps.Privacy.EraseCarer(c.UserContext(), principal(c), id, req.Reason); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
