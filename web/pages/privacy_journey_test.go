package pages_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/web/pages/browsertest"
)

// TestAdminExportsAndErasesACarer: from a carer's page an administrator
// downloads everything held about them, is refused erasing David while
// Tom's stay is booked (the message names it), is asked for a reason, and
// erases Helen, whose name then leaves the carers list.
func TestAdminExportsAndErasesACarer(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	alex := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	alex.signInAdmin("admin@example.test")
	helen := strconv.FormatInt(s.helen.ID, 10)

	// Everything held about Helen, as a file.
	alex.wantStatus(alex.Visit("/carers/"+helen), 200)
	alex.sees("Their data", "Download everything held about Helen Okafor", "Erase Helen Okafor's record")
	body, name := alex.Download(`a[href="/carers/` + helen + `/export.json"]`)
	if name != "respite-carer-"+helen+"-export.json" {
		t.Errorf("export file name = %q", name)
	}
	var export struct {
		Carer struct {
			Name          string `json:"name"`
			EmergencyPlan string `json:"emergency_plan"`
		} `json:"carer"`
		People []struct {
			Name  string   `json:"name"`
			Needs []string `json:"needs"`
		} `json:"people"`
		Audit []struct {
			Action string `json:"action"`
		} `json:"audit"`
	}
	if err := json.Unmarshal(body, &export); err != nil {
		t.Fatalf("the export is not JSON: %v\n%s", err, body)
	}
	if export.Carer.Name != "Helen Okafor" || export.Carer.EmergencyPlan == "" || len(export.People) != 1 || export.People[0].Name != "Margaret Okafor" {
		t.Errorf("export = %+v", export)
	}
	exported := false
	for _, a := range export.Audit {
		exported = exported || a.Action == "carer.exported"
	}
	if !exported {
		t.Errorf("the export does not list its own audit entry: %+v", export.Audit)
	}

	// David cannot be erased while Tom's stay is booked.
	alex.wantStatus(alex.Visit("/carers/"+strconv.FormatInt(s.david.ID, 10)+"/erase"), 200)
	alex.sees("Erase David Price's record", "This cannot be undone")
	alex.Fill("reason", "Asked to be erased by letter")
	alex.wantStatus(alex.Submit("Erase the record"), 409)
	alex.seesErrors(s.tomsStay.Reference)

	// Helen can; a reason is needed first.
	alex.wantStatus(alex.Visit("/carers/"+helen), 200)
	alex.wantStatus(alex.FollowLink("Erase Helen Okafor's record"), 200)
	alex.wantStatus(alex.Submit("Erase the record"), 422)
	alex.seesErrors("Say why the carer's record is being erased")
	alex.Fill("reason", "Asked to be erased by letter of 3 March")
	alex.wantStatus(alex.Submit("Erase the record"), 200)
	alex.sees("The carer's record has been erased", "Erased carer "+helen, "David Price")
	alex.doesNotSee("Helen Okafor")
}
