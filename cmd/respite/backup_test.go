package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations"
	"github.com/respite-uk/respite/migrations/dbtest"
)

// TestRun_BackupUnderLoad: respite backup copies a live SQLite database
// while four writers go on confirming stays; restore-check restores the
// copy and passes it; and the copy holds every stay confirmed before the
// backup began, each with all of its nights (no half-written stay).
func TestRun_BackupUnderLoad(t *testing.T) {
	env := sqliteEnv(t)
	if r := respite(t, env, "", "demo"); r.code != 0 {
		t.Fatalf("respite demo: %s", r)
	}
	db := openDB(t, env)
	ctx := t.Context()

	var beds []int64
	if err := db.NewRaw("SELECT id FROM beds WHERE active ORDER BY id LIMIT 4").Scan(ctx, &beds); err != nil || len(beds) < 4 {
		t.Fatalf("the demo's beds: %v, %v", beds, err)
	}
	var people []struct {
		ID      int64 `bun:"id"`
		CarerID int64 `bun:"carer_id"`
	}
	if err := db.NewRaw("SELECT id, carer_id FROM people ORDER BY id LIMIT 4").Scan(ctx, &people); err != nil || len(people) < 4 {
		t.Fatalf("the demo's people: %v, %v", people, err)
	}

	// Each writer confirms one-night stays on its own bed for its own
	// person, night after night from 2031, as fast as SQLite lets it.
	var (
		mu        sync.Mutex
		confirmed []int64 // in the order their transactions committed
		stop      = make(chan struct{})
		wg        sync.WaitGroup
		writeErrs = make(chan error, len(beds))
	)
	first := calendar.Date{Year: 2031, Month: time.January, Day: 1}
	for w := range beds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				night := first.AddDays(k)
				now := time.Now().UTC()
				b := booking.Booking{
					Reference: fmt.Sprintf("BACKUP-%d-%d", w, k), Status: booking.StatusConfirmed, Kind: booking.KindPlanned,
					PersonID: people[w].ID, CarerID: people[w].CarerID, PlaceKind: booking.PlaceBed, PlaceID: beds[w],
					Arrive: night, Depart: night.AddDays(1), Nights: 1, NightlyRatePence: 15000,
					CreatedByKind: "carer", CreatedByID: people[w].CarerID, CreatedAt: now, UpdatedAt: now,
				}
				err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					if _, err := tx.NewInsert().Model(&b).Exec(ctx); err != nil {
						return err
					}
					n := booking.Night{PlaceKind: booking.PlaceBed, PlaceID: beds[w], Night: night, BookingID: b.ID, PersonID: b.PersonID}
					_, err := tx.NewInsert().Model(&n).Exec(ctx)
					return err
				})
				if err != nil {
					writeErrs <- fmt.Errorf("writer %d, night %s: %w", w, night, err)
					return
				}
				mu.Lock()
				confirmed = append(confirmed, b.ID)
				mu.Unlock()
			}
		}()
	}
	committedSoFar := func() []int64 {
		mu.Lock()
		defer mu.Unlock()
		return append([]int64(nil), confirmed...)
	}
	waitFor := func(n int) {
		deadline := time.Now().Add(30 * time.Second)
		for len(committedSoFar()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("the writers confirmed only %d stays in 30 s", len(committedSoFar()))
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(40)
	before := committedSoFar()
	path := filepath.Join(t.TempDir(), "backup.db")
	r := respite(t, env, "", "backup", path)
	during := len(committedSoFar()) - len(before)
	waitFor(len(before) + during + 20) // the writers were not held up
	close(stop)
	wg.Wait()
	close(writeErrs)
	for err := range writeErrs {
		t.Error(err)
	}
	if r.code != 0 || !strings.Contains(r.stdout, "Backed up to "+path) {
		t.Fatalf("respite backup: %s", r)
	}
	t.Logf("%d stays confirmed before the backup began, %d while it ran, %d in all", len(before), during, len(committedSoFar()))

	check := respite(t, env, "", "restore-check", path)
	if check.code != 0 || !strings.Contains(check.stdout, "restores") {
		t.Fatalf("respite restore-check: %s", check)
	}
	for _, table := range []string{"bookings", "booking_nights", "carers", "people", "beds", "audit_log"} {
		if !strings.Contains(check.stdout, table) {
			t.Errorf("restore-check does not count %s:\n%s", table, check.stdout)
		}
	}

	// Restored (a copy, as restore-check makes), the backup has every stay
	// confirmed before it began, and every stay in it is whole.
	restoredPath := filepath.Join(t.TempDir(), "restored.db")
	if err := migrations.CopyFile(path, restoredPath); err != nil {
		t.Fatal(err)
	}
	restored, err := migrations.Open("file:" + restoredPath)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	var got []int64
	if err := restored.NewRaw("SELECT id FROM bookings WHERE reference LIKE 'BACKUP-%' AND status = 'confirmed'").Scan(ctx, &got); err != nil {
		t.Fatal(err)
	}
	in := map[int64]bool{}
	for _, id := range got {
		in[id] = true
	}
	for _, id := range before {
		if !in[id] {
			t.Errorf("stay %d was confirmed before the backup began but is not in it", id)
		}
	}
	var halves int
	if err := restored.NewRaw(`SELECT COUNT(*) FROM bookings b WHERE b.reference LIKE 'BACKUP-%'
  AND (SELECT COUNT(*) FROM booking_nights n WHERE n.booking_id = b.id) <> b.nights`).Scan(ctx, &halves); err != nil {
		t.Fatal(err)
	}
	if halves != 0 {
		t.Errorf("%d stays in the backup lack some of their nights", halves)
	}
}

// TestRun_BackupRefusals: backup never overwrites a file, says what to do
// on PostgreSQL, and restore-check fails, saying why, for a damaged file,
// for a database that is not Respite's, and for one from a newer version.
func TestRun_BackupRefusals(t *testing.T) {
	env := sqliteEnv(t)
	if r := respite(t, env, "", "migrate"); r.code != 0 {
		t.Fatalf("respite migrate: %s", r)
	}
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.db")
	if err := os.WriteFile(existing, []byte("yesterday's backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  environ
		args []string
		want string
	}{
		{"no file named", env, []string{"backup"}, "say where to write the backup"},
		{"a file that exists", env, []string{"backup", existing}, "already exists"},
		{"a folder that does not", env, []string{"backup", filepath.Join(dir, "no-such-folder", "b.db")}, "does not exist"},
		{"PostgreSQL", environ{"DATABASE_URL": "postgres://respite@127.0.0.1:1/respite"}, []string{"backup", filepath.Join(dir, "pg.db")}, "pg_dump"},
		{"no backup named", env, []string{"restore-check"}, "say which backup to check"},
		{"a missing backup", env, []string{"restore-check", filepath.Join(dir, "missing.db")}, "cannot read the backup"},
		{"a damaged backup", env, []string{"restore-check", existing}, "is it a SQLite database?"},
	} {
		r := respite(t, tc.env, "", tc.args...)
		if r.code == 0 || !strings.Contains(r.stdout+r.stderr, tc.want) {
			t.Errorf("%s: respite %s = %s\nwant a failure saying %q", tc.name, strings.Join(tc.args, " "), r, tc.want)
		}
	}
	if b, _ := os.ReadFile(existing); string(b) != "yesterday's backup" {
		t.Errorf("the existing file was overwritten")
	}

	// A SQLite database that is not Respite's.
	other := filepath.Join(dir, "other.db")
	odb, err := migrations.Open("file:" + other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := odb.Exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"); err != nil {
		t.Fatal(err)
	}
	_ = odb.Close()
	if r := respite(t, env, "", "restore-check", other); r.code == 0 || !strings.Contains(r.stdout, "not a Respite database") {
		t.Errorf("restore-check of another database = %s", r)
	}

	// A backup from a newer version: it has a migration this one lacks.
	newer := filepath.Join(dir, "newer.db")
	if r := respite(t, env, "", "backup", newer); r.code != 0 {
		t.Fatalf("respite backup: %s", r)
	}
	ndb, err := migrations.Open("file:" + newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ndb.Exec("INSERT INTO bun_migrations (name, group_id, migrated_at) VALUES ('29990101000000', 99, CURRENT_TIMESTAMP)"); err != nil {
		t.Fatal(err)
	}
	_ = ndb.Close()
	if r := respite(t, env, "", "restore-check", newer); r.code == 0 || !strings.Contains(r.stdout, "newer version of Respite") {
		t.Errorf("restore-check of a newer version's backup = %s", r)
	}
}

// TestRun_RestoreCheckPostgres follows the README's PostgreSQL backup:
// pg_dump of a live database, pg_restore into an empty one, and
// restore-check on that, which counts the same rows as the original.
func TestRun_RestoreCheckPostgres(t *testing.T) {
	t.Parallel()
	_, source := dbtest.PostgresWithURL(t)
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	if r := respite(t, environ{"DATABASE_URL": source}, "", "demo"); r.code != 0 {
		t.Fatalf("respite demo: %s", r)
	}
	dump := filepath.Join(t.TempDir(), "respite.dump")
	if out, err := exec.CommandContext(t.Context(), "pg_dump", "--format=custom", "--no-owner", "--file="+dump, source).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	restored := dbtest.EmptyPostgresURL(t)
	if out, err := exec.CommandContext(t.Context(), "pg_restore", "--no-owner", "--exit-on-error", "--dbname="+restored, dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	r := respite(t, environ{"DATABASE_URL": source}, "", "restore-check", restored)
	if r.code != 0 || !strings.Contains(r.stdout, "restores") {
		t.Fatalf("respite restore-check: %s", r)
	}
	db := openDB(t, environ{"DATABASE_URL": source})
	for _, table := range []string{"bookings", "carers", "people", "audit_log"} {
		want := fmt.Sprintf("%s  %d", table, count(t, db, table))
		if !strings.Contains(strings.Join(strings.Fields(r.stdout), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("restore-check does not count %s as the original does:\n%s", want, r.stdout)
		}
	}
}
