package pages_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/booking/bookingtest"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/sharedlives"
	"github.com/respite-uk/respite/web"
	"github.com/respite-uk/respite/web/pages"
	"github.com/respite-uk/respite/web/webtest"
)

// regionSite is the whole service, wired as newSite wires it, on a database
// seeded with bookingtest.SeedRegion: 2,000 beds in 200 homes, 120
// shared-lives hosts and a year of bookings. Its clock starts at the
// region's own time and moves on a millisecond a request, as the booking
// benchmarks' does, so the region's holds stay live and no two searches
// send the same SQL.
type regionSite struct {
	*bookingtest.Region
	URL      string
	client   *http.Client
	clk      *benchClock
	accounts *accounts.Service
	// sessions are the carers' session tokens, by carer id.
	sessions map[int64]string
}

type benchClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *benchClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *benchClock) tick()          { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(time.Millisecond) }

// newRegionSite seeds db with the region and serves the site on a loopback
// port. Seeding takes 7–15 s. Nobody signs in by code here, so the code
// sign-in newSite sets up is left out.
func newRegionSite(tb testing.TB, db *bun.DB) *regionSite {
	tb.Helper()
	s := &regionSite{Region: bookingtest.SeedRegion(tb, db), clk: &benchClock{t: bookingtest.RegionNow}, sessions: map[int64]string{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := s.clk.Now
	s.accounts = accounts.NewService(db, accounts.Options{Clock: now, BcryptCost: bcrypt.MinCost})
	sms := notify.NewService(db, notify.NewLogSender(log), notify.Options{Clock: now, Logger: log, ServiceName: "Leeds Carers Respite", ServicePhone: "0113 496 0000"})
	prov := providers.NewService(db, now)
	bookings := booking.NewService(db, prov, sms, booking.NewLocalHoldStore(), booking.Options{Clock: now, Logger: log, Codes: s.accounts})
	srv, err := web.New(web.Deps{
		Logger: log, Accounts: s.accounts, Providers: prov, Notify: sms, Booking: bookings,
		Hosts: sharedlives.NewService(db, sms, sharedlives.Options{Clock: now, Logger: log}),
		Audit: audit.NewService(db), PublicURL: "http://localhost",
		Pages: &pages.Deps{ServiceName: "Leeds Carers Respite", BookingLine: "0113 496 0000", SharedLivesPhone: "0113 496 0500", Clock: now},
	})
	if err != nil {
		tb.Fatal(err)
	}
	s.URL = webtest.Serve(tb, srv)
	// One connection, kept alive, as a browser keeps one to a site: the
	// figures are the server's time, not TCP handshakes.
	s.client = &http.Client{
		Transport:     &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	tb.Cleanup(s.client.CloseIdleConnections)
	return s
}

// signIn signs in the carer of p, starting a session as signing in with a
// code would, unless they are signed in already.
func (s *regionSite) signIn(tb testing.TB, p booking.Person) {
	tb.Helper()
	if _, ok := s.sessions[p.CarerID]; ok {
		return
	}
	token, _, err := s.accounts.StartSession(context.Background(), s.DB, accounts.SubjectCarer, p.CarerID)
	if err != nil {
		tb.Fatalf("signing in carer %d: %v", p.CarerID, err)
	}
	s.sessions[p.CarerID] = token
}

// results asks for the results page for p arriving on arrive for nights,
// as p's carer, who must already be signed in. It returns the page and the
// time from sending the request to reading the last byte of the answer.
func (s *regionSite) results(tb testing.TB, p booking.Person, arrive calendar.Date, nights int) (string, time.Duration) {
	tb.Helper()
	s.clk.tick()
	u := fmt.Sprintf("%s/book/results?person=%d&arrive-day=%d&arrive-month=%d&arrive-year=%d&nights=%d",
		s.URL, p.ID, arrive.Day, int(arrive.Month), arrive.Year, nights)
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "respite_session", Value: s.sessions[p.CarerID]})
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		tb.Fatalf("GET %s: %v", u, err)
	}
	body, err := io.ReadAll(resp.Body)
	took := time.Since(start)
	resp.Body.Close()
	if err != nil {
		tb.Fatalf("GET %s: reading the page: %v", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s answered %d, want 200; it says:\n%s", u, resp.StatusCode, body)
	}
	return string(body), took
}

// placesOn and datesOn count what a results page lists, by the HTML
// book-results.html writes: places (ten at most), or other dates to try;
// suitOn reads how many places suit in all, from its heading.
func placesOn(page string) int { return strings.Count(page, `<div class="govuk-summary-card">`) }

var suitHeading = regexp.MustCompile(`<h1 class="govuk-heading-l">(\d+) places? suits? `)

func suitOn(page string) int {
	m := suitHeading.FindStringSubmatch(page)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func datesOn(page string) int {
	return strings.Count(page, `<li><a class="govuk-link" href="/book/results?`)
}

// Two kinds of people for whom searches find nothing, added to the region
// with no stays of their own (see bookingtest.Region.AddPeople).
var (
	// few is a person few places suit: dementia and nursing care, with a
	// hoist, a profiling bed and en-suite. In the region about 1.5 beds suit
	// them on an average date, and none on about one date in five.
	few = bookingtest.Profile{Needs: []string{"dementia", "nursing_care"}, Requirements: []string{"hoist", "profiling_bed", "en_suite"}}
	// nowhere is a person with dementia who needs all eight features a
	// room can have: no bed in the region has them all, no family home
	// can, and so every date is tried in vain.
	nowhere = bookingtest.Profile{Needs: []string{"dementia"}, Requirements: []string{
		"hoist", "wheelchair_access", "ground_floor", "en_suite", "level_access_shower", "profiling_bed", "pressure_relief_mattress", "hearing_loop",
	}}
)

// BenchmarkResultsPage measures the carer's search-results page end to end
// at regional scale: GET /book/results through the Fiber app on a loopback
// port, signed in by the session cookie, from sending the request to
// reading the last byte. It reports the median, 95th and 99th percentiles
// of that time, and the size of the HTML. Every search is for 3 nights.
//
//   - "places" searches as BenchmarkAvailability in package booking does,
//     with the same people and dates (someone with dementia who needs a
//     hoist, from a random night of the seeded year), so the two can be
//     compared: about 48 places suit, and the page lists the first ten.
//   - "none_found" searches for someone few places suit, on dates when none
//     is free. The page then also asks NearbyDates, which here finds its 4
//     dates within the first few it tries.
//   - "none_nearby" is the most the page can do: a search for someone no
//     place suits, so NearbyDates tries all 29 dates of its window in vain.
func BenchmarkResultsPage(b *testing.B) {
	run := func(b *testing.B, s *regionSite) {
		b.Run("places", func(b *testing.B) { benchResultsWithPlaces(b, s) })
		b.Run("none_found", func(b *testing.B) { benchResultsNoneFound(b, s) })
		b.Run("none_nearby", func(b *testing.B) { benchResultsNoneNearby(b, s) })
	}
	b.Run("sqlite", func(b *testing.B) { run(b, newRegionSite(b, dbtest.SQLite(b))) })
	b.Run("postgres", func(b *testing.B) { run(b, newRegionSite(b, dbtest.Postgres(b))) })
}

func benchResultsWithPlaces(b *testing.B, s *regionSite) {
	for _, i := range s.Typical {
		s.signIn(b, s.People[i])
	}
	// The random streams are BenchmarkAvailability's.
	benchResults(b, s, 2, func(r *rand.Rand) (booking.Person, calendar.Date) {
		p := s.People[s.Typical[r.IntN(len(s.Typical))]]
		return p, bookingtest.RegionFirstNight.AddDays(r.IntN(bookingtest.RegionNights - 3))
	}, "places/op", func(tb testing.TB, page string) int { return suitOn(page) })
}

func benchResultsNoneFound(b *testing.B, s *regionSite) {
	people := s.AddPeople(b, few, 50)
	for _, p := range people {
		s.signIn(b, p)
	}
	// Find dates on which nothing suits them, searching from the first
	// night on. The dates are the same for all of them: they have no stays,
	// and which places suit depends only on their needs.
	start := time.Now()
	var none []calendar.Date
	for day := 0; len(none) < 20; day++ {
		if day >= bookingtest.RegionNights-3 {
			b.Fatalf("found only %d dates with nothing for %+v", len(none), few)
		}
		arrive := bookingtest.RegionFirstNight.AddDays(day)
		if page, _ := s.results(b, people[0], arrive, 3); placesOn(page) == 0 {
			none = append(none, arrive)
		}
	}
	b.Logf("found %d dates with no place in %v", len(none), time.Since(start).Round(time.Millisecond))
	benchResults(b, s, 6, func(r *rand.Rand) (booking.Person, calendar.Date) {
		return people[r.IntN(len(people))], none[r.IntN(len(none))]
	}, "dates/op", func(tb testing.TB, page string) int {
		if n := placesOn(page); n != 0 {
			tb.Fatalf("%d places suit, want none", n)
		}
		return datesOn(page)
	})
}

func benchResultsNoneNearby(b *testing.B, s *regionSite) {
	people := s.AddPeople(b, nowhere, 50)
	for _, p := range people {
		s.signIn(b, p)
	}
	// Any date far enough from the ends of the seeded year for the whole
	// of its window (14 days either side, nearbyWindow in book_results.go)
	// to be searched.
	const window = 14
	benchResults(b, s, 7, func(r *rand.Rand) (booking.Person, calendar.Date) {
		return people[r.IntN(len(people))], bookingtest.RegionFirstNight.AddDays(window + r.IntN(bookingtest.RegionNights-3-2*window))
	}, "dates/op", func(tb testing.TB, page string) int {
		if n, d := placesOn(page), datesOn(page); n+d != 0 {
			tb.Fatalf("%d places and %d other dates suit, want none", n, d)
		}
		return 0
	})
}

// benchResults times the results page for the searches next draws from
// random stream stream, after 20 untimed searches to warm the caches as a
// running service's would be. count says what a page lists, reported per
// search as unit.
func benchResults(b *testing.B, s *regionSite, stream uint64, next func(*rand.Rand) (booking.Person, calendar.Date), unit string, count func(testing.TB, string) int) {
	s.LogNotes(b)
	warm := rand.New(rand.NewPCG(bookingtest.RegionSeed, 4))
	for range 20 {
		p, arrive := next(warm)
		s.results(b, p, arrive, 3)
	}
	r := rand.New(rand.NewPCG(bookingtest.RegionSeed, stream))
	var took []time.Duration
	listed, size := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		p, arrive := next(r)
		page, t := s.results(b, p, arrive, 3)
		took = append(took, t)
		listed += count(b, page)
		size += len(page)
	}
	slices.Sort(took)
	for _, q := range []struct {
		name string
		at   float64
	}{{"p50", 0.50}, {"p95", 0.95}, {"p99", 0.99}} {
		// The nearest rank: the shortest time that at least that share of
		// the searches took no longer than. Of 200, the 99th percentile is
		// the second slowest.
		i := max(0, int(math.Ceil(float64(len(took))*q.at))-1)
		b.ReportMetric(float64(took[i].Microseconds())/1000, q.name+"-ms")
	}
	b.ReportMetric(float64(listed)/float64(len(took)), unit)
	b.ReportMetric(float64(size)/float64(len(took))/1024, "html-KB/op")
}

// TestResultsPage_RegionalSize checks that the results page fits in
// maxPageBytes at regional scale, for the first 20 searches
// BenchmarkResultsPage/places makes: dozens of places suit each of them.
// Seeding takes about 10 s.
func TestResultsPage_RegionalSize(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a whole region: not in -short")
	}
	s := newRegionSite(t, dbtest.SQLite(t))
	r := rand.New(rand.NewPCG(bookingtest.RegionSeed, 2))
	biggest, listed := 0, 0
	var search string
	for range 20 {
		p := s.People[s.Typical[r.IntN(len(s.Typical))]]
		arrive := bookingtest.RegionFirstNight.AddDays(r.IntN(bookingtest.RegionNights - 3))
		s.signIn(t, p)
		page, _ := s.results(t, p, arrive, 3)
		if len(page) > biggest {
			biggest, listed, search = len(page), placesOn(page), fmt.Sprintf("person %d from %s (%d places suit)", p.ID, arrive, suitOn(page))
		}
	}
	if biggest > maxPageBytes {
		t.Errorf("the results page for %s is %d bytes of HTML listing %d places, more than %d", search, biggest, listed, maxPageBytes)
	}
	t.Logf("the biggest results page, for %s, is %d bytes of HTML listing %d places", search, biggest, listed)
}
