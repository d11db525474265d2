package booking_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/booking/bookingtest"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
)

// TestEmergencyPlaces_nearAgreesWithEverywhere holds the search near the
// carer's home (the database's box on the *_near_idx indexes, then the
// exact distance) to the obvious one: every free place in the country,
// then those within reach. 200 random searches on a small region spread
// across England, at each reach the search uses.
func TestEmergencyPlaces_nearAgreesWithEverywhere(t *testing.T) {
	scale := bookingtest.Scale{
		Name: "england-small", Homes: 120, BedsPerHome: 4, Carers: 400, Hosts: 600, LiveHolds: 40,
		HomesIn: bookingtest.England, CarersIn: bookingtest.England, HostsIn: bookingtest.England,
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		w := bookingtest.Seed(t, db, scale)
		f := newFixture(t, db, nil)
		tonight := bookingtest.RegionFirstNight.AddDays(100)
		f.clk.Set(tonight.StartIn(calendar.London).Add(21 * time.Hour))
		ctx := context.Background()
		r := rand.New(rand.NewPCG(bookingtest.RegionSeed, 7))
		found := 0
		for i := range 200 {
			p := w.People[r.IntN(len(w.People))]
			arrive := tonight.AddDays(r.IntN(2))
			depart := arrive.AddDays(1 + r.IntN(4))
			allOptions, allMisses, err := f.svc.EmergencyPlacesWithin(ctx, p.ID, arrive, depart, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, reach := range []float64{50, 100, 200} {
				options, misses, err := f.svc.EmergencyPlacesWithin(ctx, p.ID, arrive, depart, reach)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(inReach(allOptions, reach), options); diff != "" {
					t.Fatalf("search %d, person %d, %s to %s, within %v km: options (-everywhere, then near +near):\n%s", i, p.ID, arrive, depart, reach, diff)
				}
				if diff := cmp.Diff(inReach(allMisses, reach), misses); diff != "" {
					t.Fatalf("search %d, person %d, %s to %s, within %v km: near misses (-everywhere, then near +near):\n%s", i, p.ID, arrive, depart, reach, diff)
				}
				found += len(options) + len(misses)
			}
		}
		if found == 0 {
			t.Fatal("no search found any place: the comparison proves nothing")
		}
	})
}

// inReach keeps the lines (EmergencyPlacesWithin's) of places within reach.
func inReach(lines []string, reachKm float64) []string {
	var out []string
	for _, l := range lines {
		fields := strings.Fields(l)
		km, _ := strconv.ParseFloat(fields[len(fields)-1], 64)
		if km <= reachKm {
			out = append(out, l)
		}
	}
	return out
}
