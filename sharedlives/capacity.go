package sharedlives

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
)

// A host's capacity is how many guests they take at once, and each guest
// booked on a night has one of the host's slots that night (0 up to
// capacity-1), which the booking tables' primary key keeps to one guest.
// Lowering the capacity must leave every guest already booked a slot the
// host still has: a guest left in a slot beyond the new capacity would be
// invisible to searches, which offer only the slots a host has, and the
// host could be booked over capacity.

// ErrCapacityBooked refuses to lower a host's capacity below the number of
// guests booked on some night; copies of it name the night and the stays.
var ErrCapacityBooked = apperr.New(apperr.Conflict, "More guests are booked on some night than the new capacity allows.")

// bookedSlot is one guest's slot on one night at a host.
type bookedSlot struct {
	Night     calendar.Date `bun:"night"`
	Slot      int           `bun:"slot"`
	Reference string        `bun:"reference"`
}

// fitGuests makes the host's booked guests, from today on, fit capacity:
// it refuses with ErrCapacityBooked when some night has more guests than
// capacity, naming the busiest night and its stays, and otherwise moves
// each guest in a slot the host no longer has into a free one below
// capacity, night by night. It runs inside the transaction that changes
// the capacity, under the host's row lock (LockHost), which a booking at
// the host takes too, so no booking comes in between.
func fitGuests(ctx context.Context, tx bun.IDB, hostID int64, capacity int, today calendar.Date) error {
	var booked []bookedSlot
	// Like bookedNights, this reads the booking package's tables by name.
	if err := tx.NewSelect().
		ColumnExpr("n.night, n.slot, b.reference").
		TableExpr("booking_nights AS n").
		Join("JOIN bookings AS b ON b.id = n.booking_id").
		Where("n.place_kind = 'host'").Where("n.place_id = ?", hostID).Where("n.night >= ?", today).
		OrderExpr("n.night, n.slot").
		Scan(ctx, &booked); err != nil {
		return apperr.Wrapf(err, "reading the guests booked with host %d", hostID)
	}
	byNight := map[calendar.Date][]bookedSlot{}
	var nights []calendar.Date
	for _, b := range booked {
		if _, seen := byNight[b.Night]; !seen {
			nights = append(nights, b.Night)
		}
		byNight[b.Night] = append(byNight[b.Night], b)
	}
	if err := checkFits(byNight, nights, capacity); err != nil {
		return err
	}
	for _, night := range nights {
		guests := byNight[night]
		taken := make([]bool, capacity)
		for _, g := range guests {
			if g.Slot < capacity {
				taken[g.Slot] = true
			}
		}
		for _, g := range guests {
			if g.Slot < capacity {
				continue
			}
			free := slices.Index(taken, false) // there is one: checkFits counted
			taken[free] = true
			if _, err := tx.NewUpdate().Table("booking_nights").Set("slot = ?", free).
				Where("place_kind = 'host' AND place_id = ? AND night = ? AND slot = ?", hostID, night, g.Slot).
				Exec(ctx); err != nil {
				return apperr.Wrapf(err, "moving booking %s at host %d to another slot", g.Reference, hostID)
			}
		}
	}
	return nil
}

// checkFits returns ErrCapacityBooked, naming the night with the most
// guests (the first, of equals) and their stays, when that is more than
// capacity.
func checkFits(byNight map[calendar.Date][]bookedSlot, nights []calendar.Date, capacity int) error {
	var busiest calendar.Date
	most := 0
	for _, n := range nights {
		if len(byNight[n]) > most {
			busiest, most = n, len(byNight[n])
		}
	}
	if most <= capacity {
		return nil
	}
	refs := make([]string, len(byNight[busiest]))
	for i, g := range byNight[busiest] {
		refs[i] = g.Reference
	}
	slices.Sort(refs)
	return ErrCapacityBooked.Reason("%d guests are booked to stay with this host on %s (bookings %s), so their capacity cannot go below %d. Move or cancel %s first.",
		most, busiest.Long(), strings.Join(refs, ", "), most, plural(most-capacity, "a stay", fmt.Sprintf("%d stays", most-capacity)))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
