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
	// A port nothing listens on: the storage must answer quickly with an
	// error (the limiter then lets the attempt through) instead of hanging.
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	s := redisstore.NewLimiterStorage(rdb, "x:", slog.New(slog.NewTextHandler(io.Discard, nil)))
	start := time.Now()
	if _, err := s.Get("k"); err == nil {
		t.Error("Get with Redis down returned no error")
	}
	if err := s.Set("k", []byte("v"), time.Minute); err == nil {
		t.Error("Set with Redis down returned no error")
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("took %v with Redis down; each call must give up within its timeout", elapsed)
	}
	// Having failed, it leaves Redis alone for a while: the next calls
	// answer at once instead of each waiting for a timeout.
	start = time.Now()
	for range 10 {
		if _, err := s.Get("k"); err == nil {
			t.Error("Get while resting returned no error")
		}
	}
	if elapsed := time.Since(start); elapsed > 50*time.Millisecond {
		t.Errorf("10 calls while resting took %v, want no waiting", elapsed)
	}
}
