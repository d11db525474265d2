package accounts_test

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/migrations/dbtest"
)

const (
	carerMobile = "+447700900123"
	hostMobile  = "+447700900456"
	nobodys     = "+447700900999"
	carerID     = 42
	hostID      = 7
)

// sentText is what the code sender was asked to queue.
type sentText struct {
	phone, code, dedupeKey string
	inTx                   bool
}

// codeWorld is an accounts service with code sign-in wired to a directory
// of two numbers and a sender that records what it was given.
type codeWorld struct {
	svc   *accounts.Service
	clock *clock

	mu      sync.Mutex
	owners  map[string]accounts.SubjectKind
	sent    []sentText
	sendErr error // when set, the sender writes a session row, then fails
}

func newCodeWorld(t *testing.T, db *bun.DB) *codeWorld {
	t.Helper()
	w := &codeWorld{
		clock:  &clock{time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)},
		owners: map[string]accounts.SubjectKind{carerMobile: accounts.SubjectCarer, hostMobile: accounts.SubjectHost},
	}
	w.svc = newService(db, w.clock)
	w.svc.SetCodeSignIn(w.lookUp, w.send)
	return w
}

func (w *codeWorld) lookUp(_ context.Context, phone string) (accounts.SubjectKind, int64, bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch kind, ok := w.owners[phone]; {
	case !ok:
		return "", 0, false, nil
	case kind == accounts.SubjectHost:
		return kind, hostID, true, nil
	default:
		return kind, carerID, true, nil
	}
}

func (w *codeWorld) send(ctx context.Context, db bun.IDB, phone, code, dedupeKey string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sendErr != nil {
		// Write something first: if it outlives the failure, the text was
		// not queued in the code's transaction.
		if _, _, err := w.svc.StartSession(ctx, db, accounts.SubjectCarer, 999); err != nil {
			return err
		}
		return w.sendErr
	}
	_, inTx := db.(bun.Tx)
	w.sent = append(w.sent, sentText{phone: phone, code: code, dedupeKey: dedupeKey, inTx: inTx})
	return nil
}

func (w *codeWorld) texts() []sentText {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]sentText(nil), w.sent...)
}

// requestCode asks for a code for phone and returns the code that was texted.
func (w *codeWorld) requestCode(t *testing.T, phone string) string {
	t.Helper()
	before := len(w.texts())
	if err := w.svc.RequestCode(context.Background(), phone); err != nil {
		t.Fatalf("RequestCode(%q): %v", phone, err)
	}
	texts := w.texts()
	if len(texts) != before+1 {
		t.Fatalf("RequestCode(%q) queued %d texts, want 1", phone, len(texts)-before)
	}
	return texts[len(texts)-1].code
}

func codes(t *testing.T, db *bun.DB) []accounts.SignInCode {
	t.Helper()
	var cs []accounts.SignInCode
	if err := db.NewSelect().Model(&cs).Order("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return cs
}

func countSessions(t *testing.T, db *bun.DB) int {
	t.Helper()
	n, err := db.NewSelect().Model((*accounts.Session)(nil)).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// wrong returns a well-formed code that is not code.
func wrong(code string) string {
	n, _ := strconv.Atoi(code)
	return strconv.Itoa(100000 + (n+1)%900000)
}

func TestService_RequestCode(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newCodeWorld(t, db)

		t.Run("unknown number: nothing happens, and no error says so", func(t *testing.T) {
			if err := w.svc.RequestCode(ctx, nobodys); err != nil {
				t.Fatalf("RequestCode = %v, want nil", err)
			}
			if got := codes(t, db); len(got) != 0 {
				t.Errorf("code rows = %+v, want none", got)
			}
			if got := w.texts(); len(got) != 0 {
				t.Errorf("texts = %+v, want none", got)
			}
		})

		t.Run("not a phone number", func(t *testing.T) {
			for _, bad := range []string{"", "hello", "0113"} {
				err := w.svc.RequestCode(ctx, bad)
				e, ok := apperr.As(err)
				if !ok || e.Kind != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "phone" {
					t.Errorf("RequestCode(%q) = %v, want Invalid on phone", bad, err)
				}
			}
		})

		t.Run("known number: one code row and one text, in one transaction", func(t *testing.T) {
			code := w.requestCode(t, "07700 900123")
			if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(code) {
				t.Errorf("code = %q, want six digits", code)
			}
			rows := codes(t, db)
			if len(rows) != 1 {
				t.Fatalf("code rows = %d, want 1", len(rows))
			}
			row := rows[0]
			if row.Phone != carerMobile || row.Attempts != 0 || row.UsedAt != nil ||
				!row.CreatedAt.Equal(w.clock.t) || !row.ExpiresAt.Equal(w.clock.t.Add(10*time.Minute)) {
				t.Errorf("row = %+v, want the E.164 number, no tries, unused, live for 10 minutes", row)
			}
			if row.CodeHash == code || len(row.CodeHash) != 64 {
				t.Errorf("code_hash = %q: want a hash, not the code", row.CodeHash)
			}
			want := sentText{phone: carerMobile, code: code, dedupeKey: "sign-in-code:" + strconv.FormatInt(row.ID, 10), inTx: true}
			if diff := cmp.Diff(want, w.texts()[0], cmp.AllowUnexported(sentText{})); diff != "" {
				t.Errorf("text (-want +got):\n%s", diff)
			}
		})

		t.Run("a text that cannot be queued leaves no code behind", func(t *testing.T) {
			rowsBefore, sessionsBefore := len(codes(t, db)), countSessions(t, db)
			w.mu.Lock()
			w.sendErr = errors.New("outbox unavailable")
			w.mu.Unlock()
			defer func() { w.mu.Lock(); w.sendErr = nil; w.mu.Unlock() }()

			if err := w.svc.RequestCode(ctx, carerMobile); err == nil {
				t.Fatal("RequestCode = nil, want the sender's failure")
			}
			if got := len(codes(t, db)); got != rowsBefore {
				t.Errorf("code rows = %d, want still %d", got, rowsBefore)
			}
			if got := countSessions(t, db); got != sessionsBefore {
				t.Errorf("the sender's own write survived (%d sessions, want %d): it was not in the code's transaction", got, sessionsBefore)
			}
		})

		t.Run("codes are random six-digit strings", func(t *testing.T) {
			seen := map[string]bool{}
			for range 20 {
				seen[w.requestCode(t, hostMobile)] = true
			}
			if len(seen) < 18 {
				t.Errorf("20 codes held only %d different values", len(seen))
			}
		})

		t.Run("without SetCodeSignIn it is a fault, not a silent success", func(t *testing.T) {
			bare := newService(db, w.clock)
			if err := bare.RequestCode(ctx, carerMobile); err == nil || apperr.KindOf(err) != apperr.Internal {
				t.Errorf("RequestCode = %v, want an internal error", err)
			}
		})
	})
}

func TestService_VerifyCode(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newCodeWorld(t, db)

		isBad := func(t *testing.T, what string, err error) {
			t.Helper()
			if !errors.Is(err, accounts.ErrBadCode) {
				t.Errorf("%s: err = %v, want ErrBadCode", what, err)
			} else if err.Error() != accounts.ErrBadCode.Error() {
				t.Errorf("%s: message %q says more than ErrBadCode", what, err)
			}
		}

		t.Run("the right code signs the carer in", func(t *testing.T) {
			code := w.requestCode(t, carerMobile)
			in, err := w.svc.VerifyCode(ctx, "+44 7700 900123", code[:3]+" "+code[3:])
			if err != nil {
				t.Fatalf("VerifyCode: %v", err)
			}
			if in.Kind != accounts.SubjectCarer || in.ID != carerID || in.Token == "" || !in.ExpiresAt.Equal(w.clock.t.Add(time.Hour)) {
				t.Errorf("signed in %+v, want carer %d with a token for an hour", in, carerID)
			}
			p, err := w.svc.Authenticate(ctx, in.Token)
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if diff := cmp.Diff(accounts.Principal{Kind: accounts.SubjectCarer, ID: carerID}, p); diff != "" {
				t.Errorf("principal (-want +got):\n%s", diff)
			}

			t.Run("once only", func(t *testing.T) {
				_, err := w.svc.VerifyCode(ctx, carerMobile, code)
				isBad(t, "the same code again", err)
			})
		})

		t.Run("a host's number signs the host in", func(t *testing.T) {
			in, err := w.svc.VerifyCode(ctx, hostMobile, w.requestCode(t, hostMobile))
			if err != nil || in.Kind != accounts.SubjectHost || in.ID != hostID {
				t.Errorf("VerifyCode = %+v, %v; want host %d", in, err, hostID)
			}
		})

		t.Run("input that is not a number and a code", func(t *testing.T) {
			for _, tt := range []struct{ phone, code string }{{"", ""}, {"not a phone", "12345"}, {"0113", "12345a"}, {"x", "1234567"}} {
				_, err := w.svc.VerifyCode(ctx, tt.phone, tt.code)
				e, ok := apperr.As(err)
				if !ok || e.Kind != apperr.Invalid {
					t.Fatalf("VerifyCode(%q, %q) = %v, want Invalid", tt.phone, tt.code, err)
				}
				var fields []string
				for _, f := range e.Fields {
					fields = append(fields, f.Field)
				}
				if diff := cmp.Diff([]string{"phone", "code"}, fields); diff != "" {
					t.Errorf("VerifyCode(%q, %q) fields (-want +got):\n%s", tt.phone, tt.code, diff)
				}
			}
		})

		t.Run("a number with no code, or nobody's", func(t *testing.T) {
			_, err := w.svc.VerifyCode(ctx, nobodys, "123456")
			isBad(t, "nobody's number", err)
		})

		t.Run("four wrong tries, then the right code still works", func(t *testing.T) {
			code := w.requestCode(t, carerMobile)
			for i := range 4 {
				_, err := w.svc.VerifyCode(ctx, carerMobile, wrong(code))
				isBad(t, "wrong try "+strconv.Itoa(i+1), err)
			}
			if _, err := w.svc.VerifyCode(ctx, carerMobile, code); err != nil {
				t.Errorf("the right code on the fifth try: %v", err)
			}
		})

		t.Run("five wrong tries kill the code", func(t *testing.T) {
			code := w.requestCode(t, carerMobile)
			for range 5 {
				_, _ = w.svc.VerifyCode(ctx, carerMobile, wrong(code))
			}
			_, err := w.svc.VerifyCode(ctx, carerMobile, code)
			isBad(t, "the right code after five wrong ones", err)
			rows := codes(t, db)
			if last := rows[len(rows)-1]; last.Attempts != 5 || last.UsedAt != nil {
				t.Errorf("dead code = %+v, want 5 tries and unused", last)
			}
		})

		t.Run("expires after 10 minutes", func(t *testing.T) {
			start := w.clock.t
			defer func() { w.clock.t = start }()

			code := w.requestCode(t, carerMobile)
			w.clock.t = start.Add(10*time.Minute - time.Second)
			if _, err := w.svc.VerifyCode(ctx, carerMobile, code); err != nil {
				t.Errorf("a second before expiry: %v", err)
			}

			w.clock.t = start
			code = w.requestCode(t, carerMobile)
			w.clock.t = start.Add(10 * time.Minute)
			_, err := w.svc.VerifyCode(ctx, carerMobile, code)
			isBad(t, "at 10 minutes", err)
		})

		t.Run("a newer code replaces the older", func(t *testing.T) {
			older := w.requestCode(t, carerMobile)
			newer := w.requestCode(t, carerMobile)
			if older == newer {
				t.Skip("the two codes happen to be the same (one chance in a million)")
			}
			_, err := w.svc.VerifyCode(ctx, carerMobile, older)
			isBad(t, "the older code", err)
			if _, err := w.svc.VerifyCode(ctx, carerMobile, newer); err != nil {
				t.Errorf("the newer code: %v", err)
			}
		})

		t.Run("a number that has changed hands since the code was sent", func(t *testing.T) {
			code := w.requestCode(t, carerMobile)
			w.mu.Lock()
			delete(w.owners, carerMobile)
			w.mu.Unlock()
			defer func() { w.mu.Lock(); w.owners[carerMobile] = accounts.SubjectCarer; w.mu.Unlock() }()
			_, err := w.svc.VerifyCode(ctx, carerMobile, code)
			isBad(t, "a number nobody owns now", err)
		})

		t.Run("racing requests with the right code: exactly one signs in", func(t *testing.T) {
			code := w.requestCode(t, carerMobile)
			sessionsBefore := countSessions(t, db)
			const racers = 20
			var (
				wg   sync.WaitGroup
				mu   sync.Mutex
				won  int
				errs []error
			)
			start := make(chan struct{})
			for range racers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, err := w.svc.VerifyCode(ctx, carerMobile, code)
					mu.Lock()
					defer mu.Unlock()
					if err == nil {
						won++
					} else if !errors.Is(err, accounts.ErrBadCode) {
						errs = append(errs, err)
					}
				}()
			}
			close(start)
			wg.Wait()
			if won != 1 || len(errs) > 0 {
				t.Errorf("%d of %d signed in, other errors %v; want exactly 1 and the rest ErrBadCode", won, racers, errs)
			}
			if got := countSessions(t, db) - sessionsBefore; got != 1 {
				t.Errorf("new sessions = %d, want 1", got)
			}
		})
	})
}

func TestService_SetCodeKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		first := newCodeWorld(t, db)
		if err := first.svc.SetCodeKey([]byte("too short")); err == nil {
			t.Error("SetCodeKey took a 9-byte secret")
		}
		secret := []byte("0123456789abcdef0123456789abcdef")
		if err := first.svc.SetCodeKey(secret); err != nil {
			t.Fatal(err)
		}
		code := first.requestCode(t, carerMobile)

		// Another instance with the same secret can check the code; one
		// with a key of its own cannot.
		other := newCodeWorld(t, db)
		_, err := other.svc.VerifyCode(ctx, carerMobile, code)
		if !errors.Is(err, accounts.ErrBadCode) {
			t.Errorf("an instance with its own random key: err = %v, want ErrBadCode", err)
		}
		code = first.requestCode(t, carerMobile)
		same := newCodeWorld(t, db)
		if err := same.svc.SetCodeKey(secret); err != nil {
			t.Fatal(err)
		}
		if _, err := same.svc.VerifyCode(ctx, carerMobile, code); err != nil {
			t.Errorf("an instance with the same secret: %v", err)
		}
	})
}

func TestService_DeleteExpiredCodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newCodeWorld(t, db)
		w.requestCode(t, carerMobile)
		w.clock.t = w.clock.t.Add(5 * time.Minute)
		w.requestCode(t, hostMobile)

		w.clock.t = w.clock.t.Add(6 * time.Minute) // the first has expired, the second has not
		n, err := w.svc.DeleteExpiredCodes(ctx)
		if err != nil || n != 1 {
			t.Errorf("DeleteExpiredCodes = %d, %v; want 1", n, err)
		}
		if rows := codes(t, db); len(rows) != 1 || rows[0].Phone != hostMobile {
			t.Errorf("left %+v, want only the host's code", rows)
		}
	})
}

func TestService_UseStoredCodeKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		// Two instances starting on one database share the stored secret,
		// so a code one sends, the other checks.
		first, second := newCodeWorld(t, db), newCodeWorld(t, db)
		for _, w := range []*codeWorld{first, second} {
			if err := w.svc.UseStoredCodeKey(ctx); err != nil {
				t.Fatal(err)
			}
		}
		code := first.requestCode(t, carerMobile)
		if _, err := second.svc.VerifyCode(ctx, carerMobile, code); err != nil {
			t.Errorf("the other instance could not check the code: %v", err)
		}
		n, err := db.NewSelect().Table("app_secrets").Count(ctx)
		if err != nil || n != 1 {
			t.Errorf("app_secrets rows = %d, %v; want 1", n, err)
		}
	})
}
