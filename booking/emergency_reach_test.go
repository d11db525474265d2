package booking_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/providers"
)

// TestEmergency_LooksNearFirst: duty staff's search looks within 50 km of
// the carer's home (Leeds here), and further, 100 km then 200 km, only when
// nothing suits nearer. Places beyond the reach are neither options nor
// near misses.
func TestEmergency_LooksNearFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		f.clk.Set(london("2027-04-03 21:00"))
		ctx := context.Background()
		residential := providers.BedInput{BedType: "residential"}
		f.mkHome(t, "Headingley", 53.81, -1.55, providers.ProviderInput{}, residential)                     // 1 km
		f.mkHome(t, "York", 53.96, -1.08, providers.ProviderInput{}, residential)                           // 36 km
		f.mkHome(t, "Manchester", 53.48, -2.24, providers.ProviderInput{Specialisms: []string{"dementia"}}, // 58 km
			providers.BedInput{BedType: "residential_dementia"})
		f.mkHome(t, "Birmingham", 52.48, -1.90, providers.ProviderInput{}, providers.BedInput{BedType: "nursing"})      // 149 km
		f.mkHome(t, "London", 51.51, -0.13, providers.ProviderInput{}, providers.BedInput{BedType: "nursing_dementia"}) // 272 km
		carer := f.mkCarer(t, 20)
		names := func(opts []booking.EmergencyOption) (out []string) {
			for _, o := range opts {
				out = append(out, o.Tier+":"+o.Provider)
			}
			return out
		}
		missed := func(misses []booking.NearMiss) (out []string) {
			for _, m := range misses {
				out = append(out, m.Provider)
			}
			return out
		}
		tonight, after := d("2027-04-03"), d("2027-04-05")

		for _, tc := range []struct {
			name        string
			needs       []string
			wantReachKm float64
			wantOptions []string
			wantMisses  []string
		}{
			{
				name: "suits within 50 km", needs: nil, wantReachKm: 50,
				wantOptions: []string{"block:Headingley", "block:York"},
			},
			{
				name: "dementia: nothing suits within 50 km, Manchester within 100", needs: []string{"dementia"}, wantReachKm: 100,
				wantOptions: []string{"block:Manchester"}, wantMisses: []string{"Headingley", "York"},
			},
			{
				name: "nursing: Birmingham within 200", needs: []string{"nursing_care"}, wantReachKm: 200,
				wantOptions: []string{"block:Birmingham"}, wantMisses: []string{"Headingley", "York", "Manchester"},
			},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := f.mkPerson(t, carer, "1940-01-01", tc.needs, nil)
				got, err := f.svc.EmergencyChoices(ctx, duty, p.ID, tonight, after)
				if err != nil {
					t.Fatal(err)
				}
				if got.ReachKm != tc.wantReachKm {
					t.Errorf("ReachKm = %v, want %v", got.ReachKm, tc.wantReachKm)
				}
				if diff := cmp.Diff(tc.wantOptions, names(got.Options)); diff != "" {
					t.Errorf("options (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tc.wantMisses, missed(got.NearMisses)); diff != "" {
					t.Errorf("near misses (-want +got):\n%s", diff)
				}
			})
		}

		// Both dementia and nursing care: only London's bed would suit, and
		// it is beyond 200 km, so duty staff are given homes to ring.
		p := f.mkPerson(t, carer, "1940-01-01", []string{"dementia", "nursing_care"}, nil)
		got, err := f.svc.EmergencyChoices(ctx, duty, p.ID, tonight, after)
		if err != nil {
			t.Fatal(err)
		}
		if got.ReachKm != 200 {
			t.Errorf("ReachKm = %v, want 200", got.ReachKm)
		}
		for _, o := range got.Options {
			if o.Tier != booking.TierSpot {
				t.Errorf("option %s:%s beyond every reach, want only homes to ring", o.Tier, o.Provider)
			}
		}
		for _, m := range got.NearMisses {
			if m.Provider == "London" {
				t.Errorf("London, 272 km away, listed as a near miss")
			}
		}
	})
}
