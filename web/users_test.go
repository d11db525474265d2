package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image/png"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/web"
)

// finishSignIn takes the answer to POST /auth/login to a token: an admin
// sets up an authenticator app first, at the real time (the helpers' server
// runs on the system clock).
func (s *testServer) finishSignIn(t *testing.T, body map[string]any) string {
	t.Helper()
	if token, ok := body["token"].(string); ok {
		return token
	}
	if body["next"] != "enrol_second_factor" {
		t.Fatalf("sign-in answer = %v, want a token or the enrolment step", body)
	}
	pending := body["pending_token"].(string)
	key := s.do(t, request{method: "POST", path: "/api/v1/auth/login/enrolment", body: map[string]string{"pending_token": pending}})
	if key.status != 200 {
		t.Fatalf("enrolment = %d %s", key.status, key.body)
	}
	code := appCode(t, key.json(t)["secret"].(string), time.Now())
	r := s.do(t, request{method: "POST", path: "/api/v1/auth/login/enrolment/confirm", body: map[string]string{"pending_token": pending, "code": code}})
	if r.status != 200 {
		t.Fatalf("confirming the enrolment = %d %s", r.status, r.body)
	}
	return r.json(t)["token"].(string)
}

func appCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixedClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// staffWorld is a test server whose accounts run on a clock the test moves,
// so authenticator codes and idle time are the test's to choose.
type staffWorld struct {
	*testServer
	clock *fixedClock
	acc   *accounts.Service
}

func newStaffWorld(t *testing.T, db *bun.DB, tweak ...func(*web.Deps)) *staffWorld {
	t.Helper()
	w := &staffWorld{clock: &fixedClock{t: time.Date(2026, 11, 23, 10, 0, 5, 0, time.UTC)}}
	w.acc = accounts.NewService(db, accounts.Options{Clock: w.clock.Now, BcryptCost: bcrypt.MinCost, StaffIdleTimeout: 30 * time.Minute})
	w.testServer = newTestServer(t, db, append([]func(*web.Deps){func(d *web.Deps) { d.Accounts = w.acc }}, tweak...)...)
	return w
}

const staffPassword = "a long staff password"

// login posts the email and password.
func (w *staffWorld) login(t *testing.T, email, password string) response {
	t.Helper()
	return w.do(t, request{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": email, "password": password}})
}

// pending signs in with the password and wants the step next.
func (w *staffWorld) pending(t *testing.T, email, next string) string {
	t.Helper()
	r := w.login(t, email, staffPassword)
	if r.status != 200 {
		t.Fatalf("login = %d %s", r.status, r.body)
	}
	got := r.json(t)
	if got["next"] != next || got["token"] != nil {
		t.Fatalf("login answer = %s, want next %s and no token", r.body, next)
	}
	return got["pending_token"].(string)
}

// admin adds an admin, sets up their app, and returns their token and
// secret. Each admin's codes are for a new step: the clock moves on 30 s.
func (w *staffWorld) admin(t *testing.T, email string) (string, string, accounts.User) {
	t.Helper()
	u, err := w.acc.CreateUser(context.Background(), accounts.NewUser{Email: email, Name: "Admin " + email[:1], Role: accounts.RoleAdmin, Password: staffPassword})
	if err != nil {
		t.Fatal(err)
	}
	pending := w.pending(t, email, "enrol_second_factor")
	key := w.do(t, request{method: "POST", path: "/api/v1/auth/login/enrolment", body: map[string]string{"pending_token": pending}})
	secret := key.json(t)["secret"].(string)
	r := w.do(t, request{method: "POST", path: "/api/v1/auth/login/enrolment/confirm", body: map[string]string{"pending_token": pending, "code": appCode(t, secret, w.clock.Now())}})
	if r.status != 200 {
		t.Fatalf("confirm = %d %s", r.status, r.body)
	}
	w.clock.add(30 * time.Second)
	return r.json(t)["token"].(string), secret, u
}

func (w *staffWorld) staff(t *testing.T, email string, role accounts.Role) (string, accounts.User) {
	t.Helper()
	u, err := w.acc.CreateUser(context.Background(), accounts.NewUser{Email: email, Name: "Staff " + email[:1], Role: role, Password: staffPassword})
	if err != nil {
		t.Fatal(err)
	}
	r := w.login(t, email, staffPassword)
	if r.status != 200 {
		t.Fatalf("login = %d %s", r.status, r.body)
	}
	return r.json(t)["token"].(string), u
}

func TestLogin_SecondFactor(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		w := newStaffWorld(t, db)
		ctx := context.Background()
		if _, err := w.acc.CreateUser(ctx, accounts.NewUser{Email: "admin@example.org", Name: "Alex Admin", Role: accounts.RoleAdmin, Password: staffPassword}); err != nil {
			t.Fatal(err)
		}

		r := w.login(t, "Admin@Example.org", staffPassword)
		if r.status != 200 {
			t.Fatalf("login = %d %s", r.status, r.body)
		}
		got := r.json(t)
		pending, _ := got["pending_token"].(string)
		if got["next"] != "enrol_second_factor" || got["token"] != nil || len(pending) < 40 || got["pending_expires_at"] == nil {
			t.Fatalf("an admin with no app: login answer = %s, want the enrolment step and no token", r.body)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q", cc)
		}
		w.do(t, request{method: "GET", path: "/api/v1/auth/me", token: pending}).problem(t, 401)
		p := w.do(t, request{method: "POST", path: "/api/v1/auth/login/second-factor", body: map[string]string{"pending_token": pending, "code": "123456"}}).problem(t, 409)
		if !strings.Contains(p.Detail, "setting up an authenticator app") {
			t.Errorf("wrong step: %q", p.Detail)
		}

		key := w.do(t, request{method: "POST", path: "/api/v1/auth/login/enrolment", body: map[string]string{"pending_token": pending}})
		if key.status != 200 || key.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("enrolment = %d %s", key.status, key.body)
		}
		k := key.json(t)
		secret := k["secret"].(string)
		if url, _ := k["otpauth_url"].(string); !strings.HasPrefix(url, "otpauth://totp/") || !strings.Contains(url, secret) {
			t.Errorf("otpauth_url = %q", url)
		}
		qr, err := base64.StdEncoding.DecodeString(k["qr_code_png"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(qr)); err != nil {
			t.Errorf("qr_code_png is not a PNG: %v", err)
		}
		bad := w.do(t, request{method: "POST", path: "/api/v1/auth/login/enrolment/confirm", body: map[string]string{"pending_token": pending, "code": "12 34"}}).problem(t, 422)
		if diff := cmp.Diff([]string{"code"}, fieldNames(bad)); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
		r = w.do(t, request{method: "POST", path: "/api/v1/auth/login/enrolment/confirm", body: map[string]string{"pending_token": pending, "code": appCode(t, secret, w.clock.Now())}})
		if r.status != 200 {
			t.Fatalf("confirm = %d %s", r.status, r.body)
		}
		done := r.json(t)
		token, _ := done["token"].(string)
		codes, _ := done["recovery_codes"].([]any)
		if token == "" || len(codes) != 10 || done["next"] != nil || done["pending_token"] != nil {
			t.Fatalf("confirm answer = %s, want a token and 10 recovery codes", r.body)
		}
		if me := w.do(t, request{method: "GET", path: "/api/v1/auth/me", token: token}); me.status != 200 || me.json(t)["role"] != "admin" {
			t.Errorf("/auth/me = %d %s", me.status, me.body)
		}

		t.Run("next time: a code", func(t *testing.T) {
			w.clock.add(30 * time.Second)
			code := appCode(t, secret, w.clock.Now())
			pending := w.pending(t, "admin@example.org", "second_factor")
			r := w.do(t, request{method: "POST", path: "/api/v1/auth/login/second-factor", body: map[string]string{"pending_token": pending, "code": code}})
			if r.status != 200 || r.json(t)["token"] == nil {
				t.Fatalf("second factor = %d %s", r.status, r.body)
			}
			// The same code again, in the same step: refused.
			pending = w.pending(t, "admin@example.org", "second_factor")
			w.do(t, request{method: "POST", path: "/api/v1/auth/login/second-factor", body: map[string]string{"pending_token": pending, "code": code}}).problem(t, 401)
			// A recovery code works, once.
			r = w.do(t, request{method: "POST", path: "/api/v1/auth/login/second-factor", body: map[string]string{"pending_token": pending, "code": codes[0].(string)}})
			if r.status != 200 || r.json(t)["token"] == nil {
				t.Fatalf("recovery code = %d %s", r.status, r.body)
			}
			pending = w.pending(t, "admin@example.org", "second_factor")
			w.do(t, request{method: "POST", path: "/api/v1/auth/login/second-factor", body: map[string]string{"pending_token": pending, "code": codes[0].(string)}}).problem(t, 401)
			p := w.do(t, request{method: "POST", path: "/api/v1/auth/login/second-factor", body: map[string]string{"pending_token": pending, "code": ""}}).problem(t, 422)
			if diff := cmp.Diff([]string{"code"}, fieldNames(p)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			w.do(t, request{method: "POST", path: "/api/v1/auth/login/second-factor", body: map[string]string{"pending_token": "made-up", "code": "123456"}}).problem(t, 401)
		})

		t.Run("a duty officer with no app signs in as before", func(t *testing.T) {
			w.staff(t, "duty@example.org", accounts.RoleDuty)
		})
	})
}

func TestLogin_SecondFactorRateLimits(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		w := newStaffWorld(t, db, func(d *web.Deps) { d.SignInPerAccount = 3; d.SignInPerAddress = 100; d.SignInWindow = time.Minute })
		_, secret, _ := w.admin(t, "admin@example.org")
		// Wrong codes on three separate sign-ins: the count is the
		// account's, not the pending token's.
		for range 3 {
			pending := w.pending(t, "admin@example.org", "second_factor")
			w.do(t, request{method: "POST", path: "/api/v1/auth/login/second-factor", body: map[string]string{"pending_token": pending, "code": "000000"}}).problem(t, 401)
		}
		pending := w.pending(t, "admin@example.org", "second_factor")
		r := w.do(t, request{method: "POST", path: "/api/v1/auth/login/second-factor", body: map[string]string{"pending_token": pending, "code": appCode(t, secret, w.clock.Now())}})
		r.problem(t, 429)
		if r.header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
		// Another account's codes are not held up.
		_, secret2, _ := w.admin(t, "other@example.org")
		pending = w.pending(t, "other@example.org", "second_factor")
		if r := w.do(t, request{method: "POST", path: "/api/v1/auth/login/second-factor", body: map[string]string{"pending_token": pending, "code": appCode(t, secret2, w.clock.Now())}}); r.status != 200 {
			t.Errorf("another account's code = %d %s", r.status, r.body)
		}
	})
}

func TestLogin_OneTimePassword(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		w := newStaffWorld(t, db)
		admin, _, _ := w.admin(t, "admin@example.org")
		r := w.do(t, request{method: "POST", path: "/api/v1/users", token: admin, body: map[string]string{"email": "sam@example.org", "name": "Sam Duty", "role": "duty"}})
		if r.status != 201 || r.header.Get("Location") == "" {
			t.Fatalf("create = %d %s", r.status, r.body)
		}
		created := r.json(t)
		oneTime := created["one_time_password"].(string)
		if u := created["user"].(map[string]any); u["must_change_password"] != true || u["email"] != "sam@example.org" {
			t.Errorf("created = %s", r.body)
		}

		r = w.login(t, "sam@example.org", oneTime)
		if r.status != 200 || r.json(t)["next"] != "change_password" {
			t.Fatalf("login with the one-time password = %d %s", r.status, r.body)
		}
		pending := r.json(t)["pending_token"].(string)
		p := w.do(t, request{method: "POST", path: "/api/v1/auth/login/password", body: map[string]string{"pending_token": pending, "new_password": "short"}}).problem(t, 422)
		if diff := cmp.Diff([]string{"new_password"}, fieldNames(p)); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
		r = w.do(t, request{method: "POST", path: "/api/v1/auth/login/password", body: map[string]string{"pending_token": pending, "new_password": "sam's own long password"}})
		if r.status != 200 || r.json(t)["token"] == nil {
			t.Fatalf("new password = %d %s", r.status, r.body)
		}
		token := r.json(t)["token"].(string)

		t.Run("own password", func(t *testing.T) {
			p := w.do(t, request{method: "POST", path: "/api/v1/auth/me/password", token: token, body: map[string]string{"current_password": "wrong", "new_password": "another long password"}}).problem(t, 422)
			if diff := cmp.Diff([]string{"current_password"}, fieldNames(p)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if r := w.do(t, request{method: "POST", path: "/api/v1/auth/me/password", token: token, body: map[string]string{"current_password": "sam's own long password", "new_password": "another long password"}}); r.status != 204 {
				t.Fatalf("change = %d %s", r.status, r.body)
			}
			if r := w.login(t, "sam@example.org", "another long password"); r.status != 200 || r.json(t)["token"] == nil {
				t.Errorf("login with the new password = %d %s", r.status, r.body)
			}
		})

		t.Run("own authenticator app", func(t *testing.T) {
			r := w.do(t, request{method: "POST", path: "/api/v1/auth/me/second-factor", token: token})
			if r.status != 200 {
				t.Fatalf("begin = %d %s", r.status, r.body)
			}
			secret := r.json(t)["secret"].(string)
			r = w.do(t, request{method: "POST", path: "/api/v1/auth/me/second-factor/confirm", token: token, body: map[string]string{"code": appCode(t, secret, w.clock.Now())}})
			if r.status != 200 || len(r.json(t)["recovery_codes"].([]any)) != 10 {
				t.Fatalf("confirm = %d %s", r.status, r.body)
			}
			w.do(t, request{method: "POST", path: "/api/v1/auth/me/second-factor", token: token}).problem(t, 409)
			w.clock.add(30 * time.Second)
			if r := w.login(t, "sam@example.org", "another long password"); r.json(t)["next"] != "second_factor" {
				t.Errorf("login with an app = %s, want the second factor step", r.body)
			}
		})
	})
}

func TestUsersAPI(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		w := newStaffWorld(t, db)
		admin, _, first := w.admin(t, "admin@example.org")
		duty, sam := w.staff(t, "sam@example.org", accounts.RoleDuty)
		coordinator, _ := w.staff(t, "cat@example.org", accounts.RoleCoordinator)
		carer, _, err := w.acc.StartSession(context.Background(), db, accounts.SubjectCarer, 1)
		if err != nil {
			t.Fatal(err)
		}
		samPath := "/api/v1/users/" + strconv.FormatInt(sam.ID, 10)

		t.Run("only admins", func(t *testing.T) {
			calls := []request{
				{method: "GET", path: "/api/v1/users"},
				{method: "POST", path: "/api/v1/users", body: map[string]string{"email": "new@example.org", "name": "New", "role": "duty"}},
				{method: "GET", path: samPath},
				{method: "POST", path: samPath + "/disable"},
				{method: "POST", path: samPath + "/enable"},
				{method: "PUT", path: samPath + "/role", body: map[string]string{"role": "admin"}},
				{method: "POST", path: samPath + "/reset-password"},
				{method: "POST", path: samPath + "/reset-second-factor"},
			}
			before, _ := db.NewSelect().Table("audit_log").Count(context.Background()) // the admins' apps, set up at sign-in
			for _, call := range calls {
				for _, token := range []string{duty, coordinator, carer} {
					call.token = token
					w.do(t, call).problem(t, 403)
				}
				call.token = ""
				w.do(t, call).problem(t, 401)
			}
			if n, _ := db.NewSelect().Table("audit_log").Count(context.Background()); n != before {
				t.Errorf("%d audit entries after refused calls, want none", n-before)
			}
		})

		t.Run("list and show", func(t *testing.T) {
			r := w.do(t, request{method: "GET", path: "/api/v1/users?role=duty", token: admin})
			if r.status != 200 {
				t.Fatalf("list = %d %s", r.status, r.body)
			}
			var emails []string
			for _, it := range r.json(t)["items"].([]any) {
				emails = append(emails, it.(map[string]any)["email"].(string))
			}
			if diff := cmp.Diff([]string{"sam@example.org"}, emails); diff != "" {
				t.Errorf("duty staff (-want +got):\n%s", diff)
			}
			p := w.do(t, request{method: "GET", path: "/api/v1/users?role=boss&status=gone&limit=0", token: admin}).problem(t, 422)
			if diff := cmp.Diff([]string{"limit"}, fieldNames(p)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			p = w.do(t, request{method: "GET", path: "/api/v1/users?role=boss&status=gone", token: admin}).problem(t, 422)
			if diff := cmp.Diff([]string{"role", "status"}, fieldNames(p)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			r = w.do(t, request{method: "GET", path: "/api/v1/users/" + strconv.FormatInt(first.ID, 10), token: admin})
			if got := r.json(t); r.status != 200 || got["role"] != "admin" || got["second_factor"] != true || got["active"] != true {
				t.Errorf("show = %d %s", r.status, r.body)
			}
			w.do(t, request{method: "GET", path: "/api/v1/users/9999", token: admin}).problem(t, 404)
			w.do(t, request{method: "GET", path: "/api/v1/users/abc", token: admin}).problem(t, 404)
		})

		t.Run("disable, enable, role, resets", func(t *testing.T) {
			r := w.do(t, request{method: "POST", path: samPath + "/disable", token: admin, body: map[string]string{"reason": "on leave"}})
			if r.status != 200 || r.json(t)["active"] != false {
				t.Fatalf("disable = %d %s", r.status, r.body)
			}
			w.do(t, request{method: "GET", path: "/api/v1/auth/me", token: duty}).problem(t, 401)
			w.login(t, "sam@example.org", staffPassword).problem(t, 403)
			if r := w.do(t, request{method: "POST", path: samPath + "/enable", token: admin}); r.status != 200 || r.json(t)["active"] != true {
				t.Fatalf("enable = %d %s", r.status, r.body)
			}
			duty = w.login(t, "sam@example.org", staffPassword).json(t)["token"].(string)

			p := w.do(t, request{method: "PUT", path: samPath + "/role", token: admin, body: map[string]string{"role": "boss"}}).problem(t, 422)
			if diff := cmp.Diff([]string{"role"}, fieldNames(p)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if r := w.do(t, request{method: "PUT", path: samPath + "/role", token: admin, body: map[string]string{"role": "coordinator", "reason": "moved teams"}}); r.status != 200 || r.json(t)["role"] != "coordinator" {
				t.Fatalf("role = %d %s", r.status, r.body)
			}
			adminPath := "/api/v1/users/" + strconv.FormatInt(first.ID, 10)
			p = w.do(t, request{method: "PUT", path: adminPath + "/role", token: admin, body: map[string]string{"role": "duty"}}).problem(t, 409)
			if !strings.Contains(p.Detail, "only active administrator") {
				t.Errorf("last admin: %q", p.Detail)
			}
			w.do(t, request{method: "POST", path: adminPath + "/disable", token: admin}).problem(t, 409)

			r = w.do(t, request{method: "POST", path: samPath + "/reset-password", token: admin, body: map[string]string{"reason": "forgot it"}})
			made, _ := r.json(t)["one_time_password"].(string)
			if r.status != 200 || made == "" || r.header.Get("Cache-Control") != "no-store" {
				t.Fatalf("reset password = %d %s", r.status, r.body)
			}
			w.do(t, request{method: "GET", path: "/api/v1/auth/me", token: duty}).problem(t, 401)
			if r := w.login(t, "sam@example.org", made); r.json(t)["next"] != "change_password" {
				t.Errorf("login after the reset = %s", r.body)
			}
			if r := w.do(t, request{method: "POST", path: samPath + "/reset-second-factor", token: admin}); r.status != 200 || r.json(t)["second_factor"] != false {
				t.Fatalf("reset second factor = %d %s", r.status, r.body)
			}

			r = w.do(t, request{method: "GET", path: "/api/v1/audit?target_kind=staff_user&target_id=" + strconv.FormatInt(sam.ID, 10), token: admin})
			var got []string
			for _, it := range r.json(t)["items"].([]any) {
				e := it.(map[string]any)
				got = append(got, fmt.Sprintf("%s: %s", e["action"], e["reason"]))
			}
			want := []string{ // newest first
				"staff.second_factor_reset: ",
				"staff.password_reset: forgot it",
				"staff.role_changed: duty to coordinator: moved teams",
				"staff.enabled: ",
				"staff.disabled: on leave",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("audit (-want +got):\n%s", diff)
			}
		})
	})
}

// TestUsersAPI_LastAdminRace has two admins demote each other at the same
// moment, again and again: one must win and one admin must be left.
func TestUsersAPI_LastAdminRace(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		w := newStaffWorld(t, db)
		tokenA, _, a := w.admin(t, "a@example.org")
		tokenB, _, b := w.admin(t, "b@example.org")
		pathOf := func(u accounts.User) string { return "/api/v1/users/" + strconv.FormatInt(u.ID, 10) + "/role" }
		for round := range 8 {
			var wg sync.WaitGroup
			var aDemotesB, bDemotesA response
			wg.Go(func() {
				aDemotesB = w.do(t, request{method: "PUT", path: pathOf(b), token: tokenA, body: map[string]string{"role": "duty"}})
			})
			wg.Go(func() {
				bDemotesA = w.do(t, request{method: "PUT", path: pathOf(a), token: tokenB, body: map[string]string{"role": "duty"}})
			})
			wg.Wait()
			statuses := []int{aDemotesB.status, bDemotesA.status}
			ok := 0
			for _, st := range statuses {
				switch st {
				case 200:
					ok++
				case 409, 403: // lost the race: refused as the last admin, or no longer an admin
				default:
					t.Fatalf("round %d: statuses %v", round, statuses)
				}
			}
			admins, err := db.NewSelect().Table("staff_users").Where("role = 'admin' AND disabled_at IS NULL").Count(context.Background())
			if err != nil || ok != 1 || admins != 1 {
				t.Fatalf("round %d: statuses %v, %d active admins (%v); want one 200 and one admin", round, statuses, admins, err)
			}
			// The winner makes the other an admin again.
			winner, loser := tokenA, b
			if bDemotesA.status == 200 {
				winner, loser = tokenB, a
			}
			if r := w.do(t, request{method: "PUT", path: pathOf(loser), token: winner, body: map[string]string{"role": "admin"}}); r.status != 200 {
				t.Fatalf("restoring: %d %s", r.status, r.body)
			}
		}
	})
}

func TestStaffSession_IdleTimeout(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		w := newStaffWorld(t, db)
		token, _ := w.staff(t, "duty@example.org", accounts.RoleDuty)
		for _, step := range []time.Duration{10 * time.Minute, 29 * time.Minute, 29 * time.Minute} {
			w.clock.add(step)
			if r := w.do(t, request{method: "GET", path: "/api/v1/auth/me", token: token}); r.status != 200 {
				t.Fatalf("after %s idle: %d %s", step, r.status, r.body)
			}
		}
		w.clock.add(31 * time.Minute)
		w.do(t, request{method: "GET", path: "/api/v1/auth/me", token: token}).problem(t, 401)
	})
}
