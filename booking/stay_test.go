package booking_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/sharedlives"
)

// stayLine is what a test checks of a stay.
type stayLine struct {
	Reference, Arrive, Status, Person, Place, Address, Phone string
	Upcoming                                                 bool
}

func stayLines(stays []booking.Stay) []stayLine {
	out := []stayLine{}
	for _, s := range stays {
		out = append(out, stayLine{s.Reference, s.Arrive.String(), s.Status, s.PersonName, s.PlaceName, s.Address, s.Phone, s.Upcoming})
	}
	return out
}

func TestService_Stays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil) // today is Monday 1 March 2027
		ctx := context.Background()
		oak := f.mkHome(t, "Oak House", 53.81, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"}, providers.BedInput{BedType: "residential"})
		ann := f.mkHost(t, "Ann Smith", 1, nil, nil, [2]string{"2027-03-01", "2027-12-31"})
		if _, err := db.NewUpdate().Model((*sharedlives.Host)(nil)).Set("address = ?", "2 Host Lane, Leeds").Where("id = ?", ann.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		carer := f.mkCarer(t, 40)
		jo := f.mkPerson(t, carer, "1950-01-01", nil, nil)
		sam := f.mkPerson(t, carer, "1948-06-01", nil, nil)
		if _, err := db.NewUpdate().Model((*booking.Person)(nil)).Set("name = ?", "Sam").Where("id = ?", sam.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		bed := oak.beds[0]

		longAgo := f.occupy(t, jo, booking.PlaceBed, bed.ID, 0, d("2027-02-10"), d("2027-02-12"))
		endsToday := f.occupy(t, sam, booking.PlaceBed, bed.ID, 0, d("2027-02-27"), d("2027-03-01"))
		underway := f.occupy(t, jo, booking.PlaceBed, oak.beds[1].ID, 0, d("2027-02-28"), d("2027-03-03"))
		hosted := f.occupy(t, jo, booking.PlaceHost, ann.ID, 0, d("2027-04-10"), d("2027-04-12"))
		booked := f.book(t, carerActor(carer), jo, bed, "2027-04-03", "2027-04-05")
		cancelled := f.book(t, carerActor(carer), sam, bed, "2027-05-01", "2027-05-03")
		if _, err := f.svc.Cancel(ctx, carerActor(carer), cancelled.ID, ""); err != nil {
			t.Fatal(err)
		}
		// Someone else's stay, at the same bed.
		otherCarer := f.mkCarer(t, 40)
		theirs := f.occupy(t, f.mkPerson(t, otherCarer, "1950-01-01", nil, nil), booking.PlaceBed, bed.ID, 0, d("2027-06-01"), d("2027-06-02"))

		home := func(b booking.Booking, who string, upcoming bool) stayLine {
			room := "Room 1"
			if b.PlaceID == oak.beds[1].ID {
				room = "Room 2"
			}
			return stayLine{b.Reference, b.Arrive.String(), booking.StatusConfirmed, who, "Oak House, " + room, "1 Test Road, Leeds, LS1 4AP", oak.provider.Phone, upcoming}
		}
		wantUpcoming := []stayLine{
			home(underway, "Jo", true), // ends after today: still upcoming
			home(booked, "Jo", true),
			{hosted.Reference, "2027-04-10", booking.StatusConfirmed, "Jo", "Shared Lives host Ann", "2 Host Lane, Leeds, LS6 1AA", "", true},
		}
		cancelledLine := home(cancelled, "Sam", false)
		cancelledLine.Status = booking.StatusCancelled
		wantPast := []stayLine{
			cancelledLine,                 // latest first, cancelled ones too
			home(endsToday, "Sam", false), // departed today
			home(longAgo, "Jo", false),
		}

		for _, actor := range []struct {
			name  string
			actor func() (upcoming, past []booking.Stay, err error)
		}{
			{"the carer", func() ([]booking.Stay, []booking.Stay, error) { return f.svc.Stays(ctx, carerActor(carer), carer.ID) }},
			{"the duty team", func() ([]booking.Stay, []booking.Stay, error) { return f.svc.Stays(ctx, duty, carer.ID) }},
		} {
			t.Run(actor.name, func(t *testing.T) {
				upcoming, past, err := actor.actor()
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(wantUpcoming, stayLines(upcoming)); diff != "" {
					t.Errorf("upcoming (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(wantPast, stayLines(past)); diff != "" {
					t.Errorf("past (-want +got):\n%s", diff)
				}
				if upcoming[0].Booking.ID != underway.ID || upcoming[0].Nights != 3 || upcoming[0].Depart != d("2027-03-03") {
					t.Errorf("the booking itself did not come through: %+v", upcoming[0].Booking)
				}
			})
		}

		t.Run("one stay", func(t *testing.T) {
			got, err := f.svc.Stay(ctx, carerActor(carer), hosted.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantUpcoming[2], stayLines([]booking.Stay{got})[0]); diff != "" {
				t.Errorf("stay (-want +got):\n%s", diff)
			}
			if _, err := f.svc.Stay(ctx, carerActor(carer), hosted.ID+9999); !errors.Is(err, booking.ErrBookingNotFound) {
				t.Errorf("no such booking: err = %v, want ErrBookingNotFound", err)
			}
		})

		t.Run("a carer with no stays", func(t *testing.T) {
			upcoming, past, err := f.svc.Stays(ctx, carerActor(otherCarer), otherCarer.ID)
			if err != nil || len(upcoming) != 1 || len(past) != 0 {
				t.Errorf("Stays = %d upcoming, %d past, %v; want their one stay", len(upcoming), len(past), err)
			}
			lonely := f.mkCarer(t, 40)
			upcoming, past, err = f.svc.Stays(ctx, carerActor(lonely), lonely.ID)
			if err != nil || upcoming == nil || past == nil || len(upcoming)+len(past) != 0 {
				t.Errorf("Stays = %#v, %#v, %v; want two empty lists", upcoming, past, err)
			}
		})

		t.Run("only the carer's own", func(t *testing.T) {
			if _, _, err := f.svc.Stays(ctx, carerActor(otherCarer), carer.ID); !errors.Is(err, booking.ErrCarerNotFound) {
				t.Errorf("another carer's stays: err = %v, want ErrCarerNotFound", err)
			}
			if _, err := f.svc.Stay(ctx, carerActor(carer), theirs.ID); !errors.Is(err, booking.ErrBookingNotFound) {
				t.Errorf("another carer's stay: err = %v, want ErrBookingNotFound", err)
			}
			if _, _, err := f.svc.Stays(ctx, duty, carer.ID+9999); !errors.Is(err, booking.ErrCarerNotFound) {
				t.Errorf("no such carer: err = %v, want ErrCarerNotFound", err)
			}
			_, _, err := f.svc.Stays(ctx, asCoordinator, carer.ID)
			wantForbidden(t, "a coordinator", err)
			_, err = f.svc.Stay(ctx, asHost, hosted.ID)
			wantForbidden(t, "a host", err)
		})
	})
}
