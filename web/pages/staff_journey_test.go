package pages_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/web/pages/browsertest"
)

var (
	keyOnPage      = regexp.MustCompile(`Key: ([A-Z2-7]+)`)
	recoveryOnPage = regexp.MustCompile(`(?m)^([a-z0-9]{4,}(?:-[a-z0-9]{4,})+)$`)
)

// TestAdminSignsInWithAnAuthenticator: an admin's first sign-in sets up an
// authenticator app (the test is the app: it computes the code from the
// key shown), shows recovery codes once, and later sign-ins ask for a code;
// a recovery code works once.
func TestAdminSignsInWithAnAuthenticator(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	alex := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	alex.signInStaff("admin@example.test")
	alex.sees("Set up an authenticator app", "Scan this QR code")
	m := keyOnPage.FindStringSubmatch(alex.Text())
	if m == nil {
		t.Fatalf("no key on the page: %s", alex.Text())
	}
	key := m[1]
	alex.Fill("code", "000000")
	alex.wantStatus(alex.Submit("Continue"), 422)
	code, err := totp.GenerateCode(key, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	alex.Fill("code", code)
	alex.wantStatus(alex.Submit("Continue"), 200)
	alex.sees("Your authenticator app is set up", "Your recovery codes", "We will not show them again")
	codes := recoveryOnPage.FindAllString(alex.Text(), -1)
	if len(codes) < 8 {
		t.Fatalf("recovery codes on the page = %q", codes)
	}
	alex.wantStatus(alex.FollowLink("I have kept them: continue"), 200)
	alex.sees("Signed in as")
	alex.wantStatus(alex.Submit("Sign out"), 200)

	// Next time: password, then a code. The app's code for this 30-second
	// step was used already (codes never work twice), so use a recovery
	// code, which works once.
	alex.signInStaff("admin@example.test")
	alex.sees("Enter the code from your authenticator app")
	alex.Fill("code", code)
	alex.wantStatus(alex.Submit("Continue"), 401)
	alex.Fill("code", codes[0])
	alex.wantStatus(alex.Submit("Continue"), 200)
	alex.sees("Signed in as")
	alex.wantStatus(alex.Submit("Sign out"), 200)
	alex.signInStaff("admin@example.test")
	alex.Fill("code", codes[0])
	alex.wantStatus(alex.Submit("Continue"), 401)
	if !strings.Contains(alex.Text(), "That code is not right") {
		t.Errorf("a used recovery code: %s", alex.Text())
	}
}

// TestDutyOfficerAddsAnAuthenticator: staff other than admins may sign in
// with a password alone until they choose to add an app; from then on
// signing in asks for its code.
func TestDutyOfficerAddsAnAuthenticator(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	sam := newVisitor(t, s, browsertest.MobileWidth, browsertest.MobileHeight)
	sam.signInStaff("duty@example.test")
	sam.sees("Find a carer") // no code asked for yet
	sam.wantStatus(sam.Visit("/staff"), 200)
	sam.wantStatus(sam.FollowLink("Set up an authenticator app"), 200)
	m := keyOnPage.FindStringSubmatch(sam.Text())
	if m == nil {
		t.Fatalf("no key on the page: %s", sam.Text())
	}
	sam.Fill("code", "12")
	sam.wantStatus(sam.Submit("Continue"), 422)
	code, err := totp.GenerateCode(m[1], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sam.Fill("code", code)
	sam.wantStatus(sam.Submit("Continue"), 200)
	sam.sees("Your recovery codes")
	codes := recoveryOnPage.FindAllString(sam.Text(), -1)
	if len(codes) == 0 {
		t.Fatal("no recovery codes shown")
	}
	sam.wantStatus(sam.Visit("/staff/authenticator"), 200)
	sam.sees("You already have an authenticator app")
	sam.wantStatus(sam.Submit("Sign out"), 200)

	sam.signInStaff("duty@example.test")
	sam.sees("Enter the code from your authenticator app")
	sam.Fill("code", codes[1])
	sam.wantStatus(sam.Submit("Continue"), 200)
	sam.sees("Find a carer")
}
