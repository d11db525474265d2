package pages_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/web/pages/browsertest"
)

// TestAdminClosesAHome: an administrator closes Meadow View's Room 2 over
// Tom's stay, is told the stay is in the way, goes back to check, then
// closes it anyway and sees Tom's stay listed to move; closes the whole
// home for an outbreak; and lifts that closure again.
func TestAdminClosesAHome(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	ctx := context.Background()
	alex := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	alex.signInAdmin("admin@example.test")

	alex.wantStatus(alex.Visit("/homes/"+strconv.FormatInt(s.meadow.ID, 10)), 200)
	alex.sees("Closures", "Nothing is closed.")
	alex.wantStatus(alex.Submit("Close to admissions"), 422)
	alex.seesErrors("Enter the first night closed.", "Enter the last night closed.", "Say why it is closed")

	// Tom has Room 2 for four nights a month ahead.
	alex.Fill("closure-bed", strconv.FormatInt(s.room2.ID, 10))
	alex.fillDate("closure-starts", s.today.AddDays(28))
	alex.fillDate("closure-ends", s.today.AddDays(31))
	alex.Fill("closure-reason", "Refurbishment")
	alex.wantStatus(alex.Submit("Close to admissions"), 409)
	alex.seesErrors("A stay is booked on nights this closure would close", s.tomsStay.Reference)
	alex.sees("Stays are booked on those nights", "You asked to close Room 2 from "+s.today.AddDays(28).Long(), "Closing it anyway keeps these stays booked")
	if row := alex.rowOf(s.tomsStay.Reference); len(row) != 4 || row[1] != "Room 2" || row[2] != s.today.AddDays(30).Long() {
		t.Errorf("the stay in the way = %q", row)
	}
	alex.wantStatus(alex.Submit("Go back and change the closure"), 200)
	alex.hasValue("closure-reason", "Refurbishment")
	alex.hasValue("closure-bed", strconv.FormatInt(s.room2.ID, 10))
	alex.wantStatus(alex.Submit("Close to admissions"), 409)
	alex.wantStatus(alex.Submit("Close it anyway"), 200)
	alex.sees("The bed is closed to admissions on those nights. Move the stays listed under the closure.")
	alex.sees(s.today.AddDays(28).Long()+" to "+s.today.AddDays(31).Long(), "Refurbishment", s.tomsStay.Reference+" (Room 2)")

	// The whole home, for an outbreak; then lifted.
	alex.fillDate("closure-starts", s.today.AddDays(2))
	alex.fillDate("closure-ends", s.today.AddDays(5))
	alex.Fill("closure-reason", "Norovirus outbreak")
	alex.wantStatus(alex.Submit("Close to admissions"), 200)
	alex.sees("The home is closed to admissions on those nights: nobody is offered them.", "Norovirus outbreak")
	if row := alex.rowOf("The whole home"); len(row) < 4 || row[3] != "None" {
		t.Errorf("the home's closure = %q", row)
	}
	if cs, err := s.providers.Closures(ctx, s.meadow.ID); err != nil || len(cs) != 2 || cs[0].BedID != nil || cs[0].CreatedBy != s.admin.ID {
		t.Fatalf("Meadow View's closures = %+v, %v", cs, err)
	}
	alex.wantStatus(alex.Submit("Lift the closure of the whole home from "+s.today.AddDays(2).Long()), 200)
	alex.sees("The closure has been lifted")
	alex.doesNotSee("Norovirus outbreak")
	if cs, err := s.providers.Closures(ctx, s.meadow.ID); err != nil || len(cs) != 1 || cs[0].BedLabel != "Room 2" {
		t.Errorf("Meadow View's closures after lifting = %+v, %v", cs, err)
	}
}
