package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	valerrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/router"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/redis/go-redis/v9"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/redisstore"
	"github.com/respite-uk/respite/reports"
	"github.com/respite-uk/respite/web"
)

// The contract: every answer a test gets from a documented operation is
// checked against the OpenAPI document the server serves, by a validator
// that shares no code with the one that builds the document
// (pb33f/libopenapi-validator), so a handler that answers with a status,
// header or body the document does not declare fails whichever test
// happened to call it. Only answers are checked, never requests: many tests
// send bad requests on purpose.

// documentContract is the served document, read and built once per test
// binary: parsing it and compiling its schemas takes far longer than a
// request.
type documentContract struct {
	model     *v3.Document
	validator validator.Validator
	// routes finds the operation a request is for, as the validator does,
	// so that requests no operation documents can be left alone.
	routes router.Router
}

var (
	contractOnce sync.Once
	contract     *documentContract
	contractErr  error
)

// loadContract reads the document from the first server a test makes: every
// server serves the same one.
func loadContract(s *testServer) (*documentContract, error) {
	contractOnce.Do(func() {
		resp, err := s.App().Test(httptest.NewRequest("GET", "/api/v1/openapi.json", nil), -1)
		if err != nil {
			contractErr = fmt.Errorf("reading the OpenAPI document: %w", err)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			contractErr = fmt.Errorf("GET /api/v1/openapi.json = %d %s", resp.StatusCode, body)
			return
		}
		doc, err := libopenapi.NewDocument(body)
		if err != nil {
			contractErr = fmt.Errorf("parsing the OpenAPI document: %w", err)
			return
		}
		m, err := doc.BuildV3Model()
		if err != nil {
			contractErr = fmt.Errorf("building the OpenAPI model: %w", err)
			return
		}
		contract = &documentContract{
			model: &m.Model,
			// The document's formats (date, date-time) are promises too;
			// JSON Schema only notes them unless told to assert them.
			validator: validator.NewValidatorFromV3Model(&m.Model, config.WithFormatAssertions()),
			routes:    router.NewRouter(&m.Model, router.WithPathOnlyMatching()),
		}
	})
	return contract, contractErr
}

// mismatches validates one answer. It returns the operation's path
// template, or "" when no operation documents the request (an unknown
// route, or a method its path does not take), which is not the document's
// business.
func (c *documentContract) mismatches(req *http.Request, status int, header http.Header, body []byte) (string, []*valerrors.ValidationError) {
	route, err := c.routes.FindRoute(req)
	if err != nil || route == nil || route.Operation == nil {
		return "", nil
	}
	answer := &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)), Request: req}
	_, errs := c.validator.GetResponseBodyValidator().ValidateResponseBodyWithPathItem(req, answer, route.PathItem, route.Path)
	return route.Path, errs
}

// answered is one status an operation was seen to answer with, in one
// top-level test.
type answered struct {
	test, method, path string // path is the document's template
	status             int
}

// seenAnswers records every documented operation's answers, so that
// TestOpenAPI_Contract can tell which operations it never drove; reported
// says which failures a test has already shown, so that the fuzz test's
// thousands of like requests show each mismatch once.
var seenAnswers = struct {
	sync.Mutex
	answers  map[answered]bool
	reported map[string]bool
}{answers: map[answered]bool{}, reported: map[string]bool{}}

// checkAgainstDocument fails t when the answer to req is not one the
// document declares for its operation.
func checkAgainstDocument(t *testing.T, s *testServer, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/api/v1/") {
		return
	}
	c, err := loadContract(s)
	if err != nil {
		t.Errorf("the contract check cannot run: %v", err) // not Fatal: do runs in goroutines too
		return
	}
	template, errs := c.mismatches(req, resp.StatusCode, resp.Header, body)
	if template == "" {
		return
	}
	test, _, _ := strings.Cut(t.Name(), "/")
	seenAnswers.Lock()
	seenAnswers.answers[answered{test, req.Method, template, resp.StatusCode}] = true
	seenAnswers.Unlock()
	if len(errs) == 0 {
		return
	}
	// Messages name the request's path; the template makes like failures
	// alike, whatever the id.
	why := strings.ReplaceAll(describeMismatch(errs), req.URL.Path, template)
	key := fmt.Sprintf("%s %s %s %d\n%s", test, req.Method, template, resp.StatusCode, why)
	seenAnswers.Lock()
	again := seenAnswers.reported[key]
	seenAnswers.reported[key] = true
	seenAnswers.Unlock()
	if again {
		return
	}
	shown := body
	if len(shown) > 600 {
		shown = append(shown[:600:600], "…"...)
	}
	t.Errorf("OpenAPI contract: %s %s (%s %s) answered %d, which the document does not allow:\n%s\nContent-Type: %s\nbody: %s",
		req.Method, req.URL.RequestURI(), req.Method, template, resp.StatusCode, why, resp.Header.Get("Content-Type"), shown)
}

// describeMismatch writes out everything the validator says, schema
// failures and all, so a reader can fix the document (or the handler).
func describeMismatch(errs []*valerrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "  - %s", e.Message)
		if e.Reason != "" && e.Reason != e.Message {
			fmt.Fprintf(&b, ": %s", e.Reason)
		}
		b.WriteString("\n")
		for _, f := range e.SchemaValidationErrors {
			where := f.FieldPath
			if where == "" {
				where = "/" + strings.Join(f.InstancePath, "/")
			}
			fmt.Fprintf(&b, "      %s: %s (schema %s)\n", where, f.Reason, f.KeywordLocation)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// documentedOperation is one operation as the document lists it.
type documentedOperation struct {
	method, path string
	who          string // from "Who may call it: …."
	success      int    // the lowest 2xx it declares
	signedIn     bool   // it has a security requirement
	body         bool   // it takes a request body
	declared     []int  // every status it declares
}

func (op documentedOperation) String() string { return op.method + " " + op.path }

// documentedOperations lists every operation in the document, in path order.
func documentedOperations(c *documentContract) []documentedOperation {
	var ops []documentedOperation
	for pair := c.model.Paths.PathItems.First(); pair != nil; pair = pair.Next() {
		for o := pair.Value().GetOperations().First(); o != nil; o = o.Next() {
			v := o.Value()
			op := documentedOperation{method: strings.ToUpper(o.Key()), path: pair.Key(), signedIn: len(v.Security) > 0, body: v.RequestBody != nil,
				who: strings.TrimSuffix(strings.TrimPrefix(v.Description, "Who may call it: "), ".")}
			for code := v.Responses.Codes.First(); code != nil; code = code.Next() {
				n, err := strconv.Atoi(code.Key())
				if err != nil {
					continue
				}
				op.declared = append(op.declared, n)
				if n >= 200 && n < 300 && (op.success == 0 || n < op.success) {
					op.success = n
				}
			}
			ops = append(ops, op)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].String() < ops[j].String() })
	return ops
}

// expect sends r and fails t unless it answers want: the contract test
// means to reach each status it names, not merely to get some answer.
func expect(t *testing.T, s *testServer, want int, r request) response {
	t.Helper()
	got := s.do(t, r)
	if got.status != want {
		t.Errorf("%s %s = %d, want %d: %s", r.method, r.path, got.status, want, got.body)
	}
	return got
}

// TestOpenAPI_Contract drives every documented operation through the
// contract check in testServer.do: its success, and the errors it declares
// wherever a test can reach them cheaply. Other tests' answers are checked
// too; this one makes sure none is left out, and fails naming any
// operation whose success it never saw.
func TestOpenAPI_Contract(t *testing.T) {
	db := dbtest.SQLite(t)
	s := withCodeSignIn(newTestServer(t, db))
	c, err := loadContract(s)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	today := calendar.Today(calendar.SystemClock)
	day := func(n int) string { return today.AddDays(n).String() }
	w := newBookingWorld(t, s)
	admin, duty, coordinator := s.signIn(t, "admin"), s.signIn(t, "duty"), s.signIn(t, "coordinator")

	// One of everything the operations act on, for the sweeps below, which
	// change nothing.
	hostID := createdID(t, s.do(t, request{method: "POST", path: "/api/v1/hosts", token: coordinator, body: hostBody("Ann Contract", "07700 900351")}))
	hostToken := s.hostSession(t, hostID)
	stay := bookStay(t, s, w, w.beds[0].ID, today.AddDays(40), today.AddDays(42))
	holdID := mustHold(t, s, w.dad.ID, w.beds[1], today.AddDays(40), today.AddDays(42))
	var messageID int64
	if err := db.NewSelect().Model((*notify.Message)(nil)).Column("id").Order("id").Limit(1).Scan(ctx, &messageID); err != nil {
		t.Fatalf("the booking queued no text: %v", err)
	}
	closure, err := s.providers.CreateClosure(ctx, setUpBy, w.home.ID, providers.ClosureInput{StartsOn: today.AddDays(300), EndsOn: today.AddDays(300), Reason: "A closure to lift"})
	if err != nil {
		t.Fatal(err)
	}
	staffUser, err := s.accounts.CreateUser(ctx, accounts.NewUser{Email: "contract-target@example.org", Name: "Target Duty", Role: accounts.RoleDuty, Password: "a long test password"})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{
		"providers": w.home.ID, "contracts": w.beds[0].ContractID, "beds": w.beds[0].ID, "closures": closure.ID,
		"carers": w.alice.ID, "people": w.mum.ID, "hosts": hostID, "users": staffUser.ID, "bookings": stay.ID, "messages": messageID,
	}
	ops := documentedOperations(c)
	if len(ops) < 80 {
		t.Fatalf("the document lists %d operations; expected the whole API", len(ops))
	}
	// Where each operation's sweeps go: its path with real ids, someone who
	// may call it, and someone signed in who may not ("" when anyone
	// signed in may). fuzzer.callers reads who may from the document.
	type target struct{ path, allowed, wrong string }
	tokens := map[string]string{"admin": admin, "duty": duty, "coordinator": coordinator, "carer": w.aliceT, "host": hostToken}
	targets := map[string]target{}
	for _, op := range ops {
		parts := strings.Split(op.path, "/")
		for i, p := range parts {
			if p != "{id}" {
				continue
			}
			if parts[i-1] == "holds" {
				parts[i] = holdID
				continue
			}
			id, ok := ids[parts[i-1]]
			if !ok {
				t.Fatalf("%s: no record for the id of %q; add one to ids", op, parts[i-1])
			}
			parts[i] = strconv.FormatInt(id, 10)
		}
		tg := target{path: strings.Join(parts, "/")}
		callers := (&fuzzer{t: t}).callers(fuzzOp{method: op.method, path: op.path, who: op.who})
		tg.allowed = tokens[callers[0]]
		if op.who != "anyone" && op.who != "anyone signed in" {
			for _, role := range []string{"coordinator", "duty", "carer", "admin"} {
				if !slices.Contains(callers, role) {
					tg.wrong = tokens[role]
					break
				}
			}
		}
		targets[op.String()] = tg
	}

	// The errors every operation can meet before its handler does anything
	// of its own, swept from the document so none is left out.
	t.Run("no token", func(t *testing.T) {
		for _, op := range ops {
			if op.signedIn {
				r := request{method: op.method, path: targets[op.String()].path}
				if op.body {
					r.body = map[string]any{}
				}
				expect(t, s, 401, r)
			}
		}
	})
	t.Run("the wrong role", func(t *testing.T) {
		for _, op := range ops {
			if tg := targets[op.String()]; tg.wrong != "" {
				r := request{method: op.method, path: tg.path, token: tg.wrong}
				if op.body {
					r.body = map[string]any{}
				}
				expect(t, s, 403, r)
			}
		}
	})
	t.Run("a query parameter no GET takes", func(t *testing.T) {
		for _, op := range ops {
			if tg := targets[op.String()]; op.method == "GET" {
				expect(t, s, 422, request{method: op.method, path: tg.path + "?not_a_parameter=1", token: tg.allowed})
			}
		}
	})
	t.Run("a query parameter holding a NUL", func(t *testing.T) {
		// Text no field may hold is refused before sign-in is checked, for
		// every operation (checkText in input.go), whatever it takes.
		for _, op := range ops {
			expect(t, s, 422, request{method: op.method, path: targets[op.String()].path + "?q=%00"})
		}
	})
	t.Run("a body that is not JSON, and JSON cut short", func(t *testing.T) {
		for _, op := range ops {
			if tg := targets[op.String()]; op.body {
				expect(t, s, 415, request{method: op.method, path: tg.path, token: tg.allowed, body: `{}`, contentType: "text/plain"})
				expect(t, s, 400, request{method: op.method, path: tg.path, token: tg.allowed, body: `{"a":`})
			}
		}
	})
	t.Run("a body over the limit", func(t *testing.T) {
		// fasthttp refuses it from the Content-Length, before any
		// middleware, and App.Test cannot send one (TestBodyLimit): so a
		// real connection, to a server of its own, and the answer checked
		// here as do would.
		big := newTestServer(t, db)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = big.App().Listener(ln) }()
		t.Cleanup(func() { _ = big.App().Shutdown() })
		for _, op := range ops {
			if !op.body {
				continue
			}
			path := targets[op.String()].path
			r := tooLarge(t, ln.Addr().String(), op.method, path)
			if r.status != 413 {
				t.Errorf("%s %s with %d bytes = %d, want 413", op.method, path, web.BodyLimit+1, r.status)
			}
			checkAgainstDocument(t, big, httptest.NewRequest(op.method, path, nil), &http.Response{StatusCode: r.status, Header: r.header}, r.body)
		}
	})

	t.Run("care homes", func(t *testing.T) {
		home := fmt.Sprintf("/api/v1/providers/%d", w.home.ID)
		r := expect(t, s, 201, request{method: "POST", path: "/api/v1/providers", token: admin, body: homeBody("Contract House")})
		newHome := fmt.Sprintf("/api/v1/providers/%d", int64(r.json(t)["id"].(float64)))
		expect(t, s, 409, request{method: "POST", path: "/api/v1/providers", token: admin, body: homeBody("Contract House")})
		expect(t, s, 422, request{method: "POST", path: "/api/v1/providers", token: admin, body: map[string]any{"name": "", "bed_types": []string{"castle"}}})
		expect(t, s, 200, request{method: "GET", path: "/api/v1/providers?limit=1", token: duty})
		expect(t, s, 422, request{method: "GET", path: "/api/v1/providers?limit=0", token: duty})
		expect(t, s, 200, request{method: "GET", path: home, token: duty})
		expect(t, s, 404, request{method: "GET", path: "/api/v1/providers/999999", token: duty})
		revise(t, s, newHome, admin, map[string]any{"phone": "0113 496 0002"}, map[string]any{"phone": "0113 496 0003"})
		expect(t, s, 404, request{method: "PATCH", path: "/api/v1/providers/999999", token: admin, body: map[string]any{"name": "X"}})
		expect(t, s, 422, request{method: "PATCH", path: newHome, token: admin, body: map[string]any{"postcode": "XX"}})

		contracts := newHome + "/contracts"
		contract := map[string]any{"kind": "block", "reference": "CONTRACT-1", "starts_on": day(0), "ends_on": day(400), "nightly_rate_pence": 14250}
		r = expect(t, s, 201, request{method: "POST", path: contracts, token: admin, body: contract})
		contractID := int64(r.json(t)["id"].(float64))
		expect(t, s, 409, request{method: "POST", path: contracts, token: admin, body: contract})
		expect(t, s, 422, request{method: "POST", path: contracts, token: admin, body: map[string]any{"kind": "lease", "reference": "X", "starts_on": "2027-02-30", "ends_on": "soon", "nightly_rate_pence": -1}})
		expect(t, s, 404, request{method: "POST", path: "/api/v1/providers/999999/contracts", token: admin, body: contract})
		expect(t, s, 200, request{method: "GET", path: contracts, token: duty})
		expect(t, s, 404, request{method: "GET", path: "/api/v1/providers/999999/contracts", token: duty})
		one := fmt.Sprintf("/api/v1/contracts/%d", contractID)
		expect(t, s, 200, request{method: "GET", path: one, token: duty})
		expect(t, s, 404, request{method: "GET", path: "/api/v1/contracts/999999", token: duty})
		expect(t, s, 200, request{method: "PATCH", path: one, token: admin, body: map[string]any{"nightly_rate_pence": 15000}})
		expect(t, s, 422, request{method: "PATCH", path: one, token: admin, body: map[string]any{"starts_on": "2027-13-01"}})
		expect(t, s, 404, request{method: "PATCH", path: "/api/v1/contracts/999999", token: admin, body: map[string]any{"active": false}})
		// The booked stay's nights would fall outside the world's contract.
		expect(t, s, 409, request{method: "PATCH", path: fmt.Sprintf("/api/v1/contracts/%d", w.beds[0].ContractID), token: admin, body: map[string]any{"ends_on": day(1)}})

		beds := newHome + "/beds"
		bed := map[string]any{"label": "Room 1", "contract_id": contractID, "bed_type": "nursing", "features": []string{"hoist"}}
		r = expect(t, s, 201, request{method: "POST", path: beds, token: admin, body: bed})
		bedPath := fmt.Sprintf("/api/v1/beds/%d", int64(r.json(t)["id"].(float64)))
		expect(t, s, 409, request{method: "POST", path: beds, token: admin, body: bed})
		expect(t, s, 422, request{method: "POST", path: beds, token: admin, body: map[string]any{"label": "Room 2", "contract_id": contractID, "bed_type": "penthouse"}})
		expect(t, s, 404, request{method: "POST", path: "/api/v1/providers/999999/beds", token: admin, body: bed})
		expect(t, s, 200, request{method: "GET", path: beds, token: duty})
		expect(t, s, 404, request{method: "GET", path: "/api/v1/providers/999999/beds", token: duty})
		expect(t, s, 200, request{method: "GET", path: bedPath, token: duty})
		expect(t, s, 404, request{method: "GET", path: "/api/v1/beds/999999", token: duty})
		revise(t, s, bedPath, admin, map[string]any{"label": "Room 1A"}, map[string]any{"label": "Room 1B"})
		expect(t, s, 422, request{method: "PATCH", path: bedPath, token: admin, body: map[string]any{"bed_type": "penthouse"}})
		expect(t, s, 404, request{method: "PATCH", path: "/api/v1/beds/999999", token: admin, body: map[string]any{"label": "X"}})
		expect(t, s, 201, request{method: "POST", path: beds, token: admin, body: map[string]any{"label": "Room 2", "contract_id": contractID, "bed_type": "nursing"}})
		expect(t, s, 409, request{method: "PATCH", path: bedPath, token: admin, body: map[string]any{"label": "Room 2"}})

		closures := home + "/closures"
		expect(t, s, 200, request{method: "GET", path: closures, token: duty})
		expect(t, s, 404, request{method: "GET", path: "/api/v1/providers/999999/closures", token: duty})
		room2 := map[string]any{"bed_id": w.beds[1].ID, "starts_on": day(200), "ends_on": day(201), "reason": "Refurbishment"}
		r = expect(t, s, 201, request{method: "POST", path: closures, token: admin, body: room2})
		lift := fmt.Sprintf("/api/v1/closures/%d", int64(r.json(t)["id"].(float64)))
		expect(t, s, 422, request{method: "POST", path: closures, token: admin, body: map[string]any{"starts_on": "soon", "ends_on": day(-1)}})
		expect(t, s, 404, request{method: "POST", path: "/api/v1/providers/999999/closures", token: admin, body: room2})
		// The whole home, over the booked stay.
		expect(t, s, 409, request{method: "POST", path: closures, token: admin, body: map[string]any{"starts_on": day(40), "ends_on": day(41), "reason": "Outbreak"}})
		expect(t, s, 422, request{method: "DELETE", path: lift + "?from=whenever", token: admin})
		expect(t, s, 204, request{method: "DELETE", path: lift, token: admin})
		expect(t, s, 404, request{method: "DELETE", path: lift, token: admin})
	})

	t.Run("carers and people", func(t *testing.T) {
		r := expect(t, s, 201, request{method: "POST", path: "/api/v1/carers", token: duty, body: carerBody("Pat Contract", "07700 900361")})
		patID := int64(r.json(t)["id"].(float64))
		pat := fmt.Sprintf("/api/v1/carers/%d", patID)
		expect(t, s, 409, request{method: "POST", path: "/api/v1/carers", token: duty, body: carerBody("Twin", "07700 900361")})
		expect(t, s, 422, request{method: "POST", path: "/api/v1/carers", token: duty, body: map[string]any{"name": "", "mobile": "0113 496 0000"}})
		expect(t, s, 200, request{method: "GET", path: "/api/v1/carers?limit=2", token: duty})
		expect(t, s, 422, request{method: "GET", path: "/api/v1/carers?limit=0", token: duty})
		expect(t, s, 200, request{method: "GET", path: pat, token: duty})
		expect(t, s, 200, request{method: "GET", path: fmt.Sprintf("/api/v1/carers/%d", w.alice.ID), token: w.aliceT})
		expect(t, s, 404, request{method: "GET", path: "/api/v1/carers/999999", token: duty})
		revise(t, s, pat, admin, map[string]any{"email": ""}, map[string]any{"name": "Patricia Contract"})
		expect(t, s, 409, request{method: "PATCH", path: pat, token: duty, body: map[string]any{"mobile": w.alice.Mobile}})
		expect(t, s, 422, request{method: "PATCH", path: pat, token: duty, body: map[string]any{"postcode": "nowhere"}})
		expect(t, s, 404, request{method: "PATCH", path: "/api/v1/carers/999999", token: duty, body: map[string]any{"name": "X"}})

		expect(t, s, 200, request{method: "GET", path: fmt.Sprintf("/api/v1/carers/%d/allowance", w.alice.ID), token: w.aliceT})
		expect(t, s, 200, request{method: "GET", path: fmt.Sprintf("/api/v1/carers/%d/allowance", w.alice.ID), token: duty})
		expect(t, s, 404, request{method: "GET", path: "/api/v1/carers/999999/allowance", token: duty})

		people := pat + "/people"
		expect(t, s, 200, request{method: "GET", path: people, token: duty})
		expect(t, s, 404, request{method: "GET", path: "/api/v1/carers/999999/people", token: duty})
		r = expect(t, s, 201, request{method: "POST", path: people, token: duty, body: map[string]any{"name": "Frank Contract", "date_of_birth": "1941-05-02", "needs": []string{"dementia"}}})
		person := fmt.Sprintf("/api/v1/people/%d", int64(r.json(t)["id"].(float64)))
		expect(t, s, 422, request{method: "POST", path: people, token: duty, body: map[string]any{"name": "", "needs": []string{"flying"}}})
		expect(t, s, 404, request{method: "POST", path: "/api/v1/carers/999999/people", token: duty, body: map[string]any{"name": "Ivy", "date_of_birth": "1938-01-09"}})
		expect(t, s, 200, request{method: "GET", path: person, token: duty})
		expect(t, s, 200, request{method: "GET", path: fmt.Sprintf("/api/v1/people/%d", w.mum.ID), token: w.aliceT})
		expect(t, s, 404, request{method: "GET", path: "/api/v1/people/999999", token: duty})
		revise(t, s, person, duty, map[string]any{"name": "Francis Contract"}, map[string]any{"name": "Frankie Contract"})
		expect(t, s, 422, request{method: "PATCH", path: person, token: duty, body: map[string]any{"date_of_birth": "yesterday"}})
		expect(t, s, 404, request{method: "PATCH", path: "/api/v1/people/999999", token: duty, body: map[string]any{"name": "F"}})

		// Data protection: export, and erasure (refused while a stay is ahead).
		expect(t, s, 200, request{method: "GET", path: fmt.Sprintf("/api/v1/carers/%d/export", w.alice.ID), token: admin})
		expect(t, s, 404, request{method: "GET", path: "/api/v1/carers/999999/export", token: admin})
		expect(t, s, 409, request{method: "DELETE", path: fmt.Sprintf("/api/v1/carers/%d", w.alice.ID), token: admin, body: map[string]string{"reason": "their request"}})
		expect(t, s, 422, request{method: "DELETE", path: pat, token: admin, body: map[string]string{"reason": " "}})
		expect(t, s, 404, request{method: "DELETE", path: "/api/v1/carers/999999", token: admin, body: map[string]string{"reason": "x"}})
		expect(t, s, 204, request{method: "DELETE", path: pat, token: admin, body: map[string]string{"reason": "their request"}})
	})

	t.Run("hosts", func(t *testing.T) {
		r := expect(t, s, 201, request{method: "POST", path: "/api/v1/hosts", token: coordinator, body: hostBody("Sue Contract", "07700 900352")})
		sueID := int64(r.json(t)["id"].(float64))
		sue := fmt.Sprintf("/api/v1/hosts/%d", sueID)
		raj := fmt.Sprintf("/api/v1/hosts/%d", createdID(t, s.do(t, request{method: "POST", path: "/api/v1/hosts", token: admin, body: hostBody("Raj Contract", "07700 900353")})))
		expect(t, s, 409, request{method: "POST", path: "/api/v1/hosts", token: coordinator, body: hostBody("Twin", "07700 900352")})
		expect(t, s, 422, request{method: "POST", path: "/api/v1/hosts", token: coordinator, body: map[string]any{"name": "", "capacity": 9}})
		expect(t, s, 200, request{method: "GET", path: "/api/v1/hosts?status=applicant", token: duty})
		expect(t, s, 422, request{method: "GET", path: "/api/v1/hosts?status=retired", token: coordinator})
		expect(t, s, 200, request{method: "GET", path: sue, token: coordinator})
		expect(t, s, 200, request{method: "GET", path: sue, token: s.hostSession(t, sueID)})
		expect(t, s, 404, request{method: "GET", path: "/api/v1/hosts/999999", token: duty})
		revise(t, s, sue, coordinator, map[string]any{"capacity": 3}, map[string]any{"capacity": 1})
		expect(t, s, 409, request{method: "PATCH", path: sue, token: coordinator, body: map[string]any{"mobile": "07700 900353"}})
		expect(t, s, 422, request{method: "PATCH", path: sue, token: coordinator, body: map[string]any{"capacity": 0}})
		expect(t, s, 404, request{method: "PATCH", path: "/api/v1/hosts/999999", token: admin, body: map[string]any{"capacity": 1}})

		expect(t, s, 200, request{method: "POST", path: sue + "/approve", token: coordinator})
		expect(t, s, 409, request{method: "POST", path: sue + "/approve", token: coordinator})
		expect(t, s, 422, request{method: "POST", path: raj + "/approve", token: coordinator, body: map[string]any{"on": "2026-02-30"}})
		expect(t, s, 404, request{method: "POST", path: "/api/v1/hosts/999999/approve", token: coordinator})

		calendarPath := sue + "/availability"
		expect(t, s, 200, request{method: "GET", path: calendarPath, token: coordinator})
		expect(t, s, 404, request{method: "GET", path: "/api/v1/hosts/999999/availability", token: coordinator})
		expect(t, s, 200, request{method: "PUT", path: calendarPath, token: coordinator, body: map[string]any{"ranges": []map[string]string{{"starts_on": day(5), "ends_on": day(15)}}}})
		expect(t, s, 422, request{method: "PUT", path: calendarPath, token: coordinator, body: map[string]any{"ranges": []map[string]string{{"starts_on": day(5), "ends_on": day(3)}}}})
		expect(t, s, 404, request{method: "PUT", path: "/api/v1/hosts/999999/availability", token: coordinator, body: map[string]any{"ranges": []any{}}})
		expect(t, s, 200, request{method: "POST", path: calendarPath, token: coordinator, body: map[string]any{"from": day(16), "to": day(20)}})
		expect(t, s, 422, request{method: "POST", path: calendarPath, token: coordinator, body: map[string]any{"from": "next week"}})
		expect(t, s, 404, request{method: "POST", path: "/api/v1/hosts/999999/availability", token: coordinator, body: map[string]any{"from": day(16), "to": day(20)}})
		expect(t, s, 200, request{method: "DELETE", path: calendarPath + "?from=" + day(10) + "&to=" + day(10), token: coordinator})
		expect(t, s, 422, request{method: "DELETE", path: calendarPath + "?from=" + day(6), token: coordinator})
		expect(t, s, 404, request{method: "DELETE", path: "/api/v1/hosts/999999/availability?from=" + day(6) + "&to=" + day(6), token: coordinator})
		// A guest booked on the night of day 12 keeps it in the calendar.
		guestStay(t, s, sueID, today.AddDays(12))
		expect(t, s, 409, request{method: "DELETE", path: calendarPath + "?from=" + day(12) + "&to=" + day(12), token: coordinator})
		expect(t, s, 200, request{method: "GET", path: sue + "/guests", token: coordinator})
		expect(t, s, 404, request{method: "GET", path: "/api/v1/hosts/999999/guests", token: coordinator})

		expect(t, s, 200, request{method: "POST", path: raj + "/approve", token: coordinator, body: map[string]any{"on": day(-1)}})
		expect(t, s, 422, request{method: "POST", path: raj + "/suspend", token: coordinator, body: map[string]any{"reason": " "}})
		expect(t, s, 200, request{method: "POST", path: raj + "/suspend", token: coordinator, body: map[string]any{"reason": "Moving house."}})
		expect(t, s, 409, request{method: "POST", path: raj + "/suspend", token: coordinator, body: map[string]any{"reason": "Again."}})
		expect(t, s, 404, request{method: "POST", path: "/api/v1/hosts/999999/suspend", token: coordinator, body: map[string]any{"reason": "x"}})
		expect(t, s, 200, request{method: "POST", path: raj + "/leave", token: admin})
		expect(t, s, 409, request{method: "POST", path: raj + "/leave", token: coordinator})
		expect(t, s, 404, request{method: "POST", path: "/api/v1/hosts/999999/leave", token: coordinator})
		expect(t, s, 409, request{method: "PUT", path: raj + "/availability", token: coordinator, body: map[string]any{"ranges": []any{}}})
		expect(t, s, 409, request{method: "POST", path: raj + "/availability", token: coordinator, body: map[string]any{"from": day(16), "to": day(20)}})
	})

	t.Run("bookings", func(t *testing.T) {
		search := fmt.Sprintf("/api/v1/availability?person_id=%d&arrive=%s&depart=%s", w.mum.ID, w.arrive, w.depart)
		expect(t, s, 200, request{method: "GET", path: search, token: w.aliceT})
		expect(t, s, 422, request{method: "GET", path: "/api/v1/availability?person_id=x&arrive=2027-02-30", token: duty})
		expect(t, s, 404, request{method: "GET", path: fmt.Sprintf("/api/v1/availability?person_id=999999&arrive=%s&depart=%s", w.arrive, w.depart), token: duty})

		holdBody := func(personID, bed int64) map[string]any {
			return map[string]any{"person_id": personID, "place": map[string]any{"kind": "bed", "id": bed}, "arrive": w.arrive, "depart": w.depart}
		}
		r := expect(t, s, 201, request{method: "POST", path: "/api/v1/holds", token: w.aliceT, body: holdBody(w.mum.ID, w.beds[0].ID)})
		hold := r.json(t)["id"].(string)
		expect(t, s, 409, request{method: "POST", path: "/api/v1/holds", token: w.bobT, body: holdBody(w.dad.ID, w.beds[0].ID)})
		expect(t, s, 422, request{method: "POST", path: "/api/v1/holds", token: duty, body: map[string]any{"person_id": w.mum.ID, "place": map[string]any{"kind": "bed", "id": w.beds[0].ID}, "arrive": day(0), "depart": day(30)}})
		expect(t, s, 404, request{method: "POST", path: "/api/v1/holds", token: duty, body: holdBody(999999, w.beds[0].ID)})
		r = expect(t, s, 201, request{method: "POST", path: "/api/v1/holds", token: w.bobT, body: holdBody(w.dad.ID, w.beds[1].ID)})
		expect(t, s, 204, request{method: "DELETE", path: "/api/v1/holds/" + r.json(t)["id"].(string), token: w.bobT})
		expect(t, s, 404, request{method: "DELETE", path: "/api/v1/holds/" + r.json(t)["id"].(string), token: w.bobT})

		key := map[string]string{"Idempotency-Key": "contract-attempt-1"}
		r = expect(t, s, 201, request{method: "POST", path: "/api/v1/bookings", token: w.aliceT, body: map[string]any{"hold_id": hold}, headers: key})
		expect(t, s, 201, request{method: "POST", path: "/api/v1/bookings", token: w.aliceT, body: map[string]any{"hold_id": hold}, headers: key}) // replayed
		id := int64(r.json(t)["id"].(float64))
		expect(t, s, 404, request{method: "POST", path: "/api/v1/bookings", token: duty, body: map[string]any{"hold_id": "no-such-hold"}})
		expect(t, s, 422, request{method: "POST", path: "/api/v1/bookings", token: duty, body: map[string]any{}})
		expect(t, s, 200, request{method: "GET", path: "/api/v1/bookings", token: w.aliceT})
		expect(t, s, 200, request{method: "GET", path: "/api/v1/bookings?status=confirmed&limit=1", token: duty})
		expect(t, s, 422, request{method: "GET", path: "/api/v1/bookings?reference=K7M-4Q0&mobile=hello", token: duty})
		bookingPath := fmt.Sprintf("/api/v1/bookings/%d", id)
		expect(t, s, 200, request{method: "GET", path: bookingPath, token: w.aliceT})
		expect(t, s, 200, request{method: "GET", path: "/api/v1/bookings/" + r.json(t)["reference"].(string), token: duty})
		expect(t, s, 404, request{method: "GET", path: "/api/v1/bookings/999999", token: duty})

		// Changes, as TestStayChangesAPI makes them: extend by two nights,
		// meet someone booked on the night after, end early, move the last
		// night.
		arrive, _ := calendar.Parse(w.arrive)
		depart, _ := calendar.Parse(w.depart)
		expect(t, s, 200, request{method: "POST", path: bookingPath + "/extend", token: duty, body: map[string]any{"depart": depart.AddDays(2).String(), "reason": "Carer's shift changed"}})
		if _, _, err := s.booking.Confirm(ctx, staffPrincipal, mustHold(t, s, w.dad.ID, w.beds[0], depart.AddDays(2), depart.AddDays(3)), ""); err != nil {
			t.Fatal(err)
		}
		expect(t, s, 409, request{method: "POST", path: bookingPath + "/extend", token: duty, body: map[string]any{"depart": depart.AddDays(3).String(), "reason": "r"}})
		expect(t, s, 422, request{method: "POST", path: bookingPath + "/extend", token: duty, body: map[string]any{"depart": "soon"}})
		expect(t, s, 404, request{method: "POST", path: "/api/v1/bookings/999999/extend", token: duty, body: map[string]any{"depart": depart.AddDays(1).String(), "reason": "r"}})
		expect(t, s, 422, request{method: "POST", path: bookingPath + "/end", token: duty, body: map[string]any{"on": arrive.String(), "reason": "r"}})
		expect(t, s, 200, request{method: "POST", path: bookingPath + "/end", token: duty, body: map[string]any{"on": arrive.AddDays(2).String(), "reason": "Carer back early"}})
		expect(t, s, 404, request{method: "POST", path: "/api/v1/bookings/999999/end", token: duty, body: map[string]any{"on": arrive.AddDays(1).String(), "reason": "r"}})
		expect(t, s, 422, request{method: "POST", path: bookingPath + "/move", token: duty, body: map[string]any{"place": map[string]any{"kind": "bed", "id": w.beds[1].ID}, "reason": "r", "surprise": 1}})
		r = expect(t, s, 200, request{method: "POST", path: bookingPath + "/move", token: duty, body: map[string]any{
			"place": map[string]any{"kind": "bed", "id": w.beds[1].ID}, "from": arrive.AddDays(1).String(), "reason": "Room 1 to be redecorated"}})
		moved := fmt.Sprintf("/api/v1/bookings/%d", int64(r.json(t)["id"].(float64)))
		expect(t, s, 404, request{method: "POST", path: "/api/v1/bookings/999999/move", token: duty, body: map[string]any{"place": map[string]any{"kind": "bed", "id": w.beds[1].ID}, "reason": "r"}})
		// Room 2 is held for Bob's dad on the nights of the stay made first.
		expect(t, s, 409, request{method: "POST", path: fmt.Sprintf("/api/v1/bookings/%d/move", stay.ID), token: duty, body: map[string]any{"place": map[string]any{"kind": "bed", "id": w.beds[1].ID}, "reason": "r"}})

		expect(t, s, 200, request{method: "POST", path: moved + "/cancel", token: duty, body: map[string]any{"reason": "Plans changed"}})
		expect(t, s, 409, request{method: "POST", path: moved + "/cancel", token: duty, body: map[string]any{"reason": "Plans changed"}})
		expect(t, s, 404, request{method: "POST", path: "/api/v1/bookings/999999/cancel", token: duty, body: map[string]any{"reason": "r"}})
		expect(t, s, 422, request{method: "POST", path: bookingPath + "/cancel", token: duty, body: map[string]any{"reason": 5}})
		expect(t, s, 409, request{method: "POST", path: moved + "/end", token: duty, body: map[string]any{"on": arrive.AddDays(2).String(), "reason": "r"}})
		expect(t, s, 200, request{method: "POST", path: bookingPath + "/cancel", token: w.aliceT})
	})

	t.Run("emergencies", func(t *testing.T) {
		if _, err := db.ExecContext(ctx, "UPDATE carers SET emergency_card = 'LDS-EC-0301' WHERE id = ?", w.bob.ID); err != nil {
			t.Fatal(err)
		}
		expect(t, s, 200, request{method: "GET", path: "/api/v1/emergency/lookup?card=lds-ec-0301", token: duty})
		expect(t, s, 404, request{method: "GET", path: "/api/v1/emergency/lookup?card=NOPE", token: duty})
		expect(t, s, 422, request{method: "GET", path: "/api/v1/emergency/lookup", token: duty})

		tonight := fmt.Sprintf("person_id=%d&arrive=%s&depart=%s", w.dad.ID, day(0), day(2))
		r := expect(t, s, 200, request{method: "GET", path: "/api/v1/emergency/options?" + tonight, token: duty})
		opts, _ := r.json(t)["options"].([]any)
		if len(opts) == 0 {
			t.Fatalf("no emergency options: %s", r.body)
		}
		place := opts[0].(map[string]any)["place"]
		expect(t, s, 422, request{method: "GET", path: "/api/v1/emergency/options?person_id=x", token: duty})
		expect(t, s, 404, request{method: "GET", path: fmt.Sprintf("/api/v1/emergency/options?person_id=999999&arrive=%s&depart=%s", day(0), day(2)), token: duty})

		placement := map[string]any{"person_id": w.dad.ID, "place": place, "arrive": day(0), "depart": day(2)}
		expect(t, s, 422, request{method: "POST", path: "/api/v1/emergency/placements", token: duty, body: placement})
		placement["reason"] = "Carer in hospital"
		expect(t, s, 201, request{method: "POST", path: "/api/v1/emergency/placements", token: duty, body: placement})
		placement["person_id"] = w.mum.ID // the same place, the same nights
		expect(t, s, 409, request{method: "POST", path: "/api/v1/emergency/placements", token: duty, body: placement})
		placement["person_id"] = 999999
		expect(t, s, 404, request{method: "POST", path: "/api/v1/emergency/placements", token: duty, body: placement})

		spot := map[string]any{"person_id": w.mum.ID, "provider_id": w.home.ID, "bed_type": "residential", "nightly_rate_pence": 21000, "arrive": day(0), "depart": day(1), "reason": "Nothing in block beds tonight"}
		expect(t, s, 201, request{method: "POST", path: "/api/v1/emergency/spot-placements", token: duty, body: spot})
		expect(t, s, 409, request{method: "POST", path: "/api/v1/emergency/spot-placements", token: duty, body: spot}) // she is placed already
		spot["provider_id"] = 999999
		expect(t, s, 404, request{method: "POST", path: "/api/v1/emergency/spot-placements", token: duty, body: spot})
		spot["provider_id"], spot["reason"] = w.home.ID, ""
		expect(t, s, 422, request{method: "POST", path: "/api/v1/emergency/spot-placements", token: duty, body: spot})

		expect(t, s, 200, request{method: "GET", path: "/api/v1/audit?actor_kind=staff&limit=5", token: admin})
		expect(t, s, 422, request{method: "GET", path: "/api/v1/audit?from=yesterday", token: admin})
	})

	t.Run("texts, feedback and reports", func(t *testing.T) {
		expect(t, s, 200, request{method: "GET", path: "/api/v1/messages?limit=2", token: admin})
		expect(t, s, 422, request{method: "GET", path: "/api/v1/messages?status=lost", token: admin})
		expect(t, s, 200, request{method: "GET", path: fmt.Sprintf("/api/v1/messages/%d", messageID), token: admin})
		expect(t, s, 404, request{method: "GET", path: "/api/v1/messages/999999", token: admin})

		got := time.Date(2027, 3, 5, 10, 0, 0, 0, time.UTC)
		if _, err := db.NewRaw("INSERT INTO stay_feedback (booking_id, carer_id, rating, comment, replies, received_at, last_reply_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			stay.ID, w.alice.ID, 4, "Staff were lovely", 2, got, got).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		expect(t, s, 200, request{method: "GET", path: "/api/v1/feedback?from=2027-03-01&to=2027-03-31", token: admin})
		expect(t, s, 422, request{method: "GET", path: "/api/v1/feedback?from=2027-02-30", token: admin})

		period := "?from=" + day(-5) + "&to=" + day(60)
		for _, name := range reports.Names {
			path := "/api/v1/reports/" + name + period
			expect(t, s, 200, request{method: "GET", path: path, token: admin})
			expect(t, s, 200, request{method: "GET", path: path + "&format=csv", token: admin})
			expect(t, s, 422, request{method: "GET", path: "/api/v1/reports/" + name + "?from=2027-03-01", token: admin})
		}
	})

	t.Run("staff accounts", func(t *testing.T) {
		expect(t, s, 200, request{method: "GET", path: "/api/v1/users?role=duty", token: admin})
		expect(t, s, 422, request{method: "GET", path: "/api/v1/users?role=boss", token: admin})
		r := expect(t, s, 201, request{method: "POST", path: "/api/v1/users", token: admin, body: map[string]string{"email": "sam.contract@example.org", "name": "Sam Contract", "role": "duty"}})
		sam := fmt.Sprintf("/api/v1/users/%d", int64(r.json(t)["user"].(map[string]any)["id"].(float64)))
		oneTime := r.json(t)["one_time_password"].(string)
		expect(t, s, 409, request{method: "POST", path: "/api/v1/users", token: admin, body: map[string]string{"email": "sam.contract@example.org", "name": "Sam Again", "role": "duty"}})
		expect(t, s, 422, request{method: "POST", path: "/api/v1/users", token: admin, body: map[string]string{"email": "new@example.org", "name": "New", "role": "boss"}})
		expect(t, s, 200, request{method: "GET", path: sam, token: admin})
		expect(t, s, 404, request{method: "GET", path: "/api/v1/users/999999", token: admin})

		// A first sign-in with the one-time password asks for a new one.
		r = expect(t, s, 200, request{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "sam.contract@example.org", "password": oneTime}})
		pending, _ := r.json(t)["pending_token"].(string)
		expect(t, s, 422, request{method: "POST", path: "/api/v1/auth/login/password", body: map[string]string{"pending_token": pending, "new_password": "short"}})
		expect(t, s, 401, request{method: "POST", path: "/api/v1/auth/login/password", body: map[string]string{"pending_token": "made-up", "new_password": "sam's own long password"}})
		// A sign-in waiting for a new password is not setting up an app.
		expect(t, s, 409, request{method: "POST", path: "/api/v1/auth/login/enrolment", body: map[string]string{"pending_token": pending}})
		expect(t, s, 200, request{method: "POST", path: "/api/v1/auth/login/password", body: map[string]string{"pending_token": pending, "new_password": "sam's own long password"}})

		me := s.do(t, request{method: "GET", path: "/api/v1/auth/me", token: admin}).json(t)
		self := fmt.Sprintf("/api/v1/users/%d", int64(me["id"].(float64)))
		expect(t, s, 200, request{method: "POST", path: sam + "/disable", token: admin, body: map[string]string{"reason": "on leave"}})
		expect(t, s, 403, request{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "sam.contract@example.org", "password": "sam's own long password"}})
		expect(t, s, 409, request{method: "POST", path: self + "/disable", token: admin})
		expect(t, s, 404, request{method: "POST", path: "/api/v1/users/999999/disable", token: admin})
		expect(t, s, 200, request{method: "POST", path: sam + "/enable", token: admin})
		expect(t, s, 404, request{method: "POST", path: "/api/v1/users/999999/enable", token: admin})
		expect(t, s, 200, request{method: "PUT", path: sam + "/role", token: admin, body: map[string]string{"role": "coordinator", "reason": "moved teams"}})
		expect(t, s, 422, request{method: "PUT", path: sam + "/role", token: admin, body: map[string]string{"role": "boss"}})
		expect(t, s, 409, request{method: "PUT", path: self + "/role", token: admin, body: map[string]string{"role": "duty"}})
		expect(t, s, 404, request{method: "PUT", path: "/api/v1/users/999999/role", token: admin, body: map[string]string{"role": "duty"}})
		expect(t, s, 200, request{method: "POST", path: sam + "/reset-password", token: admin, body: map[string]string{"reason": "forgot it"}})
		expect(t, s, 404, request{method: "POST", path: "/api/v1/users/999999/reset-password", token: admin})
		expect(t, s, 200, request{method: "POST", path: sam + "/reset-second-factor", token: admin})
		expect(t, s, 404, request{method: "POST", path: "/api/v1/users/999999/reset-second-factor", token: admin})
		for _, verb := range []string{"disable", "enable", "reset-password", "reset-second-factor"} {
			expect(t, s, 422, request{method: "POST", path: sam + "/" + verb, token: admin, body: map[string]any{"reason": 5}})
		}
	})

	t.Run("signing in and out", func(t *testing.T) {
		// Passwords (s.signIn has signed in, and set up admins' apps).
		expect(t, s, 422, request{method: "POST", path: "/api/v1/auth/login", body: map[string]string{}})
		expect(t, s, 401, request{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "nobody@example.org", "password": "a long test password"}})
		expect(t, s, 401, request{method: "POST", path: "/api/v1/auth/login/enrolment", body: map[string]string{"pending_token": "made-up"}})
		expect(t, s, 401, request{method: "POST", path: "/api/v1/auth/login/enrolment/confirm", body: map[string]string{"pending_token": "made-up", "code": "123456"}})
		expect(t, s, 200, request{method: "GET", path: "/api/v1/auth/me", token: duty})
		leaving := s.signIn(t, "duty")
		expect(t, s, 204, request{method: "POST", path: "/api/v1/auth/logout", token: leaving})
		expect(t, s, 401, request{method: "GET", path: "/api/v1/auth/me", token: leaving})

		// A member of staff's own password and authenticator app.
		expect(t, s, 422, request{method: "POST", path: "/api/v1/auth/me/password", token: duty, body: map[string]string{"current_password": "wrong", "new_password": "another long password"}})
		expect(t, s, 204, request{method: "POST", path: "/api/v1/auth/me/password", token: duty, body: map[string]string{"current_password": "a long test password", "new_password": "another long password"}})
		r := expect(t, s, 200, request{method: "POST", path: "/api/v1/auth/me/second-factor", token: duty})
		expect(t, s, 422, request{method: "POST", path: "/api/v1/auth/me/second-factor/confirm", token: duty, body: map[string]string{"code": ""}})
		expect(t, s, 200, request{method: "POST", path: "/api/v1/auth/me/second-factor/confirm", token: duty, body: map[string]string{"code": appCode(t, r.json(t)["secret"].(string), time.Now())}})
		expect(t, s, 409, request{method: "POST", path: "/api/v1/auth/me/second-factor", token: admin})
		expect(t, s, 409, request{method: "POST", path: "/api/v1/auth/me/second-factor/confirm", token: admin, body: map[string]string{"code": "123456"}})

		// The second factor at sign-in, on a clock the test moves.
		sw := newStaffWorld(t, db)
		_, secret, _ := sw.admin(t, "contract-admin@example.org")
		pending := sw.pending(t, "contract-admin@example.org", "second_factor")
		expect(t, sw.testServer, 422, request{method: "POST", path: "/api/v1/auth/login/second-factor", body: map[string]string{"pending_token": pending, "code": ""}})
		expect(t, sw.testServer, 401, request{method: "POST", path: "/api/v1/auth/login/second-factor", body: map[string]string{"pending_token": "made-up", "code": "123456"}})
		expect(t, sw.testServer, 409, request{method: "POST", path: "/api/v1/auth/login/password", body: map[string]string{"pending_token": pending, "new_password": "a new long password"}})
		expect(t, sw.testServer, 200, request{method: "POST", path: "/api/v1/auth/login/second-factor", body: map[string]string{"pending_token": pending, "code": appCode(t, secret, sw.clock.Now())}})
		expect(t, sw.testServer, 422, request{method: "POST", path: "/api/v1/auth/login/enrolment", body: map[string]any{"pending_token": 5}})

		// A sign-in waiting for a new password, at other steps' endpoints.
		r = expect(t, s, 201, request{method: "POST", path: "/api/v1/users", token: admin, body: map[string]string{"email": "new.password@example.org", "name": "New Password", "role": "duty"}})
		newPassword := sw.testServer.do(t, request{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "new.password@example.org", "password": r.json(t)["one_time_password"].(string)}}).json(t)["pending_token"].(string)
		expect(t, sw.testServer, 409, request{method: "POST", path: "/api/v1/auth/login/enrolment/confirm", body: map[string]string{"pending_token": newPassword, "code": "123456"}})
		expect(t, sw.testServer, 409, request{method: "POST", path: "/api/v1/auth/login/second-factor", body: map[string]string{"pending_token": newPassword, "code": "123456"}})

		// Codes by text, for carers.
		expect(t, s, 202, request{method: "POST", path: "/api/v1/auth/code", body: map[string]string{"phone": "07700 900123"}})
		expect(t, s, 422, request{method: "POST", path: "/api/v1/auth/code", body: map[string]string{"phone": "not a number"}})
		expect(t, s, 422, request{method: "POST", path: "/api/v1/auth/code/verify", body: map[string]string{}})
		expect(t, s, 200, request{method: "POST", path: "/api/v1/auth/code/verify", body: map[string]string{"phone": carerMobile, "code": s.lastCode(t, carerMobile)}})
		expect(t, s, 401, request{method: "POST", path: "/api/v1/auth/code/verify", body: map[string]string{"phone": carerMobile, "code": "000000"}})

		expect(t, s, 200, request{method: "GET", path: "/api/v1/openapi.json"})
	})

	t.Run("too many tries", func(t *testing.T) {
		// One failure per account is allowed here, so the second try is
		// the 429; each step gets an account of its own.
		lw := newStaffWorld(t, db, func(d *web.Deps) { d.SignInPerAccount = 1 })
		ls := lw.testServer
		if _, err := lw.acc.CreateUser(ctx, accounts.NewUser{Email: "guessed@example.org", Name: "Guessed", Role: accounts.RoleDuty, Password: staffPassword}); err != nil {
			t.Fatal(err)
		}
		expect(t, ls, 401, request{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "guessed@example.org", "password": "wrong"}})
		r := expect(t, ls, 429, request{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "guessed@example.org", "password": staffPassword}})
		if r.header.Get("Retry-After") == "" {
			t.Error("a 429 without Retry-After")
		}

		lw.admin(t, "second-factor@example.org")
		pending := lw.pending(t, "second-factor@example.org", "second_factor")
		expect(t, ls, 401, request{method: "POST", path: "/api/v1/auth/login/second-factor", body: map[string]string{"pending_token": pending, "code": "000000"}})
		expect(t, ls, 429, request{method: "POST", path: "/api/v1/auth/login/second-factor", body: map[string]string{"pending_token": pending, "code": "000000"}})

		if _, err := lw.acc.CreateUser(ctx, accounts.NewUser{Email: "enrolling@example.org", Name: "Enrolling", Role: accounts.RoleAdmin, Password: staffPassword}); err != nil {
			t.Fatal(err)
		}
		pending = lw.pending(t, "enrolling@example.org", "enrol_second_factor")
		expect(t, ls, 200, request{method: "POST", path: "/api/v1/auth/login/enrolment", body: map[string]string{"pending_token": pending}})
		expect(t, ls, 422, request{method: "POST", path: "/api/v1/auth/login/enrolment/confirm", body: map[string]string{"pending_token": pending, "code": "000000"}})
		expect(t, ls, 429, request{method: "POST", path: "/api/v1/auth/login/enrolment/confirm", body: map[string]string{"pending_token": pending, "code": "000000"}})

		token, _ := lw.staff(t, "own-password@example.org", accounts.RoleDuty)
		wrongPassword := map[string]string{"current_password": "wrong", "new_password": "another long password"}
		expect(t, ls, 422, request{method: "POST", path: "/api/v1/auth/me/password", token: token, body: wrongPassword})
		expect(t, ls, 429, request{method: "POST", path: "/api/v1/auth/me/password", token: token, body: wrongPassword})

		// Codes by text: three asks for one number in the window, and ten
		// wrong codes (s's own limits; the first ask was above).
		for range 2 {
			expect(t, s, 202, request{method: "POST", path: "/api/v1/auth/code", body: map[string]string{"phone": carerMobile}})
		}
		expect(t, s, 429, request{method: "POST", path: "/api/v1/auth/code", body: map[string]string{"phone": carerMobile}})
		for range 9 {
			expect(t, s, 401, request{method: "POST", path: "/api/v1/auth/code/verify", body: map[string]string{"phone": carerMobile, "code": "000000"}})
		}
		expect(t, s, 429, request{method: "POST", path: "/api/v1/auth/code/verify", body: map[string]string{"phone": carerMobile, "code": "000000"}})
	})

	t.Run("a dependency down", func(t *testing.T) {
		// Redis not answering: a hold is a 503 with Retry-After
		// (TestHolds_RedisDown).
		dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
		t.Cleanup(func() { dead.Close() })
		rs := newTestServer(t, db, func(d *web.Deps) {
			d.Booking = booking.NewService(db, d.Providers, d.Notify, redisstore.NewHoldStore(dead, "x:"), booking.Options{})
		})
		expect(t, rs, 503, request{method: "POST", path: "/api/v1/holds", token: w.aliceT, body: map[string]any{
			"person_id": w.mum.ID, "place": map[string]any{"kind": "bed", "id": w.beds[1].ID}, "arrive": day(100), "depart": day(102)}})
	})

	// Every operation's success was seen, and so checked against the
	// document. With -v, the log lists the errors each operation declares
	// that this test did not reach (besides 500 and 503, which every
	// operation declares), for whoever wants to reach more of them.
	seenAnswers.Lock()
	var missed, unreached []string
	for _, op := range ops {
		if !seenAnswers.answers[answered{t.Name(), op.method, op.path, op.success}] {
			missed = append(missed, fmt.Sprintf("%s (%d)", op, op.success))
		}
		var statuses []string
		for _, status := range op.declared {
			if status != 500 && status != 503 && !seenAnswers.answers[answered{t.Name(), op.method, op.path, status}] {
				statuses = append(statuses, strconv.Itoa(status))
			}
		}
		if len(statuses) > 0 {
			unreached = append(unreached, fmt.Sprintf("%s: %s", op, strings.Join(statuses, ", ")))
		}
	}
	seenAnswers.Unlock()
	t.Logf("declared statuses this test does not reach:\n  %s", strings.Join(unreached, "\n  "))
	if len(missed) > 0 {
		t.Errorf("%d of %d operations never answered with their success status here, so their success answer was never checked against the document:\n  %s",
			len(missed), len(ops), strings.Join(missed, "\n  "))
	}
}

// revise PATCHes path with the ETag a GET answered (200), then with that
// now stale ETag again (412).
func revise(t *testing.T, s *testServer, path, token string, first, again map[string]any) {
	t.Helper()
	etag := expect(t, s, 200, request{method: "GET", path: path, token: token}).header.Get("ETag")
	expect(t, s, 200, request{method: "PATCH", path: path, token: token, body: first, headers: map[string]string{"If-Match": etag}})
	expect(t, s, 412, request{method: "PATCH", path: path, token: token, body: again, headers: map[string]string{"If-Match": etag}})
}

// guestStay books a guest with host hostID for two nights from arrive,
// written straight to the database as TestHostCalendarRangesAPI does.
func guestStay(t *testing.T, s *testServer, hostID int64, arrive calendar.Date) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	carer := booking.Carer{Name: "Guest's Carer", Mobile: "+447700900359", Postcode: "LS6 2AB", Latitude: 53.8, Longitude: -1.5,
		AllowanceNights: 28, AllowanceYearStarts: arrive.AddDays(-30), CreatedAt: now, UpdatedAt: now}
	if _, err := s.db.NewInsert().Model(&carer).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	person := booking.Person{CarerID: carer.ID, Name: "Joan Guest", DateOfBirth: calendar.Date{Year: 1941, Month: 5, Day: 2},
		Needs: []string{}, Requirements: []string{}, CreatedAt: now, UpdatedAt: now}
	if _, err := s.db.NewInsert().Model(&person).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	b := booking.Booking{Reference: "GST-001", Status: booking.StatusConfirmed, Kind: booking.KindPlanned, PersonID: person.ID,
		CarerID: carer.ID, PlaceKind: booking.PlaceHost, PlaceID: hostID, Arrive: arrive, Depart: arrive.AddDays(2), Nights: 2,
		CreatedByKind: "staff", CreatedByID: 1, CreatedAt: now, UpdatedAt: now}
	if _, err := s.db.NewInsert().Model(&b).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	for n := range 2 {
		night := booking.Night{PlaceKind: booking.PlaceHost, PlaceID: hostID, Night: arrive.AddDays(n), BookingID: b.ID, PersonID: person.ID}
		if _, err := s.db.NewInsert().Model(&night).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// tooLarge sends only the headers of a request whose body would be one
// byte over web.BodyLimit, over a real connection to addr.
func tooLarge(t *testing.T, addr, method, path string) response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", method, path, web.BodyLimit+1)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// TestOpenAPI_ContractCatchesDrift: the validator behind the contract
// check does refuse answers the document does not declare, so the contract
// test cannot pass by checking nothing.
func TestOpenAPI_ContractCatchesDrift(t *testing.T) {
	s := newTestServer(t, dbtest.SQLite(t))
	c, err := loadContract(s)
	if err != nil {
		t.Fatal(err)
	}
	admin := s.signIn(t, "admin")
	me := s.do(t, request{method: "GET", path: "/api/v1/auth/me", token: admin}).json(t)
	user := fmt.Sprintf("/api/v1/users/%d", int64(me["id"].(float64)))
	real := s.do(t, request{method: "GET", path: user, token: admin})
	if real.status != 200 {
		t.Fatalf("GET %s = %d %s", user, real.status, real.body)
	}
	// The real answer, with its role changed to one the document's enum
	// does not have.
	var boss map[string]any
	if err := json.Unmarshal(real.body, &boss); err != nil {
		t.Fatal(err)
	}
	boss["role"] = "boss"
	bossBody, _ := json.Marshal(boss)
	boss["role"], boss["created_at"] = real.json(t)["role"], "yesterday"
	yesterdayBody, _ := json.Marshal(boss)
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	problemHeader := http.Header{"Content-Type": {"application/problem+json"}}

	for _, tc := range []struct {
		name           string
		method, path   string
		status         int
		header         http.Header
		body           string
		wantDocumented bool
		want           string // in the validator's messages; "" for no mismatch
	}{
		{"the real answer passes", "GET", user, 200, real.header, string(real.body), true, ""},
		{"a status the operation does not declare", "GET", user, 418, problemHeader,
			`{"type":"about:blank","title":"I'm a teapot","status":418,"detail":"No."}`, true, "418"},
		{"a value outside an enum", "GET", user, 200, jsonHeader, string(bossBody), true, "role"},
		{"a date-time that is not one", "GET", user, 200, jsonHeader, string(yesterdayBody), true, "created_at"},
		{"a problem missing a required field", "GET", "/api/v1/users/999999", 404, problemHeader,
			`{"type":"about:blank","title":"Not Found","status":404}`, true, "detail"},
		{"a problem whose status is text", "GET", "/api/v1/users/999999", 404, problemHeader,
			`{"type":"about:blank","title":"Not Found","status":"404","detail":"No such member of staff."}`, true, "status"},
		{"a content type the answer does not declare", "GET", user, 200, http.Header{"Content-Type": {"text/html"}}, "<p>hello</p>", true, "text/html"},
		{"a 503 without its Retry-After", "GET", user, 503, problemHeader,
			`{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"Try again."}`, true, "Retry-After"},
		{"a revisioned record without its ETag", "GET", "/api/v1/carers/1", 200, jsonHeader, `{}`, true, "ETag"},
		{"a route the document does not have", "GET", "/api/v1/no-such-thing", 404, problemHeader, `{}`, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			template, errs := c.mismatches(httptest.NewRequest(tc.method, tc.path, nil), tc.status, tc.header, []byte(tc.body))
			if documented := template != ""; documented != tc.wantDocumented {
				t.Fatalf("documented = %v, want %v", documented, tc.wantDocumented)
			}
			got := describeMismatch(errs)
			if len(errs) > 0 {
				t.Logf("the validator says:\n%s", got)
			}
			switch {
			case tc.want == "" && len(errs) > 0:
				t.Errorf("the validator refused a good answer:\n%s", got)
			case tc.want != "" && len(errs) == 0:
				t.Errorf("the validator let it through; want a mismatch about %q", tc.want)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Errorf("the validator said:\n%s\nwant it to mention %q", got, tc.want)
			}
		})
	}
}
