package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/paging"
)

func principal(u accounts.User) accounts.Principal {
	return accounts.Principal{Kind: accounts.SubjectStaff, ID: u.ID, Name: u.Name, Role: u.Role}
}

func TestService_ManageStaff_OnlyAdmins(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newService(db, &clock{time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)})
		admin := mustCreate(t, svc, "admin@example.org", accounts.RoleAdmin)
		duty := mustCreate(t, svc, "duty@example.org", accounts.RoleDuty)
		for _, who := range []accounts.Principal{
			principal(duty),
			{Kind: accounts.SubjectStaff, ID: 99, Role: accounts.RoleCoordinator},
			{Kind: accounts.SubjectCarer, ID: admin.ID},
			{Kind: accounts.SubjectHost, ID: admin.ID},
			{},
		} {
			calls := map[string]error{}
			_, calls["ListUsers"] = svc.ListUsers(ctx, who, accounts.UserFilter{})
			_, calls["UserByID"] = svc.UserByID(ctx, who, admin.ID)
			_, _, calls["AddUser"] = svc.AddUser(ctx, who, accounts.NewUser{Email: "new@example.org", Name: "New", Role: accounts.RoleAdmin, Password: password})
			_, calls["DisableUser"] = svc.DisableUser(ctx, who, admin.ID, "")
			_, calls["EnableUser"] = svc.EnableUser(ctx, who, admin.ID, "")
			_, calls["SetRole"] = svc.SetRole(ctx, who, duty.ID, accounts.RoleAdmin, "")
			_, _, calls["ResetPassword"] = svc.ResetPassword(ctx, who, admin.ID, "", "")
			_, calls["ResetSecondFactor"] = svc.ResetSecondFactor(ctx, who, admin.ID, "")
			for name, err := range calls {
				wantErr(t, fmt.Sprintf("%s by %s %d", name, who.Kind, who.ID), err, accounts.ErrNotAllowed)
			}
		}
		if n := count(t, db, "staff_users", "1 = 1"); n != 2 {
			t.Errorf("%d staff users, want the 2 made here", n)
		}
		if n := count(t, db, "audit_log", "1 = 1"); n != 0 {
			t.Errorf("%d audit entries, want none", n)
		}
		_, err := svc.DisableUser(ctx, principal(admin), admin.ID, "")
		wantErr(t, "disabling yourself", err, accounts.ErrDisableSelf)
	})
}

func TestService_ManageStaff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		c := &clock{time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
		svc := newService(db, c)
		first := mustCreate(t, svc, "first@example.org", accounts.RoleAdmin)
		admin := principal(first)

		sam, made, err := svc.AddUser(ctx, admin, accounts.NewUser{Email: " Sam@Example.org", Name: "Sam Duty", Role: accounts.RoleDuty})
		if err != nil || sam.Email != "sam@example.org" || !sam.MustChangePassword || made == "" {
			t.Fatalf("AddUser = %+v, %q, %v", sam, made, err)
		}
		_, _, err = svc.AddUser(ctx, admin, accounts.NewUser{Email: "SAM@example.org", Name: "Sam Again", Role: accounts.RoleDuty})
		wantErr(t, "adding the same email", err, accounts.ErrEmailTaken)
		_, _, err = svc.AddUser(ctx, admin, accounts.NewUser{Email: "x", Name: "", Role: "boss", Password: "short"})
		wantFields(t, "adding with bad fields", err, "email", "name", "role", "password")

		// Sam chooses a password and signs in; the admin then manages them.
		in := signIn(t, svc, "sam@example.org", made, accounts.StepChangePassword)
		session, err := svc.SignInChangePassword(ctx, in.PendingToken, "sam's own long password")
		if err != nil {
			t.Fatal(err)
		}
		reauth := func(what string, want error) {
			t.Helper()
			_, err := svc.Authenticate(ctx, session.Token)
			if want == nil && err != nil || want != nil && !errors.Is(err, want) {
				t.Errorf("%s: Sam's session: %v, want %v", what, err, want)
			}
		}

		u, err := svc.SetRole(ctx, admin, sam.ID, accounts.RoleCoordinator, "moved teams")
		if err != nil || u.Role != accounts.RoleCoordinator {
			t.Fatalf("SetRole = %+v, %v", u, err)
		}
		reauth("after a move to coordinator", nil)
		if p, _ := svc.Authenticate(ctx, session.Token); p.Role != accounts.RoleCoordinator {
			t.Errorf("the session's role = %s, want coordinator at once", p.Role)
		}
		_, err = svc.SetRole(ctx, admin, sam.ID, "boss", "")
		wantFields(t, "an unknown role", err, "role")
		if _, err := svc.SetRole(ctx, admin, sam.ID, accounts.RoleCoordinator, "again"); err != nil {
			t.Errorf("setting the same role: %v", err)
		}

		u, err = svc.DisableUser(ctx, admin, sam.ID, "on leave")
		if err != nil || u.Active() || u.DisabledAt == nil {
			t.Fatalf("DisableUser = %+v, %v", u, err)
		}
		reauth("after disabling", accounts.ErrNoSession)
		if _, err := svc.DisableUser(ctx, admin, sam.ID, "twice"); err != nil {
			t.Errorf("disabling twice: %v", err)
		}
		u, err = svc.EnableUser(ctx, admin, sam.ID, "back from leave")
		if err != nil || !u.Active() {
			t.Fatalf("EnableUser = %+v, %v", u, err)
		}
		session = signIn(t, svc, "sam@example.org", "sam's own long password", accounts.StepDone)

		u, made, err = svc.ResetPassword(ctx, admin, sam.ID, "", "forgot it")
		if err != nil || !u.MustChangePassword || made == "" {
			t.Fatalf("ResetPassword = %+v, %q, %v", u, made, err)
		}
		reauth("after a password reset", accounts.ErrNoSession)
		_, err = svc.SignIn(ctx, "sam@example.org", "sam's own long password")
		wantErr(t, "the old password", err, accounts.ErrBadCredentials)
		in = signIn(t, svc, "sam@example.org", made, accounts.StepChangePassword)
		if session, err = svc.SignInChangePassword(ctx, in.PendingToken, "sam's second long password"); err != nil {
			t.Fatal(err)
		}

		// Sam chooses to have an app; a reset takes it away again.
		sp := principal(u)
		key, err := svc.BeginEnrolment(ctx, sp)
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.ConfirmEnrolment(ctx, sp, "000000")
		if appCode(t, key.Secret, c.t) != "000000" {
			wantErr(t, "confirming with a wrong code", err, accounts.ErrEnrolmentCode)
		}
		codes, err := svc.ConfirmEnrolment(ctx, sp, appCode(t, key.Secret, c.t))
		if err != nil || len(codes) != accounts.RecoveryCodeCount {
			t.Fatalf("ConfirmEnrolment = %v, %v", codes, err)
		}
		_, err = svc.BeginEnrolment(ctx, sp)
		wantErr(t, "enrolling twice", err, accounts.ErrAlreadyEnrolled)
		reauth("after setting up an app", nil)
		signIn(t, svc, "sam@example.org", "sam's second long password", accounts.StepSecondFactor)

		u, err = svc.ResetSecondFactor(ctx, admin, sam.ID, "lost phone")
		if err != nil || u.HasSecondFactor() {
			t.Fatalf("ResetSecondFactor = %+v, %v", u, err)
		}
		reauth("after a second factor reset", accounts.ErrNoSession)
		if n := count(t, db, "staff_recovery_codes", "user_id = ?", sam.ID); n != 0 {
			t.Errorf("%d recovery codes left after the reset", n)
		}
		if n := count(t, db, "staff_sign_ins", "user_id = ?", sam.ID); n != 0 {
			t.Errorf("%d sign-ins under way left after the reset", n)
		}
		// Not an admin: back to a password alone.
		session = signIn(t, svc, "sam@example.org", "sam's second long password", accounts.StepDone)

		// Made an admin with no app: signed out, to set one up.
		if _, err := svc.SetRole(ctx, admin, sam.ID, accounts.RoleAdmin, "team lead"); err != nil {
			t.Fatal(err)
		}
		reauth("after becoming an admin with no app", accounts.ErrNoSession)
		signIn(t, svc, "sam@example.org", "sam's second long password", accounts.StepEnrol)

		// Their own password.
		samAdmin := principal(u)
		samAdmin.Role = accounts.RoleAdmin
		err = svc.ChangePassword(ctx, samAdmin, "not it at all", "sam's third long password")
		wantFields(t, "a wrong current password", err, "current_password")
		err = svc.ChangePassword(ctx, samAdmin, "sam's second long password", "sam's second long password")
		wantFields(t, "the same password", err, "new_password")
		err = svc.ChangePassword(ctx, samAdmin, "sam's second long password", "short")
		wantFields(t, "a short password", err, "new_password")
		if err := svc.ChangePassword(ctx, samAdmin, "sam's second long password", "sam's third long password"); err != nil {
			t.Fatal(err)
		}
		signIn(t, svc, "sam@example.org", "sam's third long password", accounts.StepEnrol)
		wantErr(t, "a carer changing a password", svc.ChangePassword(ctx, accounts.Principal{Kind: accounts.SubjectCarer, ID: sam.ID}, "x", "y"), accounts.ErrStaffOnly)

		want := []string{
			"staff.added by staff Staff first: as duty",
			"staff.password_changed by staff Sam Duty: at sign-in, in place of a one-time password",
			"staff.role_changed by staff Staff first: duty to coordinator: moved teams",
			"staff.disabled by staff Staff first: on leave",
			"staff.enabled by staff Staff first: back from leave",
			"staff.password_reset by staff Staff first: forgot it",
			"staff.password_changed by staff Sam Duty: at sign-in, in place of a one-time password",
			"staff.second_factor_added by staff Sam Duty: from their account",
			"staff.second_factor_reset by staff Staff first: lost phone",
			"staff.role_changed by staff Staff first: coordinator to admin: team lead",
			"staff.password_changed by staff Sam Duty: ",
		}
		if diff := cmp.Diff(want, auditActions(t, db, sam.ID)); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}

		t.Run("list", func(t *testing.T) {
			mustCreate(t, svc, "coord@example.org", accounts.RoleCoordinator)
			gone := mustCreate(t, svc, "gone@example.org", accounts.RoleDuty)
			if _, err := svc.DisableUser(ctx, admin, gone.ID, ""); err != nil {
				t.Fatal(err)
			}
			emails := func(f accounts.UserFilter) []string {
				t.Helper()
				page, err := svc.ListUsers(ctx, operator, f)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, u := range page.Items {
					out = append(out, u.Email)
				}
				if page.Next != 0 {
					out = append(out, "…")
				}
				return out
			}
			tests := []struct {
				filter accounts.UserFilter
				want   []string
			}{
				{accounts.UserFilter{}, []string{"first@example.org", "sam@example.org", "coord@example.org", "gone@example.org"}},
				{accounts.UserFilter{Role: accounts.RoleAdmin}, []string{"first@example.org", "sam@example.org"}},
				{accounts.UserFilter{Status: accounts.StatusDisabled}, []string{"gone@example.org"}},
				{accounts.UserFilter{Status: accounts.StatusActive, Role: accounts.RoleDuty}, nil},
				{accounts.UserFilter{Page: paging.Request{Limit: 2}}, []string{"first@example.org", "sam@example.org", "…"}},
				{accounts.UserFilter{Page: paging.Request{Limit: 2, After: sam.ID}}, []string{"coord@example.org", "gone@example.org"}},
			}
			for _, tt := range tests {
				if diff := cmp.Diff(tt.want, emails(tt.filter)); diff != "" {
					t.Errorf("ListUsers(%+v) (-want +got):\n%s", tt.filter, diff)
				}
			}
			_, err := svc.ListUsers(ctx, operator, accounts.UserFilter{Role: "boss", Status: "gone"})
			wantFields(t, "an unknown role and status", err, "role", "status")
			got, err := svc.UserByID(ctx, admin, gone.ID)
			if err != nil || got.Email != "gone@example.org" || got.Active() {
				t.Errorf("UserByID = %+v, %v", got, err)
			}
			_, err = svc.UserByID(ctx, admin, 9999)
			wantErr(t, "an unknown id", err, accounts.ErrUserNotFound)
			_, err = svc.DisableUser(ctx, admin, 9999, "")
			wantErr(t, "disabling an unknown id", err, accounts.ErrUserNotFound)
		})
	})
}

func TestService_LastAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newService(db, &clock{time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)})
		a := mustCreate(t, svc, "a@example.org", accounts.RoleAdmin)
		_, err := svc.DisableUser(ctx, operator, a.ID, "")
		wantErr(t, "disabling the only admin", err, accounts.ErrLastAdmin)
		_, err = svc.SetRole(ctx, operator, a.ID, accounts.RoleDuty, "")
		wantErr(t, "demoting the only admin", err, accounts.ErrLastAdmin)

		b := mustCreate(t, svc, "b@example.org", accounts.RoleAdmin)
		if _, err := svc.DisableUser(ctx, operator, b.ID, ""); err != nil {
			t.Fatal(err)
		}
		// A disabled admin is no admin to fall back on.
		_, err = svc.SetRole(ctx, operator, a.ID, accounts.RoleDuty, "")
		wantErr(t, "demoting the only active admin", err, accounts.ErrLastAdmin)
		// But a disabled admin may be demoted, and an admin-to-be counts
		// once promoted.
		if _, err := svc.SetRole(ctx, operator, b.ID, accounts.RoleDuty, ""); err != nil {
			t.Errorf("demoting a disabled admin: %v", err)
		}
		d := mustCreate(t, svc, "d@example.org", accounts.RoleDuty)
		if _, err := svc.SetRole(ctx, operator, d.ID, accounts.RoleAdmin, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SetRole(ctx, operator, a.ID, accounts.RoleCoordinator, ""); err != nil {
			t.Errorf("demoting one of two active admins: %v", err)
		}
		if n := count(t, db, "staff_users", "role = 'admin' AND disabled_at IS NULL"); n != 1 {
			t.Errorf("%d active admins, want 1", n)
		}
	})
}

// TestService_LastAdmin_Race has every active admin disabled or demoted at
// once, many times over: however the requests interleave, exactly one admin
// must be left, and every refusal must be ErrLastAdmin.
func TestService_LastAdmin_Race(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newService(db, &clock{time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)})
		const admins, rounds = 6, 5
		var ids []int64
		for i := range admins {
			ids = append(ids, mustCreate(t, svc, fmt.Sprintf("admin%d@example.org", i), accounts.RoleAdmin).ID)
		}
		for round := range rounds {
			var wg sync.WaitGroup
			errs := make([]error, admins)
			for i, id := range ids {
				wg.Go(func() {
					if i%2 == 0 {
						_, errs[i] = svc.DisableUser(ctx, operator, id, fmt.Sprintf("round %d", round))
					} else {
						_, errs[i] = svc.SetRole(ctx, operator, id, accounts.RoleDuty, fmt.Sprintf("round %d", round))
					}
				})
			}
			wg.Wait()
			refused := 0
			for _, err := range errs {
				switch {
				case errors.Is(err, accounts.ErrLastAdmin):
					refused++
				case err != nil:
					t.Errorf("round %d: %v, want success or ErrLastAdmin", round, err)
				}
			}
			if n := count(t, db, "staff_users", "role = 'admin' AND disabled_at IS NULL"); n != 1 || refused != 1 {
				t.Fatalf("round %d: %d active admins left and %d refusals, want 1 and 1", round, n, refused)
			}
			// Restore them all for the next round.
			for _, id := range ids {
				if _, err := svc.EnableUser(ctx, operator, id, ""); err != nil {
					t.Fatal(err)
				}
				if _, err := svc.SetRole(ctx, operator, id, accounts.RoleAdmin, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
