package booking_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/redisstore"
)

// TestStayChange_Races: for one night of a bed, two stays are extended onto
// it (one at its end, one at its start) while four carers try to hold and
// book it, through several service instances sharing the database (and
// Redis, where there is one). Round after round, exactly one of them gets
// the night, every other is told it is taken (409), and every booking's
// nights are exactly its dates: nothing is double-booked or left half done.
func TestStayChange_Races(t *testing.T) {
	run := func(t *testing.T, db *bun.DB, holds booking.HoldStore) {
		f := newFixture(t, db, holds)
		ctx := context.Background()
		bed := f.mkHome(t, "Race Home", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"}).beds[0]
		instances := []*booking.Service{f.svc, f.with(), f.with(), f.with()}
		const rounds, bookers = 6, 4
		wins := map[string]int{}
		for round := range rounds {
			first := d("2027-04-03").AddDays(4 * round)
			night := first.AddDays(1) // the night everyone wants
			before := f.book(t, duty, f.mkPerson(t, f.mkCarer(t, 28), "1950-01-01", nil, nil), bed, first.String(), night.String())
			after := f.book(t, duty, f.mkPerson(t, f.mkCarer(t, 28), "1950-01-01", nil, nil), bed, night.AddDays(1).String(), night.AddDays(2).String())
			carers := make([]booking.Carer, bookers)
			people := make([]booking.Person, bookers)
			for i := range bookers {
				carers[i] = f.mkCarer(t, 28)
				people[i] = f.mkPerson(t, carers[i], "1950-01-01", nil, nil)
			}
			racers := []struct {
				name string
				race func(svc *booking.Service) error
			}{
				{"extend the stay before", func(svc *booking.Service) error {
					_, err := svc.Extend(ctx, duty, before.ID, booking.StayExtension{Depart: night.AddDays(1), Reason: "Staying on"})
					return err
				}},
				{"extend the stay after", func(svc *booking.Service) error {
					_, err := svc.Extend(ctx, admin, after.ID, booking.StayExtension{Arrive: night, Reason: "Arriving early"})
					return err
				}},
			}
			for i := range bookers {
				racers = append(racers, struct {
					name string
					race func(svc *booking.Service) error
				}{fmt.Sprintf("book for carer %d", i), func(svc *booking.Service) error {
					actor := carerActor(carers[i])
					h, err := svc.CreateHold(ctx, actor, booking.HoldRequest{PersonID: people[i].ID, Place: bedPlace(bed), Arrive: night, Depart: night.AddDays(1)})
					if err == nil {
						_, _, err = svc.Confirm(ctx, actor, h.ID, "")
					}
					return err
				}})
			}
			errs := make([]error, len(racers))
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, r := range racers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[i] = r.race(instances[(i+round)%len(instances)])
				}()
			}
			close(start)
			wg.Wait()
			won := 0
			for i, err := range errs {
				switch {
				case err == nil:
					won++
					wins[racers[i].name]++
				case apperr.KindOf(err) != apperr.Conflict:
					t.Errorf("round %d: %s lost with %v, want a conflict (409)", round, racers[i].name, err)
				}
			}
			if won != 1 {
				t.Errorf("round %d: %d won the night of %s, want exactly 1", round, won, night)
			}
		}
		t.Logf("winners over %d rounds: %v", rounds, wins)

		// Every booking holds exactly its own nights, no more, no fewer.
		var bookings []booking.Booking
		if err := db.NewSelect().Model(&bookings).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, b := range bookings {
			var want []string
			for n := b.Arrive; n.Before(b.Depart); n = n.AddDays(1) {
				want = append(want, n.String()+"/0")
			}
			if got := f.nightsOf(t, b.ID); fmt.Sprint(got) != fmt.Sprint(want) || b.Nights != len(want) {
				t.Errorf("booking %d (%s to %s, %d nights) has nights %v", b.ID, b.Arrive, b.Depart, b.Nights, got)
			}
			total += b.Nights
		}
		rows, err := db.NewSelect().Model((*booking.Night)(nil)).Where("place_id = ?", bed.ID).Count(ctx)
		if err != nil || rows != int64(total) {
			t.Errorf("%d night rows for %d booked nights (%v)", rows, total, err)
		}
	}
	t.Run("sqlite with in-process holds", func(t *testing.T) { run(t, dbtest.SQLite(t), nil) })
	t.Run("postgres with redis holds", func(t *testing.T) {
		db := dbtest.Postgres(t)
		rdb, prefix := dbtest.Redis(t)
		run(t, db, redisstore.NewHoldStore(rdb, prefix))
	})
}
