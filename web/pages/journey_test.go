package pages_test

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/web/pages/browsertest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	browsertest.CloseShared()
	if code == 0 {
		code = checkEveryPageAudited()
	}
	os.Exit(code)
}

// auditedPages are the paths of the pages axe passed in this run, recorded
// by every visitor's tab.
var auditedPages = struct {
	sync.Mutex
	paths map[string]bool
}{paths: map[string]bool{}}

func recordAudited(raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	auditedPages.Lock()
	defer auditedPages.Unlock()
	auditedPages.paths[u.Path] = true
}

// notHTML are the GET page routes that answer something other than a page
// for axe to read: a calendar file, a CSV download.
var notHTML = map[string]bool{
	"/stays/:id/calendar.ics": true, "/reports/:name.csv": true, "/carers/:id/export.json": true,
}

// checkEveryPageAudited fails a run of the whole package in which some GET
// page route (TestPageAuthorization lists them) was never reached by a
// browser journey and passed by axe: every page, in at least one state,
// is audited. A run narrowed with -run checks nothing.
func checkEveryPageAudited() int {
	if f := flag.Lookup("test.run"); f == nil || f.Value.String() != "" || len(allPageRoutes) == 0 {
		return 0
	}
	auditedPages.Lock()
	defer auditedPages.Unlock()
	var missing []string
	for _, r := range allPageRoutes {
		if r.method != "GET" || notHTML[r.path] {
			continue
		}
		pattern := regexp.MustCompile("^" + routeParam.ReplaceAllString(regexp.QuoteMeta(r.path), "[^/]+") + "$")
		found := false
		for p := range auditedPages.paths {
			if pattern.MatchString(p) {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, r.path)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: these pages were never reached by a browser journey and audited by axe: %s\n", strings.Join(missing, ", "))
		return 1
	}
	return 0
}

// maxPageBytes is the most HTML a page may send before compression.
const maxPageBytes = 30 << 10

// visitor is a person at a browser with JavaScript turned off. Every page
// they reach is audited by axe and must fit in maxPageBytes.
type visitor struct {
	*browsertest.Tab
	t    *testing.T
	site *site
}

func newVisitor(t *testing.T, s *site, width, height int) *visitor {
	t.Helper()
	tab := browsertest.Shared(t, browsertest.Options{}).NewTab(t, browsertest.TabOptions{
		BaseURL: s.URL, Width: width, Height: height, AuditEveryPage: true, Audited: recordAudited,
	})
	return &visitor{Tab: tab, t: t, site: s}
}

// sees fails the test unless the page shows every one of texts.
func (v *visitor) sees(texts ...string) {
	v.t.Helper()
	page := v.Text()
	for _, want := range texts {
		if !strings.Contains(page, want) {
			v.t.Fatalf("page %s (%q) does not say %q; it says:\n%s", v.URL(), v.Title(), want, page)
		}
	}
	if n := len(v.HTML()); n > maxPageBytes {
		v.t.Errorf("page %s is %d bytes of HTML, more than %d", v.URL(), n, maxPageBytes)
	}
}

func (v *visitor) wantStatus(got, want int) {
	v.t.Helper()
	if got != want {
		v.t.Fatalf("page %s answered %d, want %d; it says:\n%s", v.URL(), got, want, v.Text())
	}
}

// signIn signs in with a mobile number and the code texted to it, as its
// owner would, making one mistake on each screen first.
func (v *visitor) signIn(mobile string) {
	v.t.Helper()
	v.wantStatus(v.Visit("/"), 200)
	v.sees("Book a short break", "Start now")
	v.wantStatus(v.FollowLink("Start now"), 200)
	v.wantStatus(v.Submit("Send me a code"), 422)
	v.sees("There is a problem")
	if !strings.HasPrefix(v.Title(), "Error: ") {
		v.t.Errorf("title of a page with errors = %q, want it to start \"Error: \"", v.Title())
	}
	v.Fill("phone", mobile)
	v.wantStatus(v.Submit("Send me a code"), 200)
	v.sees("Check your phone")
	v.Fill("code", "000000")
	v.wantStatus(v.Submit("Sign in"), 401)
	v.sees("That code is not right")
	v.Fill("code", v.site.phones.lastCode(v.t, mobile))
	v.wantStatus(v.Submit("Sign in"), 200)
}

var reference = regexp.MustCompile(`Your reference\s+([A-Z0-9-]+)`)

// TestCarerBooksAndCancels is the carer's journey, with JavaScript off, on
// a desktop and on a 320-pixel phone: sign in as Helen, book a break for
// Margaret a fortnight ahead for 3 nights, download it for a calendar, and
// cancel it.
func TestCarerBooksAndCancels(t *testing.T) {
	for _, screen := range []struct {
		name          string
		width, height int
	}{{"desktop", browsertest.DesktopWidth, browsertest.DesktopHeight}, {"phone", browsertest.MobileWidth, browsertest.MobileHeight}} {
		t.Run(screen.name, func(t *testing.T) {
			s := newSite(t, dbtest.SQLite(t))
			helen := newVisitor(t, s, screen.width, screen.height)
			helen.signIn(helenMobile)
			helen.sees("Your short breaks", "28 nights", "Margaret Okafor", "There are no stays booked")

			helen.wantStatus(helen.Click(`main a[href="/book"]`), 200)
			// Helen looks after one person, so "who" is skipped.
			helen.sees("A break for Margaret Okafor", "When is the break?")
			helen.wantStatus(helen.Submit("Find places"), 422)
			helen.sees("Enter the date they will arrive.", "Enter how many nights the stay is.")
			tooFar := s.today.AddDays(400)
			helen.fillDate("arrive", tooFar)
			helen.Fill("nights", "3")
			helen.wantStatus(helen.Submit("Find places"), 422)
			helen.sees("up to a year ahead") // the booking service's own words

			arrive := s.today.AddDays(14)
			helen.fillDate("arrive", arrive)
			helen.wantStatus(helen.Submit("Find places"), 200)
			helen.sees("2 places suit Margaret Okafor", "Meadow View Care Home", "Shared Lives host Ann", "A shared lives carer's home", "14 Roundhay Road")
			if screen.name == "phone" {
				helen.Screenshot(screenshotPath(t, "carer-results-phone.png"))
			}

			helen.wantStatus(helen.Submit("Choose this place: Meadow View Care Home, Room 2"), 200)
			helen.sees("Check the details, then book", "We are keeping this place for you until", arrive.Long(), "25") // 28 - 3 nights left after
			helen.wantStatus(helen.Submit("Book this stay"), 200)
			helen.sees("Stay booked", "Your reference")
			m := reference.FindStringSubmatch(helen.Text())
			if m == nil {
				t.Fatalf("no reference on the confirmation: %s", helen.Text())
			}
			ref := m[1]
			if screen.name == "desktop" {
				helen.Screenshot(screenshotPath(t, "carer-booked.png"))
			}

			ics, name := helen.Download(`a[href$="calendar.ics"]`)
			if !strings.HasSuffix(name, ".ics") || !strings.Contains(string(ics), "BEGIN:VEVENT") ||
				!strings.Contains(string(ics), "DTSTART;VALUE=DATE:"+strings.ReplaceAll(arrive.String(), "-", "")) ||
				!strings.Contains(string(ics), ref) || !strings.Contains(string(ics), "\r\n") {
				t.Errorf("calendar file %s:\n%s", name, ics)
			}

			helen.wantStatus(helen.FollowLink("See the stay's details"), 200)
			helen.sees(ref, "Meadow View Care Home", "0113 496 0001", "You can cancel online until")
			helen.wantStatus(helen.FollowLink("Cancel this stay"), 200)
			helen.sees("Cancel Margaret Okafor's stay", "back to your allowance")
			helen.wantStatus(helen.Submit("Cancel the stay"), 200)
			helen.sees("Your stay has been cancelled", "28 nights", "(cancelled)")
		})
	}
}

// TestCarerFindsNothing: when nothing suits, the page says so plainly and
// offers the nearest dates that do have a place; the search is recorded.
func TestCarerFindsNothing(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	helen := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	helen.signIn(helenMobile)
	// Room 2 is Tom's then, and Ann's calendar does not reach that far.
	helen.Visit("/book/when?person=" + strconv.FormatInt(s.margaret.ID, 10))
	helen.fillDate("arrive", s.tomsStay.Arrive)
	helen.Fill("nights", "2")
	helen.wantStatus(helen.Submit("Find places"), 200)
	helen.sees("No places suit Margaret Okafor on these dates", "Dates nearby that do have a place")
	var unmet int
	if err := s.db.NewSelect().Table("unmet_searches").ColumnExpr("count(*)").Scan(t.Context(), &unmet); err != nil {
		t.Fatal(err)
	}
	if unmet != 1 {
		t.Errorf("unmet searches recorded = %d, want 1 (nearby dates are not searches of the carer's)", unmet)
	}
	// The first suggestion books.
	helen.wantStatus(helen.Click(`#results ul.govuk-list li:first-child a`), 200)
	helen.sees("Margaret Okafor", "Choose this place")
}

// TestHostKeepsCalendar: Ann signs in, adds and takes out dates, is told
// which stay stops her taking out a booked night, says her calendar is
// still right, and sees her guest.
func TestHostKeepsCalendar(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	ann := newVisitor(t, s, browsertest.MobileWidth, browsertest.MobileHeight)
	ann.signIn(annMobile)
	ann.sees("Your calendar", monthName(s.today))

	ann.wantStatus(ann.Submit("Add these dates"), 422)
	ann.sees("Enter the first date.", "Enter the last date.")
	from, to := s.today.AddDays(40), s.today.AddDays(45)
	ann.fillDate("add-from", from)
	ann.fillDate("add-to", to)
	ann.wantStatus(ann.Submit("Add these dates"), 200)
	ann.sees("Those dates are now in your calendar")

	night := s.joansStay.Arrive.AddDays(1)
	ann.fillDate("remove-from", night)
	ann.fillDate("remove-to", night)
	ann.wantStatus(ann.Submit("Take these dates out"), 409)
	ann.sees("Joan is staying with you", s.joansStay.Reference)

	free := s.today.AddDays(20)
	ann.Visit("/host?month=" + free.StartIn(calendar.London).Format("2006-01"))
	ann.wantStatus(ann.Submit("Take out "+free.Long()), 200)
	ann.sees("Those dates have been taken out")

	ann.wantStatus(ann.Submit("My calendar is still right"), 200)
	ann.sees("We have recorded that your calendar is right")
	ann.Screenshot(screenshotPath(t, "host-calendar-phone.png"))

	ann.wantStatus(ann.FollowLink("Your guests"), 200)
	ann.sees("Joan", s.joansStay.Reference, "Dementia", "0113 496 0500")
}

func (v *visitor) fillDate(prefix string, d calendar.Date) {
	v.Fill(prefix+"-day", strconv.Itoa(d.Day))
	v.Fill(prefix+"-month", strconv.Itoa(int(d.Month)))
	v.Fill(prefix+"-year", strconv.Itoa(d.Year))
}

func monthName(d calendar.Date) string { return d.StartIn(calendar.London).Format("January 2006") }

// screenshotPath is where the README's screenshots are saved: docs/ when
// RESPITE_SCREENSHOTS=1 (to refresh them), else the test's temp folder.
func screenshotPath(t *testing.T, name string) string {
	if os.Getenv("RESPITE_SCREENSHOTS") == "1" {
		return filepath.Join("..", "..", "docs", name)
	}
	return filepath.Join(t.TempDir(), name)
}
