package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/invopop/jsonschema"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/paging"
	"github.com/respite-uk/respite/providers"
)

// operation describes one API route for the OpenAPI document. The schemas
// are reflected from the very structs the handlers decode and encode, and a
// test checks that every registered route has an operation and every
// operation a route, so the document cannot drift from the code.
type operation struct {
	method, path string
	summary      string
	who          string // who may call it
	request      any    // body type, or nil
	// bodyOptional says the body may be left out altogether (a reason that
	// only staff must give, a date that defaults to today).
	bodyOptional bool
	status       int // success status
	response     any // body type, or nil for no body
	query        []queryParam
	errors       []int // problem statuses this route can answer with, besides 401/403/500
	// csv says the route also answers text/csv (Accept: text/csv or
	// ?format=csv), as well as the JSON response.
	csv bool
	// idSchema is the {id} path parameter's schema where it is not just a
	// positive whole number (a booking's id or its reference); nil for that.
	idSchema map[string]any
}

// queryParam is one query parameter an operation takes. typ is integer,
// string or boolean, or: date (YYYY-MM-DD), instant (RFC 3339), id (a
// whole number from 1), limit (a page size, 1 to 200).
type queryParam struct {
	name, description, typ string
	required               bool
	enum                   []string // its only values, when it has a fixed few
}

var pageParams = []queryParam{
	{"limit", "Items per page, 1 to 200 (default 50).", "limit", false, nil},
	{"cursor", "The next_cursor of the previous page.", "string", false, nil},
}

// schema is the parameter's JSON schema.
func (q queryParam) schema() map[string]any {
	var s map[string]any
	switch q.typ {
	case "date":
		s = map[string]any{"type": "string", "format": "date"}
	case "instant":
		s = map[string]any{"type": "string", "format": "date-time"}
	case "id":
		s = map[string]any{"type": "integer", "format": "int64", "minimum": 1}
	case "limit":
		s = map[string]any{"type": "integer", "minimum": 1, "maximum": paging.MaxLimit, "default": paging.DefaultLimit}
	case "integer", "string", "boolean":
		s = map[string]any{"type": q.typ}
	default:
		panic("openapi: query parameter " + q.name + " has no type " + q.typ) // a typo: fail the tests loudly
	}
	if q.enum != nil {
		s["enum"] = q.enum
	}
	return s
}

var operations = []operation{
	{method: "GET", path: "/api/v1/openapi.json", summary: "This document.", who: "anyone", status: 200, response: map[string]any{}},
	{method: "POST", path: "/api/v1/auth/login", summary: "Sign in as staff with an email address and password. The answer is 200 either way: a token when that is all the sign-in needs, or else no token but " +
		"next (second_factor, change_password or enrol_second_factor: admins always need a second factor) and a pending_token for that step's endpoint under /api/v1/auth/login/. " +
		"A wrong email or password gets 401, and a disabled account's right password 403. Failed attempts are limited per client address and per account (429 with Retry-After).", who: "anyone", request: loginRequest{}, status: 200, response: loginResponse{}, errors: []int{400, 401, 403, 415, 422, 429}},
	{method: "POST", path: "/api/v1/auth/logout", summary: "Sign out: the token stops working at once.", who: "anyone signed in", status: 204},
	{method: "GET", path: "/api/v1/auth/me", summary: "Who the token belongs to.", who: "anyone signed in", status: 200, response: meResponse{}},
	{method: "POST", path: "/api/v1/providers", summary: "Add a care home. A home with the same name at the same postcode as one already listed is refused (409, \"Is this the same home?\") unless new_home_confirmed=true says it is a different home.", who: "admin", request: providerRequest{}, status: 201, response: providerJSON{}, errors: []int{400, 409, 415, 422},
		query: []queryParam{{"new_home_confirmed", "true when a home with the same name and postcode as an existing one is a different home.", "boolean", false, nil}}},
	{method: "GET", path: "/api/v1/providers", summary: "List care homes in id order.", who: "staff", status: 200, response: providerList{}, errors: []int{422},
		query: append([]queryParam{{"q", "Part of the name, any case.", "string", false, nil}, {"active", "true for homes taking stays, false for homes taken off the list; both when left out.", "boolean", false, nil}}, pageParams...)},
	{method: "GET", path: "/api/v1/providers/{id}", summary: "One care home.", who: "staff", status: 200, response: providerJSON{}, errors: []int{404}},
	{method: "PATCH", path: "/api/v1/providers/{id}", summary: "Change a care home; fields left out stay as they are.", who: "admin", request: providerPatchRequest{}, status: 200, response: providerJSON{}, errors: []int{400, 404, 415, 422}},
	{method: "POST", path: "/api/v1/providers/{id}/contracts", summary: "Record a block or spot contract with the home (dates inclusive).", who: "admin", request: contractRequest{}, status: 201, response: contractJSON{}, errors: []int{400, 404, 409, 415, 422}},
	{method: "GET", path: "/api/v1/providers/{id}/contracts", summary: "The home's contracts in id order.", who: "staff", status: 200, response: contractList{}, errors: []int{404, 422}, query: pageParams},
	{method: "GET", path: "/api/v1/contracts/{id}", summary: "One contract.", who: "staff", status: 200, response: contractJSON{}, errors: []int{404}},
	{method: "PATCH", path: "/api/v1/contracts/{id}", summary: "Change a contract's reference, dates, rate or whether it is active; fields left out stay as they are. Refused (409) when booked nights would fall outside it; the message names the stays. A new rate applies to stays booked from then on.", who: "admin", request: contractPatchRequest{}, status: 200, response: contractJSON{}, errors: []int{400, 404, 409, 415, 422}},
	{method: "POST", path: "/api/v1/providers/{id}/beds", summary: "Add a bed under one of the home's contracts.", who: "admin", request: bedRequest{}, status: 201, response: bedJSON{}, errors: []int{400, 404, 409, 415, 422}},
	{method: "GET", path: "/api/v1/providers/{id}/beds", summary: "The home's beds in id order.", who: "staff", status: 200, response: bedList{}, errors: []int{404, 422}, query: pageParams},
	{method: "GET", path: "/api/v1/beds/{id}", summary: "One bed.", who: "staff", status: 200, response: bedJSON{}, errors: []int{404}},
	{method: "GET", path: "/api/v1/messages", summary: "The SMS outbox, newest first: every text queued, sent, delivered or failed, with its body (texts carry no care details).", who: "admin", status: 200, response: messageList{}, errors: []int{422},
		query: append([]queryParam{{"to", "Only texts to this phone number, written any UK way or in E.164 (+447700900123).", "string", false, nil}, {"status", "queued, sending, checking (sent, but not yet known to have reached Twilio), sent, delivered, undelivered, failed or suppressed.", "string", false, notify.Statuses}, {"template", "Only texts of this template, such as booking_confirmed.", "string", false, templateNames()}}, pageParams...)},
	{method: "GET", path: "/api/v1/messages/{id}", summary: "One text in the outbox.", who: "admin", status: 200, response: messageJSON{}, errors: []int{404}},
	{method: "PATCH", path: "/api/v1/beds/{id}", summary: "Change a bed; fields left out stay as they are.", who: "admin", request: bedPatchRequest{}, status: 200, response: bedJSON{}, errors: []int{400, 404, 409, 415, 422}},
}

func init() { operations = append(operations, codeOperations...) }
func init() { operations = append(operations, closureOperations...) }
func init() { operations = append(operations, carerOperations...) }
func init() { operations = append(operations, hostOperations...) }
func init() { operations = append(operations, bookingOperations...) }
func init() { operations = append(operations, stayChangeOperations...) }
func init() { operations = append(operations, emergencyOperations...) }
func init() { operations = append(operations, userOperations...) }
func init() { operations = append(operations, feedbackOperations...) }

var (
	openAPIOnce sync.Once
	openAPIBody []byte
)

// showOpenAPI serves the OpenAPI 3.1 document of every /api/v1 route.
func (s *Server) showOpenAPI(c *fiber.Ctx) error {
	openAPIOnce.Do(func() {
		b, err := json.MarshalIndent(buildOpenAPI(), "", "  ")
		if err != nil {
			panic(err) // built from static Go values: cannot fail
		}
		// The reflector points at JSON Schema's $defs; in an OpenAPI
		// document the definitions live under components/schemas.
		openAPIBody = bytes.ReplaceAll(b, []byte(`"#/$defs/`), []byte(`"#/components/schemas/`))
	})
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(openAPIBody)
}

// buildOpenAPI assembles the document.
func buildOpenAPI() map[string]any {
	// Requests and answers are reflected apart. In a request body a field
	// is required only where its type says so (a jsonschema tag or
	// JSONSchemaExtend), because the handler decides what may be left out.
	// In an answer every field without omitempty is required, because
	// encoding/json always writes it; answerNulls then marks the ones that
	// can be null.
	reflector := func(requiredByTags bool) *jsonschema.Reflector {
		return &jsonschema.Reflector{
			RequiredFromJSONSchemaTags: requiredByTags,
			Mapper: func(t reflect.Type) *jsonschema.Schema {
				switch {
				case t == reflect.TypeOf(calendar.Date{}):
					return &jsonschema.Schema{Type: "string", Format: "date"}
				case t.Kind() == reflect.Float64:
					// A generated client would otherwise take a float32,
					// and move a home by a few metres.
					return &jsonschema.Schema{Type: "number", Format: "double"}
				case t.Kind() == reflect.Int64:
					// Ids are 64-bit; the same in bodies as in parameters.
					return &jsonschema.Schema{Type: "integer", Format: "int64"}
				}
				return nil
			},
			Namer: func(t reflect.Type) string { return schemaName(t.Name()) },
		}
	}
	requests, answers := reflector(true), reflector(false)
	schemas := map[string]any{"Problem": problemSchema(), "FieldError": fieldErrorSchema()}
	roles := map[string]*jsonschema.Reflector{}
	ref := func(r *jsonschema.Reflector, v any) map[string]any {
		s := r.Reflect(v)
		for name, def := range s.Definitions {
			if other, ok := roles[name]; ok && other != r && !sameSchema(def, schemas[name]) {
				// A type in both must tag its required fields, so that
				// both reflections agree.
				panic("openapi: " + name + " is both in a request body and in an answer, and its schemas differ: tag its required fields")
			}
			roles[name] = r
			schemas[name] = def
		}
		name := schemaName(reflect.TypeOf(v).Name())
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}

	paths := map[string]map[string]any{}
	for _, op := range operations {
		responses := map[string]any{}
		success := map[string]any{"description": http.StatusText(op.status)}
		if op.response != nil {
			var schema any = map[string]any{"type": "object"}
			if _, isMap := op.response.(map[string]any); !isMap {
				schema = ref(answers, op.response)
			}
			success["content"] = map[string]any{"application/json": map[string]any{"schema": schema}}
			if op.csv {
				success["content"].(map[string]any)["text/csv"] = map[string]any{"schema": map[string]any{"type": "string", "description": "RFC 4180 CSV with a header row."}}
			}
		}
		responses[strconv.Itoa(op.status)] = success
		// Any operation may meet a database (or, for holds, Redis) that is
		// not answering: that is a 503 with Retry-After, never a 500.
		// Any operation may meet a request it cannot read: a body that is
		// not JSON, or nested too deep (400, checked before anything
		// else), or a query parameter with a control character in it, or
		// one a GET does not list (422, query_params.go).
		statuses := append([]int{400, 422, 500, 503}, op.errors...)
		if strings.Contains(op.path, "{id}") {
			statuses = append(statuses, 404) // an id that names nothing, or nothing the caller may see
		}
		if op.who != "anyone" {
			statuses = append(statuses, 401)
		}
		if op.who != "anyone" && op.who != "anyone signed in" {
			// "staff" too: a carer's or a host's token is refused.
			statuses = append(statuses, 403)
		}
		for _, st := range statuses {
			r := map[string]any{
				"description": http.StatusText(st),
				"content":     map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}},
			}
			if st == 503 || st == 429 {
				r["headers"] = map[string]any{"Retry-After": map[string]any{"description": "Seconds to wait before trying again.", "required": true, "schema": map[string]any{"type": "integer"}}}
			}
			responses[strconv.Itoa(st)] = r
		}
		if revisioned[op.path] && (op.method == "GET" || op.method == "PATCH") {
			success["headers"] = map[string]any{"ETag": map[string]any{
				"required":    true,
				"description": "The record's revision: send it in If-Match with a PATCH to change it only if nobody has since.",
				"schema":      map[string]any{"type": "string"}}}
		}
		if op.status == 201 {
			success["headers"] = map[string]any{"Location": map[string]any{
				"required":    true,
				"description": "The address of what was created.", "schema": map[string]any{"type": "string"}}}
		}
		if op.method == "POST" && op.path == "/api/v1/bookings" {
			success["headers"].(map[string]any)["Idempotent-Replayed"] = map[string]any{
				"description": "true when this answer is a replay: the Idempotency-Key was used before with the same hold, and the booking was made then.",
				"schema":      map[string]any{"type": "string", "enum": []string{"true"}}}
		}
		if op.request != nil {
			// Any body may be too large, or not JSON.
			for _, st := range []int{413, 415} {
				responses[strconv.Itoa(st)] = map[string]any{
					"description": http.StatusText(st),
					"content":     map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}},
				}
			}
		}
		o := map[string]any{
			"summary":     op.summary,
			"description": "Who may call it: " + op.who + ".",
			"operationId": operationID(op),
			"responses":   responses,
			"tags":        []string{tagOf(op.path)},
		}
		if op.who != "anyone" {
			o["security"] = []any{map[string]any{"bearer": []any{}}}
		} else {
			o["security"] = []any{}
		}
		var params []any
		if strings.Contains(op.path, "{id}") {
			schema := map[string]any{"type": "integer", "minimum": 1}
			if op.idSchema != nil {
				schema = op.idSchema
			}
			params = append(params, map[string]any{"name": "id", "in": "path", "required": true, "schema": schema,
				"description": "The id of the " + recordOf(op.path) + "."})
		}
		for _, q := range op.query {
			params = append(params, map[string]any{"name": q.name, "in": "query", "description": q.description, "required": q.required, "schema": q.schema()})
		}
		if revisioned[op.path] && op.method == "PATCH" {
			params = append(params, map[string]any{"name": "If-Match", "in": "header", "required": false,
				"description": "The ETag a GET of this record answered with. The change is made only if the record is still at that revision; otherwise 412, and nothing changes. Left out (or *), the change is made whatever the revision.",
				"schema":      map[string]any{"type": "string"}})
			responses["412"] = map[string]any{
				"description": http.StatusText(412),
				"content":     map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}},
			}
		}
		if op.method == "POST" && op.path == "/api/v1/bookings" {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "required": false,
				"description": "Up to 200 characters, new for each booking. The same key with the same hold again answers with the booking already made (201, Idempotent-Replayed: true); with another hold, 422.",
				"schema":      map[string]any{"type": "string", "maxLength": 200}})
		}
		if params != nil {
			o["parameters"] = params
		}
		if op.request != nil {
			o["requestBody"] = map[string]any{"required": !op.bodyOptional, "content": map[string]any{"application/json": map[string]any{"schema": ref(requests, op.request)}}}
		}
		if paths[op.path] == nil {
			paths[op.path] = map[string]any{}
		}
		paths[op.path][strings.ToLower(op.method)] = o
	}

	for at, values := range vocabularies() {
		name, property, _ := strings.Cut(at, ".")
		enum(schemas[name].(*jsonschema.Schema), property, values)
	}
	seen := map[reflect.Type]bool{}
	for _, op := range operations {
		if op.response != nil {
			answerNulls(reflect.TypeOf(op.response), schemas, seen)
		}
	}
	describeSchemas(schemas)
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "Respite API",
			"version": "1",
			// The project's licence (LICENSE); a council's own deployment
			// is theirs to run.
			"license": map[string]any{"name": "MIT", "url": "https://opensource.org/license/mit"},
			"description": "Short-break and respite booking for a council's carers service. " +
				"Every error is an RFC 9457 problem (application/problem+json); a 422 lists every bad field in `errors`. " +
				"Dates are civil dates in Europe/London (YYYY-MM-DD); instants are RFC 3339. " +
				"A 503 with Retry-After means a dependency (the database, or Redis for holds) is not answering; try again after that many seconds.",
		},
		"jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
		"servers":           []any{map[string]any{"url": "/", "description": "The service this document was read from."}},
		"tags":              apiTags(),
		"paths":             paths,
		"components": map[string]any{
			"schemas":         schemas,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "The token from POST /api/v1/auth/login."}},
		},
	}
}

// vocabularies are the fixed vocabularies of fields whose types do not
// list them in a JSONSchemaExtend, by "Schema.property", from the
// domain packages: a generated client gets them as enums, so a typo such
// as "confirmd" does not compile.
func vocabularies() map[string][]string {
	subjects := []string{string(accounts.SubjectStaff), string(accounts.SubjectCarer), string(accounts.SubjectHost)}
	return map[string][]string{
		"Place.kind":                   booking.PlaceKinds,
		"Booking.status":               booking.Statuses,
		"Booking.kind":                 booking.Kinds,
		"Stay.status":                  booking.Statuses,
		"Stay.kind":                    booking.Kinds,
		"CarerStay.kind":               booking.Kinds,
		"BookingRecord.status":         booking.Statuses,
		"BookingRecord.kind":           booking.Kinds,
		"BookingRecord.place_kind":     booking.PlaceKinds,
		"HoldRecord.place_kind":        booking.PlaceKinds,
		"NightRecord.place_kind":       booking.PlaceKinds,
		"UnmetRecord.kind":             booking.Kinds,
		"UnmetRecord.needs":            booking.Needs,
		"UnmetRecord.requirements":     booking.Requirements,
		"UnmetRecord.age_group":        providers.AgeGroups,
		"PersonRecord.needs":           booking.Needs,
		"PersonRecord.requirements":    booking.Requirements,
		"EmergencyPerson.needs":        booking.Needs,
		"EmergencyPerson.requirements": booking.Requirements,
		"EmergencyOption.tier":         booking.Tiers,
		"SpotRequest.bed_type":         providers.BedTypes,
		"Message.status":               notify.Statuses,
		"TextRecord.status":            notify.Statuses,
		"MeResponse.kind":              subjects,
		"MeResponse.role":              accounts.Roles,
	}
}

// templateNames are the names of the texts the service sends.
func templateNames() []string {
	var names []string
	for _, t := range notify.Templates() {
		names = append(names, t.Name)
	}
	return names
}

// revisioned are the records whose GET and PATCH carry an ETag, and whose
// PATCH takes If-Match (etag.go).
var revisioned = map[string]bool{
	"/api/v1/carers/{id}": true, "/api/v1/people/{id}": true, "/api/v1/hosts/{id}": true,
	"/api/v1/providers/{id}": true, "/api/v1/beds/{id}": true,
}

// areas groups the API's paths, by their first part after /api/v1/, into
// the tags a generated client or a reader of the document sees.
var areas = []struct {
	tag, about string
	firsts     []string
}{
	{"Signing in", "Staff passwords and second factors, codes texted to carers and hosts, and sessions.", []string{"auth", "codes"}},
	{"Staff", "Staff accounts, for administrators.", []string{"users"}},
	{"Care homes", "Homes, their contracts, beds and closures.", []string{"providers", "contracts", "beds", "closures"}},
	{"Carers", "Carers, the people they care for, their allowance, and their data protection requests.", []string{"carers", "people"}},
	{"Shared lives", "Hosts, their approval, calendars and guests.", []string{"hosts"}},
	{"Bookings", "Finding a place, holding it, booking, changing and cancelling stays.", []string{"availability", "holds", "bookings"}},
	{"Emergencies", "Emergency cards, tonight's options and placements, and the audit log.", []string{"emergency", "audit"}},
	{"Texts", "The SMS outbox and carers' feedback.", []string{"messages", "feedback"}},
	{"Reports", "The commissioners' figures.", []string{"reports"}},
	{"About the API", "This document.", []string{"openapi.json"}},
}

// records names, by the first part of a path after /api/v1/, what an id
// in it is the id of.
var records = map[string]string{
	"providers": "care home", "contracts": "contract", "beds": "bed", "closures": "closure",
	"carers": "carer", "people": "person cared for", "hosts": "shared-lives host",
	"holds": "hold", "bookings": "booking, or its reference", "messages": "text in the outbox",
	"users": "member of staff",
}

// recordOf is what the {id} in path is the id of.
func recordOf(path string) string {
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/api/v1/"), "/")
	if r, ok := records[first]; ok {
		return r
	}
	panic("openapi: no record named for " + path) // a new area: name it above
}

// tagOf is the tag of the operation at path.
func tagOf(path string) string {
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/api/v1/"), "/")
	for _, a := range areas {
		if slices.Contains(a.firsts, first) {
			return a.tag
		}
	}
	return "Other"
}

// apiTags is the document's list of tags, in the order a reader meets them.
func apiTags() []any {
	out := make([]any, len(areas))
	for i, a := range areas {
		out[i] = map[string]any{"name": a.tag, "description": a.about}
	}
	return out
}

// schemaName turns Go type names into schema names: providerJSON → Provider,
// providerRequest → ProviderRequest.
func schemaName(goName string) string {
	n := strings.TrimSuffix(goName, "JSON")
	if n == "" {
		return goName
	}
	return strings.ToUpper(n[:1]) + n[1:]
}

func operationID(op operation) string {
	parts := []string{strings.ToLower(op.method)}
	for _, p := range strings.Split(strings.TrimPrefix(op.path, "/api/v1/"), "/") {
		p = strings.NewReplacer("{", "", "}", "", ".", "_").Replace(p)
		parts = append(parts, p)
	}
	return strings.Join(parts, "_")
}

// fieldErrorSchema is one bad field of a 422.
func fieldErrorSchema() map[string]any {
	return map[string]any{
		"type": "object", "required": []string{"field", "message"},
		"properties": map[string]any{"field": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}},
	}
}

func problemSchema() map[string]any {
	return map[string]any{
		"type":     "object",
		"required": []string{"type", "title", "status", "detail"},
		"properties": map[string]any{
			"type":       map[string]any{"type": "string", "description": "urn:respite:problem:<slug>, or about:blank when the status says it all."},
			"title":      map[string]any{"type": "string"},
			"status":     map[string]any{"type": "integer"},
			"detail":     map[string]any{"type": "string", "description": "What went wrong, in words safe to show a person."},
			"request_id": map[string]any{"type": "string"},
			"errors":     map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/FieldError"}},
		},
	}
}

// The vocabularies come from the domain packages, so the document lists
// exactly the values the rules accept.

func (providerRequest) JSONSchemaExtend(s *jsonschema.Schema)      { providerEnums(s) }
func (providerPatchRequest) JSONSchemaExtend(s *jsonschema.Schema) { providerEnums(s) }
func (providerJSON) JSONSchemaExtend(s *jsonschema.Schema)         { providerEnums(s) }
func (bedRequest) JSONSchemaExtend(s *jsonschema.Schema)           { bedEnums(s) }
func (bedPatchRequest) JSONSchemaExtend(s *jsonschema.Schema)      { bedEnums(s) }
func (bedJSON) JSONSchemaExtend(s *jsonschema.Schema)              { bedEnums(s) }
func (contractRequest) JSONSchemaExtend(s *jsonschema.Schema) {
	enum(s, "kind", providers.ContractKinds)
	require(s, "kind", "reference", "starts_on", "ends_on", "nightly_rate_pence")
}
func (contractJSON) JSONSchemaExtend(s *jsonschema.Schema) { enum(s, "kind", providers.ContractKinds) }
func (userJSON) JSONSchemaExtend(s *jsonschema.Schema)     { enum(s, "role", accounts.Roles) }
func (loginRequest) JSONSchemaExtend(s *jsonschema.Schema) { require(s, "email", "password") }

func providerEnums(s *jsonschema.Schema) {
	enum(s, "bed_types", providers.BedTypes)
	enum(s, "specialisms", providers.Specialisms)
	enum(s, "age_groups", providers.AgeGroups)
}

func bedEnums(s *jsonschema.Schema) {
	enum(s, "bed_type", providers.BedTypes)
	enum(s, "features", providers.Features)
}

// enum lists the allowed values of a property, or of its items for a list.
func enum(s *jsonschema.Schema, property string, values []string) {
	p, ok := s.Properties.Get(property)
	if !ok {
		panic("openapi: no property " + property) // a renamed field: fail the test loudly
	}
	target := p
	if p.Items != nil {
		target = p.Items
	}
	target.Enum = nil
	for _, v := range values {
		target.Enum = append(target.Enum, v)
	}
}

func require(s *jsonschema.Schema, properties ...string) {
	s.Required = append(s.Required, properties...)
	sort.Strings(s.Required)
}

// answerNulls marks, in the schemas of answers reachable from t, each
// field that encoding/json writes as null: a pointer without omitempty,
// when it is nil. A client generated from the document then knows which
// fields to check for null and which it can rely on.
func answerNulls(t reflect.Type, schemas map[string]any, seen map[reflect.Type]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	s, ok := schemas[schemaName(t.Name())].(*jsonschema.Schema)
	if !ok || s.Properties == nil {
		return // written by its own MarshalJSON (a date, an instant)
	}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() && !f.Anonymous {
				continue
			}
			if f.Anonymous && name == "" {
				embedded := f.Type
				if embedded.Kind() == reflect.Pointer {
					embedded = embedded.Elem()
				}
				if embedded.Kind() == reflect.Struct {
					walk(embedded) // its fields are the outer struct's, as encoding/json writes them
					continue
				}
			}
			if name == "" {
				name = f.Name
			}
			p, ok := s.Properties.Get(name)
			if ok && f.Type.Kind() == reflect.Pointer && !slices.Contains(strings.Split(opts, ","), "omitempty") {
				nullable(p)
			}
			answerNulls(f.Type, schemas, seen)
		}
	}
	walk(t)
}

// nullable lets p be null as well as what it was. The description stays
// on the outside, where a reader looks for it.
func nullable(p *jsonschema.Schema) {
	for _, alt := range p.AnyOf {
		if alt.Type == "null" {
			return
		}
	}
	inner := *p
	inner.Description = ""
	*p = jsonschema.Schema{Description: p.Description, AnyOf: []*jsonschema.Schema{&inner, {Type: "null"}}}
}

func sameSchema(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
