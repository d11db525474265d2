package booking_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/redisstore"
	"github.com/respite-uk/respite/sharedlives"
)

// The benchmarks run on a region's worth of data, seeded in bulk (through
// the services it would take far too long): a year of bookings at 200 homes
// and with 120 shared-lives hosts around Leeds. docs/benchmarks.md has the
// figures and how to run them.
const (
	benchSeed        = 20270301 // fixed, so every run seeds the same region
	benchHomes       = 200
	benchBedsPerHome = 10
	benchCarers      = 2000 // each caring for one person
	benchHosts       = 120  // shared-lives hosts, most approved
	benchLiveHolds   = 300
	// benchNights is the seeded year: nights from benchFirstNight, the day
	// after the fixture's clock, to 28 February 2028, within the 365-day
	// horizon for a stay's start.
	benchNights = 364
	// benchHoldPool is how many free stays BenchmarkHoldAndConfirm finds
	// before the timer starts; beyond that it cancels and books them again.
	benchHoldPool = 200
)

var benchFirstNight = calendar.Date{Year: 2027, Month: time.March, Day: 2}

// benchProfile is a kind of person cared for, with how common it is.
type benchProfile struct {
	weight       int
	child        bool
	needs        []string
	requirements []string
}

// benchProfiles: most people in respite care have dementia; "dementia and
// a hoist" (the first) is the typical search BenchmarkAvailability makes.
var benchProfiles = []benchProfile{
	{15, false, []string{"dementia"}, []string{"hoist"}},
	{25, false, []string{"dementia"}, nil},
	{10, false, []string{"dementia", "nursing_care"}, []string{"hoist", "profiling_bed"}},
	{10, false, []string{"nursing_care"}, []string{"pressure_relief_mattress"}},
	{10, false, []string{"physical_disability"}, []string{"wheelchair_access", "level_access_shower"}},
	{8, false, []string{"learning_disability"}, nil},
	{5, false, []string{"mental_health"}, []string{"non_smoking"}},
	{4, false, []string{"acquired_brain_injury"}, []string{"ground_floor"}},
	{3, false, []string{"end_of_life", "nursing_care"}, []string{"en_suite"}},
	{3, false, nil, nil},
	{4, true, []string{"autism", "learning_disability"}, nil},
	{3, true, []string{"epilepsy"}, []string{"en_suite"}},
}

// benchRegion is a seeded database and what the seeding put in it.
type benchRegion struct {
	db     *bun.DB
	beds   []providers.Bed
	carers []booking.Carer
	people []booking.Person
	// typical are the indexes of people with the typical profile.
	typical []int
	// bedBusy and personBusy mark, by index and night, the nights booked or
	// held.
	bedBusy, personBusy [][]bool
	bookings, nights    int
	hostNights          int
	// notes say how seeding went. The first sub-benchmark logs them: a
	// benchmark with sub-benchmarks shows its own log only with -v.
	notes  []string
	logged bool
}

// logNotes logs how seeding went, once per region.
func (w *benchRegion) logNotes(b *testing.B) {
	b.Helper()
	if !w.logged {
		for _, n := range w.notes {
			b.Log(n)
		}
		w.logged = true
	}
}

// seedRegion fills db with the region. It runs once per database per
// benchmark, before the timed sub-benchmarks.
func seedRegion(b *testing.B, db *bun.DB) *benchRegion {
	b.Helper()
	start := time.Now()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(benchSeed, 1))
	now := london("2027-03-01 10:00").UTC() // newFixture's clock
	w := &benchRegion{db: db}

	// Homes, each with a block contract and ten beds.
	var homes []providers.Provider
	var contracts []providers.Contract
	for i := range benchHomes {
		h := providers.Provider{
			ID: int64(i + 1), Name: fmt.Sprintf("Home %03d", i+1), Address: fmt.Sprintf("%d Test Road, Leeds", i+1),
			Postcode: fmt.Sprintf("LS%d 4AP", 1+r.IntN(29)), Phone: fmt.Sprintf("+441134960%03d", i),
			Latitude: 53.6 + 0.4*r.Float64(), Longitude: -1.8 + 0.5*r.Float64(),
			BedTypes: []string{"residential"}, AgeGroups: []string{"adults"}, Active: true, CreatedAt: now, UpdatedAt: now,
		}
		if r.IntN(100) < 6 {
			// A children's unit.
			h.AgeGroups = []string{"children"}
			h.Specialisms = pick(r, []string{"learning_disability", "autism", "epilepsy", "physical_disability", "sensory_impairment"}, 2+r.IntN(2))
		} else {
			dementia, nursing := r.IntN(100) < 55, r.IntN(100) < 45
			if dementia {
				h.Specialisms = append(h.Specialisms, "dementia")
				h.BedTypes = append(h.BedTypes, "residential_dementia")
			}
			if nursing {
				h.BedTypes = append(h.BedTypes, "nursing")
			}
			if dementia && nursing {
				h.BedTypes = append(h.BedTypes, "nursing_dementia")
			}
			others := []string{"learning_disability", "physical_disability", "mental_health", "autism", "epilepsy", "acquired_brain_injury", "sensory_impairment", "end_of_life"}
			h.Specialisms = append(h.Specialisms, pick(r, others, 1+r.IntN(3))...)
		}
		homes = append(homes, h)
		contracts = append(contracts, providers.Contract{
			ID: h.ID, ProviderID: h.ID, Kind: "block", Reference: fmt.Sprintf("BENCH-%03d", i+1),
			StartsOn: calendar.Date{Year: 2027, Month: time.January, Day: 1}, EndsOn: calendar.Date{Year: 2028, Month: time.December, Day: 31},
			NightlyRatePence: int64(12000 + 500*r.IntN(20)), CreatedAt: now, UpdatedAt: now,
		})
		for j := range benchBedsPerHome {
			var features []string
			for _, f := range []struct {
				name string
				pct  int
			}{{"hoist", 50}, {"wheelchair_access", 60}, {"ground_floor", 40}, {"en_suite", 50}, {"level_access_shower", 35}, {"profiling_bed", 40}, {"pressure_relief_mattress", 40}, {"hearing_loop", 20}} {
				if r.IntN(100) < f.pct {
					features = append(features, f.name)
				}
			}
			w.beds = append(w.beds, providers.Bed{
				ID: int64(len(w.beds) + 1), ProviderID: h.ID, ContractID: h.ID, Label: fmt.Sprintf("Room %d", j+1),
				BedType: h.BedTypes[r.IntN(len(h.BedTypes))], Features: nonNilStrings(features),
				EmergencyReserved: r.IntN(100) < 5, Active: true, CreatedAt: now, UpdatedAt: now,
			})
		}
	}

	// Carers around Leeds, each with one person. Their allowance is the
	// whole year: 60% of 2,000 beds for a year is about 220 nights for each
	// of 2,000 people, far beyond any real allowance, and the benchmarks
	// measure the work of the checks, not refusals.
	totalWeight := 0
	for _, p := range benchProfiles {
		totalWeight += p.weight
	}
	for i := range benchCarers {
		// Ofcom's drama ranges (07700 900xxx, 0113 496 0xxx): no real
		// person answers them.
		mobile := fmt.Sprintf("+447700900%03d", i)
		if i >= 1000 {
			mobile = fmt.Sprintf("+441134960%03d", i-1000)
		}
		c := booking.Carer{
			ID: int64(i + 1), Name: fmt.Sprintf("Carer %04d", i+1), Mobile: mobile, Postcode: fmt.Sprintf("LS%d 7EW", 1+r.IntN(29)),
			Latitude: 53.7 + 0.2*r.Float64(), Longitude: -1.7 + 0.3*r.Float64(),
			AllowanceNights: 365, AllowanceYearStarts: calendar.Date{Year: 2026, Month: time.April, Day: 1},
			EmergencyContactName: "Alex", CreatedAt: now, UpdatedAt: now,
		}
		w.carers = append(w.carers, c)
		n := r.IntN(totalWeight)
		var prof benchProfile
		for k, p := range benchProfiles {
			if n -= p.weight; n < 0 {
				prof = p
				if k == 0 {
					w.typical = append(w.typical, i)
				}
				break
			}
		}
		born := calendar.Date{Year: 1925 + r.IntN(50), Month: time.Month(1 + r.IntN(12)), Day: 1 + r.IntN(28)}
		if prof.child {
			born.Year = 2011 + r.IntN(10)
		}
		w.people = append(w.people, booking.Person{
			ID: c.ID, CarerID: c.ID, Name: fmt.Sprintf("Person %04d", i+1), DateOfBirth: born,
			Needs: nonNilStrings(prof.needs), Requirements: nonNilStrings(prof.requirements), CreatedAt: now, UpdatedAt: now,
		})
	}

	// Shared-lives hosts: most approved and taking short breaks, each with
	// spells of available dates through the year; a third have not
	// confirmed their calendar for over 60 days.
	var hosts []sharedlives.Host
	var ranges []sharedlives.Range
	hostAvailable := busyGrid(benchHosts)
	for i := range benchHosts {
		h := sharedlives.Host{
			ID: int64(i + 1), Name: fmt.Sprintf("Host%03d Family", i+1), Mobile: fmt.Sprintf("+441144960%03d", i), // a drama range
			Postcode: fmt.Sprintf("LS%d 2AB", 1+r.IntN(29)), Latitude: 53.65 + 0.3*r.Float64(), Longitude: -1.75 + 0.4*r.Float64(),
			Capacity: 1 + r.IntN(2), Skills: pick(r, sharedlives.Skills, 2+r.IntN(4)), HomeFacts: pick(r, sharedlives.HomeFacts, r.IntN(4)),
			AgeGroups: []string{"adults"}, Status: sharedlives.StatusApproved, CreatedAt: now, UpdatedAt: now,
		}
		switch n := r.IntN(100); {
		case n < 10:
			h.AgeGroups = []string{"children"}
		case n < 15:
			h.AgeGroups = []string{"children", "adults"}
		}
		if r.IntN(100) < 80 {
			h.Offers = append(h.Offers, sharedlives.OfferShortBreak)
		}
		if r.IntN(100) < 30 || h.Offers == nil {
			h.Offers = append(h.Offers, sharedlives.OfferEmergency)
		}
		if r.IntN(100) < 15 {
			h.Status = []string{sharedlives.StatusApplicant, sharedlives.StatusSuspended, sharedlives.StatusLeft}[r.IntN(3)]
		} else {
			approved := calendar.Date{Year: 2025, Month: time.Month(1 + r.IntN(12)), Day: 1 + r.IntN(28)}
			review := benchFirstNight.AddDays(60 + r.IntN(400))
			h.ApprovedOn, h.ReviewDue = &approved, &review
		}
		confirmed := now.Add(-time.Duration(r.IntN(90*24)) * time.Hour)
		h.AvailabilityConfirmedAt = &confirmed
		hosts = append(hosts, h)
		for night := r.IntN(30); night < benchNights; {
			n := min(7+r.IntN(36), benchNights-night)
			ranges = append(ranges, sharedlives.Range{ID: int64(len(ranges) + 1), HostID: h.ID, StartsOn: benchFirstNight.AddDays(night), EndsOn: benchFirstNight.AddDays(night + n - 1)})
			for k := range n {
				hostAvailable[i][night+k] = true
			}
			night += n + 7 + r.IntN(54)
		}
	}

	// A year of stays: at each bed, stays of 2 to 7 nights with gaps of 0
	// to 6 nights between (about 60% of nights booked), each for someone
	// with no other stay on those nights. Whether the bed suits them does
	// not change the cost of anything measured, so it is not checked.
	w.bedBusy, w.personBusy = busyGrid(len(w.beds)), busyGrid(len(w.people))
	var bookings []booking.Booking
	var nights []booking.Night
	for bi, bed := range w.beds {
		for night := r.IntN(4); night+2 <= benchNights; night += r.IntN(7) {
			n := min(2+r.IntN(6), benchNights-night)
			pi := w.freePerson(r, night, n)
			if pi < 0 {
				night += n
				continue
			}
			p := w.people[pi]
			kind := booking.KindPlanned
			if bed.EmergencyReserved {
				kind = booking.KindEmergency
			}
			created := now.Add(-time.Duration(1+r.IntN(90*24)) * time.Hour)
			bk := booking.Booking{
				ID: int64(len(bookings) + 1), Reference: fmt.Sprintf("S%06d", len(bookings)+1), // never clashes with "ABC-DEF"
				Status: booking.StatusConfirmed, Kind: kind, PersonID: p.ID, CarerID: p.CarerID,
				PlaceKind: booking.PlaceBed, PlaceID: bed.ID, Arrive: benchFirstNight.AddDays(night), Depart: benchFirstNight.AddDays(night + n),
				Nights: n, NightlyRatePence: contracts[bed.ContractID-1].NightlyRatePence,
				CreatedByKind: "carer", CreatedByID: p.CarerID, CreatedAt: created, UpdatedAt: created,
			}
			bookings = append(bookings, bk)
			for k := range n {
				nights = append(nights, booking.Night{PlaceKind: booking.PlaceBed, PlaceID: bed.ID, Night: benchFirstNight.AddDays(night + k), BookingID: bk.ID, PersonID: p.ID})
				w.bedBusy[bi][night+k], w.personBusy[pi][night+k] = true, true
			}
			night += n
		}
	}
	// Guests at approved hosts, in each slot, on about half the nights
	// they are available.
	for hi, h := range hosts {
		if h.Status != sharedlives.StatusApproved {
			continue
		}
		for slot := range h.Capacity {
			for night := r.IntN(4); night+2 <= benchNights; night += r.IntN(7) {
				n := min(2+r.IntN(6), benchNights-night)
				pi := -1
				if !slices.Contains(hostAvailable[hi][night:night+n], false) {
					pi = w.freePerson(r, night, n)
				}
				if pi < 0 {
					night++
					continue
				}
				p := w.people[pi]
				created := now.Add(-time.Duration(1+r.IntN(90*24)) * time.Hour)
				bk := booking.Booking{
					ID: int64(len(bookings) + 1), Reference: fmt.Sprintf("S%06d", len(bookings)+1),
					Status: booking.StatusConfirmed, Kind: booking.KindPlanned, PersonID: p.ID, CarerID: p.CarerID,
					PlaceKind: booking.PlaceHost, PlaceID: h.ID, Arrive: benchFirstNight.AddDays(night), Depart: benchFirstNight.AddDays(night + n),
					Nights: n, CreatedByKind: "carer", CreatedByID: p.CarerID, CreatedAt: created, UpdatedAt: created,
				}
				bookings = append(bookings, bk)
				for k := range n {
					nights = append(nights, booking.Night{PlaceKind: booking.PlaceHost, PlaceID: h.ID, Night: benchFirstNight.AddDays(night + k), Slot: slot, BookingID: bk.ID, PersonID: p.ID})
					w.personBusy[pi][night+k] = true
				}
				w.hostNights += n
				night += n
			}
		}
	}
	w.bookings, w.nights = len(bookings), len(nights)

	// Live holds on free nights: the fixture's clock stands still, so they
	// stay live for the whole run.
	var holds []booking.Hold
	for len(holds) < benchLiveHolds {
		bi, night, n := r.IntN(len(w.beds)), r.IntN(benchNights-3), 1+r.IntN(3)
		if w.beds[bi].EmergencyReserved || slices.Contains(w.bedBusy[bi][night:night+n], true) {
			continue
		}
		pi := w.freePerson(r, night, n)
		if pi < 0 {
			continue
		}
		p := w.people[pi]
		holds = append(holds, booking.Hold{
			ID: fmt.Sprintf("%024x", r.Uint64()), PersonID: p.ID, CarerID: p.CarerID, PlaceKind: booking.PlaceBed, PlaceID: w.beds[bi].ID,
			Arrive: benchFirstNight.AddDays(night), Depart: benchFirstNight.AddDays(night + n),
			CreatedByKind: "carer", CreatedByID: p.CarerID, CreatedAt: now.Add(-2 * time.Minute), ExpiresAt: now.Add(8 * time.Minute),
		})
		for k := range n {
			w.bedBusy[bi][night+k], w.personBusy[pi][night+k] = true, true
		}
	}

	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, rows := range []any{&homes, &contracts, &w.beds, &w.carers, &w.people, &hosts, &ranges} {
			if _, err := tx.NewInsert().Model(rows).Exec(ctx); err != nil {
				return err
			}
		}
		if err := insertInBatches(ctx, tx, bookings, 1000); err != nil {
			return err
		}
		if err := insertInBatches(ctx, tx, nights, 4000); err != nil {
			return err
		}
		return insertInBatches(ctx, tx, holds, 1000)
	})
	if err != nil {
		b.Fatalf("seeding: %v", err)
	}
	took := fmt.Sprint(time.Since(start).Round(time.Millisecond))
	if dbtest.IsPostgres(db) {
		// The ids above were given, not drawn from the sequences; and
		// autovacuum would analyse the new rows some time later, so do it
		// now rather than in the middle of a benchmark.
		for _, table := range []string{"providers", "contracts", "beds", "carers", "people", "hosts", "host_availability", "bookings"} {
			if _, err := db.ExecContext(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT max(id) FROM %s))", table, table)); err != nil {
				b.Fatalf("moving the %s sequence on: %v", table, err)
			}
		}
		vacuum := time.Now()
		if _, err := db.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
			b.Fatalf("analysing: %v", err)
		}
		took = fmt.Sprintf("%v (%v of it in VACUUM ANALYZE)", time.Since(start).Round(time.Millisecond), time.Since(vacuum).Round(time.Millisecond))
	}
	size := "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
	if dbtest.IsPostgres(db) {
		size = "SELECT pg_database_size(current_database())"
	}
	var bytes int64
	if err := db.QueryRowContext(ctx, size).Scan(&bytes); err != nil {
		b.Fatalf("measuring the database: %v", err)
	}
	w.notes = append(w.notes, fmt.Sprintf("seeded %s in %s: %d homes, %d beds, %d carers and people, %d hosts, %d bookings, "+
		"%d booked nights (%.0f%% of bed-nights; %d at hosts), %d live holds; %d MB on disk",
		db.Dialect().Name(), took, len(homes), len(w.beds), len(w.carers), len(hosts), w.bookings,
		w.nights, 100*float64(w.nights-w.hostNights)/float64(len(w.beds)*benchNights), w.hostNights, len(holds), bytes>>20))
	return w
}

// freePerson returns a random person with no stay or hold on n nights
// from night, or -1.
func (w *benchRegion) freePerson(r *rand.Rand, night, n int) int {
	for range 300 {
		pi := r.IntN(len(w.people))
		if !slices.Contains(w.personBusy[pi][night:night+n], true) {
			return pi
		}
	}
	return -1
}

func insertInBatches[T any](ctx context.Context, db bun.IDB, rows []T, size int) error {
	for start := 0; start < len(rows); start += size {
		batch := rows[start:min(start+size, len(rows))]
		if _, err := db.NewInsert().Model(&batch).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

func busyGrid(n int) [][]bool {
	g := make([][]bool, n)
	for i := range g {
		g[i] = make([]bool, benchNights)
	}
	return g
}

// pick returns n different words from ws.
func pick(r *rand.Rand, ws []string, n int) []string {
	ws = slices.Clone(ws)
	r.Shuffle(len(ws), func(i, k int) { ws[i], ws[k] = ws[k], ws[i] })
	return ws[:min(n, len(ws))]
}

func nonNilStrings(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// BenchmarkAvailability measures a carer's search for a 3-night stay from a
// random night of the seeded year, for someone with typical needs (dementia,
// and a hoist), across the region's homes and shared-lives hosts. Searching
// never asks the hold store (held nights are read from the holds table), so
// redis_holds should match local_holds: it is there to show that.
func BenchmarkAvailability(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		w := seedRegion(b, dbtest.SQLite(b))
		b.Run("local_holds", func(b *testing.B) { benchAvailability(b, w, nil) })
	})
	b.Run("postgres", func(b *testing.B) {
		w := seedRegion(b, dbtest.Postgres(b))
		b.Run("local_holds", func(b *testing.B) { benchAvailability(b, w, nil) })
		b.Run("redis_holds", func(b *testing.B) { benchAvailability(b, w, redisHolds(b)) })
	})
}

// redisHolds is a Redis hold store with keys of the benchmark's own.
func redisHolds(b *testing.B) booking.HoldStore {
	rdb, prefix := dbtest.Redis(b)
	return redisstore.NewHoldStore(rdb, prefix)
}

func benchAvailability(b *testing.B, w *benchRegion, holds booking.HoldStore) {
	w.logNotes(b)
	f := newFixture(b, w.db, holds)
	ctx := context.Background()
	search := func(r *rand.Rand) int {
		// A real clock moves on, and the time is in the search's SQL (live
		// holds), so no two searches send the same text. Frozen, it would
		// let pgx's statement cache answer repeats as it never can live.
		f.clk.Set(f.clk.Now().Add(time.Millisecond))
		p := w.people[w.typical[r.IntN(len(w.typical))]]
		arrive := benchFirstNight.AddDays(r.IntN(benchNights - 3))
		got, err := f.svc.Availability(ctx, carerActor(w.carers[p.CarerID-1]), booking.Search{PersonID: p.ID, Arrive: arrive, Depart: arrive.AddDays(3)})
		if err != nil {
			b.Fatalf("search from %s: %v", arrive, err)
		}
		return len(got)
	}
	// Off the clock, warm the caches as a running service's would be.
	warm := rand.New(rand.NewPCG(benchSeed, 4))
	for range 20 {
		search(warm)
	}
	r := rand.New(rand.NewPCG(benchSeed, 2))
	searches, options := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		options += search(r)
		searches++
	}
	b.ReportMetric(float64(options)/float64(searches), "options/op")
}

// benchStay is a stay found free before the timer starts.
type benchStay struct {
	carer          booking.Carer
	person         booking.Person
	bed            int64
	arrive, depart calendar.Date
	booking        int64 // while booked
}

// benchStays hands out free stays in turn, shared by the sub-benchmarks on
// one database.
type benchStays struct {
	stays []benchStay
	next  int
}

// freeStays finds n 2-night stays as a carer would, by searching, at
// different places and nights and for people with nothing else on those
// nights, so that every one of them can be booked in turn.
func (w *benchRegion) freeStays(b *testing.B, n int) *benchStays {
	b.Helper()
	start := time.Now()
	f := newFixture(b, w.db, nil)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(benchSeed, 3))
	pool := &benchStays{}
	for searches := 0; len(pool.stays) < n; searches++ {
		if searches > 20*n {
			b.Fatalf("found only %d free stays in %d searches", len(pool.stays), searches)
		}
		pi, night := r.IntN(len(w.people)), r.IntN(benchNights-2)
		if slices.Contains(w.personBusy[pi][night:night+2], true) {
			continue
		}
		p := w.people[pi]
		arrive := benchFirstNight.AddDays(night)
		opts, err := f.svc.Availability(ctx, duty, booking.Search{PersonID: p.ID, Arrive: arrive, Depart: arrive.AddDays(2)})
		if err != nil {
			b.Fatal(err)
		}
		// The carer takes one of the first few beds, unless an earlier
		// stay in the pool already has it.
		for _, o := range opts[:min(5, len(opts))] {
			bi := int(o.Place.ID - 1)
			if o.Place.Kind != booking.PlaceBed || slices.Contains(w.bedBusy[bi][night:night+2], true) {
				continue
			}
			for k := range 2 {
				w.bedBusy[bi][night+k], w.personBusy[pi][night+k] = true, true
			}
			pool.stays = append(pool.stays, benchStay{carer: w.carers[p.CarerID-1], person: p, bed: o.Place.ID, arrive: arrive, depart: arrive.AddDays(2)})
			break
		}
	}
	w.notes = append(w.notes, fmt.Sprintf("found %d free stays to book in %v", n, time.Since(start).Round(time.Millisecond)))
	return pool
}

// BenchmarkHoldAndConfirm measures booking a free bed for two nights as a
// carer does it: CreateHold, then Confirm.
func BenchmarkHoldAndConfirm(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		w := seedRegion(b, dbtest.SQLite(b))
		pool := w.freeStays(b, benchHoldPool)
		b.Run("local_holds", func(b *testing.B) { benchHoldAndConfirm(b, w, pool, nil) })
	})
	b.Run("postgres", func(b *testing.B) {
		w := seedRegion(b, dbtest.Postgres(b))
		pool := w.freeStays(b, benchHoldPool)
		b.Run("local_holds", func(b *testing.B) { benchHoldAndConfirm(b, w, pool, nil) })
		b.Run("redis_holds", func(b *testing.B) { benchHoldAndConfirm(b, w, pool, redisHolds(b)) })
	})
}

func benchHoldAndConfirm(b *testing.B, w *benchRegion, pool *benchStays, holds booking.HoldStore) {
	w.logNotes(b)
	f := newFixture(b, w.db, holds)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		f.clk.Set(f.clk.Now().Add(time.Millisecond)) // as in benchAvailability
		s := &pool.stays[pool.next%len(pool.stays)]
		pool.next++
		if s.booking != 0 {
			// Every stay in the pool has been booked once: free this one
			// again, off the clock.
			b.StopTimer()
			if _, err := f.svc.Cancel(ctx, duty, s.booking, "Benchmark: freeing the nights to book them again."); err != nil {
				b.Fatalf("cancelling booking %d: %v", s.booking, err)
			}
			b.StartTimer()
		}
		actor := carerActor(s.carer)
		h, err := f.svc.CreateHold(ctx, actor, booking.HoldRequest{PersonID: s.person.ID, Place: booking.Place{Kind: booking.PlaceBed, ID: s.bed}, Arrive: s.arrive, Depart: s.depart})
		if err != nil {
			b.Fatalf("holding bed %d from %s for person %d: %v", s.bed, s.arrive, s.person.ID, err)
		}
		bk, created, err := f.svc.Confirm(ctx, actor, h.ID, "bench-"+h.ID) // the API's clients send an Idempotency-Key
		if err != nil || !created {
			b.Fatalf("confirming hold %s: created %v, %v", h.ID, created, err)
		}
		s.booking = bk.ID
	}
}
