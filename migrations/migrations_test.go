package migrations_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations"
	"github.com/respite-uk/respite/migrations/dbtest"
)

func TestMigrate_SecondRunAppliesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		applied, err := migrations.Migrate(ctx, db)
		if err != nil {
			t.Fatalf("Migrate again: %v", err)
		}
		if len(applied) != 0 {
			t.Errorf("Migrate on a migrated database applied %v, want nothing", applied)
		}
		pending, err := migrations.Pending(ctx, db)
		if err != nil {
			t.Fatalf("Pending: %v", err)
		}
		if len(pending) != 0 {
			t.Errorf("Pending = %v, want none", pending)
		}
	})
}

func TestMigrate_InstancesStartingTogetherTakeTurns(t *testing.T) {
	// Several instances running `serve --migrate` at once must neither fail
	// nor apply a migration twice: bun/migrate's lock makes them take turns.
	_, url := dbtest.PostgresWithURL(t)
	ctx := context.Background()
	// Start from an empty schema so there is real work to race for.
	fresh, err := migrations.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if _, err := fresh.ExecContext(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
		t.Fatal(err)
	}

	const instances = 4
	var wg sync.WaitGroup
	applied := make([][]string, instances)
	errs := make([]error, instances)
	for i := range instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := migrations.Open(url)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			applied[i], errs[i] = migrations.Migrate(ctx, db)
		}()
	}
	wg.Wait()
	total := 0
	for i := range instances {
		if errs[i] != nil {
			t.Errorf("instance %d: %v", i, errs[i])
		}
		total += len(applied[i])
	}
	want := len(migrations.ForDialect(fresh.Dialect().Name()).Sorted())
	if total != want {
		t.Errorf("instances applied %d migrations between them, want each of the %d applied once", total, want)
	}
}

func TestViolatedConstraint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		insertProvider := func() int64 {
			var id int64
			err := db.NewRaw(`INSERT INTO providers (name, address, postcode, latitude, longitude, phone, bed_types, specialisms, age_groups, active, created_at, updated_at)
				VALUES ('Home', '1 Road', 'LS1 1AA', 53.8, -1.5, '+441130000000', '[]', '[]', '[]', TRUE, ?, ?) RETURNING id`, now, now).Scan(ctx, &id)
			if err != nil {
				t.Fatalf("inserting provider: %v", err)
			}
			return id
		}
		p := insertProvider()
		insertContract := func(provider int64, ref string, starts, ends string, rate int) error {
			_, err := db.NewRaw(`INSERT INTO contracts (provider_id, kind, reference, starts_on, ends_on, nightly_rate_pence, created_at, updated_at)
				VALUES (?, 'block', ?, ?, ?, ?, ?, ?)`, provider, ref, starts, ends, rate, now, now).Exec(ctx)
			return err
		}
		if err := insertContract(p, "C-1", "2027-01-01", "2027-12-31", 10000); err != nil {
			t.Fatalf("inserting a good contract: %v", err)
		}
		tests := []struct {
			name string
			err  error
			want migrations.Constraint
		}{
			{"repeated reference", insertContract(p, "C-1", "2027-01-01", "2027-12-31", 1), migrations.Unique},
			{"unknown provider", insertContract(p+1000, "C-2", "2027-01-01", "2027-12-31", 1), migrations.ForeignKey},
			{"ends before it starts", insertContract(p, "C-3", "2027-12-31", "2027-01-01", 1), migrations.Check},
			{"negative rate", insertContract(p, "C-4", "2027-01-01", "2027-12-31", -1), migrations.Check},
			{"no error", nil, migrations.NoConstraint},
		}
		for _, tt := range tests {
			if got := migrations.ViolatedConstraint(tt.err); got != tt.want {
				t.Errorf("%s: ViolatedConstraint(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
			}
		}
	})
}

func TestDateRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		var provider int64
		if err := db.NewRaw(`INSERT INTO providers (name, address, postcode, latitude, longitude, phone, bed_types, specialisms, age_groups, active, created_at, updated_at)
				VALUES ('Home', '1 Road', 'LS1 1AA', 53.8, -1.5, '+441130000000', '[]', '[]', '[]', TRUE, ?, ?) RETURNING id`, now, now).Scan(ctx, &provider); err != nil {
			t.Fatal(err)
		}
		// 29 February and the last Sunday of March (clocks go forward) must
		// come back as the same civil dates on both databases.
		starts := calendar.Date{Year: 2028, Month: time.February, Day: 29}
		ends := calendar.Date{Year: 2028, Month: time.March, Day: 26}
		var id int64
		if err := db.NewRaw(`INSERT INTO contracts (provider_id, kind, reference, starts_on, ends_on, nightly_rate_pence, created_at, updated_at)
				VALUES (?, 'spot', 'S-1', ?, ?, 0, ?, ?) RETURNING id`, provider, starts, ends, now, now).Scan(ctx, &id); err != nil {
			t.Fatal(err)
		}
		var gotStarts, gotEnds calendar.Date
		if err := db.NewRaw(`SELECT starts_on, ends_on FROM contracts WHERE id = ?`, id).Scan(ctx, &gotStarts, &gotEnds); err != nil {
			t.Fatal(err)
		}
		if gotStarts != starts || gotEnds != ends {
			t.Errorf("read back %v..%v, want %v..%v", gotStarts, gotEnds, starts, ends)
		}
	})
}
