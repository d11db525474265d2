package booking_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/providers"
)

// A booking confirmed while the home is being closed over its nights: one
// of the two goes first and the other sees it. Either the stay is booked
// and the closure refused, naming it, or the closure is made and the
// confirm refused; never a booked night inside a closure that nobody was
// told of. On PostgreSQL this is the closure's lock on the bed's contract
// (for update) against the booking's (shared); on SQLite, the single
// writer. Each round alternates closing the bed and closing the whole home.
func TestClosure_RacesBooking(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		carer := f.mkCarer(t, 400)
		actor := carerActor(carer)
		var booked, closed int
		for round := range 12 {
			h := f.mkHome(t, fmt.Sprintf("Race %d", round), 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
			p := f.mkPerson(t, carer, "1950-01-01", nil, nil)
			hold, err := f.svc.CreateHold(ctx, actor, booking.HoldRequest{PersonID: p.ID, Place: booking.Place{Kind: booking.PlaceBed, ID: h.beds[0].ID}, Arrive: d("2027-05-10"), Depart: d("2027-05-12")})
			if err != nil {
				t.Fatal(err)
			}
			in := providers.ClosureInput{StartsOn: d("2027-05-11"), EndsOn: d("2027-05-20"), Reason: "Outbreak"}
			if round%2 == 0 {
				in.BedID = &h.beds[0].ID
			}
			var wg sync.WaitGroup
			var confirmErr, closeErr error
			start := make(chan struct{})
			wg.Add(2)
			go func() {
				defer wg.Done()
				<-start
				_, _, confirmErr = f.with().Confirm(ctx, actor, hold.ID, "")
			}()
			go func() {
				defer wg.Done()
				<-start
				_, closeErr = f.providers.CreateClosure(ctx, asAdmin, h.provider.ID, in)
			}()
			close(start)
			wg.Wait()
			switch {
			case confirmErr == nil && errors.Is(closeErr, providers.ErrClosureHasStays):
				booked++
			case closeErr == nil && errors.Is(confirmErr, booking.ErrNightsTaken):
				closed++
			default:
				t.Fatalf("round %d: confirm err %v, closure err %v; want exactly one to succeed, the other refused", round, confirmErr, closeErr)
			}
			inside, err := db.NewSelect().TableExpr("booking_nights AS n").Join("JOIN beds AS b ON b.id = n.place_id").
				Join("JOIN closures AS cl ON cl.provider_id = b.provider_id AND (cl.bed_id IS NULL OR cl.bed_id = b.id)").
				Where("n.place_kind = 'bed'").Where("b.provider_id = ?", h.provider.ID).
				Where("n.night >= cl.starts_on AND n.night <= cl.ends_on").Count(ctx)
			if err != nil || inside != 0 {
				t.Fatalf("round %d: %d booked nights inside a closure (err %v)", round, inside, err)
			}
		}
		t.Logf("%d rounds: booking first %d, closure first %d", booked+closed, booked, closed)
	})
}
