package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
)

func TestFeedbackAPI(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		w := newBookingWorld(t, s)
		ctx := context.Background()
		alice := accounts.Principal{Kind: accounts.SubjectCarer, ID: w.alice.ID}
		arrive, _ := calendar.Parse(w.arrive)
		depart, _ := calendar.Parse(w.depart)
		h, err := s.booking.CreateHold(ctx, alice, booking.HoldRequest{PersonID: w.mum.ID, Place: booking.Place{Kind: booking.PlaceBed, ID: w.beds[0].ID}, Arrive: arrive, Depart: depart})
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := s.booking.Confirm(ctx, alice, h.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		// Replies are recorded by the booking service (booking's
		// TestFeedback); here, one as it would have left it.
		got := time.Date(2027, 3, 5, 10, 0, 0, 0, time.UTC)
		if _, err := db.NewRaw("INSERT INTO stay_feedback (booking_id, carer_id, rating, comment, replies, received_at, last_reply_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			b.ID, w.alice.ID, 4, "Staff were lovely", 2, got, got.Add(time.Hour)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		admin := s.signIn(t, accounts.RoleAdmin)

		r := s.do(t, request{method: "GET", path: "/api/v1/feedback?from=2027-03-01&to=2027-03-31", token: admin})
		if r.status != 200 {
			t.Fatalf("feedback = %d %s", r.status, r.body)
		}
		items := r.json(t)["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("items = %s", r.body)
		}
		item := items[0].(map[string]any)
		if item["reference"] != b.Reference || item["rating"] != float64(4) || item["comment"] != "Staff were lovely" || item["replies"] != float64(2) ||
			item["carer_id"] != float64(w.alice.ID) || item["received_at"] != "2027-03-05T10:00:00Z" {
			t.Errorf("item = %v", item)
		}
		r = s.do(t, request{method: "GET", path: "/api/v1/feedback?from=2027-04-01", token: admin})
		if items := r.json(t)["items"].([]any); len(items) != 0 {
			t.Errorf("feedback from April = %s, want none", r.body)
		}

		// Staff other than admins, and carers, may not read comments.
		s.do(t, request{method: "GET", path: "/api/v1/feedback", token: s.signIn(t, accounts.RoleDuty)}).problem(t, 403)
		s.do(t, request{method: "GET", path: "/api/v1/feedback", token: w.aliceT}).problem(t, 403)
		// Dates are checked, and only documented parameters taken.
		p := s.do(t, request{method: "GET", path: "/api/v1/feedback?from=2027-02-30", token: admin}).problem(t, 422)
		if names := fieldNames(p); len(names) != 1 || names[0] != "from" {
			t.Errorf("fields = %v, want from", names)
		}
		s.do(t, request{method: "GET", path: "/api/v1/feedback?rating=5", token: admin}).problem(t, 422)
		s.do(t, request{method: "GET", path: "/api/v1/feedback?from=2027-03-02&to=2027-03-01", token: admin}).problem(t, 422)
	})
}
