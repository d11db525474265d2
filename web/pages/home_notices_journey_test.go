package pages_test

import (
	"testing"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/web/pages/browsertest"
)

// TestHomeToldOrRung: Meadow View has no mobile for texts, so its page and
// Tom's stay there say it is "not told: ring them" with its number. Alex
// types the home's landline as its mobile for texts and is told why that
// will not do; with a mobile the home is texted, and the pages say so.
func TestHomeToldOrRung(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	alex := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	alex.signInAdmin("admin@example.test")

	home := "/homes/" + itoa(s.meadow.ID)
	stay := "/bookings/" + itoa(s.tomsStay.ID)
	alex.wantStatus(alex.Visit(home), 200)
	alex.sees("Texts about stays", "Not told: ring them on 0113 496 0001")
	alex.wantStatus(alex.Visit(stay), 200)
	alex.sees("Tom Price at Meadow View Care Home, Room 2", "Not told: ring them on 0113 496 0001")

	alex.wantStatus(alex.Visit(home+"/edit"), 200)
	alex.Fill("notifications-mobile", "0113 496 0001")
	alex.wantStatus(alex.Submit("Save the changes"), 422)
	alex.seesErrors("This is a landline; texts need a mobile number, starting 07.")
	alex.hasValue("notifications-mobile", "0113 496 0001")
	alex.Fill("notifications-mobile", "07700 900501")
	alex.wantStatus(alex.Submit("Save the changes"), 200)
	alex.sees("The care home's details have been saved.", "Texted on 07700 900501")
	alex.doesNotSee("Not told")

	// From now on the home is texted: a change to Tom's stay tells it.
	alex.wantStatus(alex.Visit(stay), 200)
	alex.sees("Texted about this stay")
	if _, err := s.booking.Extend(t.Context(), s.admin, s.tomsStay.ID, booking.StayExtension{Depart: s.tomsStay.Depart.AddDays(1), Reason: "David's trip is longer"}); err != nil {
		t.Fatal(err)
	}
	var m notify.Message
	if err := s.db.NewSelect().Model(&m).Where("recipient = ?", "+447700900501").OrderExpr("id DESC").Limit(1).Scan(t.Context()); err != nil {
		t.Fatalf("nothing texted to the home: %v", err)
	}
	if m.Template != notify.TemplateHomeStayChanged {
		t.Errorf("the home was texted %s %q", m.Template, m.Body)
	}

	// The field can be emptied again: the home goes back to being rung.
	alex.wantStatus(alex.Visit(home+"/edit"), 200)
	alex.hasValue("notifications-mobile", "07700 900501")
	alex.Fill("notifications-mobile", "")
	alex.wantStatus(alex.Submit("Save the changes"), 200)
	alex.sees("Not told: ring them on 0113 496 0001")
}
