package redisstore

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// HoldStore claims place-nights in Redis, all or none, for booking holds
// shared by every instance.
type HoldStore struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewHoldStore returns a hold store keeping its keys under prefix.
func NewHoldStore(rdb redis.UniversalClient, prefix string) *HoldStore {
	return &HoldStore{rdb: rdb, prefix: prefix}
}

// claimScript sets every key to the hold id with the TTL only if none is
// held by another hold; Redis runs a script atomically, so two holds racing
// for overlapping nights cannot both win.
var claimScript = redis.NewScript(`
for i, k in ipairs(KEYS) do
  local v = redis.call("GET", k)
  if v and v ~= ARGV[1] then return 0 end
end
for i, k in ipairs(KEYS) do
  redis.call("SET", k, ARGV[1], "PX", ARGV[2])
end
return 1`)

// releaseHoldScript deletes the keys still set to the hold id.
var releaseHoldScript = redis.NewScript(`
for i, k in ipairs(KEYS) do
  if redis.call("GET", k) == ARGV[1] then redis.call("DEL", k) end
end
return 1`)

// Claim claims every key for holdID for ttl, or none.
func (s *HoldStore) Claim(ctx context.Context, holdID string, keys []string, ttl time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	n, err := claimScript.Run(ctx, s.rdb, s.keys(keys), holdID, ttl.Milliseconds()).Int()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// Release frees the keys holdID still holds.
func (s *HoldStore) Release(ctx context.Context, holdID string, keys []string) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	return releaseHoldScript.Run(ctx, s.rdb, s.keys(keys), holdID).Err()
}

func (s *HoldStore) keys(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = s.prefix + k
	}
	return out
}
