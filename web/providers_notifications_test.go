package web_test

import (
	"fmt"
	"testing"

	"github.com/uptrace/bun"
)

// TestProvidersAPI_NotificationsMobile: a home's mobile for texts is set,
// shown, refused when it is a landline (naming the field), and removed.
func TestProvidersAPI_NotificationsMobile(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		admin := s.signIn(t, "admin")

		body := homeBody("Meadow View")
		body["notifications_mobile"] = "0113 496 0000"
		p := s.do(t, request{method: "POST", path: "/api/v1/providers", token: admin, body: body}).problem(t, 422)
		if len(p.Errors) != 1 || p.Errors[0].Field != "notifications_mobile" || p.Errors[0].Message != "This is a landline; texts need a mobile number, starting 07." {
			t.Errorf("a landline: %+v", p.Errors)
		}

		body["notifications_mobile"] = "07700 900501"
		r := s.do(t, request{method: "POST", path: "/api/v1/providers", token: admin, body: body})
		if r.status != 201 || r.json(t)["notifications_mobile"] != "+447700900501" {
			t.Fatalf("create = %d %s", r.status, r.body)
		}
		path := fmt.Sprintf("/api/v1/providers/%d", int64(r.json(t)["id"].(float64)))

		r = s.do(t, request{method: "PATCH", path: path, token: admin, body: map[string]any{"notifications_mobile": ""}})
		if r.status != 200 || r.json(t)["notifications_mobile"] != "" {
			t.Errorf("removing it = %d %s", r.status, r.body)
		}
	})
}
