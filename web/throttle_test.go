package web

import (
	"fmt"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/memstore"
)

// throttleClock is a clock the test moves by hand.
type throttleClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *throttleClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *throttleClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// throttledApp is a stand-in sign-in behind both throttles: the password
// "right" answers 200, anything else 401. The client address comes from
// X-Forwarded-For and the account from X-Account.
func throttledApp(t *testing.T, clock *throttleClock, perAddress, perAccount int) func(addr, account, password string) (int, string) {
	t.Helper()
	app := fiber.New(fiber.Config{
		EnableTrustedProxyCheck: true, TrustedProxies: []string{"0.0.0.0"}, ProxyHeader: fiber.HeaderXForwardedFor,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			p, _ := problemFor(err)
			return c.Status(p.Status).SendString(p.Detail)
		},
	})
	byAddress, byAccount := newThrottles(throttleConfig{
		store: memstore.New(), name: "test", perAddress: perAddress, perAccount: perAccount,
		account: func(c *fiber.Ctx) string { return c.Get("X-Account") },
		window:  15 * time.Minute, refused: tooManySignIns, now: clock.now,
	})
	app.Post("/sign-in", byAddress, byAccount, func(c *fiber.Ctx) error {
		if c.Get("X-Password") != "right" {
			return apperr.New(apperr.Unauthorized, "Wrong.")
		}
		return c.SendStatus(fiber.StatusOK)
	})
	return func(addr, account, password string) (int, string) {
		req := httptest.NewRequest("POST", "/sign-in", nil)
		req.Header.Set("X-Forwarded-For", addr)
		req.Header.Set("X-Account", account)
		req.Header.Set("X-Password", password)
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
}

func TestSigninThrottle(t *testing.T) {
	const attacker, owner, office = "203.0.113.9", "198.51.100.7", "192.0.2.1"

	t.Run("the guesser waits longer each time; the owner elsewhere gets in", func(t *testing.T) {
		clock := &throttleClock{t: time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)}
		try := throttledApp(t, clock, 100, 3)
		for i := range 3 {
			if got, _ := try(attacker, "duty@example.org", "guess"); got != 401 {
				t.Fatalf("guess %d = %d, want 401", i+1, got)
			}
		}
		var waits []string
		for range 5 {
			got, after := try(attacker, "duty@example.org", "guess")
			if got != 429 {
				t.Fatalf("guess too soon = %d, want 429", got)
			}
			// Even the right password waits: this address has been guessing.
			if got, _ := try(attacker, "duty@example.org", "right"); got != 429 {
				t.Errorf("right password from the guessing address, too soon = %d, want 429", got)
			}
			// The owner, from an address with no failures, is never held up.
			if got, _ := try(owner, "duty@example.org", "right"); got != 200 {
				t.Errorf("owner from another address = %d, want 200", got)
			}
			waits = append(waits, after)
			secs, _ := strconv.Atoi(after)
			clock.add(time.Duration(secs) * time.Second)
			if got, _ := try(attacker, "duty@example.org", "guess"); got != 401 {
				t.Fatalf("guess after waiting %ss = %d, want 401", after, got)
			}
		}
		if want := "[1 2 4 8 16]"; fmt.Sprint(waits) != want {
			t.Errorf("Retry-After after each further failure = %v, want %s", waits, want)
		}
		// The delay stops growing at throttleMaxDelay.
		for range 5 {
			clock.add(throttleMaxDelay)
			try(attacker, "duty@example.org", "guess")
		}
		if _, after := try(attacker, "duty@example.org", "guess"); after != "60" {
			t.Errorf("Retry-After at the most = %s, want 60", after)
		}
	})

	t.Run("a second guessing address meets the account's delay after its first failure", func(t *testing.T) {
		clock := &throttleClock{t: time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)}
		try := throttledApp(t, clock, 100, 3)
		for range 5 {
			try(attacker, "duty@example.org", "guess")
			clock.add(time.Minute)
		}
		if got, _ := try("203.0.113.10", "duty@example.org", "guess"); got != 401 {
			t.Fatalf("first guess from a new address = %d, want 401", got)
		}
		if got, after := try("203.0.113.10", "duty@example.org", "guess"); got != 429 || after == "" {
			t.Errorf("second guess from it = %d (Retry-After %q), want 429", got, after)
		}
	})

	t.Run("the owner's own slip, then the right password", func(t *testing.T) {
		clock := &throttleClock{t: time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)}
		try := throttledApp(t, clock, 100, 3)
		for range 10 {
			try(attacker, "duty@example.org", "guess")
			clock.add(2 * time.Minute)
		}
		// A typo puts the owner's address under the account's delay...
		if got, _ := try(owner, "duty@example.org", "typo"); got != 401 {
			t.Fatal(got)
		}
		got, after := try(owner, "duty@example.org", "right")
		if got != 429 {
			t.Fatalf("right password just after a typo, under attack = %d, want 429", got)
		}
		// ...for a minute at most, and then they are in.
		if secs, _ := strconv.Atoi(after); secs < 1 || secs > 60 {
			t.Errorf("Retry-After = %q, want 1 to 60 seconds", after)
		}
		clock.add(time.Minute)
		if got, _ := try(owner, "duty@example.org", "right"); got != 200 {
			t.Errorf("right password after the wait = %d, want 200", got)
		}
		// Having got in, their address is clean again.
		if got, _ := try(owner, "duty@example.org", "right"); got != 200 {
			t.Errorf("signing in again = %d, want 200", got)
		}
	})

	t.Run("per address, across accounts", func(t *testing.T) {
		clock := &throttleClock{t: time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)}
		try := throttledApp(t, clock, 4, 100)
		for i := range 4 {
			if got, _ := try(attacker, "user"+strconv.Itoa(i)+"@example.org", "guess"); got != 401 {
				t.Fatalf("guess %d = %d", i+1, got)
			}
		}
		if got, after := try(attacker, "another@example.org", "guess"); got != 429 || after != "1" {
			t.Errorf("fifth account from one address = %d (Retry-After %q), want 429 and 1", got, after)
		}
		if got, _ := try(office, "another@example.org", "guess"); got != 401 {
			t.Errorf("another address = %d, want 401 (not held up)", got)
		}
	})

	t.Run("successes never count", func(t *testing.T) {
		clock := &throttleClock{t: time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)}
		try := throttledApp(t, clock, 2, 2)
		for i := range 20 {
			if got, _ := try(office, "duty@example.org", "right"); got != 200 {
				t.Fatalf("sign-in %d = %d, want 200", i+1, got)
			}
		}
	})

	t.Run("a burst cannot slip past the count", func(t *testing.T) {
		clock := &throttleClock{t: time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)}
		try := throttledApp(t, clock, 100, 3)
		var wg sync.WaitGroup
		var mu sync.Mutex
		answered := map[int]int{}
		for range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, _ := try(attacker, "duty@example.org", "guess")
				mu.Lock()
				answered[got]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if answered[401] > 3 {
			t.Errorf("30 guesses at once: %d were tried (401), want at most 3; answers %v", answered[401], answered)
		}
	})
}

func TestDelayAfter(t *testing.T) {
	tests := []struct {
		n, free int
		want    time.Duration
	}{
		{0, 5, 0}, {4, 5, 0}, {5, 5, time.Second}, {6, 5, 2 * time.Second}, {10, 5, 32 * time.Second},
		{11, 5, time.Minute}, {1000, 5, time.Minute},
	}
	for _, tt := range tests {
		if got := delayAfter(tt.n, tt.free); got != tt.want {
			t.Errorf("delayAfter(%d, %d) = %v, want %v", tt.n, tt.free, got, tt.want)
		}
	}
}
