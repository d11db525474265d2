package booking_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/providers"
)

// TestCreateHold_bedClaimedFirst: a hold of a bed claims its nights in the
// hold store before it reads anything else, so a request that loses the
// race is turned away at the claim (ErrNightsTaken, even for a person the
// bed would not suit), and leaves the winner's claim alone. A winner that
// then breaks a rule lets the nights go at once.
func TestCreateHold_bedClaimedFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		home := f.mkHome(t, "Meadow View", 53.81, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		bed := home.beds[0]
		carer := f.mkCarer(t, 20)
		suits := f.mkPerson(t, carer, "1940-01-01", nil, nil)
		other := f.mkCarer(t, 20)
		needsNursing := f.mkPerson(t, other, "1940-01-01", []string{"nursing_care"}, nil)
		arrive, depart := d("2027-04-10"), d("2027-04-12")
		place := booking.Place{Kind: booking.PlaceBed, ID: bed.ID}

		// A rival mid-way through its own hold has claimed the first night.
		rival := []string{fmt.Sprintf("bed:%d:0:%s", bed.ID, arrive)}
		if ok, err := f.holds.Claim(ctx, "rival", rival, time.Minute); err != nil || !ok {
			t.Fatalf("rival's claim = %v, %v", ok, err)
		}
		_, err := f.svc.CreateHold(ctx, carerActor(other), booking.HoldRequest{PersonID: needsNursing.ID, Place: place, Arrive: arrive, Depart: depart})
		if !errors.Is(err, booking.ErrNightsTaken) {
			t.Fatalf("losing the claim = %v, want ErrNightsTaken before any rule is checked", err)
		}
		if ok, err := f.holds.Claim(ctx, "third", rival, time.Minute); err != nil || ok {
			t.Fatalf("the rival's claim after the loser gave up: claimable again = %v, %v; want still the rival's", ok, err)
		}
		if err := f.holds.Release(ctx, "rival", rival); err != nil {
			t.Fatal(err)
		}

		// Unrivalled, the same request breaks a rule, and lets the nights go.
		_, err = f.svc.CreateHold(ctx, carerActor(other), booking.HoldRequest{PersonID: needsNursing.ID, Place: place, Arrive: arrive, Depart: depart})
		if !errors.Is(err, booking.ErrUnsuitable) {
			t.Fatalf("an unsuitable bed = %v, want ErrUnsuitable", err)
		}
		if _, err := f.svc.CreateHold(ctx, carerActor(carer), booking.HoldRequest{PersonID: suits.ID, Place: place, Arrive: arrive, Depart: depart}); err != nil {
			t.Fatalf("holding the nights the refused hold let go: %v", err)
		}
	})
}
