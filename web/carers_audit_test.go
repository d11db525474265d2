package web_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/audit"
)

// auditSince returns the audit entries after id *last as "action
// kind:id fields=… reason=… by kind", oldest first, and moves *last on.
func auditSince(t *testing.T, db *bun.DB, last *int64) []string {
	t.Helper()
	var es []audit.Entry
	if err := db.NewSelect().Model(&es).Where("id > ?", *last).OrderExpr("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, e := range es {
		*last = e.ID
		out = append(out, fmt.Sprintf("%s %s:%d fields=%q reason=%q by %s", e.Action, e.TargetKind, e.TargetID, e.Fields, e.Reason, e.ActorKind))
	}
	return out
}

// TestCarersAPI_audit: through the API, every change to a carer or a
// person is audited with the fields changed, and every read by staff of an
// emergency plan or a person's needs with the route "API"; a carer reading
// their own records is not.
func TestCarersAPI_audit(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		admin, duty := s.signIn(t, "admin"), s.signIn(t, "duty")
		var last int64
		auditSince(t, db, &last) // signing in
		want := func(what string, want ...string) {
			t.Helper()
			if want == nil {
				want = []string{}
			}
			if diff := cmp.Diff(want, auditSince(t, db, &last)); diff != "" {
				t.Errorf("%s: audit entries (-want +got):\n%s", what, diff)
			}
		}

		patID := createdID(t, s.do(t, request{method: "POST", path: "/api/v1/carers", token: duty, body: carerBody("Pat Jones", "07700 900123")}))
		leeID := createdID(t, s.do(t, request{method: "POST", path: "/api/v1/carers", token: admin, body: carerBody("Lee Smith", "07700 900124")}))
		frankID := createdID(t, s.do(t, request{method: "POST", path: fmt.Sprintf("/api/v1/carers/%d/people", patID), token: duty, body: map[string]any{
			"name": "Frank Jones", "date_of_birth": "1941-05-02", "needs": []string{"dementia"}, "requirements": []string{"hoist"},
		}}))
		ivyID := createdID(t, s.do(t, request{method: "POST", path: fmt.Sprintf("/api/v1/carers/%d/people", patID), token: duty, body: map[string]any{
			"name": "Ivy Jones", "date_of_birth": "1945-01-09",
		}}))
		want("registering",
			fmt.Sprintf(`carer.created carer:%d fields="" reason="" by staff`, patID),
			fmt.Sprintf(`carer.created carer:%d fields="" reason="" by staff`, leeID),
			fmt.Sprintf(`person.added person:%d fields="" reason="" by staff`, frankID),
			fmt.Sprintf(`person.added person:%d fields="" reason="" by staff`, ivyID))

		t.Run("changes", func(t *testing.T) {
			path := fmt.Sprintf("/api/v1/carers/%d", patID)
			if r := s.do(t, request{method: "PATCH", path: path, token: duty, body: map[string]any{"name": "Pat Jones-Smith", "emergency_plan": "Ring Sam first."}}); r.status != 200 {
				t.Fatalf("PATCH = %d %s", r.status, r.body)
			}
			if r := s.do(t, request{method: "PATCH", path: path, token: duty, body: map[string]any{"name": " Pat Jones-Smith ", "mobile": "+447700900123"}}); r.status != 200 {
				t.Fatalf("PATCH unchanged = %d %s", r.status, r.body)
			}
			person := fmt.Sprintf("/api/v1/people/%d", frankID)
			if r := s.do(t, request{method: "PATCH", path: person, token: admin, body: map[string]any{"needs": []string{"dementia", "epilepsy"}, "name": "Frank Jones"}}); r.status != 200 {
				t.Fatalf("PATCH person = %d %s", r.status, r.body)
			}
			want("a change, one unchanged, and a person's needs",
				fmt.Sprintf(`carer.changed carer:%d fields="name, emergency_plan" reason="" by staff`, patID),
				fmt.Sprintf(`person.changed person:%d fields="needs" reason="" by staff`, frankID))
		})

		t.Run("staff reads", func(t *testing.T) {
			for _, path := range []string{
				fmt.Sprintf("/api/v1/carers/%d", patID),
				fmt.Sprintf("/api/v1/carers/%d/people", patID),
				fmt.Sprintf("/api/v1/people/%d", ivyID),
				"/api/v1/carers",
			} {
				if r := s.do(t, request{method: "GET", path: path, token: duty}); r.status != 200 {
					t.Fatalf("GET %s = %d %s", path, r.status, r.body)
				}
			}
			want("a carer, their people, a person, the list",
				fmt.Sprintf(`carer.emergency_plan_read carer:%d fields="" reason="API" by staff`, patID),
				fmt.Sprintf(`person.needs_read person:%d fields="" reason="API" by staff`, frankID),
				fmt.Sprintf(`person.needs_read person:%d fields="" reason="API" by staff`, ivyID),
				fmt.Sprintf(`person.needs_read person:%d fields="" reason="API" by staff`, ivyID),
				fmt.Sprintf(`carer.emergency_plan_read carer:%d fields="" reason="API" by staff`, patID),
				fmt.Sprintf(`carer.emergency_plan_read carer:%d fields="" reason="API" by staff`, leeID))
		})

		t.Run("the carer reading their own", func(t *testing.T) {
			pat := s.signInAsCarer(t, patID)
			auditSince(t, db, &last)
			for _, path := range []string{
				fmt.Sprintf("/api/v1/carers/%d", patID),
				fmt.Sprintf("/api/v1/carers/%d/people", patID),
				fmt.Sprintf("/api/v1/people/%d", frankID),
			} {
				if r := s.do(t, request{method: "GET", path: path, token: pat}); r.status != 200 {
					t.Fatalf("GET %s = %d %s", path, r.status, r.body)
				}
			}
			s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/carers/%d", leeID), token: pat}).problem(t, 404)
			want("the carer's own reads, and another's refused")
		})
	})
}
