// Package redisstore keeps Respite's short-lived shared state in Redis when
// several instances run: sign-in attempt counts now; hold locks and the job
// lock later. Each type mirrors an in-process default used when REDIS_URL is
// unset.
package redisstore

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

var errRedisResting = errors.New("redis did not answer a moment ago; not asking again yet")

// opTimeout bounds each Redis call made on a request's behalf.
const opTimeout = 500 * time.Millisecond

// LimiterStorage is a fiber.Storage for the sign-in rate limiter, so attempt
// counts are shared by every instance. When Redis does not answer, attempts
// go uncounted rather than refusing every sign-in: staff must still be able
// to sign in for an emergency with Redis down. Each failure is logged.
type LimiterStorage struct {
	rdb    redis.UniversalClient
	prefix string
	log    *slog.Logger
	// downUntil (Unix nanoseconds): after a failure Redis is left alone for
	// a few seconds, so each sign-in meets one timeout, not four.
	downUntil atomic.Int64
}

// restFor is how long the storage leaves Redis alone after a failure.
const restFor = 5 * time.Second

// resting reports whether Redis failed a moment ago.
func (s *LimiterStorage) resting() bool { return time.Now().UnixNano() < s.downUntil.Load() }

func (s *LimiterStorage) failed(err error) {
	if s.downUntil.Swap(time.Now().Add(restFor).UnixNano()) < time.Now().UnixNano() {
		s.log.Warn("sign-in limiter: Redis did not answer; attempts go uncounted for a few seconds", "err", err)
	}
}

// NewLimiterStorage returns storage keeping its keys under prefix.
func NewLimiterStorage(rdb redis.UniversalClient, prefix string, log *slog.Logger) *LimiterStorage {
	return &LimiterStorage{rdb: rdb, prefix: prefix, log: log}
}

// Get returns the value at key, or nil when there is none.
func (s *LimiterStorage) Get(key string) ([]byte, error) {
	if s.resting() {
		return nil, errRedisResting
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	b, err := s.rdb.Get(ctx, s.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		s.failed(err)
		return nil, err
	}
	return b, nil
}

// Set stores val at key for exp (for ever when exp is 0).
func (s *LimiterStorage) Set(key string, val []byte, exp time.Duration) error {
	if s.resting() {
		return errRedisResting
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	err := s.rdb.Set(ctx, s.prefix+key, val, exp).Err()
	if err != nil {
		s.failed(err)
	}
	return err
}

// Delete removes key.
func (s *LimiterStorage) Delete(key string) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	return s.rdb.Del(ctx, s.prefix+key).Err()
}

// Reset removes every key under the prefix.
func (s *LimiterStorage) Reset() error {
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
