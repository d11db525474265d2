package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/respite-uk/respite/jobs"
	"github.com/respite-uk/respite/jobs/jobstest"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/redisstore"
)

func TestJobLocker(t *testing.T) {
	rdb, prefix := dbtest.Redis(t)
	jobstest.Locker(t, func() jobs.Locker { return redisstore.NewJobLocker(rdb, prefix) })
}

func TestJobLocker_RedisDown(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	_, ok, err := redisstore.NewJobLocker(rdb, "x:").TryLock(context.Background(), "job:a", time.Minute)
	if ok || err == nil {
		t.Errorf("TryLock with Redis down = %v, %v; want an error (the runner then runs the job anyway)", ok, err)
	}
}
