// Package memstore is a fiber.Storage in this process's memory: a map with
// expiry times. It keeps sign-in attempt counts when there is one instance
// (no Redis), and is the fallback each instance counts in while Redis does
// not answer, so the limits never switch off.
package memstore

import (
	"sync"
	"time"
)

// Storage is safe for use by many goroutines.
type Storage struct {
	mu        sync.Mutex
	items     map[string]item
	lastSweep time.Time
}

type item struct {
	val     []byte
	expires time.Time // zero: never
}

// sweepEvery is how often Set drops expired items, so keys nobody asks
// about again (one-off addresses) do not pile up.
const sweepEvery = time.Minute

// New returns an empty storage.
func New() *Storage {
	return &Storage{items: map[string]item{}, lastSweep: time.Now()}
}

// Get returns the value at key, or nil when there is none or it has expired.
func (m *Storage) Get(key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.items[key]
	if !ok || (!it.expires.IsZero() && !time.Now().Before(it.expires)) {
		return nil, nil
	}
	return it.val, nil
}

// Set stores a copy of val at key for exp (for ever when exp is 0).
func (m *Storage) Set(key string, val []byte, exp time.Duration) error {
	now := time.Now()
	it := item{val: append([]byte(nil), val...)} // the caller may reuse val
	if exp > 0 {
		it.expires = now.Add(exp)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[key] = it
	if now.Sub(m.lastSweep) >= sweepEvery {
		for k, v := range m.items {
			if !v.expires.IsZero() && !now.Before(v.expires) {
				delete(m.items, k)
			}
		}
		m.lastSweep = now
	}
	return nil
}

// Delete removes key.
func (m *Storage) Delete(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, key)
	return nil
}

// Reset removes every key.
func (m *Storage) Reset() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items = map[string]item{}
	return nil
}

// Close does nothing: there is nothing to let go of.
func (m *Storage) Close() error { return nil }
