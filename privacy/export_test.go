package privacy_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/privacy"
)

// exported says, for each table that holds a carer's data, how many of
// its rows an export holds. TestExport_CoversEveryTable fails for a table
// in the database that is in neither this nor tablesWithoutCarerData.
var exported = map[string]func(privacy.Export) int{
	"carers":         func(e privacy.Export) int { return min(int(e.Carer.ID), 1) },
	"people":         func(e privacy.Export) int { return len(e.People) },
	"bookings":       func(e privacy.Export) int { return len(e.Bookings) },
	"booking_nights": func(e privacy.Export) int { return len(e.Nights) },
	"holds":          func(e privacy.Export) int { return len(e.Holds) },
	"sms_messages":   func(e privacy.Export) int { return len(e.Texts) },
	"sms_receipts":   func(e privacy.Export) int { return len(e.Receipts) },
	"sms_opt_outs":   func(e privacy.Export) int { return len(e.OptOuts) },
	"sessions":       func(e privacy.Export) int { return len(e.Sessions) },
	"sign_in_codes":  func(e privacy.Export) int { return len(e.SignInCodes) },
	"stay_feedback":  func(e privacy.Export) int { return len(e.Feedback) },
	"unmet_searches": func(e privacy.Export) int { return len(e.UnmetSearches) },
	"audit_log":      func(e privacy.Export) int { return len(e.Audit) },
}

// tablesWithoutCarerData hold nothing about any carer or cared-for
// person, and why.
var tablesWithoutCarerData = map[string]string{
	"providers":            "care homes: names, addresses and phone numbers of businesses",
	"contracts":            "what the council buys from each home",
	"beds":                 "a home's beds and their features",
	"closures":             "a bed or home closed for some nights, and why (an outbreak, works)",
	"hosts":                "shared-lives hosts: their own data, not carers'",
	"host_availability":    "the dates hosts can take guests",
	"staff_users":          "staff accounts",
	"staff_totp_keys":      "staff authenticator keys",
	"staff_recovery_codes": "staff recovery codes",
	"staff_sign_ins":       "staff sign-ins half done",
	"app_secrets":          "keys the service makes for itself",
	"job_runs":             "the last run of each scheduled job",
	"sms_inbound":          "only the provider's id of a text received and when: nothing ties it to a number or a person",
	"bun_migrations":       "the migrations applied",
	"bun_migration_locks":  "the migrations' lock",
}

func tables(t *testing.T, db *bun.DB) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if dbtest.IsPostgres(db) {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	var names []string
	if err := db.NewRaw(q).Scan(context.Background(), &names); err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}

func TestExport_CoversEveryTable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		w := newWorld(t, db)
		alice := w.newSubject(t, "+447700900111")
		w.newSubject(t, "+447700900112") // someone else, whose rows must not appear
		svc := privacy.NewService(db, calendar.Fixed(now))
		e, err := svc.ExportCarer(context.Background(), admin, alice.carerID)
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range tables(t, db) {
			count, covered := exported[table]
			_, exempt := tablesWithoutCarerData[table]
			switch {
			case covered && exempt:
				t.Errorf("table %s is both exported and listed as holding no carer's data", table)
			case !covered && !exempt:
				t.Errorf("table %s is neither in the export nor listed as holding no carer's data: add it to privacy.Export (and to exported here), or say why it holds none in tablesWithoutCarerData", table)
			case covered && count(e) == 0:
				t.Errorf("table %s: the export holds none of the carer's rows", table)
			}
		}
		// Only Alice's rows: one person, two stays and three nights, her
		// own texts and sign-ins, and the entries naming her or hers
		// (including the export's own).
		if len(e.People) != 1 || len(e.Bookings) != 2 || len(e.Nights) != 3 || len(e.Texts) != 1 || len(e.Sessions) != 1 ||
			len(e.SignInCodes) != 1 || len(e.Feedback) != 1 || len(e.UnmetSearches) != 1 || len(e.Holds) != 1 {
			t.Errorf("export counts: people %d, bookings %d, nights %d, texts %d, sessions %d, codes %d, feedback %d, unmet %d, holds %d",
				len(e.People), len(e.Bookings), len(e.Nights), len(e.Texts), len(e.Sessions), len(e.SignInCodes), len(e.Feedback), len(e.UnmetSearches), len(e.Holds))
		}
		var actions []string
		for _, a := range e.Audit {
			actions = append(actions, a.Action)
		}
		if want := []string{"emergency.lookup", "person.changed", "carer.exported"}; !slices.Equal(actions, want) {
			t.Errorf("audit entries = %v, want %v", actions, want)
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		doc := string(b)
		for _, v := range alice.personal {
			if !strings.Contains(doc, v) {
				t.Errorf("the export does not hold %q", v)
			}
		}
		for _, v := range []string{"+447700900112", "hash-", "code-+"} {
			if strings.Contains(doc, v) {
				t.Errorf("the export holds %q, which is not Alice's (or is a credential)", v)
			}
		}
		// The allowance: 3 nights booked 40 days ago, and 2 held.
		var booked, held int
		for _, y := range e.Allowance {
			booked, held = booked+y.Booked, held+y.Held
		}
		if booked != 3 || held != 2 {
			t.Errorf("allowance: booked %d, held %d; want 3 and 2: %+v", booked, held, e.Allowance)
		}
	})
}

func TestExport_AdminsOnly(t *testing.T) {
	db := dbtest.SQLite(t)
	w := newWorld(t, db)
	alice := w.newSubject(t, "+447700900111")
	svc := privacy.NewService(db, calendar.Fixed(now))
	ctx := context.Background()
	carer := accounts.Principal{Kind: accounts.SubjectCarer, ID: alice.carerID}
	for _, who := range []accounts.Principal{duty, carer, {Kind: accounts.SubjectStaff, Role: accounts.RoleCoordinator}} {
		if _, err := svc.ExportCarer(ctx, who, alice.carerID); !errors.Is(err, privacy.ErrNotAllowed) {
			t.Errorf("export as %v: %v, want ErrNotAllowed", who, err)
		}
		if _, err := svc.EraseCarer(ctx, who, alice.carerID, "asked"); !errors.Is(err, privacy.ErrNotAllowed) {
			t.Errorf("erase as %v: %v, want ErrNotAllowed", who, err)
		}
	}
	if _, err := svc.ExportCarer(ctx, accounts.CommandLine("ops"), alice.carerID); err != nil {
		t.Errorf("export from the command line: %v", err)
	}
	if _, err := svc.ExportCarer(ctx, admin, 9999); !errors.Is(err, privacy.ErrCarerNotFound) {
		t.Errorf("export of no one: %v, want ErrCarerNotFound", err)
	}
	var n int
	if err := db.NewSelect().Table("audit_log").ColumnExpr("COUNT(*)").Where("action = 'carer.exported'").Scan(ctx, &n); err != nil || n != 1 {
		t.Errorf("carer.exported entries = %d (%v), want 1: refusals record nothing", n, err)
	}
}
