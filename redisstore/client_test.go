package redisstore_test

import (
	"testing"
	"time"

	"github.com/respite-uk/respite/redisstore"
)

func TestOptions(t *testing.T) {
	t.Run("timeouts filled in, deadlines honoured", func(t *testing.T) {
		o, err := redisstore.Options("redis://127.0.0.1:6379/2")
		if err != nil {
			t.Fatal(err)
		}
		if o.DialTimeout != time.Second || o.ReadTimeout != 500*time.Millisecond || o.WriteTimeout != 500*time.Millisecond || o.PoolTimeout != time.Second {
			t.Errorf("timeouts dial %v read %v write %v pool %v, want 1s 500ms 500ms 1s", o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout)
		}
		if !o.ContextTimeoutEnabled {
			t.Error("ContextTimeoutEnabled = false: calls would ignore their deadlines")
		}
		if o.DB != 2 || o.Addr != "127.0.0.1:6379" {
			t.Errorf("addr %q db %d, want what the URL says", o.Addr, o.DB)
		}
	})
	t.Run("the URL's own timeouts win", func(t *testing.T) {
		o, err := redisstore.Options("redis://127.0.0.1:6379/0?read_timeout=2s&dial_timeout=3s")
		if err != nil {
			t.Fatal(err)
		}
		if o.ReadTimeout != 2*time.Second || o.DialTimeout != 3*time.Second || o.WriteTimeout != 500*time.Millisecond {
			t.Errorf("read %v dial %v write %v, want 2s 3s 500ms", o.ReadTimeout, o.DialTimeout, o.WriteTimeout)
		}
	})
	t.Run("not a Redis URL", func(t *testing.T) {
		if _, err := redisstore.Options("http://example.org"); err == nil {
			t.Error("no error for an http URL")
		}
	})
}
