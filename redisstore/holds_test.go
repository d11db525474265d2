package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/booking/bookingtest"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/redisstore"
)

func TestHoldStore(t *testing.T) {
	rdb, prefix := dbtest.Redis(t)
	bookingtest.HoldStore(t, func() booking.HoldStore { return redisstore.NewHoldStore(rdb, prefix) })
}

func TestHoldStore_RedisDown(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	ok, err := redisstore.NewHoldStore(rdb, "x:").Claim(context.Background(), "h", []string{"bed:1:0:2027-04-03"}, time.Minute)
	if ok || err == nil {
		t.Errorf("Claim with Redis down = %v, %v; want an error, never a silent success", ok, err)
	}
}
