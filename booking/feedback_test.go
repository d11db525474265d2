package booking_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/paging"
	"github.com/respite-uk/respite/providers"
)

func TestParseFeedback(t *testing.T) {
	tests := []struct {
		body    string
		rating  int // 0 for none
		comment string
	}{
		{"4", 4, ""},
		{" 5/5! ", 5, ""},
		{"5 out of 5", 5, ""},
		{"5 - lovely staff", 5, "lovely staff"},
		{"3. Room was cold", 3, "Room was cold"},
		{"1", 1, ""},
		{"10", 0, "10"},
		{"1.5", 0, "1.5"},
		{"6", 0, "6"},
		{"0", 0, "0"},
		{"Fine thanks,\nmum was happy", 0, "Fine thanks, mum was happy"},
		{"   ", 0, ""},
	}
	for _, tt := range tests {
		r, c := booking.ParseFeedback(tt.body)
		got := 0
		if r != nil {
			got = *r
		}
		if got != tt.rating || c != tt.comment {
			t.Errorf("ParseFeedback(%q) = %d, %q; want %d, %q", tt.body, got, c, tt.rating, tt.comment)
		}
	}
}

// A reply to the day-after text is feedback on that stay: a rating, words
// kept for staff, counted; a replay is ignored; others' texts and late
// replies are not feedback.
func TestFeedback(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		h := f.mkHome(t, "Oakwood", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		carer := f.mkCarer(t, 28)
		mum := f.mkPerson(t, carer, "1940-01-01", nil, nil)
		b := f.book(t, carerActor(carer), mum, h.beds[0], "2027-03-02", "2027-03-04")
		other := f.mkCarer(t, 28)

		f.clk.Set(london("2027-03-05 10:00"))
		if err := f.svc.SendReminders(ctx); err != nil {
			t.Fatal(err)
		}
		f.notify.SetInboundHook(f.svc.HandleFeedbackReply)
		receive := func(sid, from, body string) string {
			t.Helper()
			reply, err := f.notify.ReceiveText(ctx, notify.Inbound{MessageSid: sid, From: from, Body: body})
			if err != nil {
				t.Fatalf("ReceiveText(%q): %v", body, err)
			}
			return reply
		}
		if got := receive("SM1", carer.Mobile, "4"); got == "" {
			t.Errorf("a rating got no thanks")
		}
		receive("SM1", carer.Mobile, "4") // a replay: ignored
		f.clk.Set(london("2027-03-06 09:00"))
		receive("SM2", carer.Mobile, "Staff were lovely")
		if got := receive("SM3", other.Mobile, "5"); got != "" {
			t.Errorf("a carer with no follow-up got %q", got)
		}

		admin := accounts.Principal{Kind: accounts.SubjectStaff, ID: 9, Role: accounts.RoleAdmin}
		got, err := f.svc.ListFeedback(ctx, admin, booking.FeedbackFilter{From: d("2027-03-05"), To: d("2027-03-05")})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Items) != 1 || got.Next != 0 {
			t.Fatalf("feedback = %+v, want one, and no more pages", got)
		}
		type view struct {
			BookingID, CarerID int64
			Rating             int
			Comment, Reference string
			Replies            int
		}
		fb := got.Items[0]
		if diff := cmp.Diff(view{b.ID, carer.ID, 4, "Staff were lovely", b.Reference, 2},
			view{fb.BookingID, fb.CarerID, *fb.Rating, fb.Comment, fb.Reference, fb.Replies}); diff != "" {
			t.Errorf("feedback (-want +got):\n%s", diff)
		}
		if !fb.ReceivedAt.Equal(london("2027-03-05 10:00")) || !fb.LastReplyAt.Equal(london("2027-03-06 09:00")) {
			t.Errorf("received %v, last %v", fb.ReceivedAt, fb.LastReplyAt)
		}
		// Outside the dates asked for: nothing.
		if got, _ := f.svc.ListFeedback(ctx, admin, booking.FeedbackFilter{From: d("2027-03-06")}); len(got.Items) != 0 {
			t.Errorf("feedback from 6 March = %+v, want none (the first reply was on the 5th)", got)
		}
		// Only admins read comments.
		if _, err := f.svc.ListFeedback(ctx, duty, booking.FeedbackFilter{}); err == nil {
			t.Errorf("duty staff read feedback")
		}
		// Past the window, a text is not feedback.
		f.clk.Set(london("2027-03-20 10:00"))
		if reply, handled, err := f.svc.HandleFeedbackReply(ctx, carer.Mobile, "1"); err != nil || handled || reply != "" {
			t.Errorf("late reply = %q, %v, %v; want unhandled", reply, handled, err)
		}
	})
}

// Feedback is listed newest first a page at a time, and can be narrowed
// to the feedback with words in it: what the commissioner's page shows.
func TestListFeedback_pagesAndComments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		h := f.mkHome(t, "Oakwood", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		comments := []string{"Lovely staff", "", "Room was cold"} // oldest first
		var ids []int64
		for i, comment := range comments {
			carer := f.mkCarer(t, 28)
			mum := f.mkPerson(t, carer, "1940-01-01", nil, nil)
			arrive := d("2027-03-02").AddDays(3 * i)
			b := f.book(t, carerActor(carer), mum, h.beds[0], arrive.String(), arrive.AddDays(2).String())
			at := london("2027-03-20 10:00").Add(time.Duration(i) * time.Hour)
			fb := booking.Feedback{BookingID: b.ID, CarerID: carer.ID, Comment: comment, Replies: 1, ReceivedAt: at, LastReplyAt: at}
			if _, err := db.NewInsert().Model(&fb).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, fb.ID)
		}
		admin := accounts.Principal{Kind: accounts.SubjectStaff, ID: 9, Role: accounts.RoleAdmin}
		list := func(f2 booking.FeedbackFilter) (got []int64, next int64) {
			t.Helper()
			page, err := f.svc.ListFeedback(ctx, admin, f2)
			if err != nil {
				t.Fatal(err)
			}
			for _, fb := range page.Items {
				got = append(got, fb.ID)
			}
			return got, page.Next
		}
		first, next := list(booking.FeedbackFilter{Page: paging.Request{Limit: 2}})
		if diff := cmp.Diff([]int64{ids[2], ids[1]}, first); diff != "" || next != ids[1] {
			t.Errorf("first page (-want +got):\n%s next %d, want %d", diff, next, ids[1])
		}
		rest, next := list(booking.FeedbackFilter{Page: paging.Request{Limit: 2, After: next}})
		if diff := cmp.Diff([]int64{ids[0]}, rest); diff != "" || next != 0 {
			t.Errorf("second page (-want +got):\n%s next %d, want none", diff, next)
		}
		withWords, _ := list(booking.FeedbackFilter{WithComment: true})
		if diff := cmp.Diff([]int64{ids[2], ids[0]}, withWords); diff != "" {
			t.Errorf("with comments (-want +got):\n%s", diff)
		}
	})
}
