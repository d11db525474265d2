package pages_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/migrations/dbtest"
)

// TestFormsRefuseControlCharacters: a form or page address carrying a NUL,
// another control character, a line break in a one-line box, or bytes that
// are not UTF-8 gets the error page (422) naming the box, and nothing is
// written; the boxes that take several lines keep their line breaks.
func TestFormsRefuseControlCharacters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		s := newSite(t, db)
		b := newBrowser(t, s)
		b.startSession(accounts.SubjectStaff, s.coordinator.ID)
		hosts := s.count(t, "hosts", "1 = 1")
		host := func(name, notes string) url.Values {
			return url.Values{
				"name": {name}, "mobile": {"07700 900250"}, "address": {"2 Oak Lane\r\nLeeds"}, "postcode": {"LS8 2PQ"},
				"latitude": {"53.827"}, "longitude": {"-1.51"}, "capacity": {"1"}, "offers": {"short_break"}, "age-groups": {"adults"},
				"staff-notes": {notes},
			}
		}
		tests := []struct {
			name, field, value string
		}{
			{"NUL", "name", "Ann\x00"},
			{"escape", "name", "\x1b[2JAnn"},
			{"line break in a one-line box", "name", "Ann\nSmith"},
			{"not UTF-8", "name", "Ann\xff"},
			{"NUL in a note", "staff notes", "ok\x00"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				form := host("Ann Smith", "Fine.")
				key := strings.ReplaceAll(tt.field, " ", "-")
				form.Set(key, tt.value)
				p := b.post("/hosts/new", "/hosts/new", form)
				if p.status != 422 || !strings.Contains(p.body, "Nothing was changed: the “"+tt.field+"” box") {
					t.Errorf("status = %d, want 422 naming the %s box; body:\n%s", p.status, tt.field, p.body)
				}
				if n := s.count(t, "hosts", "1 = 1"); n != hosts {
					t.Errorf("hosts = %d, want %d: something was written", n, hosts)
				}
			})
		}

		// The notes and the address take several lines.
		p := b.post("/hosts/new", "/hosts/new", host("Ann Smith", "Dog.\r\nCat.\tFish."))
		if strings.Contains(p.body, "Nothing was changed: the") {
			t.Errorf("lines in a note were refused: %d\n%s", p.status, p.body)
		}

		// The address of a page, too.
		p = b.get("/hosts?q=%00")
		if p.status != 422 || !strings.Contains(p.body, "the “q” part of the address holds a NUL character") {
			t.Errorf("GET /hosts?q=%%00 = %d; body:\n%s", p.status, p.body)
		}

		// And for someone not signed in.
		anon := newBrowser(t, s)
		p = anon.post("/sign-in", "/sign-in", url.Values{"phone": {"07700\x00900101"}})
		if p.status != 422 || !strings.Contains(p.body, "the “phone” box holds a NUL character") {
			t.Errorf("signing in with a NUL = %d; body:\n%s", p.status, p.body)
		}
	})
}
