package booking_test

import (
	"context"
	"errors"
	"testing"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/providers"
)

func TestAllowanceYears(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil) // today is 1 March 2027; years start on 1 April
		ctx := context.Background()
		h := f.mkHome(t, "Oakwood House", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		carer := f.mkCarer(t, 10)
		p := f.mkPerson(t, carer, "1950-01-01", nil, nil)
		actor := carerActor(carer)
		book := func(arrive, depart string) {
			t.Helper()
			hold, err := f.svc.CreateHold(ctx, actor, booking.HoldRequest{PersonID: p.ID, Place: booking.Place{Kind: "bed", ID: h.beds[0].ID}, Arrive: d(arrive), Depart: d(depart)})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.svc.Confirm(ctx, actor, hold.ID, ""); err != nil {
				t.Fatal(err)
			}
		}
		book("2027-03-10", "2027-03-13") // 3 nights this year
		book("2027-03-30", "2027-04-02") // 2 this year, 1 next
		book("2027-06-01", "2027-06-05") // 4 next year

		years, err := f.svc.AllowanceYears(ctx, actor, carer.ID)
		if err != nil {
			t.Fatal(err)
		}
		type got struct {
			starts           string
			booked, remained int
		}
		var have []got
		for _, y := range years {
			have = append(have, got{y.YearStarts.String(), y.Booked, y.Remaining})
		}
		// From 1 March 2027 a stay can start up to a year ahead (and last
		// 14 nights), so it can touch this year and the one from 1 April
		// 2027; the year from 1 April 2028 is out of reach.
		want := []got{{"2026-04-01", 5, 5}, {"2027-04-01", 5, 5}}
		if len(have) != len(want) || have[0] != want[0] || have[1] != want[1] {
			t.Errorf("years = %+v, want %+v", have, want)
		}

		stranger := carerActor(f.mkCarer(t, 10))
		if _, err := f.svc.AllowanceYears(ctx, stranger, carer.ID); !errors.Is(err, booking.ErrCarerNotFound) {
			t.Errorf("another carer's allowance years: %v, want ErrCarerNotFound", err)
		}
	})
}
