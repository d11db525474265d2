package booking

import (
	"context"
	"fmt"
	"time"

	"github.com/respite-uk/respite/calendar"
)

// HoldStore claims place-nights atomically for a short time. Implementations:
// LocalHoldStore here (one instance) and redisstore.HoldStore (several); both
// pass booking/bookingtest's hold store suite.
type HoldStore interface {
	// Claim claims every key for holdID for ttl, all or none: ok is false
	// (and nothing is claimed) when any key is already claimed by another
	// hold. err means the store could not be asked; callers must then refuse
	// the hold, never skip the lock.
	Claim(ctx context.Context, holdID string, keys []string, ttl time.Duration) (ok bool, err error)
	// Release frees the keys still claimed by holdID. Keys claimed since by
	// another hold are left alone.
	Release(ctx context.Context, holdID string, keys []string) error
}

// nightKeys names the hold store keys for a place's slot on each night of a
// stay, slots[i] being the slot on the i-th night: "host:12:1:2027-04-03".
func nightKeys(placeKind string, placeID int64, arrive calendar.Date, slots []int) []string {
	keys := make([]string, len(slots))
	for i, slot := range slots {
		keys[i] = fmt.Sprintf("%s:%d:%d:%s", placeKind, placeID, slot, arrive.AddDays(i))
	}
	return keys
}

// holdKeys names the hold store keys a hold claims.
func holdKeys(h Hold) []string {
	return nightKeys(h.PlaceKind, h.PlaceID, h.Arrive, h.nightSlots())
}
