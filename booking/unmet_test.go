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

// unmetRow is a row of unmet_searches as the reports read it.
type unmetRow struct {
	Kind     string `bun:"kind"`
	PersonID int64  `bun:"person_id"`
	CarerID  int64  `bun:"carer_id"`
	Arrive   string `bun:"arrive"`
	Depart   string `bun:"depart"`
	Area     string `bun:"area"`
}

func unmetRows(t *testing.T, db bun.IDB) []unmetRow {
	t.Helper()
	var rows []struct {
		Kind     string `bun:"kind"`
		PersonID int64  `bun:"person_id"`
		CarerID  int64  `bun:"carer_id"`
		Arrive   any    `bun:"arrive"`
		Depart   any    `bun:"depart"`
		Area     string `bun:"area"`
	}
	var out []unmetRow
	if err := db.NewSelect().Table("unmet_searches").Column("kind", "person_id", "carer_id", "area").
		ColumnExpr("arrive, depart").OrderExpr("id").Scan(context.Background(), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		out = append(out, unmetRow{Kind: r.Kind, PersonID: r.PersonID, CarerID: r.CarerID, Area: r.Area,
			Arrive: dateText(r.Arrive), Depart: dateText(r.Depart)})
	}
	return out
}

// dateText writes a DATE column as the drivers return it (a string on
// SQLite, a time on PostgreSQL) as YYYY-MM-DD.
func dateText(v any) string {
	switch v := v.(type) {
	case string:
		return v[:10]
	case []byte:
		return string(v[:10])
	case interface{ Format(string) string }:
		return v.Format("2006-01-02")
	}
	return "?"
}

// Planned and emergency searches that find nothing are recorded once per
// person, stay and kind, with whose they were and the postcode district.
func TestUnmetSearches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		f.clk.Set(london("2027-04-03 22:00"))
		ctx := context.Background()
		// One nursing bed, booked for the days searched.
		full := f.mkHome(t, "Hillside", 53.90, -1.55, providers.ProviderInput{BedTypes: []string{"nursing"}}, providers.BedInput{BedType: "nursing"})
		f.book(t, duty, f.mkPerson(t, f.mkCarer(t, 28), "1940-01-01", nil, nil), full.beds[0], "2027-04-04", "2027-04-14")
		carer := f.withCard(t, f.mkCarer(t, 28), "LDS-EC-0303")
		dad := f.mkPerson(t, carer, "1939-01-01", []string{"nursing_care"}, nil)

		for range 2 { // the same stay searched twice counts once
			if got, err := f.svc.Availability(ctx, carerActor(carer), booking.Search{PersonID: dad.ID, Arrive: d("2027-04-10"), Depart: d("2027-04-12")}); err != nil || len(got) != 0 {
				t.Fatalf("Availability = %v, %v; want nothing", names(got), err)
			}
			if opts, err := f.svc.EmergencyOptions(ctx, duty, dad.ID, d("2027-04-04"), d("2027-04-06")); err != nil || len(opts) == 0 || opts[0].Tier != booking.TierSpot {
				t.Fatalf("EmergencyOptions = %v, %v; want homes to ring", tiers(opts), err)
			}
		}
		// Another stay is another row.
		if _, err := f.svc.Availability(ctx, carerActor(carer), booking.Search{PersonID: dad.ID, Arrive: d("2027-04-10"), Depart: d("2027-04-13")}); err != nil {
			t.Fatal(err)
		}
		want := []unmetRow{
			{Kind: booking.UnmetPlanned, PersonID: dad.ID, CarerID: carer.ID, Arrive: "2027-04-10", Depart: "2027-04-12", Area: "LS2"},
			{Kind: booking.UnmetEmergency, PersonID: dad.ID, CarerID: carer.ID, Arrive: "2027-04-04", Depart: "2027-04-06", Area: "LS2"},
			{Kind: booking.UnmetPlanned, PersonID: dad.ID, CarerID: carer.ID, Arrive: "2027-04-10", Depart: "2027-04-13", Area: "LS2"},
		}
		if diff := cmp.Diff(want, unmetRows(t, db)); diff != "" {
			t.Errorf("unmet searches (-want +got):\n%s", diff)
		}
	})
}

// An emergency search that finds a bed or host records nothing.
func TestUnmetSearches_EmergencyFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		f.clk.Set(london("2027-04-03 22:00"))
		f.mkHome(t, "Hillside", 53.90, -1.55, providers.ProviderInput{BedTypes: []string{"residential"}}, providers.BedInput{BedType: "residential"})
		carer := f.withCard(t, f.mkCarer(t, 28), "LDS-EC-0304")
		mum := f.mkPerson(t, carer, "1940-01-01", nil, nil)
		if opts, err := f.svc.EmergencyOptions(context.Background(), duty, mum.ID, d("2027-04-03"), d("2027-04-05")); err != nil || len(opts) == 0 || opts[0].Tier == booking.TierSpot {
			t.Fatalf("EmergencyOptions = %v, %v; want a bed", tiers(opts), err)
		}
		if got := unmetRows(t, db); len(got) != 0 {
			t.Errorf("unmet searches = %v, want none", got)
		}
	})
}
