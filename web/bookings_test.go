package web_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/redisstore"
	"github.com/respite-uk/respite/web"
)

// bookingWorld is a care home with two beds and two carers, each caring for
// one person, with tokens to act as each.
type bookingWorld struct {
	home           providers.Provider
	beds           []providers.Bed
	alice, bob     booking.Carer
	mum, dad       booking.Person
	aliceT, bobT   string
	arrive, depart string
}

// setUpBy is who the tests' care homes are added by, for the audit log:
// the command line, so that staff's own entries are theirs alone.
var setUpBy = accounts.CommandLine("test set-up")

func newBookingWorld(t *testing.T, s *testServer) bookingWorld {
	t.Helper()
	ctx := context.Background()
	lat, lon, rate := 53.80, -1.55, int64(15000)
	home, err := s.providers.CreateProvider(ctx, setUpBy, providers.ProviderInput{Name: "Oakwood House", Address: "1 Road, Leeds", Postcode: "LS1 4AP",
		Latitude: &lat, Longitude: &lon, Phone: "0113 496 0001", BedTypes: []string{"residential"}})
	if err != nil {
		t.Fatal(err)
	}
	today := calendar.Today(calendar.SystemClock)
	contract, err := s.providers.CreateContract(ctx, setUpBy, home.ID, providers.ContractInput{Kind: "block", Reference: "BLK-WEB",
		StartsOn: today, EndsOn: today.AddDays(400), NightlyRatePence: &rate})
	if err != nil {
		t.Fatal(err)
	}
	w := bookingWorld{home: home, arrive: today.AddDays(10).String(), depart: today.AddDays(12).String()}
	for _, label := range []string{"Room 1", "Room 2"} {
		b, err := s.providers.CreateBed(ctx, setUpBy, home.ID, providers.BedInput{Label: label, ContractID: contract.ID, BedType: "residential"})
		if err != nil {
			t.Fatal(err)
		}
		w.beds = append(w.beds, b)
	}
	now := time.Now().UTC()
	mkCarer := func(mobile string) (booking.Carer, booking.Person, string) {
		c := booking.Carer{Name: "Carer " + mobile, Mobile: mobile, Postcode: "LS2 7EW", Latitude: 53.80, Longitude: -1.55,
			AllowanceNights: 28, AllowanceYearStarts: today.AddDays(-30), CreatedAt: now, UpdatedAt: now}
		if _, err := s.db.NewInsert().Model(&c).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		p := booking.Person{CarerID: c.ID, Name: "Person of " + mobile, DateOfBirth: calendar.Date{Year: 1945, Month: 1, Day: 1},
			Needs: []string{}, Requirements: []string{}, CreatedAt: now, UpdatedAt: now}
		if _, err := s.db.NewInsert().Model(&p).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		token, _, err := s.accounts.StartSession(ctx, s.db, accounts.SubjectCarer, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return c, p, token
	}
	w.alice, w.mum, w.aliceT = mkCarer("+447700900201")
	w.bob, w.dad, w.bobT = mkCarer("+447700900202")
	return w
}

func TestBookingJourney(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		w := newBookingWorld(t, s)
		search := fmt.Sprintf("/api/v1/availability?person_id=%d&arrive=%s&depart=%s", w.mum.ID, w.arrive, w.depart)

		r := s.do(t, request{method: "GET", path: search, token: w.aliceT})
		if r.status != 200 {
			t.Fatalf("availability = %d %s", r.status, r.body)
		}
		opts := r.json(t)["options"].([]any)
		if len(opts) != 2 {
			t.Fatalf("options = %s", r.body)
		}
		first := opts[0].(map[string]any)
		if first["provider"] != "Oakwood House" || first["place"].(map[string]any)["kind"] != "bed" || first["nightly_rate_pence"] != float64(15000) || first["reasons"] == nil {
			t.Errorf("option = %v", first)
		}

		holdBody := map[string]any{"person_id": w.mum.ID, "place": map[string]any{"kind": "bed", "id": w.beds[0].ID}, "arrive": w.arrive, "depart": w.depart}
		r = s.do(t, request{method: "POST", path: "/api/v1/holds", token: w.aliceT, body: holdBody})
		if r.status != 201 {
			t.Fatalf("hold = %d %s", r.status, r.body)
		}
		hold := r.json(t)
		if hold["nights"] != float64(2) || hold["expires_at"] == nil {
			t.Errorf("hold = %s", r.body)
		}

		// Bob cannot hold the same nights while Alice's hold is live...
		bobsHold := map[string]any{"person_id": w.dad.ID, "place": map[string]any{"kind": "bed", "id": w.beds[0].ID}, "arrive": w.arrive, "depart": w.depart}
		s.do(t, request{method: "POST", path: "/api/v1/holds", token: w.bobT, body: bobsHold}).problem(t, 409)
		// ...and is not offered them.
		r = s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/availability?person_id=%d&arrive=%s&depart=%s", w.dad.ID, w.arrive, w.depart), token: w.bobT})
		if n := len(r.json(t)["options"].([]any)); n != 1 {
			t.Errorf("Bob is offered %d places, want 1 (the other bed)", n)
		}
		// Bob cannot confirm Alice's hold, nor see it exists.
		s.do(t, request{method: "POST", path: "/api/v1/bookings", token: w.bobT, body: map[string]any{"hold_id": hold["id"]}}).problem(t, 404)

		headers := map[string]string{"Idempotency-Key": "alice-attempt-1"}
		r = s.do(t, request{method: "POST", path: "/api/v1/bookings", token: w.aliceT, body: map[string]any{"hold_id": hold["id"]}, headers: headers})
		if r.status != 201 {
			t.Fatalf("booking = %d %s", r.status, r.body)
		}
		b := r.json(t)
		if b["status"] != "confirmed" || b["kind"] != "planned" || b["nights"] != float64(2) || b["created_by"].(map[string]any)["kind"] != "carer" {
			t.Errorf("booking = %s", r.body)
		}
		again := s.do(t, request{method: "POST", path: "/api/v1/bookings", token: w.aliceT, body: map[string]any{"hold_id": hold["id"]}, headers: headers})
		if again.status != 201 || again.json(t)["id"] != b["id"] || again.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("the same Idempotency-Key again = %d %s", again.status, again.body)
		}
		id := int64(b["id"].(float64))

		list := s.do(t, request{method: "GET", path: "/api/v1/bookings", token: w.aliceT}).json(t)["items"].([]any)
		if len(list) != 1 {
			t.Errorf("Alice's bookings = %d", len(list))
		}
		if bobs := s.do(t, request{method: "GET", path: "/api/v1/bookings", token: w.bobT}).json(t)["items"].([]any); len(bobs) != 0 {
			t.Errorf("Bob sees %d bookings, want none", len(bobs))
		}
		s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/bookings/%d", id), token: w.bobT}).problem(t, 404)
		s.do(t, request{method: "POST", path: fmt.Sprintf("/api/v1/bookings/%d/cancel", id), token: w.bobT}).problem(t, 404)

		a := s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/carers/%d/allowance", w.alice.ID), token: w.aliceT}).json(t)
		if a["booked"] != float64(2) || a["remaining"] != float64(26) {
			t.Errorf("allowance = %v", a)
		}
		s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/carers/%d/allowance", w.alice.ID), token: w.bobT}).problem(t, 404)

		r = s.do(t, request{method: "POST", path: fmt.Sprintf("/api/v1/bookings/%d/cancel", id), token: w.aliceT})
		if r.status != 200 || r.json(t)["status"] != "cancelled" || r.json(t)["allowance_restored"] != true {
			t.Errorf("cancel = %d %s", r.status, r.body)
		}
		if n := len(s.do(t, request{method: "GET", path: search, token: w.aliceT}).json(t)["options"].([]any)); n != 2 {
			t.Errorf("after cancelling, %d places offered, want both again", n)
		}
	})
}

func TestBookingProblems(t *testing.T) {
	s := newTestServer(t, dbtest.SQLite(t))
	w := newBookingWorld(t, s)
	duty := s.signIn(t, "duty")
	coordinator := s.signIn(t, "coordinator")

	p := s.do(t, request{method: "GET", path: "/api/v1/availability?person_id=x&arrive=2027-02-30&near=north", token: duty}).problem(t, 422)
	if diff := cmp.Diff([]string{"arrive", "person_id", "near", "depart"}, fieldNames(p)); diff != "" {
		t.Errorf("bad search fields (-want +got):\n%s", diff)
	}
	s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/availability?person_id=%d&arrive=%s&depart=%s", w.mum.ID, w.arrive, w.depart), token: coordinator}).problem(t, 403)
	s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/availability?person_id=%d&arrive=%s&depart=%s", w.mum.ID, w.arrive, w.depart)}).problem(t, 401)

	today := calendar.Today(calendar.SystemClock)
	p = s.do(t, request{method: "POST", path: "/api/v1/holds", token: duty, body: map[string]any{
		"person_id": w.mum.ID, "place": map[string]any{"kind": "bed", "id": w.beds[0].ID}, "arrive": today.String(), "depart": today.AddDays(30).String(),
	}}).problem(t, 422)
	if diff := cmp.Diff([]string{"arrive", "depart"}, fieldNames(p)); diff != "" {
		t.Errorf("rule breaks (-want +got):\n%s", diff)
	}
	if !strings.Contains(p.Errors[0].Message, "at the earliest") || !strings.Contains(p.Errors[1].Message, "at most 14 nights") {
		t.Errorf("messages = %+v", p.Errors)
	}
	s.do(t, request{method: "POST", path: "/api/v1/bookings", token: duty, body: map[string]any{"hold_id": "no-such-hold"}}).problem(t, 404)
	s.do(t, request{method: "POST", path: "/api/v1/bookings", token: duty, body: map[string]any{}}).problem(t, 422)
}

// TestHolds_RedisDown: with REDIS_URL set but Redis not answering, a hold is
// refused with a clear 503 — never made without the lock — and nothing is
// written.
func TestHolds_RedisDown(t *testing.T) {
	db := dbtest.SQLite(t)
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { dead.Close() })
	s := newTestServer(t, db, func(d *web.Deps) {
		d.Booking = booking.NewService(db, d.Providers, d.Notify, redisstore.NewHoldStore(dead, "x:"), booking.Options{})
	})
	w := newBookingWorld(t, s)
	p := s.do(t, request{method: "POST", path: "/api/v1/holds", token: w.aliceT, body: map[string]any{
		"person_id": w.mum.ID, "place": map[string]any{"kind": "bed", "id": w.beds[0].ID}, "arrive": w.arrive, "depart": w.depart,
	}}).problem(t, 503)
	if !strings.Contains(p.Detail, "not answering") || !strings.Contains(p.Detail, "nothing has been booked") {
		t.Errorf("detail = %q", p.Detail)
	}
	if n, _ := db.NewSelect().Table("holds").Count(context.Background()); n != 0 {
		t.Errorf("%d holds written without the lock", n)
	}
}

// TestFindingBookings: staff find a booking by its reference however it is
// typed, and a carer's bookings by their mobile however it is written; a
// booking is shown by its reference as well as its id; and the emergency
// card shows the carer's stays now and to come.
func TestFindingBookings(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		w := newBookingWorld(t, s)
		duty, coordinator := s.signIn(t, "duty"), s.signIn(t, "coordinator")
		today := calendar.Today(calendar.SystemClock)
		// Under way tonight: an emergency placement, as only those start today.
		dutyOfficer := accounts.Principal{Kind: accounts.SubjectStaff, ID: 1, Name: "Sam", Role: accounts.RoleDuty}
		now, err := s.booking.PlaceEmergency(context.Background(), dutyOfficer, booking.EmergencyRequest{PersonID: w.mum.ID,
			Place: booking.Place{Kind: booking.PlaceBed, ID: w.beds[0].ID}, Arrive: today, Depart: today.AddDays(2), Reason: "Carer in hospital"})
		if err != nil {
			t.Fatal(err)
		}
		later := bookStay(t, s, w, w.beds[0].ID, today.AddDays(20), today.AddDays(23))
		refs := func(t *testing.T, path, token string) []string {
			t.Helper()
			r := s.do(t, request{method: "GET", path: path, token: token})
			if r.status != 200 {
				t.Fatalf("GET %s = %d %s", path, r.status, r.body)
			}
			out := []string{}
			for _, it := range r.json(t)["items"].([]any) {
				out = append(out, it.(map[string]any)["reference"].(string))
			}
			return out
		}

		typed := strings.ToLower(strings.ReplaceAll(later.Reference, "-", ""))
		for _, ref := range []string{later.Reference, typed, " " + strings.ToLower(later.Reference) + " "} {
			if got := refs(t, "/api/v1/bookings?reference="+url.QueryEscape(ref), duty); !slices.Equal(got, []string{later.Reference}) {
				t.Errorf("?reference=%q finds %v; want %s", ref, got, later.Reference)
			}
		}
		for _, mobile := range []string{"07700 900201", "+44 7700 900201", "447700900201"} {
			if got := refs(t, "/api/v1/bookings?mobile="+url.QueryEscape(mobile), duty); !slices.Equal(got, []string{now.Reference, later.Reference}) {
				t.Errorf("?mobile=%q finds %v; want Alice's two", mobile, got)
			}
		}
		if got := refs(t, "/api/v1/bookings?mobile="+url.QueryEscape("07700 900202"), duty); len(got) != 0 {
			t.Errorf("Bob's mobile finds %v; he has no bookings", got)
		}
		p := s.do(t, request{method: "GET", path: "/api/v1/bookings?reference=K7M-4Q0&mobile=hello", token: duty}).problem(t, 422)
		if diff := cmp.Diff([]string{"reference", "mobile"}, fieldNames(p)); diff != "" {
			t.Errorf("bad reference and mobile (-want +got):\n%s", diff)
		}
		// A carer's own list narrows the same way, and never shows another's.
		if got := refs(t, "/api/v1/bookings?reference="+later.Reference, w.bobT); len(got) != 0 {
			t.Errorf("Bob finds Alice's booking by its reference: %v", got)
		}

		for _, path := range []string{"/api/v1/bookings/" + later.Reference, "/api/v1/bookings/" + typed, fmt.Sprintf("/api/v1/bookings/%d", later.ID)} {
			r := s.do(t, request{method: "GET", path: path, token: duty})
			if r.status != 200 || r.json(t)["reference"] != later.Reference {
				t.Errorf("GET %s = %d %s", path, r.status, r.body)
			}
		}
		if r := s.do(t, request{method: "GET", path: "/api/v1/bookings/" + later.Reference, token: w.aliceT}); r.status != 200 {
			t.Errorf("Alice reading her booking by reference = %d %s", r.status, r.body)
		}
		s.do(t, request{method: "GET", path: "/api/v1/bookings/" + later.Reference, token: w.bobT}).problem(t, 404)
		s.do(t, request{method: "GET", path: "/api/v1/bookings/" + later.Reference, token: coordinator}).problem(t, 403)
		s.do(t, request{method: "GET", path: "/api/v1/bookings/ZZZ-ZZZ", token: duty}).problem(t, 404)
		s.do(t, request{method: "GET", path: "/api/v1/bookings/not-a-reference", token: duty}).problem(t, 404)

		// The emergency card: the stay under way, and the one to come.
		if _, err := db.ExecContext(context.Background(), "UPDATE carers SET emergency_card = 'LDS-EC-0201' WHERE id = ?", w.alice.ID); err != nil {
			t.Fatal(err)
		}
		r := s.do(t, request{method: "GET", path: "/api/v1/emergency/lookup?card=LDS-EC-0201", token: duty})
		if r.status != 200 {
			t.Fatalf("lookup = %d %s", r.status, r.body)
		}
		card := r.json(t)
		current, upcoming := card["current_stays"].([]any), card["upcoming_stays"].([]any)
		if len(current) != 1 || len(upcoming) != 1 {
			t.Fatalf("stays on the card = %s", r.body)
		}
		if c := current[0].(map[string]any); c["reference"] != now.Reference || c["place_name"] != "Oakwood House, Room 1" || c["person_name"] != w.mum.Name || c["phone"] != "+441134960001" {
			t.Errorf("the stay under way = %v", c)
		}
		if u := upcoming[0].(map[string]any); u["reference"] != later.Reference || u["nights"] != float64(3) {
			t.Errorf("the stay to come = %v", u)
		}
	})
}
