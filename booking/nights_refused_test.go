package booking_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/migrations/dbtest"
)

// TestInsertNights_refusedPartWayTriesTheNextSlots: a stay's nights are
// written with ON CONFLICT DO NOTHING. When one is refused part-way (a
// rival took the host's slot 0 on the second night), the nights already
// written are taken out again, so the next choice of slots succeeds in the
// same transaction, and the stay ends with exactly its own nights. When
// the refusal is the person's own other stay, the answer says so.
func TestInsertNights_refusedPartWayTriesTheNextSlots(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		host := f.mkHost(t, "Ann Smith", 2, nil, nil, [2]string{"2027-04-01", "2027-04-30"})
		mkStay := func(p booking.Person, arrive, depart string) booking.Booking {
			t.Helper()
			now := time.Now().UTC()
			b := booking.Booking{Reference: "T" + arrive + p.Name, Status: booking.StatusConfirmed, Kind: booking.KindPlanned,
				PersonID: p.ID, CarerID: p.CarerID, PlaceKind: booking.PlaceHost, PlaceID: host.ID, Arrive: d(arrive), Depart: d(depart),
				Nights: d(arrive).DaysUntil(d(depart)), CreatedByKind: "carer", CreatedByID: p.CarerID, CreatedAt: now, UpdatedAt: now}
			if _, err := db.NewInsert().Model(&b).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			return b
		}
		rival := f.mkPerson(t, f.mkCarer(t, 20), "1940-01-01", nil, nil)
		rivalStay := mkStay(rival, "2027-04-11", "2027-04-12")
		if err := f.svc.InsertNightsTrying(ctx, rivalStay, [][]int{{0}}); err != nil {
			t.Fatal(err)
		}

		guest := f.mkPerson(t, f.mkCarer(t, 20), "1940-01-01", nil, nil)
		stay := mkStay(guest, "2027-04-10", "2027-04-13")
		if err := f.svc.InsertNightsTrying(ctx, stay, [][]int{{0, 0, 0}, {1, 1, 1}}); err != nil {
			t.Fatalf("the second choice of slots = %v, want it to succeed", err)
		}
		var slots []int
		if err := db.NewSelect().TableExpr("booking_nights").Column("slot").Where("booking_id = ?", stay.ID).OrderExpr("night").Scan(ctx, &slots); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int{1, 1, 1}, slots); diff != "" {
			t.Errorf("the stay's slots, night by night (-want +got):\n%s", diff)
		}

		// The guest's own stay on the 12th refuses another of theirs.
		again := mkStay(guest, "2027-04-12", "2027-04-14")
		err := f.svc.InsertNightsTrying(ctx, again, [][]int{{0, 0}})
		if !errors.Is(err, booking.ErrOtherStay) {
			t.Errorf("a second stay on the guest's own night = %v, want ErrOtherStay", err)
		}
	})
}
