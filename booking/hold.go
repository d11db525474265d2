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
// stay: "bed:12:0:2027-04-03".
func nightKeys(placeKind string, placeID int64, slot int, arrive, depart calendar.Date) []string {
	var keys []string
	for d := arrive; d.Before(depart); d = d.AddDays(1) {
		keys = append(keys, fmt.Sprintf("%s:%d:%d:%s", placeKind, placeID, slot, d))
	}
	return keys
}
