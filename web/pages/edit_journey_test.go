package pages_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/paging"
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

// TestAdminEditsContract: an administrator shortens Meadow View's contract
// past Tom's stay and is told which stay is in the way, tries to make it
// inactive while the stay is to come, types a rate that is not money, and
// then saves a new end date and rate; the database holds the change, and
// Tom's stay keeps the rate it was booked at.
func TestAdminEditsContract(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	ctx := context.Background()
	alex := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	alex.signInAdmin("admin@example.test")

	alex.wantStatus(alex.Visit("/homes/"+strconv.FormatInt(s.meadow.ID, 10)), 200)
	alex.wantStatus(alex.FollowLink("Change contract LCC-BLK-1"), 200)
	alex.sees("Change contract LCC-BLK-1")
	alex.hasValue("contract-reference", "LCC-BLK-1")
	alex.hasValue("contract-rate", "142.50")

	alex.fillDate("contract-ends", s.today.AddDays(31))
	alex.wantStatus(alex.Submit("Save the changes"), 409)
	alex.seesErrors("Stays are booked under this contract outside", s.tomsStay.Reference)

	alex.fillDate("contract-ends", s.today.AddDays(400))
	alex.Choose("No, make it inactive")
	alex.wantStatus(alex.Submit("Save the changes"), 409)
	alex.seesErrors("it cannot be made inactive yet", s.tomsStay.Reference)

	alex.Choose("Yes, its beds can be booked")
	alex.Fill("contract-rate", "a lot")
	alex.wantStatus(alex.Submit("Save the changes"), 422)
	alex.seesErrors("Enter the nightly rate in pounds")

	alex.Fill("contract-rate", "150")
	alex.fillDate("contract-ends", s.today.AddDays(200))
	alex.wantStatus(alex.Submit("Save the changes"), 200)
	alex.sees("The contract's details have been saved.", "£150.00")

	contracts, err := s.providers.Contracts(ctx, s.meadow.ID, paging.Request{})
	if err != nil || len(contracts.Items) != 1 {
		t.Fatalf("contracts = %+v, %v", contracts, err)
	}
	if c := contracts.Items[0]; c.EndsOn != s.today.AddDays(200) || c.NightlyRatePence != 15000 || !c.Active {
		t.Errorf("contract after saving = %+v", c)
	}
	tom, err := s.booking.Booking(ctx, s.admin, s.tomsStay.ID)
	if err != nil || tom.NightlyRatePence != 14250 {
		t.Errorf("Tom's stay is at %d pence a night (err %v); want the 14250 it was booked at", tom.NightlyRatePence, err)
	}

	// A contract is only found under its own home.
	alex.wantStatus(alex.Visit("/homes/"+strconv.FormatInt(s.meadow.ID+100, 10)+"/contracts/"+strconv.FormatInt(contracts.Items[0].ID, 10)+"/edit"), 404)
}
