package web_test

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/redisstore"
	"github.com/respite-uk/respite/web"
)

const (
	carerMobile = "+447700900123" // the one registered number
	carerID     = 42
)

// withCodeSignIn turns on code sign-in for s, as cmd does: a directory that
// knows one carer's number, and texts queued in the real outbox.
func withCodeSignIn(s *testServer) *testServer {
	s.accounts.SetCodeSignIn(
		func(_ context.Context, phone string) (accounts.SubjectKind, int64, bool, error) {
			if phone == carerMobile {
				return accounts.SubjectCarer, carerID, true, nil
			}
			return "", 0, false, nil
		},
		func(ctx context.Context, db bun.IDB, phone, code, dedupeKey string) error {
			return s.notify.Enqueue(ctx, db, notify.Outgoing{DedupeKey: dedupeKey, To: phone, Template: notify.TemplateSignInCode, Data: notify.Data{Code: code}})
		},
	)
	return s
}

var codeInText = regexp.MustCompile(`sign-in code is ([0-9]{6})\.`)

// texts returns the bodies of the texts queued for phone, oldest first.
func (s *testServer) texts(t *testing.T, phone string) []string {
	t.Helper()
	var bodies []string
	if err := s.db.NewSelect().Model((*notify.Message)(nil)).Column("body").Where("recipient = ?", phone).Order("id").Scan(context.Background(), &bodies); err != nil {
		t.Fatal(err)
	}
	return bodies
}

// lastCode reads the code from the newest text to phone, as its owner would.
func (s *testServer) lastCode(t *testing.T, phone string) string {
	t.Helper()
	texts := s.texts(t, phone)
	if len(texts) == 0 {
		t.Fatalf("no text was queued for %s", phone)
	}
	m := codeInText.FindStringSubmatch(texts[len(texts)-1])
	if m == nil {
		t.Fatalf("no code in the text %q", texts[len(texts)-1])
	}
	return m[1]
}

func askForCode(t *testing.T, s *testServer, phone string) response {
	t.Helper()
	return s.do(t, request{method: "POST", path: "/api/v1/auth/code", body: map[string]string{"phone": phone}})
}

func verifyCode(t *testing.T, s *testServer, phone, code string) response {
	t.Helper()
	return s.do(t, request{method: "POST", path: "/api/v1/auth/code/verify", body: map[string]string{"phone": phone, "code": code}})
}

func TestCodeSignIn(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := withCodeSignIn(newTestServer(t, db))

		known := askForCode(t, s, "07700 900123")
		unknown := askForCode(t, s, "07700 900999")
		if known.status != 202 || unknown.status != 202 {
			t.Fatalf("asking for codes = %d %s / %d %s, want 202 for both", known.status, known.body, unknown.status, unknown.body)
		}
		if !bytes.Equal(known.body, unknown.body) {
			t.Errorf("the answers differ, so they tell who is registered:\n%s\n%s", known.body, unknown.body)
		}
		if got := known.json(t)["message"]; got != "If that number is registered, a code is on its way. It works for 10 minutes." {
			t.Errorf("message = %q", got)
		}
		if got := s.texts(t, "+447700900999"); len(got) != 0 {
			t.Errorf("texts to the unknown number: %q, want none", got)
		}
		if got := s.texts(t, carerMobile); len(got) != 1 {
			t.Fatalf("texts to the carer: %q, want 1", got)
		}

		t.Run("a number that is not one", func(t *testing.T) {
			for _, body := range []any{map[string]string{"phone": "not a number"}, map[string]string{}} {
				p := s.do(t, request{method: "POST", path: "/api/v1/auth/code", body: body}).problem(t, 422)
				if got := strings.Join(fieldNames(p), ","); got != "phone" {
					t.Errorf("%v: fields = %s, want phone", body, got)
				}
			}
		})

		t.Run("verify fields missing", func(t *testing.T) {
			p := s.do(t, request{method: "POST", path: "/api/v1/auth/code/verify", body: map[string]string{}}).problem(t, 422)
			if got := strings.Join(fieldNames(p), ","); got != "phone,code" {
				t.Errorf("fields = %s, want phone,code", got)
			}
		})

		code := s.lastCode(t, carerMobile)

		t.Run("a wrong code and a number without one get the same 401", func(t *testing.T) {
			wrongCode := strconv.Itoa(100000 + (mustAtoi(t, code)+1)%900000)
			pw := verifyCode(t, s, carerMobile, wrongCode).problem(t, 401)
			pn := verifyCode(t, s, "+447700900999", code).problem(t, 401)
			if pw.Detail != pn.Detail || pw.Type != pn.Type || pw.Title != pn.Title {
				t.Errorf("answers differ:\n%+v\n%+v", pw, pn)
			}
		})

		r := verifyCode(t, s, "07700 900123", code)
		if r.status != 200 {
			t.Fatalf("verify = %d %s", r.status, r.body)
		}
		got := r.json(t)
		token, _ := got["token"].(string)
		subject, _ := got["subject"].(map[string]any)
		if len(token) < 40 || subject["kind"] != "carer" || subject["id"] != float64(carerID) {
			t.Errorf("verify body = %s", r.body)
		}
		if expires, err := time.Parse(time.RFC3339, got["expires_at"].(string)); err != nil || time.Until(expires) < 11*time.Hour {
			t.Errorf("expires_at = %v (%v), want about 12 hours ahead", got["expires_at"], err)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store for a token", cc)
		}

		me := s.do(t, request{method: "GET", path: "/api/v1/auth/me", token: token})
		if m := me.json(t); me.status != 200 || m["kind"] != "carer" || m["id"] != float64(carerID) {
			t.Errorf("/auth/me = %d %s, want the carer", me.status, me.body)
		}

		t.Run("the code works once", func(t *testing.T) {
			verifyCode(t, s, carerMobile, code).problem(t, 401)
		})
	})
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCodeSignIn_RateLimits(t *testing.T) {
	run := func(t *testing.T, s *testServer) {
		// One number, written three ways, then a fourth time: refused.
		for i, phone := range []string{"07700 900123", "+447700900123", "+44 7700 900123"} {
			if r := askForCode(t, s, phone); r.status != 202 {
				t.Fatalf("request %d = %d %s", i+1, r.status, r.body)
			}
		}
		r := askForCode(t, s, "07700900123")
		r.problem(t, 429)
		if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 || secs > 15*60 {
			t.Errorf("Retry-After = %q, want seconds within the 15-minute window", r.header.Get("Retry-After"))
		}
		if got := s.texts(t, carerMobile); len(got) != 3 {
			t.Errorf("texts to the carer = %d, want 3", len(got))
		}

		// An unknown number meets the same limit, so the limit tells nothing.
		for range 3 {
			if r := askForCode(t, s, "07700 900999"); r.status != 202 {
				t.Fatalf("unknown number = %d %s", r.status, r.body)
			}
		}
		askForCode(t, s, "07700 900999").problem(t, 429)
	}
	t.Run("in memory", func(t *testing.T) {
		run(t, withCodeSignIn(newTestServer(t, dbtest.SQLite(t))))
	})
	t.Run("in Redis, shared by instances", func(t *testing.T) {
		rdb, prefix := dbtest.Redis(t)
		db := dbtest.SQLite(t)
		storage := func(d *web.Deps) { d.LimiterStorage = redisstore.NewLimiterStorage(rdb, prefix, d.Logger) }
		run(t, withCodeSignIn(newTestServer(t, db, storage)))
		second := withCodeSignIn(newTestServer(t, db, storage))
		askForCode(t, second, carerMobile).problem(t, 429)
	})

	t.Run("per client address", func(t *testing.T) {
		s := withCodeSignIn(newTestServer(t, dbtest.SQLite(t)))
		for i := range 10 {
			if r := askForCode(t, s, "07700 90010"+strconv.Itoa(i)); r.status != 202 {
				t.Fatalf("request %d = %d %s", i+1, r.status, r.body)
			}
		}
		askForCode(t, s, "07700 900200").problem(t, 429)
	})

	t.Run("failed codes per number", func(t *testing.T) {
		s := withCodeSignIn(newTestServer(t, dbtest.SQLite(t)))
		if r := askForCode(t, s, carerMobile); r.status != 202 {
			t.Fatalf("asking for a code = %d %s", r.status, r.body)
		}
		code := s.lastCode(t, carerMobile)
		wrongCode := strconv.Itoa(100000 + (mustAtoi(t, code)+1)%900000)
		for range 10 {
			verifyCode(t, s, carerMobile, wrongCode).problem(t, 401)
		}
		r := verifyCode(t, s, "07700 900123", wrongCode)
		r.problem(t, 429)
		if r.header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	})
}
