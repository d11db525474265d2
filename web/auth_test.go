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
	limits := func(d *web.Deps) { d.SignInPerAccount = 3; d.SignInPerAddress = 5; d.SignInWindow = time.Minute }
	try := func(t *testing.T, s *testServer, email, password string) response {
		return s.do(t, request{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": email, "password": password}})
	}
	run := func(t *testing.T, s *testServer) {
		if _, err := s.accounts.CreateUser(context.Background(), accounts.NewUser{Email: "admin@example.org", Name: "Admin", Role: accounts.RoleAdmin, Password: "a long admin password"}); err != nil {
			t.Fatal(err)
		}
		// Correct sign-ins never count against anyone.
		for i := 0; i < 6; i++ {
			if r := try(t, s, "admin@example.org", "a long admin password"); r.status != 200 {
				t.Fatalf("good sign-in %d = %d", i, r.status)
			}
		}
		// Three failures at one account, then the account is locked for the window.
		for i := 0; i < 3; i++ {
			try(t, s, "admin@example.org", "wrong").problem(t, 401)
		}
		r := try(t, s, "ADMIN@example.org", "a long admin password")
		r.problem(t, 429)
		if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 || secs > 60 {
			t.Errorf("Retry-After = %q, want seconds within the window", r.header.Get("Retry-After"))
		}
		// The address has used 3 of its 5 failures (a refused attempt is not
		// counted): guessing at other accounts stops after two more.
		try(t, s, "someone@example.org", "guess").problem(t, 401)
		try(t, s, "someone-else@example.org", "guess").problem(t, 401)
		try(t, s, "a-third@example.org", "guess").problem(t, 429)
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
		try(t, second, "admin@example.org", "a long admin password").problem(t, 429)
	})
}
