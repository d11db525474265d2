package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/migrations"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/privacy"
)

// TestRun_ExportAndRetention exports a carer and dry-runs the retention job
// through run, on SQLite and PostgreSQL.
func TestRun_ExportAndRetention(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		env := sqliteEnv(t)
		env["USER"] = "olive"
		if got := respite(t, env, "", "migrate"); got.code != exitOK {
			t.Fatalf("migrate: %s", got)
		}
		db, err := migrations.Open(env["DATABASE_URL"])
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		checkExportAndRetention(t, env, db)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		db, dsn := dbtest.PostgresWithURL(t)
		checkExportAndRetention(t, environ{"DATABASE_URL": dsn, "USER": "olive"}, db)
	})
}

func checkExportAndRetention(t *testing.T, env environ, db *bun.DB) {
	ctx := context.Background()
	// A carer last heard of ten years ago: retention would anonymise them.
	old := time.Now().AddDate(-10, 0, 0).UTC()
	var carerID int64
	err := db.NewRaw(`INSERT INTO carers (name, mobile, postcode, latitude, longitude, allowance_nights, allowance_year_starts,
	emergency_plan, emergency_contact_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		"Olga Old", "+447700900333", "LS6 1AA", 53.8, -1.55, 28, old.Format("2006-01-02"), "", "", old, old).Scan(ctx, &carerID)
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(carerID, 10)

	t.Run("export carer ID prints the document", func(t *testing.T) {
		got := respite(t, env, "", "export", "carer", id)
		if got.code != exitOK {
			t.Fatalf("%s", got)
		}
		var doc privacy.Export
		if err := json.Unmarshal([]byte(got.stdout), &doc); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, got.stdout)
		}
		if doc.Carer.Name != "Olga Old" || len(doc.Audit) != 1 || doc.Audit[0].Action != "carer.exported" || doc.Audit[0].ActorKind != "operator" ||
			!strings.Contains(doc.Audit[0].ActorName, "olive") {
			t.Errorf("export = %+v", doc)
		}
	})
	t.Run("export mistakes", func(t *testing.T) {
		for _, args := range [][]string{{"export"}, {"export", "host", "1"}, {"export", "carer"}, {"export", "carer", "x"}} {
			if got := respite(t, env, "", args...); got.code != exitUsage {
				t.Errorf("%v: %s", args, got)
			}
		}
		if got := respite(t, env, "", "export", "carer", "99999"); got.code != exitFault || !strings.Contains(got.stderr, "no carer with id 99999") {
			t.Errorf("unknown carer: %s", got)
		}
	})
	t.Run("jobs run data-retention --dry-run changes nothing", func(t *testing.T) {
		got := respite(t, env, "", "jobs", "run", "data-retention", "--dry-run")
		if got.code != exitOK || !strings.Contains(got.stdout, "Dry run") || !strings.Contains(got.stdout, "Olga Old") ||
			!strings.Contains(got.stdout, "would anonymise 1 carer(s)") {
			t.Fatalf("%s", got)
		}
		var name string
		if err := db.NewSelect().Table("carers").Column("name").Where("id = ?", carerID).Scan(ctx, &name); err != nil || name != "Olga Old" {
			t.Errorf("after a dry run the carer is %q (%v)", name, err)
		}
		if got := respite(t, env, "", "jobs", "run", "booking-reminders", "--dry-run"); got.code != exitUsage {
			t.Errorf("dry run of another job: %s", got)
		}
	})
	t.Run("jobs run data-retention anonymises", func(t *testing.T) {
		if got := respite(t, env, "", "jobs", "list"); !strings.Contains(got.stdout, "data-retention") {
			t.Errorf("jobs list lacks data-retention: %s", got)
		}
		got := respite(t, env, "", "jobs", "run", "data-retention")
		if got.code != exitOK || !strings.Contains(got.stderr, "data retention applied") {
			t.Fatalf("%s", got)
		}
		var name string
		if err := db.NewSelect().Table("carers").Column("name").Where("id = ?", carerID).Scan(ctx, &name); err != nil || name != "Erased carer "+id {
			t.Errorf("after the job the carer is %q (%v)", name, err)
		}
	})
}
