package redisstore_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/redisstore"
)

func TestLimiterStorage(t *testing.T) {
	rdb, prefix := dbtest.Redis(t)
	s := redisstore.NewLimiterStorage(rdb, prefix, slog.New(slog.NewTextHandler(io.Discard, nil)))

	if got, err := s.Get("missing"); got != nil || err != nil {
		t.Errorf("Get(missing) = %q, %v; want nil, nil", got, err)
	}
	if err := s.Set("k", []byte("v1"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get("k"); string(got) != "v1" || err != nil {
		t.Errorf("Get(k) = %q, %v", got, err)
	}
	if ttl := rdb.TTL(t.Context(), prefix+"k").Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("TTL = %v, want up to a minute", ttl)
	}
	if err := s.Set("k2", []byte("v2"), 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("k"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get("k"); got != nil {
		t.Errorf("after Delete, Get = %q", got)
	}
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if n := rdb.Exists(t.Context(), prefix+"k2").Val(); n != 0 {
		t.Errorf("after Reset, k2 still exists")
	}
}

func TestLimiterStorage_RedisDown(t *testing.T) {
	// A port nothing listens on: the storage must answer quickly, and from
	// memory, so the limits keep counting instead of switching off.
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	s := redisstore.NewLimiterStorage(rdb, "x:", slog.New(slog.NewTextHandler(io.Discard, nil)))
	start := time.Now()
	if got, err := s.Get("k"); got != nil || err != nil {
		t.Errorf("Get(k) with Redis down = %q, %v; want nil, nil (nothing counted yet)", got, err)
	}
	if err := s.Set("k", []byte("v"), time.Minute); err != nil {
		t.Errorf("Set with Redis down = %v; want the count kept in memory", err)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("took %v with Redis down; each call must give up within its timeout", elapsed)
	}
	// Having failed, it leaves Redis alone for a while and answers from
	// memory at once: the count written above is there.
	start = time.Now()
	for range 10 {
		if got, err := s.Get("k"); string(got) != "v" || err != nil {
			t.Fatalf("Get while resting = %q, %v; want the value from memory", got, err)
		}
	}
	if elapsed := time.Since(start); elapsed > 50*time.Millisecond {
		t.Errorf("10 calls while resting took %v, want no waiting", elapsed)
	}
	if err := s.Set("short", []byte("x"), 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(80 * time.Millisecond)
	if got, _ := s.Get("short"); got != nil {
		t.Errorf("Get after expiry = %q, want nil", got)
	}
	if err := s.Delete("k"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get("k"); got != nil {
		t.Errorf("Get after Delete = %q, want nil", got)
	}
}

// TestLimiterStorage_OutageStartsFromLastCounts: counts written while Redis
// answered are still there when it stops, so an outage does not hand out a
// fresh set of attempts.
func TestLimiterStorage_OutageStartsFromLastCounts(t *testing.T) {
	rdb, prefix := dbtest.Redis(t)
	opts := *rdb.Options()
	flaky := redis.NewClient(&opts)
	s := redisstore.NewLimiterStorage(flaky, prefix, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := s.Set("count", []byte("4"), time.Minute); err != nil {
		t.Fatal(err)
	}
	_ = flaky.Close() // every call fails from now on, as if Redis had gone
	if got, err := s.Get("count"); string(got) != "4" || err != nil {
		t.Errorf("Get after Redis went = %q, %v; want the last count, 4", got, err)
	}
}
