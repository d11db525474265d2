package pages_test

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/web/pages/browsertest"
)

var (
	adminKeyOnPage       = regexp.MustCompile(`Key: ([A-Z2-7]+)`)
	adminOneTimePassword = regexp.MustCompile(`id="one-time-password"[^>]*>([^<]+)<`)
)

// signInAsAdministrator signs in as the seeded admin, setting up the authenticator
// app on the way as their first sign-in asks (the test is the app: it
// works the code out from the key on the page).
func (v *visitor) signInAsAdministrator() {
	v.t.Helper()
	v.signInStaff("admin@example.test")
	v.sees("Set up an authenticator app")
	m := adminKeyOnPage.FindStringSubmatch(v.Text())
	if m == nil {
		v.t.Fatalf("no key on the page: %s", v.Text())
	}
	code, err := totp.GenerateCode(m[1], time.Now())
	if err != nil {
		v.t.Fatal(err)
	}
	v.Fill("code", code)
	v.wantStatus(v.Submit("Continue"), 200)
	v.sees("Your recovery codes")
	v.wantStatus(v.FollowLink("I have kept them: continue"), 200)
	v.sees("Signed in as")
}

// TestAdminManagesStaff is an administrator's journey: sign in with an
// authenticator app, add Priya to the duty team and give her the one-time
// password; Priya signs in with it, chooses her own, and is at work; the
// administrator disables her and her open page goes back to sign-in at
// once; the administrator cannot disable themselves; then the texts and
// the audit log, each narrowed by a filter.
func TestAdminManagesStaff(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	// One text that could not be sent, as the outbox keeps it.
	if _, err := s.db.NewUpdate().Table("sms_messages").Set("status = 'failed'").Set("attempts = 5").
		Set("last_error = 'Twilio 21610: the number has opted out'").
		Where("id = (SELECT min(id) FROM sms_messages)").Exec(t.Context()); err != nil {
		t.Fatal(err)
	}

	alex := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	alex.signInAsAdministrator()
	alex.wantStatus(alex.Click(`nav a[href="/admin/staff"]`), 200)
	alex.sees("Staff accounts", "admin@example.test", "duty@example.test", "coordinator@example.test", "Duty officer")
	alex.Fill("role", "duty")
	alex.wantStatus(alex.Submit("Show staff"), 200)
	alex.sees("1 member of staff", "duty@example.test")
	if strings.Contains(alex.Text(), "coordinator@example.test") {
		t.Errorf("the duty officers' list shows the coordinator: %s", alex.Text())
	}

	alex.wantStatus(alex.FollowLink("Add a member of staff"), 200)
	alex.wantStatus(alex.Submit("Add this member of staff"), 422)
	alex.sees("There is a problem", "Enter an email address.", "Enter the person's name.")
	alex.Fill("name", "Priya Shah")
	alex.Fill("email", "Priya@Example.test")
	alex.Choose("role-duty")
	alex.wantStatus(alex.Submit("Add this member of staff"), 200)
	alex.sees("Priya Shah has been added", "Their one-time password", "We will not show this password again")
	m := adminOneTimePassword.FindStringSubmatch(alex.HTML())
	if m == nil {
		t.Fatalf("no one-time password on the page: %s", alex.Text())
	}
	given := strings.TrimSpace(m[1])

	// Priya signs in, in a browser of her own, and must choose a password.
	priya := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	priya.wantStatus(priya.Visit("/staff/sign-in"), 200)
	priya.Fill("email", "priya@example.test")
	priya.Fill("password", given)
	priya.wantStatus(priya.Submit("Sign in"), 200)
	priya.sees("Choose a new password")
	priya.Fill("new-password", "priya's very own password")
	priya.Fill("confirm-password", "priya's very own password")
	priya.wantStatus(priya.Submit("Save and continue"), 200)
	priya.sees("Find a carer") // the duty console: signed in
	if !strings.HasSuffix(priya.URL(), "/duty") {
		t.Errorf("Priya landed on %s, want the duty console", priya.URL())
	}

	// The administrator disables her.
	alex.wantStatus(alex.FollowLink("Go to Priya Shah's account"), 200)
	alex.sees("priya@example.test", "Duty officer", "Their own")
	alex.Fill("disable-reason", "Left the council")
	alex.wantStatus(alex.Submit("Disable this account"), 200)
	alex.sees("The account has been disabled", "Disabled", "Enable the account")

	// Priya's very next page load is the sign-in page: her session ended.
	priya.wantStatus(priya.Visit("/duty"), 200)
	priya.sees("Sign in as staff", "You have been signed out because your session ended")
	if u := priya.URL(); !strings.HasSuffix(u, "/staff/sign-in") {
		t.Errorf("after being disabled, Priya's next page is %s, want the staff sign-in", u)
	}

	// Nobody can disable themselves.
	alex.wantStatus(alex.Visit("/admin/staff/"+adminItoa(s.admin.ID)), 200)
	alex.wantStatus(alex.Submit("Disable this account"), 409)
	alex.sees("There is a problem", "You cannot disable your own account. Ask another administrator.")
	if !strings.HasPrefix(alex.Title(), "Error: ") {
		t.Errorf("title = %q, want it to start \"Error: \"", alex.Title())
	}

	// The last administrator cannot give up the role.
	alex.Choose("role-duty")
	alex.wantStatus(alex.Submit("Change the role"), 409)
	alex.sees("This is the only active administrator. Make someone else an administrator first.")

	// Priya comes back as a coordinator, with a new one-time password.
	alex.wantStatus(alex.Visit("/admin/staff?status=disabled"), 200)
	alex.wantStatus(alex.FollowLink("Priya Shah"), 200)
	alex.wantStatus(alex.Submit("Enable this account"), 200)
	alex.sees("The account has been enabled")
	alex.Choose("role-coordinator")
	alex.Fill("role-reason", "Moved to the shared-lives team")
	alex.wantStatus(alex.Submit("Change the role"), 200)
	alex.sees("The role has been changed", "Shared-lives coordinator")
	alex.wantStatus(alex.Submit("Reset the password"), 200)
	alex.sees("The password for Priya Shah has been reset", "We will not show this password again")
	if m := adminOneTimePassword.FindStringSubmatch(alex.HTML()); m == nil || strings.TrimSpace(m[1]) == given {
		t.Errorf("the reset shows no new one-time password: %s", alex.Text())
	}

	// Their own password, changed.
	alex.wantStatus(alex.Visit("/staff/password"), 200)
	alex.Fill("current-password", "not my password")
	alex.Fill("new-password", "a new and longer password")
	alex.Fill("confirm-password", "a new and longer password")
	alex.wantStatus(alex.Submit("Change my password"), 422)
	alex.sees("Your current password is not right.")
	alex.Fill("current-password", staffPassword)
	alex.Fill("new-password", "a new and longer password")
	alex.Fill("confirm-password", "a new and longer password")
	alex.wantStatus(alex.Submit("Change my password"), 200)
	alex.sees("Your password has been changed")

	// The texts: the fixture's bookings queued some; the failed one comes
	// first, with its reason.
	alex.wantStatus(alex.Click(`nav a[href="/admin/texts"]`), 200)
	alex.sees("Texts that did not arrive", "Twilio 21610: the number has opted out", "5 tries", "Texts, newest first", s.tomsStay.Reference, "Queued")
	if strings.Index(alex.Text(), "Texts that did not arrive") > strings.Index(alex.Text(), "Texts, newest first") {
		t.Errorf("the failed texts do not come first: %s", alex.Text())
	}
	alex.Fill("status", "queued")
	alex.wantStatus(alex.Submit("Show texts"), 200)
	alex.sees("Queued texts, newest first", s.tomsStay.Reference)
	if strings.Contains(alex.Text(), "opted out") {
		t.Errorf("the queued texts show the failed one: %s", alex.Text())
	}

	// The audit log: the staff changes just made, and the fixture's
	// bookings; then only the administrator's changes to staff accounts.
	alex.wantStatus(alex.Click(`nav a[href="/admin/audit"]`), 200)
	alex.sees("Audit log", "Disabled a staff account", "Left the council", "Added a member of staff", "Booked a stay for a carer")
	alex.Fill("who", adminItoa(s.admin.ID))
	alex.Fill("what", "staff.role_changed")
	alex.fillDate("from", s.today)
	alex.wantStatus(alex.Submit("Show entries"), 200)
	alex.sees("Changed a role", "Moved to the shared-lives team")
	entries := alex.HTML()[strings.Index(alex.HTML(), "<tbody"):] // the entries, not the filter's options
	for _, other := range []string{"Booked a stay", "Disabled a staff account", "Added a member of staff"} {
		if strings.Contains(entries, other) {
			t.Errorf("the log filtered to role changes shows %q: %s", other, entries)
		}
	}
	alex.Fill("from-day", "31")
	alex.Fill("from-month", "2")
	alex.wantStatus(alex.Submit("Show entries"), 422)
	alex.sees("The first date must be a real date")

	// The scheduled jobs (this site runs none: the page says so, and
	// passes axe like every other).
	alex.wantStatus(alex.Visit("/admin/jobs"), 200)
	alex.sees("Scheduled jobs")
}

func adminItoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestAdminPagesAreForAdminsOnly: everyone but an administrator gets the
// forbidden page on every administrator's page, and a change they post
// changes nothing; the signed-out are sent to the staff sign-in.
func TestAdminPagesAreForAdminsOnly(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	target := "/admin/staff/" + adminItoa(s.duty.ID)
	gets := []string{"/admin/staff", "/admin/staff/new", target, "/admin/texts", "/admin/audit"}
	posts := []string{"/admin/staff/new", target + "/disable", target + "/enable", target + "/role", target + "/password", target + "/second-factor"}
	form := func() url.Values {
		return url.Values{"email": {"mallory@example.test"}, "name": {"Mallory"}, "role": {"admin"}, "reason": {"because"}}
	}

	for _, who := range []struct {
		name string
		kind accounts.SubjectKind
		id   int64
		home string
	}{
		{"duty officer", accounts.SubjectStaff, s.duty.ID, "/duty"},
		{"coordinator", accounts.SubjectStaff, s.coordinator.ID, "/staff"},
		{"carer", accounts.SubjectCarer, s.helen.ID, "/home"},
		{"host", accounts.SubjectHost, s.ann.ID, "/host"},
	} {
		t.Run(who.name, func(t *testing.T) {
			b := newBrowser(t, s)
			b.startSession(who.kind, who.id)
			for _, path := range gets {
				if p := b.get(path); p.status != 403 {
					t.Errorf("GET %s = %d %s, want 403", path, p.status, p.location)
				}
			}
			for _, path := range posts {
				if p := b.post(who.home, path, form()); p.status != 403 {
					t.Errorf("POST %s = %d %s, want 403", path, p.status, p.location)
				}
			}
		})
	}

	t.Run("signed out", func(t *testing.T) {
		b := newBrowser(t, s)
		for _, path := range append(gets, "/staff/password") {
			if p := b.get(path); p.status != 303 || p.location != "/staff/sign-in" {
				t.Errorf("GET %s signed out = %d %s, want 303 to /staff/sign-in", path, p.status, p.location)
			}
		}
		for _, path := range posts {
			if p := b.post("/staff/sign-in", path, form()); p.status != 401 {
				t.Errorf("POST %s signed out = %d, want 401", path, p.status)
			}
		}
	})

	t.Run("carers and hosts cannot change a staff password", func(t *testing.T) {
		b := newBrowser(t, s)
		b.startSession(accounts.SubjectCarer, s.helen.ID)
		if p := b.get("/staff/password"); p.status != 403 {
			t.Errorf("GET /staff/password as a carer = %d, want 403", p.status)
		}
	})

	// Nothing changed: the duty officer is still active, still duty, and
	// nobody called Mallory was added.
	u, err := s.accounts.UserByID(t.Context(), s.admin, s.duty.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !u.Active() || u.Role != accounts.RoleDuty || u.MustChangePassword {
		t.Errorf("after refused changes the duty officer is %+v", u)
	}
	all, err := s.accounts.ListUsers(t.Context(), s.admin, accounts.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Items) != 3 {
		t.Errorf("staff after refused adds = %d, want 3", len(all.Items))
	}
}
