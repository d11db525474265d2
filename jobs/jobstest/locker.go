// Package jobstest holds the test suite every jobs.Locker must pass, so the
// in-process lock and the Redis lock are held to the same behaviour.
package jobstest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/respite-uk/respite/jobs"
)

// Locker runs the contract tests against lockers made by newLocker. Each
// call of newLocker stands for one instance sharing the same lock store.
func Locker(t *testing.T, newLocker func() jobs.Locker) {
	ctx := context.Background()

	t.Run("one holder at a time across instances", func(t *testing.T) {
		a, b := newLocker(), newLocker()
		release, ok, err := a.TryLock(ctx, "job:x", time.Minute)
		if err != nil || !ok {
			t.Fatalf("first TryLock = %v, %v", ok, err)
		}
		if _, ok, err := b.TryLock(ctx, "job:x", time.Minute); ok || err != nil {
			t.Fatalf("second instance got the held lock (ok=%v, err=%v)", ok, err)
		}
		if _, ok, _ := b.TryLock(ctx, "job:y", time.Minute); !ok {
			t.Error("another name's lock was refused")
		}
		release()
		if _, ok, _ := b.TryLock(ctx, "job:x", time.Minute); !ok {
			t.Error("the lock was not free after release")
		}
	})

	t.Run("expires on its own", func(t *testing.T) {
		a, b := newLocker(), newLocker()
		if _, ok, _ := a.TryLock(ctx, "job:z", 100*time.Millisecond); !ok {
			t.Fatal("TryLock failed")
		}
		time.Sleep(250 * time.Millisecond)
		release, ok, _ := b.TryLock(ctx, "job:z", time.Minute)
		if !ok {
			t.Fatal("an expired lock was still held: a crashed instance would block the job for ever")
		}
		defer release()
	})

	t.Run("a late release does not free a later holder's lock", func(t *testing.T) {
		a, b, c := newLocker(), newLocker(), newLocker()
		staleRelease, _, _ := a.TryLock(ctx, "job:w", 100*time.Millisecond)
		time.Sleep(250 * time.Millisecond)
		release, ok, _ := b.TryLock(ctx, "job:w", time.Minute)
		if !ok {
			t.Fatal("could not take the expired lock")
		}
		defer release()
		staleRelease()
		if _, ok, _ := c.TryLock(ctx, "job:w", time.Minute); ok {
			t.Error("the first holder's late release freed the second holder's lock")
		}
	})

	t.Run("many instances racing: exactly one wins", func(t *testing.T) {
		const racers = 20
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, ok, err := newLocker().TryLock(ctx, "job:race", time.Minute); ok && err == nil {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if got := wins.Load(); got != 1 {
			t.Errorf("%d of %d racers got the lock, want exactly 1", got, racers)
		}
	})
}
