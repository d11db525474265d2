package booking_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/providers"
)

var refSeq atomic.Int64

// occupy books a place (a bed, or a host's slot) for person p from arrive
// to depart straight into the tables, for tests that need many bookings.
func (f *fixture) occupy(t testing.TB, p booking.Person, kind string, placeID int64, slot int, arrive, depart calendar.Date) booking.Booking {
	t.Helper()
	ctx := context.Background()
	now := f.clk.Now().UTC()
	b := booking.Booking{
		Reference: fmt.Sprintf("T%06d", refSeq.Add(1)), Status: booking.StatusConfirmed, Kind: booking.KindPlanned,
		PersonID: p.ID, CarerID: p.CarerID, PlaceKind: kind, PlaceID: placeID, Arrive: arrive, Depart: depart,
		Nights: arrive.DaysUntil(depart), CreatedByKind: "staff", CreatedByID: 1, CreatedAt: now, UpdatedAt: now,
	}
	if _, err := f.db.NewInsert().Model(&b).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var nights []booking.Night
	for n := arrive; n.Before(depart); n = n.AddDays(1) {
		nights = append(nights, booking.Night{PlaceKind: kind, PlaceID: placeID, Night: n, Slot: slot, BookingID: b.ID, PersonID: p.ID})
	}
	if _, err := f.db.NewInsert().Model(&nights).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return b
}

// arrivals returns the arrival dates of stays.
func arrivals(stays []booking.NearbyStay) []string {
	out := []string{}
	for _, s := range stays {
		out = append(out, s.Arrive.String())
	}
	return out
}

func TestService_NearbyDates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		// The fixture's today is Monday 1 March 2027: the earliest stay
		// booked ahead starts on 2 March, the latest on 29 February 2028.
		h := f.mkHome(t, "Oak", 53.81, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		carer := f.mkCarer(t, 40)
		jo := f.mkPerson(t, carer, "1950-01-01", nil, nil)
		other := f.mkPerson(t, f.mkCarer(t, 40), "1950-01-01", nil, nil)
		f.occupy(t, other, booking.PlaceBed, h.beds[0].ID, 0, d("2027-04-06"), d("2027-04-16"))
		unmet := func() int64 {
			n, err := db.NewSelect().Table("unmet_searches").Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}

		// 10 to 13 April: the only bed is taken from 6 to 16 April.
		q := booking.Search{PersonID: jo.ID, Arrive: d("2027-04-10"), Depart: d("2027-04-13")}
		got, err := f.svc.NearbyDates(ctx, carerActor(carer), q, 7)
		if err != nil {
			t.Fatal(err)
		}
		// Free: from 3 April (7 days before) or from 16 April (6 after);
		// 17 April is as near as 3 April, so comes after it.
		if diff := cmp.Diff([]string{"2027-04-16", "2027-04-03", "2027-04-17"}, arrivals(got)); diff != "" {
			t.Errorf("nearby arrivals (-want +got):\n%s", diff)
		}
		if got[0].Depart != d("2027-04-19") || got[0].Places != 1 {
			t.Errorf("first = %+v, want 3 nights to 19 April at 1 place", got[0])
		}
		if n := unmet(); n != 0 {
			t.Errorf("unmet searches recorded = %d, want none: the caller's Availability records the search", n)
		}

		t.Run("the same places as Availability", func(t *testing.T) {
			for _, s := range got {
				opts, err := f.svc.Availability(ctx, carerActor(carer), booking.Search{PersonID: jo.ID, Arrive: s.Arrive, Depart: s.Depart})
				if err != nil || len(opts) != s.Places {
					t.Errorf("Availability from %s: %d options, %v; NearbyDates said %d", s.Arrive, len(opts), err, s.Places)
				}
			}
		})

		t.Run("nearest first, at most four, the dates asked for included", func(t *testing.T) {
			got, err := f.svc.NearbyDates(ctx, carerActor(carer), booking.Search{PersonID: jo.ID, Arrive: d("2027-05-10"), Depart: d("2027-05-12")}, 14)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"2027-05-10", "2027-05-09", "2027-05-11", "2027-05-08"}, arrivals(got)); diff != "" {
				t.Errorf("arrivals (-want +got):\n%s", diff)
			}
		})

		t.Run("too soon is left out", func(t *testing.T) {
			got, err := f.svc.NearbyDates(ctx, carerActor(carer), booking.Search{PersonID: jo.ID, Arrive: d("2027-03-03"), Depart: d("2027-03-04")}, 3)
			if err != nil {
				t.Fatal(err)
			}
			// Not 28 February or 1 March (today): too soon to book ahead.
			if diff := cmp.Diff([]string{"2027-03-03", "2027-03-02", "2027-03-04", "2027-03-05"}, arrivals(got)); diff != "" {
				t.Errorf("arrivals (-want +got):\n%s", diff)
			}
			// Even when the dates asked for are themselves too soon.
			got, err = f.svc.NearbyDates(ctx, carerActor(carer), booking.Search{PersonID: jo.ID, Arrive: d("2027-03-01"), Depart: d("2027-03-02")}, 1)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"2027-03-02"}, arrivals(got)); diff != "" {
				t.Errorf("arrivals from today (-want +got):\n%s", diff)
			}
		})

		t.Run("beyond a year ahead is left out", func(t *testing.T) {
			f.mkHost(t, "Ann Smith", 1, nil, nil, [2]string{"2028-02-28", "2028-03-31"})
			got, err := f.svc.NearbyDates(ctx, carerActor(carer), booking.Search{PersonID: jo.ID, Arrive: d("2028-02-28"), Depart: d("2028-03-01")}, 3)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"2028-02-28", "2028-02-29"}, arrivals(got)); diff != "" {
				t.Errorf("arrivals (-want +got):\n%s", diff)
			}
		})

		t.Run("not over the person's own stays or holds", func(t *testing.T) {
			second := f.mkHome(t, "Elm", 53.82, -1.56, providers.ProviderInput{}, providers.BedInput{BedType: "residential"}, providers.BedInput{BedType: "residential"})
			f.occupy(t, jo, booking.PlaceBed, second.beds[0].ID, 0, d("2027-06-08"), d("2027-06-10"))
			if _, err := f.svc.CreateHold(ctx, carerActor(carer), booking.HoldRequest{PersonID: jo.ID, Place: booking.Place{Kind: booking.PlaceBed, ID: second.beds[1].ID}, Arrive: d("2027-06-14"), Depart: d("2027-06-15")}); err != nil {
				t.Fatal(err)
			}
			got, err := f.svc.NearbyDates(ctx, carerActor(carer), booking.Search{PersonID: jo.ID, Arrive: d("2027-06-11"), Depart: d("2027-06-13")}, 3)
			if err != nil {
				t.Fatal(err)
			}
			// 8 and 9 June are booked, 14 June held: of the starts from
			// 8 to 14 June, only 10, 11 and 12 June are clear.
			if diff := cmp.Diff([]string{"2027-06-11", "2027-06-10", "2027-06-12"}, arrivals(got)); diff != "" {
				t.Errorf("arrivals (-want +got):\n%s", diff)
			}
		})

		t.Run("nothing anywhere", func(t *testing.T) {
			got, err := f.svc.NearbyDates(ctx, carerActor(carer), booking.Search{PersonID: jo.ID, Arrive: d("2027-12-29"), Depart: d("2028-01-02")}, 0)
			if err != nil || got == nil || len(got) != 0 {
				t.Errorf("NearbyDates = %#v, %v; want an empty list", got, err)
			}
		})

		t.Run("a stay the rules forbid", func(t *testing.T) {
			for _, tt := range []struct {
				name           string
				arrive, depart string
				field          string
			}{
				{"no arrival", "", "2027-04-13", "arrive"},
				{"departs first", "2027-04-13", "2027-04-10", "depart"},
				{"too long", "2027-04-01", "2027-04-30", "depart"},
			} {
				q := booking.Search{PersonID: jo.ID, Depart: d(tt.depart)}
				if tt.arrive != "" {
					q.Arrive = d(tt.arrive)
				}
				_, err := f.svc.NearbyDates(ctx, carerActor(carer), q, 14)
				if names, ok := apperr.FieldNames(err); !ok || len(names) != 1 || names[0] != tt.field {
					t.Errorf("%s: err = %v, want Invalid on %s", tt.name, err, tt.field)
				}
			}
		})

		t.Run("someone else's person is not found", func(t *testing.T) {
			_, err := f.svc.NearbyDates(ctx, carerActor(carer), booking.Search{PersonID: other.ID, Arrive: d("2027-04-10"), Depart: d("2027-04-13")}, 7)
			if !errors.Is(err, booking.ErrPersonNotFound) {
				t.Errorf("err = %v, want ErrPersonNotFound", err)
			}
		})
	})
}

// TestSearch_windowAgreesWithOneStay holds the two ways of finding free
// places to the same answers: reading a window of many stays at once and
// checking each in memory (NearbyDates), and asking the database about one
// stay (Availability, CreateHold, Confirm). The place is a random muddle of
// contracts starting and ending within the window, bookings, live and
// expired holds, and hosts with gaps in their calendars and two slots.
func TestSearch_windowAgreesWithOneStay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		r := rand.New(rand.NewPCG(7, 11))
		from, to := d("2027-04-01"), d("2027-05-01")
		carer := f.mkCarer(t, 365)
		person := func() booking.Person { return f.mkPerson(t, carer, "1950-01-01", nil, nil) }
		// busyFor books random stays of a fresh person each at a place.
		busyFor := func(kind string, id int64, slot int) {
			p := person()
			for night := r.IntN(5); night < 30; night += 1 + r.IntN(5) {
				n := min(1+r.IntN(4), 30-night)
				f.occupy(t, p, kind, id, slot, from.AddDays(night), from.AddDays(night+n))
				night += n
			}
		}

		home := f.mkHome(t, "Ash", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"}, providers.BedInput{BedType: "nursing", EmergencyReserved: true})
		short, err := f.providers.CreateContract(ctx, asAdmin, home.provider.ID, providers.ContractInput{Kind: "block", Reference: "SHORT-1", StartsOn: d("2027-04-09"), EndsOn: d("2027-04-21"), NightlyRatePence: ptr(int64(14000))})
		if err != nil {
			t.Fatal(err)
		}
		beds := home.beds
		for i := range 4 {
			b, err := f.providers.CreateBed(ctx, asAdmin, home.provider.ID, providers.BedInput{Label: fmt.Sprintf("Short %d", i), ContractID: short.ID, BedType: "residential"})
			if err != nil {
				t.Fatal(err)
			}
			beds = append(beds, b)
		}
		for _, b := range beds {
			busyFor(booking.PlaceBed, b.ID, 0)
		}
		now := f.clk.Now().UTC()
		for i := range 12 {
			expires := now.Add(5 * time.Minute)
			if i%3 == 0 {
				expires = now.Add(-time.Minute) // expired: frees nothing, blocks nothing
			}
			night := r.IntN(29)
			h := booking.Hold{
				ID: fmt.Sprintf("hold-%d", i), PersonID: person().ID, CarerID: carer.ID, PlaceKind: booking.PlaceBed, PlaceID: beds[r.IntN(len(beds))].ID,
				Arrive: from.AddDays(night - 2), Depart: from.AddDays(night + 1 + r.IntN(2)), CreatedByKind: "carer", CreatedByID: carer.ID,
				CreatedAt: now, ExpiresAt: expires,
			}
			if _, err := db.NewInsert().Model(&h).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		ann := f.mkHost(t, "Ann Smith", 2, nil, nil, [2]string{"2027-03-25", "2027-04-08"}, [2]string{"2027-04-10", "2027-04-12"}, [2]string{"2027-04-13", "2027-05-10"})
		bea := f.mkHost(t, "Bea Jones", 1, nil, nil, [2]string{"2027-04-05", "2027-04-25"})
		busyFor(booking.PlaceHost, ann.ID, 0)
		busyFor(booking.PlaceHost, ann.ID, 1)
		busyFor(booking.PlaceHost, bea.ID, 0)

		for _, nights := range []int{1, 2, 3, 5} {
			found := 0
			for arrive := from; !arrive.AddDays(nights).After(to); arrive = arrive.AddDays(1) {
				inWindow, alone, err := f.svc.FreeBothWays(ctx, from, to, arrive, nights)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(alone, inWindow); diff != "" {
					t.Errorf("%d nights from %s: the window's answer differs from the stay's own (-alone +window):\n%s", nights, arrive, diff)
				}
				found += len(alone)
			}
			if found == 0 {
				t.Errorf("%d nights: nothing free on any date, so nothing was compared", nights)
			}
		}
	})
}
