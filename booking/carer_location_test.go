package booking_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/postcodes"
	"github.com/respite-uk/respite/postcodes/postcodestest"
	"github.com/respite-uk/respite/providers"
)

// carersWithLookup is the carers service with a postcode lookup against a
// fake of postcodes.io that knows LS6 2AB (where validCarer lives) and
// LS2 7EW.
func carersWithLookup(t *testing.T, db *bun.DB) (*booking.Service, *postcodestest.Fake) {
	t.Helper()
	fake := postcodestest.New(t)
	fake.Add("LS6 2AB", 53.8198, -1.5772)
	fake.Add("LS2 7EW", 53.8008, -1.5491)
	loc, err := postcodes.New(fake.URL(), postcodes.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	svc := booking.NewService(db, providers.NewService(db, nil), nil, booking.NewLocalHoldStore(), booking.Options{Clock: calendar.Fixed(carersNow), Locator: loc})
	return svc, fake
}

// fieldMessage returns the message for field in err's field list.
func fieldMessage(t *testing.T, err error, field string) string {
	t.Helper()
	if e, ok := apperr.As(err); ok {
		for _, f := range e.Fields {
			if f.Field == field {
				return f.Message
			}
		}
	}
	t.Fatalf("err = %v has no message for %s", err, field)
	return ""
}

func TestService_CreateCarer_Location(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()

		t.Run("without a lookup the position is required and in the UK", func(t *testing.T) {
			svc := newCarerService(db)
			in := anotherCarer("No Position", "07700 900601")
			in.Latitude, in.Longitude = nil, nil
			_, err := svc.CreateCarer(ctx, asDuty, in)
			if diff := cmp.Diff([]string{"latitude", "longitude"}, badFieldNames(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			in.Latitude, in.Longitude = new(-1.5772), new(53.8198)
			_, err = svc.CreateCarer(ctx, asDuty, in)
			if msg := fieldMessage(t, err, "latitude"); !strings.Contains(msg, "look swapped round") {
				t.Errorf("swapped: message %q", msg)
			}
		})

		t.Run("the lookup fills in a position left out", func(t *testing.T) {
			svc, _ := carersWithLookup(t, db)
			in := anotherCarer("Filled In", "07700 900602")
			in.Latitude, in.Longitude = nil, nil
			c := mustCreateCarer(t, svc, in)
			stored, _ := svc.Carer(ctx, asDuty, c.ID)
			if stored.Latitude != 53.8198 || stored.Longitude != -1.5772 {
				t.Errorf("stored position = %v, %v; want LS6 2AB's", stored.Latitude, stored.Longitude)
			}
		})

		t.Run("a position more than 5 km from the postcode is refused", func(t *testing.T) {
			svc, _ := carersWithLookup(t, db)
			in := anotherCarer("Far Away", "07700 900603")
			in.Latitude, in.Longitude = new(53.7950), new(-1.7594) // Bradford
			_, err := svc.CreateCarer(ctx, asDuty, in)
			if msg := fieldMessage(t, err, "latitude"); !strings.Contains(msg, "km from the postcode LS6 2AB; they must be within 5 km") {
				t.Errorf("message %q", msg)
			}
		})

		t.Run("lookup down", func(t *testing.T) {
			svc, fake := carersWithLookup(t, db)
			fake.Fail(http.StatusServiceUnavailable)
			in := anotherCarer("Lookup Down", "07700 900604")
			in.Latitude, in.Longitude = nil, nil
			if _, err := svc.CreateCarer(ctx, asDuty, in); !errors.Is(err, contact.ErrLookupDown) {
				t.Fatalf("err = %v, want ErrLookupDown", err)
			}
			in.Latitude, in.Longitude = new(53.7950), new(-1.7594)
			if _, err := svc.CreateCarer(ctx, asDuty, in); err != nil {
				t.Errorf("position by hand: %v", err)
			}
		})
	})
}

func TestService_UpdateCarer_Location(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc, fake := carersWithLookup(t, db)
		c := mustCreateCarer(t, svc, validCarer())

		got, err := svc.UpdateCarer(ctx, asDuty, c.ID, booking.CarerPatch{Postcode: new("ls2 7ew")})
		if err != nil {
			t.Fatal(err)
		}
		if got.Postcode != "LS2 7EW" || got.Latitude != 53.8008 || got.Longitude != -1.5491 {
			t.Errorf("moved without a position = %s %v, %v; want LS2 7EW's", got.Postcode, got.Latitude, got.Longitude)
		}

		asked := len(fake.Asked())
		if _, err := svc.UpdateCarer(ctx, asDuty, c.ID, booking.CarerPatch{Name: new("Pat Jones-Smith")}); err != nil {
			t.Fatal(err)
		}
		if n := len(fake.Asked()) - asked; n != 0 {
			t.Errorf("a change that leaves the place looked it up %d times", n)
		}

		_, err = svc.UpdateCarer(ctx, asDuty, c.ID, booking.CarerPatch{Latitude: new(54.5), Longitude: new(-3.0)})
		if msg := fieldMessage(t, err, "latitude"); !strings.Contains(msg, "from the postcode LS2 7EW") {
			t.Errorf("far from the stored postcode: message %q", msg)
		}

		t.Run("a position stored before the rule does not stop a carer's own changes", func(t *testing.T) {
			if _, err := db.NewUpdate().Model((*booking.Carer)(nil)).Set("latitude = 0, longitude = 0").Where("id = ?", c.ID).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.UpdateOwnDetails(ctx, asCarer(c), booking.OwnDetailsPatch{Email: new("pat@example.org")}); err != nil {
				t.Errorf("UpdateOwnDetails: %v", err)
			}
			_, err := svc.UpdateCarer(ctx, asDuty, c.ID, booking.CarerPatch{Email: new("pat@example.org")})
			if diff := cmp.Diff([]string{"latitude"}, badFieldNames(t, err)); diff != "" {
				t.Errorf("staff see the fault (-want +got):\n%s", diff)
			}
		})
	})
}
