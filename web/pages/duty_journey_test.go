package pages_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/web/pages/browsertest"
)

// staffPassword is every seeded member of staff's password.
const staffPassword = "a long enough password"

// signInStaff signs in with an email and password, getting it wrong once.
func (v *visitor) signInStaff(email string) {
	v.t.Helper()
	v.wantStatus(v.Visit("/staff/sign-in"), 200)
	v.Fill("email", email)
	v.Fill("password", "not the password")
	v.wantStatus(v.Submit("Sign in"), 401)
	v.sees("The email address or password is not right.")
	v.Fill("password", staffPassword)
	v.wantStatus(v.Submit("Sign in"), 200)
}

// TestDutyPlacesTonight is the duty officer's 3am journey with JavaScript
// off: the carer's card typed any old way, the carer's page, then a place
// tonight in three screens: the options, the choice with a reason, and the
// confirmation saying who was texted.
func TestDutyPlacesTonight(t *testing.T) {
	for _, screen := range []struct {
		name          string
		width, height int
	}{{"desktop", browsertest.DesktopWidth, browsertest.DesktopHeight}, {"phone", browsertest.MobileWidth, browsertest.MobileHeight}} {
		t.Run(screen.name, func(t *testing.T) {
			s := newSite(t, dbtest.SQLite(t))
			sam := newVisitor(t, s, screen.width, screen.height)
			sam.signInStaff("duty@example.test")
			sam.sees("Find a carer")

			sam.wantStatus(sam.Submit("Search"), 200) // an empty search asks again
			sam.Fill("q", "x")
			sam.wantStatus(sam.Submit("Search"), 422)
			sam.Fill("q", "lds ec 0101")
			sam.wantStatus(sam.Submit("Search"), 200)
			// One card, one carer: straight to their page.
			sam.sees("Helen Okafor", "Ring Grace first", "Margaret Okafor", "Dementia", "07700 900999")

			screens := 0
			sam.wantStatus(sam.Submit("Find a place tonight for Margaret Okafor"), 200)
			screens++
			sam.sees("Places tonight for Margaret Okafor", "Emergency bed: Meadow View Care Home, Room 1")
			sam.wantStatus(sam.Submit("Choose Meadow View Care Home, Room 1"), 200)
			screens++
			sam.sees("Place Margaret Okafor at Meadow View Care Home, Room 1")
			sam.wantStatus(sam.Submit("Place Margaret Okafor here"), 422)
			sam.sees("Say why this emergency placement is needed")
			sam.Fill("reason", "Helen admitted to hospital tonight")
			sam.wantStatus(sam.Submit("Place Margaret Okafor here"), 200)
			screens++
			// Meadow View has no mobile for texts: it is rung, not texted.
			sam.sees("Margaret Okafor is placed", "Who we have texted", "The emergency contact on 07700 900999",
				"Not told: ring them on 0113 496 0001. Meadow View Care Home has no mobile for texts.")
			if screens > 3 {
				t.Errorf("%d screens from the carer's page to the confirmation, want at most 3", screens)
			}
			var placed int
			if err := s.db.NewSelect().Table("bookings").ColumnExpr("count(*)").Where("kind = 'emergency' AND person_id = ?", s.margaret.ID).Scan(t.Context(), &placed); err != nil || placed != 1 {
				t.Errorf("emergency bookings for Margaret = %d, %v; want 1", placed, err)
			}
			var audited int
			if err := s.db.NewSelect().Table("audit_log").ColumnExpr("count(*)").Scan(t.Context(), &audited); err != nil || audited < 2 {
				t.Errorf("audit entries = %d, %v; want the card read and the placement", audited, err)
			}
			if !strings.Contains(sam.Title(), "Placed") {
				t.Errorf("title = %q", sam.Title())
			}
		})
	}
}

// TestDutyRecordsASpotPurchase: when nothing suits, the duty officer rings
// a home and records the spot purchase agreed by phone, making mistakes
// first (no bed type, a rate that is not money, no reason); the placement
// is made and confirmed.
func TestDutyRecordsASpotPurchase(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	sam := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	sam.signInStaff("duty@example.test")

	spot := "/duty/people/" + strconv.FormatInt(s.margaret.ID, 10) + "/spot?nights=2&provider-id=" + strconv.FormatInt(s.meadow.ID, 10) + "&home=Meadow+View+Care+Home"
	sam.wantStatus(sam.Visit(spot), 200)
	sam.sees("Record a spot purchase with Meadow View Care Home")
	sam.Fill("rate", "lots")
	sam.wantStatus(sam.Submit("Record the spot purchase and place Margaret Okafor"), 422)
	sam.seesErrors("Enter the nightly rate in pounds")
	sam.Fill("rate", "185.50")
	sam.wantStatus(sam.Submit("Record the spot purchase and place Margaret Okafor"), 422)
	sam.seesErrors("Say why this spot purchase is needed")
	sam.Choose("Residential dementia")
	sam.Fill("reason", "Helen admitted to hospital; no block bed free")
	sam.wantStatus(sam.Submit("Record the spot purchase and place Margaret Okafor"), 200)
	sam.sees("Margaret Okafor", "Meadow View Care Home")
}
