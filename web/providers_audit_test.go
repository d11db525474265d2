package web_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/calendar"
)

// auditOf reads, through the API as an admin, the audit log about one
// record, oldest first, as "action fields reason by who".
func auditOf(t *testing.T, s *testServer, admin, kind string, id int64) []string {
	t.Helper()
	r := s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/audit?target_kind=%s&target_id=%d", kind, id), token: admin})
	if r.status != 200 {
		t.Fatalf("audit of %s %d = %d %s", kind, id, r.status, r.body)
	}
	items := r.json(t)["items"].([]any)
	out := []string{}
	for i := len(items) - 1; i >= 0; i-- {
		e := items[i].(map[string]any)
		out = append(out, fmt.Sprintf("%s %v %q by %s", e["action"], e["fields"], e["reason"], e["actor_name"]))
	}
	return out
}

// TestProvidersAPI_audit: through the API, every change to a care home, a
// contract, a bed or a closure, and to a shared-lives host, is audited as
// the signed-in member of staff's, naming the fields changed; a save that
// changes nothing is not.
func TestProvidersAPI_audit(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		admin, coordinator := s.signIn(t, "admin"), s.signIn(t, "coordinator")
		expect := func(what string, got []string, want ...string) {
			t.Helper()
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: audit (-want +got):\n%s", what, diff)
			}
		}
		patch := func(path, token string, body map[string]any) {
			t.Helper()
			if r := s.do(t, request{method: "PATCH", path: path, token: token, body: body}); r.status != 200 {
				t.Fatalf("PATCH %s = %d %s", path, r.status, r.body)
			}
		}

		home := createdID(t, s.do(t, request{method: "POST", path: "/api/v1/providers", token: admin, body: homeBody("Meadow View")}))
		homePath := fmt.Sprintf("/api/v1/providers/%d", home)
		patch(homePath, admin, map[string]any{"name": "Meadow View House", "phone": "+44 113 496 0001", "active": false})
		patch(homePath, admin, map[string]any{"name": "Meadow View House", "postcode": "LS7 1AB"})
		expect("the home", auditOf(t, s, admin, "provider", home),
			`home.created [] "" by Test admin`,
			`home.changed [name active] "" by Test admin`)

		contract := createdID(t, s.do(t, request{method: "POST", path: homePath + "/contracts", token: admin, body: map[string]any{
			"kind": "block", "reference": "BLK-1", "starts_on": "2027-01-01", "ends_on": "2027-12-31", "nightly_rate_pence": 14500,
		}}))
		patch(fmt.Sprintf("/api/v1/contracts/%d", contract), admin, map[string]any{"nightly_rate_pence": 15000, "reference": "BLK-1"})
		expect("the contract", auditOf(t, s, admin, "contract", contract),
			`contract.created [] "" by Test admin`,
			`contract.changed [nightly_rate_pence] "" by Test admin`)

		bed := createdID(t, s.do(t, request{method: "POST", path: homePath + "/beds", token: admin, body: map[string]any{
			"label": "Room 1", "contract_id": contract, "bed_type": "residential",
		}}))
		patch(fmt.Sprintf("/api/v1/beds/%d", bed), admin, map[string]any{"label": "Room 1A", "features": []string{"hoist"}})
		patch(fmt.Sprintf("/api/v1/beds/%d", bed), admin, map[string]any{"label": "Room 1A"})
		expect("the bed", auditOf(t, s, admin, "bed", bed),
			`bed.created [] "" by Test admin`,
			`bed.changed [label features] "" by Test admin`)

		first := calendar.Today(calendar.SystemClock).AddDays(30)
		last := first.AddDays(1)
		closure := createdID(t, s.do(t, request{method: "POST", path: homePath + "/closures", token: admin, body: map[string]any{
			"bed_id": bed, "starts_on": first.String(), "ends_on": last.String(), "reason": "Redecorating",
		}}))
		if r := s.do(t, request{method: "DELETE", path: fmt.Sprintf("/api/v1/closures/%d", closure), token: admin}); r.status != 204 {
			t.Fatalf("lifting the closure = %d %s", r.status, r.body)
		}
		expect("the closure", auditOf(t, s, admin, "closure", closure),
			fmt.Sprintf(`closure.created [] "Room 1A, %s to %s: Redecorating" by Test admin`, first.Long(), last.Long()),
			fmt.Sprintf(`closure.lifted [] "lifted before it began (it was to run %s to %s)" by Test admin`, first.Long(), last.Long()))

		host := createdID(t, s.do(t, request{method: "POST", path: "/api/v1/hosts", token: coordinator, body: hostBody("Sue Miller", "07700 900301")}))
		hostPath := fmt.Sprintf("/api/v1/hosts/%d", host)
		patch(hostPath, coordinator, map[string]any{"capacity": 3, "staff_notes": "Dog is friendly; check allergies."})
		patch(hostPath, coordinator, map[string]any{"capacity": 3})
		for _, step := range []struct {
			path string
			body map[string]any
		}{{"/approve", nil}, {"/suspend", map[string]any{"reason": "Review overdue"}}, {"/leave", nil}} {
			if r := s.do(t, request{method: "POST", path: hostPath + step.path, token: coordinator, body: step.body}); r.status != 200 {
				t.Fatalf("POST %s = %d %s", step.path, r.status, r.body)
			}
		}
		today := calendar.Today(calendar.SystemClock)
		expect("the host", auditOf(t, s, admin, "host", host),
			`host.created [] "" by Test coordinator`,
			`host.changed [capacity] "" by Test coordinator`,
			fmt.Sprintf(`host.approved [] "from %s, review due %s" by Test coordinator`, today.Long(), calendar.Of(today.StartIn(time.UTC).AddDate(0, 12, 0)).Long()),
			`host.suspended [] "Review overdue" by Test coordinator`,
			`host.left [] "" by Test coordinator`)
	})
}
