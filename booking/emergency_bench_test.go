package booking_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/booking/bookingtest"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
)

// BenchmarkEmergencyOptions measures what duty staff wait for at 3am: the
// places that suit a person for 2 nights from tonight, by tier, and the
// near misses, at regional and national scale (bookingtest.Regional,
// bookingtest.National). Tonight is 100 nights into the seeded year, so
// about 60% of beds are taken. Each op is one search for a random person;
// besides the mean it reports the 50th and 95th percentiles, which is what
// the goals in docs/benchmarks.md are set on.
//
//	go test -run '^$' -bench 'BenchmarkEmergencyOptions/sqlite/regional' ./booking/
//	go test -run '^$' -bench BenchmarkEmergencyOptions -timeout 60m ./booking/   # national seeding takes minutes
func BenchmarkEmergencyOptions(b *testing.B) {
	for _, scale := range []bookingtest.Scale{bookingtest.Regional, bookingtest.National} {
		b.Run("sqlite/"+scale.Name, func(b *testing.B) { benchEmergencyOptions(b, dbtest.SQLite(b), scale) })
		b.Run("postgres/"+scale.Name, func(b *testing.B) { benchEmergencyOptions(b, dbtest.Postgres(b), scale) })
	}
}

// BenchmarkEmergencyOptions_wider shows that the search's cost follows the
// places near the carer, not all places: the national map with its homes
// and hosts at 1, 4 and 16 times its size, as many places to a square
// mile, with no stays (bookingtest.Scale.Wider). The options found, and
// the time, should stay about the same while the places grow sixteen-fold.
//
//	go test -run '^$' -bench BenchmarkEmergencyOptions_wider -timeout 60m ./booking/
func BenchmarkEmergencyOptions_wider(b *testing.B) {
	for _, n := range []int{1, 4, 16} {
		scale := bookingtest.National.Wider(n)
		b.Run("sqlite/"+scale.Name, func(b *testing.B) { benchEmergencyOptions(b, dbtest.SQLite(b), scale) })
	}
}

func benchEmergencyOptions(b *testing.B, db *bun.DB, scale bookingtest.Scale) {
	w := bookingtest.Seed(b, db, scale)
	w.LogNotes(b)
	f := newFixture(b, db, nil)
	tonight := bookingtest.RegionFirstNight.AddDays(100)
	start := tonight.StartIn(calendar.London).Add(21 * time.Hour)
	ctx := context.Background()
	search := func(r *rand.Rand, at time.Time) (options int) {
		f.clk.Set(at)
		p := w.People[r.IntN(len(w.People))]
		got, err := f.svc.EmergencyChoices(ctx, duty, p.ID, tonight, tonight.AddDays(2))
		if err != nil {
			b.Fatalf("emergency options for person %d: %v", p.ID, err)
		}
		return len(got.Options)
	}
	warm := rand.New(rand.NewPCG(benchSeed, 5))
	for range 10 {
		search(warm, start)
	}
	r := rand.New(rand.NewPCG(benchSeed, 6))
	var took []time.Duration
	options := 0
	b.ReportAllocs()
	for b.Loop() {
		// The clock moves on, as a real one does, so no two searches are
		// the same SQL text (see benchAvailability).
		at := start.Add(time.Duration(len(took)) * time.Millisecond)
		t0 := time.Now()
		options += search(r, at)
		took = append(took, time.Since(t0))
	}
	slices.Sort(took)
	pct := func(p int) float64 {
		return float64(took[min(len(took)-1, len(took)*p/100)]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(50), "p50-ms")
	b.ReportMetric(pct(95), "p95-ms")
	b.ReportMetric(float64(options)/float64(len(took)), "options/op")
}
