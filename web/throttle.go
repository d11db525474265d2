package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/memstore"
)

// Failed sign-ins slow the guesser down; they never lock an account.
//
// A fixed lock ("five wrong passwords lock the account for 15 minutes")
// lets anyone who knows a duty officer's email keep them out at 3am. So
// each sign-in step (password, authenticator code, SMS code, current
// password) is guarded by two throttles, each a delay that doubles with
// every failure instead of a lock:
//
//   - per address: after perAddress failures from one client address, at
//     any accounts, each further try from that address waits 1 s, 2 s,
//     4 s … (at most throttleMaxDelay) after its last failure;
//   - per account: failures at one account are counted from every address,
//     and after perAccount of them each further try waits the same way —
//     but only from addresses that have themselves failed at that account
//     within the window. An address with no recent failure there is not
//     held up by the account's count, so the owner signing in from
//     elsewhere, with the right password, gets in while the attack goes
//     on.
//
// Counts live in the limiter storage (Redis shared by every instance, with
// the in-memory fallback), and are forgotten a window after the last
// failure. A try is counted as a failure when it starts and given back when
// it succeeds, so a burst of tries sent at once cannot all slip through
// before the first one fails.
//
// Fiber's limiter counts hits in a fixed window and then refuses
// everyone, which is exactly the lock this replaces; hence this small type.
type signinThrottle struct {
	store fiber.Storage
	// keys names the request's counter, whose size sets the delay, and its
	// gate, the count whose last failure the delay runs from and whose
	// absence lets the request through. They are the same key for the
	// per-address throttle; for the per-account one the counter is the
	// account's and the gate is this address's at this account.
	keys func(c *fiber.Ctx) (counter, gate string)
	// free is how many failures the counter allows before any delay.
	free int
	// window is how long a failure is remembered.
	window time.Duration
	// refused is the 429's error, given how long to wait.
	refused func(wait time.Duration) error
	now     func() time.Time
	// mu makes each read-change-write of the counts whole within this
	// instance. Across instances two tries can race and one count be lost,
	// which costs a guesser at most a try; Fiber's limiter is the same.
	mu sync.Mutex
}

// The delays: the first after the allowed failures, doubling up to the
// most. The most is short on purpose: someone who mistypes while their
// account is under attack waits a minute at worst, never a lock; a guesser
// gets about one try a minute per address.
const (
	throttleFirstDelay = time.Second
	throttleMaxDelay   = time.Minute
)

// failureCount is one stored count: how many failures, and when the last
// was. It is stored as "count lastUnixNano" so any instance can read it.
type failureCount struct {
	n    int
	last time.Time
}

func (f failureCount) encode() []byte {
	return []byte(strconv.Itoa(f.n) + " " + strconv.FormatInt(f.last.UnixNano(), 10))
}

func decodeFailureCount(b []byte) failureCount {
	n, last, ok := strings.Cut(string(b), " ")
	if !ok {
		return failureCount{}
	}
	count, err1 := strconv.Atoi(n)
	ns, err2 := strconv.ParseInt(last, 10, 64)
	if err1 != nil || err2 != nil || count < 0 {
		return failureCount{} // unreadable: as if there were none
	}
	return failureCount{n: count, last: time.Unix(0, ns)}
}

// delayAfter is how long to wait after the last failure when n failures
// have been counted: nothing up to free, then 1 s, 2 s, 4 s … at most
// throttleMaxDelay.
func delayAfter(n, free int) time.Duration {
	if n < free {
		return 0
	}
	steps := n - free
	if steps >= 16 { // 2^16 s is far past the most; avoid overflow
		return throttleMaxDelay
	}
	return min(throttleFirstDelay<<steps, throttleMaxDelay)
}

func (t *signinThrottle) get(key string) failureCount {
	b, _ := t.store.Get(key) // the storage answers from memory when Redis is down
	return decodeFailureCount(b)
}

func (t *signinThrottle) set(key string, f failureCount) {
	_ = t.store.Set(key, f.encode(), t.window)
}

// handler refuses a try that comes too soon with 429 and Retry-After;
// otherwise it counts the try as a failure, runs the rest of the chain,
// and gives the count back unless the answer was a failure (a 4xx other
// than 429: a wrong password, an unknown account, a bad code). A 5xx is
// not the person's fault, so it is given back too.
func (t *signinThrottle) handler(c *fiber.Ctx) error {
	counter, gate := t.keys(c)
	now := t.now()

	t.mu.Lock()
	count := t.get(counter)
	gated := count
	if gate != counter {
		gated = t.get(gate)
	}
	if gated.n > 0 {
		if until := gated.last.Add(delayAfter(count.n, t.free)); now.Before(until) {
			t.mu.Unlock()
			wait := until.Sub(now)
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			return t.refused(wait)
		}
	}
	// Count it now, as a failure; a success gives it back below.
	t.set(counter, failureCount{n: count.n + 1, last: now})
	if gate != counter {
		t.set(gate, failureCount{n: gated.n + 1, last: now})
	}
	t.mu.Unlock()

	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		// Errors are rendered later, so work out the status they will get.
		p, _ := problemFor(err)
		status = p.Status
	}
	if status >= 400 && status < 500 && status != fiber.StatusTooManyRequests {
		return err // a failure: it stays counted
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	// Give back the counter's try. If no other failure came in meanwhile,
	// its last failure goes back to what it was, so this try does not
	// push anyone's wait later.
	cur := t.get(counter)
	back := failureCount{n: max(cur.n-1, 0), last: cur.last}
	if cur.last.Equal(now) {
		back.last = count.last
	}
	if back.n == 0 {
		_ = t.store.Delete(counter)
	} else {
		t.set(counter, back)
	}
	if gate != counter {
		if status < 400 {
			// This address has just shown it knows the secret: its own
			// failures at the account no longer count against it.
			_ = t.store.Delete(gate)
		} else {
			cur := t.get(gate)
			if cur.n <= 1 {
				_ = t.store.Delete(gate)
			} else {
				t.set(gate, failureCount{n: cur.n - 1, last: cur.last})
			}
		}
	}
	return err
}

// failureLimits returns the two throttles for a sign-in step called name:
// per client address, and per account (as account names it, for example
// the email typed), with the sign-in limits' numbers from Deps. refused
// makes the 429's error from how long to wait.
func (s *Server) failureLimits(name string, account func(*fiber.Ctx) string, refused func(time.Duration) error) (perAddress, perAccount fiber.Handler) {
	orDefault := func(n, def int) int {
		if n <= 0 {
			return def
		}
		return n
	}
	return s.throttles(name, account,
		orDefault(s.deps.SignInPerAddress, defaultSignInPerAddress),
		orDefault(s.deps.SignInPerAccount, defaultSignInPerAccount), refused)
}

// throttles builds the per-address and per-account throttles, allowing
// perAddress and perAccount failures before any delay.
func (s *Server) throttles(name string, account func(*fiber.Ctx) string, perAddress, perAccount int, refused func(time.Duration) error) (fiber.Handler, fiber.Handler) {
	window := s.deps.SignInWindow
	if window <= 0 {
		window = defaultSignInWindow
	}
	store := s.deps.LimiterStorage
	if store == nil {
		store = memstore.New() // one instance: its memory is the whole count
	}
	return newThrottles(throttleConfig{
		store: store, name: name, account: account, perAddress: perAddress, perAccount: perAccount,
		window: window, refused: refused, now: time.Now,
	})
}

// throttleConfig is what a pair of throttles needs.
type throttleConfig struct {
	store                  fiber.Storage
	name                   string // prefixes every key: one sign-in step's counts
	account                func(*fiber.Ctx) string
	perAddress, perAccount int
	window                 time.Duration
	refused                func(time.Duration) error
	now                    func() time.Time
}

func newThrottles(cfg throttleConfig) (perAddress, perAccount fiber.Handler) {
	byAddress := &signinThrottle{
		store: cfg.store, free: cfg.perAddress, window: cfg.window, refused: cfg.refused, now: cfg.now,
		keys: func(c *fiber.Ctx) (string, string) {
			k := cfg.name + ":addr:" + c.IP()
			return k, k
		},
	}
	byAccount := &signinThrottle{
		store: cfg.store, free: cfg.perAccount, window: cfg.window, refused: cfg.refused, now: cfg.now,
		keys: func(c *fiber.Ctx) (string, string) {
			acct := cfg.account(c)
			return cfg.name + ":acct:" + acct, cfg.name + ":pair:" + c.IP() + ":" + acct
		},
	}
	return byAddress.handler, byAccount.handler
}

// waitWords says how long to wait, for the 429's message.
func waitWords(d time.Duration) string {
	secs := int(math.Ceil(d.Seconds()))
	switch {
	case secs <= 1:
		return "a second"
	case secs < 60:
		return fmt.Sprintf("%d seconds", secs)
	}
	return "a minute"
}
