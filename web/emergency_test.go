package web_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/calendar"
)

func TestEmergencyAPI(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		w := newBookingWorld(t, s)
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, "UPDATE carers SET emergency_card = 'LDS-EC-0101', emergency_plan = 'Ring the neighbour first.' WHERE id = ?", w.alice.ID); err != nil {
			t.Fatal(err)
		}
		duty, admin, coordinator := s.signIn(t, "duty"), s.signIn(t, "admin"), s.signIn(t, "coordinator")

		for _, who := range []struct{ name, token string }{{"a carer", w.aliceT}, {"a coordinator", coordinator}, {"an admin", admin}} {
			s.do(t, request{method: "GET", path: "/api/v1/emergency/lookup?card=LDS-EC-0101", token: who.token}).problem(t, 403)
			s.do(t, request{method: "POST", path: "/api/v1/emergency/placements", token: who.token, body: map[string]any{}}).problem(t, 403)
		}

		r := s.do(t, request{method: "GET", path: "/api/v1/emergency/lookup?card=lds-ec-0101", token: duty})
		if r.status != 200 {
			t.Fatalf("lookup = %d %s", r.status, r.body)
		}
		card := r.json(t)
		if card["carer"].(map[string]any)["emergency_plan"] != "Ring the neighbour first." || len(card["people"].([]any)) != 1 {
			t.Errorf("card = %s", r.body)
		}
		s.do(t, request{method: "GET", path: "/api/v1/emergency/lookup?card=NOPE", token: duty}).problem(t, 404)

		today := calendar.Today(calendar.SystemClock)
		r = s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/emergency/options?person_id=%d&arrive=%s&depart=%s", w.mum.ID, today, today.AddDays(2)), token: duty})
		opts := r.json(t)["options"].([]any)
		if r.status != 200 || len(opts) != 2 || opts[0].(map[string]any)["tier"] != "block" {
			t.Fatalf("options = %d %s", r.status, r.body)
		}
		if got := r.json(t)["searched_within_km"]; got != 50.0 {
			t.Errorf("searched_within_km = %v, want 50 (everything here is in Leeds)", got)
		}
		place := opts[0].(map[string]any)["place"]

		p := s.do(t, request{method: "POST", path: "/api/v1/emergency/placements", token: duty, body: map[string]any{
			"person_id": w.mum.ID, "place": place, "arrive": today.String(), "depart": today.AddDays(2).String(),
		}}).problem(t, 422)
		if len(p.Errors) != 1 || p.Errors[0].Field != "reason" {
			t.Errorf("without a reason: %+v", p.Errors)
		}
		r = s.do(t, request{method: "POST", path: "/api/v1/emergency/placements", token: duty, body: map[string]any{
			"person_id": w.mum.ID, "place": place, "arrive": today.String(), "depart": today.AddDays(2).String(), "reason": "Carer in hospital",
		}})
		if r.status != 201 || r.json(t)["kind"] != "emergency" {
			t.Fatalf("placement = %d %s", r.status, r.body)
		}
		id := int64(r.json(t)["id"].(float64))

		r = s.do(t, request{method: "GET", path: "/api/v1/audit?target_kind=booking&target_id=" + fmt.Sprint(id), token: admin})
		items := r.json(t)["items"].([]any)
		if r.status != 200 || len(items) != 1 || items[0].(map[string]any)["reason"] != "Carer in hospital" {
			t.Errorf("audit for the placement = %d %s", r.status, r.body)
		}
		// The card read, the needs it showed, and the placement (after the admin's authenticator
		// app, set up as they signed in); a card that matched nobody read
		// nothing.
		r = s.do(t, request{method: "GET", path: "/api/v1/audit?actor_kind=staff", token: admin})
		var actions []string
		for _, it := range r.json(t)["items"].([]any) {
			actions = append(actions, it.(map[string]any)["action"].(string))
		}
		if fmt.Sprint(actions) != "[emergency.placement person.needs_read emergency.lookup staff.second_factor_added]" {
			t.Errorf("audit actions, newest first = %v", actions)
		}
		r = s.do(t, request{method: "GET", path: "/api/v1/audit?action=emergency.lookup", token: admin})
		if items := r.json(t)["items"].([]any); r.status != 200 || len(items) != 1 || items[0].(map[string]any)["action"] != "emergency.lookup" {
			t.Errorf("audit filtered to card reads = %d %s", r.status, r.body)
		}
		s.do(t, request{method: "GET", path: "/api/v1/audit", token: duty}).problem(t, 403)
		s.do(t, request{method: "GET", path: "/api/v1/audit?from=yesterday", token: admin}).problem(t, 422)
	})
}
