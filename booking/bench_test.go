package booking_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/booking/bookingtest"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/redisstore"
)

// The benchmarks run on a region's worth of data, seeded in bulk by
// bookingtest.SeedRegion: a year of bookings at 200 homes and with 120
// shared-lives hosts around Leeds. docs/benchmarks.md has the figures and how
// to run them.
const (
	benchSeed   = bookingtest.RegionSeed // the searches' streams of it
	benchNights = bookingtest.RegionNights
	// benchHoldPool is how many free stays BenchmarkHoldAndConfirm finds
	// before the timer starts; beyond that it cancels and books them again.
	benchHoldPool = 200
)

var benchFirstNight = bookingtest.RegionFirstNight

// BenchmarkAvailability measures a carer's search for a 3-night stay from a
// random night of the seeded year, for someone with typical needs (dementia,
// and a hoist), across the region's homes and shared-lives hosts. Searching
// never asks the hold store (held nights are read from the holds table), so
// redis_holds should match local_holds: it is there to show that.
func BenchmarkAvailability(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		w := bookingtest.SeedRegion(b, dbtest.SQLite(b))
		b.Run("local_holds", func(b *testing.B) { benchAvailability(b, w, nil) })
	})
	b.Run("postgres", func(b *testing.B) {
		w := bookingtest.SeedRegion(b, dbtest.Postgres(b))
		b.Run("local_holds", func(b *testing.B) { benchAvailability(b, w, nil) })
		b.Run("redis_holds", func(b *testing.B) { benchAvailability(b, w, redisHolds(b)) })
	})
}

// redisHolds is a Redis hold store with keys of the benchmark's own.
func redisHolds(b *testing.B) booking.HoldStore {
	rdb, prefix := dbtest.Redis(b)
	return redisstore.NewHoldStore(rdb, prefix)
}

func benchAvailability(b *testing.B, w *bookingtest.Region, holds booking.HoldStore) {
	w.LogNotes(b)
	f := newFixture(b, w.DB, holds)
	ctx := context.Background()
	search := func(r *rand.Rand) int {
		// A real clock moves on, and the time is in the search's SQL (live
		// holds), so no two searches send the same text. Frozen, it would
		// let pgx's statement cache answer repeats as it never can live.
		f.clk.Set(f.clk.Now().Add(time.Millisecond))
		p := w.People[w.Typical[r.IntN(len(w.Typical))]]
		arrive := benchFirstNight.AddDays(r.IntN(benchNights - 3))
		got, err := f.svc.Availability(ctx, carerActor(w.CarerOf(p)), booking.Search{PersonID: p.ID, Arrive: arrive, Depart: arrive.AddDays(3)})
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
func freeStays(b *testing.B, w *bookingtest.Region, n int) *benchStays {
	b.Helper()
	start := time.Now()
	f := newFixture(b, w.DB, nil)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(benchSeed, 3))
	pool := &benchStays{}
	for searches := 0; len(pool.stays) < n; searches++ {
		if searches > 20*n {
			b.Fatalf("found only %d free stays in %d searches", len(pool.stays), searches)
		}
		pi, night := r.IntN(len(w.People)), r.IntN(benchNights-2)
		if slices.Contains(w.PersonBusy[pi][night:night+2], true) {
			continue
		}
		p := w.People[pi]
		arrive := benchFirstNight.AddDays(night)
		opts, err := f.svc.Availability(ctx, duty, booking.Search{PersonID: p.ID, Arrive: arrive, Depart: arrive.AddDays(2)})
		if err != nil {
			b.Fatal(err)
		}
		// The carer takes one of the first few beds, unless an earlier
		// stay in the pool already has it.
		for _, o := range opts[:min(5, len(opts))] {
			bi := int(o.Place.ID - 1)
			if o.Place.Kind != booking.PlaceBed || slices.Contains(w.BedBusy[bi][night:night+2], true) {
				continue
			}
			for k := range 2 {
				w.BedBusy[bi][night+k], w.PersonBusy[pi][night+k] = true, true
			}
			pool.stays = append(pool.stays, benchStay{carer: w.CarerOf(p), person: p, bed: o.Place.ID, arrive: arrive, depart: arrive.AddDays(2)})
			break
		}
	}
	w.Notes = append(w.Notes, fmt.Sprintf("found %d free stays to book in %v", n, time.Since(start).Round(time.Millisecond)))
	return pool
}

// BenchmarkHoldAndConfirm measures booking a free bed for two nights as a
// carer does it: CreateHold, then Confirm.
func BenchmarkHoldAndConfirm(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		w := bookingtest.SeedRegion(b, dbtest.SQLite(b))
		pool := freeStays(b, w, benchHoldPool)
		b.Run("local_holds", func(b *testing.B) { benchHoldAndConfirm(b, w, pool, nil) })
	})
	b.Run("postgres", func(b *testing.B) {
		w := bookingtest.SeedRegion(b, dbtest.Postgres(b))
		pool := freeStays(b, w, benchHoldPool)
		b.Run("local_holds", func(b *testing.B) { benchHoldAndConfirm(b, w, pool, nil) })
		b.Run("redis_holds", func(b *testing.B) { benchHoldAndConfirm(b, w, pool, redisHolds(b)) })
	})
}

func benchHoldAndConfirm(b *testing.B, w *bookingtest.Region, pool *benchStays, holds booking.HoldStore) {
	w.LogNotes(b)
	f := newFixture(b, w.DB, holds)
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

// BenchmarkNearbyDates measures what a carer's page asks when a search finds
// nothing: the nearest dates within 14 days either side with a place, for
// the same 3 nights, for someone with the typical needs of
// BenchmarkAvailability (dementia, and a hoist), from a random night. The
// seeded people are booked on about 60% of the year, far beyond any real
// allowance, which would leave most dates out before any place is looked at;
// so it asks for 50 people added with no stays.
//
// "first_4" is the method as pages call it: in this region most dates have
// places, so the first few dates tried give its 4. "all_29" is made to
// offer every date it can, so it tries all 29: the most it ever does, as
// for someone few places suit, when fewer than 4 dates have any.
func BenchmarkNearbyDates(b *testing.B) {
	run := func(b *testing.B, w *bookingtest.Region) {
		people := w.AddPeople(b, bookingtest.Typical, 50)
		b.Run("first_4", func(b *testing.B) { benchNearbyDates(b, w, people, booking.MaxNearbyDates) })
		b.Run("all_29", func(b *testing.B) { benchNearbyDates(b, w, people, 29) })
	}
	b.Run("sqlite", func(b *testing.B) { run(b, bookingtest.SeedRegion(b, dbtest.SQLite(b))) })
	b.Run("postgres", func(b *testing.B) { run(b, bookingtest.SeedRegion(b, dbtest.Postgres(b))) })
}

func benchNearbyDates(b *testing.B, w *bookingtest.Region, people []booking.Person, limit int) {
	w.LogNotes(b)
	f := newFixture(b, w.DB, nil)
	ctx := context.Background()
	near := func(r *rand.Rand) int {
		f.clk.Set(f.clk.Now().Add(time.Millisecond)) // as in benchAvailability
		p := people[r.IntN(len(people))]
		arrive := benchFirstNight.AddDays(r.IntN(benchNights - 3))
		got, err := f.svc.NearbyDatesUpTo(ctx, carerActor(w.CarerOf(p)), booking.Search{PersonID: p.ID, Arrive: arrive, Depart: arrive.AddDays(3)}, 14, limit)
		if err != nil {
			b.Fatalf("nearby dates from %s: %v", arrive, err)
		}
		return len(got)
	}
	warm := rand.New(rand.NewPCG(benchSeed, 4))
	for range 20 {
		near(warm)
	}
	r := rand.New(rand.NewPCG(benchSeed, 5))
	asked, found := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		found += near(r)
		asked++
	}
	b.ReportMetric(float64(found)/float64(asked), "dates/op")
}
