package pages_test

import (
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/sharedlives"
	"github.com/respite-uk/respite/web/pages/browsertest"
)

// TestCoordinatorKeepsHosts is the coordinator's journey with JavaScript
// off, on a desktop and on a 320-pixel phone: sign in, find Ann in the
// list, add Priya (getting it wrong first), approve her, see her empty
// calendar and Ann's with Joan's stay, change Priya's capacity, suspend
// her with a reason, and record that she has left.
func TestCoordinatorKeepsHosts(t *testing.T) {
	for _, screen := range []struct {
		name          string
		width, height int
	}{{"desktop", browsertest.DesktopWidth, browsertest.DesktopHeight}, {"phone", browsertest.MobileWidth, browsertest.MobileHeight}} {
		t.Run(screen.name, func(t *testing.T) {
			s := newSite(t, dbtest.SQLite(t))
			cat := newVisitor(t, s, screen.width, screen.height)
			cat.signInStaff("coordinator@example.test")

			cat.wantStatus(cat.Visit("/hosts"), 200)
			cat.sees("Hosts", "Ann Hargreaves", "Approved", "Takes 1 guest")
			cat.fitsScreen(screen.width)

			cat.wantStatus(cat.FollowLink("Add a host"), 200)
			cat.sees("Add a host")
			cat.wantStatus(cat.Submit("Add the host"), 422)
			// The shared-lives service's own words.
			cat.sees("There is a problem", "Enter the host's name.", "Choose at least one kind of stay", "Choose at least one age group")
			if !strings.HasPrefix(cat.Title(), "Error: ") {
				t.Errorf("title of a page with errors = %q, want it to start \"Error: \"", cat.Title())
			}
			cat.Fill("Name", "Priya Shah")
			cat.Fill("Mobile number", "07700 900202")
			cat.Fill("Postcode", "ls6 3ab")
			cat.Fill("Latitude", "53.82")
			cat.Fill("Longitude", "north") // not a number
			cat.Fill("capacity", "2")
			cat.Check("Short break")
			cat.Check("Adults")
			cat.Check("Dementia")
			cat.wantStatus(cat.Submit("Add the host"), 422)
			cat.sees("Enter the longitude as a number")
			cat.Fill("Longitude", "-1.57")
			cat.wantStatus(cat.Submit("Add the host"), 200)
			cat.sees("Host added", "Priya Shah", "Applicant", "LS6 3AB", "Short break", "Not approved", "No guests are booked.")

			future := s.today.AddDays(3)
			cat.fillDate("approve-on", future)
			cat.wantStatus(cat.Submit("Approve Priya Shah"), 422)
			cat.sees("The approval date cannot be in the future.")
			cat.fillDate("approve-on", s.today)
			cat.wantStatus(cat.Submit("Approve Priya Shah"), 200)
			cat.sees("Host approved", "Approved on", s.today.Long(), "Calendar: "+monthName(s.today), "Not free")
			priya := strings.TrimPrefix(cat.URL(), s.URL)
			priya, _, _ = strings.Cut(priya, "?")
			cat.fitsScreen(screen.width)

			// Ann's calendar, in the month Joan arrives.
			joan := s.joansStay.Arrive
			cat.wantStatus(cat.Visit("/hosts/"+strconv.FormatInt(s.ann.ID, 10)+"?month="+joan.StartIn(calendar.London).Format("2006-01")), 200)
			cat.sees("Ann Hargreaves", "Joan staying ("+s.joansStay.Reference+")", "Free", "Joan, "+joan.Long())
			cat.fitsScreen(screen.width)
			// The month after, by its link, lands on the calendar.
			next := time.Date(joan.Year, joan.Month+1, 1, 0, 0, 0, 0, time.UTC)
			cat.Click(`a[rel="next"]`)
			if want := "?month=" + next.Format("2006-01") + "#calendar"; !strings.HasSuffix(cat.URL(), want) {
				t.Errorf("the next month's link went to %s, want …%s", cat.URL(), want)
			}

			cat.wantStatus(cat.Visit(priya), 200)
			cat.wantStatus(cat.FollowLink("Change Priya Shah's details"), 200)
			cat.Fill("capacity", "7")
			cat.wantStatus(cat.Submit("Save the changes"), 422)
			cat.sees("A host can take from 1 to 6 guests at once.")
			cat.Fill("capacity", "3")
			cat.wantStatus(cat.Submit("Save the changes"), 200)
			cat.sees("The host's details have been saved.")
			if h, err := s.hosts.Host(t.Context(), s.coordinator, pathTail(priya)); err != nil || h.Capacity != 3 {
				t.Errorf("Priya after the change = %+v, %v; want capacity 3", h, err)
			}

			cat.wantStatus(cat.Submit("Suspend Priya Shah"), 422)
			cat.sees("Say why the host is suspended.")
			cat.Fill("reason", "Safeguarding concern raised")
			cat.wantStatus(cat.Submit("Suspend Priya Shah"), 200)
			cat.sees("Host suspended", "Suspended", "Safeguarding concern raised", "Approve Priya Shah")

			cat.wantStatus(cat.FollowLink("Record that Priya Shah has left"), 200)
			cat.sees("This cannot be undone")
			cat.wantStatus(cat.Submit("Record that they have left"), 200)
			cat.sees("Recorded that the host has left", "Left")

			cat.wantStatus(cat.Visit("/hosts?status=left"), 200)
			cat.sees("Priya Shah")
			if strings.Contains(cat.Text(), "Ann Hargreaves") {
				t.Errorf("hosts who have left include Ann: %s", cat.Text())
			}
			if screen.name == "phone" {
				cat.Screenshot(screenshotPath(t, "coordinator-hosts-phone.png"))
			}
		})
	}
}

// pathTail is the id at the end of a path such as /hosts/12.
func pathTail(path string) int64 {
	id, _ := strconv.ParseInt(path[strings.LastIndex(path, "/")+1:], 10, 64)
	return id
}

// fitsScreen fails the test when the page is wider than the screen, so a
// table would make the whole page scroll sideways.
func (v *visitor) fitsScreen(width int) {
	v.t.Helper()
	got, err := chromedp.Run(v.Context(), chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		v.t.Fatalf("measuring %s: %v", v.URL(), err)
	}
	if got > width {
		v.t.Errorf("page %s is %d pixels wide on a %d-pixel screen", v.URL(), got, width)
	}
}

// TestHostsPagesAreForCoordinators: the duty team, carers and hosts get
// the forbidden page on every hosts page, and the signed-out are sent to
// the staff sign-in.
func TestHostsPagesAreForCoordinators(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	ann := "/hosts/" + strconv.FormatInt(s.ann.ID, 10)
	gets := []string{"/hosts", "/hosts/new", ann, ann + "/edit", ann + "/leave"}
	posts := []string{"/hosts/new", ann + "/edit", ann + "/approve", ann + "/suspend", ann + "/leave"}

	t.Run("signed out", func(t *testing.T) {
		b := newBrowser(t, s)
		for _, path := range gets {
			if p := b.get(path); p.status != 303 || p.location != "/staff/sign-in" {
				t.Errorf("GET %s signed out = %d %s, want 303 to /staff/sign-in", path, p.status, p.location)
			}
		}
	})

	for _, who := range []struct {
		name string
		kind accounts.SubjectKind
		id   int64
	}{
		{"duty", accounts.SubjectStaff, s.duty.ID},
		{"carer", accounts.SubjectCarer, s.helen.ID},
		{"host", accounts.SubjectHost, s.ann.ID},
	} {
		t.Run(who.name, func(t *testing.T) {
			b := newBrowser(t, s)
			b.startSession(who.kind, who.id)
			for _, path := range gets {
				if p := b.get(path); p.status != 403 {
					t.Errorf("GET %s = %d, want 403", path, p.status)
				}
			}
			for _, path := range posts {
				// The CSRF token comes from the staff sign-in page, which
				// anyone may see, so only the role is refused.
				if p := b.post("/staff/sign-in", path, url.Values{"reason": {"x"}, "name": {"x"}}); p.status != 403 {
					t.Errorf("POST %s = %d, want 403", path, p.status)
				}
			}
		})
	}
	if h, err := s.hosts.Host(t.Context(), s.coordinator, s.ann.ID); err != nil || h.Status != "approved" || h.Name != "Ann Hargreaves" {
		t.Errorf("Ann after the refused posts = %+v, %v; want her unchanged", h, err)
	}

	t.Run("coordinator", func(t *testing.T) {
		b := newBrowser(t, s)
		b.startSession(accounts.SubjectStaff, s.coordinator.ID)
		for _, path := range gets {
			if p := b.get(path); p.status != 200 {
				t.Errorf("GET %s = %d, want 200", path, p.status)
			}
		}
		if p := b.get("/hosts/999999"); p.status != 404 {
			t.Errorf("GET a host who is not there = %d, want 404", p.status)
		}
		if p := b.get(ann + "?month=1999-01"); p.status != 404 {
			t.Errorf("GET a month long gone = %d, want 404", p.status)
		}
		if p := b.get("/hosts?done=%3Cscript%3E"); strings.Contains(p.body, "script&gt;") || strings.Contains(p.body, "<script>") {
			t.Errorf("the banner echoes the address: %s", p.body)
		}
	})
}

// TestHostsListShowsWhatNeedsDoing: reviews coming due and calendars
// nobody has confirmed are tagged in words; the list filters to reviews
// due, and goes a page at a time.
func TestHostsListShowsWhatNeedsDoing(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	ctx := t.Context()
	// Bea was approved nearly a year ago, so her review is a fortnight off;
	// nobody has ever confirmed her calendar.
	bea, err := s.hosts.CreateHost(ctx, s.coordinator, sharedlives.HostInput{
		Name: "Bea Lowe", Mobile: "07700 900203", Postcode: "LS6 2AB", Latitude: f64(53.82), Longitude: f64(-1.57), Capacity: intp(1),
		Offers: []string{"short_break"}, AgeGroups: []string{"adults"},
	})
	if err != nil {
		t.Fatal(err)
	}
	approved := calendar.Of(s.today.StartIn(time.UTC).AddDate(-1, 0, 14))
	if _, err := s.hosts.Approve(ctx, s.coordinator, bea.ID, approved); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, s)
	b.startSession(accounts.SubjectStaff, s.coordinator.ID)

	p := b.get("/hosts")
	for _, want := range []string{"Bea Lowe", "Due soon", "Out of date", "Ann Hargreaves"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the list does not say %q:\n%s", want, p.body)
		}
	}
	if strings.Count(p.body, "Out of date") != 1 {
		t.Errorf("want only Bea's calendar out of date (Ann confirmed hers): %s", p.body)
	}
	p = b.get("/hosts?due=soon")
	if !strings.Contains(p.body, "Bea Lowe") || strings.Contains(p.body, "Ann Hargreaves") {
		t.Errorf("reviews due lists the wrong hosts:\n%s", p.body)
	}
	if p := b.get("/hosts?status=nonsense"); p.status != 422 || !strings.Contains(p.body, "is not allowed") {
		t.Errorf("a status that is none = %d:\n%s", p.status, p.body)
	}

	for i := range 26 {
		if _, err := s.hosts.CreateHost(ctx, s.coordinator, sharedlives.HostInput{
			Name: "Host " + strconv.Itoa(i), Mobile: "07700 9003" + pad2(i), Postcode: "LS6 2AB", Latitude: f64(53.82), Longitude: f64(-1.57), Capacity: intp(1),
			Offers: []string{"short_break"}, AgeGroups: []string{"adults"},
		}); err != nil {
			t.Fatal(err)
		}
	}
	p = b.get("/hosts?status=applicant")
	next := regexp.MustCompile(`href="(/hosts\?[^"]*after=\d+[^"]*)" rel="next"`).FindStringSubmatch(p.body)
	if next == nil || strings.Contains(p.body, "Host 25") {
		t.Fatalf("the first page of 26 applicants has no next page, or shows the last:\n%s", p.body)
	}
	if len(p.body) > maxPageBytes {
		t.Errorf("a full page of hosts is %d bytes, more than %d", len(p.body), maxPageBytes)
	}
	p = b.get(html.UnescapeString(next[1]))
	if !strings.Contains(p.body, "Host 25") || strings.Contains(p.body, "Host 0<") || !strings.Contains(p.body, `rel="first"`) {
		t.Errorf("the second page:\n%s", p.body)
	}
}
