package providers_test

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
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/postcodes"
	"github.com/respite-uk/respite/postcodes/postcodestest"
	"github.com/respite-uk/respite/providers"
)

// withLookup returns the service with a postcode lookup against a fake of
// postcodes.io that knows LS1 4AP (where validHome is) and LS7 1AB.
func withLookup(t *testing.T, db *bun.DB) (*providers.Service, *postcodestest.Fake) {
	t.Helper()
	fake := postcodestest.New(t)
	fake.Add("LS1 4AP", 53.7997, -1.5492)
	fake.Add("LS7 1AB", 53.8149, -1.5267)
	loc, err := postcodes.New(fake.URL(), postcodes.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return providers.NewServiceWith(db, providers.Options{Clock: calendar.Fixed(now), Locator: loc}), fake
}

// messageFor returns the message of field in an Invalid error.
func messageFor(t *testing.T, err error, field string) string {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("err = %v, want an apperr", err)
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Message
		}
	}
	t.Fatalf("err = %v has no message for %s", err, field)
	return ""
}

func TestService_CreateProvider_Location(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()

		t.Run("without a lookup the position is required and in the UK", func(t *testing.T) {
			svc := newService(db)
			in := validHome()
			in.Latitude, in.Longitude = nil, nil
			_, err := svc.CreateProvider(ctx, admin, in)
			if diff := cmp.Diff([]string{"latitude", "longitude"}, fieldsOf(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			in.Latitude, in.Longitude = ptr(-1.5492), ptr(53.7997)
			_, err = svc.CreateProvider(ctx, admin, in)
			if msg := messageFor(t, err, "latitude"); !strings.Contains(msg, "swapped round") {
				t.Errorf("swapped: message %q", msg)
			}
			in.Latitude, in.Longitude = ptr(40.4168), ptr(-3.7038) // Madrid
			_, err = svc.CreateProvider(ctx, admin, in)
			if diff := cmp.Diff([]string{"latitude"}, fieldsOf(t, err)); diff != "" {
				t.Errorf("Madrid: bad fields (-want +got):\n%s", diff)
			}
			if n := count(t, db, (*providers.Provider)(nil)); n != 0 {
				t.Errorf("care homes = %d, want none", n)
			}
		})

		t.Run("the lookup fills in a position left out", func(t *testing.T) {
			svc, _ := withLookup(t, db)
			in := validHome()
			in.Name, in.Latitude, in.Longitude = "Filled In", nil, nil
			p, err := svc.CreateProvider(ctx, admin, in)
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := svc.Provider(ctx, p.ID)
			if stored.Latitude != 53.7997 || stored.Longitude != -1.5492 {
				t.Errorf("stored position = %v, %v; want LS1 4AP's", stored.Latitude, stored.Longitude)
			}
		})

		t.Run("a position more than 5 km from the postcode is refused", func(t *testing.T) {
			svc, _ := withLookup(t, db)
			in := validHome()
			in.Name, in.Latitude, in.Longitude = "Far Away", ptr(53.7950), ptr(-1.7594) // Bradford
			_, err := svc.CreateProvider(ctx, admin, in)
			msg := messageFor(t, err, "latitude")
			if !strings.Contains(msg, "13.8 km from the postcode LS1 4AP") || !strings.Contains(msg, "within 5 km") {
				t.Errorf("message %q does not give the distance and the limit", msg)
			}
			in.Latitude, in.Longitude = ptr(53.8100), ptr(-1.5600) // 1.4 km away
			if _, err := svc.CreateProvider(ctx, admin, in); err != nil {
				t.Errorf("1.4 km away: %v", err)
			}
		})

		t.Run("an unknown postcode needs a position", func(t *testing.T) {
			svc, _ := withLookup(t, db)
			in := validHome()
			in.Name, in.Postcode, in.Latitude, in.Longitude = "New Build", "LS99 9ZZ", nil, nil
			_, err := svc.CreateProvider(ctx, admin, in)
			if msg := messageFor(t, err, "postcode"); msg != "We cannot find that postcode. Check it, or enter the latitude and longitude." {
				t.Errorf("message %q", msg)
			}
			in.Latitude, in.Longitude = ptr(53.85), ptr(-1.6)
			if _, err := svc.CreateProvider(ctx, admin, in); err != nil {
				t.Errorf("with a position: %v", err)
			}
		})

		t.Run("lookup down", func(t *testing.T) {
			svc, fake := withLookup(t, db)
			fake.Fail(http.StatusInternalServerError)
			in := validHome()
			in.Name, in.Latitude, in.Longitude = "Lookup Down", nil, nil
			_, err := svc.CreateProvider(ctx, admin, in)
			if !errors.Is(err, contact.ErrLookupDown) || apperr.KindOf(err) != apperr.Unavailable {
				t.Fatalf("err = %v, want ErrLookupDown", err)
			}
			// Entered by hand, the position is checked against the UK only.
			in.Latitude, in.Longitude = ptr(53.7950), ptr(-1.7594)
			if _, err := svc.CreateProvider(ctx, admin, in); err != nil {
				t.Errorf("position by hand: %v", err)
			}
		})
	})
}

func TestService_UpdateProvider_Location(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc, fake := withLookup(t, db)
		p := mustCreateProvider(t, svc, validHome())

		got, err := svc.UpdateProvider(ctx, admin, p.ID, providers.ProviderPatch{Postcode: ptr("ls7 1ab")})
		if err != nil {
			t.Fatal(err)
		}
		if got.Postcode != "LS7 1AB" || got.Latitude != 53.8149 || got.Longitude != -1.5267 {
			t.Errorf("moved without a position: %+v; want LS7 1AB's position", got)
		}

		_, err = svc.UpdateProvider(ctx, admin, p.ID, providers.ProviderPatch{Latitude: ptr(53.7950), Longitude: ptr(-1.7594)})
		if msg := messageFor(t, err, "latitude"); !strings.Contains(msg, "from the postcode LS7 1AB") {
			t.Errorf("position far from the stored postcode: message %q", msg)
		}

		asked := len(fake.Asked())
		if _, err := svc.UpdateProvider(ctx, admin, p.ID, providers.ProviderPatch{Name: ptr("Renamed"), Postcode: ptr("LS7 1AB")}); err != nil {
			t.Fatal(err)
		}
		if n := len(fake.Asked()) - asked; n != 0 {
			t.Errorf("a change that leaves the place looked it up %d times", n)
		}

		t.Run("without a lookup a move needs a position", func(t *testing.T) {
			_, err := newService(db).UpdateProvider(ctx, admin, p.ID, providers.ProviderPatch{Postcode: ptr("LS1 4AP")})
			if diff := cmp.Diff([]string{"latitude", "longitude"}, fieldsOf(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
		})

		t.Run("lookup down while moving", func(t *testing.T) {
			fake.Fail(http.StatusBadGateway)
			t.Cleanup(func() { fake.Fail(0) })
			if _, err := svc.UpdateProvider(ctx, admin, p.ID, providers.ProviderPatch{Postcode: ptr("LS1 4AP")}); !errors.Is(err, contact.ErrLookupDown) {
				t.Errorf("err = %v, want ErrLookupDown", err)
			}
			stored, _ := svc.Provider(ctx, p.ID)
			if stored.Postcode != "LS7 1AB" {
				t.Errorf("a refused move changed the postcode to %s", stored.Postcode)
			}
		})
	})
}

func TestService_CreateProvider_PossibleDuplicate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newService(db)
		first := mustCreateProvider(t, svc, validHome())

		again := validHome()
		again.Name, again.Postcode = " MEADOW VIEW ", "LS14AP"
		_, err := svc.CreateProvider(ctx, admin, again)
		if !errors.Is(err, providers.ErrPossibleDuplicate) || apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("err = %v, want ErrPossibleDuplicate", err)
		}
		if e, _ := apperr.As(err); e.Message != "There is already a care home called Meadow View at this postcode. Is this the same home?" {
			t.Errorf("message %q", e.Message)
		}
		if n := count(t, db, (*providers.Provider)(nil)); n != 1 {
			t.Errorf("care homes = %d, want 1", n)
		}

		elsewhere := validHome()
		elsewhere.Postcode = "LS2 7EW"
		if _, err := svc.CreateProvider(ctx, admin, elsewhere); err != nil {
			t.Errorf("same name elsewhere: %v", err)
		}

		second, err := svc.CreateProviderConfirmed(ctx, admin, again)
		if err != nil {
			t.Fatalf("confirmed new: %v", err)
		}
		if second.ID == first.ID || second.Name != "MEADOW VIEW" {
			t.Errorf("confirmed new = %+v", second)
		}

		t.Run("bad input is reported before the question", func(t *testing.T) {
			bad := validHome()
			bad.Phone = "12"
			_, err := svc.CreateProvider(ctx, admin, bad)
			if diff := cmp.Diff([]string{"phone"}, fieldsOf(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
		})
	})
}
