package privacy_test

import (
	"context"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/privacy"
)

func TestApplyRetention(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		// Everyone's rows are from about a year before now. Seven years
		// on, Alice has had no stay or contact for six; Bob signed in last
		// month, and Carol was sent a text last month.
		alice := w.newSubject(t, "+447700900111")
		bob := w.newSubject(t, "+447700900112")
		carol := w.newSubject(t, "+447700900113")
		later := now.AddDate(7, 0, 0)
		lastMonth := later.AddDate(0, -1, 0).UTC()
		insert(t, db, "sessions", map[string]any{"token_hash": "bob-again", "subject_kind": "carer", "subject_id": bob.carerID,
			"created_at": lastMonth, "expires_at": lastMonth.AddDate(0, 0, 1)})
		text := func(key, to, status, body string) {
			insert(t, db, "sms_messages", map[string]any{
				"dedupe_key": key, "recipient": to, "template": "booking_reminder_week", "data": `{"reference":"R-9"}`,
				"body": body, "urgent": false, "status": status, "attempts": 1, "not_before": lastMonth, "next_attempt_at": lastMonth,
				"provider": "log", "last_error": "", "created_at": lastMonth, "updated_at": lastMonth,
			})
		}
		text("carol-later", carol.mobile, "sent", "A reminder last month")
		// A text still waiting keeps its body however old: it has yet to go.
		insert(t, db, "sms_messages", map[string]any{
			"dedupe_key": "stuck", "recipient": "+447700900500", "template": "booking_reminder_week", "data": `{}`,
			"body": "Still queued", "urgent": false, "status": "queued", "attempts": 0, "not_before": now.UTC(), "next_attempt_at": now.UTC(),
			"provider": "log", "last_error": "", "created_at": now.UTC(), "updated_at": now.UTC(),
		})
		svc := privacy.NewServiceWith(db, calendar.Fixed(later), privacy.Options{Inactive: privacy.Period{Years: 6}, Messages: privacy.Period{Days: 90}})

		snapshot := func() string {
			var all []string
			for _, q := range []string{
				"SELECT name || ' ' || mobile FROM carers ORDER BY id",
				"SELECT status || ':' || body FROM sms_messages ORDER BY id",
				"SELECT COALESCE(CAST(person_id AS TEXT), '-') FROM unmet_searches ORDER BY id",
				"SELECT action FROM audit_log ORDER BY id",
				"SELECT token_hash FROM sessions ORDER BY token_hash",
			} {
				var got []string
				if err := db.NewRaw(q).Scan(ctx, &got); err != nil {
					t.Fatal(err)
				}
				all = append(all, got...)
			}
			return strings.Join(all, "\n")
		}

		start := snapshot()
		dry, err := svc.ApplyRetention(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		if after := snapshot(); after != start {
			t.Errorf("a dry run changed the database:\nbefore\n%s\nafter\n%s", start, after)
		}
		if len(dry.Carers) != 1 || dry.Carers[0].ID != alice.carerID || dry.People != 1 || !dry.DryRun {
			t.Errorf("dry run would anonymise %+v, want Alice alone", dry.Carers)
		}
		// Three old texts (one each) and the stuck one, which is left; three
		// unmet searches, all from seven years ago.
		if dry.TextsBlanked != 3 || dry.UnmetUnlinked != 3 {
			t.Errorf("dry run: texts %d, unmet %d; want 3 and 3", dry.TextsBlanked, dry.UnmetUnlinked)
		}

		got, err := svc.ApplyRetention(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		dry.DryRun = false
		if got.Summary() != dry.Summary() {
			t.Errorf("the run did %q; the dry run said %q", got.Summary(), dry.Summary())
		}
		var carers []struct {
			ID           int64
			Name, Mobile string
		}
		if err := db.NewSelect().Table("carers").Column("id", "name", "mobile").Order("id").Scan(ctx, &carers); err != nil {
			t.Fatal(err)
		}
		if carers[0].Name != "Erased carer "+itoa(alice.carerID) || carers[1].Mobile != bob.mobile || carers[2].Mobile != carol.mobile {
			t.Errorf("carers after retention = %+v; want Alice alone anonymised", carers)
		}
		var bodies []struct{ DedupeKey, Body, Status string }
		if err := db.NewSelect().Table("sms_messages").Column("dedupe_key", "body", "status").Order("id").Scan(ctx, &bodies); err != nil {
			t.Fatal(err)
		}
		for _, b := range bodies {
			old := strings.HasPrefix(b.DedupeKey, "test:")
			switch {
			case old && (b.Body != "" || b.Status != "delivered"):
				t.Errorf("old text %+v: want its body blank and its status kept", b)
			case !old && b.Body == "":
				t.Errorf("recent or unsent text %+v lost its body", b)
			}
		}
		var linked int
		if err := db.NewSelect().Table("unmet_searches").ColumnExpr("COUNT(*)").Where("person_id IS NOT NULL OR carer_id IS NOT NULL").Scan(ctx, &linked); err != nil || linked != 0 {
			t.Errorf("unmet searches still naming someone: %d (%v)", linked, err)
		}
		var entries []struct{ Action, ActorKind, Reason string }
		if err := db.NewSelect().Table("audit_log").Column("action", "actor_kind", "reason").
			Where("action IN ('carer.erased', 'person.erased', 'data.retention')").Order("id").Scan(ctx, &entries); err != nil {
			t.Fatal(err)
		}
		if len(entries) != 3 || entries[0].ActorKind != "system" || !strings.HasPrefix(entries[0].Reason, "retention: no stay or contact since 2028-03-01") || entries[2].Action != "data.retention" {
			t.Errorf("audit entries = %+v", entries)
		}

		// Twice is safe: nothing more to do, and nothing recorded.
		once := snapshot()
		again, err := svc.ApplyRetention(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if again.Changed() {
			t.Errorf("the second run did %s", again.Summary())
		}
		if after := snapshot(); after != once {
			t.Errorf("the second run changed the database:\nbefore\n%s\nafter\n%s", once, after)
		}
	})
}
