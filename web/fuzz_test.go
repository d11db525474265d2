package web_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/web"
)

// TestNoInputAnswers5xx sends malformed values to every field, query
// parameter and path parameter of every operation in the served OpenAPI
// document, signed in as each role the operation allows, on SQLite and
// PostgreSQL, and fails on any 5xx. Nothing here lists operations by hand:
// an operation added to the document is swept the next time this runs. What
// the sweep needs to know is how to make a valid value for a field, by its
// name and schema (validValue), so that one bad value at a time reaches the
// handler and the database behind otherwise good input.
//
// It samples systematically rather than sending the whole cross product:
// each field gets every bad value of the kinds its type could be mistaken
// for and a sample of the others (badValuesFor), and each request goes as
// the next of the operation's callers in turn, so every caller sees a
// spread of values; the good request goes as every caller. With -v the log
// shows each operation's statuses, to check the sweep reaches the handlers.
func TestNoInputAnswers5xx(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db, func(d *web.Deps) {
			// Each request says it comes from an address of its own (see
			// fuzzer.send), and the per-account limits are out of reach, so
			// the limits on signing in do not stop the sweep at the door.
			d.TrustedProxies = []string{"0.0.0.0"} // app.Test's connection
			d.SignInPerAddress, d.SignInPerAccount = 1<<30, 1<<30
		})
		withCodeSignIn(s)
		fz := &fuzzer{t: t, s: s}
		fz.newWorld()
		ops := fz.operations()
		if len(ops) < 40 {
			t.Fatalf("the OpenAPI document lists %d operations; expected the whole API", len(ops))
		}
		start := time.Now()
		for _, op := range ops {
			fz.sweep(op)
		}
		t.Logf("%d operations: %d body fields, %d query parameters, %d path parameters, %d headers; %d requests in %s; statuses %s; %d holds",
			len(ops), fz.bodyFields, fz.queryParams, fz.pathParams, fz.headers, fz.sent, time.Since(start).Round(time.Millisecond), fz.statusSummary(), fz.holds)
		if t.Failed() {
			fz.logFaults()
		}
	})
}

// fuzzWorld is one of everything the API acts on, and someone of each
// kind to sign in as. Operations that use up what they act on (confirming a
// hold, cancelling a booking, approving a host) get a new one after every
// success (fuzzer.renew), so each bad value meets a target in the state the
// operation expects.
type fuzzWorld struct {
	bookingWorld
	tracks                    []fuzzTrack // for the holds and bookings renew makes
	hostID, userID, bookingID int64
	messageID                 int64
	holdID                    string
	bookingArrive             calendar.Date // the nights of bookingID
	bookingDepart             calendar.Date
	bookingTrack              fuzzTrack         // and where it is
	staff                     map[string]int64  // role → a member of staff with it
	email                     map[string]string // role → their email address
	pending                   string            // a sign-in waiting for its second factor
	coordinator               string            // a coordinator's token, for making hosts
}

// fuzzTrack is a person and a bed for the stays renew makes, and a bed
// to move those stays to.
type fuzzTrack struct{ person, bed, moveTo int64 }

const fuzzPassword = "a long fuzz password"

func (fz *fuzzer) newWorld() {
	t, s := fz.t, fz.s
	t.Helper()
	ctx := context.Background()
	w := &fz.w
	w.bookingWorld = newBookingWorld(t, s)
	// Bob books for his dad a stay each time renew needs one: give him the
	// nights for it (the allowance is not what is being tested).
	if _, err := s.db.NewUpdate().Table("carers").Set("allowance_nights = 365").Where("id = ?", w.bob.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	w.staff, w.email = map[string]int64{}, map[string]string{}
	for i, role := range []accounts.Role{accounts.RoleAdmin, accounts.RoleDuty, accounts.RoleCoordinator, accounts.RoleDuty} {
		email := fmt.Sprintf("fuzz-%d@example.org", i)
		u, err := s.accounts.CreateUser(ctx, accounts.NewUser{Email: email, Name: "Fuzz " + string(role), Role: role, Password: fuzzPassword})
		if err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			w.userID = u.ID // the member of staff the users' endpoints act on
			continue
		}
		w.staff[string(role)], w.email[string(role)] = u.ID, email
	}
	// Three of Bob's people, each with a bed of their own, take turns at
	// the stays renew makes, so a year has room for them all.
	for i := range 3 {
		var beds [2]int64
		for j := range beds {
			bed, err := s.providers.CreateBed(ctx, setUpBy, w.home.ID, providers.BedInput{Label: fmt.Sprintf("Spare %d.%d", i, j), ContractID: w.beds[0].ContractID, BedType: "residential"})
			if err != nil {
				t.Fatal(err)
			}
			beds[j] = bed.ID
		}
		person := w.dad
		if i > 0 {
			person = booking.Person{CarerID: w.bob.ID, Name: fmt.Sprintf("Fuzz Person %d", i), DateOfBirth: w.dad.DateOfBirth,
				Needs: []string{}, Requirements: []string{}, CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
			if _, err := s.db.NewInsert().Model(&person).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		w.tracks = append(w.tracks, fuzzTrack{person: person.ID, bed: beds[0], moveTo: beds[1]})
	}
	w.coordinator = fz.session(fuzzOp{}, "coordinator")
	admin := fz.session(fuzzOp{}, "admin")
	if r := s.do(t, request{method: "PATCH", path: fmt.Sprintf("/api/v1/carers/%d", w.alice.ID), token: admin, body: map[string]any{"emergency_card": "FUZZ-CARD"}}); r.status != 200 {
		t.Fatalf("giving Alice an emergency card = %d %s", r.status, r.body)
	}
	login := s.do(t, request{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": w.email["admin"], "password": fuzzPassword}})
	if login.status != 200 || login.json(t)["pending_token"] == nil {
		t.Fatalf("admin's sign-in = %d %s", login.status, login.body)
	}
	w.pending = login.json(t)["pending_token"].(string)
	w.hostID = fz.newHost(true)
	w.holdID = fz.newHold()
	w.bookingID = fz.newBooking()
	if err := s.db.NewSelect().Model((*notify.Message)(nil)).Column("id").Order("id").Limit(1).Scan(ctx, &w.messageID); err != nil {
		t.Fatalf("the booking queued no text: %v", err)
	}
}

// newHost adds a host, approved or still an applicant.
func (fz *fuzzer) newHost(approved bool) int64 {
	t, s := fz.t, fz.s
	t.Helper()
	id := createdID(t, s.do(t, request{method: "POST", path: "/api/v1/hosts", token: fz.w.coordinator, body: hostBody(fmt.Sprintf("Fuzz Host %d", fz.unique()), fz.mobile())}))
	fz.mobileSpent()
	if approved {
		if r := s.do(t, request{method: "POST", path: fmt.Sprintf("/api/v1/hosts/%d/approve", id), token: fz.w.coordinator, body: map[string]any{}}); r.status != 200 {
			t.Fatalf("approving a host = %d %s", r.status, r.body)
		}
	}
	return id
}

// newHold holds two nights for one of Bob's people, on the next track in
// turn, later each time.
func (fz *fuzzer) newHold() string {
	t, s := fz.t, fz.s
	t.Helper()
	fz.holds++
	track := fz.w.tracks[fz.holds%len(fz.w.tracks)]
	// Four days apart on a track, so that a stay extended by a night each
	// way does not meet the next.
	arrive := calendar.Today(calendar.SystemClock).AddDays(30 + 4*(fz.holds/len(fz.w.tracks)))
	if arrive.After(calendar.Today(calendar.SystemClock).AddDays(360)) {
		t.Fatal("the sweep used up more holds than a year has room for; make fewer succeed")
	}
	r := s.do(t, request{method: "POST", path: "/api/v1/holds", token: fz.w.bobT, body: map[string]any{
		"person_id": track.person, "place": map[string]any{"kind": "bed", "id": track.bed}, "arrive": arrive.String(), "depart": arrive.AddDays(2).String(),
	}})
	if r.status != 201 {
		t.Fatalf("hold = %d %s", r.status, r.body)
	}
	fz.w.bookingArrive, fz.w.bookingDepart, fz.w.bookingTrack = arrive, arrive.AddDays(2), track
	return r.json(t)["id"].(string)
}

// newBooking confirms a new hold. Its nights are bookingArrive to
// bookingDepart.
func (fz *fuzzer) newBooking() int64 {
	fz.t.Helper()
	return createdID(fz.t, fz.s.do(fz.t, request{method: "POST", path: "/api/v1/bookings", token: fz.w.bobT, body: map[string]any{"hold_id": fz.newHold()}}))
}

// renew replaces what op uses up when it succeeds: the hold a booking
// confirms or a release lets go, the booking a cancel ends, the host an
// approval, suspension or leaving changes (approve wants an applicant).
func (fz *fuzzer) renew(op fuzzOp) {
	switch {
	case op.method == "POST" && op.path == "/api/v1/bookings", strings.HasPrefix(op.path, "/api/v1/holds/"):
		fz.w.holdID = fz.newHold()
	case op.method == "POST" && strings.HasPrefix(op.path, "/api/v1/bookings/{id}/"):
		fz.w.bookingID = fz.newBooking()
	case op.method == "POST" && strings.HasPrefix(op.path, "/api/v1/hosts/{id}/"):
		fz.w.hostID = fz.newHost(!strings.HasSuffix(op.path, "/approve"))
	}
}

func fuzzSession(t *testing.T, s *testServer, kind accounts.SubjectKind, id int64) string {
	t.Helper()
	token, _, err := s.accounts.StartSession(context.Background(), s.db, kind, id)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// fuzzOp is one operation as the OpenAPI document describes it.
type fuzzOp struct {
	method, path string
	summary, who string
	query        []fuzzParam
	body         map[string]any // the request body's schema, resolved; nil for none
}

type fuzzParam struct{ name, typ, description string }

func (op fuzzOp) String() string { return op.method + " " + op.path }

type fuzzer struct {
	t         *testing.T
	s         *testServer
	w         fuzzWorld
	doc       map[string]any
	n         int64 // makes values unique: names, emails, references
	mobileSeq int64 // the mobile number valid bodies use; see mobile
	holds     int   // made by newHold, each on nights of its own
	sent      int
	statuses  map[int]int // every request's
	opCounts  map[int]int // this operation's
	// what was swept, for the log
	bodyFields, queryParams, pathParams, headers int
}

// operations reads the served document: every path and method in it.
func (fz *fuzzer) operations() []fuzzOp {
	t := fz.t
	r := fz.s.do(t, request{method: "GET", path: "/api/v1/openapi.json"})
	if r.status != 200 {
		t.Fatalf("openapi.json = %d", r.status)
	}
	if err := json.Unmarshal(r.body, &fz.doc); err != nil {
		t.Fatal(err)
	}
	var ops []fuzzOp
	for path, item := range fz.doc["paths"].(map[string]any) {
		for method, raw := range item.(map[string]any) {
			o := raw.(map[string]any)
			op := fuzzOp{method: strings.ToUpper(method), path: path, summary: o["summary"].(string),
				who: strings.TrimSuffix(strings.TrimPrefix(o["description"].(string), "Who may call it: "), ".")}
			params, _ := o["parameters"].([]any)
			for _, p := range params {
				p := p.(map[string]any)
				if p["in"] == "query" {
					d, _ := p["description"].(string)
					typ, _ := p["schema"].(map[string]any)["type"].(string)
					op.query = append(op.query, fuzzParam{p["name"].(string), typ, d})
				}
			}
			if rb, ok := o["requestBody"].(map[string]any); ok {
				op.body = fz.resolve(rb["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any))
			}
			ops = append(ops, op)
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].path != ops[j].path {
			return ops[i].path < ops[j].path
		}
		return ops[i].method < ops[j].method
	})
	return ops
}

// resolve follows a $ref to its schema.
func (fz *fuzzer) resolve(schema map[string]any) map[string]any {
	ref, ok := schema["$ref"].(string)
	if !ok {
		return schema
	}
	name := strings.TrimPrefix(ref, "#/components/schemas/")
	def, ok := fz.doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
	if !ok {
		fz.t.Fatalf("the document refers to %s, which it does not define", ref)
	}
	return def
}

// callers says whom to sign in as for an operation, from the document's
// "Who may call it" sentence: "" is no one signed in.
func (fz *fuzzer) callers(op fuzzOp) []string {
	switch op.who {
	case "anyone":
		return []string{""}
	case "anyone signed in":
		return []string{"admin", "duty", "coordinator", "carer", "host"}
	case "staff":
		return []string{"admin", "duty", "coordinator"}
	}
	var who []string
	for _, word := range regexp.MustCompile(`[a-z]+`).FindAllString(op.who, -1) {
		switch word {
		case "admin", "duty", "coordinator", "carer", "host":
			who = append(who, word)
		}
	}
	if len(who) == 0 {
		fz.t.Fatalf("%s: cannot tell whom to sign in as from %q", op, op.who)
	}
	return who
}

// session starts a new session as caller, so an operation that ends one
// (signing out) spoils nothing for the next. The carer is the one whose is
// the target: Bob for the holds and bookings renew makes, else Alice.
func (fz *fuzzer) session(op fuzzOp, caller string) string {
	switch caller {
	case "":
		return ""
	case "carer":
		if strings.HasPrefix(op.path, "/api/v1/holds/") || strings.HasPrefix(op.path, "/api/v1/bookings/") {
			return fuzzSession(fz.t, fz.s, accounts.SubjectCarer, fz.w.bob.ID)
		}
		return fuzzSession(fz.t, fz.s, accounts.SubjectCarer, fz.w.alice.ID)
	case "host":
		return fuzzSession(fz.t, fz.s, accounts.SubjectHost, fz.w.hostID)
	}
	return fuzzSession(fz.t, fz.s, accounts.SubjectStaff, fz.w.staff[caller])
}

// pathID is a valid id for the path parameter in path: the thing named by
// the segment before it.
func (fz *fuzzer) pathID(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if p != "{id}" {
			continue
		}
		switch parts[i-1] {
		case "providers":
			return strconv.FormatInt(fz.w.home.ID, 10)
		case "beds":
			return strconv.FormatInt(fz.w.beds[0].ID, 10)
		case "contracts":
			return strconv.FormatInt(fz.w.beds[0].ContractID, 10)
		case "carers":
			return strconv.FormatInt(fz.w.alice.ID, 10)
		case "people":
			return strconv.FormatInt(fz.w.mum.ID, 10)
		case "hosts":
			return strconv.FormatInt(fz.w.hostID, 10)
		case "users":
			return strconv.FormatInt(fz.w.userID, 10)
		case "bookings":
			return strconv.FormatInt(fz.w.bookingID, 10)
		case "holds":
			return fz.w.holdID
		case "messages":
			return strconv.FormatInt(fz.w.messageID, 10)
		case "closures":
			return fz.newClosure() // closures_test.go
		}
		fz.t.Fatalf("%s: no fixture for the id of %q; add one to fuzzer.pathID", path, parts[i-1])
	}
	return ""
}

func (fz *fuzzer) unique() int64 { fz.n++; return fz.n }

// mobile is the mobile number for valid bodies: one of Ofcom's drama
// numbers not yet given to anyone. It moves on only when a request succeeds
// (mobileSpent), since the drama range has only a thousand numbers and most
// requests are refused.
func (fz *fuzzer) mobile() string { return fmt.Sprintf("07700 900%03d", 400+fz.mobileSeq%600) }

func (fz *fuzzer) mobileSpent() { fz.mobileSeq++ }

// validQuery is a good value for a query parameter, or "" to leave it out.
func (fz *fuzzer) validQuery(op fuzzOp, p fuzzParam) string {
	today := calendar.Today(calendar.SystemClock)
	switch {
	case strings.Contains(p.description, "RFC 3339"):
		if p.name == "to" {
			return time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		}
		return time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	case strings.Contains(p.description, "phone number"):
		return fz.mobile()
	case strings.HasPrefix(op.path, "/api/v1/emergency/") && p.name == "arrive":
		return today.String()
	case strings.HasPrefix(op.path, "/api/v1/emergency/") && p.name == "depart":
		return today.AddDays(2).String()
	}
	switch p.name {
	case "person_id":
		return strconv.FormatInt(fz.w.mum.ID, 10)
	case "arrive", "from":
		return fz.w.arrive
	case "depart", "to":
		return fz.w.depart
	case "reviews_due_by":
		return today.AddDays(400).String()
	case "near":
		return "53.80,-1.55"
	case "place_kind":
		return "bed"
	case "place_id":
		return strconv.FormatInt(fz.w.beds[0].ID, 10)
	case "actor_id", "target_id":
		return "1"
	case "limit":
		return "10"
	case "q":
		return "a"
	case "card":
		var card string
		if err := fz.s.db.NewSelect().Table("carers").ColumnExpr("emergency_card").Where("id = ?", fz.w.alice.ID).Scan(context.Background(), &card); err != nil {
			return "FUZZ-CARD"
		}
		return card
	case "role":
		return "duty"
	case "active", "new_home_confirmed":
		return "true"
	}
	return "" // status, cursor, template, kinds: all are optional
}

// validValue is a good value for a body field, by its name and schema and
// the operation it is for.
func (fz *fuzzer) validValue(op fuzzOp, name string, schema map[string]any) any {
	schema = fz.resolve(schema)
	if enum, ok := schema["enum"].([]any); ok && len(enum) > 0 {
		if name == "role" {
			return "duty" // admins need a second factor: keep the target simple
		}
		return enum[0]
	}
	today := calendar.Today(calendar.SystemClock)
	signIn := strings.HasPrefix(op.path, "/api/v1/auth/login")
	switch schema["type"] {
	case "object":
		props, _ := schema["properties"].(map[string]any)
		obj := map[string]any{}
		for field, s := range props {
			obj[field] = fz.validValue(op, field, s.(map[string]any))
		}
		return obj
	case "array":
		return []any{fz.validValue(op, name, schema["items"].(map[string]any))}
	case "boolean":
		return name == "active"
	case "number":
		if name == "longitude" {
			return -1.5267
		}
		return 53.8149
	case "integer":
		switch name {
		case "person_id":
			return fz.w.mum.ID
		case "contract_id":
			return fz.w.beds[0].ContractID
		case "provider_id":
			return fz.w.home.ID
		case "id": // place.id
			if strings.HasPrefix(op.path, "/api/v1/bookings/{id}/") {
				return fz.w.bookingTrack.moveTo // a bed free when the stay is
			}
			return fz.w.beds[1].ID
		case "capacity":
			return 2
		case "allowance_nights":
			return 28
		case "nightly_rate_pence":
			return 15000
		}
		return 1
	}
	if schema["format"] == "date" {
		stay := strings.HasPrefix(op.path, "/api/v1/bookings/{id}/") // a change to bookingID
		switch {
		case stay && name == "on": // ending early
			return fz.w.bookingArrive.AddDays(1).String()
		case stay && name == "from": // moving
			return fz.w.bookingArrive.String()
		case stay && name == "arrive": // extending, a night each way
			return fz.w.bookingArrive.AddDays(-1).String()
		case stay && name == "depart":
			return fz.w.bookingDepart.AddDays(1).String()
		case name == "date_of_birth":
			return "1950-05-01"
		case name == "allowance_year_starts":
			return "2026-04-01"
		case name == "on":
			return today.String()
		case strings.Contains(op.path, "contracts"): // a contract covering what is booked
			if name == "starts_on" {
				return today.String()
			}
			return today.AddDays(400).String()
		case strings.HasPrefix(op.path, "/api/v1/emergency/"): // tonight
			if name == "arrive" {
				return today.String()
			}
			return today.AddDays(2).String()
		case name == "starts_on", name == "arrive":
			return today.AddDays(20).String()
		}
		return today.AddDays(23).String() // ends_on, depart
	}
	switch {
	case strings.HasSuffix(name, "mobile"): // mobile, notifications_mobile
		return fz.mobile()
	case strings.HasSuffix(name, "phone"): // phone, emergency_contact_phone
		return "0113 496 0123"
	}
	switch name {
	case "name", "emergency_contact_name":
		return fmt.Sprintf("Fuzz Name %d", fz.unique())
	case "email":
		if signIn {
			return fz.w.email["duty"]
		}
		return fmt.Sprintf("fuzz.%d@example.org", fz.unique())
	case "postcode":
		return "LS7 1AB"
	case "password", "new_password":
		if signIn && name == "password" {
			return fuzzPassword
		}
		return fmt.Sprintf("another long password %d", fz.unique())
	case "current_password":
		return fuzzPassword
	case "pending_token":
		return fz.w.pending
	case "code":
		return "123456"
	case "hold_id":
		return fz.w.holdID
	case "reference":
		return fmt.Sprintf("FUZZ-%d", fz.unique())
	case "label":
		return fmt.Sprintf("Room %d", fz.unique())
	case "emergency_card":
		return fmt.Sprintf("CARD%d", fz.unique())
	case "bed_type":
		return "residential"
	case "kind":
		return "bed"
	case "address":
		return "14 Roundhay Road\nLeeds"
	case "override_reason":
		return "" // only the duty team may override, and only when needed
	case "reason", "emergency_plan", "staff_notes":
		return "Written by the fuzz test.\nSecond line."
	}
	return "fuzz"
}

// A field is a path into a body: keys and list indexes.
type fieldPath []any

func (p fieldPath) String() string {
	var b strings.Builder
	for _, part := range p {
		switch v := part.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(v)
		case int:
			fmt.Fprintf(&b, "[%d]", v)
		}
	}
	return b.String()
}

// bodyField is a field of a body: where it is, and its schema.
type bodyField struct {
	path   fieldPath
	schema map[string]any
}

// fields lists every field of a body schema, nested ones and list items
// included.
func (fz *fuzzer) fields(prefix fieldPath, schema map[string]any) []bodyField {
	schema = fz.resolve(schema)
	var out []bodyField
	add := func(p fieldPath, s map[string]any) {
		s = fz.resolve(s)
		out = append(out, bodyField{p, s})
		out = append(out, fz.fields(p, s)...)
	}
	switch schema["type"] {
	case "object":
		props, _ := schema["properties"].(map[string]any)
		names := make([]string, 0, len(props))
		for name := range props {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			add(append(append(fieldPath{}, prefix...), name), props[name].(map[string]any))
		}
	case "array":
		add(append(append(fieldPath{}, prefix...), 0), schema["items"].(map[string]any))
	}
	return out
}

// set puts v at path p in the decoded JSON value doc.
func set(doc any, p fieldPath, v any) {
	for i, part := range p {
		last := i == len(p)-1
		switch k := part.(type) {
		case string:
			m := doc.(map[string]any)
			if last {
				m[k] = v
				return
			}
			doc = m[k]
		case int:
			l := doc.([]any)
			if last {
				l[k] = v
				return
			}
			doc = l[k]
		}
	}
}

// placeholder marks where a bad value goes in a marshalled body: the bad
// values are raw JSON text, some of which encoding/json cannot produce.
const placeholder = "\"@@fuzz@@\""

// Bad values for a body field, as raw JSON, in kinds. A field gets every
// value of the kinds that could pass for its type (text for a string, dates
// for a date, numbers for a number) and a sample of the others, which the
// decoder refuses alike as the wrong type; every field gets every shape.
var (
	badChars = []string{
		// Characters no text field should take, and some it should.
		`"\u0000"`, `"a\u0000b"`, `"\u0001"`, `"\u0007"`, `"\u001b[2J"`, `"\u001f"`, `"\u007f"`, `"\u0085"`, `"\u009f"`,
		`"\t"`, `"a\r\nb"`, `"a\nb"`, `"\u2028"`, `"\ufeff"`, `"\ud800"`, "\"\xff\xfe\"", `""`, `" "`,
		`"'; DROP TABLE carers; --"`, `"%00"`, `"<script>alert(1)</script>"`, `"😀"`,
		// Over-long text (longer than any column limit; the 900 KB body
		// below tries one near the body limit).
		`"` + strings.Repeat("a", 20_000) + `"`, `"` + strings.Repeat("é", 2_000) + `"`,
	}
	// Numbers written as text, for fields that hold ids and codes.
	badNumberText = []string{`"NaN"`, `"Infinity"`, `"-Infinity"`, `"1e309"`, `"9223372036854775808"`, `"-1"`, `"0"`}
	// Dates outside 0001–9999, outside PostgreSQL's range, at the edges,
	// and written in ways PostgreSQL would read but Respite must not.
	badDates = []string{
		`"0000-01-01"`, `"0001-01-01"`, `"9999-12-31"`, `"10000-01-01"`, `"-0001-01-01"`, `"4714-11-24 BC"`, `"4713-01-01 BC"`,
		`"294277-01-01"`, `"5874898-01-01"`, `"2027-02-29"`, `"2026-00-10"`, `"infinity"`, `"epoch"`, `"1970-01-01T00:00:00Z"`,
	}
	// Numbers JSON can write but Go, SQL or both cannot hold.
	badNumbers = []string{
		`0`, `-1`, `1.5`, `-0`, `1e309`, `-1e309`, `1e-400`, `2147483648`, `-2147483649`, `4294967296`,
		`9223372036854775807`, `9223372036854775808`, `-9223372036854775808`, `-9223372036854775809`, `1e18`, `123456789012345678901234567890`,
	}
	// Wrong shapes, including nesting as deep as encoding/json allows.
	badShapes = []string{
		`null`, `true`, `{}`, `[]`, `["\u0000"]`, `{"a":"\u0000"}`,
		strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000),
		strings.Repeat(`{"a":`, 2_000) + "1" + strings.Repeat("}", 2_000),
	}
	someChars   = []string{`"\u0000"`, `"\u001f"`, `""`, `"` + strings.Repeat("9", 400) + `"`}
	someDates   = []string{`"0000-01-01"`, `"9999-12-31"`}
	someNumbers = []string{`0`, `1e309`, `-9223372036854775809`}
)

// badValuesFor picks the bad values for a field of the given schema.
func badValuesFor(schema map[string]any) []string {
	var kinds [][]string
	switch {
	case schema["format"] == "date":
		kinds = [][]string{badDates, someChars, badNumberText, someNumbers}
	case schema["type"] == "string":
		kinds = [][]string{badChars, badNumberText, someDates, someNumbers}
	case schema["type"] == "integer", schema["type"] == "number":
		kinds = [][]string{badNumbers, someChars, badNumberText[:4], someDates}
	default: // lists, objects, booleans
		kinds = [][]string{someChars, someNumbers, someDates}
	}
	var v []string
	for _, k := range append(kinds, badShapes) {
		v = append(v, k...)
	}
	return v
}

// badBodies replace the whole body.
var badBodies = []struct{ name, body, contentType string }{
	{"a list", `[]`, ""},
	{"a string", `"x"`, ""},
	{"null", `null`, ""},
	{"a number", `1e309`, ""},
	{"cut short", `{"a":`, ""},
	{"10,001 nested lists", strings.Repeat("[", 10_001) + strings.Repeat("]", 10_001), ""},
	{"100,000 nested lists", strings.Repeat("[", 100_000), ""},
	{"10,001 nested objects", strings.Repeat(`{"a":`, 10_001) + "1" + strings.Repeat("}", 10_001), ""},
	{"a NUL key", `{"\u0000":1}`, ""},
	{"a repeated key", `{"name":"a","name":"\u0000"}`, ""},
	{"invalid UTF-8", "{\"name\":\"\xff\"}", ""},
	{"a byte order mark", "\ufeff{}", ""},
	{"trailing text", `{} x`, ""},
	{"two objects", `{}{}`, ""},
	{"an empty object", `{}`, ""},
	{"no body", ``, ""},
	{"text/plain", `{}`, "text/plain"},
	{"a charset", `{}`, "application/json; charset=latin1"},
	// Just under the body limit (a body over it gets fasthttp's 413 before
	// any handler runs: TestBodyLimit).
	{"900 KB of name", `{"name":"` + strings.Repeat("a", 900_000) + `"}`, ""},
}

// Bad values for query and path parameters, already escaped for a URL.
var (
	// Characters no parameter should hold, and other shapes of text. The
	// long ones are as long as fasthttp's 4 KB read buffer allows: longer
	// request lines get its 431 before any handler runs (and app.Test an
	// error).
	badQueryText = []string{
		"%00", "a%00b", "%01", "%1B", "%1F", "%7F", "%C2%85", "%FF", "%C0%80", "%ED%A0%80", "%E2%80%A8", "", "%20", "+",
		"true", "%5B%5D", "%7B%7D", "'%3B--", strings.Repeat("a", 3_000), strings.Repeat("9", 2_000),
	}
	badQueryNumbers = []string{"NaN", "-Inf", "1e309", "-0", "1.5", "-1", "0", "9223372036854775807", "9223372036854775808", "-9223372036854775809"}
	// Points, dates and instants, for parameters that hold text.
	badQueryWords = []string{
		"NaN,NaN", "Inf,-Inf", "1e309,1e309", "53.8,NaN", "NaN,-1.5", "0,0",
		"0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01", "-0001-01-01", "4714-11-24%20BC", "294277-01-01", "2026-02-30", "infinity",
		// Instants (RFC 3339) at and past the ends of the databases' ranges.
		"0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00%2B14:00", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-14:00", "2026-11-29T25:00:00Z",
	}
	// Path ids: a segment is never a date or a point.
	badPathIDs = []string{
		"abc", "%00", "1%00", "%01", "%FF", "%C0%80", "%20", "%2e%2e", "0", "-1", "1.5", "1e3", "NaN",
		"9223372036854775807", "9223372036854775808", "-9223372036854775809", "0000-01-01", strings.Repeat("9", 2_000),
	}
)

// badQueryFor picks the bad values for a query parameter of the given type.
func badQueryFor(typ string) []string {
	v := append(append([]string{}, badQueryText...), badQueryNumbers...)
	if typ == "string" {
		v = append(v, badQueryWords...)
	}
	return v
}

// badHeaders are bad values for a header a handler keeps as text.
var badHeaders = []string{"\x01", "a\tb", "\xff\xfe", "\x7f", strings.Repeat("k", 201), strings.Repeat("é", 100)}

// sweep sends every bad value to every part of op: path, query, the headers
// its summary names, and body; one at a time, the rest good.
func (fz *fuzzer) sweep(op fuzzOp) {
	fz.renew(op) // a fresh target for operations that use theirs up
	callers := fz.callers(op)
	tokens := map[string]string{}
	for _, c := range callers {
		tokens[c] = fz.session(op, c)
	}
	turn := 0
	next := func() string { // whom to send the next request as
		turn++
		return tokens[callers[turn%len(callers)]]
	}
	path := func(id string) string {
		if id == "" {
			id = fz.pathID(op.path) // now: renew may have changed it
		}
		return strings.Replace(op.path, "{id}", id, 1)
	}
	query := func(bad string, badValue string) string {
		v := url.Values{}
		for _, q := range op.query {
			if good := fz.validQuery(op, q); good != "" && q.name != bad {
				v.Set(q.name, good)
			}
		}
		s := v.Encode()
		if bad != "" {
			if s != "" {
				s += "&"
			}
			s += bad + "=" + badValue
		}
		if s == "" {
			return ""
		}
		return "?" + s
	}
	body := func() any {
		if op.body == nil {
			return nil
		}
		return fz.validValue(op, "", op.body)
	}
	encode := func(b any) string {
		if b == nil {
			return ""
		}
		j, err := json.Marshal(b)
		if err != nil {
			fz.t.Fatal(err)
		}
		return string(j)
	}
	send := func(where, value, token, target, body, contentType string, headers ...string) int {
		status := fz.send(op, where, value, token, target, body, contentType, headers...)
		if status < 300 && op.method != "GET" {
			fz.mobileSpent()
			fz.renew(op)
		}
		return status
	}

	// Path parameters: bad ones (the good one is in every other request).
	if strings.Contains(op.path, "{id}") {
		fz.pathParams++
		for _, bad := range badPathIDs {
			send("path id", bad, next(), path(bad)+query("", ""), encode(body()), "")
		}
	}
	// Query parameters, and one the operation does not take.
	for _, q := range op.query {
		fz.queryParams++
		for _, bad := range badQueryFor(q.typ) {
			send("query "+q.name, bad, next(), path("")+query(q.name, bad), encode(body()), "")
		}
	}
	send("query", "an unknown NUL parameter", next(), path("")+query("%00", "%00"), encode(body()), "")
	// Headers the summary names.
	for _, h := range regexp.MustCompile(`\b[A-Z][a-z]+(?:-[A-Z][a-z]+)+\b`).FindAllString(op.summary, -1) {
		fz.headers++
		for _, bad := range badHeaders {
			send("header "+h, strconv.Quote(bad), next(), path("")+query("", ""), encode(body()), "", h, bad)
		}
	}
	// Body fields, then whole bodies.
	if op.body != nil {
		for _, f := range fz.fields(nil, op.body) {
			fz.bodyFields++
			for _, bad := range badValuesFor(f.schema) {
				b := body()
				set(b, f.path, placeholder[1:len(placeholder)-1])
				j := strings.Replace(encode(b), placeholder, bad, 1)
				send("body "+f.path.String(), bad, next(), path("")+query("", ""), j, "")
			}
		}
		for _, bad := range badBodies {
			send("body", bad.name, next(), path("")+query("", ""), bad.body, bad.contentType)
		}
	}
	// Last, the good request, as each caller.
	var good []string
	for _, c := range callers {
		status := send("nothing", "good request", tokens[c], path("")+query("", ""), encode(body()), "")
		good = append(good, fmt.Sprintf("%s %d", cmp.Or(c, "anyone"), status))
	}
	// With -v, the log shows that the sweep reached the handlers: the good
	// request's answers, and the statuses of the bad ones.
	fz.t.Logf("%s: good request as %s; %s", op, strings.Join(good, ", "), fz.opStatuses())
}

// send makes one request, fails the test on a 5xx, and returns the status.
// headers are pairs of name and value.
func (fz *fuzzer) send(op fuzzOp, where, value, token, target, body, contentType string, headers ...string) int {
	t := fz.t
	t.Helper()
	// Each request from an address of its own, so limits per address let
	// every one through to the handler.
	r := request{method: op.method, path: target, token: token, contentType: contentType,
		headers: map[string]string{"X-Forwarded-For": fmt.Sprintf("10.%d.%d.%d", fz.sent>>16&255, fz.sent>>8&255, fz.sent&255)}}
	for i := 0; i+1 < len(headers); i += 2 {
		r.headers[headers[i]] = headers[i+1]
	}
	if body != "" || contentType != "" {
		r.body = body
	}
	resp := fz.s.do(t, r)
	fz.sent++
	if fz.statuses == nil {
		fz.statuses, fz.opCounts = map[int]int{}, map[int]int{}
	}
	fz.statuses[resp.status]++
	fz.opCounts[resp.status]++
	if resp.status >= 500 {
		if len(value) > 40 {
			value = value[:40] + "…"
		}
		t.Errorf("%s: %s = %s answered %d (as %s)", op, where, value, resp.status, fz.callerOf(token))
	}
	return resp.status
}

// callerOf says whom a token belongs to, for a failure's message.
func (fz *fuzzer) callerOf(token string) string {
	if token == "" {
		return "no one"
	}
	p, err := fz.s.accounts.Authenticate(context.Background(), token)
	if err != nil {
		return "a session that has ended"
	}
	if p.Role != "" {
		return string(p.Role)
	}
	return string(p.Kind)
}

func (fz *fuzzer) statusSummary() string { return histogram(fz.statuses) }

// opStatuses sums up the statuses since it was last called.
func (fz *fuzzer) opStatuses() string {
	h := histogram(fz.opCounts)
	fz.opCounts = map[int]int{}
	return h
}

func histogram(counts map[int]int) string {
	codes := make([]int, 0, len(counts))
	for c := range counts {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%d×%d", c, counts[c])
	}
	return strings.Join(parts, " ")
}

// logFaults shows the server's own account of each fault, once.
func (fz *fuzzer) logFaults() {
	seen := map[string]bool{}
	for _, line := range strings.Split(fz.s.logs.String(), "\n") {
		var entry struct {
			Method, Path, Err string
			Panic             any
		}
		if json.Unmarshal([]byte(line), &entry) != nil || entry.Err == "" && entry.Panic == nil {
			continue
		}
		fault := fmt.Sprintf("%s %s: %s%v", entry.Method, entry.Path, entry.Err, cmp.Or[any](entry.Panic, ""))
		if !seen[fault] {
			seen[fault] = true
			fz.t.Log(fault)
		}
	}
}
