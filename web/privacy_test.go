package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/web"
)

func TestPrivacyRoutes(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := newTestServer(t, db)
		w := newBookingWorld(t, s)
		token := func(role accounts.Role) string {
			u, err := s.accounts.CreateUser(ctx, accounts.NewUser{Email: string(role) + "@example.org", Name: "Staff " + string(role), Role: role, Password: "a long staff password"})
			if err != nil {
				t.Fatal(err)
			}
			return fuzzSession(t, s, accounts.SubjectStaff, u.ID)
		}
		admin, duty := token(accounts.RoleAdmin), token(accounts.RoleDuty)
		alice := fmt.Sprintf("/api/v1/carers/%d", w.alice.ID)

		t.Run("export", func(t *testing.T) {
			r := s.do(t, request{method: "GET", path: alice + "/export", token: admin})
			if r.status != 200 {
				t.Fatalf("export = %d %s", r.status, r.body)
			}
			want := fmt.Sprintf(`attachment; filename="respite-carer-%d-export.json"`, w.alice.ID)
			if cd := r.header.Get("Content-Disposition"); cd != want {
				t.Errorf("Content-Disposition = %q, want %q", cd, want)
			}
			if cc := r.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
			doc := r.json(t)
			if doc["carer"].(map[string]any)["mobile"] != "+447700900201" || len(doc["people"].([]any)) != 1 {
				t.Errorf("export = %s", r.body)
			}
			for _, tok := range []string{duty, w.aliceT} {
				if r := s.do(t, request{method: "GET", path: alice + "/export", token: tok}); r.status != 403 {
					t.Errorf("export by someone not an admin = %d, want 403", r.status)
				}
			}
			s.do(t, request{method: "GET", path: "/api/v1/carers/99999/export", token: admin}).problem(t, 404)
		})

		t.Run("erase refused while a stay is ahead", func(t *testing.T) {
			hold := s.do(t, request{method: "POST", path: "/api/v1/holds", token: w.bobT, body: map[string]any{
				"person_id": w.dad.ID, "place": map[string]any{"kind": "bed", "id": w.beds[0].ID}, "arrive": w.arrive, "depart": w.depart}})
			if hold.status != 201 {
				t.Fatalf("hold = %d %s", hold.status, hold.body)
			}
			if r := s.do(t, request{method: "POST", path: "/api/v1/bookings", token: w.bobT, body: map[string]any{"hold_id": hold.json(t)["id"]}}); r.status != 201 {
				t.Fatalf("booking = %d %s", r.status, r.body)
			}
			p := s.do(t, request{method: "DELETE", path: fmt.Sprintf("/api/v1/carers/%d", w.bob.ID), token: admin, body: map[string]string{"reason": "their request"}}).problem(t, 409)
			if !strings.Contains(p.Detail, "has a stay from") || !strings.Contains(p.Detail, "cancel it or wait until it ends") {
				t.Errorf("409 detail = %q", p.Detail)
			}
		})

		t.Run("erase", func(t *testing.T) {
			s.do(t, request{method: "DELETE", path: alice, token: duty, body: map[string]string{"reason": "their request"}}).problem(t, 403)
			p := s.do(t, request{method: "DELETE", path: alice, token: admin, body: map[string]string{"reason": " "}}).problem(t, 422)
			if names := fieldNames(p); len(names) != 1 || names[0] != "reason" {
				t.Errorf("fields = %v, want reason", names)
			}
			for i := range 2 { // the second time is harmless
				if r := s.do(t, request{method: "DELETE", path: alice, token: admin, body: map[string]string{"reason": "their request"}}); r.status != 204 {
					t.Fatalf("erase #%d = %d %s", i+1, r.status, r.body)
				}
			}
			r := s.do(t, request{method: "GET", path: alice, token: admin})
			if got := r.json(t)["name"]; got != fmt.Sprintf("Erased carer %d", w.alice.ID) {
				t.Errorf("name after erasure = %v", got)
			}
			s.do(t, request{method: "DELETE", path: "/api/v1/carers/99999", token: admin, body: map[string]string{"reason": "x"}}).problem(t, 404)
			// Her session ended with her record.
			if r := s.do(t, request{method: "GET", path: alice, token: w.aliceT}); r.status != 401 {
				t.Errorf("the erased carer's session = %d, want 401", r.status)
			}
		})
	})
}

func TestPrivacyRoutes_WithoutTheService(t *testing.T) {
	s := newTestServer(t, dbtest.SQLite(t), func(d *web.Deps) { d.Privacy = nil })
	w := newBookingWorld(t, s)
	u, err := s.accounts.CreateUser(context.Background(), accounts.NewUser{Email: "a@example.org", Name: "A", Role: accounts.RoleAdmin, Password: "a long staff password"})
	if err != nil {
		t.Fatal(err)
	}
	admin := fuzzSession(t, s, accounts.SubjectStaff, u.ID)
	s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/carers/%d/export", w.alice.ID), token: admin}).problem(t, 404)
}
