package providers_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/paging"
	"github.com/respite-uk/respite/providers"
)

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// admin is who makes the changes, for the audit log.
var admin = accounts.Principal{Kind: accounts.SubjectStaff, ID: 1, Name: "Ade", Role: accounts.RoleAdmin}

func ptr[T any](v T) *T { return &v }

func date(s string) calendar.Date {
	d, err := calendar.Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

func newService(db *bun.DB) *providers.Service { return providers.NewService(db, calendar.Fixed(now)) }

func validHome() providers.ProviderInput {
	return providers.ProviderInput{
		Name: "Meadow View", Address: "12 Park Lane, Leeds", Postcode: "ls1 4ap",
		Latitude: ptr(53.7997), Longitude: ptr(-1.5492), Phone: "0113 496 0000",
		BedTypes: []string{"residential", "residential_dementia"}, Specialisms: []string{"dementia"},
	}
}

func mustCreateProvider(t *testing.T, svc *providers.Service, in providers.ProviderInput) providers.Provider {
	t.Helper()
	p, err := svc.CreateProvider(context.Background(), admin, in)
	if err != nil {
		t.Fatalf("CreateProvider: %v", err)
	}
	return p
}

func mustCreateContract(t *testing.T, svc *providers.Service, providerID int64, ref string) providers.Contract {
	t.Helper()
	c, err := svc.CreateContract(context.Background(), admin, providerID, providers.ContractInput{
		Kind: providers.KindBlock, Reference: ref, StartsOn: date("2027-04-01"), EndsOn: date("2028-03-31"), NightlyRatePence: ptr(int64(14500)),
	})
	if err != nil {
		t.Fatalf("CreateContract: %v", err)
	}
	return c
}

// fieldsOf returns the names of the bad fields in an Invalid error.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	names, ok := apperr.FieldNames(err)
	if !ok {
		t.Fatalf("err = %v, want an Invalid error", err)
	}
	return names
}

func count(t *testing.T, db *bun.DB, model any) int64 {
	t.Helper()
	n, err := db.NewSelect().Model(model).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestService_CreateProvider(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		svc := newService(db)
		p := mustCreateProvider(t, svc, validHome())
		want := providers.Provider{
			ID: p.ID, Name: "Meadow View", Address: "12 Park Lane, Leeds", Postcode: "LS1 4AP",
			Latitude: 53.7997, Longitude: -1.5492, Phone: "+441134960000",
			BedTypes: []string{"residential", "residential_dementia"}, Specialisms: []string{"dementia"},
			AgeGroups: []string{"adults"}, Active: true, CreatedAt: now, UpdatedAt: now,
		}
		got, err := svc.Provider(context.Background(), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
			t.Errorf("stored care home (-want +got):\n%s", diff)
		}

		t.Run("every bad field at once, nothing written", func(t *testing.T) {
			in := providers.ProviderInput{
				Name: " ", Postcode: "LS1", Latitude: ptr(91.0), Phone: "12",
				BedTypes: []string{"hotel"}, Specialisms: []string{"dementia", "dementia"}, AgeGroups: []string{},
			}
			_, err := svc.CreateProvider(context.Background(), admin, in)
			want := []string{"name", "address", "postcode", "latitude", "longitude", "phone", "bed_types[0]", "specialisms[1]", "age_groups"}
			if diff := cmp.Diff(want, fieldsOf(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), "residential, residential_dementia, nursing, nursing_dementia") {
				t.Errorf("error %q does not list the allowed bed types", err)
			}
			if n := count(t, db, (*providers.Provider)(nil)); n != 1 {
				t.Errorf("care homes = %d, want 1", n)
			}
		})
	})
}

func TestService_UpdateProvider(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newService(db)
		p := mustCreateProvider(t, svc, validHome())

		got, err := svc.UpdateProvider(ctx, admin, p.ID, providers.ProviderPatch{Name: ptr("Meadow View House"), Active: ptr(false)})
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Meadow View House" || got.Active || got.Postcode != "LS1 4AP" {
			t.Errorf("after patch: %+v", got)
		}

		if _, err := svc.UpdateProvider(ctx, admin, p.ID+99, providers.ProviderPatch{Name: ptr("X")}); !errors.Is(err, providers.ErrProviderNotFound) {
			t.Errorf("unknown home: err = %v, want ErrProviderNotFound", err)
		}

		_, err = svc.UpdateProvider(ctx, admin, p.ID, providers.ProviderPatch{Name: ptr("Changed"), Postcode: ptr("nowhere")})
		if diff := cmp.Diff([]string{"postcode"}, fieldsOf(t, err)); diff != "" {
			t.Errorf("bad fields (-want +got):\n%s", diff)
		}
		stored, _ := svc.Provider(ctx, p.ID)
		if stored.Name != "Meadow View House" {
			t.Errorf("a refused patch changed the name to %q", stored.Name)
		}

		t.Run("a bed type in use cannot be removed", func(t *testing.T) {
			c := mustCreateContract(t, svc, p.ID, "BLK-1")
			if _, err := svc.CreateBed(ctx, admin, p.ID, providers.BedInput{Label: "Room 1", ContractID: c.ID, BedType: "residential_dementia"}); err != nil {
				t.Fatal(err)
			}
			_, err := svc.UpdateProvider(ctx, admin, p.ID, providers.ProviderPatch{BedTypes: &[]string{"residential"}})
			if diff := cmp.Diff([]string{"bed_types"}, fieldsOf(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
		})
	})
}

func TestService_CreateContract(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newService(db)
		p := mustCreateProvider(t, svc, validHome())
		c := mustCreateContract(t, svc, p.ID, "BLK-2027-01")
		if !c.Covers(date("2027-04-01")) || !c.Covers(date("2028-03-31")) || c.Covers(date("2028-04-01")) {
			t.Errorf("Covers is wrong at the edges of %s..%s", c.StartsOn, c.EndsOn)
		}

		tests := []struct {
			name  string
			in    providers.ContractInput
			want  []string
			kind  apperr.Kind
			extra string
		}{
			{
				name: "everything missing",
				in:   providers.ContractInput{},
				want: []string{"kind", "reference", "starts_on", "ends_on", "nightly_rate_pence"},
			},
			{
				name:  "ends before it starts, negative rate, unknown kind",
				in:    providers.ContractInput{Kind: "lease", Reference: "X", StartsOn: date("2027-05-01"), EndsOn: date("2027-04-30"), NightlyRatePence: ptr(int64(-1))},
				want:  []string{"kind", "ends_on", "nightly_rate_pence"},
				extra: "block, spot",
			},
			{
				name: "implausibly long",
				in:   providers.ContractInput{Kind: "block", Reference: "Y", StartsOn: date("2027-01-01"), EndsOn: date("2207-01-01"), NightlyRatePence: ptr(int64(0))},
				want: []string{"ends_on"},
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := svc.CreateContract(ctx, admin, p.ID, tt.in)
				if diff := cmp.Diff(tt.want, fieldsOf(t, err)); diff != "" {
					t.Errorf("bad fields (-want +got):\n%s", diff)
				}
				if !strings.Contains(err.Error(), tt.extra) {
					t.Errorf("error %q should mention %q", err, tt.extra)
				}
			})
		}

		t.Run("one-night spot contract at rate zero is fine", func(t *testing.T) {
			_, err := svc.CreateContract(ctx, admin, p.ID, providers.ContractInput{Kind: "spot", Reference: "SPOT-1", StartsOn: date("2027-01-01"), EndsOn: date("2027-01-01"), NightlyRatePence: ptr(int64(0))})
			if err != nil {
				t.Error(err)
			}
		})
		t.Run("reference taken", func(t *testing.T) {
			_, err := svc.CreateContract(ctx, admin, p.ID, providers.ContractInput{Kind: "block", Reference: "BLK-2027-01", StartsOn: date("2027-01-01"), EndsOn: date("2027-12-31"), NightlyRatePence: ptr(int64(1))})
			if !errors.Is(err, providers.ErrReferenceTaken) {
				t.Errorf("err = %v, want ErrReferenceTaken", err)
			}
		})
		t.Run("unknown home", func(t *testing.T) {
			_, err := svc.CreateContract(ctx, admin, p.ID+99, providers.ContractInput{Kind: "block", Reference: "Z", StartsOn: date("2027-01-01"), EndsOn: date("2027-12-31"), NightlyRatePence: ptr(int64(1))})
			if !errors.Is(err, providers.ErrProviderNotFound) {
				t.Errorf("err = %v, want ErrProviderNotFound", err)
			}
		})
		if n := count(t, db, (*providers.Contract)(nil)); n != 2 {
			t.Errorf("contracts = %d, want 2 (refused ones must write nothing)", n)
		}
	})
}

func TestService_Beds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newService(db)
		home := mustCreateProvider(t, svc, validHome())
		otherHome := validHome()
		otherHome.Name = "Oak Lodge"
		other := mustCreateProvider(t, svc, otherHome)
		contract := mustCreateContract(t, svc, home.ID, "BLK-HOME")
		otherContract := mustCreateContract(t, svc, other.ID, "BLK-OTHER")

		bed, err := svc.CreateBed(ctx, admin, home.ID, providers.BedInput{
			Label: " Room 4 ", ContractID: contract.ID, BedType: "residential", Features: []string{"hoist", "en_suite"}, EmergencyReserved: true,
		})
		if err != nil {
			t.Fatalf("CreateBed: %v", err)
		}
		if bed.Label != "Room 4" || !bed.Active || !bed.EmergencyReserved || bed.ProviderID != home.ID {
			t.Errorf("created %+v", bed)
		}

		t.Run("contract of another home, type not offered, unknown feature", func(t *testing.T) {
			_, err := svc.CreateBed(ctx, admin, home.ID, providers.BedInput{Label: "Room 5", ContractID: otherContract.ID, BedType: "nursing", Features: []string{"jacuzzi"}})
			if diff := cmp.Diff([]string{"contract_id", "bed_type", "features[0]"}, fieldsOf(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), "BLK-OTHER is with a different care home") {
				t.Errorf("error %q does not explain the contract", err)
			}
		})
		t.Run("unknown contract", func(t *testing.T) {
			_, err := svc.CreateBed(ctx, admin, home.ID, providers.BedInput{Label: "Room 6", ContractID: 9999, BedType: "residential"})
			if diff := cmp.Diff([]string{"contract_id"}, fieldsOf(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
		})
		t.Run("label taken in the same home", func(t *testing.T) {
			_, err := svc.CreateBed(ctx, admin, home.ID, providers.BedInput{Label: "Room 4", ContractID: contract.ID, BedType: "residential"})
			if !errors.Is(err, providers.ErrLabelTaken) {
				t.Errorf("err = %v, want ErrLabelTaken", err)
			}
		})
		t.Run("update", func(t *testing.T) {
			got, err := svc.UpdateBed(ctx, admin, bed.ID, providers.BedPatch{EmergencyReserved: ptr(false), Features: &[]string{"ground_floor"}})
			if err != nil {
				t.Fatal(err)
			}
			if got.EmergencyReserved || !cmp.Equal(got.Features, []string{"ground_floor"}) || got.Label != "Room 4" {
				t.Errorf("after update: %+v", got)
			}
			_, err = svc.UpdateBed(ctx, admin, bed.ID, providers.BedPatch{ContractID: &otherContract.ID})
			if diff := cmp.Diff([]string{"contract_id"}, fieldsOf(t, err)); diff != "" {
				t.Errorf("moving to another home's contract (-want +got):\n%s", diff)
			}
			if _, err := svc.UpdateBed(ctx, admin, 9999, providers.BedPatch{}); !errors.Is(err, providers.ErrBedNotFound) {
				t.Errorf("unknown bed: err = %v", err)
			}
		})
		if n := count(t, db, (*providers.Bed)(nil)); n != 1 {
			t.Errorf("beds = %d, want 1", n)
		}
	})
}

func TestService_Providers_Pages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newService(db)
		for _, name := range []string{"Oak Lodge", "Ash House", "Oakwood", "Elm Court", "50% Care_Home"} {
			in := validHome()
			in.Name = name
			mustCreateProvider(t, svc, in)
		}
		var names []string
		page := paging.Request{Limit: 2}
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			got, err := svc.Providers(ctx, providers.ProviderFilter{Page: page})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range got.Items {
				names = append(names, p.Name)
			}
			if got.Next == 0 {
				break
			}
			page.After = got.Next
		}
		if diff := cmp.Diff([]string{"Oak Lodge", "Ash House", "Oakwood", "Elm Court", "50% Care_Home"}, names); diff != "" {
			t.Errorf("paged names (-want +got):\n%s", diff)
		}

		for query, want := range map[string][]string{"oak": {"Oak Lodge", "Oakwood"}, "%": {"50% Care_Home"}, "_": {"50% Care_Home"}, "zzz": nil} {
			got, err := svc.Providers(ctx, providers.ProviderFilter{Query: query})
			if err != nil {
				t.Fatal(err)
			}
			var gotNames []string
			for _, p := range got.Items {
				gotNames = append(gotNames, p.Name)
			}
			if diff := cmp.Diff(want, gotNames); diff != "" {
				t.Errorf("query %q (-want +got):\n%s", query, diff)
			}
		}
	})
}
