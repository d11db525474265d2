package booking_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/providers"
)

// Changing a contract (its dates, rate, or making it inactive) lives in
// providers, but what it must never do is about bookings: leave a booked
// night outside the contract. So it is tested here, with real stays.
func TestContractChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		h := f.mkHome(t, "Home", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		carer := f.mkCarer(t, 20)
		p := f.mkPerson(t, carer, "1950-01-01", nil, nil)
		actor := carerActor(carer)
		stay := f.book(t, actor, p, h.beds[0], "2027-03-10", "2027-03-13") // nights 10, 11, 12 March

		unchanged := func(t *testing.T) {
			t.Helper()
			got, err := f.providers.Contract(ctx, h.contract.ID)
			if err != nil || got.StartsOn != h.contract.StartsOn || got.EndsOn != h.contract.EndsOn || !got.Active {
				t.Errorf("a refused change changed the contract: %+v, %v", got, err)
			}
		}
		refusedNaming := func(t *testing.T, patch providers.ContractPatch) {
			t.Helper()
			_, err := f.providers.UpdateContract(ctx, asAdmin, h.contract.ID, patch)
			if e, ok := apperr.As(err); !ok || !errors.Is(err, providers.ErrContractHasStays) || !strings.Contains(e.Message, stay.Reference) {
				t.Errorf("UpdateContract(%+v) = %v; want ErrContractHasStays naming %s", patch, err, stay.Reference)
			}
			unchanged(t)
		}

		t.Run("ending before a booked night is refused, naming the stay", func(t *testing.T) {
			refusedNaming(t, providers.ContractPatch{EndsOn: ptr(d("2027-03-11"))})
		})
		t.Run("starting after a booked night is refused", func(t *testing.T) {
			refusedNaming(t, providers.ContractPatch{StartsOn: ptr(d("2027-03-12"))})
		})
		t.Run("making it inactive with a stay to come is refused", func(t *testing.T) {
			refusedNaming(t, providers.ContractPatch{Active: ptr(false)})
		})
		t.Run("bad dates are refused field by field", func(t *testing.T) {
			_, err := f.providers.UpdateContract(ctx, asAdmin, h.contract.ID, providers.ContractPatch{StartsOn: ptr(d("2027-06-01")), EndsOn: ptr(d("2027-05-01")), NightlyRatePence: ptr(int64(-1))})
			if fields, _ := apperr.FieldNames(err); strings.Join(fields, ",") != "ends_on,nightly_rate_pence" {
				t.Errorf("UpdateContract with ends before starts and a negative rate = %v", err)
			}
			unchanged(t)
		})
		t.Run("a rate over £10,000 a night is refused as a typing mistake", func(t *testing.T) {
			_, err := f.providers.UpdateContract(ctx, asAdmin, h.contract.ID, providers.ContractPatch{NightlyRatePence: ptr(int64(providers.MaxNightlyRatePence + 1))})
			if fields, _ := apperr.FieldNames(err); strings.Join(fields, ",") != "nightly_rate_pence" {
				t.Errorf("UpdateContract with a huge rate = %v", err)
			}
			unchanged(t)
		})
		t.Run("a reference another contract has is refused", func(t *testing.T) {
			other := f.mkHome(t, "Other", 53.8, -1.55, providers.ProviderInput{})
			if _, err := f.providers.UpdateContract(ctx, asAdmin, h.contract.ID, providers.ContractPatch{Reference: &other.contract.Reference}); !errors.Is(err, providers.ErrReferenceTaken) {
				t.Errorf("taking another contract's reference: %v", err)
			}
		})
		t.Run("an unknown contract is not found", func(t *testing.T) {
			if _, err := f.providers.UpdateContract(ctx, asAdmin, 999999, providers.ContractPatch{Active: ptr(false)}); !errors.Is(err, providers.ErrContractNotFound) {
				t.Errorf("UpdateContract(999999) = %v", err)
			}
		})

		t.Run("a new rate applies to stays booked from now on", func(t *testing.T) {
			got, err := f.providers.UpdateContract(ctx, asAdmin, h.contract.ID, providers.ContractPatch{NightlyRatePence: ptr(int64(17500)), Reference: ptr("  BLK-RENEWED  ")})
			if err != nil || got.NightlyRatePence != 17500 || got.Reference != "BLK-RENEWED" || got.Kind != "block" || got.ProviderID != h.provider.ID {
				t.Fatalf("UpdateContract(rate) = %+v, %v", got, err)
			}
			var booked booking.Booking
			if err := db.NewSelect().Model(&booked).Where("id = ?", stay.ID).Scan(ctx); err != nil || booked.NightlyRatePence != 15000 {
				t.Errorf("the stay already booked is at %d pence a night (err %v); want the 15000 it was booked at", booked.NightlyRatePence, err)
			}
			later := f.book(t, actor, p, h.beds[0], "2027-04-10", "2027-04-11")
			if later.NightlyRatePence != 17500 {
				t.Errorf("a stay booked after the change is at %d pence; want 17500", later.NightlyRatePence)
			}
			if _, err := f.svc.Cancel(ctx, actor, later.ID, ""); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("shortening it takes the later nights out of what is offered", func(t *testing.T) {
			if _, err := f.providers.UpdateContract(ctx, asAdmin, h.contract.ID, providers.ContractPatch{EndsOn: ptr(d("2027-06-30"))}); err != nil {
				t.Fatalf("ending the contract after the stay: %v", err)
			}
			if opts, err := f.svc.Availability(ctx, actor, booking.Search{PersonID: p.ID, Arrive: d("2027-06-29"), Depart: d("2027-07-02")}); err != nil || len(opts) != 0 {
				t.Errorf("nights after the contract ends are offered: %v, %v", names(opts), err)
			}
			if opts, _ := f.svc.Availability(ctx, actor, booking.Search{PersonID: p.ID, Arrive: d("2027-06-28"), Depart: d("2027-06-30")}); len(opts) != 1 {
				t.Errorf("nights still under the contract are not offered: %v", names(opts))
			}
		})

		t.Run("once the stay is cancelled it can be made inactive, and nothing is offered", func(t *testing.T) {
			if _, err := f.svc.Cancel(ctx, actor, stay.ID, ""); err != nil {
				t.Fatal(err)
			}
			got, err := f.providers.UpdateContract(ctx, asAdmin, h.contract.ID, providers.ContractPatch{Active: ptr(false)})
			if err != nil || got.Active {
				t.Fatalf("making the contract inactive = %+v, %v", got, err)
			}
			if opts, _ := f.svc.Availability(ctx, actor, booking.Search{PersonID: p.ID, Arrive: d("2027-03-10"), Depart: d("2027-03-13")}); len(opts) != 0 {
				t.Errorf("a bed under an inactive contract is offered: %v", names(opts))
			}
			if _, err := f.svc.PlaceEmergency(ctx, duty, booking.EmergencyRequest{PersonID: p.ID, Place: booking.Place{Kind: booking.PlaceBed, ID: h.beds[0].ID},
				Arrive: d("2027-03-01"), Depart: d("2027-03-02"), Reason: "carer taken ill"}); err == nil {
				t.Error("duty staff placed someone in a bed under an inactive contract")
			}
			if got, err := f.providers.UpdateContract(ctx, asAdmin, h.contract.ID, providers.ContractPatch{Active: ptr(true)}); err != nil || !got.Active {
				t.Errorf("making it active again = %+v, %v", got, err)
			}
		})
	})
}

// A booking confirmed while the contract is being shortened over its nights:
// one of the two goes first and the other sees it, so a booked night is
// never left outside the contract. On PostgreSQL this is the lock a booking
// takes on the bed's contract; on SQLite, the single writer.
func TestContractChange_RacesBooking(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		carer := f.mkCarer(t, 400)
		actor := carerActor(carer)
		var booked, shortened int
		for round := range 12 {
			h := f.mkHome(t, fmt.Sprintf("Race %d", round), 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
			p := f.mkPerson(t, carer, "1950-01-01", nil, nil)
			hold, err := f.svc.CreateHold(ctx, actor, booking.HoldRequest{PersonID: p.ID, Place: booking.Place{Kind: booking.PlaceBed, ID: h.beds[0].ID}, Arrive: d("2027-05-10"), Depart: d("2027-05-12")})
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var confirmErr, changeErr error
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
				_, changeErr = f.providers.UpdateContract(ctx, asAdmin, h.contract.ID, providers.ContractPatch{EndsOn: ptr(d("2027-05-10"))})
			}()
			close(start)
			wg.Wait()
			if (confirmErr == nil) == (changeErr == nil) {
				t.Fatalf("round %d: confirm err %v, contract change err %v; want exactly one to succeed", round, confirmErr, changeErr)
			}
			if confirmErr == nil {
				booked++
			} else {
				shortened++
			}
			var outside int64
			outside, err = db.NewSelect().TableExpr("booking_nights AS n").Join("JOIN beds AS b ON b.id = n.place_id").
				Join("JOIN contracts AS c ON c.id = b.contract_id").Where("n.place_kind = 'bed'").Where("c.id = ?", h.contract.ID).
				Where("n.night > c.ends_on").Count(ctx)
			if err != nil || outside != 0 {
				t.Fatalf("round %d: %d booked nights outside the contract (err %v)", round, outside, err)
			}
		}
		t.Logf("%d rounds: booking first %d, contract change first %d", booked+shortened, booked, shortened)
	})
}
