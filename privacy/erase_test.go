package privacy_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/privacy"
	"github.com/respite-uk/respite/reports"
)

func TestEraseCarer_RefusedWhileAStayIsNotOver(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		svc := privacy.NewService(db, calendar.Fixed(now))
		tests := []struct {
			name           string
			arrive, depart int
			want           string
		}{
			{"upcoming", 2, 5, "Margaret Example has a stay from 3 March to 6 March 2027 (reference R-"},
			{"under way", -1, 2, "Margaret Example has a stay from 28 February to 3 March 2027 (reference R-"},
			{"leaving today", -3, 0, "Margaret Example has a stay from 26 February to 1 March 2027 (reference R-"},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := w.newSubject(t, "+44770090012"+string(rune('0'+i)))
				w.stay(t, s.carerID, s.personID, tt.arrive, tt.depart, "confirmed", nil)
				_, err := svc.EraseCarer(ctx, admin, s.carerID, "their request")
				if !errors.Is(err, privacy.ErrStayNotOver) || apperr.KindOf(err) != apperr.Conflict {
					t.Fatalf("err = %v, want ErrStayNotOver", err)
				}
				e, _ := apperr.As(err)
				if !strings.HasPrefix(e.Message, tt.want) || !strings.Contains(e.Message, "cancel it or wait until it ends") {
					t.Errorf("message = %q, want it to start %q and say what to do", e.Message, tt.want)
				}
				var name string
				if err := db.NewSelect().Table("carers").Column("name").Where("id = ?", s.carerID).Scan(ctx, &name); err != nil || name != "Alice Example "+s.mobile {
					t.Errorf("after a refusal the carer is %q (%v): nothing should change", name, err)
				}
			})
		}
		t.Run("no reason", func(t *testing.T) {
			s := w.newSubject(t, "+447700900130")
			if _, err := svc.EraseCarer(ctx, admin, s.carerID, "  "); apperr.KindOf(err) != apperr.Invalid {
				t.Errorf("err = %v, want Invalid naming reason", err)
			}
		})
		t.Run("no such carer", func(t *testing.T) {
			if _, err := svc.EraseCarer(ctx, admin, 99999, "asked"); !errors.Is(err, privacy.ErrCarerNotFound) {
				t.Errorf("err = %v, want ErrCarerNotFound", err)
			}
		})
	})
}

// figures are the commissioners' figures that erasure must not change.
type figures struct {
	Block       reports.BlockUse
	Carers      reports.CarersReached
	Emergencies reports.Emergencies
	Feedback    reports.Feedback
	Unmet       reports.UnmetDemand
	Cancelled   reports.Cancellations
}

func figuresOf(t *testing.T, db *bun.DB) figures {
	t.Helper()
	ctx := context.Background()
	r := reports.NewService(db, calendar.Fixed(now))
	p := reports.Period{From: today.AddDays(-90), To: today.AddDays(30)}
	var f figures
	var err error
	if f.Block, err = r.BlockUse(ctx, p); err != nil {
		t.Fatal(err)
	}
	if f.Carers, err = r.CarersReached(ctx, p); err != nil {
		t.Fatal(err)
	}
	if f.Emergencies, err = r.Emergencies(ctx, p); err != nil {
		t.Fatal(err)
	}
	if f.Feedback, err = r.Feedback(ctx, p); err != nil {
		t.Fatal(err)
	}
	if f.Unmet, err = r.UnmetDemand(ctx, p); err != nil {
		t.Fatal(err)
	}
	if f.Cancelled, err = r.Cancellations(ctx, p); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestEraseCarer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		alice := w.newSubject(t, "+447700900111")
		bob := w.newSubject(t, "+447700900112")
		svc := privacy.NewService(db, calendar.Fixed(now))
		before := figuresOf(t, db)
		if before.Carers.Carers != 2 || before.Feedback.Comments != 2 || before.Emergencies.PlansHeld != 2 {
			t.Fatalf("the fixture's figures are not what the test needs: %+v", before)
		}
		bobBefore, err := svc.ExportCarer(ctx, admin, bob.carerID)
		if err != nil {
			t.Fatal(err)
		}

		got, err := svc.EraseCarer(ctx, admin, alice.carerID, "their request of 1 March")
		if err != nil {
			t.Fatal(err)
		}
		if got != (privacy.Erasure{CarerID: alice.carerID, People: 1}) {
			t.Errorf("erasure = %+v", got)
		}

		// The commissioners' figures are the same.
		if diff := cmp.Diff(before, figuresOf(t, db)); diff != "" {
			t.Errorf("figures changed by erasure (-before +after):\n%s", diff)
		}
		// Nothing personal is left in what is held about her.
		e, err := svc.ExportCarer(ctx, admin, alice.carerID)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(e)
		doc := string(b)
		for _, v := range alice.personal {
			if strings.Contains(doc, v) {
				t.Errorf("the erased carer's export still holds %q", v)
			}
		}
		if e.Carer.Name != "Erased carer "+itoa(alice.carerID) || e.People[0].Name != "Erased person "+itoa(alice.personID) ||
			e.People[0].DateOfBirth != (calendar.Date{Year: 1940, Month: 1, Day: 1}) || len(e.People[0].Needs) != 0 {
			t.Errorf("tombstones: carer %+v, person %+v", e.Carer, e.People[0])
		}
		if len(e.Bookings) != 2 || len(e.Nights) != 3 {
			t.Errorf("bookings %d, nights %d: the stays stay", len(e.Bookings), len(e.Nights))
		}
		if len(e.Holds) != 0 || len(e.Sessions) != 0 || len(e.SignInCodes) != 0 || len(e.Texts) != 0 || len(e.UnmetSearches) != 0 || len(e.OptOuts) != 0 {
			t.Errorf("left: holds %d, sessions %d, codes %d, texts %d, unmet %d, opt-outs %d",
				len(e.Holds), len(e.Sessions), len(e.SignInCodes), len(e.Texts), len(e.UnmetSearches), len(e.OptOuts))
		}
		// The text keeps its status and timing, not its words or number.
		var text struct {
			Recipient, Body, Status string
			Data                    string
		}
		if err := db.NewSelect().Table("sms_messages").Column("recipient", "body", "status").ColumnExpr("CAST(data AS TEXT) AS data").
			Where("dedupe_key = ?", "test:"+alice.mobile).Scan(ctx, &text); err != nil {
			t.Fatal(err)
		}
		if text.Recipient != "" || text.Body != "" || text.Status != "delivered" || strings.Contains(text.Data, "R-") {
			t.Errorf("Alice's text after erasure = %+v", text)
		}
		// The log says who erased, and why, with nothing erased in it.
		var entries []struct{ Action, TargetKind, Reason, ActorName string }
		if err := db.NewSelect().Table("audit_log").Column("action", "target_kind", "reason", "actor_name").
			Where("action IN ('carer.erased', 'person.erased')").Order("id").Scan(ctx, &entries); err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0].Action != "carer.erased" || entries[1].Action != "person.erased" ||
			entries[0].Reason != "on request: their request of 1 March" || entries[0].ActorName != "Ada Admin" {
			t.Errorf("audit entries = %+v", entries)
		}
		for _, en := range entries {
			for _, v := range alice.personal {
				if strings.Contains(en.Reason, v) {
					t.Errorf("audit entry %+v holds %q", en, v)
				}
			}
		}
		// Bob is untouched (but for the entry of his first export).
		bobAfter, err := svc.ExportCarer(ctx, admin, bob.carerID)
		if err != nil {
			t.Fatal(err)
		}
		bobAfter.Audit, bobBefore.Audit = bobAfter.Audit[:len(bobBefore.Audit)-1], bobBefore.Audit[:len(bobBefore.Audit)-1]
		if diff := cmp.Diff(bobBefore, bobAfter); diff != "" {
			t.Errorf("Bob changed (-before +after):\n%s", diff)
		}

		// Again: nothing more is done, or recorded.
		again, err := svc.EraseCarer(ctx, admin, alice.carerID, "asked twice")
		if err != nil || !again.AlreadyErased {
			t.Errorf("erasing again = %+v, %v; want AlreadyErased", again, err)
		}
		var n int
		if err := db.NewSelect().Table("audit_log").ColumnExpr("COUNT(*)").Where("action = 'carer.erased'").Scan(ctx, &n); err != nil || n != 1 {
			t.Errorf("carer.erased entries = %d, %v; want 1", n, err)
		}
	})
}
