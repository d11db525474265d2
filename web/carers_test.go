package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
)

func carerBody(name, mobile string) map[string]any {
	return map[string]any{
		"name": name, "mobile": mobile, "email": "Pat.Jones@Example.org", "postcode": "ls6 2ab",
		"latitude": 53.8198, "longitude": -1.5772, "allowance_nights": 28, "allowance_year_starts": "2026-04-01",
		"emergency_plan": "Dad goes to Meadow View; his tablets are in the blue box.", "emergency_contact_name": "Sam Jones",
		"emergency_contact_phone": "0113 496 0123",
	}
}

// signInAsCarer starts a carer's session directly, as SMS sign-in would.
func (s *testServer) signInAsCarer(t *testing.T, carerID int64) string {
	t.Helper()
	token, _, err := s.accounts.StartSession(context.Background(), s.db, accounts.SubjectCarer, carerID)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// createdID reads the id of what a 201 created.
func createdID(t *testing.T, r response) int64 {
	t.Helper()
	if r.status != 201 {
		t.Fatalf("create = %d %s", r.status, r.body)
	}
	return int64(r.json(t)["id"].(float64))
}

func TestCarersAPI(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		admin, duty, coordinator := s.signIn(t, "admin"), s.signIn(t, "duty"), s.signIn(t, "coordinator")

		body := carerBody("Pat Jones", "07700 900123")
		body["emergency_card"] = " lcc-04521 "
		r := s.do(t, request{method: "POST", path: "/api/v1/carers", token: duty, body: body})
		patID := createdID(t, r)
		if loc := r.header.Get("Location"); loc != fmt.Sprintf("/api/v1/carers/%d", patID) {
			t.Errorf("Location = %q", loc)
		}
		pat := r.json(t)
		want := map[string]any{
			"mobile": "+447700900123", "email": "pat.jones@example.org", "postcode": "LS6 2AB",
			"allowance_nights": float64(28), "allowance_year_starts": "2026-04-01", "emergency_card": "LCC-04521",
			"emergency_contact_phone": "+441134960123", "emergency_contact_phone_display": "0113 496 0123",
		}
		for k, v := range want {
			if pat[k] != v {
				t.Errorf("created %s = %v, want %v", k, pat[k], v)
			}
		}
		lee := carerBody("Lee Smith", "07700 900124")
		delete(lee, "email")
		leeID := createdID(t, s.do(t, request{method: "POST", path: "/api/v1/carers", token: admin, body: lee}))
		patToken, leeToken := s.signInAsCarer(t, patID), s.signInAsCarer(t, leeID)

		t.Run("every bad field at once, nothing written", func(t *testing.T) {
			bad := map[string]any{
				"name": "", "mobile": "0113 496 0000", "email": "pat at home", "postcode": "XX", "latitude": 100,
				"allowance_nights": -1, "allowance_year_starts": "2026-02-30", "emergency_card": "no!", "emergency_contact_phone": "1",
			}
			p := s.do(t, request{method: "POST", path: "/api/v1/carers", token: duty, body: bad}).problem(t, 422)
			want := []string{
				"name", "mobile", "email", "postcode", "latitude", "longitude", "allowance_nights",
				"emergency_card", "emergency_contact_name", "emergency_contact_phone", "allowance_year_starts",
			}
			if diff := cmp.Diff(want, fieldNames(p)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			for _, e := range p.Errors {
				if e.Field == "allowance_year_starts" && !strings.Contains(e.Message, "2026-02-30") {
					t.Errorf("allowance_year_starts message %q should quote the impossible date", e.Message)
				}
			}
			p = s.do(t, request{method: "POST", path: "/api/v1/carers", token: duty, body: map[string]any{"allowance_nights": "lots"}}).problem(t, 422)
			if diff := cmp.Diff([]string{"allowance_nights"}, fieldNames(p)); diff != "" {
				t.Errorf("wrong type (-want +got):\n%s", diff)
			}
			if n := tableCount(t, db, "carers"); n != 2 {
				t.Errorf("carers = %d, want 2", n)
			}
		})

		t.Run("mobile and emergency card are unique", func(t *testing.T) {
			s.do(t, request{method: "POST", path: "/api/v1/carers", token: duty, body: carerBody("Twin", "+44 7700 900123")}).problem(t, 409)
			twin := carerBody("Twin", "07700 900125")
			twin["emergency_card"] = "LCC-04521"
			s.do(t, request{method: "POST", path: "/api/v1/carers", token: duty, body: twin}).problem(t, 409)
		})

		t.Run("only the duty team and administrators register carers", func(t *testing.T) {
			s.do(t, request{method: "POST", path: "/api/v1/carers", token: coordinator, body: carerBody("X", "07700 900126")}).problem(t, 403)
			s.do(t, request{method: "POST", path: "/api/v1/carers", token: patToken, body: carerBody("X", "07700 900126")}).problem(t, 403)
			s.do(t, request{method: "POST", path: "/api/v1/carers", body: carerBody("X", "07700 900126")}).problem(t, 401)
			if n := tableCount(t, db, "carers"); n != 2 {
				t.Errorf("carers = %d, want 2", n)
			}
		})

		t.Run("read", func(t *testing.T) {
			for who, token := range map[string]string{"duty": duty, "admin": admin, "the carer": patToken} {
				r := s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/carers/%d", patID), token: token})
				if r.status != 200 || r.json(t)["emergency_plan"] != body["emergency_plan"] || r.json(t)["emergency_contact_name"] != "Sam Jones" {
					t.Errorf("%s: show = %d %s", who, r.status, r.body)
				}
			}
			// Another carer's record and one that does not exist get the same answer.
			other := s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/carers/%d", patID), token: leeToken}).problem(t, 404)
			missing := s.do(t, request{method: "GET", path: "/api/v1/carers/999999", token: leeToken}).problem(t, 404)
			if other.Detail != missing.Detail {
				t.Errorf("another carer's record: %q; a missing one: %q", other.Detail, missing.Detail)
			}
			s.do(t, request{method: "GET", path: "/api/v1/carers/999999", token: duty}).problem(t, 404)
			s.do(t, request{method: "GET", path: "/api/v1/carers/not-a-number", token: duty}).problem(t, 404)
			s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/carers/%d", patID), token: coordinator}).problem(t, 403)
			if r := s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/carers/%d", leeID), token: duty}); r.json(t)["email"] != nil {
				t.Errorf("a carer with no email: %s, want email null", r.body)
			}
		})

		t.Run("list and page", func(t *testing.T) {
			for i := range 3 {
				s.do(t, request{method: "POST", path: "/api/v1/carers", token: duty, body: carerBody(fmt.Sprintf("Carer %d", i), fmt.Sprintf("07700 90020%d", i))})
			}
			var names []string
			path := "/api/v1/carers?limit=2"
			for pages := 0; path != ""; pages++ {
				if pages > 3 {
					t.Fatal("pages do not end")
				}
				page := s.do(t, request{method: "GET", path: path, token: duty}).json(t)
				for _, it := range page["items"].([]any) {
					names = append(names, it.(map[string]any)["name"].(string))
				}
				path = ""
				if next, ok := page["next_cursor"].(string); ok {
					path = "/api/v1/carers?limit=2&cursor=" + next
				}
			}
			if diff := cmp.Diff([]string{"Pat Jones", "Lee Smith", "Carer 0", "Carer 1", "Carer 2"}, names); diff != "" {
				t.Errorf("paged names (-want +got):\n%s", diff)
			}
			found := s.do(t, request{method: "GET", path: "/api/v1/carers?q=SMITH", token: admin}).json(t)["items"].([]any)
			if len(found) != 1 || found[0].(map[string]any)["name"] != "Lee Smith" {
				t.Errorf("q=SMITH found %v", found)
			}
			if r := s.do(t, request{method: "GET", path: "/api/v1/carers?q=nobody", token: admin}); !strings.Contains(string(r.body), `"items":[]`) {
				t.Errorf("no match = %s, want an empty list", r.body)
			}
			p := s.do(t, request{method: "GET", path: "/api/v1/carers?limit=0&cursor=x", token: duty}).problem(t, 422)
			if diff := cmp.Diff([]string{"limit", "cursor"}, fieldNames(p)); diff != "" {
				t.Errorf("bad query fields (-want +got):\n%s", diff)
			}
			s.do(t, request{method: "GET", path: "/api/v1/carers", token: patToken}).problem(t, 403)
			s.do(t, request{method: "GET", path: "/api/v1/carers", token: coordinator}).problem(t, 403)
		})

		t.Run("patch", func(t *testing.T) {
			path := fmt.Sprintf("/api/v1/carers/%d", patID)
			r := s.do(t, request{method: "PATCH", path: path, token: admin, body: map[string]any{"allowance_nights": 35, "email": "", "allowance_year_starts": "2026-06-01"}})
			got := r.json(t)
			if r.status != 200 || got["allowance_nights"] != float64(35) || got["email"] != nil || got["allowance_year_starts"] != "2026-06-01" || got["name"] != "Pat Jones" {
				t.Errorf("patch = %d %s", r.status, r.body)
			}
			p := s.do(t, request{method: "PATCH", path: path, token: duty, body: map[string]any{"postcode": "nowhere", "allowance_year_starts": "01/06/2026"}}).problem(t, 422)
			if diff := cmp.Diff([]string{"postcode", "allowance_year_starts"}, fieldNames(p)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			p = s.do(t, request{method: "PATCH", path: path, token: duty, body: map[string]any{"allowance_year_starts": ""}}).problem(t, 422)
			if diff := cmp.Diff([]string{"allowance_year_starts"}, fieldNames(p)); diff != "" {
				t.Errorf("emptied date (-want +got):\n%s", diff)
			}
			s.do(t, request{method: "PATCH", path: path, token: duty, body: map[string]any{"mobile": "07700 900124"}}).problem(t, 409)
			s.do(t, request{method: "PATCH", path: path, token: patToken, body: map[string]any{"allowance_nights": 366}}).problem(t, 403)
			s.do(t, request{method: "PATCH", path: path, token: coordinator, body: map[string]any{"name": "X"}}).problem(t, 403)
			s.do(t, request{method: "PATCH", path: "/api/v1/carers/999999", token: duty, body: map[string]any{"name": "X"}}).problem(t, 404)
			if got := s.do(t, request{method: "GET", path: path, token: duty}).json(t); got["allowance_nights"] != float64(35) || got["postcode"] != "LS6 2AB" {
				t.Errorf("after refused patches: %v", got)
			}
		})

		t.Run("people", func(t *testing.T) {
			path := fmt.Sprintf("/api/v1/carers/%d/people", patID)
			if r := s.do(t, request{method: "GET", path: path, token: duty}); r.status != 200 || !strings.Contains(string(r.body), `"items":[]`) {
				t.Errorf("nobody yet = %d %s, want an empty list", r.status, r.body)
			}
			frank := map[string]any{
				"name": "Frank Jones", "date_of_birth": "1941-05-02", "needs": []string{"dementia"},
				"requirements": []string{"ground_floor"}, "staff_notes": "Wanders at night; keep the door alarm on.",
			}
			r := s.do(t, request{method: "POST", path: path, token: duty, body: frank})
			frankID := createdID(t, r)
			if loc := r.header.Get("Location"); loc != fmt.Sprintf("/api/v1/people/%d", frankID) {
				t.Errorf("Location = %q", loc)
			}
			if got := r.json(t); got["staff_notes"] != frank["staff_notes"] || got["date_of_birth"] != "1941-05-02" || got["carer_id"] != float64(patID) {
				t.Errorf("created person = %s", r.body)
			}
			ivyID := createdID(t, s.do(t, request{method: "POST", path: fmt.Sprintf("/api/v1/carers/%d/people", leeID), token: admin,
				body: map[string]any{"name": "Ivy", "date_of_birth": "1938-01-09"}}))

			bad := map[string]any{"name": "", "date_of_birth": "1990-13-01", "needs": []string{"flying"}, "requirements": []string{"hoist", "hoist"}}
			p := s.do(t, request{method: "POST", path: path, token: duty, body: bad}).problem(t, 422)
			if diff := cmp.Diff([]string{"name", "needs[0]", "requirements[1]", "date_of_birth"}, fieldNames(p)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			for _, e := range p.Errors {
				if e.Field == "needs[0]" && !strings.Contains(e.Message, "dementia, nursing_care") {
					t.Errorf("needs message %q does not list the allowed needs", e.Message)
				}
			}
			s.do(t, request{method: "POST", path: "/api/v1/carers/999999/people", token: duty, body: frank}).problem(t, 404)
			s.do(t, request{method: "POST", path: path, token: patToken, body: frank}).problem(t, 403)
			if n := tableCount(t, db, "people"); n != 2 {
				t.Errorf("people = %d, want 2", n)
			}

			t.Run("staff see the notes", func(t *testing.T) {
				for _, p := range []string{path, fmt.Sprintf("/api/v1/people/%d", frankID)} {
					if r := s.do(t, request{method: "GET", path: p, token: duty}); r.status != 200 || !strings.Contains(string(r.body), `"staff_notes":"Wanders at night`) {
						t.Errorf("GET %s as duty = %d %s", p, r.status, r.body)
					}
				}
			})
			t.Run("the carer sees their people, never the notes", func(t *testing.T) {
				list := s.do(t, request{method: "GET", path: path, token: patToken})
				one := s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/people/%d", frankID), token: patToken})
				for _, r := range []response{list, one} {
					if r.status != 200 || !strings.Contains(string(r.body), "Frank Jones") {
						t.Errorf("as the carer = %d %s", r.status, r.body)
					}
					if strings.Contains(string(r.body), "staff_notes") || strings.Contains(string(r.body), "Wanders") {
						t.Errorf("a carer was shown staff notes: %s", r.body)
					}
				}
			})
			t.Run("nobody else's", func(t *testing.T) {
				s.do(t, request{method: "GET", path: path, token: leeToken}).problem(t, 404)
				s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/people/%d", frankID), token: leeToken}).problem(t, 404)
				s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/people/%d", ivyID), token: patToken}).problem(t, 404)
				s.do(t, request{method: "GET", path: "/api/v1/people/999999", token: duty}).problem(t, 404)
				s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/people/%d", frankID), token: coordinator}).problem(t, 403)
				s.do(t, request{method: "GET", path: path, token: coordinator}).problem(t, 403)
			})
			t.Run("patch", func(t *testing.T) {
				one := fmt.Sprintf("/api/v1/people/%d", frankID)
				r := s.do(t, request{method: "PATCH", path: one, token: duty, body: map[string]any{"needs": []string{"dementia", "epilepsy"}, "date_of_birth": "1941-05-03"}})
				if got := r.json(t); r.status != 200 || got["date_of_birth"] != "1941-05-03" || got["name"] != "Frank Jones" || len(got["needs"].([]any)) != 2 {
					t.Errorf("patch = %d %s", r.status, r.body)
				}
				p := s.do(t, request{method: "PATCH", path: one, token: duty, body: map[string]any{"name": " ", "date_of_birth": "yesterday"}}).problem(t, 422)
				if diff := cmp.Diff([]string{"name", "date_of_birth"}, fieldNames(p)); diff != "" {
					t.Errorf("bad fields (-want +got):\n%s", diff)
				}
				s.do(t, request{method: "PATCH", path: one, token: patToken, body: map[string]any{"name": "F"}}).problem(t, 403)
				s.do(t, request{method: "PATCH", path: "/api/v1/people/999999", token: admin, body: map[string]any{"name": "F"}}).problem(t, 404)
			})
		})
	})
}
