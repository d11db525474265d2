package pages_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/sharedlives"
	"github.com/respite-uk/respite/web/pages/browsertest"
)

// TestTwoAdminsEditACarer: Alex opens Helen's record to change it; before
// Alex saves, a colleague changes her email. Alex's save is refused with
// a message saying so, showing what Alex typed; saving again replaces the
// colleague's change knowingly.
func TestTwoAdminsEditACarer(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	alex := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	alex.signInAdmin("admin@example.test")
	helen := "/carers/" + strconv.FormatInt(s.helen.ID, 10)

	alex.wantStatus(alex.Visit(helen+"/edit"), 200)
	alex.Fill("name", "Helen Okafor-Mensah")

	colleague := "helen.okafor@example.org"
	if _, err := s.booking.UpdateCarer(context.Background(), s.admin, s.helen.ID, booking.CarerPatch{Email: &colleague}); err != nil {
		t.Fatal(err)
	}

	alex.wantStatus(alex.Submit("Save the changes"), 412)
	alex.seesErrors("Someone else changed this record after you opened this page")
	if !strings.Contains(alex.HTML(), `value="Helen Okafor-Mensah"`) {
		t.Errorf("the form does not show the name Alex typed")
	}
	alex.wantStatus(alex.Submit("Save the changes"), 200)
	alex.sees("Helen Okafor-Mensah")

	// The same on a care home's page.
	home := "/homes/" + strconv.FormatInt(s.meadow.ID, 10)
	alex.wantStatus(alex.Visit(home+"/edit"), 200)
	alex.Fill("phone", "0113 496 0777")
	other := "0113 496 0888"
	if _, err := s.providers.UpdateProvider(context.Background(), s.admin, s.meadow.ID, providers.ProviderPatch{Phone: &other}); err != nil {
		t.Fatal(err)
	}
	alex.wantStatus(alex.Submit("Save the changes"), 412)
	alex.seesErrors("Someone else changed this record after you opened this page")
	alex.wantStatus(alex.Submit("Save the changes"), 200)
}

// TestTwoCoordinatorsEditAHost: the same for a shared-lives host.
func TestTwoCoordinatorsEditAHost(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	cat := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	cat.signInStaff("coordinator@example.test")
	cat.wantStatus(cat.Visit("/hosts/"+strconv.FormatInt(s.ann.ID, 10)+"/edit"), 200)
	cat.Fill("address", "4 Moor Lane, Leeds")
	notes := "Prefers guests who like dogs."
	if _, err := s.hosts.UpdateHost(context.Background(), s.coordinator, s.ann.ID, sharedlives.HostPatch{StaffNotes: &notes}); err != nil {
		t.Fatal(err)
	}
	cat.wantStatus(cat.Submit("Save the changes"), 412)
	cat.seesErrors("Someone else changed this record after you opened this page")
	cat.wantStatus(cat.Submit("Save the changes"), 200)
	cat.sees("4 Moor Lane, Leeds")
}
