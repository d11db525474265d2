package loadtest_test

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/booking/bookingtest"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/internal/loadtest"
	"github.com/respite-uk/respite/migrations"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/privacy"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/redisstore"
	"github.com/respite-uk/respite/reports"
	"github.com/respite-uk/respite/sharedlives"
	"github.com/respite-uk/respite/web"
	"github.com/respite-uk/respite/web/webtest"
)

// plan is how much of each figure a run measures.
type plan struct {
	full bool
	// regional and national are the data sets; a smoke run seeds one small
	// set and uses it for both (national nil).
	regional  bookingtest.Scale
	national  *bookingtest.Scale
	emergency struct{ national, regional int } // searches per figure
	searches  int                              // one client's availability searches
	// conns is the connections of the availability throughput runs, which
	// go in rounds of round each: searches, /auth/me and plaintext in turn.
	conns, rounds int
	round         time.Duration
	// holdClients book in holdRounds rounds of holdRound each, between
	// which pgbench runs for pgbenchSeconds at pgbenchScale.
	holdClients, holdRounds      int
	holdRound                    time.Duration
	pgbenchSeconds, pgbenchScale int
	// raceClients hold one bed's nights at once, raceRounds times.
	raceClients, raceRounds int
	// holdPeople are the people, added with no stays, whom the bookings
	// are for (the racers are raceClients more).
	holdPeople int
}

// smokeScale is the smoke run's data set: ten homes with four beds each,
// sixty carers and twenty hosts, around Leeds as the regional one is.
var smokeScale = bookingtest.Scale{
	Name: "smoke", Homes: 10, BedsPerHome: 4, Carers: 60, Hosts: 20, LiveHolds: 5,
	HomesIn: bookingtest.Regional.HomesIn, CarersIn: bookingtest.Regional.CarersIn, HostsIn: bookingtest.Regional.HostsIn,
}

func plans() map[string]plan {
	full := plan{
		full: true, regional: bookingtest.Regional, national: &bookingtest.National,
		searches: 300, conns: 16, rounds: 3, round: 2 * time.Second,
		holdClients: 8, holdRounds: 3, holdRound: 3 * time.Second, pgbenchSeconds: 3, pgbenchScale: 10,
		raceClients: 40, raceRounds: 10, holdPeople: 400,
	}
	full.emergency.national, full.emergency.regional = 100, 200
	smoke := plan{
		regional: smokeScale,
		searches: 5, conns: 16, rounds: 1, round: 200 * time.Millisecond,
		holdClients: 8, holdRounds: 1, holdRound: 300 * time.Millisecond, pgbenchSeconds: 1, pgbenchScale: 1,
		raceClients: 40, raceRounds: 1, holdPeople: 20,
	}
	smoke.emergency.national, smoke.emergency.regional = 3, 3
	return map[string]plan{"full": full, "smoke": smoke, "": smoke}
}

// TestHarness measures every figure of the national-scale harness in one
// run (docs/benchmarks.md, "The national-scale harness"): seeding, the
// searches in process, and the service over HTTP on a real listener with
// its references (GET /api/v1/auth/me, a plaintext Fiber app and pgbench)
// in interleaved rounds. RESPITE_BENCH=full is the real run, which
// scripts/bench.sh starts and which writes the table into
// docs/benchmarks.md; unset (or "smoke") it is a run of seconds on a tiny
// data set that only checks every figure comes out, so the harness cannot
// rot. It uses PostgreSQL and Redis when DATABASE_URL and REDIS_URL name
// test servers, and SQLite only otherwise.
func TestHarness(t *testing.T) {
	mode := os.Getenv("RESPITE_BENCH")
	p, ok := plans()[mode]
	if !ok {
		t.Fatalf("RESPITE_BENCH=%q: use full, smoke, or leave it unset (smoke)", mode)
	}
	began := time.Now()
	ctx := context.Background()
	h := &harness{t: t, plan: p, loadAtStart: loadtest.LoadAverage()}
	h.machine = loadtest.DescribeMachine(ctx, ".", "docs/benchmarks.md")

	// The databases are opened here, on the test, so that they outlive the
	// seeding subtests; seeding runs in parallel.
	usePG := migrations.IsPostgres(os.Getenv("DATABASE_URL")) || os.Getenv("RESPITE_TEST_REQUIRE_SERVICES") == "1"
	useRedis := os.Getenv("REDIS_URL") != "" || os.Getenv("RESPITE_TEST_REQUIRE_SERVICES") == "1"
	scales := []bookingtest.Scale{p.regional}
	if p.national != nil {
		scales = append(scales, *p.national)
	}
	for _, scale := range scales {
		h.sites = append(h.sites, &site{label: "SQLite", scale: scale, db: dbtest.SQLite(t)})
		if usePG {
			h.sites = append(h.sites, &site{label: "PostgreSQL", scale: scale, db: dbtest.Postgres(t)})
		}
	}
	var bench *loadtest.Pgbench
	if usePG {
		var err error
		if bench, err = newPgbench(t); err != nil {
			t.Logf("pgbench: %v; the hold-and-confirm ratio will not be measured", err)
			h.noPgbench = err.Error()
			bench = nil
		}
	}
	h.step("seeding the data sets, in parallel")
	seedStart := time.Now()
	ok = t.Run("seed", func(t *testing.T) {
		for _, s := range h.sites {
			t.Run(s.scale.Name+"/"+s.label, func(t *testing.T) {
				t.Parallel()
				s.w = bookingtest.Seed(t, s.db, s.scale)
				s.w.LogNotes(t)
			})
		}
		if bench != nil {
			t.Run("pgbench", func(t *testing.T) {
				t.Parallel()
				start := time.Now()
				if err := bench.Init(ctx, p.pgbenchScale); err != nil {
					t.Fatal(err)
				}
				t.Logf("pgbench -i -s %d in %v", p.pgbenchScale, time.Since(start).Round(time.Millisecond))
			})
		}
	})
	if !ok {
		t.FailNow()
	}
	h.seeding = time.Since(seedStart)
	runtime.GC() // seeding's garbage, gone before anything is timed

	for _, s := range h.sites {
		if dbtest.IsPostgres(s.db) {
			if err := s.db.QueryRowContext(ctx, "SHOW server_version").Scan(&h.machine.Postgres); err != nil {
				t.Fatal(err)
			}
		}
		// Bookings are made at the regional scale only; on PostgreSQL with
		// the holds in Redis when there is one, as where several
		// instances serve.
		var holds booking.HoldStore
		if s.scale.Name == p.regional.Name && dbtest.IsPostgres(s.db) && useRedis {
			rdb, prefix := dbtest.Redis(t)
			holds = redisstore.NewHoldStore(rdb, prefix)
			s.label = "PostgreSQL + Redis"
		}
		s.serve(t, holds, 2*p.raceClients)
	}
	regional := h.at(p.regional.Name)
	national := regional
	if p.national != nil {
		national = h.at(p.national.Name)
	}
	for _, s := range regional {
		s.people = newPeople(t, s, p.raceClients, p.holdPeople)
	}

	h.emergencyNational(national)
	h.emergencyRegional(regional)
	h.availability(regional)
	h.throughput(regional)
	for _, s := range regional {
		if dbtest.IsPostgres(s.db) {
			h.holdAndConfirm(s, bench)
		}
	}
	h.race(regional)
	h.process()
	h.step("done")

	h.took = time.Since(began)
	table := h.table()
	t.Logf("the table:\n%s", table)
	for _, f := range h.figures {
		if f.err != nil {
			t.Errorf("%s (%s): %v", f.name, f.where, f.err)
		} else if f.skipped == "" && !(f.value > 0) {
			t.Errorf("%s (%s): measured %v, want a positive figure", f.name, f.where, f.value)
		}
	}
	if !p.full {
		return
	}
	doc := filepath.Join("..", "..", "docs", "benchmarks.md")
	if err := loadtest.WriteBetweenMarkers(doc, table); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote the table into %s", doc)
}

// harness is one run's state and its figures.
type harness struct {
	t       *testing.T
	plan    plan
	sites   []*site
	figures []figure
	machine loadtest.Machine
	// noPgbench says why pgbench did not run, when it did not.
	noPgbench             string
	seeding, took         time.Duration
	loadAtStart           string
	stepStart, stepsBegan time.Time
}

// step announces the next thing measured, and how long the last took.
func (h *harness) step(what string) {
	h.t.Helper()
	now := time.Now()
	if h.stepsBegan.IsZero() {
		h.stepsBegan = now
	} else {
		h.t.Logf("  (took %v)", now.Sub(h.stepStart).Round(100*time.Millisecond))
	}
	h.stepStart = now
	h.t.Logf("[%v] %s", now.Sub(h.stepsBegan).Round(time.Second), what)
}

// at returns the sites with data of the named scale, SQLite first.
func (h *harness) at(scale string) []*site {
	var out []*site
	for _, s := range h.sites {
		if s.scale.Name == scale {
			out = append(out, s)
		}
	}
	return out
}

// site is a seeded database and the service running on it.
type site struct {
	label string // "SQLite", "PostgreSQL + Redis"
	scale bookingtest.Scale
	db    *bun.DB
	w     *bookingtest.Region
	clk   *clock
	svc   *booking.Service
	url   string
	duty  accounts.Principal
	api   *loadtest.Client // as the member of duty staff
	token string
	// people are whom bookings and races are for.
	people *people
}

// serve starts the service on s's database, wired as cmd/respite wires it
// (without the pages), listening on a loopback port, and signs in a member
// of duty staff. Its clock is the region's, moving on in real time. holds
// nil keeps them in process. conns is the API client's connections.
func (s *site) serve(t *testing.T, holds booking.HoldStore, conns int) {
	t.Helper()
	ctx := context.Background()
	s.clk = &clock{}
	s.clk.Set(bookingtest.RegionNow)
	now := s.clk.Now
	log := slog.New(slog.DiscardHandler)
	if holds == nil {
		holds = booking.NewLocalHoldStore()
	}
	// Sessions run on the real clock: they are about the run, not the
	// region's year.
	acc := accounts.NewService(s.db, accounts.Options{BcryptCost: bcrypt.MinCost})
	sms := notify.NewService(s.db, notify.NewLogSender(log), notify.Options{Clock: now, Logger: log, ServiceName: "Respite harness", ServicePhone: "0113 496 0000"})
	prov := providers.NewService(s.db, now)
	s.svc = booking.NewService(s.db, prov, sms, holds, booking.Options{Clock: now, Logger: log})
	srv, err := web.New(web.Deps{
		Logger: log, Accounts: acc, Providers: prov, Notify: sms, Booking: s.svc,
		Hosts: sharedlives.NewService(s.db, sms, sharedlives.Options{Clock: now, Logger: log}), Audit: audit.NewService(s.db),
		Reports: reports.NewService(s.db, nil), Privacy: privacy.NewService(s.db, nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	s.url = webtest.Serve(t, srv)

	user, err := acc.CreateUser(ctx, accounts.NewUser{Email: "duty@harness.example", Name: "Dana Duty", Role: accounts.RoleDuty, Password: "a long duty password"})
	if err != nil {
		t.Fatal(err)
	}
	s.duty = accounts.Principal{Kind: accounts.SubjectStaff, ID: user.ID, Name: user.Name, Role: user.Role}
	if s.token, _, err = acc.StartSession(ctx, s.db, accounts.SubjectStaff, user.ID); err != nil {
		t.Fatal(err)
	}
	s.api = loadtest.NewClient(s.url, s.token, conns)
	t.Cleanup(s.api.Close)
	if err := s.api.Me(ctx); err != nil {
		t.Fatalf("%s: signed in as duty staff, but: %v", s.label, err)
	}
}

// clock is the region's time moving on in real time from where it was
// last set: the seeded year's live holds stay live, and no two searches
// send the same SQL (the time is in it), as with a real clock.
type clock struct {
	mu        sync.Mutex
	base, set time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Add(time.Since(c.set))
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.base, c.set = t, time.Now()
}

// tonight is the emergency searches' night: 100 nights into the seeded
// year, when about 60% of beds are taken, as in BenchmarkEmergencyOptions;
// duty staff search at 9pm.
var tonight = bookingtest.RegionFirstNight.AddDays(100)

func tonightAt9pm() time.Time { return tonight.StartIn(calendar.London).Add(21 * time.Hour) }

// emergencyNational measures the emergency options at national scale, in
// process and over HTTP, alternating one search of each so that both see
// the same machine.
func (h *harness) emergencyNational(sites []*site) {
	scale := sites[0].scale.Name
	for _, s := range sites {
		h.step(fmt.Sprintf("emergency options, %s, %s: %d searches in process and %d over HTTP, alternating", scale, s.label, h.plan.emergency.national, h.plan.emergency.national))
		s.clk.Set(tonightAt9pm())
		ctx := context.Background()
		inProcess, overHTTP := h.emergencySearch(s), func(p booking.Person) error {
			_, err := s.api.EmergencyOptions(ctx, p.ID, tonight, tonight.AddDays(2))
			return err
		}
		warm := rand.New(rand.NewPCG(bookingtest.RegionSeed, 5))
		for range 10 {
			p := s.w.People[warm.IntN(len(s.w.People))]
			_, _ = inProcess(p), overHTTP(p)
		}
		r := rand.New(rand.NewPCG(bookingtest.RegionSeed, 6))
		var took [2][]time.Duration
		var errs [2]int
		var first [2]error
		for range h.plan.emergency.national {
			p := s.w.People[r.IntN(len(s.w.People))]
			for k, search := range []func(booking.Person) error{inProcess, overHTTP} {
				t0 := time.Now()
				if err := search(p); err != nil {
					errs[k]++
					first[k] = cmp.Or(first[k], err)
					continue
				}
				took[k] = append(took[k], time.Since(t0))
			}
		}
		for k, how := range []string{"in process", "over HTTP"} {
			sum := loadtest.Summarize(took[k], errs[k], first[k], 0)
			h.add(figure{
				name: "Emergency options, " + scale + ", p95", where: s.label + ", " + how, goal: atMost(50, "ms"),
				value: msOf(sum.Percentile(95)), err: sum.Err(),
				text: fmt.Sprintf("%s ms (p50 %s ms; %d searches)", msText(sum.Percentile(95)), msText(sum.Percentile(50)), sum.OK),
			})
		}
	}
}

// emergencySearch is one search for a person's emergency options tonight,
// in process.
func (h *harness) emergencySearch(s *site) func(p booking.Person) error {
	return func(p booking.Person) error {
		_, err := s.svc.EmergencyChoices(context.Background(), s.duty, p.ID, tonight, tonight.AddDays(2))
		return err
	}
}

// emergencyRegional measures the emergency options at regional scale, in
// process.
func (h *harness) emergencyRegional(sites []*site) {
	for _, s := range sites {
		h.step(fmt.Sprintf("emergency options, %s, %s: %d searches in process", s.scale.Name, s.label, h.plan.emergency.regional))
		s.clk.Set(tonightAt9pm())
		search := h.emergencySearch(s)
		warm := rand.New(rand.NewPCG(bookingtest.RegionSeed, 5))
		for range 10 {
			_ = search(s.w.People[warm.IntN(len(s.w.People))])
		}
		r := rand.New(rand.NewPCG(bookingtest.RegionSeed, 6))
		sum := timed(h.plan.emergency.regional, func() error { return search(s.w.People[r.IntN(len(s.w.People))]) })
		h.add(figure{
			name: "Emergency options, " + s.scale.Name + ", p95", where: s.label + ", in process", goal: atMost(10, "ms"),
			value: msOf(sum.Percentile(95)), err: sum.Err(),
			text: fmt.Sprintf("%s ms (p50 %s ms; %d searches)", msText(sum.Percentile(95)), msText(sum.Percentile(50)), sum.OK),
		})
		s.clk.Set(bookingtest.RegionNow)
	}
}

// timed runs fn n times, one after another, and sums up their times.
func timed(n int, fn func() error) loadtest.Summary {
	var took []time.Duration
	var failed int
	var first error
	for range n {
		t0 := time.Now()
		if err := fn(); err != nil {
			failed++
			first = cmp.Or(first, err)
			continue
		}
		took = append(took, time.Since(t0))
	}
	return loadtest.Summarize(took, failed, first, 0)
}

// carerSearch is a search as a carer makes it in BenchmarkAvailability: for
// a person with the typical needs (dementia, and a hoist), 3 nights from a
// random night of the seeded year.
func carerSearch(w *bookingtest.Region, r *rand.Rand) (booking.Person, booking.Search) {
	who := w.Typical
	if len(who) == 0 { // a tiny data set may have nobody typical
		who = []int{r.IntN(len(w.People))}
	}
	p := w.People[who[r.IntN(len(who))]]
	arrive := bookingtest.RegionFirstNight.AddDays(r.IntN(bookingtest.RegionNights - 3))
	return p, booking.Search{PersonID: p.ID, Arrive: arrive, Depart: arrive.AddDays(3)}
}

// availability measures one client's searches in process, with what each
// allocates.
func (h *harness) availability(sites []*site) {
	ctx := context.Background()
	for _, s := range sites {
		h.step(fmt.Sprintf("availability, %s, %s: %d searches in process, one at a time", s.scale.Name, s.label, h.plan.searches))
		s.clk.Set(bookingtest.RegionNow)
		search := func(r *rand.Rand) error {
			p, q := carerSearch(s.w, r)
			_, err := s.svc.Availability(ctx, accounts.Principal{Kind: accounts.SubjectCarer, ID: p.CarerID}, q)
			return err
		}
		warm := rand.New(rand.NewPCG(bookingtest.RegionSeed, 4))
		for range 20 {
			_ = search(warm)
		}
		r := rand.New(rand.NewPCG(bookingtest.RegionSeed, 2))
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		sum := timed(h.plan.searches, func() error { return search(r) })
		runtime.ReadMemStats(&after)
		n := uint64(max(h.plan.searches, 1))
		allocs, bytes := (after.Mallocs-before.Mallocs)/n, (after.TotalAlloc-before.TotalAlloc)/n
		h.add(figure{
			name: "Availability, " + s.scale.Name + ", one client, p95", where: s.label + ", in process", goal: atMost(5, "ms"),
			value: msOf(sum.Percentile(95)), err: sum.Err(),
			text: fmt.Sprintf("%s ms (p50 %s ms; %d searches; %s allocations and %s KB a search)",
				msText(sum.Percentile(95)), msText(sum.Percentile(50)), sum.OK, thousands(float64(allocs)), thousands(float64(bytes)/1024)),
		})
	}
}

// throughput measures searches over HTTP from many connections at once,
// against GET /api/v1/auth/me on the same service and a plaintext Fiber
// app, in alternating rounds: what the figures are read against ran
// between them, on the same machine, under the same noise.
func (h *harness) throughput(sites []*site) {
	t, p := h.t, h.plan
	ctx := context.Background()
	plainURL, stop, err := loadtest.PlaintextServer()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	plain := loadtest.NewClient(plainURL, "", p.conns)
	defer plain.Close()
	h.step(fmt.Sprintf("availability over HTTP, %d connections: %v of searches on each database, of /auth/me on each, and of plaintext, in turn, %d times",
		p.conns, p.round, p.rounds))
	searches, me := make([][]loadtest.Summary, len(sites)), make([][]loadtest.Summary, len(sites))
	var plainRuns []loadtest.Summary
	for round := range p.rounds {
		for i, s := range sites {
			s.clk.Set(bookingtest.RegionNow)
			rngs := make([]*rand.Rand, p.conns)
			for c := range rngs {
				rngs[c] = rand.New(rand.NewPCG(bookingtest.RegionSeed, uint64(100*round+c)))
			}
			searches[i] = append(searches[i], loadtest.Run(ctx, p.conns, p.round, 0, func(ctx context.Context, c int) error {
				_, q := carerSearch(s.w, rngs[c])
				_, err := s.api.Availability(ctx, q.PersonID, q.Arrive, q.Depart)
				return err
			}))
			me[i] = append(me[i], loadtest.Run(ctx, p.conns, p.round, 0, func(ctx context.Context, _ int) error { return s.api.Me(ctx) }))
		}
		plainRuns = append(plainRuns, loadtest.Run(ctx, p.conns, p.round, 0, func(ctx context.Context, _ int) error { return plain.Get(ctx, "/") }))
	}
	for i, s := range sites {
		sum, ref := loadtest.Combine(searches[i]...), loadtest.Combine(me[i]...)
		t.Logf("%s: searches %v; /auth/me %v", s.label, sum, ref)
		h.add(figure{
			name: fmt.Sprintf("Availability over HTTP, %d connections", p.conns), where: s.label,
			value: sum.PerSecond(), err: errors.Join(sum.Err(), ref.Err()),
			text: fmt.Sprintf("%s searches/s (p50 %s ms, p95 %s ms); GET /api/v1/auth/me in the same rounds: %s req/s (p95 %s ms), so one search costs as much as %s of those",
				thousands(sum.PerSecond()), msText(sum.Percentile(50)), msText(sum.Percentile(95)), thousands(ref.PerSecond()), msText(ref.Percentile(95)),
				thousands(ref.PerSecond()/max(sum.PerSecond(), 1e-9))),
		})
	}
	ref := loadtest.Combine(plainRuns...)
	t.Logf("plaintext: %v", ref)
	h.add(figure{
		name: fmt.Sprintf("Reference: plaintext Fiber app, %d connections", p.conns), where: "in the same rounds",
		value: ref.PerSecond(), err: ref.Err(),
		text: fmt.Sprintf("%s req/s (p95 %s ms)", thousands(ref.PerSecond()), msText(ref.Percentile(95))),
	})
}

// holdAndConfirm measures bookings per second over HTTP, each a hold and
// its confirmation, from several clients at once, in rounds alternating
// with pgbench's TPC-B on the same PostgreSQL cluster, and reports their
// ratio.
func (h *harness) holdAndConfirm(s *site, bench *loadtest.Pgbench) {
	t, p := h.t, h.plan
	ctx := context.Background()
	name := fmt.Sprintf("Hold + confirm over HTTP, %d clients, ÷ pgbench TPC-B TPS (scale %d, %d clients)", p.holdClients, p.pgbenchScale, p.holdClients)
	h.step(fmt.Sprintf("hold + confirm over HTTP, %s, %d clients: %v of it, then %d s of pgbench, %d times", s.label, p.holdClients, p.holdRound, p.pgbenchSeconds, p.holdRounds))
	s.clk.Set(bookingtest.RegionNow)
	pool := s.people.stays(t, 4000)
	key := strconv.FormatInt(time.Now().UnixNano(), 36)
	var next atomic.Int64
	var runs []loadtest.Summary
	var tps []float64
	var benchErr error
	for range p.holdRounds {
		runs = append(runs, loadtest.Run(ctx, p.holdClients, p.holdRound, 0, func(ctx context.Context, _ int) error {
			i := int(next.Add(1)) - 1
			if i >= len(pool) {
				return fmt.Errorf("all %d stays found beforehand are booked: find more", len(pool))
			}
			_, err := s.api.HoldAndConfirm(ctx, pool[i], fmt.Sprintf("harness-%s-%d", key, i))
			return err
		}))
		if bench != nil && benchErr == nil {
			r, err := bench.Run(ctx, p.holdClients, p.pgbenchSeconds)
			if err != nil {
				benchErr = err
				continue
			}
			t.Logf("pgbench at scale %d: %d transactions, %.0f TPS", r.Scale, r.Transactions, r.TPS)
			if r.Scale != p.pgbenchScale {
				benchErr = fmt.Errorf("pgbench ran at scale %d, want %d", r.Scale, p.pgbenchScale)
			}
			tps = append(tps, r.TPS)
		}
	}
	sum := loadtest.Combine(runs...)
	t.Logf("hold + confirm: %v", sum)
	f := figure{name: name, where: s.label, goal: atLeast(0.30, ""), err: errors.Join(sum.Err(), benchErr)}
	if bench == nil {
		f.skipped = "pgbench: " + h.noPgbench
		f.text = fmt.Sprintf("not measured (%s); %s bookings/s (p95 %s ms)", h.noPgbench, thousands(sum.PerSecond()), msText(sum.Percentile(95)))
		if sum.PerSecond() <= 0 {
			f.err = errors.Join(f.err, errors.New("no booking was made"))
		}
	} else if len(tps) > 0 {
		var mean float64
		for _, x := range tps {
			mean += x
		}
		mean /= float64(len(tps))
		f.value = sum.PerSecond() / mean
		f.text = fmt.Sprintf("%.3f: %s bookings/s (p50 %s ms, p95 %s ms) ÷ %s TPS",
			f.value, thousands(sum.PerSecond()), msText(sum.Percentile(50)), msText(sum.Percentile(95)), thousands(mean))
	}
	h.add(f)
}

// race measures the contested race: raceClients carers' holds on the same
// bed's nights at once, one of which wins; the figure is how long the
// losers wait to be told.
func (h *harness) race(sites []*site) {
	t, p := h.t, h.plan
	ctx := context.Background()
	for _, s := range sites {
		h.step(fmt.Sprintf("contested race, %s: %d clients hold one bed's nights at once, %d times", s.label, p.raceClients, p.raceRounds))
		s.clk.Set(bookingtest.RegionNow)
		racer := loadtest.NewClient(s.url, s.token, p.raceClients)
		if err := racer.Warm(ctx, p.raceClients); err != nil {
			t.Fatal(err)
		}
		var losers []time.Duration
		var problems []error
		winners := 0
		for range p.raceRounds {
			stays := s.people.race(t)
			r := racer.Race(ctx, stays)
			losers = append(losers, r.Losers...)
			problems = append(problems, r.Errors...)
			winners += r.Winners
			if r.Winners != 1 {
				problems = append(problems, fmt.Errorf("%d of %d holds on the same nights won, want 1", r.Winners, len(stays)))
			}
			if r.WinnerHold != "" {
				if err := s.api.Release(ctx, r.WinnerHold); err != nil {
					problems = append(problems, err)
				}
			}
		}
		racer.Close()
		sum := loadtest.Summarize(losers, len(problems), errors.Join(problems...), 0)
		h.add(figure{
			name: fmt.Sprintf("Contested race, %d clients, one bed: losing request, p99", p.raceClients), where: s.label, goal: atMost(50, "ms"),
			value: msOf(sum.Percentile(99)), err: sum.Err(),
			text: fmt.Sprintf("%s ms (p50 %s ms; %d losers in %d races, %d winners)", msText(sum.Percentile(99)), msText(sum.Percentile(50)), sum.OK, p.raceRounds, winners),
		})
	}
}

// process adds the figures scripts/bench.sh measured on the respite binary
// before the run, which it passes in the file RESPITE_BENCH_PROCESS names
// (lines of key=value).
func (h *harness) process() {
	path := os.Getenv("RESPITE_BENCH_PROCESS")
	names := []struct {
		name, key string
		goal      goal
		scale     float64
		unit      string
	}{
		{"Memory (RSS), idle, SQLite", "idle_rss_kb", atMost(40, "MB"), 1.0 / 1024, "MB"},
		{"Memory (RSS) after 1,000 requests, SQLite", "loaded_rss_kb", atMost(60, "MB"), 1.0 / 1024, "MB"},
		{"Cold start to a 200 from /readyz, SQLite", "start_ms", atMost(1000, "ms"), 1, "ms"},
	}
	if path == "" {
		for _, n := range names {
			h.add(figure{name: n.name, where: "respite serve", goal: n.goal, skipped: "no process", text: "not measured: scripts/bench.sh measures it"})
		}
		return
	}
	vals, err := readKeyValues(path)
	for _, n := range names {
		f := figure{name: n.name, where: "respite serve", goal: n.goal, err: err}
		if err == nil {
			v, perr := strconv.ParseFloat(vals[n.key], 64)
			if perr != nil {
				f.err = fmt.Errorf("%s: %s: %w", path, n.key, perr)
			}
			f.value = v * n.scale
			f.text = fmt.Sprintf("%s %s", thousands(f.value), n.unit)
			if n.unit == "MB" {
				f.text = fmt.Sprintf("%.1f MB", f.value)
			}
			switch n.key {
			case "loaded_rss_kb":
				f.text += fmt.Sprintf(" (after %s requests: %s)", vals["requests"], vals["request_mix"])
			case "start_ms":
				f.text += fmt.Sprintf(" on a migrated database with the demo data; %s ms on a new one, migrating it", vals["first_start_ms"])
			}
		}
		h.add(f)
	}
}

func readKeyValues(path string) (map[string]string, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	vals := map[string]string{}
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			vals[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return vals, sc.Err()
}

// figure is one row of the table.
type figure struct {
	name, where string
	goal        goal
	// value is what the goal is checked against, in its unit.
	value float64
	text  string // the measured column
	err   error
	// skipped says why the figure was not measured, when it was not.
	skipped string
}

// goal is a figure's target: at most or at least limit; none when limit is
// zero.
type goal struct {
	most  bool
	limit float64
	unit  string
}

func atMost(limit float64, unit string) goal  { return goal{true, limit, unit} }
func atLeast(limit float64, unit string) goal { return goal{false, limit, unit} }

func (g goal) String() string {
	if g.limit == 0 {
		return "—"
	}
	op := "≥"
	if g.most {
		op = "≤"
	}
	v := strconv.FormatFloat(g.limit, 'f', -1, 64)
	if g.unit == "ms" && g.limit >= 1000 {
		v, g.unit = strconv.FormatFloat(g.limit/1000, 'f', -1, 64), "s"
	}
	if g.limit < 1 {
		v = fmt.Sprintf("%.2f", g.limit)
	}
	return strings.TrimSpace(fmt.Sprintf("%s %s %s", op, v, g.unit))
}

func (f figure) met() string {
	switch {
	case f.err != nil:
		return "error"
	case f.skipped != "", f.goal.limit == 0:
		return ""
	case f.goal.most && f.value <= f.goal.limit, !f.goal.most && f.value >= f.goal.limit:
		return "yes"
	}
	return "**no**"
}

func (h *harness) add(f figure) {
	if f.err != nil {
		f.text = "error: " + strings.ReplaceAll(f.err.Error(), "\n", " ")
	}
	h.t.Logf("  %s, %s: %s", f.name, f.where, f.text)
	h.figures = append(h.figures, f)
}

// table is the figures as markdown, with what they were measured on.
func (h *harness) table() string {
	var b strings.Builder
	m := h.machine
	pg := "not measured (DATABASE_URL named no server)"
	if m.Postgres != "" {
		pg = m.Postgres
	}
	fmt.Fprintf(&b, "Measured on %s at commit `%s`, on %s (%d cores, kernel %s), %s, PostgreSQL %s. ",
		time.Now().UTC().Format("2006-01-02"), m.Commit, m.CPU, m.Cores, m.Kernel, m.Go, pg)
	fmt.Fprintf(&b, "Load average %s at the start and %s at the end. ", h.loadAtStart, loadtest.LoadAverage())
	fmt.Fprintf(&b, "The Go harness took %s, %s of it seeding", minutes(h.took), minutes(h.seeding))
	if since, err := strconv.ParseInt(os.Getenv("RESPITE_BENCH_STARTED"), 10, 64); err == nil {
		fmt.Fprintf(&b, "; scripts/bench.sh had been running for %s when it wrote this", minutes(time.Since(time.Unix(since, 0))))
	}
	b.WriteString(".\n\n| figure | where | goal | measured | goal met |\n|---|---|---|---|---|\n")
	for _, f := range h.figures {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", f.name, f.where, f.goal, f.text, f.met())
	}
	b.WriteString("\nSeeded:\n\n")
	for _, s := range h.sites {
		for _, n := range s.w.Notes {
			fmt.Fprintf(&b, "- %s, %s: %s\n", s.scale.Name, s.label, n)
		}
	}
	return b.String()
}

func minutes(d time.Duration) string {
	d = d.Round(time.Second)
	if d < time.Minute {
		return d.String()
	}
	return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// msText is a duration in milliseconds to two significant figures or so.
func msText(d time.Duration) string {
	v := msOf(d)
	switch {
	case v >= 100:
		return thousands(v)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// thousands is v rounded, with commas: 12,345.
func thousands(v float64) string {
	s := strconv.FormatFloat(v, 'f', 0, 64)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// people are the people added to a region for bookings and races, with no
// stays of their own, who suit any bed for adults (they have no particular
// needs); and the beds that suit them.
type people struct {
	w       *bookingtest.Region
	racers  []booking.Person // one for each client of a race
	bookers []booking.Person // whom the hold-and-confirm stays are for
	// busy marks the bookers' nights taken; used counts them.
	busy [][]bool
	used []int
	beds []int // indexes into w.Beds of beds for adults with no needs
	r    *rand.Rand
}

// newPeople adds racers + bookers people with no particular needs to the
// site's region.
func newPeople(t *testing.T, s *site, racers, bookers int) *people {
	t.Helper()
	var homes []providers.Provider
	if err := s.db.NewSelect().Model(&homes).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	adults := map[int64]bool{}
	for _, h := range homes {
		adults[h.ID] = h.Active && slices.Contains(h.AgeGroups, "adults")
	}
	ps := &people{w: s.w, r: rand.New(rand.NewPCG(bookingtest.RegionSeed, 9))}
	for i, b := range s.w.Beds {
		if adults[b.ProviderID] && b.Active && !b.EmergencyReserved && (b.BedType == "residential" || b.BedType == "nursing") {
			ps.beds = append(ps.beds, i)
		}
	}
	if len(ps.beds) == 0 {
		t.Fatalf("%s: no bed in the region suits an adult with no particular needs", s.label)
	}
	added := s.w.AddPeople(t, bookingtest.Profile{}, racers+bookers)
	ps.racers, ps.bookers = added[:racers], added[racers:]
	ps.busy, ps.used = make([][]bool, bookers), make([]int, bookers)
	for i := range ps.busy {
		ps.busy[i] = make([]bool, bookingtest.RegionNights)
	}
	return ps
}

// Stays start no sooner than firstNight nights into the seeded year: from
// April, in one allowance year (the carers' years start in April). Each
// booker has at most maxNights of them, well within what is left of their
// carer's allowance.
const (
	firstNight = 35
	maxNights  = 40
)

// bedNights finds a bed for adults free on 2 nights, marks them taken and
// returns the bed's index and the first night.
func (ps *people) bedNights(t *testing.T) (int, int) {
	for range 100_000 {
		bi, night := ps.beds[ps.r.IntN(len(ps.beds))], firstNight+ps.r.IntN(bookingtest.RegionNights-firstNight-2)
		if ps.w.BedBusy[bi][night] || ps.w.BedBusy[bi][night+1] {
			continue
		}
		ps.w.BedBusy[bi][night], ps.w.BedBusy[bi][night+1] = true, true
		return bi, night
	}
	t.Fatal("found no bed free for 2 nights")
	return 0, 0
}

func (ps *people) stay(p booking.Person, bi, night int) loadtest.Stay {
	arrive := bookingtest.RegionFirstNight.AddDays(night)
	return loadtest.Stay{PersonID: p.ID, PlaceKind: booking.PlaceBed, PlaceID: ps.w.Beds[bi].ID, Arrive: arrive, Depart: arrive.AddDays(2)}
}

// stays finds up to n 2-night stays that can all be booked: each at a bed
// free on its nights, for a booker with nothing else on them.
func (ps *people) stays(t *testing.T, n int) []loadtest.Stay {
	var out []loadtest.Stay
	for len(out) < n {
		bi, night := ps.bedNights(t)
		found := false
		for range 50 {
			k := ps.r.IntN(len(ps.bookers))
			if ps.used[k]+2 > maxNights || ps.busy[k][night] || ps.busy[k][night+1] {
				continue
			}
			ps.busy[k][night], ps.busy[k][night+1] = true, true
			ps.used[k] += 2
			out = append(out, ps.stay(ps.bookers[k], bi, night))
			found = true
			break
		}
		if !found {
			break // the bookers are nearly full
		}
	}
	if len(out) == 0 {
		t.Fatal("found no stay to book")
	}
	return out
}

// race is the same bed's 2 free nights for every racer. The racers have
// no stays, and the winner's hold is let go after each race, so they are
// always free.
func (ps *people) race(t *testing.T) []loadtest.Stay {
	bi, night := ps.bedNights(t)
	out := make([]loadtest.Stay, len(ps.racers))
	for i, p := range ps.racers {
		out[i] = ps.stay(p, bi, night)
	}
	return out
}

// newPgbench makes an empty database for pgbench on the test cluster.
func newPgbench(t *testing.T) (*loadtest.Pgbench, error) {
	path, err := loadtest.FindPgbench()
	if err != nil {
		return nil, err
	}
	u, err := loadtest.LibpqURL(dbtest.EmptyPostgresURL(t))
	if err != nil {
		return nil, err
	}
	return &loadtest.Pgbench{Path: path, URL: u}, nil
}
