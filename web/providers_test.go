package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/migrations/dbtest"
)

func homeBody(name string) map[string]any {
	return map[string]any{
		"name": name, "address": "14 Roundhay Road, Leeds", "postcode": "ls7 1ab",
		"latitude": 53.8149, "longitude": -1.5267, "phone": "0113 496 0001",
		"bed_types": []string{"residential", "nursing"}, "specialisms": []string{"dementia"},
	}
}

func tableCount(t *testing.T, db *bun.DB, table string) int64 {
	t.Helper()
	n, err := db.NewSelect().Table(table).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int64(n)
}

func TestProvidersAPI(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		admin, duty := s.signIn(t, "admin"), s.signIn(t, "duty")

		r := s.do(t, request{method: "POST", path: "/api/v1/providers", token: admin, body: homeBody("Meadow View")})
		if r.status != 201 {
			t.Fatalf("create = %d %s", r.status, r.body)
		}
		home := r.json(t)
		id := int64(home["id"].(float64))
		if loc := r.header.Get("Location"); loc != fmt.Sprintf("/api/v1/providers/%d", id) {
			t.Errorf("Location = %q", loc)
		}
		if home["postcode"] != "LS7 1AB" || home["phone"] != "+441134960001" || home["phone_display"] != "0113 496 0001" || home["active"] != true {
			t.Errorf("created home = %s", r.body)
		}

		t.Run("every bad field at once, nothing written", func(t *testing.T) {
			bad := map[string]any{"name": "", "postcode": "XX", "latitude": 100, "longitude": -200, "phone": "999", "bed_types": []string{"castle"}}
			p := s.do(t, request{method: "POST", path: "/api/v1/providers", token: admin, body: bad}).problem(t, 422)
			want := []string{"name", "address", "postcode", "latitude", "longitude", "phone", "bed_types[0]"}
			if diff := cmp.Diff(want, fieldNames(p)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			for _, e := range p.Errors {
				if e.Field == "bed_types[0]" && !strings.Contains(e.Message, "residential, residential_dementia, nursing, nursing_dementia") {
					t.Errorf("bed type message %q does not list the allowed values", e.Message)
				}
			}
			if n := tableCount(t, db, "providers"); n != 1 {
				t.Errorf("care homes = %d, want 1", n)
			}
		})

		t.Run("read, list and page", func(t *testing.T) {
			for i := 0; i < 3; i++ {
				s.do(t, request{method: "POST", path: "/api/v1/providers", token: admin, body: homeBody(fmt.Sprintf("Home %d", i))})
			}
			if r := s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/providers/%d", id), token: duty}); r.status != 200 || r.json(t)["name"] != "Meadow View" {
				t.Errorf("show = %d %s", r.status, r.body)
			}
			s.do(t, request{method: "GET", path: "/api/v1/providers/999999", token: duty}).problem(t, 404)
			s.do(t, request{method: "GET", path: "/api/v1/providers/not-a-number", token: duty}).problem(t, 404)

			var names []string
			path := "/api/v1/providers?limit=3"
			for pages := 0; path != ""; pages++ {
				if pages > 3 {
					t.Fatal("pages do not end")
				}
				r := s.do(t, request{method: "GET", path: path, token: duty})
				page := r.json(t)
				for _, it := range page["items"].([]any) {
					names = append(names, it.(map[string]any)["name"].(string))
				}
				path = ""
				if next, ok := page["next_cursor"].(string); ok {
					path = "/api/v1/providers?limit=3&cursor=" + next
				}
			}
			if diff := cmp.Diff([]string{"Meadow View", "Home 0", "Home 1", "Home 2"}, names); diff != "" {
				t.Errorf("paged names (-want +got):\n%s", diff)
			}
			p := s.do(t, request{method: "GET", path: "/api/v1/providers?limit=0&cursor=x&active=maybe", token: duty}).problem(t, 422)
			if diff := cmp.Diff([]string{"limit", "cursor", "active"}, fieldNames(p)); diff != "" {
				t.Errorf("bad query fields (-want +got):\n%s", diff)
			}
		})

		t.Run("patch", func(t *testing.T) {
			r := s.do(t, request{method: "PATCH", path: fmt.Sprintf("/api/v1/providers/%d", id), token: admin, body: map[string]any{"name": "Meadow View House", "active": false}})
			if r.status != 200 || r.json(t)["name"] != "Meadow View House" || r.json(t)["active"] != false || r.json(t)["postcode"] != "LS7 1AB" {
				t.Errorf("patch = %d %s", r.status, r.body)
			}
			s.do(t, request{method: "PATCH", path: fmt.Sprintf("/api/v1/providers/%d", id), token: duty, body: map[string]any{"name": "X"}}).problem(t, 403)
			s.do(t, request{method: "PATCH", path: "/api/v1/providers/999999", token: admin, body: map[string]any{"name": "X"}}).problem(t, 404)
		})

		var contractID int64
		t.Run("contracts", func(t *testing.T) {
			path := fmt.Sprintf("/api/v1/providers/%d/contracts", id)
			good := map[string]any{"kind": "block", "reference": "LCC-BLK-1", "starts_on": "2027-04-01", "ends_on": "2028-03-31", "nightly_rate_pence": 14250}
			r := s.do(t, request{method: "POST", path: path, token: admin, body: good})
			if r.status != 201 {
				t.Fatalf("create contract = %d %s", r.status, r.body)
			}
			c := r.json(t)
			contractID = int64(c["id"].(float64))
			if c["starts_on"] != "2027-04-01" || c["ends_on"] != "2028-03-31" || c["provider_id"] != float64(id) {
				t.Errorf("contract = %s", r.body)
			}
			s.do(t, request{method: "POST", path: path, token: admin, body: good}).problem(t, 409)

			bad := map[string]any{"kind": "lease", "reference": "X", "starts_on": "2027-02-30", "ends_on": "31/12/2027", "nightly_rate_pence": -1}
			p := s.do(t, request{method: "POST", path: path, token: admin, body: bad}).problem(t, 422)
			if diff := cmp.Diff([]string{"kind", "nightly_rate_pence", "starts_on", "ends_on"}, fieldNames(p)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			for _, e := range p.Errors {
				if e.Field == "starts_on" && !strings.Contains(e.Message, "2027-02-30") {
					t.Errorf("starts_on message %q should quote the impossible date", e.Message)
				}
			}
			s.do(t, request{method: "POST", path: "/api/v1/providers/999999/contracts", token: admin, body: good}).problem(t, 404)
			list := s.do(t, request{method: "GET", path: path, token: duty}).json(t)
			if n := len(list["items"].([]any)); n != 1 {
				t.Errorf("contracts listed = %d, want 1", n)
			}

			one := fmt.Sprintf("/api/v1/contracts/%d", contractID)
			if got := s.do(t, request{method: "GET", path: one, token: duty}).json(t); got["reference"] != "LCC-BLK-1" || got["active"] != true {
				t.Errorf("GET %s = %v", one, got)
			}
			r = s.do(t, request{method: "PATCH", path: one, token: admin, body: map[string]any{"ends_on": "2028-01-31", "nightly_rate_pence": 15000}})
			if got := r.json(t); r.status != 200 || got["ends_on"] != "2028-01-31" || got["nightly_rate_pence"] != float64(15000) || got["starts_on"] != "2027-04-01" {
				t.Errorf("PATCH %s = %d %s", one, r.status, r.body)
			}
			p = s.do(t, request{method: "PATCH", path: one, token: admin, body: map[string]any{"starts_on": "2027-13-01", "ends_on": ""}}).problem(t, 422)
			if diff := cmp.Diff([]string{"starts_on", "ends_on"}, fieldNames(p)); diff != "" {
				t.Errorf("bad patch fields (-want +got):\n%s", diff)
			}
			if got := s.do(t, request{method: "GET", path: one, token: duty}).json(t); got["starts_on"] != "2027-04-01" || got["ends_on"] != "2028-01-31" {
				t.Errorf("a refused patch changed the contract: %v", got)
			}
			s.do(t, request{method: "PATCH", path: one, token: duty, body: map[string]any{"active": false}}).problem(t, 403)
			s.do(t, request{method: "PATCH", path: "/api/v1/contracts/999999", token: admin, body: map[string]any{"active": false}}).problem(t, 404)
		})

		t.Run("beds", func(t *testing.T) {
			other := s.do(t, request{method: "POST", path: "/api/v1/providers", token: admin, body: homeBody("Other Home")}).json(t)
			otherID := int64(other["id"].(float64))
			otherContract := s.do(t, request{method: "POST", path: fmt.Sprintf("/api/v1/providers/%d/contracts", otherID), token: admin,
				body: map[string]any{"kind": "block", "reference": "OTHER-1", "starts_on": "2027-01-01", "ends_on": "2027-12-31", "nightly_rate_pence": 1}}).json(t)

			path := fmt.Sprintf("/api/v1/providers/%d/beds", id)
			r := s.do(t, request{method: "POST", path: path, token: admin, body: map[string]any{"label": "Room 1", "contract_id": contractID, "bed_type": "nursing", "features": []string{"hoist"}, "emergency_reserved": true}})
			if r.status != 201 {
				t.Fatalf("create bed = %d %s", r.status, r.body)
			}
			bed := r.json(t)
			bedID := int64(bed["id"].(float64))
			if bed["emergency_reserved"] != true || bed["provider_id"] != float64(id) {
				t.Errorf("bed = %s", r.body)
			}

			p := s.do(t, request{method: "POST", path: path, token: admin, body: map[string]any{"label": "Room 2", "contract_id": otherContract["id"], "bed_type": "penthouse", "features": []string{"moat"}}}).problem(t, 422)
			if diff := cmp.Diff([]string{"contract_id", "bed_type", "features[0]"}, fieldNames(p)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			s.do(t, request{method: "POST", path: path, token: admin, body: map[string]any{"label": "Room 1", "contract_id": contractID, "bed_type": "nursing"}}).problem(t, 409)
			if n := tableCount(t, db, "beds"); n != 1 {
				t.Errorf("beds = %d, want 1", n)
			}

			r = s.do(t, request{method: "PATCH", path: fmt.Sprintf("/api/v1/beds/%d", bedID), token: admin, body: map[string]any{"emergency_reserved": false}})
			if r.status != 200 || r.json(t)["emergency_reserved"] != false || r.json(t)["label"] != "Room 1" {
				t.Errorf("patch bed = %d %s", r.status, r.body)
			}
			if r := s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/beds/%d", bedID), token: duty}); r.status != 200 {
				t.Errorf("show bed = %d", r.status)
			}
			s.do(t, request{method: "PATCH", path: fmt.Sprintf("/api/v1/beds/%d", bedID), token: duty, body: map[string]any{}}).problem(t, 403)
			list := s.do(t, request{method: "GET", path: path, token: duty}).json(t)
			if n := len(list["items"].([]any)); n != 1 {
				t.Errorf("beds listed = %d, want 1", n)
			}
		})
	})
}

// TestProvidersAPI_sameHome: a home with the same name at the same
// postcode is asked about (409) rather than added twice, unless the caller
// says it is a different home.
func TestProvidersAPI_sameHome(t *testing.T) {
	s := newTestServer(t, dbtest.SQLite(t))
	admin := s.signIn(t, "admin")
	if r := s.do(t, request{method: "POST", path: "/api/v1/providers", token: admin, body: homeBody("Meadow View")}); r.status != 201 {
		t.Fatalf("create = %d %s", r.status, r.body)
	}
	p := s.do(t, request{method: "POST", path: "/api/v1/providers", token: admin, body: homeBody("meadow view")}).problem(t, 409)
	if !strings.Contains(p.Detail, "Is this the same home?") {
		t.Errorf("detail = %q", p.Detail)
	}
	if n := tableCount(t, s.db, "providers"); n != 1 {
		t.Errorf("%d homes after the question, want 1", n)
	}
	if r := s.do(t, request{method: "POST", path: "/api/v1/providers?new_home_confirmed=true", token: admin, body: homeBody("Meadow View")}); r.status != 201 {
		t.Errorf("confirmed as a different home = %d %s", r.status, r.body)
	}
}
