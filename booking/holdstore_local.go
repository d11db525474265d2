package booking

import (
	"context"
	"sync"
	"time"

	"github.com/respite-uk/respite/calendar"
)

// LocalHoldStore is the in-process hold store for a single instance (no
// REDIS_URL). It gives the same all-or-none claims as the Redis one.
type LocalHoldStore struct {
	mu   sync.Mutex
	keys map[string]localClaim
	now  calendar.Clock
}

type localClaim struct {
	holdID  string
	expires time.Time
}

// NewLocalHoldStore returns an empty in-process hold store.
func NewLocalHoldStore() *LocalHoldStore {
	return &LocalHoldStore{keys: map[string]localClaim{}, now: calendar.SystemClock}
}

// Claim claims every key for holdID, or none.
func (s *LocalHoldStore) Claim(_ context.Context, holdID string, keys []string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, k := range keys {
		if c, ok := s.keys[k]; ok && now.Before(c.expires) && c.holdID != holdID {
			return false, nil
		}
	}
	for _, k := range keys {
		s.keys[k] = localClaim{holdID: holdID, expires: now.Add(ttl)}
	}
	s.sweep(now)
	return true, nil
}

// Release frees the keys holdID still claims.
func (s *LocalHoldStore) Release(_ context.Context, holdID string, keys []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		if c, ok := s.keys[k]; ok && c.holdID == holdID {
			delete(s.keys, k)
		}
	}
	return nil
}

// sweep drops expired claims now and then, so the map does not grow
// without end. It is cheap next to the rest of a claim.
func (s *LocalHoldStore) sweep(now time.Time) {
	if len(s.keys) < 10_000 {
		return
	}
	for k, c := range s.keys {
		if !now.Before(c.expires) {
			delete(s.keys, k)
		}
	}
}
