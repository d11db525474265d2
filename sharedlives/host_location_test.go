package sharedlives_test

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
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/postcodes"
	"github.com/respite-uk/respite/postcodes/postcodestest"
	"github.com/respite-uk/respite/sharedlives"
)

// withLookup is the fixture with a postcode lookup against a fake of
// postcodes.io that knows LS8 2PQ (where validHost lives) and LS6 2AB.
func withLookup(t *testing.T, db *bun.DB) (*fixture, *postcodestest.Fake) {
	t.Helper()
	fake := postcodestest.New(t)
	fake.Add("LS8 2PQ", 53.8270, -1.5100)
	fake.Add("LS6 2AB", 53.8198, -1.5772)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	loc, err := postcodes.New(fake.URL(), postcodes.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, db)
	f.svc = sharedlives.NewService(db, f.sms, sharedlives.Options{Clock: f.clk.Now, Logger: log, Locator: loc})
	return f, fake
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

func TestService_CreateHost_Location(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()

		t.Run("without a lookup the position is required and in the UK", func(t *testing.T) {
			f := newFixture(t, db)
			in := anotherHost("No Position", "07700 900701")
			in.Latitude, in.Longitude = nil, nil
			_, err := f.svc.CreateHost(ctx, asCoordinator, in)
			if diff := cmp.Diff([]string{"latitude", "longitude"}, badFieldNames(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			in.Latitude, in.Longitude = new(-1.51), new(53.827)
			_, err = f.svc.CreateHost(ctx, asCoordinator, in)
			if msg := fieldMessage(t, err, "latitude"); msg != "The latitude and longitude look swapped round. Enter 53.827 as the latitude and -1.51 as the longitude." {
				t.Errorf("swapped: message %q", msg)
			}
			in.Latitude, in.Longitude = new(52.37), new(4.90) // Amsterdam
			_, err = f.svc.CreateHost(ctx, asCoordinator, in)
			if diff := cmp.Diff([]string{"longitude"}, badFieldNames(t, err)); diff != "" {
				t.Errorf("Amsterdam: bad fields (-want +got):\n%s", diff)
			}
		})

		t.Run("the lookup fills in a position left out", func(t *testing.T) {
			f, _ := withLookup(t, db)
			in := anotherHost("Filled In", "07700 900702")
			in.Latitude, in.Longitude = nil, nil
			h := f.mustCreate(t, in)
			if h.Latitude != 53.8270 || h.Longitude != -1.5100 {
				t.Errorf("position = %v, %v; want LS8 2PQ's", h.Latitude, h.Longitude)
			}
		})

		t.Run("a position more than 5 km from the postcode is refused", func(t *testing.T) {
			f, _ := withLookup(t, db)
			in := anotherHost("Far Away", "07700 900703")
			in.Latitude, in.Longitude = new(53.9), new(-1.51) // 8.1 km north
			_, err := f.svc.CreateHost(ctx, asCoordinator, in)
			if msg := fieldMessage(t, err, "latitude"); !strings.Contains(msg, "8.1 km from the postcode LS8 2PQ") {
				t.Errorf("message %q", msg)
			}
		})

		t.Run("an unknown postcode needs a position", func(t *testing.T) {
			f, _ := withLookup(t, db)
			in := anotherHost("Unknown Postcode", "07700 900704")
			in.Postcode, in.Latitude, in.Longitude = "LS99 9ZZ", nil, nil
			_, err := f.svc.CreateHost(ctx, asCoordinator, in)
			if diff := cmp.Diff([]string{"postcode"}, badFieldNames(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
		})

		t.Run("lookup down", func(t *testing.T) {
			f, fake := withLookup(t, db)
			fake.Fail(http.StatusInternalServerError)
			in := anotherHost("Lookup Down", "07700 900705")
			in.Latitude, in.Longitude = nil, nil
			if _, err := f.svc.CreateHost(ctx, asCoordinator, in); !errors.Is(err, contact.ErrLookupDown) {
				t.Fatalf("err = %v, want ErrLookupDown", err)
			}
			in.Latitude, in.Longitude = new(53.9), new(-1.51)
			f.mustCreate(t, in)
		})
	})
}

func TestService_UpdateHost_Location(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f, _ := withLookup(t, db)
		h := f.mustCreate(t, validHost())

		got, err := f.svc.UpdateHost(ctx, asCoordinator, h.ID, sharedlives.HostPatch{Postcode: new("LS6 2AB")})
		if err != nil {
			t.Fatal(err)
		}
		if got.Postcode != "LS6 2AB" || got.Latitude != 53.8198 || got.Longitude != -1.5772 {
			t.Errorf("moved without a position = %s %v, %v; want LS6 2AB's", got.Postcode, got.Latitude, got.Longitude)
		}

		_, err = f.svc.UpdateHost(ctx, asCoordinator, h.ID, sharedlives.HostPatch{Postcode: new("LS8 2PQ"), Latitude: new(53.7950), Longitude: new(-1.7594)})
		if msg := fieldMessage(t, err, "latitude"); !strings.Contains(msg, "from the postcode LS8 2PQ") {
			t.Errorf("a new postcode with a position far from it: message %q", msg)
		}

		t.Run("without a lookup a move needs a position", func(t *testing.T) {
			_, err := newFixture(t, db).svc.UpdateHost(ctx, asCoordinator, h.ID, sharedlives.HostPatch{Postcode: new("LS8 2PQ")})
			if diff := cmp.Diff([]string{"latitude", "longitude"}, badFieldNames(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
		})
	})
}
