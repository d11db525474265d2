package pages_test

import (
	"html"
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

// signInAdmin signs in as an administrator, setting up the authenticator
// app on the way (the test is the app: it computes the code from the key
// shown), and lands on the staff home.
func (v *visitor) signInAdmin(email string) {
	v.t.Helper()
	v.signInStaff(email)
	v.sees("Set up an authenticator app")
	m := keyOnPage.FindStringSubmatch(v.Text())
	if m == nil {
		v.t.Fatalf("no key on the page: %s", v.Text())
	}
	code, err := totp.GenerateCode(m[1], time.Now())
	if err != nil {
		v.t.Fatal(err)
	}
	v.Fill("code", code)
	v.wantStatus(v.Submit("Continue"), 200)
	v.wantStatus(v.FollowLink("I have kept them: continue"), 200)
	v.sees("Signed in as")
}

// TestAdminAddsAHome: an administrator adds a care home (with mistakes
// first, then typing Meadow View again and being asked whether it is the
// same home), gives it a contract and two beds, one kept for emergencies,
// sees the contract's beds counted, and takes a bed out of use.
func TestAdminAddsAHome(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	alex := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	alex.signInAdmin("admin@example.test")

	alex.wantStatus(alex.Visit("/homes"), 200)
	alex.sees("Care homes", "Meadow View Care Home", "LS7 1AB", "Active")
	if row := alex.rowOf("Meadow View Care Home"); len(row) < 5 || row[3] != "2" || row[4] != "1" {
		t.Errorf("Meadow View's row = %q; want 2 beds in use, 1 kept for emergencies", row)
	}
	alex.wantStatus(alex.FollowLink("Add a care home"), 200)
	alex.wantStatus(alex.Submit("Add the care home"), 422)
	alex.seesErrors("Enter the care home's name.", "Enter the care home's address.", "Choose at least one bed type")

	// Meadow View again: the page asks, and going back keeps what was typed.
	alex.Fill("name", "meadow view care home")
	alex.Fill("address", "14 Roundhay Road, Leeds")
	alex.Fill("postcode", "ls7 1ab")
	alex.Fill("latitude", "53.8149")
	alex.Fill("longitude", "-1.5267")
	alex.Fill("phone", "0113 496 0001")
	alex.Check("Residential")
	alex.wantStatus(alex.Submit("Add the care home"), 409)
	alex.sees("Is this the same home?", "Meadow View Care Home, 14 Roundhay Road, Leeds, LS7 1AB")
	alex.wantStatus(alex.Submit("Continue"), 422)
	alex.seesErrors("Select yes if this is the same home.")
	alex.wantStatus(alex.Submit("Go back and change the details"), 200)
	alex.hasValue("name", "meadow view care home")
	alex.hasValue("latitude", "53.8149")
	alex.wantStatus(alex.Submit("Add the care home"), 409)
	alex.Choose("same-home")
	alex.wantStatus(alex.Submit("Continue"), 200)
	alex.sees("Meadow View Care Home", "LCC-BLK-1") // the home already listed

	// A different home at the same postcode with the same name: add it anyway.
	alex.Visit("/homes/new")
	alex.Fill("name", "Meadow View Care Home")
	alex.Fill("address", "2 Back Roundhay Road, Leeds")
	alex.Fill("postcode", "LS7 1AB")
	alex.Fill("latitude", "53.8150")
	alex.Fill("longitude", "-1.5270")
	alex.Fill("phone", "0113 496 0002")
	alex.Check("Residential")
	alex.Check("Nursing")
	alex.wantStatus(alex.Submit("Add the care home"), 409)
	alex.Choose("same-home-no")
	alex.wantStatus(alex.Submit("Continue"), 200)
	alex.sees("The care home has been added.", "2 Back Roundhay Road", "No contracts yet")
	if n := s.count(t, "providers", "name = ?", "Meadow View Care Home"); n != 2 {
		t.Errorf("homes called Meadow View = %d, want 2", n)
	}

	// A contract, with a mistake first.
	alex.Fill("contract-reference", "LCC-BLK-9")
	alex.Fill("contract-starts-day", "31")
	alex.Fill("contract-starts-month", "2")
	alex.Fill("contract-starts-year", "2027")
	alex.wantStatus(alex.Submit("Add the contract"), 422)
	alex.seesErrors("The date the contract starts must be a real date", "Enter the date the contract ends.", "Enter the nightly rate in pounds")
	alex.hasValue("contract-reference", "LCC-BLK-9")
	alex.fillDate("contract-starts", s.today)
	alex.fillDate("contract-ends", s.today.AddDays(365))
	alex.Fill("contract-rate", "150.50")
	alex.wantStatus(alex.Submit("Add the contract"), 200)
	alex.sees("The contract has been added.", "LCC-BLK-9", "£150.50", "Add a bed")

	// Two beds, one kept for emergencies.
	alex.wantStatus(alex.Submit("Add the bed"), 422)
	alex.seesErrors("Enter the bed's label")
	alex.Fill("bed-label", "Room 1")
	alex.Choose("Nursing")
	alex.Check("Hoist")
	alex.wantStatus(alex.Submit("Add the bed"), 200)
	alex.sees("The bed has been added.", "Room 1", "Nursing, Hoist")
	alex.Fill("bed-label", "Room 2")
	alex.Choose("Residential")
	alex.Check("Keep this bed for emergencies")
	alex.wantStatus(alex.Submit("Add the bed"), 200)
	alex.sees("Room 2", "Emergencies only")
	alex.seesContract("LCC-BLK-9", "2", "1")

	alex.wantStatus(alex.Submit("Make Room 1 inactive"), 200)
	alex.sees("The bed is now inactive", "1 (1 inactive)", "Make Room 1 active")
	alex.seesContract("LCC-BLK-9", "1 (1 inactive)", "1")

	// The home's details, then the home made inactive.
	alex.wantStatus(alex.FollowLink("Change the home's details or make it inactive"), 200)
	alex.Fill("phone", "not a phone")
	alex.wantStatus(alex.Submit("Save the changes"), 422)
	alex.seesErrors()
	alex.Fill("phone", "0113 496 0003")
	alex.wantStatus(alex.Submit("Save the changes"), 200)
	alex.sees("The care home's details have been saved.", "0113 496 0003")
	alex.FollowLink("Change the home's details or make it inactive")
	alex.wantStatus(alex.Submit("Make the home inactive"), 200)
	alex.sees("The care home is now inactive", "Inactive: nobody can book its beds")
}

// TestAdminRegistersCarers: an administrator registers a carer (with
// mistakes first), adds the person they care for (with mistakes first),
// changes the carer's record, and finds them by name.
func TestAdminRegistersCarers(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	alex := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	alex.signInAdmin("admin@example.test")

	alex.wantStatus(alex.Visit("/carers"), 200)
	alex.sees("Helen Okafor", "David Price", "Sarah Whitfield")
	alex.wantStatus(alex.FollowLink("Register a carer"), 200)
	alex.Fill("latitude", "north")
	alex.wantStatus(alex.Submit("Register the carer"), 422)
	alex.seesErrors("Enter the latitude as a number")
	alex.Fill("latitude", "53.80")
	alex.Fill("mobile", helenMobile)
	alex.wantStatus(alex.Submit("Register the carer"), 422)
	alex.seesErrors("Enter the carer's name.", "Enter the date the allowance year starts.", "Enter the respite nights a year")
	alex.Fill("name", "Priya Shah")
	alex.Fill("postcode", "LS9 8AB")
	alex.Fill("longitude", "-1.51")
	alex.Fill("allowance-nights", "21")
	alex.fillDate("allowance-starts", s.today)
	alex.wantStatus(alex.Submit("Register the carer"), 409)
	alex.seesErrors("Another carer is already registered with that mobile number.")
	alex.Fill("mobile", "07700 900150")
	alex.wantStatus(alex.Submit("Register the carer"), 200)
	alex.sees("The carer has been added.", "Priya Shah", "21 nights a year", "Nobody yet")

	alex.Fill("person-born-day", "12")
	alex.Fill("person-born-month", "13")
	alex.Fill("person-born-year", "1950")
	alex.wantStatus(alex.Submit("Add the person"), 422)
	alex.seesErrors("Enter the person's name.", "Their date of birth must be a real date")
	alex.Fill("person-name", "Ravi Shah")
	alex.fillDate("person-born", s.today.AddDays(10))
	alex.Check("Dementia")
	alex.Check("Ground floor")
	alex.wantStatus(alex.Submit("Add the person"), 422)
	alex.seesErrors("The date of birth cannot be in the future.")
	alex.Fill("person-born-month", "3")
	alex.Fill("person-born-year", "1946")
	alex.wantStatus(alex.Submit("Add the person"), 200)
	alex.sees("The person has been added.", "Ravi Shah", "Dementia", "Ground floor")

	alex.wantStatus(alex.FollowLink("Change Priya Shah's record"), 200)
	alex.hasValue("allowance-nights", "21")
	alex.Fill("allowance-nights", "30")
	alex.Fill("emergency-contact-name", "Anil")
	alex.wantStatus(alex.Submit("Save the changes"), 422)
	alex.seesErrors("Enter a phone number for Anil.")
	alex.Fill("emergency-contact-phone", "07700 900151")
	alex.wantStatus(alex.Submit("Save the changes"), 200)
	alex.sees("The carer's details have been saved.", "30 nights a year", "Anil")

	alex.Visit("/carers")
	alex.Fill("q", "shah")
	alex.wantStatus(alex.Submit("Search"), 200)
	alex.sees("Priya Shah")
	alex.doesNotSee("Helen Okafor")
}

// seesContract fails the test unless the contracts table shows, for the
// contract with ref, beds beds in use and emergency kept for emergencies.
func (v *visitor) seesContract(ref, beds, emergency string) {
	v.t.Helper()
	row := v.rowOf(ref)
	if len(row) < 6 || row[4] != beds || row[5] != emergency {
		v.t.Errorf("contract %s row = %q, want %s beds in use and %s kept for emergencies", ref, row, beds, emergency)
	}
}

var (
	tableRow  = regexp.MustCompile(`(?s)<tr class="govuk-table__row">(.*?)</tr>`)
	tableCell = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	tag       = regexp.MustCompile(`<[^>]+>`)
)

// rowOf is the text of the cells of the table row whose first cell is first.
func (v *visitor) rowOf(first string) []string {
	v.t.Helper()
	for _, r := range tableRow.FindAllStringSubmatch(v.HTML(), -1) {
		var cells []string
		for _, c := range tableCell.FindAllStringSubmatch(r[1], -1) {
			cells = append(cells, strings.TrimSpace(html.UnescapeString(tag.ReplaceAllString(c[1], ""))))
		}
		if len(cells) > 0 && cells[0] == first {
			return cells
		}
	}
	v.t.Fatalf("no table row on %s starts %q", v.URL(), first)
	return nil
}

// TestHomesAndCarersAreForAdmins: the duty team, coordinators, carers and hosts
// cannot see or use the administrators' pages.
func TestHomesAndCarersAreForAdmins(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	home := "/homes/" + strconv.FormatInt(s.meadow.ID, 10)
	carer := "/carers/" + strconv.FormatInt(s.helen.ID, 10)
	gets := []string{"/homes", "/homes/new", home, home + "/edit", "/carers", "/carers/new", carer, carer + "/edit"}
	posts := []string{"/homes/new", home + "/edit", home + "/active", home + "/contracts", home + "/beds",
		home + "/beds/" + strconv.FormatInt(s.room2.ID, 10) + "/active", "/carers/new", carer + "/edit", carer + "/people"}
	for _, who := range []struct {
		name string
		in   func(b *browser) string // signs in; returns a page of theirs with a form
	}{
		{"duty", func(b *browser) string { b.startSession(accounts.SubjectStaff, s.duty.ID); return "/staff" }},
		{"coordinator", func(b *browser) string { b.startSession(accounts.SubjectStaff, s.coordinator.ID); return "/staff" }},
		{"carer", func(b *browser) string { b.signIn(helenMobile); return "/home" }},
		{"host", func(b *browser) string { b.signIn(annMobile); return "/host" }},
	} {
		t.Run(who.name, func(t *testing.T) {
			b := newBrowser(t, s)
			from := who.in(b)
			for _, path := range gets {
				if p := b.get(path); p.status != 403 {
					t.Errorf("GET %s = %d, want 403", path, p.status)
				}
			}
			for _, path := range posts {
				if p := b.post(from, path, url.Values{"active": {"no"}, "name": {"Taken over"}}); p.status != 403 {
					t.Errorf("POST %s = %d, want 403", path, p.status)
				}
			}
		})
	}
	if got, err := s.providers.Provider(t.Context(), s.meadow.ID); err != nil || !got.Active || got.Name != "Meadow View Care Home" {
		t.Errorf("Meadow View after the refused posts = %+v, %v", got, err)
	}
}
