package bookingtest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/sharedlives"
)

// The region is a year of bookings at 200 homes and with 120 shared-lives
// hosts around Leeds, for benchmarks: docs/benchmarks.md describes it. It
// is inserted in bulk with the domain's own bun models (through the
// services it would take far too long), so it is only as valid as this
// file makes it.
const (
	// RegionSeed is the fixed random seed, so every run seeds the same
	// region. Benchmarks draw their own searches from other streams of it.
	RegionSeed = 20270301
	// RegionNights is the seeded year: nights from RegionFirstNight to
	// 28 February 2028, within the 365-day horizon for a stay's start.
	RegionNights = 364
)

// Scale is how big a seeded region is and where its places and people are.
type Scale struct {
	Name        string
	Homes       int
	BedsPerHome int
	Carers      int // each caring for one person
	Hosts       int // shared-lives hosts, most approved
	LiveHolds   int
	// HomesIn, CarersIn and HostsIn are the boxes their places are spread
	// over, evenly.
	HomesIn, CarersIn, HostsIn Box
	// PlacesOnly seeds the places, their calendars and the carers, but no
	// stays or holds: for measuring how a search grows with the number of
	// places, where a year of stays would take hours to seed.
	PlacesOnly bool
}

// Wider is s over a map n times the size, with n times the homes and
// hosts, so that the places near any one point are as many as before:
// each side of its boxes grows by √n, from their south-west corner. Its
// carers stay as many, and it seeds places only.
func (s Scale) Wider(n int) Scale {
	grow := func(b Box) Box {
		k := math.Sqrt(float64(n))
		return Box{South: b.South, West: b.West, North: b.South + (b.North-b.South)*k, East: b.West + (b.East-b.West)*k}
	}
	s.Name = fmt.Sprintf("%s-x%d", s.Name, n)
	s.Homes, s.Hosts, s.LiveHolds, s.PlacesOnly = s.Homes*n, s.Hosts*n, 0, true
	s.HomesIn, s.CarersIn, s.HostsIn = grow(s.HomesIn), grow(s.CarersIn), grow(s.HostsIn)
	return s
}

// Box is the part of the map between two latitudes and two longitudes.
type Box struct{ South, West, North, East float64 }

// at is the point at fractions y (south to north) and x (west to east) of b.
func (b Box) at(y, x float64) (lat, lon float64) {
	return b.South + (b.North-b.South)*y, b.West + (b.East-b.West)*x
}

// Regional is a council's region: 200 homes with 2,000 beds and 120 hosts
// around Leeds, and 2,000 carers. National is England's size: 1,000 homes
// with 10,000 beds and 25,000 hosts, from Cornwall to Northumberland, and
// 30,000 carers, enough to fill them at the same rate. Both are described
// in docs/benchmarks.md.
var (
	Regional = Scale{
		Name: "regional", Homes: 200, BedsPerHome: 10, Carers: 2000, Hosts: 120, LiveHolds: 300,
		HomesIn:  Box{South: 53.6, West: -1.8, North: 54.0, East: -1.3},
		CarersIn: Box{South: 53.7, West: -1.7, North: 53.9, East: -1.4},
		HostsIn:  Box{South: 53.65, West: -1.75, North: 53.95, East: -1.35},
	}
	England  = Box{South: 50.6, West: -3.0, North: 54.9, East: 0.3}
	National = Scale{
		Name: "national", Homes: 1000, BedsPerHome: 10, Carers: 30000, Hosts: 25000, LiveHolds: 1500,
		HomesIn: England, CarersIn: England, HostsIn: England,
	}
)

// RegionFirstNight is the first seeded night, the day after RegionNow.
var RegionFirstNight = calendar.Date{Year: 2027, Month: time.March, Day: 2}

// RegionNow is the time the region is seeded for; services that search it
// should have a clock starting there. Its live holds expire 8 minutes
// later, so a clock that moves on by a millisecond an operation keeps them
// live for the whole of any benchmark.
var RegionNow = time.Date(2027, time.March, 1, 10, 0, 0, 0, calendar.London)

// Profile is a kind of person cared for.
type Profile struct {
	Child        bool
	Needs        []string
	Requirements []string
}

// Typical is the most searched-for profile in the region: dementia, and a
// hoist. Region.Typical lists the seeded people who have it.
var Typical = Profile{Needs: []string{"dementia"}, Requirements: []string{"hoist"}}

// profiles are the region's kinds of people with how common each is. Most
// people in respite care have dementia.
var profiles = []struct {
	weight int
	Profile
}{
	{15, Typical},
	{25, Profile{false, []string{"dementia"}, nil}},
	{10, Profile{false, []string{"dementia", "nursing_care"}, []string{"hoist", "profiling_bed"}}},
	{10, Profile{false, []string{"nursing_care"}, []string{"pressure_relief_mattress"}}},
	{10, Profile{false, []string{"physical_disability"}, []string{"wheelchair_access", "level_access_shower"}}},
	{8, Profile{false, []string{"learning_disability"}, nil}},
	{5, Profile{false, []string{"mental_health"}, []string{"non_smoking"}}},
	{4, Profile{false, []string{"acquired_brain_injury"}, []string{"ground_floor"}}},
	{3, Profile{false, []string{"end_of_life", "nursing_care"}, []string{"en_suite"}}},
	{3, Profile{false, nil, nil}},
	{4, Profile{true, []string{"autism", "learning_disability"}, nil}},
	{3, Profile{true, []string{"epilepsy"}, []string{"en_suite"}}},
}

// Region is a seeded database and what the seeding put in it. Ids start at
// 1 and follow the slices: Beds[i] has id i+1, and Carers[i] cares for
// People[i], both with id i+1.
type Region struct {
	DB     *bun.DB
	Beds   []providers.Bed
	Carers []booking.Carer
	People []booking.Person
	// Typical are the indexes in People of those with the Typical profile.
	Typical []int
	// BedBusy and PersonBusy mark, by index and by night from
	// RegionFirstNight, the nights booked or held. A benchmark that books
	// more marks them too.
	BedBusy, PersonBusy [][]bool
	// Bookings and Nights count the seeded stays and booking_nights rows,
	// HostNights those of them at shared-lives hosts.
	Bookings, Nights, HostNights int
	// Notes say how seeding (and whatever a benchmark adds) went, for
	// LogNotes.
	Notes  []string
	logged bool
}

// LogNotes logs the notes once per region: a benchmark with sub-benchmarks
// shows its own log only with -v, so the first sub-benchmark logs them.
func (w *Region) LogNotes(tb testing.TB) {
	tb.Helper()
	if w.logged {
		return
	}
	for _, n := range w.Notes {
		tb.Log(n)
	}
	w.logged = true
}

// CarerOf returns the carer of p.
func (w *Region) CarerOf(p booking.Person) booking.Carer { return w.Carers[p.CarerID-1] }

// SeedRegion fills db, freshly migrated, with the region: about 10 s on
// SQLite and 15 s on PostgreSQL, so call it once per database, before any
// timer starts. On PostgreSQL it also moves the id sequences on and
// analyses the tables, as autovacuum would soon after.
func SeedRegion(tb testing.TB, db *bun.DB) *Region {
	tb.Helper()
	return Seed(tb, db, Regional)
}

// Seed fills db, freshly migrated, with a region of the given scale, as
// SeedRegion does. National takes a few minutes.
func Seed(tb testing.TB, db *bun.DB, scale Scale) *Region {
	tb.Helper()
	start := time.Now()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(RegionSeed, 1))
	now := RegionNow.UTC()
	w := &Region{DB: db}

	// Homes, each with a block contract and ten beds.
	var homes []providers.Provider
	var contracts []providers.Contract
	for i := range scale.Homes {
		postcode := fmt.Sprintf("LS%d 4AP", 1+r.IntN(29))
		lat, lon := scale.HomesIn.at(r.Float64(), r.Float64())
		h := providers.Provider{
			ID: int64(i + 1), Name: fmt.Sprintf("Home %03d", i+1), Address: fmt.Sprintf("%d Test Road, Leeds", i+1),
			Postcode: postcode, Phone: drama(i, "+441134960%03d", "+4411349%05d"),
			Latitude: lat, Longitude: lon,
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
			NightlyRatePence: int64(12000 + 500*r.IntN(20)), Active: true, CreatedAt: now, UpdatedAt: now,
		})
		for j := range scale.BedsPerHome {
			var features []string
			for _, f := range []struct {
				name string
				pct  int
			}{{"hoist", 50}, {"wheelchair_access", 60}, {"ground_floor", 40}, {"en_suite", 50}, {"level_access_shower", 35}, {"profiling_bed", 40}, {"pressure_relief_mattress", 40}, {"hearing_loop", 20}} {
				if r.IntN(100) < f.pct {
					features = append(features, f.name)
				}
			}
			w.Beds = append(w.Beds, providers.Bed{
				ID: int64(len(w.Beds) + 1), ProviderID: h.ID, ContractID: h.ID, Label: fmt.Sprintf("Room %d", j+1),
				BedType: h.BedTypes[r.IntN(len(h.BedTypes))], Features: nonNil(features),
				EmergencyReserved: r.IntN(100) < 5, Active: true, CreatedAt: now, UpdatedAt: now,
			})
		}
	}

	// Carers around Leeds, each with one person. Their allowance is the
	// whole year: 60% of 2,000 beds for a year is about 220 nights for each
	// of 2,000 people, far beyond any real allowance, and the benchmarks
	// measure the work of the checks, not refusals.
	totalWeight := 0
	for _, p := range profiles {
		totalWeight += p.weight
	}
	for i := range scale.Carers {
		// Ofcom's drama ranges (07700 900xxx, 0113 496 0xxx): no real
		// person answers them.
		mobile := fmt.Sprintf("+447700900%03d", i)
		if i >= 1000 {
			mobile = drama(i-1000, "+441134960%03d", "+4477009%05d")
		}
		postcode := fmt.Sprintf("LS%d 7EW", 1+r.IntN(29))
		lat, lon := scale.CarersIn.at(r.Float64(), r.Float64())
		c := booking.Carer{
			ID: int64(i + 1), Name: fmt.Sprintf("Carer %04d", i+1), Mobile: mobile, Postcode: postcode,
			Latitude: lat, Longitude: lon,
			AllowanceNights: 365, AllowanceYearStarts: calendar.Date{Year: 2026, Month: time.April, Day: 1},
			EmergencyContactName: "Alex", CreatedAt: now, UpdatedAt: now,
		}
		w.Carers = append(w.Carers, c)
		n := r.IntN(totalWeight)
		var prof Profile
		for k, p := range profiles {
			if n -= p.weight; n < 0 {
				prof = p.Profile
				if k == 0 {
					w.Typical = append(w.Typical, i)
				}
				break
			}
		}
		born := calendar.Date{Year: 1925 + r.IntN(50), Month: time.Month(1 + r.IntN(12)), Day: 1 + r.IntN(28)}
		if prof.Child {
			born.Year = 2011 + r.IntN(10)
		}
		w.People = append(w.People, booking.Person{
			ID: c.ID, CarerID: c.ID, Name: fmt.Sprintf("Person %04d", i+1), DateOfBirth: born,
			Needs: nonNil(prof.Needs), Requirements: nonNil(prof.Requirements), CreatedAt: now, UpdatedAt: now,
		})
	}

	// Shared-lives hosts: most approved and taking short breaks, each with
	// spells of available dates through the year; a third have not
	// confirmed their calendar for over 60 days.
	var hosts []sharedlives.Host
	var ranges []sharedlives.Range
	hostAvailable := busyGrid(scale.Hosts)
	for i := range scale.Hosts {
		postcode := fmt.Sprintf("LS%d 2AB", 1+r.IntN(29))
		lat, lon := scale.HostsIn.at(r.Float64(), r.Float64())
		h := sharedlives.Host{
			ID: int64(i + 1), Name: fmt.Sprintf("Host%03d Family", i+1), Mobile: drama(i, "+441144960%03d", "+441144%06d"),
			Postcode: postcode, Latitude: lat, Longitude: lon,
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
			review := RegionFirstNight.AddDays(60 + r.IntN(400))
			h.ApprovedOn, h.ReviewDue = &approved, &review
		}
		confirmed := now.Add(-time.Duration(r.IntN(90*24)) * time.Hour)
		h.AvailabilityConfirmedAt = &confirmed
		hosts = append(hosts, h)
		for night := r.IntN(30); night < RegionNights; {
			n := min(7+r.IntN(36), RegionNights-night)
			ranges = append(ranges, sharedlives.Range{ID: int64(len(ranges) + 1), HostID: h.ID, StartsOn: RegionFirstNight.AddDays(night), EndsOn: RegionFirstNight.AddDays(night + n - 1)})
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
	w.BedBusy, w.PersonBusy = busyGrid(len(w.Beds)), busyGrid(len(w.People))
	var bookings []booking.Booking
	var nights []booking.Night
	bookedBeds, bookedHosts := w.Beds, hosts
	if scale.PlacesOnly {
		bookedBeds, bookedHosts = nil, nil
	}
	for bi, bed := range bookedBeds {
		for night := r.IntN(4); night+2 <= RegionNights; night += r.IntN(7) {
			n := min(2+r.IntN(6), RegionNights-night)
			pi := w.freePerson(r, night, n)
			if pi < 0 {
				night += n
				continue
			}
			p := w.People[pi]
			kind := booking.KindPlanned
			if bed.EmergencyReserved {
				kind = booking.KindEmergency
			}
			created := now.Add(-time.Duration(1+r.IntN(90*24)) * time.Hour)
			bk := booking.Booking{
				ID: int64(len(bookings) + 1), Reference: fmt.Sprintf("S%06d", len(bookings)+1), // never clashes with "ABC-DEF"
				Status: booking.StatusConfirmed, Kind: kind, PersonID: p.ID, CarerID: p.CarerID,
				PlaceKind: booking.PlaceBed, PlaceID: bed.ID, Arrive: RegionFirstNight.AddDays(night), Depart: RegionFirstNight.AddDays(night + n),
				Nights: n, NightlyRatePence: contracts[bed.ContractID-1].NightlyRatePence,
				CreatedByKind: "carer", CreatedByID: p.CarerID, CreatedAt: created, UpdatedAt: created,
			}
			bookings = append(bookings, bk)
			for k := range n {
				nights = append(nights, booking.Night{PlaceKind: booking.PlaceBed, PlaceID: bed.ID, Night: RegionFirstNight.AddDays(night + k), BookingID: bk.ID, PersonID: p.ID})
				w.BedBusy[bi][night+k], w.PersonBusy[pi][night+k] = true, true
			}
			night += n
		}
	}
	// Guests at approved hosts, in each slot, on about half the nights
	// they are available.
	for hi, h := range bookedHosts {
		if h.Status != sharedlives.StatusApproved {
			continue
		}
		for slot := range h.Capacity {
			for night := r.IntN(4); night+2 <= RegionNights; night += r.IntN(7) {
				n := min(2+r.IntN(6), RegionNights-night)
				pi := -1
				if !slices.Contains(hostAvailable[hi][night:night+n], false) {
					pi = w.freePerson(r, night, n)
				}
				if pi < 0 {
					night++
					continue
				}
				p := w.People[pi]
				created := now.Add(-time.Duration(1+r.IntN(90*24)) * time.Hour)
				bk := booking.Booking{
					ID: int64(len(bookings) + 1), Reference: fmt.Sprintf("S%06d", len(bookings)+1),
					Status: booking.StatusConfirmed, Kind: booking.KindPlanned, PersonID: p.ID, CarerID: p.CarerID,
					PlaceKind: booking.PlaceHost, PlaceID: h.ID, Arrive: RegionFirstNight.AddDays(night), Depart: RegionFirstNight.AddDays(night + n),
					Nights: n, CreatedByKind: "carer", CreatedByID: p.CarerID, CreatedAt: created, UpdatedAt: created,
				}
				bookings = append(bookings, bk)
				for k := range n {
					nights = append(nights, booking.Night{PlaceKind: booking.PlaceHost, PlaceID: h.ID, Night: RegionFirstNight.AddDays(night + k), Slot: slot, BookingID: bk.ID, PersonID: p.ID})
					w.PersonBusy[pi][night+k] = true
				}
				w.HostNights += n
				night += n
			}
		}
	}
	w.Bookings, w.Nights = len(bookings), len(nights)

	// Live holds on free nights: see RegionNow.
	var holds []booking.Hold
	for len(holds) < scale.LiveHolds {
		bi, night, n := r.IntN(len(w.Beds)), r.IntN(RegionNights-3), 1+r.IntN(3)
		if w.Beds[bi].EmergencyReserved || slices.Contains(w.BedBusy[bi][night:night+n], true) {
			continue
		}
		pi := w.freePerson(r, night, n)
		if pi < 0 {
			continue
		}
		p := w.People[pi]
		holds = append(holds, booking.Hold{
			ID: fmt.Sprintf("%024x", r.Uint64()), PersonID: p.ID, CarerID: p.CarerID, PlaceKind: booking.PlaceBed, PlaceID: w.Beds[bi].ID,
			Arrive: RegionFirstNight.AddDays(night), Depart: RegionFirstNight.AddDays(night + n),
			CreatedByKind: "carer", CreatedByID: p.CarerID, CreatedAt: now.Add(-2 * time.Minute), ExpiresAt: now.Add(8 * time.Minute),
		})
		for k := range n {
			w.BedBusy[bi][night+k], w.PersonBusy[pi][night+k] = true, true
		}
	}

	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, rows := range []any{&homes, &contracts, &w.Beds, &w.Carers, &w.People, &hosts, &ranges} {
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
		tb.Fatalf("seeding: %v", err)
	}
	took := fmt.Sprint(time.Since(start).Round(time.Millisecond))
	if dbtest.IsPostgres(db) {
		// The ids above were given, not drawn from the sequences; and
		// autovacuum would analyse the new rows some time later, so do it
		// now rather than in the middle of a benchmark.
		for _, table := range []string{"providers", "contracts", "beds", "carers", "people", "hosts", "host_availability", "bookings"} {
			if _, err := db.ExecContext(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT max(id) FROM %s))", table, table)); err != nil {
				tb.Fatalf("moving the %s sequence on: %v", table, err)
			}
		}
		vacuum := time.Now()
		if _, err := db.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
			tb.Fatalf("analysing: %v", err)
		}
		took = fmt.Sprintf("%v (%v of it in VACUUM ANALYZE)", time.Since(start).Round(time.Millisecond), time.Since(vacuum).Round(time.Millisecond))
	}
	size := "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
	if dbtest.IsPostgres(db) {
		size = "SELECT pg_database_size(current_database())"
	}
	var bytes int64
	if err := db.QueryRowContext(ctx, size).Scan(&bytes); err != nil {
		tb.Fatalf("measuring the database: %v", err)
	}
	w.Notes = append(w.Notes, fmt.Sprintf("seeded %s in %s: %d homes, %d beds, %d carers and people, %d hosts, %d bookings, "+
		"%d booked nights (%.0f%% of bed-nights; %d at hosts), %d live holds; %d MB on disk",
		db.Dialect().Name(), took, len(homes), len(w.Beds), len(w.Carers), len(hosts), w.Bookings,
		w.Nights, 100*float64(w.Nights-w.HostNights)/float64(len(w.Beds)*RegionNights), w.HostNights, len(holds), bytes>>20))
	return w
}

// AddPeople adds n people of the profile, with no stays or holds, one to
// each of the first n carers, and returns them. The seeded people are booked
// on about 60% of the year, far beyond any real allowance; these are for
// what depends on the person being free (NearbyDates leaves out dates they
// are away).
func (w *Region) AddPeople(tb testing.TB, prof Profile, n int) []booking.Person {
	tb.Helper()
	now := RegionNow.UTC()
	born := calendar.Date{Year: 1940, Month: time.May, Day: 1}
	if prof.Child {
		born.Year = 2015
	}
	people := make([]booking.Person, n)
	for i := range people {
		people[i] = booking.Person{
			CarerID: w.Carers[i].ID, Name: fmt.Sprintf("Free person %d", i+1), DateOfBirth: born,
			Needs: nonNil(prof.Needs), Requirements: nonNil(prof.Requirements), CreatedAt: now, UpdatedAt: now,
		}
	}
	if _, err := w.DB.NewInsert().Model(&people).Returning("id").Exec(context.Background()); err != nil {
		tb.Fatalf("adding people: %v", err)
	}
	return people
}

// drama is the i-th phone number: from Ofcom's drama range (format, with
// room for 1,000) where it can be, so that no real person answers, and
// after that from beyond (wide). Only a national region needs that many,
// and nothing seeded is ever texted.
func drama(i int, format, wide string) string {
	if i < 1000 {
		return fmt.Sprintf(format, i)
	}
	return fmt.Sprintf(wide, i)
}

// freePerson returns a random person with no stay or hold on n nights
// from night, or -1.
func (w *Region) freePerson(r *rand.Rand, night, n int) int {
	for range 300 {
		pi := r.IntN(len(w.People))
		if !slices.Contains(w.PersonBusy[pi][night:night+n], true) {
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
		g[i] = make([]bool, RegionNights)
	}
	return g
}

// pick returns n different words from ws.
func pick(r *rand.Rand, ws []string, n int) []string {
	ws = slices.Clone(ws)
	r.Shuffle(len(ws), func(i, k int) { ws[i], ws[k] = ws[k], ws[i] })
	return ws[:min(n, len(ws))]
}

// nonNil keeps JSON columns "[]" rather than "null".
func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}
