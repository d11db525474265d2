package accounts_test

import (
	"bytes"
	"context"
	"encoding/base32"
	"errors"
	"fmt"
	"image/png"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/migrations/dbtest"
)

const password = "a long enough password"

var operator = accounts.CommandLine("root")

func mustCreate(t *testing.T, svc *accounts.Service, email string, role accounts.Role) accounts.User {
	t.Helper()
	u, err := svc.CreateUser(context.Background(), accounts.NewUser{Email: email, Name: "Staff " + strings.Split(email, "@")[0], Role: role, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// appCode is what an authenticator app shows for secret at at.
func appCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// signIn signs in with email and password and wants the step next.
func signIn(t *testing.T, svc *accounts.Service, email, pw string, next accounts.SignInStep) accounts.SignedIn {
	t.Helper()
	in, err := svc.SignIn(context.Background(), email, pw)
	if err != nil {
		t.Fatalf("SignIn(%s): %v", email, err)
	}
	if in.Next != next {
		t.Fatalf("SignIn(%s) next = %q, want %q", email, in.Next, next)
	}
	if next == accounts.StepDone && (in.Token == "" || in.PendingToken != "") {
		t.Fatalf("SignIn(%s) done, but token %q and pending token %q", email, in.Token, in.PendingToken)
	}
	if next != accounts.StepDone && (in.Token != "" || in.PendingToken == "") {
		t.Fatalf("SignIn(%s) needs %s, but token %q and pending token %q", email, next, in.Token, in.PendingToken)
	}
	return in
}

// enrolAtSignIn takes an admin's sign-in from StepEnrol to a session, and
// returns the app's secret and the recovery codes.
func enrolAtSignIn(t *testing.T, svc *accounts.Service, c *clock, in accounts.SignedIn) (string, []string) {
	t.Helper()
	ctx := context.Background()
	key, err := svc.SignInEnrolment(ctx, in.PendingToken)
	if err != nil {
		t.Fatalf("SignInEnrolment: %v", err)
	}
	done, err := svc.SignInConfirmEnrolment(ctx, in.PendingToken, appCode(t, key.Secret, c.t))
	if err != nil || done.Next != accounts.StepDone || done.Token == "" {
		t.Fatalf("SignInConfirmEnrolment = %+v, %v; want a session", done, err)
	}
	return key.Secret, done.RecoveryCodes
}

// setSecret gives a member of staff an authenticator app with secret, as if
// they had set it up.
func setSecret(t *testing.T, db *bun.DB, userID int64, secret string) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.NewRaw("INSERT INTO staff_totp_keys (user_id, secret, last_step, updated_at) VALUES (?, ?, 0, ?)", userID, secret, time.Now().UTC()).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewRaw("UPDATE staff_users SET second_factor_at = ? WHERE id = ?", time.Now().UTC(), userID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, db *bun.DB, table, where string, args ...any) int {
	t.Helper()
	var n int
	if err := db.NewRaw("SELECT count(*) FROM "+table+" WHERE "+where, args...).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// auditActions lists the actions recorded against a staff account, oldest
// first, as "action by actor: reason".
func auditActions(t *testing.T, db *bun.DB, userID int64) []string {
	t.Helper()
	var es []audit.Entry
	if err := db.NewSelect().Model(&es).Where("target_kind = 'staff_user'").Where("target_id = ?", userID).Order("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, fmt.Sprintf("%s by %s %s: %s", e.Action, e.ActorKind, e.ActorName, e.Reason))
	}
	return out
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: err = %v, want %v", what, err, want)
	}
}

func wantFields(t *testing.T, what string, err error, fields ...string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid {
		t.Errorf("%s: err = %v, want an Invalid error", what, err)
		return
	}
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Field)
	}
	if diff := cmp.Diff(fields, got); diff != "" {
		t.Errorf("%s: fields (-want +got):\n%s", what, diff)
	}
}

// TestService_SignInSecondFactor_RFC6238 signs in with the test vectors of
// RFC 6238 (appendix B, SHA-1) through the service's own path, at the
// vectors' times. The RFC's codes have 8 digits; apps show 6, which are the
// last 6 of the same number.
func TestService_SignInSecondFactor_RFC6238(t *testing.T) {
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))
	vectors := []struct {
		unix int64
		rfc  string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		c := &clock{time.Unix(0, 0).UTC()}
		svc := newService(db, c)
		u := mustCreate(t, svc, "duty@example.org", accounts.RoleDuty)
		setSecret(t, db, u.ID, secret)
		for _, v := range vectors {
			t.Run(v.rfc, func(t *testing.T) {
				c.t = time.Unix(v.unix, 0).UTC()
				in := signIn(t, svc, "duty@example.org", password, accounts.StepSecondFactor)
				// A near miss first: one digit off. It counts as a try,
				// and the right code still works after it.
				wrong := []byte(v.rfc[2:])
				wrong[5] = '0' + (wrong[5]-'0'+1)%10
				_, err := svc.SignInSecondFactor(ctx, in.PendingToken, string(wrong))
				wantErr(t, "a code one digit off", err, accounts.ErrBadSecondFactor)

				got, err := svc.SignInSecondFactor(ctx, in.PendingToken, v.rfc[2:])
				if err != nil {
					t.Fatalf("SignInSecondFactor(%s) at %d: %v", v.rfc[2:], v.unix, err)
				}
				if got.Next != accounts.StepDone || got.Token == "" || got.User.ID != u.ID {
					t.Errorf("signed in = %+v, want a session for user %d", got, u.ID)
				}
				if _, err := svc.Authenticate(ctx, got.Token); err != nil {
					t.Errorf("Authenticate the new session: %v", err)
				}
			})
		}
	})
}

func TestService_SignInSecondFactor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		// 10:00:05, five seconds into a 30-second step.
		t0 := time.Date(2026, 11, 23, 10, 0, 5, 0, time.UTC)
		c := &clock{t0}
		svc := newService(db, c)
		admin := mustCreate(t, svc, "admin@example.org", accounts.RoleAdmin)
		secret, recovery := enrolAtSignIn(t, svc, c, signIn(t, svc, "admin@example.org", password, accounts.StepEnrol))

		t.Run("skew of one step either side, no more", func(t *testing.T) {
			// Now is 10:02:28, in the step that began at 10:02:00. Each
			// accepted code is for a later step than the one before, so
			// none is refused as a replay.
			c.t = time.Date(2026, 11, 23, 10, 2, 28, 0, time.UTC)
			tests := []struct {
				name   string
				codeAt time.Time
				ok     bool
			}{
				{"two steps late", c.t.Add(-60 * time.Second), false},
				{"two steps early", c.t.Add(60 * time.Second), false},
				{"one step late: a code from 10:01:59, 29 s ago", time.Date(2026, 11, 23, 10, 1, 59, 0, time.UTC), true},
				{"this step", c.t, true},
				{"one step early", c.t.Add(30 * time.Second), true},
			}
			for _, tt := range tests {
				in := signIn(t, svc, "admin@example.org", password, accounts.StepSecondFactor)
				_, err := svc.SignInSecondFactor(ctx, in.PendingToken, appCode(t, secret, tt.codeAt))
				if tt.ok && err != nil || !tt.ok && !errors.Is(err, accounts.ErrBadSecondFactor) {
					t.Errorf("%s: err = %v, want ok %v", tt.name, err, tt.ok)
				}
			}
		})

		t.Run("a code used once is refused, as is an earlier one", func(t *testing.T) {
			c.t = t0.Add(5 * time.Minute)
			code := appCode(t, secret, c.t)
			in := signIn(t, svc, "admin@example.org", password, accounts.StepSecondFactor)
			if _, err := svc.SignInSecondFactor(ctx, in.PendingToken, code); err != nil {
				t.Fatal(err)
			}
			c.t = c.t.Add(10 * time.Second)
			again := signIn(t, svc, "admin@example.org", password, accounts.StepSecondFactor)
			_, err := svc.SignInSecondFactor(ctx, again.PendingToken, code)
			wantErr(t, "the same code again", err, accounts.ErrBadSecondFactor)
			if err != nil && !strings.Contains(err.Error(), "used already") {
				t.Errorf("replay message = %q, want it to say the code was used already", err)
			}
			_, err = svc.SignInSecondFactor(ctx, again.PendingToken, appCode(t, secret, c.t.Add(-30*time.Second)))
			wantErr(t, "the step before's code", err, accounts.ErrBadSecondFactor)
			c.t = c.t.Add(30 * time.Second)
			if _, err := svc.SignInSecondFactor(ctx, again.PendingToken, appCode(t, secret, c.t)); err != nil {
				t.Errorf("the next step's code: %v", err)
			}
		})

		t.Run("two sign-ins racing with one code: one wins", func(t *testing.T) {
			c.t = t0.Add(10 * time.Minute)
			code := appCode(t, secret, c.t)
			const n = 4
			var pending [n]string
			for i := range pending {
				pending[i] = signIn(t, svc, "admin@example.org", password, accounts.StepSecondFactor).PendingToken
			}
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() { _, errs[i] = svc.SignInSecondFactor(ctx, pending[i], code) })
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, accounts.ErrBadSecondFactor):
					t.Errorf("a losing sign-in: %v, want ErrBadSecondFactor", err)
				}
			}
			if won != 1 {
				t.Errorf("%d sign-ins succeeded with one code, want 1 (errors %v)", won, errs)
			}
		})

		t.Run("recovery codes", func(t *testing.T) {
			c.t = t0.Add(15 * time.Minute)
			if len(recovery) != accounts.RecoveryCodeCount {
				t.Fatalf("%d recovery codes, want %d", len(recovery), accounts.RecoveryCodeCount)
			}
			format := regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$`)
			seen := map[string]bool{}
			for _, code := range recovery {
				if !format.MatchString(code) || seen[code] {
					t.Errorf("recovery code %q is malformed or repeated", code)
				}
				seen[code] = true
				if n := count(t, db, "staff_recovery_codes", "code_hash = ? OR code_hash = ?", code, strings.ReplaceAll(code, "-", "")); n != 0 {
					t.Errorf("recovery code %s is stored as it is", code)
				}
			}
			in := signIn(t, svc, "admin@example.org", password, accounts.StepSecondFactor)
			if _, err := svc.SignInSecondFactor(ctx, in.PendingToken, recovery[0]); err != nil {
				t.Fatalf("signing in with a recovery code: %v", err)
			}
			in = signIn(t, svc, "admin@example.org", password, accounts.StepSecondFactor)
			_, err := svc.SignInSecondFactor(ctx, in.PendingToken, recovery[0])
			wantErr(t, "the same recovery code again", err, accounts.ErrBadSecondFactor)
			// Typed in capitals, with spaces for hyphens: still the code.
			typed := strings.ToUpper(strings.ReplaceAll(recovery[1], "-", " "))
			if _, err := svc.SignInSecondFactor(ctx, in.PendingToken, typed); err != nil {
				t.Errorf("signing in with %q: %v", typed, err)
			}
			got := auditActions(t, db, admin.ID)
			want := []string{
				"staff.second_factor_added by staff Staff admin: at sign-in",
				"staff.recovery_code_used by staff Staff admin: signing in; 9 left",
				"staff.recovery_code_used by staff Staff admin: signing in; 8 left",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("audit (-want +got):\n%s", diff)
			}
		})

		t.Run("not a code at all", func(t *testing.T) {
			in := signIn(t, svc, "admin@example.org", password, accounts.StepSecondFactor)
			for _, code := range []string{"", "12345", "1234567", "abcd-efgh", "not a recovery code!"} {
				_, err := svc.SignInSecondFactor(ctx, in.PendingToken, code)
				wantFields(t, fmt.Sprintf("code %q", code), err, "code")
			}
		})

		t.Run("tries are limited per sign-in", func(t *testing.T) {
			c.t = t0.Add(20 * time.Minute)
			in := signIn(t, svc, "admin@example.org", password, accounts.StepSecondFactor)
			for range accounts.MaxSecondFactorTries {
				_, err := svc.SignInSecondFactor(ctx, in.PendingToken, "000000")
				wantErr(t, "a wrong code", err, accounts.ErrBadSecondFactor)
			}
			_, err := svc.SignInSecondFactor(ctx, in.PendingToken, appCode(t, secret, c.t))
			wantErr(t, "the right code after too many tries", err, accounts.ErrNoPendingSignIn)
		})

		t.Run("a pending sign-in is no session, and expires", func(t *testing.T) {
			c.t = t0.Add(30 * time.Minute)
			in := signIn(t, svc, "admin@example.org", password, accounts.StepSecondFactor)
			_, err := svc.Authenticate(ctx, in.PendingToken)
			wantErr(t, "Authenticate(pending token)", err, accounts.ErrNoSession)
			p, err := svc.PendingSignIn(ctx, in.PendingToken)
			if err != nil || p.Next != accounts.StepSecondFactor || p.User.ID != admin.ID || !p.ExpiresAt.Equal(c.t.Add(accounts.PendingSignInTTL)) {
				t.Errorf("PendingSignIn = %+v, %v", p, err)
			}
			_, err = svc.SignInChangePassword(ctx, in.PendingToken, "another long password")
			wantErr(t, "changing the password at the second factor step", err, accounts.ErrSignInStep)
			_, err = svc.SignInEnrolment(ctx, in.PendingToken)
			wantErr(t, "enrolling at the second factor step", err, accounts.ErrSignInStep)

			c.t = c.t.Add(accounts.PendingSignInTTL)
			_, err = svc.SignInSecondFactor(ctx, in.PendingToken, appCode(t, secret, c.t))
			wantErr(t, "after PendingSignInTTL", err, accounts.ErrNoPendingSignIn)
			_, err = svc.PendingSignIn(ctx, in.PendingToken)
			wantErr(t, "PendingSignIn after PendingSignInTTL", err, accounts.ErrNoPendingSignIn)
			c.t = c.t.Add(time.Second)
			if n, err := svc.DeleteExpiredSessions(ctx); err != nil || n == 0 {
				t.Errorf("DeleteExpiredSessions = %d, %v; want the expired pending sign-ins gone", n, err)
			}
			if n := count(t, db, "staff_sign_ins", "expires_at < ?", c.t); n != 0 {
				t.Errorf("%d expired pending sign-ins left", n)
			}
		})
	})
}

func TestService_SignIn_Steps(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		c := &clock{time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
		svc := newService(db, c)
		// The first admin, by hand; then staff added by admins.
		first := mustCreate(t, svc, "first@example.org", accounts.RoleAdmin)
		adminIn := signIn(t, svc, "first@example.org", password, accounts.StepEnrol)
		enrolAtSignIn(t, svc, c, adminIn)
		actor := accounts.Principal{Kind: accounts.SubjectStaff, ID: first.ID, Name: "Staff first", Role: accounts.RoleAdmin}

		t.Run("an admin with no app gets no session until they set one up", func(t *testing.T) {
			mustCreate(t, svc, "second@example.org", accounts.RoleAdmin)
			in := signIn(t, svc, "second@example.org", password, accounts.StepEnrol)
			_, err := svc.SignInSecondFactor(ctx, in.PendingToken, "123456")
			wantErr(t, "a code before setting up", err, accounts.ErrSignInStep)
			_, err = svc.SignInConfirmEnrolment(ctx, in.PendingToken, "123456")
			wantErr(t, "confirming before a key was made", err, accounts.ErrNotEnrolling)

			key, err := svc.SignInEnrolment(ctx, in.PendingToken)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(key.URL, "otpauth://totp/Respite:second@example.org?") || !strings.Contains(key.URL, "secret="+key.Secret) || len(key.Secret) != 32 {
				t.Errorf("key = %q, %q", key.URL, key.Secret)
			}
			img, err := png.Decode(bytes.NewReader(key.QRCode))
			if err != nil || img.Bounds().Dx() < 200 || img.Bounds().Dx() != img.Bounds().Dy() {
				t.Errorf("QR code: %v, %v; want a square PNG", err, img.Bounds())
			} else if r, g, b, _ := img.At(5, 5).RGBA(); r != 0xffff || g != 0xffff || b != 0xffff {
				t.Error("the QR code has no white quiet zone")
			}
			if n := count(t, db, "staff_totp_keys", "new_secret = ?", key.Secret); n != 1 {
				t.Errorf("the new key is stored %d times, want 1", n)
			}
			// A wrong code, then asking again (a form shown again): the
			// same key, which the app already has.
			_, err = svc.SignInConfirmEnrolment(ctx, in.PendingToken, appCode(t, key.Secret, c.t.Add(-time.Hour)))
			wantErr(t, "a wrong code", err, accounts.ErrEnrolmentCode)
			again, err := svc.SignInEnrolment(ctx, in.PendingToken)
			if err != nil || again.Secret != key.Secret || again.URL != key.URL {
				t.Fatalf("asked again: %q, %v; want the same key %q", again.Secret, err, key.Secret)
			}
			_, err = svc.SignInConfirmEnrolment(ctx, in.PendingToken, "12 34")
			wantFields(t, "confirming with four digits", err, "code")
			done, err := svc.SignInConfirmEnrolment(ctx, in.PendingToken, appCode(t, again.Secret, c.t))
			if err != nil || done.Token == "" || len(done.RecoveryCodes) != accounts.RecoveryCodeCount || done.User.SecondFactorAt == nil {
				t.Fatalf("confirmed = %+v, %v", done, err)
			}
			_, err = svc.SignInConfirmEnrolment(ctx, in.PendingToken, appCode(t, again.Secret, c.t))
			wantErr(t, "the pending token once its sign-in is done", err, accounts.ErrNoPendingSignIn)
			// The code that confirmed the app cannot also sign in.
			in = signIn(t, svc, "second@example.org", password, accounts.StepSecondFactor)
			_, err = svc.SignInSecondFactor(ctx, in.PendingToken, appCode(t, again.Secret, c.t))
			wantErr(t, "the confirming code, again", err, accounts.ErrBadSecondFactor)
		})

		t.Run("a one-time password leads only to choosing a new one", func(t *testing.T) {
			u, made, err := svc.AddUser(ctx, actor, accounts.NewUser{Email: "sam@example.org", Name: "Sam Duty", Role: accounts.RoleDuty, Password: "given by the admin"})
			if err != nil || made != "" || !u.MustChangePassword {
				t.Fatalf("AddUser = %+v, %q, %v; want a user who must change the given password", u, made, err)
			}
			in := signIn(t, svc, "sam@example.org", "given by the admin", accounts.StepChangePassword)
			_, err = svc.Authenticate(ctx, in.PendingToken)
			wantErr(t, "the pending token as a session", err, accounts.ErrNoSession)
			_, err = svc.SignInSecondFactor(ctx, in.PendingToken, "123456")
			wantErr(t, "a code instead", err, accounts.ErrSignInStep)
			for _, bad := range []string{"", "short", "given by the admin"} {
				_, err := svc.SignInChangePassword(ctx, in.PendingToken, bad)
				wantFields(t, fmt.Sprintf("new password %q", bad), err, "new_password")
			}
			done, err := svc.SignInChangePassword(ctx, in.PendingToken, "sam's own long password")
			if err != nil || done.Next != accounts.StepDone || done.Token == "" || done.User.MustChangePassword {
				t.Fatalf("changed = %+v, %v; want a session", done, err)
			}
			if _, err := svc.Authenticate(ctx, done.Token); err != nil {
				t.Errorf("Authenticate: %v", err)
			}
			signIn(t, svc, "sam@example.org", "sam's own long password", accounts.StepDone)
			_, err = svc.SignIn(ctx, "sam@example.org", "given by the admin")
			wantErr(t, "the one-time password afterwards", err, accounts.ErrBadCredentials)
			want := []string{
				"staff.added by staff Staff first: as duty",
				"staff.password_changed by staff Sam Duty: at sign-in, in place of a one-time password",
			}
			if diff := cmp.Diff(want, auditActions(t, db, u.ID)); diff != "" {
				t.Errorf("audit (-want +got):\n%s", diff)
			}
		})

		t.Run("a new admin: own password, then an app, then a session", func(t *testing.T) {
			u, made, err := svc.AddUser(ctx, operator, accounts.NewUser{Email: "alex@example.org", Name: "Alex Admin", Role: accounts.RoleAdmin})
			if err != nil || !regexp.MustCompile(`^[0-9a-z]{4}(-[0-9a-z]{4}){3}$`).MatchString(made) {
				t.Fatalf("AddUser = %+v, %q, %v; want a made one-time password", u, made, err)
			}
			in := signIn(t, svc, "alex@example.org", made, accounts.StepChangePassword)
			next, err := svc.SignInChangePassword(ctx, in.PendingToken, "alex's own long password")
			if err != nil || next.Next != accounts.StepEnrol || next.Token != "" || next.PendingToken != in.PendingToken {
				t.Fatalf("after the new password = %+v, %v; want the enrolment step", next, err)
			}
			enrolAtSignIn(t, svc, c, next)
			want := []string{
				"staff.added by operator command line (root): as admin",
				"staff.password_changed by staff Alex Admin: at sign-in, in place of a one-time password",
				"staff.second_factor_added by staff Alex Admin: at sign-in",
			}
			if diff := cmp.Diff(want, auditActions(t, db, u.ID)); diff != "" {
				t.Errorf("audit (-want +got):\n%s", diff)
			}
		})

		t.Run("an app's code comes before the new password", func(t *testing.T) {
			u, _, err := svc.ResetPassword(ctx, actor, mustUserID(t, svc, "second@example.org"), "a one-time password", "forgot it")
			if err != nil {
				t.Fatal(err)
			}
			in := signIn(t, svc, u.Email, "a one-time password", accounts.StepSecondFactor)
			_, err = svc.SignInChangePassword(ctx, in.PendingToken, "a new long password")
			wantErr(t, "a new password before the code", err, accounts.ErrSignInStep)
		})

		t.Run("disabled", func(t *testing.T) {
			u := mustCreate(t, svc, "leaver@example.org", accounts.RoleDuty)
			in := signIn(t, svc, "leaver@example.org", password, accounts.StepDone)
			if _, err := svc.DisableUser(ctx, actor, u.ID, "left the council"); err != nil {
				t.Fatal(err)
			}
			_, err := svc.Authenticate(ctx, in.Token)
			wantErr(t, "the open session, at once", err, accounts.ErrNoSession)
			if n := count(t, db, "sessions", "subject_kind = 'staff' AND subject_id = ?", u.ID); n != 0 {
				t.Errorf("%d sessions left, want none", n)
			}
			_, err = svc.SignIn(ctx, "leaver@example.org", password)
			wantErr(t, "signing in", err, accounts.ErrAccountDisabled)
			_, err = svc.SignIn(ctx, "leaver@example.org", "a wrong password")
			wantErr(t, "a wrong password", err, accounts.ErrBadCredentials)
			if _, err := svc.EnableUser(ctx, actor, u.ID, "came back"); err != nil {
				t.Fatal(err)
			}
			signIn(t, svc, "leaver@example.org", password, accounts.StepDone)
		})
	})
}

func mustUserID(t *testing.T, svc *accounts.Service, email string) int64 {
	t.Helper()
	u, err := svc.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestService_Authenticate_IdleTimeout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		c := &clock{t0}
		svc := accounts.NewService(db, accounts.Options{Clock: c.Now, SessionTTL: 12 * time.Hour, StaffIdleTimeout: 30 * time.Minute, BcryptCost: 4})
		mustCreate(t, svc, "duty@example.org", accounts.RoleDuty)
		staff := signIn(t, svc, "duty@example.org", password, accounts.StepDone)
		carer, _, err := svc.StartSession(ctx, db, accounts.SubjectCarer, 42)
		if err != nil {
			t.Fatal(err)
		}
		lastSeen := func() *time.Time {
			var s accounts.Session
			if err := db.NewSelect().Model(&s).Where("subject_kind = 'staff'").Scan(ctx); err != nil {
				t.Fatal(err)
			}
			return s.LastSeenAt
		}

		steps := []struct {
			at       time.Duration // after t0
			ok       bool
			lastSeen time.Duration // after t0; -1 for never
		}{
			{0, true, -1},                              // just signed in: no write
			{30 * time.Second, true, -1},               // under a minute: no write
			{29 * time.Minute, true, 29 * time.Minute}, // written
			{29*time.Minute + 50*time.Second, true, 29 * time.Minute},
			{58 * time.Minute, true, 58 * time.Minute},                // 29 minutes idle: fine
			{88*time.Minute + time.Second, false, 58 * time.Minute},   // 30 minutes and a second idle
			{88*time.Minute + 2*time.Second, false, 58 * time.Minute}, // and gone for good
		}
		for _, st := range steps {
			c.t = t0.Add(st.at)
			_, err := svc.Authenticate(ctx, staff.Token)
			if st.ok != (err == nil) {
				t.Errorf("at +%s: Authenticate = %v, want ok %v", st.at, err, st.ok)
			}
			if !st.ok {
				wantErr(t, "an idle session", err, accounts.ErrNoSession)
				continue
			}
			got := lastSeen()
			switch {
			case st.lastSeen < 0 && got != nil:
				t.Errorf("at +%s: last seen %v, want not written", st.at, got)
			case st.lastSeen >= 0 && (got == nil || !got.Equal(t0.Add(st.lastSeen))):
				t.Errorf("at +%s: last seen %v, want %v", st.at, got, t0.Add(st.lastSeen))
			}
		}
		if n := count(t, db, "sessions", "subject_kind = 'staff'"); n != 0 {
			t.Errorf("the idle staff session is still stored (%d)", n)
		}
		// A carer's session is not timed out for idling, and is not written to.
		p, err := svc.Authenticate(ctx, carer)
		if err != nil || p.Kind != accounts.SubjectCarer {
			t.Errorf("the carer's session after %s idle: %+v, %v", c.t.Sub(t0), p, err)
		}
		if n := count(t, db, "sessions", "subject_kind = 'carer' AND last_seen_at IS NULL"); n != 1 {
			t.Error("the carer's session was written to")
		}
	})
}

func TestService_DisabledSessionRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		// However an account comes to be disabled, its sessions stop
		// working on the next request.
		ctx := context.Background()
		c := &clock{time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
		svc := newService(db, c)
		u := mustCreate(t, svc, "duty@example.org", accounts.RoleDuty)
		in := signIn(t, svc, "duty@example.org", password, accounts.StepDone)
		if _, err := db.NewRaw("UPDATE staff_users SET disabled_at = ? WHERE id = ?", c.t, u.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		_, err := svc.Authenticate(ctx, in.Token)
		wantErr(t, "a disabled account's session", err, accounts.ErrNoSession)
	})
}
