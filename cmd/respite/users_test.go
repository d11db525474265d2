package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/migrations/dbtest"
)

// setUpApp takes the answer to POST /api/v1/auth/login for an admin with no
// authenticator app through setting one up, and returns the answer with the
// token. Any other answer is returned as it is.
func (s *service) setUpApp(t *testing.T, login response) response {
	t.Helper()
	var in struct {
		Next         string `json:"next"`
		PendingToken string `json:"pending_token"`
	}
	if err := json.Unmarshal(login.body, &in); err != nil || in.Next != "enrol_second_factor" {
		return login
	}
	key := s.do(t, http.MethodPost, "/api/v1/auth/login/enrolment", map[string]string{"pending_token": in.PendingToken}, "")
	var k struct {
		Secret string `json:"secret"`
	}
	if err := json.Unmarshal(key.body, &k); err != nil || key.status != http.StatusOK {
		t.Fatalf("POST /api/v1/auth/login/enrolment = %s", key)
	}
	code, err := totp.GenerateCodeCustom(k.Secret, time.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	done := s.do(t, http.MethodPost, "/api/v1/auth/login/enrolment/confirm", map[string]string{"pending_token": in.PendingToken, "code": code}, "")
	if done.status != http.StatusOK {
		t.Fatalf("POST /api/v1/auth/login/enrolment/confirm = %s", done)
	}
	return done
}

// TestRun_Users drives every `respite users` subcommand through run, on
// SQLite and PostgreSQL, and checks what the database holds after each.
func TestRun_Users(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		env := sqliteEnv(t)
		env["USER"] = "ops"
		checkUsers(t, env, nil)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		db, dsn := dbtest.PostgresWithURL(t)
		checkUsers(t, environ{"DATABASE_URL": dsn, "USER": "ops"}, db)
	})
}

func checkUsers(t *testing.T, env environ, db *bun.DB) {
	ctx := t.Context()
	ok := func(t *testing.T, stdin string, args ...string) string {
		t.Helper()
		got := respite(t, env, stdin, args...)
		if got.code != exitOK {
			t.Fatalf("%s: %s", strings.Join(args, " "), got)
		}
		logLines(t, got.stderr) // only log lines, such as the migrations applied
		return got.stdout
	}
	refused := func(t *testing.T, code int, stdin, want string, args ...string) {
		t.Helper()
		got := respite(t, env, stdin, args...)
		if got.code != code || !strings.Contains(got.stderr, want) || got.stdout != "" {
			t.Errorf("%s: %s\nwant exit status %d, stderr mentioning %q and nothing on stdout", strings.Join(args, " "), got, code, want)
		}
	}

	if out := ok(t, "", "users", "list"); out != "ID  EMAIL  NAME  ROLE  STATUS  APP  PASSWORD\n" {
		t.Errorf("list of nobody = %q", out)
	}
	out := ok(t, "the first admin's password\n", "users", "add", "--email", "Alex@Example.org", "--name", "Alex Admin", "--role", "admin", "--password-stdin")
	if want := "Added Alex Admin (alex@example.org) as admin, with id 1.\nThe password works once: they choose their own when they next sign in, and then set up an authenticator app.\n"; out != want {
		t.Errorf("add an admin = %q, want %q", out, want)
	}
	ok(t, "sam's one-time password\n", "users", "add", "--email", "sam@example.org", "--name", "Sam Duty", "--role", "duty", "--password-stdin")
	if db == nil {
		db = openDB(t, env)
	}
	svc := accounts.NewService(db, accounts.Options{BcryptCost: bcrypt.MinCost})

	// Sam signs in, chooses a password, and has a session.
	in, err := svc.SignIn(ctx, "sam@example.org", "sam's one-time password")
	if err != nil || in.Next != accounts.StepChangePassword {
		t.Fatalf("signing in with the one-time password: %+v, %v; want the password step", in, err)
	}
	if in, err = svc.SignInChangePassword(ctx, in.PendingToken, "sam's own long password"); err != nil || in.Token == "" {
		t.Fatalf("choosing a password: %+v, %v", in, err)
	}
	samSession := in.Token

	list := ok(t, "", "users", "list")
	rows := regexp.MustCompile(`\s{2,}`).ReplaceAllString(strings.TrimSpace(list), " | ")
	want := "ID | EMAIL | NAME | ROLE | STATUS | APP | PASSWORD\n" +
		"1 | alex@example.org | Alex Admin | admin | active | no | one-time\n" +
		"2 | sam@example.org | Sam Duty | duty | active | no | own"
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	if out := ok(t, "", "users", "list", "--role", "duty"); !strings.Contains(out, "sam@example.org") || strings.Contains(out, "alex@") {
		t.Errorf("list --role duty = %q", out)
	}
	refused(t, exitUsage, "", "--role: ", "users", "list", "--role", "boss")

	tests := []struct {
		args []string
		want string // stdout
	}{
		{[]string{"set-role", "--email", "SAM@example.org", "--role", "coordinator", "--reason", "moved teams"}, "Sam Duty (sam@example.org) is now coordinator (was duty).\n"},
		{[]string{"set-role", "--email", "sam@example.org", "--role", "coordinator"}, "Sam Duty (sam@example.org) is already coordinator.\n"},
		{[]string{"disable", "--email", "sam@example.org", "--reason", "on leave"}, "Disabled Sam Duty (sam@example.org): their sessions have ended and they cannot sign in.\n"},
		{[]string{"disable", "--email", "sam@example.org"}, "Sam Duty (sam@example.org) was already disabled.\n"},
		{[]string{"enable", "--email", "sam@example.org"}, "Enabled Sam Duty (sam@example.org): they can sign in again.\n"},
		{[]string{"enable", "--email", "sam@example.org"}, "Sam Duty (sam@example.org) was not disabled.\n"},
		{[]string{"reset-2fa", "--email", "sam@example.org", "--reason", "lost phone"}, "Removed the authenticator app and recovery codes of Sam Duty (sam@example.org); their sessions have ended, and they sign in with their password alone until they set up a new one.\n"},
	}
	for i, tt := range tests {
		if out := ok(t, "", append([]string{"users"}, tt.args...)...); out != tt.want {
			t.Errorf("users %s = %q, want %q", strings.Join(tt.args, " "), out, tt.want)
		}
		if i == 2 { // disabled: Sam's session ended at once
			if _, err := svc.Authenticate(ctx, samSession); !errors.Is(err, accounts.ErrNoSession) {
				t.Errorf("Sam's session after disable: %v, want ErrNoSession", err)
			}
			if _, err := svc.SignIn(ctx, "sam@example.org", "sam's own long password"); !errors.Is(err, accounts.ErrAccountDisabled) {
				t.Errorf("Sam signing in while disabled: %v, want ErrAccountDisabled", err)
			}
		}
	}

	out = ok(t, "a new one-time password\n", "users", "reset-password", "--email", "sam@example.org", "--password-stdin", "--reason", "forgot it")
	if want := "Reset the password of Sam Duty (sam@example.org); their sessions have ended. The new password works once: they choose their own when they next sign in.\n"; out != want {
		t.Errorf("reset-password = %q, want %q", out, want)
	}
	if in, err := svc.SignIn(ctx, "sam@example.org", "a new one-time password"); err != nil || in.Next != accounts.StepChangePassword {
		t.Errorf("signing in after the reset: %+v, %v; want the password step", in, err)
	}

	// The only admin can be neither disabled nor demoted.
	refused(t, exitFault, "", "This is the only active administrator", "users", "disable", "--email", "alex@example.org")
	refused(t, exitFault, "", "This is the only active administrator", "users", "set-role", "--email", "alex@example.org", "--role", "duty")
	out = ok(t, "", "users", "set-role", "--email", "sam@example.org", "--role", "admin")
	if want := "Sam Duty (sam@example.org) is now admin (was coordinator). They have been signed out, and set up an authenticator app when they next sign in.\n"; out != want {
		t.Errorf("set-role admin = %q, want %q", out, want)
	}
	ok(t, "", "users", "disable", "--email", "alex@example.org", "--reason", "left")

	// Mistakes.
	refused(t, exitFault, "", "there is no member of staff with the email address nobody@example.org", "users", "disable", "--email", "Nobody@example.org")
	refused(t, exitUsage, "", "--email is required", "users", "enable")
	refused(t, exitUsage, "x\n", "--password-stdin is required", "users", "reset-password", "--email", "sam@example.org")
	refused(t, exitUsage, "", "no password on standard input", "users", "reset-password", "--email", "sam@example.org", "--password-stdin")
	refused(t, exitUsage, "short\n", "password (standard input): ", "users", "reset-password", "--email", "sam@example.org", "--password-stdin")
	refused(t, exitUsage, "", "--role: ", "users", "set-role", "--email", "sam@example.org", "--role", "boss")
	refused(t, exitUsage, "", `unexpected argument "sam@example.org"`, "users", "disable", "sam@example.org")

	// Every change, in the audit log, as the command line's.
	var entries []audit.Entry
	if err := db.NewSelect().Model(&entries).Order("id").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.ActorKind+" "+e.ActorName+": "+e.Action+" "+e.TargetKind+" "+e.Reason)
	}
	wantAudit := []string{
		"operator command line (ops): staff.added staff_user as admin",
		"operator command line (ops): staff.added staff_user as duty",
		"staff Sam Duty: staff.password_changed staff_user at sign-in, in place of a one-time password",
		"operator command line (ops): staff.role_changed staff_user duty to coordinator: moved teams",
		"operator command line (ops): staff.disabled staff_user on leave",
		"operator command line (ops): staff.enabled staff_user ",
		"operator command line (ops): staff.second_factor_reset staff_user lost phone",
		"operator command line (ops): staff.password_reset staff_user forgot it",
		"operator command line (ops): staff.role_changed staff_user coordinator to admin",
		"operator command line (ops): staff.disabled staff_user left",
	}
	if diff := cmp.Diff(wantAudit, got); diff != "" {
		t.Errorf("audit log (-want +got):\n%s", diff)
	}
}

func TestRun_UsersHelp(t *testing.T) {
	t.Parallel()
	for _, sub := range []string{"list", "add", "disable", "enable", "set-role", "reset-password", "reset-2fa"} {
		t.Run(sub, func(t *testing.T) {
			t.Parallel()
			got := respite(t, sqliteEnv(t), "", "users", sub, "--help")
			if got.code != exitOK || !strings.HasPrefix(got.stdout, "Usage: respite users "+sub) || got.stderr != "" {
				t.Errorf("users %s --help: %s", sub, got)
			}
		})
	}
}

func TestRun_StaffIdleTimeoutConfig(t *testing.T) {
	t.Parallel()
	env := sqliteEnv(t)
	env["RESPITE_STAFF_IDLE_TIMEOUT"] = "1m"
	got := respite(t, env, "", "users", "list")
	if got.code != exitUsage || !strings.HasPrefix(got.stderr, "respite: configuration: RESPITE_STAFF_IDLE_TIMEOUT ") {
		t.Errorf("RESPITE_STAFF_IDLE_TIMEOUT=1m: %s", got)
	}
}
