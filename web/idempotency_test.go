package web_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/calendar"
)

// An Idempotency-Key makes a booking once: the same request again answers
// with the same bytes, and a different request with the same key (another
// hold) is refused with 422 naming the key, booking nothing and leaving
// the other hold as it was.
func TestIdempotencyKey(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		w := newBookingWorld(t, s)
		hold := func(bed int) string {
			t.Helper()
			body := map[string]any{"person_id": w.mum.ID, "place": map[string]any{"kind": "bed", "id": w.beds[bed].ID}, "arrive": w.arrive, "depart": w.depart}
			if bed == 1 { // the night after, so both holds can be live at once
				depart, _ := calendar.Parse(w.depart)
				body["arrive"], body["depart"] = w.depart, depart.AddDays(1).String()
			}
			r := s.do(t, request{method: "POST", path: "/api/v1/holds", token: w.aliceT, body: body})
			if r.status != 201 {
				t.Fatalf("hold = %d %s", r.status, r.body)
			}
			return r.json(t)["id"].(string)
		}
		first, second := hold(0), hold(1)
		key := map[string]string{"Idempotency-Key": "alice-2027-03-weekend"}
		book := func(holdID string) response {
			return s.do(t, request{method: "POST", path: "/api/v1/bookings", token: w.aliceT, body: map[string]any{"hold_id": holdID}, headers: key})
		}

		made := book(first)
		if made.status != 201 {
			t.Fatalf("booking = %d %s", made.status, made.body)
		}
		replayed := book(first)
		if replayed.status != 201 || replayed.header.Get("Idempotent-Replayed") != "true" || replayed.header.Get("Location") != made.header.Get("Location") {
			t.Errorf("replay = %d %v", replayed.status, replayed.header)
		}
		if !bytes.Equal(replayed.body, made.body) {
			t.Errorf("the replay's body differs from the booking's:\nfirst  %s\nreplay %s", made.body, replayed.body)
		}

		p := book(second).problem(t, 422)
		if !slices.Contains(fieldNames(p), "Idempotency-Key") {
			t.Errorf("reusing the key for another hold = %+v, want Idempotency-Key named", p)
		}
		list := s.do(t, request{method: "GET", path: "/api/v1/bookings", token: w.aliceT}).json(t)["items"].([]any)
		if len(list) != 1 {
			t.Errorf("Alice has %d bookings after reusing the key, want 1", len(list))
		}
		// The second hold is untouched, and books with a key of its own.
		other := s.do(t, request{method: "POST", path: "/api/v1/bookings", token: w.aliceT, body: map[string]any{"hold_id": second},
			headers: map[string]string{"Idempotency-Key": "alice-2027-03-extra-night"}})
		if other.status != 201 || other.header.Get("Idempotent-Replayed") != "" {
			t.Errorf("the second hold with its own key = %d %s", other.status, other.body)
		}
		if fmt.Sprint(other.json(t)["id"]) == fmt.Sprint(made.json(t)["id"]) {
			t.Errorf("the second booking has the first one's id")
		}
	})
}
