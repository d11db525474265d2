package pages_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/migrations/dbtest"
)

// TestPagesAuditCareDetails: each staff page that shows a carer's
// emergency plan or a person's needs records the read, naming the page;
// pages that show neither, and a carer's own pages, record nothing; saving
// a form records the fields changed, and nothing when nothing changed.
func TestPagesAuditCareDetails(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newSite(t, db)
		var last int64
		since := func() []string {
			t.Helper()
			var es []audit.Entry
			if err := db.NewSelect().Model(&es).Where("id > ?", last).OrderExpr("id").Scan(context.Background()); err != nil {
				t.Fatal(err)
			}
			out := []string{}
			for _, e := range es {
				last = e.ID
				out = append(out, fmt.Sprintf("%s %s:%d fields=%q reason=%q by %s:%d", e.Action, e.TargetKind, e.TargetID, e.Fields, e.Reason, e.ActorKind, e.ActorID))
			}
			return out
		}
		since() // the site's setting up
		want := func(what string, want ...string) {
			t.Helper()
			if want == nil {
				want = []string{}
			}
			if diff := cmp.Diff(want, since()); diff != "" {
				t.Errorf("%s: audit entries (-want +got):\n%s", what, diff)
			}
		}
		by := func(who accounts.Principal) string { return fmt.Sprintf("staff:%d", who.ID) }
		planRead := func(id int64, route string, who accounts.Principal) string {
			return fmt.Sprintf(`carer.emergency_plan_read carer:%d fields="" reason=%q by %s`, id, route, by(who))
		}
		needsRead := func(id int64, route string, who accounts.Principal) string {
			return fmt.Sprintf(`person.needs_read person:%d fields="" reason=%q by %s`, id, route, by(who))
		}
		get := func(b *browser, path string) {
			t.Helper()
			if p := b.get(path); p.status != 200 && p.status != 303 {
				t.Fatalf("GET %s = %d: %s", path, p.status, p.body)
			}
		}
		helen, margaret := s.helen.ID, s.margaret.ID

		admin := newBrowser(t, s)
		admin.startSession(accounts.SubjectStaff, s.admin.ID)

		t.Run("administrators' carer pages", func(t *testing.T) {
			get(admin, "/carers")
			get(admin, "/carers?q=okafor")
			want("the carers list: names, no plans")

			get(admin, fmt.Sprintf("/carers/%d", helen))
			want("the carer's page", planRead(helen, "carer's page", s.admin), needsRead(margaret, "carer's page", s.admin))

			get(admin, fmt.Sprintf("/carers/%d/edit", helen))
			want("the form to change the record", planRead(helen, "form to change a carer's record", s.admin))

			get(admin, fmt.Sprintf("/carers/%d/people/%d/edit", helen, margaret))
			want("the form to change a person", needsRead(margaret, "form to change a cared-for person's details", s.admin))
		})

		t.Run("saving the forms", func(t *testing.T) {
			h := s.helen
			carerForm := url.Values{
				"name": {h.Name}, "mobile": {h.Mobile}, "email": {""}, "postcode": {h.Postcode},
				"latitude":         {strconv.FormatFloat(h.Latitude, 'f', -1, 64)},
				"longitude":        {strconv.FormatFloat(h.Longitude, 'f', -1, 64)},
				"allowance-nights": {strconv.Itoa(h.AllowanceNights)}, "allowance-starts-day": {strconv.Itoa(h.AllowanceYearStarts.Day)},
				"allowance-starts-month": {strconv.Itoa(int(h.AllowanceYearStarts.Month))}, "allowance-starts-year": {strconv.Itoa(h.AllowanceYearStarts.Year)},
				"emergency-card": {*h.EmergencyCard}, "emergency-plan": {h.EmergencyPlan},
				"emergency-contact-name": {h.EmergencyContactName}, "emergency-contact-phone": {*h.EmergencyContactPhone},
			}
			path := fmt.Sprintf("/carers/%d/edit", helen)
			// Any form's token will do; the form to register a carer reads nobody.
			if p := admin.post("/carers/new", path, carerForm); p.status != 303 {
				t.Fatalf("saving unchanged = %d: %s", p.status, p.body)
			}
			want("the carer's record saved unchanged")

			carerForm.Set("name", "Helen Okafor-Reid")
			carerForm.Set("emergency-plan", "Ring Grace first;\r\nMargaret settles best with music.")
			if p := admin.post("/carers/new", path, carerForm); p.status != 303 {
				t.Fatalf("saving a change = %d: %s", p.status, p.body)
			}
			want("the carer's record changed",
				fmt.Sprintf(`carer.changed carer:%d fields="name, emergency_plan" reason="" by %s`, helen, by(s.admin)))

			personForm := url.Values{
				"person-name": {s.margaret.Name}, "person-born-day": {strconv.Itoa(s.margaret.DateOfBirth.Day)},
				"person-born-month": {strconv.Itoa(int(s.margaret.DateOfBirth.Month))}, "person-born-year": {strconv.Itoa(s.margaret.DateOfBirth.Year)},
				"person-needs": s.margaret.Needs, "person-notes": {""},
			}
			path = fmt.Sprintf("/carers/%d/people/%d/edit", helen, margaret)
			if p := admin.post("/carers/new", path, personForm); p.status != 303 {
				t.Fatalf("saving a person unchanged = %d: %s", p.status, p.body)
			}
			want("the person saved unchanged")
			personForm["person-needs"] = []string{"dementia", "epilepsy"}
			if p := admin.post("/carers/new", path, personForm); p.status != 303 {
				t.Fatalf("saving a person's needs = %d: %s", p.status, p.body)
			}
			want("the person's needs changed",
				fmt.Sprintf(`person.changed person:%d fields="needs" reason="" by %s`, margaret, by(s.admin)))
		})

		t.Run("the duty console and the booking line", func(t *testing.T) {
			duty := newBrowser(t, s)
			duty.startSession(accounts.SubjectStaff, s.duty.ID)
			get(duty, "/duty?q=okafor")
			want("a search: names only")

			get(duty, fmt.Sprintf("/duty/carers/%d", helen))
			const file = "carer's file on the duty console"
			want("the carer's file",
				fmt.Sprintf(`emergency.lookup carer:%d fields="" reason=%q by %s`, helen, file, by(s.duty)),
				needsRead(margaret, file, s.duty))

			get(duty, fmt.Sprintf("/duty/people/%d/tonight", margaret))
			get(duty, fmt.Sprintf("/bookings/carers/%d", helen))
			get(duty, fmt.Sprintf("/book?carer=%d", helen))
			get(duty, fmt.Sprintf("/book/when?person=%d", margaret))
			want("placing, and the booking line: names only")
		})

		t.Run("the carer's own pages", func(t *testing.T) {
			carer := newBrowser(t, s)
			carer.startSession(accounts.SubjectCarer, helen)
			for _, path := range []string{"/home", "/details", "/book", fmt.Sprintf("/book/when?person=%d", margaret)} {
				get(carer, path)
			}
			want("a carer reading their own")
		})
	})
}
