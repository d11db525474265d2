package booking_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/providers"
)

// Closures live in providers, but what they must do is about bookings:
// a closed night is offered to nobody, planned or emergency, and a closure
// never hides a booked night from staff. So they are tested here, with
// real stays. The clock is 1 March 2027.
func TestClosure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		oak := f.mkHome(t, "Oak", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"}, providers.BedInput{BedType: "residential"})
		elm := f.mkHome(t, "Elm", 53.81, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		room1, room2, elmBed := oak.beds[0], oak.beds[1], elm.beds[0]
		carer := f.mkCarer(t, 60)
		actor := carerActor(carer)
		p := f.mkPerson(t, carer, "1950-01-01", nil, nil)
		stay := f.book(t, actor, p, room1, "2027-03-10", "2027-03-13") // Room 1: nights 10, 11, 12 March

		closures := func(t *testing.T, home providers.Provider) []providers.Closure {
			t.Helper()
			cs, err := f.providers.Closures(ctx, home.ID)
			if err != nil {
				t.Fatal(err)
			}
			return cs
		}
		offered := func(t *testing.T, arrive, depart string) []string {
			t.Helper()
			opts, err := f.svc.Availability(ctx, actor, booking.Search{PersonID: p.ID, Arrive: d(arrive), Depart: d(depart)})
			if err != nil {
				t.Fatal(err)
			}
			return names(opts)
		}
		closeBed := func(bed providers.Bed) *int64 { return &bed.ID }

		t.Run("closing a bed over a booked night is refused, naming the stay", func(t *testing.T) {
			got, err := f.providers.CreateClosure(ctx, asAdmin, oak.provider.ID, providers.ClosureInput{BedID: closeBed(room1), StartsOn: d("2027-03-12"), EndsOn: d("2027-03-20"), Reason: "Outbreak", CreatedBy: 1})
			e, ok := apperr.As(err)
			if !errors.Is(err, providers.ErrClosureHasStays) || !ok || !strings.Contains(e.Message, stay.Reference+" (Room 1, Wednesday 10 March 2027 to Saturday 13 March 2027)") {
				t.Fatalf("CreateClosure over a booked night = %v; want ErrClosureHasStays naming %s", err, stay.Reference)
			}
			want := []providers.StayInTheWay{{BookingID: stay.ID, Reference: stay.Reference, BedID: room1.ID, BedLabel: "Room 1", Arrive: d("2027-03-10"), Depart: d("2027-03-13")}}
			if diff := cmp.Diff(want, got.StaysInTheWay); diff != "" {
				t.Errorf("stays in the way (-want +got):\n%s", diff)
			}
			if cs := closures(t, oak.provider); len(cs) != 0 {
				t.Errorf("a refused closure was kept: %+v", cs)
			}
		})

		t.Run("bad closures are refused field by field", func(t *testing.T) {
			_, err := f.providers.CreateClosure(ctx, asAdmin, oak.provider.ID, providers.ClosureInput{BedID: closeBed(elmBed), StartsOn: d("2027-02-28"), EndsOn: d("2027-02-01"), Reason: "  "})
			if fields, _ := apperr.FieldNames(err); strings.Join(fields, ",") != "starts_on,ends_on,reason" {
				t.Errorf("CreateClosure(past, backwards, no reason) = %v", err)
			}
			_, err = f.providers.CreateClosure(ctx, asAdmin, oak.provider.ID, providers.ClosureInput{BedID: closeBed(elmBed), StartsOn: d("2027-03-02"), EndsOn: d("2027-03-03"), Reason: "Leak"})
			if fields, _ := apperr.FieldNames(err); strings.Join(fields, ",") != "bed_id" {
				t.Errorf("closing another home's bed = %v; want bed_id refused", err)
			}
			if _, err := f.providers.CreateClosure(ctx, asAdmin, 999999, providers.ClosureInput{StartsOn: d("2027-03-02"), EndsOn: d("2027-03-03"), Reason: "Leak"}); !errors.Is(err, providers.ErrProviderNotFound) {
				t.Errorf("closing an unknown home = %v", err)
			}
		})

		var refurb providers.Closure
		t.Run("a closed bed is offered to nobody, and its nights to no hold", func(t *testing.T) {
			var err error
			refurb, err = f.providers.CreateClosure(ctx, asAdmin, oak.provider.ID, providers.ClosureInput{BedID: closeBed(room2), StartsOn: d("2027-03-14"), EndsOn: d("2027-03-15"), Reason: "Refurbishment", CreatedBy: 1})
			if err != nil || refurb.ID == 0 || refurb.BedLabel != "Room 2" || len(refurb.StaysInTheWay) != 0 {
				t.Fatalf("closing Room 2 = %+v, %v", refurb, err)
			}
			if got := offered(t, "2027-03-14", "2027-03-16"); !slices.Equal(got, []string{"Oak/Room 1", "Elm/Room 1"}) {
				t.Errorf("offered over the closed nights: %v; want Room 1 at Oak and Elm's bed, not Room 2", got)
			}
			if got := offered(t, "2027-03-15", "2027-03-16"); slices.Contains(got, "Oak/Room 2") {
				t.Errorf("the closure's last night is offered: %v", got)
			}
			if got := offered(t, "2027-03-16", "2027-03-17"); !slices.Contains(got, "Oak/Room 2") {
				t.Errorf("the night after the closure is not offered: %v", got)
			}
			_, err = f.svc.CreateHold(ctx, actor, booking.HoldRequest{PersonID: p.ID, Place: booking.Place{Kind: booking.PlaceBed, ID: room2.ID}, Arrive: d("2027-03-13"), Depart: d("2027-03-15")})
			if !errors.Is(err, booking.ErrNightsTaken) {
				t.Errorf("holding a closed night = %v; want ErrNightsTaken", err)
			}
		})

		t.Run("a search over many dates agrees with each stay's own", func(t *testing.T) {
			for _, nights := range []int{1, 2, 4} {
				for arrive := d("2027-03-08"); arrive.Before(d("2027-03-20")); arrive = arrive.AddDays(1) {
					inWindow, alone, err := f.svc.FreeBothWays(ctx, d("2027-03-05"), d("2027-03-25"), arrive, nights)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(alone, inWindow); diff != "" {
						t.Errorf("%d nights from %s (-alone +window):\n%s", nights, arrive, diff)
					}
				}
			}
		})

		t.Run("a hold made before the closure cannot be confirmed after it", func(t *testing.T) {
			other := f.mkPerson(t, carer, "1950-01-01", nil, nil)
			h, err := f.svc.CreateHold(ctx, actor, booking.HoldRequest{PersonID: other.ID, Place: booking.Place{Kind: booking.PlaceBed, ID: elmBed.ID}, Arrive: d("2027-03-20"), Depart: d("2027-03-22")})
			if err != nil {
				t.Fatal(err)
			}
			// A hold is not a stay: the closure is not refused for it.
			if _, err := f.providers.CreateClosure(ctx, asAdmin, elm.provider.ID, providers.ClosureInput{StartsOn: d("2027-03-21"), EndsOn: d("2027-03-21"), Reason: "Outbreak"}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.svc.Confirm(ctx, actor, h.ID, ""); !errors.Is(err, booking.ErrNightsTaken) {
				t.Errorf("confirming a hold on a night closed since = %v; want ErrNightsTaken", err)
			}
		})

		t.Run("a closed home is offered to nobody in an emergency", func(t *testing.T) {
			if _, err := f.providers.CreateClosure(ctx, asAdmin, elm.provider.ID, providers.ClosureInput{StartsOn: d("2027-03-01"), EndsOn: d("2027-03-02"), Reason: "Outbreak"}); err != nil {
				t.Fatal(err)
			}
			opts, err := f.svc.EmergencyOptions(ctx, duty, p.ID, d("2027-03-01"), d("2027-03-02"))
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range opts {
				if o.Place.Kind == booking.PlaceBed && o.Place.ID == elmBed.ID {
					t.Errorf("a bed in a closed home is an emergency option: %+v", o)
				}
			}
			_, err = f.svc.PlaceEmergency(ctx, duty, booking.EmergencyRequest{PersonID: p.ID, Place: booking.Place{Kind: booking.PlaceBed, ID: elmBed.ID},
				Arrive: d("2027-03-01"), Depart: d("2027-03-02"), Reason: "carer taken ill"})
			if err == nil {
				t.Error("duty staff placed someone in a closed home")
			}

			// With Oak closed too, no bed is free: the homes to ring for a
			// spot purchase are those not closed.
			f.mkHome(t, "Ash", 53.82, -1.55, providers.ProviderInput{})
			oakShut, err := f.providers.CreateClosure(ctx, asAdmin, oak.provider.ID, providers.ClosureInput{StartsOn: d("2027-03-01"), EndsOn: d("2027-03-01"), Reason: "Outbreak"})
			if err != nil {
				t.Fatal(err)
			}
			defer f.providers.LiftClosure(ctx, asAdmin, oakShut.ID, d("2027-03-01"))
			opts, err = f.svc.EmergencyOptions(ctx, duty, p.ID, d("2027-03-01"), d("2027-03-02"))
			var spots []string
			for _, o := range opts {
				spots = append(spots, o.Tier+" "+o.Provider)
			}
			if err != nil || !slices.Equal(spots, []string{"spot Ash"}) {
				t.Errorf("options with Oak and Elm closed = %v, %v; want only Ash to ring", spots, err)
			}
			// A spot purchase at a closed home is refused too, naming the closure.
			_, err = f.svc.SpotPlacement(ctx, duty, booking.SpotRequest{PersonID: p.ID, ProviderID: oak.provider.ID, BedType: "residential",
				NightlyRatePence: ptr(int64(20000)), Arrive: d("2027-03-01"), Depart: d("2027-03-02"), Reason: "carer taken ill"})
			if !errors.Is(err, booking.ErrNightsTaken) || !strings.Contains(err.Error(), "closed to admissions") {
				t.Errorf("a spot purchase at a closed home = %v; want it refused as closed", err)
			}
		})

		t.Run("confirmed over a stay, it is made and lists the stay to move", func(t *testing.T) {
			c, err := f.providers.CreateClosure(ctx, asAdmin, oak.provider.ID, providers.ClosureInput{StartsOn: d("2027-03-11"), EndsOn: d("2027-03-12"), Reason: "Outbreak", CreatedBy: 7, ConfirmStaysInTheWay: true})
			if err != nil || c.ID == 0 || !c.WholeHome() || len(c.StaysInTheWay) != 1 || c.StaysInTheWay[0].Reference != stay.Reference {
				t.Fatalf("closing the home anyway = %+v, %v", c, err)
			}
			cs := closures(t, oak.provider)
			if len(cs) != 2 || cs[0].ID != c.ID || cs[1].ID != refurb.ID || len(cs[0].StaysInTheWay) != 1 || cs[0].CreatedBy != 7 || cs[1].BedLabel != "Room 2" {
				t.Errorf("Oak's closures = %+v; want the home's (with the stay to move) then Room 2's", cs)
			}
			if got, err := f.svc.Booking(ctx, duty, stay.ID); err != nil || got.Status != booking.StatusConfirmed {
				t.Errorf("the stay in the way = %+v, %v; want it still booked, for staff to move", got, err)
			}
		})

		t.Run("lifting a closure that has not begun deletes it; one under way ends early", func(t *testing.T) {
			if _, deleted, err := f.providers.LiftClosure(ctx, asAdmin, refurb.ID, d("2027-03-14")); err != nil || !deleted {
				t.Fatalf("lifting Room 2's closure from its first night: deleted %v, %v", deleted, err)
			}
			if got := offered(t, "2027-03-14", "2027-03-16"); !slices.Contains(got, "Oak/Room 2") {
				t.Errorf("a lifted closure still keeps Room 2 from being offered: %v", got)
			}
			if _, err := f.providers.Closure(ctx, refurb.ID); !errors.Is(err, providers.ErrClosureNotFound) {
				t.Errorf("the lifted closure is still there: %v", err)
			}

			long, err := f.providers.CreateClosure(ctx, asAdmin, oak.provider.ID, providers.ClosureInput{BedID: closeBed(room2), StartsOn: d("2027-03-01"), EndsOn: d("2027-03-31"), Reason: "Refurbishment"})
			if err != nil {
				t.Fatal(err)
			}
			lifted, deleted, err := f.providers.LiftClosure(ctx, asAdmin, long.ID, d("2027-03-20"))
			if err != nil || deleted || lifted.EndsOn != d("2027-03-19") {
				t.Fatalf("lifting from 20 March = %+v, deleted %v, %v; want it ending on 19 March", lifted, deleted, err)
			}
			if got := offered(t, "2027-03-20", "2027-03-22"); !slices.Contains(got, "Oak/Room 2") {
				t.Errorf("nights after a closure ended early are not offered: %v", got)
			}
			if got := offered(t, "2027-03-18", "2027-03-20"); slices.Contains(got, "Oak/Room 2") {
				t.Errorf("nights still closed are offered: %v", got)
			}
			if _, _, err := f.providers.LiftClosure(ctx, asAdmin, long.ID, d("2027-03-25")); apperr.KindOf(err) != apperr.Invalid {
				t.Errorf("lifting from after it ends = %v; want Invalid", err)
			}
			if _, _, err := f.providers.LiftClosure(ctx, asAdmin, long.ID, d("2027-02-25")); apperr.KindOf(err) != apperr.Invalid {
				t.Errorf("lifting from before today = %v; want Invalid", err)
			}
			f.clk.Set(london("2027-03-25 09:00"))
			defer f.clk.Set(london("2027-03-01 10:00"))
			if _, _, err := f.providers.LiftClosure(ctx, asAdmin, long.ID, d("2027-03-25")); !errors.Is(err, providers.ErrClosureOver) {
				t.Errorf("lifting a closure that is over = %v; want ErrClosureOver", err)
			}
			if _, _, err := f.providers.LiftClosure(ctx, asAdmin, 999999, d("2027-03-25")); !errors.Is(err, providers.ErrClosureNotFound) {
				t.Errorf("lifting an unknown closure = %v", err)
			}
		})
	})
}
