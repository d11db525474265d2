package pages_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/web/pages/browsertest"
)

// TestAdminEditsPersonAndBed: an administrator changes Margaret's
// requirements (giving a date of birth in the future first), then renames
// Room 2 at Meadow View and changes its features (leaving the label empty
// first); the database holds the changes.
func TestAdminEditsPersonAndBed(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	ctx := context.Background()
	alex := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	alex.signInAdmin("admin@example.test")

	alex.wantStatus(alex.Visit("/carers/"+strconv.FormatInt(s.helen.ID, 10)), 200)
	alex.wantStatus(alex.FollowLink("Change (Margaret Okafor)"), 200)
	alex.sees("Change Margaret Okafor's details")
	alex.hasValue("person-name", "Margaret Okafor")
	alex.hasValue("person-born-year", "1941")
	alex.fillDate("person-born", s.today.AddDays(10))
	alex.wantStatus(alex.Submit("Save the changes"), 422)
	alex.seesErrors("The date of birth cannot be in the future.")
	alex.Fill("person-born-year", "1941")
	alex.Fill("person-born-month", "3")
	alex.Fill("person-born-day", "12")
	alex.Check("Wheelchair access")
	alex.Check("Ground floor")
	alex.wantStatus(alex.Submit("Save the changes"), 200)
	alex.sees("The person's details have been saved.", "Margaret Okafor", "Wheelchair access, Ground floor")

	margaret, err := s.booking.Person(ctx, s.admin, s.margaret.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"wheelchair_access", "ground_floor"}, margaret.Requirements); diff != "" {
		t.Errorf("Margaret's requirements (-want +got):\n%s", diff)
	}
	if got, want := margaret.DateOfBirth.String(), "1941-03-12"; got != want {
		t.Errorf("Margaret's date of birth = %s, want %s", got, want)
	}

	// Margaret is not David's, and Room 2 is not at a made-up home.
	alex.wantStatus(alex.Visit("/carers/"+strconv.FormatInt(s.david.ID, 10)+"/people/"+strconv.FormatInt(s.margaret.ID, 10)+"/edit"), 404)
	alex.wantStatus(alex.Visit("/homes/"+strconv.FormatInt(s.meadow.ID+100, 10)+"/beds/"+strconv.FormatInt(s.room2.ID, 10)+"/edit"), 404)

	alex.wantStatus(alex.Visit("/homes/"+strconv.FormatInt(s.meadow.ID, 10)), 200)
	alex.wantStatus(alex.FollowLink("Edit Room 2"), 200)
	alex.sees("Change Room 2")
	alex.hasValue("bed-label", "Room 2")
	alex.Fill("bed-label", "")
	alex.wantStatus(alex.Submit("Save the changes"), 422)
	alex.seesErrors("Enter the bed's label")
	alex.Fill("bed-label", "Garden Room")
	alex.Uncheck("En suite")
	alex.Check("Hoist")
	alex.wantStatus(alex.Submit("Save the changes"), 200)
	alex.sees("The bed's details have been saved.", "Garden Room")

	bed, err := s.providers.Bed(ctx, s.room2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bed.Label != "Garden Room" {
		t.Errorf("bed label = %q, want %q", bed.Label, "Garden Room")
	}
	if diff := cmp.Diff([]string{"hoist", "ground_floor"}, bed.Features); diff != "" {
		t.Errorf("bed features (-want +got):\n%s", diff)
	}
}
