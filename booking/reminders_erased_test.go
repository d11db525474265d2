package booking_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/providers"
)

// A carer erased the day after their stay ended (their mobile replaced by
// a placeholder) gets no follow-up text, and the reminders job does not
// fail for want of a number; other carers' texts still go.
func TestSendReminders_skipsErasedCarers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		h := f.mkHome(t, "Oakwood", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"}, providers.BedInput{BedType: "residential"})
		erased, kept := f.mkCarer(t, 28), f.mkCarer(t, 28)
		f.book(t, carerActor(erased), f.mkPerson(t, erased, "1940-01-01", nil, nil), h.beds[0], "2027-03-02", "2027-03-04")
		f.book(t, carerActor(kept), f.mkPerson(t, kept, "1941-01-01", nil, nil), h.beds[1], "2027-03-02", "2027-03-04")
		if _, err := db.NewUpdate().Table("carers").Set("mobile = ?", "erased-1").Where("id = ?", erased.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		f.clk.Set(london("2027-03-05 09:00"))
		if err := f.svc.SendReminders(ctx); err != nil {
			t.Fatalf("SendReminders with an erased carer: %v", err)
		}
		var to []string
		if err := db.NewRaw("SELECT recipient FROM sms_messages WHERE template = 'stay_follow_up'").Scan(ctx, &to); err != nil {
			t.Fatal(err)
		}
		if len(to) != 1 || to[0] != kept.Mobile {
			t.Errorf("follow-ups went to %v, want only %s", to, kept.Mobile)
		}
	})
}
