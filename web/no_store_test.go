package web_test

import (
	"fmt"
	"testing"

	"github.com/uptrace/bun"
)

// Every API answer carrying personal data, and every other API answer but
// the OpenAPI document, tells caches not to keep it: a carer's record, a
// list of bookings, an error, a sign-in's token.
func TestAPIResponsesAreNotStored(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		duty := s.signIn(t, "duty")
		created := s.do(t, request{method: "POST", path: "/api/v1/carers", token: duty, body: carerBody("Pat Jones", "07700 900123")})
		id := createdID(t, created)
		for _, r := range []struct {
			name string
			req  request
			want string
		}{
			{"a carer created", request{method: "POST", path: "/api/v1/carers", token: duty, body: carerBody("Lee Smith", "07700 900124")}, "no-store"},
			{"a carer's record", request{method: "GET", path: fmt.Sprintf("/api/v1/carers/%d", id), token: duty}, "no-store"},
			{"the carers list", request{method: "GET", path: "/api/v1/carers", token: duty}, "no-store"},
			{"the bookings list", request{method: "GET", path: "/api/v1/bookings", token: duty}, "no-store"},
			{"who is signed in", request{method: "GET", path: "/api/v1/auth/me", token: duty}, "no-store"},
			{"a refusal", request{method: "GET", path: fmt.Sprintf("/api/v1/carers/%d", id)}, "no-store"},
			{"no such record", request{method: "GET", path: "/api/v1/carers/999999", token: duty}, "no-store"},
			{"the OpenAPI document", request{method: "GET", path: "/api/v1/openapi.json"}, ""},
		} {
			got := s.do(t, r.req)
			if cc := got.header.Get("Cache-Control"); cc != r.want {
				t.Errorf("%s (%s %s → %d): Cache-Control = %q, want %q", r.name, r.req.method, r.req.path, got.status, cc, r.want)
			}
		}
	})
}
