package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/postcodes/postcodestest"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/sharedlives"
)

// TestOpen_PostcodeLookup checks that RESPITE_POSTCODE_LOOKUP_URL reaches
// every service that keeps a home's position: each fills one in from the
// fake, and each says the lookup is down when it is.
func TestOpen_PostcodeLookup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := postcodestest.New(t)
	fake.Add("LS7 1AB", 53.8149, -1.5267)
	env := sqliteEnv(t)
	env["RESPITE_POSTCODE_LOOKUP_URL"] = fake.URL() + "/"
	a, err := open(openEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	if err := a.prepareSchema(ctx, true); err != nil {
		t.Fatal(err)
	}
	duty := accounts.Principal{Kind: accounts.SubjectStaff, ID: 1, Role: accounts.RoleDuty}
	coordinator := accounts.Principal{Kind: accounts.SubjectStaff, ID: 2, Role: accounts.RoleCoordinator}
	home := providers.ProviderInput{Name: "Meadow View", Address: "14 Roundhay Road, Leeds", Postcode: "LS7 1AB", Phone: "0113 496 0001", BedTypes: []string{"residential"}}
	carer := booking.CarerInput{Name: "Pat Jones", Mobile: "07700 900123", Postcode: "LS7 1AB", AllowanceNights: new(28), AllowanceYearStarts: calendar.Date{Year: 2026, Month: 4, Day: 1}}
	host := sharedlives.HostInput{Name: "Sue Miller", Mobile: "07700 900301", Postcode: "LS7 1AB", Capacity: new(1), Offers: []string{"short_break"}, AgeGroups: []string{"adults"}}

	p, err := a.providers.CreateProvider(ctx, coordinator, home)
	if err != nil {
		t.Fatalf("CreateProvider: %v", err)
	}
	c, err := a.booking.CreateCarer(ctx, duty, carer)
	if err != nil {
		t.Fatalf("CreateCarer: %v", err)
	}
	h, err := a.hosts.CreateHost(ctx, coordinator, host)
	if err != nil {
		t.Fatalf("CreateHost: %v", err)
	}
	for who, got := range map[string][2]float64{
		"home": {p.Latitude, p.Longitude}, "carer": {c.Latitude, c.Longitude}, "host": {h.Latitude, h.Longitude},
	} {
		if got != [2]float64{53.8149, -1.5267} {
			t.Errorf("%s's position = %v; want LS7 1AB's", who, got)
		}
	}

	fake.Fail(http.StatusInternalServerError)
	home.Name = "Another Home"
	carer.Mobile = "07700 900124"
	host.Mobile = "07700 900302"
	for who, err := range map[string]error{
		"home":  second(a.providers.CreateProvider(ctx, coordinator, home)),
		"carer": second(a.booking.CreateCarer(ctx, duty, carer)),
		"host":  second(a.hosts.CreateHost(ctx, coordinator, host)),
	} {
		if !errors.Is(err, contact.ErrLookupDown) {
			t.Errorf("%s with the lookup down: err = %v, want ErrLookupDown", who, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// openEnv gives open a test's environment, as run would.
func openEnv(e environ) env {
	return env{getenv: e.getenv, stdout: io.Discard, stderr: io.Discard}
}

func TestRun_BadPostcodeLookupURL(t *testing.T) {
	t.Parallel()
	env := sqliteEnv(t)
	env["RESPITE_POSTCODE_LOOKUP_URL"] = "api.postcodes.io"
	got := respite(t, env, "", "serve")
	if got.code != exitUsage || !strings.HasPrefix(got.stderr, "respite: configuration: RESPITE_POSTCODE_LOOKUP_URL ") {
		t.Errorf("serve with a bad lookup URL = %s; want exit status %d naming RESPITE_POSTCODE_LOOKUP_URL", got, exitUsage)
	}
}
