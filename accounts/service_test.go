package accounts_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/migrations/dbtest"
)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func newService(db *bun.DB, c *clock) *accounts.Service {
	return accounts.NewService(db, accounts.Options{Clock: c.Now, SessionTTL: time.Hour, BcryptCost: bcrypt.MinCost})
}

func TestService_CreateUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newService(db, &clock{time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)})

		u, err := svc.CreateUser(ctx, accounts.NewUser{Email: "  Duty.Officer@Example.ORG ", Name: " Sam Duty ", Role: accounts.RoleDuty, Password: "correct horse battery"})
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if u.ID == 0 || u.Email != "duty.officer@example.org" || u.Name != "Sam Duty" {
			t.Errorf("created %+v, want an id, a lower-cased email and a trimmed name", u)
		}
		if strings.Contains(u.PasswordHash, "correct horse") {
			t.Error("the password is stored in clear")
		}

		t.Run("same email in other case is taken", func(t *testing.T) {
			_, err := svc.CreateUser(ctx, accounts.NewUser{Email: "DUTY.officer@example.org", Name: "Other", Role: accounts.RoleAdmin, Password: "another long password"})
			if !errors.Is(err, accounts.ErrEmailTaken) {
				t.Errorf("err = %v, want ErrEmailTaken", err)
			}
		})

		t.Run("every bad field named at once, nothing written", func(t *testing.T) {
			_, err := svc.CreateUser(ctx, accounts.NewUser{Email: "not-an-email", Name: "", Role: "manager", Password: "short"})
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.Invalid {
				t.Fatalf("err = %v, want an Invalid error", err)
			}
			var fields []string
			for _, f := range e.Fields {
				fields = append(fields, f.Field)
			}
			if diff := cmp.Diff([]string{"email", "name", "role", "password"}, fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if !strings.Contains(e.Fields[2].Message, "admin, duty, coordinator") {
				t.Errorf("role message %q does not list the allowed roles", e.Fields[2].Message)
			}
			n, err := db.NewSelect().Model((*accounts.User)(nil)).Count(ctx)
			if err != nil || n != 1 {
				t.Errorf("staff users = %d (%v), want 1", n, err)
			}
		})
	})
}

func TestService_SignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		c := &clock{time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
		svc := newService(db, c)
		// A duty officer with no authenticator app signs in with a password
		// alone (admins need a second factor: see signin_test.go).
		u, err := svc.CreateUser(ctx, accounts.NewUser{Email: "admin@example.org", Name: "Alex Admin", Role: accounts.RoleDuty, Password: "a long admin password"})
		if err != nil {
			t.Fatal(err)
		}

		t.Run("unknown email and wrong password get the same answer", func(t *testing.T) {
			_, errUnknown := svc.SignIn(ctx, "nobody@example.org", "a long admin password")
			_, errWrong := svc.SignIn(ctx, "admin@example.org", "the wrong password")
			if !errors.Is(errUnknown, accounts.ErrBadCredentials) || !errors.Is(errWrong, accounts.ErrBadCredentials) {
				t.Fatalf("errors = %v / %v, want ErrBadCredentials for both", errUnknown, errWrong)
			}
			if errUnknown.Error() != errWrong.Error() {
				t.Errorf("messages differ: %q vs %q", errUnknown, errWrong)
			}
		})

		signedIn, err := svc.SignIn(ctx, " ADMIN@example.org", "a long admin password")
		if err != nil {
			t.Fatalf("SignIn: %v", err)
		}
		if signedIn.User.ID != u.ID || !signedIn.ExpiresAt.Equal(c.t.Add(time.Hour)) {
			t.Errorf("signed in %+v until %v, want user %d until %v", signedIn.User, signedIn.ExpiresAt, u.ID, c.t.Add(time.Hour))
		}

		t.Run("only the token's hash is stored", func(t *testing.T) {
			var hashes []string
			if err := db.NewSelect().Model((*accounts.Session)(nil)).Column("token_hash").Scan(ctx, &hashes); err != nil {
				t.Fatal(err)
			}
			for _, h := range hashes {
				if h == signedIn.Token {
					t.Error("the raw token is stored")
				}
			}
		})

		p, err := svc.Authenticate(ctx, signedIn.Token)
		if err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
		if diff := cmp.Diff(accounts.Principal{Kind: accounts.SubjectStaff, ID: u.ID, Name: "Alex Admin", Role: accounts.RoleDuty}, p); diff != "" {
			t.Errorf("principal (-want +got):\n%s", diff)
		}

		for _, bad := range []string{"", "made-up-token", signedIn.Token + "x"} {
			if _, err := svc.Authenticate(ctx, bad); !errors.Is(err, accounts.ErrNoSession) {
				t.Errorf("Authenticate(%q) = %v, want ErrNoSession", bad, err)
			}
		}

		t.Run("expires", func(t *testing.T) {
			c.t = c.t.Add(time.Hour)
			defer func() { c.t = c.t.Add(-time.Hour) }()
			if _, err := svc.Authenticate(ctx, signedIn.Token); !errors.Is(err, accounts.ErrNoSession) {
				t.Errorf("after an hour, Authenticate = %v, want ErrNoSession", err)
			}
			n, err := svc.DeleteExpiredSessions(ctx)
			if err != nil || n != 0 {
				t.Errorf("DeleteExpiredSessions at the expiry instant = %d, %v; want 0 (not yet past)", n, err)
			}
		})

		t.Run("sign out revokes", func(t *testing.T) {
			if err := svc.SignOut(ctx, signedIn.Token); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Authenticate(ctx, signedIn.Token); !errors.Is(err, accounts.ErrNoSession) {
				t.Errorf("after sign-out, Authenticate = %v, want ErrNoSession", err)
			}
			if err := svc.SignOut(ctx, signedIn.Token); err != nil {
				t.Errorf("signing out twice: %v", err)
			}
		})
	})
}
