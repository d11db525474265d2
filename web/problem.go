package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/migrations"
)

// retryAfterSeconds is the Retry-After sent with every 503: long enough
// for a database to restart or fail over, short enough that someone trying
// again by hand loses little.
const retryAfterSeconds = "5"

// errDependencyDown answers a request that failed because the database (or
// Redis) could not be reached. It does not promise that nothing was done:
// a commit whose answer was lost on the way back may still have happened,
// which is why bookings take an Idempotency-Key.
var errDependencyDown = apperr.New(apperr.Unavailable, "Part of the service is not answering just now. Try again in a minute.")

// errClash answers a change the database undid because another change to
// the same things happened at the same moment (migrations.IsClash).
var errClash = apperr.New(apperr.Conflict, "Someone else changed the same thing at the same moment, so nothing was changed. Look again and try once more.")

// Problem is an RFC 9457 problem detail: every error under /api/v1 is one.
type Problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail"`
	Errors []apperr.FieldError `json:"errors,omitempty"` // for 422: every bad field
	// RequestID lets a member of staff quote the request to support.
	RequestID string `json:"request_id,omitempty"`
}

// problemType builds the problem type URI for a slug. Problems that are no
// more than their HTTP status use "about:blank", as RFC 9457 recommends.
func problemType(slug string) string {
	if slug == "" {
		return "about:blank"
	}
	return "urn:respite:problem:" + slug
}

// problemFor turns any error into a problem and says whether it is a fault
// that must be logged.
func problemFor(err error) (Problem, bool) {
	if e, ok := apperr.As(err); (!ok || e.Kind == apperr.Internal) && migrations.IsUnavailable(err) {
		// A dependency is down, not a bug: 503, and the error handler
		// logs it as a warning.
		err = errDependencyDown.Because(err)
	}
	if e, ok := apperr.As(err); (!ok || e.Kind == apperr.Internal) && migrations.IsClash(err) {
		err = errClash.Because(err)
	}
	if e, ok := apperr.As(err); ok && e.Kind != apperr.Internal {
		status, slug := statusOf(e.Kind)
		return Problem{Type: problemType(slug), Title: titleOf(e.Kind, status), Status: status, Detail: e.Message, Errors: e.Fields}, false
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		p := Problem{Type: problemType(""), Title: http.StatusText(fe.Code), Status: fe.Code, Detail: fiberDetail(fe)}
		if fe.Code == fiber.StatusUnsupportedMediaType {
			p.Type = problemType("unsupported-media-type")
		}
		if fe.Code == fiber.StatusBadRequest {
			p.Type = problemType("malformed-request")
		}
		return p, fe.Code >= 500
	}
	return Problem{
		Type:   problemType("internal"),
		Title:  "Internal Server Error",
		Status: fiber.StatusInternalServerError,
		Detail: "Something went wrong on our side. It has been logged; please try again, and quote the request id if it keeps happening.",
	}, true
}

func statusOf(k apperr.Kind) (int, string) {
	switch k {
	case apperr.NotFound:
		return fiber.StatusNotFound, "not-found"
	case apperr.Conflict:
		return fiber.StatusConflict, "conflict"
	case apperr.Invalid:
		return fiber.StatusUnprocessableEntity, "validation-failed"
	case apperr.Unauthorized:
		return fiber.StatusUnauthorized, "unauthorized"
	case apperr.Forbidden:
		return fiber.StatusForbidden, "forbidden"
	case apperr.RateLimited:
		return fiber.StatusTooManyRequests, "rate-limited"
	case apperr.Unavailable:
		return fiber.StatusServiceUnavailable, "unavailable"
	case apperr.Stale:
		return fiber.StatusPreconditionFailed, "precondition-failed"
	}
	return fiber.StatusInternalServerError, "internal"
}

func titleOf(k apperr.Kind, status int) string {
	if k == apperr.Invalid {
		return "The request breaks a rule"
	}
	return http.StatusText(status)
}

// fiberDetail rewrites Fiber's own messages ("Cannot GET /x") in the
// service's voice.
func fiberDetail(fe *fiber.Error) string {
	switch fe.Code {
	case fiber.StatusNotFound:
		return "There is nothing at this address. The API's routes are listed at /api/v1/openapi.json."
	case fiber.StatusMethodNotAllowed:
		return "This address does not accept that method. The API's routes are listed at /api/v1/openapi.json."
	case fiber.StatusRequestEntityTooLarge:
		return "The request body is too large."
	}
	return fe.Message
}

// errorHandler is the one place errors become responses: problem+json for the
// API and webhooks, a short page for anything else. Faults are logged in full
// and shown to nobody.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	p, fault := problemFor(err)
	p.RequestID = ensureRequestID(c)
	if fault {
		s.log.ErrorContext(c.UserContext(), "request failed", "method", c.Method(), "path", c.Path(), "status", p.Status, "err", err)
	}
	if p.Status == fiber.StatusServiceUnavailable {
		// Every 503 says when to come back, so clients and proxies retry
		// calmly instead of at once.
		c.Set(fiber.HeaderRetryAfter, retryAfterSeconds)
		s.log.WarnContext(c.UserContext(), "request refused: a dependency is not answering", "method", c.Method(), "path", c.Path(), "err", err)
	}
	if p.Status == fiber.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="respite"`)
	}
	if p.Status == fiber.StatusMethodNotAllowed {
		if allow := s.allowedMethods(c.Path()); allow != "" {
			c.Set(fiber.HeaderAllow, allow)
		}
	}
	c.Status(p.Status)
	if !wantsHTML(c) {
		body, _ := json.Marshal(p)
		c.Set(fiber.HeaderContentType, "application/problem+json")
		return c.Send(body)
	}
	if s.pages != nil {
		return s.pages.ShowError(c, p.Status, p.Detail, p.RequestID)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.SendString(errorPage(p))
}

// wantsHTML is true for pages people open in a browser; the API, webhooks
// and machine endpoints always get problem+json.
func wantsHTML(c *fiber.Ctx) bool {
	path := c.Path()
	if strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/webhooks/") || path == "/readyz" || path == "/healthz" || path == "/metrics" {
		return false
	}
	return strings.Contains(c.Get(fiber.HeaderAccept), "text/html")
}

func errorPage(p Problem) string {
	esc := html.EscapeString
	return fmt.Sprintf(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%d %s – Respite</title></head>`+
		`<body><main><h1>%s</h1><p>%s</p><p>Request id: %s</p><p><a href="/">Go to the start page</a></p></main></body></html>`,
		p.Status, esc(p.Title), esc(p.Title), esc(p.Detail), esc(p.RequestID))
}

// decodeJSON reads a JSON request body into dst. It refuses other content
// types (415), malformed JSON (400), and unknown fields or values of the
// wrong type (422, naming the field).
func decodeJSON(c *fiber.Ctx, dst any) error {
	mediaType, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mediaType != fiber.MIMEApplicationJSON {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "Send the request body as JSON, with the header Content-Type: application/json.")
	}
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return fiber.NewError(fiber.StatusBadRequest, "The request body is empty; send a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return fiber.NewError(fiber.StatusBadRequest, "The request body holds more than one JSON value; send a single object.")
	}
	return nil
}

func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("The request body is not valid JSON (at byte %d): %s.", syntax.Offset, syntax.Error()))
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fiber.NewError(fiber.StatusBadRequest, "The request body is not valid JSON: it ends too soon.")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fiber.NewError(fiber.StatusBadRequest, "The request body must be a JSON object.")
		}
		return apperr.Invalidf(typ.Field, "This must be %s, not a JSON %s.", describeType(typ.Type.Kind().String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no error type for this; its message is stable.
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.Invalidf(field, "This request does not take a field called %q.", field)
	}
	return fiber.NewError(fiber.StatusBadRequest, "The request body could not be read as JSON.")
}

func describeType(kind string) string {
	switch kind {
	case "string":
		return "text"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "a list"
	case "struct", "map":
		return "an object"
	case "float32", "float64":
		return "a number"
	}
	if strings.HasPrefix(kind, "int") || strings.HasPrefix(kind, "uint") {
		return "a whole number"
	}
	return kind
}
