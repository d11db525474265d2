package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"
)

// TestTextIsChecked: a NUL or another control character in any string of a
// request, or bytes that are not UTF-8, get a 422 problem naming the field
// before any handler runs; notes keep their line breaks; nesting too deep
// is a 400; impossible dates and points are a 422 naming the field.
func TestTextIsChecked(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		w := newBookingWorld(t, s)
		admin := s.signIn(t, "admin")
		carers := func(body string) response {
			return s.do(t, request{method: "POST", path: "/api/v1/carers", token: admin, body: body})
		}

		tests := []struct {
			name   string
			req    request
			fields []string
		}{
			{"NUL in a sign-in, before anyone is signed in",
				request{method: "POST", path: "/api/v1/auth/login", body: `{"email":"a\u0000@example.org","password":"x"}`}, []string{"email"}},
			{"NUL and a bell in two fields",
				request{method: "POST", path: "/api/v1/carers", token: admin, body: `{"name":"Pat\u0000","postcode":"LS6\u0007"}`}, []string{"name", "postcode"}},
			{"a line break in a one-line field",
				request{method: "POST", path: "/api/v1/carers", token: admin, body: `{"name":"Pat\nJones","emergency_plan":"Ring Sam.\r\nThen Jo.\tOK"}`}, []string{"name"}},
			{"not UTF-8",
				request{method: "POST", path: "/api/v1/carers", token: admin, body: "{\"name\":\"Pat\",\"postcode\":\"LS6\xff\"}"}, []string{"postcode"}},
			{"a nested field",
				request{method: "POST", path: "/api/v1/holds", token: admin, body: `{"person_id":1,"place":{"kind":"bed\u0000","id":1}}`}, []string{"place.kind"}},
			{"an item of a list",
				request{method: "PUT", path: "/api/v1/hosts/1/availability", token: admin, body: `{"ranges":[{"starts_on":"2027-01-01","ends_on":"2027-01-02"},{"starts_on":"2027-01-01\u001f"}]}`},
				[]string{"ranges[1].starts_on"}},
			{"a field's name",
				request{method: "POST", path: "/api/v1/holds", token: admin, body: `{"place":{"ki\u0000nd":"bed"}}`}, []string{"place"}},
			{"a query parameter",
				request{method: "GET", path: "/api/v1/carers?q=Pat%00&limit=5", token: admin}, []string{"q"}},
			{"a query parameter that is not UTF-8",
				request{method: "GET", path: "/api/v1/carers?q=%FF", token: admin}, []string{"q"}},
			{"the Idempotency-Key header",
				request{method: "POST", path: "/api/v1/bookings", token: admin, body: `{"hold_id":"x"}`, headers: map[string]string{"Idempotency-Key": "k\xff"}}, []string{"Idempotency-Key"}},
			{"a year 0",
				request{method: "POST", path: "/api/v1/carers", token: admin, body: `{"name":"Pat Jones","mobile":"07700 900556","postcode":"LS6 2AB",` +
					`"latitude":53.8198,"longitude":-1.5772,"allowance_nights":28,"allowance_year_starts":"0000-01-01"}`}, []string{"allowance_year_starts"}},
			{"a point that is not a number",
				request{method: "GET", path: fmt.Sprintf("/api/v1/availability?person_id=%d&arrive=%s&depart=%s&near=NaN,NaN", w.mum.ID, w.arrive, w.depart), token: w.aliceT}, []string{"near"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := s.do(t, tt.req).problem(t, 422)
				if diff := cmp.Diff(tt.fields, fieldNames(p)); diff != "" {
					t.Errorf("fields (-want +got):\n%s\n%+v", diff, p.Errors)
				}
			})
		}

		t.Run("notes keep their lines", func(t *testing.T) {
			r := carers(`{"name":"Pat Jones","mobile":"07700 900555","postcode":"LS6 2AB","latitude":53.8198,"longitude":-1.5772,` +
				`"allowance_nights":28,"allowance_year_starts":"2026-04-01","emergency_plan":"Ring Sam.\r\nThen Jo.\tThanks."}`)
			if r.status != 201 {
				t.Fatalf("create = %d %s", r.status, r.body)
			}
			if plan := r.json(t)["emergency_plan"]; plan != "Ring Sam.\r\nThen Jo.\tThanks." {
				t.Errorf("emergency_plan = %q", plan)
			}
		})
		t.Run("nesting too deep", func(t *testing.T) {
			deep := `{"name":` + strings.Repeat("[", 100_000)
			s.do(t, request{method: "POST", path: "/api/v1/carers", token: admin, body: deep}).problem(t, 400)
		})
	})
}
