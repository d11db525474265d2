package reports_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/reports"
)

func TestService_Feedback(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		var stays []struct {
			ID      int64 `bun:"id"`
			CarerID int64 `bun:"carer_id"`
		}
		if err := db.NewRaw("SELECT id, carer_id FROM bookings ORDER BY id LIMIT 7").Scan(ctx, &stays); err != nil {
			t.Fatal(err)
		}
		if len(stays) < 7 {
			t.Fatalf("the fixture has %d stays; this test needs 7", len(stays))
		}
		// Feedback as the booking service records it (booking's
		// TestFeedback): one row a stay. The period is March and April
		// 2027, London dates; the clocks go forward on 28 March.
		utc := func(s string) time.Time {
			v, err := time.Parse("2006-01-02 15:04", s)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		rows := []struct {
			rating   any // nil: no reply was a number
			comment  string
			replies  int
			received time.Time
		}{
			{nil, "", 1, utc("2027-02-28 23:59")},                               // 28 Feb in London: before the period
			{5, "", 1, utc("2027-03-01 00:00")},                                 // 1 Mar: in
			{4, "Lovely staff", 2, utc("2027-03-15 09:00")},                     // in
			{4, "", 1, utc("2027-03-28 01:30")},                                 // 02:30 BST, just after the change: in
			{nil, "Room was cold; \"never again\"", 3, utc("2027-04-10 18:00")}, // words only: in
			{1, "Lost his glasses", 2, utc("2027-04-30 22:59")},                 // 23:59 BST on 30 Apr: in
			{3, "", 1, utc("2027-04-30 23:00")},                                 // midnight BST, 1 May: after
		}
		for i, r := range rows {
			if _, err := db.NewRaw("INSERT INTO stay_feedback (booking_id, carer_id, rating, comment, replies, received_at, last_reply_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
				stays[i].ID, stays[i].CarerID, r.rating, r.comment, r.replies, r.received, r.received.Add(time.Hour)).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}

		got, err := f.svc.Feedback(ctx, period)
		if err != nil {
			t.Fatal(err)
		}
		// In the period: ratings 5, 4, 4, 1 (average 14 ÷ 4 = 3.5), one
		// words-only reply; 1+2+1+3+2 = 9 texts; three with words.
		want := [][]string{
			{"Measure", "Value"},
			{"Stays with feedback", "5"},
			{"Replies", "9"},
			{"Ratings", "4"},
			{"Average rating (1 to 5)", "3.5"},
			{"Rated 1", "1"},
			{"Rated 2", "0"},
			{"Rated 3", "0"},
			{"Rated 4", "2"},
			{"Rated 5", "1"},
			{"With a comment", "3"},
		}
		if diff := cmp.Diff(want, table(got)); diff != "" {
			t.Errorf("feedback (-want +got):\n%s", diff)
		}
		for _, row := range table(got) {
			for _, cell := range row {
				if cell == "Lovely staff" || cell == "Lost his glasses" {
					t.Errorf("the report shows a comment, %q; comments are for staff only", cell)
				}
			}
		}

		// A period with none: zeros, and no average rather than 0.
		none, err := f.svc.Feedback(ctx, reports.Period{From: d("2027-06-01"), To: d("2027-06-30")})
		if err != nil {
			t.Fatal(err)
		}
		if none.Stays != 0 || none.Ratings != 0 || none.AverageRating() != "" {
			t.Errorf("June = %+v, average %q; want nothing", none, none.AverageRating())
		}

		bad := reports.Period{From: d("2027-04-01"), To: d("2027-03-01")}
		if _, err := f.svc.Feedback(ctx, bad); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("Feedback(backwards period): err = %v, want Invalid", err)
		}
	})
}
