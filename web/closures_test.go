package web_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/providers"
)

// bookStay books a stay for w's mum in bed, as Alice would, through the
// booking service.
func bookStay(t *testing.T, s *testServer, w bookingWorld, bed int64, arrive, depart calendar.Date) booking.Booking {
	t.Helper()
	ctx := context.Background()
	alice := accounts.Principal{Kind: accounts.SubjectCarer, ID: w.alice.ID}
	h, err := s.booking.CreateHold(ctx, alice, booking.HoldRequest{PersonID: w.mum.ID, Place: booking.Place{Kind: booking.PlaceBed, ID: bed}, Arrive: arrive, Depart: depart})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := s.booking.Confirm(ctx, alice, h.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestClosuresAPI(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		w := newBookingWorld(t, s)
		admin, duty, coordinator := s.signIn(t, "admin"), s.signIn(t, "duty"), s.signIn(t, "coordinator")
		today := calendar.Today(calendar.SystemClock)
		stay := bookStay(t, s, w, w.beds[0].ID, today.AddDays(10), today.AddDays(12))
		closures := fmt.Sprintf("/api/v1/providers/%d/closures", w.home.ID)
		room2 := map[string]any{"bed_id": w.beds[1].ID, "starts_on": today.AddDays(9).String(), "ends_on": today.AddDays(11).String(), "reason": "Refurbishment"}

		t.Run("only admins close; all staff read", func(t *testing.T) {
			for _, token := range []string{duty, coordinator, w.aliceT} {
				s.do(t, request{method: "POST", path: closures, token: token, body: room2}).problem(t, 403)
			}
			s.do(t, request{method: "GET", path: closures, token: w.aliceT}).problem(t, 403)
			for _, token := range []string{duty, coordinator, admin} {
				if r := s.do(t, request{method: "GET", path: closures, token: token}); r.status != 200 || string(r.body) != `{"items":[]}` {
					t.Errorf("closures before any = %d %s", r.status, r.body)
				}
			}
		})

		t.Run("every bad field at once", func(t *testing.T) {
			p := s.do(t, request{method: "POST", path: closures, token: admin, body: map[string]any{"starts_on": "soon", "ends_on": today.AddDays(-1).String()}}).problem(t, 422)
			if diff := cmp.Diff([]string{"ends_on", "reason", "starts_on"}, fieldNames(p)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			s.do(t, request{method: "POST", path: "/api/v1/providers/999999/closures", token: admin, body: room2}).problem(t, 404)
		})

		var room2ID float64
		t.Run("a closed bed is not offered", func(t *testing.T) {
			r := s.do(t, request{method: "POST", path: closures, token: admin, body: room2})
			if r.status != 201 {
				t.Fatalf("closing Room 2 = %d %s", r.status, r.body)
			}
			got := r.json(t)
			room2ID = got["id"].(float64)
			if got["bed_label"] != "Room 2" || got["reason"] != "Refurbishment" || got["ends_on"] != today.AddDays(11).String() || len(got["stays_in_the_way"].([]any)) != 0 {
				t.Errorf("closure = %s", r.body)
			}
			r = s.do(t, request{method: "GET", path: fmt.Sprintf("/api/v1/availability?person_id=%d&arrive=%s&depart=%s", w.dad.ID, today.AddDays(10), today.AddDays(11)), token: w.bobT})
			if n := len(r.json(t)["options"].([]any)); r.status != 200 || n != 0 {
				t.Errorf("Bob is offered %d places on a night Room 1 is booked and Room 2 closed: %s", n, r.body)
			}
		})

		t.Run("closing the home over a stay is refused naming it, unless confirmed", func(t *testing.T) {
			home := map[string]any{"starts_on": today.AddDays(11).String(), "ends_on": today.AddDays(20).String(), "reason": "Outbreak"}
			p := s.do(t, request{method: "POST", path: closures, token: admin, body: home}).problem(t, 409)
			if !strings.Contains(p.Detail, stay.Reference+" (Room 1,") {
				t.Errorf("refusal = %q; want it to name %s in Room 1", p.Detail, stay.Reference)
			}
			home["confirm_stays_in_the_way"] = true
			r := s.do(t, request{method: "POST", path: closures, token: admin, body: home})
			if r.status != 201 {
				t.Fatalf("closing the home anyway = %d %s", r.status, r.body)
			}
			got := r.json(t)
			stays := got["stays_in_the_way"].([]any)
			if got["bed_id"] != nil || len(stays) != 1 || stays[0].(map[string]any)["reference"] != stay.Reference || stays[0].(map[string]any)["bed_label"] != "Room 1" {
				t.Errorf("closure made anyway = %s", r.body)
			}
			r = s.do(t, request{method: "GET", path: closures, token: duty})
			if items := r.json(t)["items"].([]any); r.status != 200 || len(items) != 2 || items[0].(map[string]any)["id"] != room2ID {
				t.Errorf("closures, soonest first = %d %s", r.status, r.body)
			}
		})

		t.Run("lifting", func(t *testing.T) {
			lift := fmt.Sprintf("/api/v1/closures/%d", int64(room2ID))
			s.do(t, request{method: "DELETE", path: lift, token: duty}).problem(t, 403)
			s.do(t, request{method: "DELETE", path: lift + "?from=whenever", token: admin}).problem(t, 422)
			if r := s.do(t, request{method: "DELETE", path: lift, token: admin}); r.status != 204 {
				t.Fatalf("lifting = %d %s", r.status, r.body)
			}
			s.do(t, request{method: "DELETE", path: lift, token: admin}).problem(t, 404)
			r := s.do(t, request{method: "GET", path: closures, token: admin})
			if items := r.json(t)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["bed_id"] != nil {
				t.Errorf("closures after lifting Room 2's = %s", r.body)
			}
		})
	})
}

// newClosure closes the fuzzer's home for one night a year ahead, as a
// target for lifting: each request gets one of its own, since lifting
// deletes it.
func (fz *fuzzer) newClosure() string {
	fz.t.Helper()
	night := calendar.Today(calendar.SystemClock).AddDays(365)
	cl, err := fz.s.providers.CreateClosure(context.Background(), setUpBy, fz.w.home.ID, providers.ClosureInput{StartsOn: night, EndsOn: night, Reason: "A closure to lift"})
	if err != nil {
		fz.t.Fatal(err)
	}
	return strconv.FormatInt(cl.ID, 10)
}
