package redisstore

import (
	"time"

	"github.com/redis/go-redis/v9"
)

// Ceilings on every Redis call. On a working network Redis answers in well
// under a millisecond; these only matter when it does not — a server that
// is frozen (SIGSTOP, a stalled VM), unreachable, or swamped — and they are
// what turns that into a quick 503 instead of a request that hangs for the
// go-redis defaults (5 s per read, retried). A URL may still set its own
// (?dial_timeout=2s&read_timeout=1s…); these fill in what it leaves out.
const (
	dialTimeout  = 1 * time.Second
	readTimeout  = 500 * time.Millisecond
	writeTimeout = 500 * time.Millisecond
	// poolTimeout bounds the wait for a free connection when every pooled
	// one is stuck on a server that stopped answering.
	poolTimeout = 1 * time.Second
)

// Options parses a redis:// (or rediss://) URL into client options with
// Respite's timeouts, and makes the client honour each call's context
// deadline, so the per-call bounds in this package (opTimeout) and the
// readiness probe's are the real ones.
func Options(url string) (*redis.Options, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	if opts.DialTimeout == 0 {
		opts.DialTimeout = dialTimeout
	}
	if opts.ReadTimeout == 0 {
		opts.ReadTimeout = readTimeout
	}
	if opts.WriteTimeout == 0 {
		opts.WriteTimeout = writeTimeout
	}
	if opts.PoolTimeout == 0 {
		opts.PoolTimeout = poolTimeout
	}
	// Without this go-redis ignores the context's deadline for socket I/O
	// and waits for ReadTimeout on every try.
	opts.ContextTimeoutEnabled = true
	return opts, nil
}

// NewClient is redis.NewClient with Options(url).
func NewClient(url string) (*redis.Client, error) {
	opts, err := Options(url)
	if err != nil {
		return nil, err
	}
	return redis.NewClient(opts), nil
}
