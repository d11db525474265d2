package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/redis/go-redis/v9"
)

// JobLocker gives a scheduled job's lock to one instance at a time.
type JobLocker struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewJobLocker returns a locker keeping its keys under prefix.
func NewJobLocker(rdb redis.UniversalClient, prefix string) *JobLocker {
	return &JobLocker{rdb: rdb, prefix: prefix}
}

// releaseScript deletes the lock only if it still holds our token, so a run
// that overran its lock never frees a later holder's.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`)

// TryLock takes name for ttl with SET NX PX; ok is false when another
// holder has it.
func (l *JobLocker) TryLock(ctx context.Context, name string, ttl time.Duration) (func(), bool, error) {
	tok := make([]byte, 16)
	_, _ = rand.Read(tok)
	token := hex.EncodeToString(tok)
	key := l.prefix + name
	cctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	ok, err := l.rdb.SetNX(cctx, key, token, ttl).Result()
	if err != nil || !ok {
		return nil, false, err
	}
	return func() {
		rctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		_ = releaseScript.Run(rctx, l.rdb, []string{key}, token).Err()
	}, true, nil
}
