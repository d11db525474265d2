package accounts_test

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/migrations/dbtest"
)

var (
	pat    = accounts.Principal{Kind: accounts.SubjectCarer, ID: carerID}
	newNum = "+447700900777"
)

// issue makes a mobile-change code for who, to newNum, in a transaction of
// its own, and returns it.
func (w *codeWorld) issue(t *testing.T, db *bun.DB, who accounts.Principal) accounts.IssuedCode {
	t.Helper()
	var c accounts.IssuedCode
	err := db.RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		c, err = w.svc.IssueCode(ctx, tx, accounts.PurposeMobileChange, who, "07700 900777")
		return err
	})
	if err != nil {
		t.Fatalf("IssueCode: %v", err)
	}
	return c
}

// codeField returns the message on the "code" field of an Invalid error.
func codeField(t *testing.T, err error) string {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "code" {
		t.Fatalf("err = %v, want Invalid naming the field code", err)
	}
	return e.Fields[0].Message
}

func TestService_IssueCode(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newCodeWorld(t, db)

		c := w.issue(t, db, pat)
		if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(c.Code) || c.Phone != newNum || !c.ExpiresAt.Equal(w.clock.t.Add(accounts.CodeTTL)) {
			t.Errorf("issued %+v, want six digits for %s, live for 10 minutes", c, newNum)
		}
		rows := codes(t, db)
		if len(rows) != 1 {
			t.Fatalf("code rows = %d, want 1", len(rows))
		}
		row := rows[0]
		if row.ID != c.ID || row.Purpose != accounts.PurposeMobileChange || row.SubjectKind != accounts.SubjectCarer || row.SubjectID != carerID || row.Phone != newNum {
			t.Errorf("row = %+v, want the purpose, the carer and the number", row)
		}
		if row.CodeHash == c.Code || len(row.CodeHash) != 64 {
			t.Errorf("code_hash = %q: want a hash, not the code", row.CodeHash)
		}
		if len(w.texts()) != 0 {
			t.Errorf("IssueCode texted %v itself; the caller queues the text", w.texts())
		}

		t.Run("not a phone number", func(t *testing.T) {
			_, err := w.svc.IssueCode(ctx, db, accounts.PurposeMobileChange, pat, "hello")
			if names, ok := apperr.FieldNames(err); !ok || len(names) != 1 || names[0] != "phone" {
				t.Errorf("err = %v, want Invalid on phone", err)
			}
		})
		t.Run("sign-in codes are RequestCode's to make", func(t *testing.T) {
			if _, err := w.svc.IssueCode(ctx, db, accounts.PurposeSignIn, pat, newNum); err == nil || apperr.KindOf(err) != apperr.Internal {
				t.Errorf("err = %v, want a fault", err)
			}
		})
		t.Run("without a key it is a fault", func(t *testing.T) {
			bare := newService(db, w.clock)
			if _, err := bare.IssueCode(ctx, db, accounts.PurposeMobileChange, pat, newNum); err == nil || apperr.KindOf(err) != apperr.Internal {
				t.Errorf("err = %v, want a fault", err)
			}
		})
	})
}

func TestService_CheckCode(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newCodeWorld(t, db)
		use := func(c accounts.CheckedCode) error {
			return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return w.svc.UseCode(ctx, tx, c) })
		}

		t.Run("the right code, once", func(t *testing.T) {
			c := w.issue(t, db, pat)
			got, err := w.svc.CheckCode(ctx, accounts.PurposeMobileChange, pat, c.Code[:3]+" "+c.Code[3:])
			if err != nil {
				t.Fatalf("CheckCode: %v", err)
			}
			if got.ID != c.ID || got.Phone != newNum {
				t.Errorf("checked %+v, want code %d for %s", got, c.ID, newNum)
			}
			if err := use(got); err != nil {
				t.Fatalf("UseCode: %v", err)
			}
			if err := use(got); !errors.Is(err, accounts.ErrNoCode) {
				t.Errorf("UseCode again = %v, want ErrNoCode", err)
			}
			if _, err := w.svc.CheckCode(ctx, accounts.PurposeMobileChange, pat, c.Code); !errors.Is(err, accounts.ErrNoCode) {
				t.Errorf("CheckCode after use = %v, want ErrNoCode", err)
			}
		})

		t.Run("not checked until used: a rolled-back use leaves it working", func(t *testing.T) {
			c := w.issue(t, db, pat)
			got, err := w.svc.CheckCode(ctx, accounts.PurposeMobileChange, pat, c.Code)
			if err != nil {
				t.Fatal(err)
			}
			boom := errors.New("the caller's change failed")
			_ = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				if err := w.svc.UseCode(ctx, tx, got); err != nil {
					return err
				}
				return boom
			})
			if err := use(got); err != nil {
				t.Errorf("UseCode after a rolled-back use: %v", err)
			}
		})

		t.Run("wrong tries are counted and say how many are left", func(t *testing.T) {
			c := w.issue(t, db, pat)
			wants := []string{
				"That code is not right. Check the text and enter the code again: you can try 4 more times.",
				"That code is not right. Check the text and enter the code again: you can try 3 more times.",
				"That code is not right. Check the text and enter the code again: you can try 2 more times.",
				"That code is not right. Check the text and enter the code again: you can try once more.",
			}
			for _, want := range wants {
				_, err := w.svc.CheckCode(ctx, accounts.PurposeMobileChange, pat, wrong(c.Code))
				if !errors.Is(err, accounts.ErrCodeWrong) {
					t.Fatalf("wrong code: err = %v, want ErrCodeWrong", err)
				}
				if got := codeField(t, err); got != want {
					t.Errorf("message %q, want %q", got, want)
				}
			}
			_, err := w.svc.CheckCode(ctx, accounts.PurposeMobileChange, pat, wrong(c.Code))
			if !errors.Is(err, accounts.ErrCodeTriesUsed) {
				t.Errorf("fifth wrong try: err = %v, want ErrCodeTriesUsed", err)
			}
			_, err = w.svc.CheckCode(ctx, accounts.PurposeMobileChange, pat, c.Code)
			if !errors.Is(err, accounts.ErrCodeTriesUsed) {
				t.Errorf("the right code on the sixth try: err = %v, want ErrCodeTriesUsed", err)
			}
			if rows := codes(t, db); rows[len(rows)-1].Attempts != accounts.MaxCodeAttempts {
				t.Errorf("attempts = %d, want %d: a refused try is not counted", rows[len(rows)-1].Attempts, accounts.MaxCodeAttempts)
			}
		})

		t.Run("expires after 10 minutes", func(t *testing.T) {
			start := w.clock.t
			defer func() { w.clock.t = start }()
			c := w.issue(t, db, pat)
			w.clock.t = start.Add(accounts.CodeTTL)
			_, err := w.svc.CheckCode(ctx, accounts.PurposeMobileChange, pat, c.Code)
			if !errors.Is(err, accounts.ErrCodeExpired) {
				t.Errorf("err = %v, want ErrCodeExpired", err)
			}
			if got, want := codeField(t, err), "That code has expired: a code works for 10 minutes. Ask for a new one."; got != want {
				t.Errorf("message %q, want %q", got, want)
			}
		})

		t.Run("a newer code replaces the older", func(t *testing.T) {
			older, newer := w.issue(t, db, pat), w.issue(t, db, pat)
			if older.Code == newer.Code {
				t.Skip("the two codes happen to be the same (one chance in a million)")
			}
			if _, err := w.svc.CheckCode(ctx, accounts.PurposeMobileChange, pat, older.Code); !errors.Is(err, accounts.ErrCodeWrong) {
				t.Errorf("the older code: err = %v, want ErrCodeWrong", err)
			}
			if _, err := w.svc.CheckCode(ctx, accounts.PurposeMobileChange, pat, newer.Code); err != nil {
				t.Errorf("the newer code: %v", err)
			}
		})

		t.Run("only for whom and what it was made", func(t *testing.T) {
			c := w.issue(t, db, pat)
			other := accounts.Principal{Kind: accounts.SubjectCarer, ID: carerID + 1}
			if _, err := w.svc.CheckCode(ctx, accounts.PurposeMobileChange, other, c.Code); !errors.Is(err, accounts.ErrNoCode) {
				t.Errorf("another carer: err = %v, want ErrNoCode", err)
			}
			host := accounts.Principal{Kind: accounts.SubjectHost, ID: carerID}
			if _, err := w.svc.CheckCode(ctx, accounts.PurposeMobileChange, host, c.Code); !errors.Is(err, accounts.ErrNoCode) {
				t.Errorf("a host with the same id: err = %v, want ErrNoCode", err)
			}
			// Nor does it sign anyone in with the number it went to, even
			// once the number is someone's.
			w.mu.Lock()
			w.owners[newNum] = accounts.SubjectCarer
			w.mu.Unlock()
			defer func() { w.mu.Lock(); delete(w.owners, newNum); w.mu.Unlock() }()
			if _, err := w.svc.VerifyCode(ctx, newNum, c.Code); !errors.Is(err, accounts.ErrBadCode) {
				t.Errorf("signing in with it: err = %v, want ErrBadCode", err)
			}
			// And a sign-in code does not confirm a number.
			signIn := w.requestCode(t, carerMobile)
			if _, err := w.svc.CheckCode(ctx, accounts.PurposeMobileChange, pat, signIn); signIn != c.Code && !errors.Is(err, accounts.ErrCodeWrong) {
				t.Errorf("a sign-in code: err = %v, want ErrCodeWrong", err)
			}
		})

		t.Run("input that is not a code", func(t *testing.T) {
			for _, tt := range []struct{ code, want string }{{"", "Enter the code from the text."}, {"12345", "Enter the 6-digit code from the text."}, {"12345a", "Enter the 6-digit code from the text."}} {
				_, err := w.svc.CheckCode(ctx, accounts.PurposeMobileChange, pat, tt.code)
				if got := codeField(t, err); got != tt.want {
					t.Errorf("CheckCode(%q): %q, want %q", tt.code, got, tt.want)
				}
			}
		})

		t.Run("nothing asked for", func(t *testing.T) {
			nobody := accounts.Principal{Kind: accounts.SubjectCarer, ID: 9999}
			if _, err := w.svc.CheckCode(ctx, accounts.PurposeMobileChange, nobody, "123456"); !errors.Is(err, accounts.ErrNoCode) {
				t.Errorf("err = %v, want ErrNoCode", err)
			}
		})

		t.Run("racing checks: never more than five compared", func(t *testing.T) {
			c := w.issue(t, db, pat)
			const racers = 20
			var (
				wg       sync.WaitGroup
				mu       sync.Mutex
				compared int
				errs     []error
			)
			start := make(chan struct{})
			for range racers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, err := w.svc.CheckCode(ctx, accounts.PurposeMobileChange, pat, wrong(c.Code))
					mu.Lock()
					defer mu.Unlock()
					switch {
					case errors.Is(err, accounts.ErrCodeWrong):
						compared++
					case errors.Is(err, accounts.ErrCodeTriesUsed):
						// Refused before comparing, or the fifth wrong try.
					default:
						errs = append(errs, err)
					}
				}()
			}
			close(start)
			wg.Wait()
			if compared != accounts.MaxCodeAttempts-1 || len(errs) > 0 {
				t.Errorf("%d told wrong with tries left, other errors %v; want %d", compared, errs, accounts.MaxCodeAttempts-1)
			}
			if rows := codes(t, db); rows[len(rows)-1].Attempts != accounts.MaxCodeAttempts {
				t.Errorf("attempts = %d, want %d", rows[len(rows)-1].Attempts, accounts.MaxCodeAttempts)
			}
		})
	})
}

func TestService_DeleteExpiredCodes_everyPurpose(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		w := newCodeWorld(t, db)
		w.issue(t, db, pat)
		w.clock.t = w.clock.t.Add(accounts.CodeTTL + time.Second)
		if n, err := w.svc.DeleteExpiredCodes(context.Background()); err != nil || n != 1 {
			t.Errorf("DeleteExpiredCodes = %d, %v; want 1", n, err)
		}
	})
}
