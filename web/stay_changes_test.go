package web_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/providers"
)

// TestStayChangesAPI extends, ends early and moves a stay through the API,
// and checks who may, and that refusals are problems naming the field.
func TestStayChangesAPI(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		w := newBookingWorld(t, s)
		ctx := context.Background()
		duty, coordinator := s.signIn(t, "duty"), s.signIn(t, "coordinator")
		today := calendar.Today(calendar.SystemClock)
		arrive, depart := today.AddDays(10), today.AddDays(12)
		hold, err := s.booking.CreateHold(ctx, staffPrincipal, booking.HoldRequest{PersonID: w.mum.ID, Place: booking.Place{Kind: "bed", ID: w.beds[0].ID}, Arrive: arrive, Depart: depart})
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := s.booking.Confirm(ctx, staffPrincipal, hold.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		path := func(verb string) string { return fmt.Sprintf("/api/v1/bookings/%d/%s", b.ID, verb) }

		// Carers ring the booking line; coordinators do not run bookings.
		for _, token := range []string{w.aliceT, coordinator} {
			s.do(t, request{method: "POST", path: path("extend"), token: token, body: map[string]any{"depart": depart.AddDays(1).String(), "reason": "r"}}).problem(t, 403)
		}
		p := s.do(t, request{method: "POST", path: path("extend"), token: duty, body: map[string]any{"depart": "soon"}}).problem(t, 422)
		if fmt.Sprint(fieldNames(p)) != "[depart]" {
			t.Errorf("a bad date: fields %v", fieldNames(p))
		}
		p = s.do(t, request{method: "POST", path: path("extend"), token: duty, body: map[string]any{"depart": depart.AddDays(1).String()}}).problem(t, 422)
		if fmt.Sprint(fieldNames(p)) != "[reason]" {
			t.Errorf("no reason: fields %v", fieldNames(p))
		}
		s.do(t, request{method: "POST", path: "/api/v1/bookings/999999/extend", token: duty, body: map[string]any{"depart": depart.AddDays(1).String(), "reason": "r"}}).problem(t, 404)

		r := s.do(t, request{method: "POST", path: path("extend"), token: duty, body: map[string]any{"depart": depart.AddDays(2).String(), "reason": "Carer's shift changed"}})
		if r.status != 200 || r.json(t)["depart"] != depart.AddDays(2).String() || r.json(t)["nights"] != 4.0 {
			t.Fatalf("extend = %d %s", r.status, r.body)
		}

		// Someone else takes the night after: extending onto it is a 409.
		other, _, err := s.booking.Confirm(ctx, staffPrincipal, mustHold(t, s, w.dad.ID, w.beds[0], depart.AddDays(2), depart.AddDays(3)), "")
		if err != nil {
			t.Fatal(err)
		}
		s.do(t, request{method: "POST", path: path("extend"), token: duty, body: map[string]any{"depart": depart.AddDays(3).String(), "reason": "r"}}).problem(t, 409)
		_ = other

		p = s.do(t, request{method: "POST", path: path("end"), token: duty, body: map[string]any{"on": arrive.String(), "reason": "r"}}).problem(t, 422)
		if fmt.Sprint(fieldNames(p)) != "[on]" {
			t.Errorf("ending before any night: fields %v", fieldNames(p))
		}
		r = s.do(t, request{method: "POST", path: path("end"), token: duty, body: map[string]any{"on": arrive.AddDays(2).String(), "reason": "Carer back early"}})
		if j := r.json(t); r.status != 200 || j["depart"] != arrive.AddDays(2).String() || j["status"] != "confirmed" || j["booked_depart"] != depart.AddDays(2).String() || j["ended_early_at"] == nil {
			t.Fatalf("end = %d %s", r.status, r.body)
		}

		// Move the second night to Room 2: a new booking that names this one.
		r = s.do(t, request{method: "POST", path: path("move"), token: duty, body: map[string]any{
			"place": map[string]any{"kind": "bed", "id": w.beds[1].ID}, "from": arrive.AddDays(1).String(), "reason": "Room 1 to be redecorated"}})
		j := r.json(t)
		if r.status != 200 || j["moved_from_booking_id"] != float64(b.ID) || j["arrive"] != arrive.AddDays(1).String() || r.header.Get("Location") == "" {
			t.Fatalf("move = %d %s", r.status, r.body)
		}
		s.do(t, request{method: "POST", path: path("move"), token: duty, body: map[string]any{
			"place": map[string]any{"kind": "bed", "id": w.beds[1].ID}, "reason": "r", "surprise": 1}}).problem(t, 422)

		r = s.do(t, request{method: "GET", path: "/api/v1/audit?target_kind=booking&target_id=" + fmt.Sprint(b.ID), token: s.signIn(t, "admin")})
		var actions []string
		for _, it := range r.json(t)["items"].([]any) {
			actions = append(actions, it.(map[string]any)["action"].(string))
		}
		if fmt.Sprint(actions) != "[booking.moved booking.ended_early booking.extended booking.created]" {
			t.Errorf("audit, newest first = %v", actions)
		}
	})
}

// TestEmergencyAPI_Override: a place that does not suit is a 422 until the
// duty officer gives override_reason; the answer then shows the override.
func TestEmergencyAPI_Override(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		w := newBookingWorld(t, s)
		ctx := context.Background()
		if _, err := db.NewUpdate().Model((*booking.Person)(nil)).Set("requirements = ?", `["hoist"]`).Where("id = ?", w.mum.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		duty := s.signIn(t, "duty")
		today := calendar.Today(calendar.SystemClock)
		body := map[string]any{"person_id": w.mum.ID, "place": map[string]any{"kind": "bed", "id": w.beds[0].ID},
			"arrive": today.String(), "depart": today.AddDays(1).String(), "reason": "Carer in hospital"}
		s.do(t, request{method: "POST", path: "/api/v1/emergency/placements", token: duty, body: body}).problem(t, 422)
		body["override_reason"] = "Only bed free; the home will borrow a hoist"
		r := s.do(t, request{method: "POST", path: "/api/v1/emergency/placements", token: duty, body: body})
		if r.status != 201 {
			t.Fatalf("placement with an override = %d %s", r.status, r.body)
		}
		ov, _ := r.json(t)["override"].(map[string]any)
		if ov["problems"] != "It has no hoist" || ov["reason"] != body["override_reason"] {
			t.Errorf("override = %v", r.json(t)["override"])
		}
	})
}

// staffPrincipal books through the service directly, as the booking line.
var staffPrincipal = accounts.Principal{Kind: accounts.SubjectStaff, ID: 1, Name: "Sam", Role: accounts.RoleDuty}

func mustHold(t *testing.T, s *testServer, personID int64, bed providers.Bed, arrive, depart calendar.Date) string {
	t.Helper()
	h, err := s.booking.CreateHold(context.Background(), staffPrincipal, booking.HoldRequest{PersonID: personID, Place: booking.Place{Kind: "bed", ID: bed.ID}, Arrive: arrive, Depart: depart})
	if err != nil {
		t.Fatal(err)
	}
	return h.ID
}
