package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/respite-uk/respite/migrations/dbtest"
)

// TestQueryParams_Unknown: a GET's query parameters are those its
// operation documents; any other is named in a 422, never ignored (which
// would answer with the whole list as if it were the answer).
func TestQueryParams_Unknown(t *testing.T) {
	s := newTestServer(t, dbtest.SQLite(t))
	admin := s.signIn(t, "admin")
	w := newBookingWorld(t, s)

	refused := []struct {
		path    string
		unknown []string
	}{
		{"/api/v1/bookings?referance=K7M-4QX", []string{"referance"}},
		{"/api/v1/bookings?reference=K7M-4QX&carer=12&Status=confirmed", []string{"Status", "carer"}},
		{"/api/v1/providers?name=Oak", []string{"name"}},
		{fmt.Sprintf("/api/v1/providers/%d/beds?bed_type=nursing", w.home.ID), []string{"bed_type"}},
		{fmt.Sprintf("/api/v1/providers/%d?expand=beds", w.home.ID), []string{"expand"}},
		{"/api/v1/openapi.json?format=yaml", []string{"format"}},
		{"/api/v1/bookings/?mobil=07700900201", []string{"mobil"}},
	}
	for _, c := range refused {
		p := s.do(t, request{method: "GET", path: c.path, token: admin}).problem(t, 422)
		if diff := cmp.Diff(c.unknown, fieldNames(p)); diff != "" {
			t.Errorf("GET %s: fields named (-want +got):\n%s", c.path, diff)
		}
		if strings.Contains(c.path, "/bookings?") && !strings.Contains(p.Errors[0].Message, "reference, mobile") {
			t.Errorf("GET %s: the message does not say what the list takes: %q", c.path, p.Errors[0].Message)
		}
	}

	allowed := []string{
		"/api/v1/bookings?reference=k7m4qx&status=confirmed&limit=5",
		fmt.Sprintf("/api/v1/bookings/%d", 999999),
		"/api/v1/providers?q=oak&active=true",
		fmt.Sprintf("/api/v1/providers/%d/closures", w.home.ID),
		"/api/v1/openapi.json",
	}
	for _, path := range allowed {
		if r := s.do(t, request{method: "GET", path: path, token: admin}); r.status == 422 {
			t.Errorf("GET %s = 422 %s", path, r.body)
		}
	}
	// Not a GET, or no such route: not this check's business.
	if r := s.do(t, request{method: "POST", path: "/api/v1/auth/logout?everywhere=1", token: s.signIn(t, "duty")}); r.status != 204 {
		t.Errorf("POST with a query parameter = %d %s", r.status, r.body)
	}
	s.do(t, request{method: "GET", path: "/api/v1/no-such-thing?x=1", token: admin}).problem(t, 404)
}
