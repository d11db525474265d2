package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/redisstore"
	"github.com/respite-uk/respite/web"
)

func TestLogin(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		u, err := s.accounts.CreateUser(context.Background(), accounts.NewUser{Email: "duty@example.org", Name: "Sam Duty", Role: accounts.RoleDuty, Password: "a long duty password"})
		if err != nil {
			t.Fatal(err)
		}

		r := s.do(t, request{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "Duty@Example.org", "password": "a long duty password"}})
		if r.status != 200 {
			t.Fatalf("login = %d %s", r.status, r.body)
		}
		got := r.json(t)
		token, _ := got["token"].(string)
		user, _ := got["user"].(map[string]any)
		if len(token) < 40 || user["id"] != float64(u.ID) || user["email"] != "duty@example.org" || user["name"] != "Sam Duty" || user["role"] != "duty" {
			t.Errorf("login body = %s", r.body)
		}
		expires, err := time.Parse(time.RFC3339, got["expires_at"].(string))
		if err != nil || expires.Sub(time.Now()) < 11*time.Hour || expires.Sub(time.Now()) > 13*time.Hour {
			t.Errorf("expires_at = %v (%v), want about 12 hours ahead", got["expires_at"], err)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store for a token", cc)
		}

		me := s.do(t, request{method: "GET", path: "/api/v1/auth/me", token: token})
		if me.status != 200 || me.json(t)["role"] != "duty" {
			t.Errorf("/auth/me = %d %s", me.status, me.body)
		}

		t.Run("unknown email and wrong password get the same answer", func(t *testing.T) {
			unknown := s.do(t, request{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "nobody@example.org", "password": "a long duty password"}})
			wrong := s.do(t, request{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": "duty@example.org", "password": "not the password"}})
			pu, pw := unknown.problem(t, 401), wrong.problem(t, 401)
			if pu.Detail != pw.Detail || pu.Type != pw.Type || pu.Title != pw.Title {
				t.Errorf("answers differ:\n%+v\n%+v", pu, pw)
			}
		})
		t.Run("missing fields", func(t *testing.T) {
			p := s.do(t, request{method: "POST", path: "/api/v1/auth/login", body: map[string]string{}}).problem(t, 422)
			if got := strings.Join(fieldNames(p), ","); got != "email,password" {
				t.Errorf("fields = %s", got)
			}
		})
		t.Run("without a token, with a bad one", func(t *testing.T) {
			for _, tok := range []string{"", "not-a-real-token"} {
				r := s.do(t, request{method: "GET", path: "/api/v1/providers", token: tok})
				r.problem(t, 401)
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
				}
			}
		})
		t.Run("wrong role", func(t *testing.T) {
			s.do(t, request{method: "POST", path: "/api/v1/providers", token: token, body: map[string]any{}}).problem(t, 403)
			if r := s.do(t, request{method: "GET", path: "/api/v1/providers", token: token}); r.status != 200 {
				t.Errorf("duty reading care homes = %d, want 200", r.status)
			}
		})
		t.Run("logout revokes the token", func(t *testing.T) {
			if r := s.do(t, request{method: "POST", path: "/api/v1/auth/logout", token: token}); r.status != 204 {
				t.Fatalf("logout = %d %s", r.status, r.body)
			}
			s.do(t, request{method: "GET", path: "/api/v1/auth/me", token: token}).problem(t, 401)
		})
	})
}

func TestLogin_RateLimits(t *testing.T) {
	// Requests say which client address they come from in X-Forwarded-For,
	// as through a trusted proxy.
	limits := func(d *web.Deps) {
		d.SignInPerAccount, d.SignInPerAddress, d.SignInWindow = 3, 5, time.Minute
		d.TrustedProxies = []string{"0.0.0.0"}
	}
	const attacker, owner = "203.0.113.9", "198.51.100.7"
	try := func(t *testing.T, s *testServer, from, email, password string) response {
		return s.do(t, request{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": email, "password": password},
			headers: map[string]string{"X-Forwarded-For": from}})
	}
	run := func(t *testing.T, s *testServer) {
		if _, err := s.accounts.CreateUser(context.Background(), accounts.NewUser{Email: "duty@example.org", Name: "Duty", Role: accounts.RoleDuty, Password: "a long duty password"}); err != nil {
			t.Fatal(err)
		}
		// Correct sign-ins never count against anyone.
		for i := 0; i < 6; i++ {
			if r := try(t, s, owner, "duty@example.org", "a long duty password"); r.status != 200 {
				t.Fatalf("good sign-in %d = %d", i, r.status)
			}
		}
		// Three failures at one account from one address: that address
		// must now wait before trying the account again, even with the
		// right password...
		for i := 0; i < 3; i++ {
			try(t, s, attacker, "duty@example.org", "wrong").problem(t, 401)
		}
		r := try(t, s, attacker, "DUTY@example.org", "a long duty password")
		r.problem(t, 429)
		if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 || secs > 60 {
			t.Errorf("Retry-After = %q, want seconds up to a minute", r.header.Get("Retry-After"))
		}
		// ...but the account is not locked: its owner, from an address
		// with no failures, signs in.
		if r := try(t, s, owner, "duty@example.org", "a long duty password"); r.status != 200 {
			t.Errorf("owner from another address while the account is being guessed = %d %s, want 200", r.status, r.body)
		}
		// The attacker's address has used 3 of its 5 failures (a refused
		// try is not counted): guessing at other accounts is slowed after
		// two more.
		try(t, s, attacker, "someone@example.org", "guess").problem(t, 401)
		try(t, s, attacker, "someone-else@example.org", "guess").problem(t, 401)
		try(t, s, attacker, "a-third@example.org", "guess").problem(t, 429)
	}
	t.Run("in memory", func(t *testing.T) {
		run(t, newTestServer(t, dbtest.SQLite(t), limits))
	})
	t.Run("in Redis, shared by instances", func(t *testing.T) {
		rdb, prefix := dbtest.Redis(t)
		db := dbtest.SQLite(t)
		storage := func(d *web.Deps) { d.LimiterStorage = redisstore.NewLimiterStorage(rdb, prefix, d.Logger) }
		first := newTestServer(t, db, limits, storage)
		run(t, first)
		// A second instance sharing the Redis sees the same counts.
		second := newTestServer(t, db, limits, storage)
		try(t, second, attacker, "duty@example.org", "a long duty password").problem(t, 429)
		if r := try(t, second, owner, "duty@example.org", "a long duty password"); r.status != 200 {
			t.Errorf("owner on the second instance = %d, want 200", r.status)
		}
	})
}

// TestLogin_GuessingCannotLockOutTheOwner is the 3am case: someone keeps
// guessing an admin's password from one address. Each of their tries waits
// longer than the last (429 with a growing Retry-After), while the admin,
// from their own address, signs in with the password and an authenticator
// code as usual.
func TestLogin_GuessingCannotLockOutTheOwner(t *testing.T) {
	// The throttles do not touch the database, so SQLite is enough; the
	// test sleeps through the delays it checks, 3 s.
	db := dbtest.SQLite(t)
	w := newStaffWorld(t, db, func(d *web.Deps) {
		d.SignInPerAccount, d.SignInWindow = 3, time.Minute
		d.TrustedProxies = []string{"0.0.0.0"}
	})
	_, secret, _ := w.admin(t, "admin@example.org")
	const attacker, owner = "203.0.113.9", "198.51.100.7"
	from := func(addr string) map[string]string { return map[string]string{"X-Forwarded-For": addr} }
	login := func(addr, password string) response {
		return w.do(t, request{method: "POST", path: "/api/v1/auth/login", headers: from(addr),
			body: map[string]string{"email": "admin@example.org", "password": password}})
	}
	ownerSignsIn := func() {
		t.Helper()
		r := login(owner, staffPassword)
		if r.status != 200 || r.json(t)["next"] != "second_factor" {
			t.Fatalf("owner's password = %d %s, want the second-factor step", r.status, r.body)
		}
		w.clock.add(30 * time.Second) // a new authenticator code each time
		r = w.do(t, request{method: "POST", path: "/api/v1/auth/login/second-factor", headers: from(owner),
			body: map[string]string{"pending_token": r.json(t)["pending_token"].(string), "code": appCode(t, secret, w.clock.Now())}})
		if r.status != 200 || r.json(t)["token"] == nil {
			t.Fatalf("owner's code = %d %s, want a token", r.status, r.body)
		}
	}

	var rows [][]string
	for range 3 {
		login(attacker, "guess").problem(t, 401)
	}
	rows = append(rows, []string{"attacker: 3 wrong passwords", "401 ×3", ""})
	var waits []string
	for range 2 {
		r := login(attacker, "guess")
		r.problem(t, 429)
		waits = append(waits, r.header.Get("Retry-After"))
		rows = append(rows, []string{"attacker: at once again", "429", r.header.Get("Retry-After")})
		ownerSignsIn()
		rows = append(rows, []string{"owner, another address: password + authenticator code", "200 (signed in)", ""})
		secs, _ := strconv.Atoi(r.header.Get("Retry-After"))
		time.Sleep(time.Duration(secs)*time.Second + 50*time.Millisecond)
		login(attacker, "guess").problem(t, 401) // allowed again, and wrong again
		rows = append(rows, []string{"attacker: after waiting Retry-After", "401", ""})
	}
	if got := strings.Join(waits, ","); got != "1,2" {
		t.Errorf("the guesser's Retry-After = %s, want 1,2 (doubling)", got)
	}
	ownerSignsIn()
	rows = append(rows, []string{"owner, another address: password + authenticator code", "200 (signed in)", ""})
	faultTable(t, "Password guessing at an admin's account (3 failures allowed before delays)",
		[]string{"who", "answer", "Retry-After"}, rows)
}
