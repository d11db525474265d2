package sharedlives_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/sharedlives"
)

// TestService_LowerCapacity: a host's capacity cannot go below the guests
// booked on any night from today on (the message names the night and the
// stays), and when it goes down, a guest in a slot the host no longer has
// moves to a free one, so searches still see them. Today is 23 November
// 2026.
func TestService_LowerCapacity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		g := newGuestBook(t, db)
		sue := f.mustApproved(t, validHost())
		if _, err := f.svc.UpdateHost(ctx, asCoordinator, sue.ID, sharedlives.HostPatch{Capacity: new(3)}); err != nil {
			t.Fatal(err)
		}
		// Two guests on the night of 8 December; Bert alone, in the third
		// slot, later (the two before him were booked and cancelled); Ivy
		// stayed in the third slot last month, which is history.
		g.book(t, stay{host: sue.ID, guest: "Margaret Hill", ref: "ABC2345", arrive: "2026-12-06", depart: "2026-12-09"})
		g.book(t, stay{host: sue.ID, guest: "Cath Doe", ref: "CDE3456", arrive: "2026-12-08", depart: "2026-12-10", slot: 1})
		g.book(t, stay{host: sue.ID, guest: "Bert Long", ref: "DEF4567", arrive: "2026-12-20", depart: "2026-12-22", slot: 2})
		g.book(t, stay{host: sue.ID, guest: "Ivy Page", ref: "EFG5678", arrive: "2026-10-20", depart: "2026-10-22", slot: 2})

		slots := func(t *testing.T) map[string]int {
			t.Helper()
			var rows []struct {
				Reference string `bun:"reference"`
				Slot      int    `bun:"slot"`
			}
			if err := db.NewSelect().ColumnExpr("DISTINCT b.reference, n.slot").TableExpr("booking_nights AS n").
				Join("JOIN bookings AS b ON b.id = n.booking_id").Where("n.place_id = ?", sue.ID).Scan(ctx, &rows); err != nil {
				t.Fatal(err)
			}
			out := map[string]int{}
			for _, r := range rows {
				out[r.Reference] = r.Slot
			}
			return out
		}

		t.Run("below the guests booked on a night, refused naming them", func(t *testing.T) {
			_, err := f.svc.UpdateHost(ctx, asCoordinator, sue.ID, sharedlives.HostPatch{Capacity: new(1), Name: new("Susan Miller")})
			e, ok := apperr.As(err)
			if !errors.Is(err, sharedlives.ErrCapacityBooked) || !ok || e.Kind != apperr.Conflict {
				t.Fatalf("lowering the capacity to 1 = %v; want ErrCapacityBooked", err)
			}
			want := "2 guests are booked to stay with this host on Tuesday 8 December 2026 (bookings ABC2345, CDE3456), so their capacity cannot go below 2. Move or cancel a stay first."
			if e.Message != want {
				t.Errorf("message:\n got %q\nwant %q", e.Message, want)
			}
			h, err := f.svc.Host(ctx, asCoordinator, sue.ID)
			if err != nil || h.Capacity != 3 || h.Name != "Sue Miller" {
				t.Errorf("a refused change changed the host: %+v, %v", h, err)
			}
		})

		t.Run("down to the guests booked, a guest beyond it moves to a free slot", func(t *testing.T) {
			h, err := f.svc.UpdateHost(ctx, asCoordinator, sue.ID, sharedlives.HostPatch{Capacity: new(2)})
			if err != nil || h.Capacity != 2 {
				t.Fatalf("lowering the capacity to 2 = %+v, %v", h, err)
			}
			want := map[string]int{"ABC2345": 0, "CDE3456": 1, "DEF4567": 0, "EFG5678": 2}
			if diff := cmp.Diff(want, slots(t)); diff != "" {
				t.Errorf("slots by booking (-want +got):\n%s", diff)
			}
		})

		t.Run("raising it moves nobody", func(t *testing.T) {
			if _, err := f.svc.UpdateHost(ctx, asCoordinator, sue.ID, sharedlives.HostPatch{Capacity: new(4)}); err != nil {
				t.Fatal(err)
			}
			if got := slots(t); got["DEF4567"] != 0 || got["CDE3456"] != 1 {
				t.Errorf("slots after raising the capacity: %v", got)
			}
		})
	})
}
