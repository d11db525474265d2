// Package bookingtest holds the test suite every booking.HoldStore must pass,
// so the in-process store and the Redis store behave the same.
package bookingtest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/respite-uk/respite/booking"
)

// HoldStore runs the suite against stores made by newStore; each call stands
// for one instance sharing the same backing store.
func HoldStore(t *testing.T, newStore func() booking.HoldStore) {
	ctx := context.Background()
	nights := func(prefix string, from, n int) []string {
		var keys []string
		for i := from; i < from+n; i++ {
			keys = append(keys, fmt.Sprintf("%s:2027-04-%02d", prefix, i))
		}
		return keys
	}

	t.Run("all or none", func(t *testing.T) {
		a, b := newStore(), newStore()
		if ok, err := a.Claim(ctx, "h1", nights("bed:1:0", 3, 3), time.Minute); !ok || err != nil {
			t.Fatalf("first claim = %v, %v", ok, err)
		}
		// Overlaps one night (the 5th): nothing of it may be claimed.
		if ok, err := b.Claim(ctx, "h2", nights("bed:1:0", 5, 3), time.Minute); ok || err != nil {
			t.Fatalf("overlapping claim = %v, %v; want refused", ok, err)
		}
		if ok, _ := b.Claim(ctx, "h3", nights("bed:1:0", 6, 2), time.Minute); !ok {
			t.Error("the nights after the first hold were left claimed by the refused one")
		}
		if ok, _ := b.Claim(ctx, "h4", nights("bed:2:0", 3, 3), time.Minute); !ok {
			t.Error("another bed's same nights were refused")
		}
	})

	t.Run("release frees only the holder's keys", func(t *testing.T) {
		a, b := newStore(), newStore()
		a.Claim(ctx, "r1", nights("bed:3:0", 1, 2), time.Minute)
		if err := b.Release(ctx, "someone-else", nights("bed:3:0", 1, 2)); err != nil {
			t.Fatal(err)
		}
		if ok, _ := b.Claim(ctx, "r2", nights("bed:3:0", 1, 1), time.Minute); ok {
			t.Fatal("another hold's release freed the keys")
		}
		if err := a.Release(ctx, "r1", nights("bed:3:0", 1, 2)); err != nil {
			t.Fatal(err)
		}
		if ok, _ := b.Claim(ctx, "r2", nights("bed:3:0", 1, 2), time.Minute); !ok {
			t.Error("released nights could not be claimed")
		}
	})

	t.Run("expires on its own", func(t *testing.T) {
		a, b := newStore(), newStore()
		a.Claim(ctx, "e1", nights("bed:4:0", 1, 2), 100*time.Millisecond)
		time.Sleep(250 * time.Millisecond)
		if ok, _ := b.Claim(ctx, "e2", nights("bed:4:0", 1, 2), time.Minute); !ok {
			t.Error("an expired hold still blocked the nights")
		}
	})

	t.Run("racing claims on overlapping stays: exactly one wins", func(t *testing.T) {
		const racers = 30
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Every racer's stay overlaps every other's on the 10th.
				keys := nights("bed:5:0", 10-i%3, 1+i%3+1)
				if ok, err := newStore().Claim(ctx, fmt.Sprintf("race-%d", i), keys, time.Minute); ok && err == nil {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if got := wins.Load(); got != 1 {
			t.Errorf("%d racers won, want exactly 1", got)
		}
	})
}
