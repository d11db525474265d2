// Package redisstore keeps Respite's short-lived shared state in Redis when
// several instances run: booking holds, sign-in attempt counts and the job
// lock. Each type mirrors an in-process default used when REDIS_URL is
// unset.
package redisstore

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/respite-uk/respite/memstore"
)

// opTimeout bounds each Redis call made on a request's behalf. A hold
// makes two calls at most when Redis stops answering (the claim, then a
// release of whatever the claim may have set), so two of these plus the
// database work still answer within a second.
const opTimeout = 300 * time.Millisecond

// LimiterStorage is a fiber.Storage for the sign-in limits, so attempt
// counts are shared by every instance.
//
// When Redis does not answer, counting carries on in this instance's
// memory: weaker than a shared count (each instance counts alone) but
// never no limit, and signing in keeps working — staff must be able to sign
// in for an emergency with Redis down. Every write also goes to memory, so
// an outage starts from the counts this instance last wrote rather than
// from nothing. Once Redis answers again its counts are the ones used.
type LimiterStorage struct {
	rdb    redis.UniversalClient
	prefix string
	log    *slog.Logger
	mem    *memstore.Storage
	// downUntil (Unix nanoseconds): after a failure Redis is left alone for
	// a few seconds, so each sign-in meets one timeout, not four; meanwhile
	// memory answers.
	downUntil atomic.Int64
}

// restFor is how long the storage leaves Redis alone after a failure.
const restFor = 5 * time.Second

// NewLimiterStorage returns storage keeping its keys under prefix.
func NewLimiterStorage(rdb redis.UniversalClient, prefix string, log *slog.Logger) *LimiterStorage {
	return &LimiterStorage{rdb: rdb, prefix: prefix, log: log, mem: memstore.New()}
}

// resting reports whether Redis failed a moment ago.
func (s *LimiterStorage) resting() bool { return time.Now().UnixNano() < s.downUntil.Load() }

func (s *LimiterStorage) failed(err error) {
	if s.downUntil.Swap(time.Now().Add(restFor).UnixNano()) < time.Now().UnixNano() {
		s.log.Warn("sign-in limits: Redis did not answer; counting in this instance's memory until it does", "err", err)
	}
}

// Get returns the value at key, or nil when there is none. It never fails:
// without Redis it answers from memory.
func (s *LimiterStorage) Get(key string) ([]byte, error) {
	if s.resting() {
		return s.mem.Get(key)
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	b, err := s.rdb.Get(ctx, s.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		s.failed(err)
		return s.mem.Get(key)
	}
	return b, nil
}

// Set stores val at key for exp (for ever when exp is 0), in memory always
// and in Redis when it answers. It never fails.
func (s *LimiterStorage) Set(key string, val []byte, exp time.Duration) error {
	_ = s.mem.Set(key, val, exp)
	if s.resting() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := s.rdb.Set(ctx, s.prefix+key, val, exp).Err(); err != nil {
		s.failed(err)
	}
	return nil
}

// Delete removes key from memory and, when it answers, from Redis.
func (s *LimiterStorage) Delete(key string) error {
	_ = s.mem.Delete(key)
	if s.resting() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := s.rdb.Del(ctx, s.prefix+key).Err(); err != nil {
		s.failed(err)
	}
	return nil
}

// Reset removes every key under the prefix.
func (s *LimiterStorage) Reset() error {
	_ = s.mem.Reset()
	ctx := context.Background()
	iter := s.rdb.Scan(ctx, 0, s.prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		if err := s.rdb.Del(ctx, iter.Val()).Err(); err != nil {
			return err
		}
	}
	return iter.Err()
}

// Close does nothing: the client belongs to cmd/respite, which closes it.
func (s *LimiterStorage) Close() error { return nil }
