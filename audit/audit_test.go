package audit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/migrations/dbtest"
)

var (
	admin = accounts.Principal{Kind: accounts.SubjectStaff, ID: 1, Name: "Alex", Role: accounts.RoleAdmin}
	duty  = accounts.Principal{Kind: accounts.SubjectStaff, ID: 2, Name: "Sam", Role: accounts.RoleDuty}
)

func TestAuditLog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		t0 := time.Date(2027, 4, 1, 22, 0, 0, 0, time.UTC)
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(audit.Record(ctx, db, t0, duty, audit.EmergencyLookup, "carer", 7, "card LDS-EC-0101"))
		must(audit.Record(ctx, db, t0.Add(time.Minute), duty, audit.EmergencyPlacement, "booking", 42, "Carer admitted to hospital"))
		must(audit.Record(ctx, db, t0.Add(time.Hour), admin, audit.BookingCancelled, "booking", 42, "Duplicate"))

		svc := audit.NewService(db)
		page, err := svc.List(ctx, admin, audit.Filter{TargetKind: "booking", TargetID: 42})
		if err != nil || len(page.Items) != 2 || page.Items[0].Action != audit.BookingCancelled || page.Items[1].ActorName != "Sam" {
			t.Errorf("booking 42's entries = %+v, %v", page.Items, err)
		}
		page, _ = svc.List(ctx, admin, audit.Filter{ActorKind: "staff", ActorID: 2, From: t0.Add(30 * time.Second)})
		if len(page.Items) != 1 || page.Items[0].Action != audit.EmergencyPlacement {
			t.Errorf("Sam's entries after 22:00:30 = %+v", page.Items)
		}
		if _, err := svc.List(ctx, duty, audit.Filter{}); !errors.Is(err, audit.ErrNotAllowed) {
			t.Errorf("duty reading the log: %v, want ErrNotAllowed", err)
		}

		// Append-only, by the database itself.
		if _, err := db.ExecContext(ctx, "UPDATE audit_log SET reason = 'tidied' WHERE target_id = 42"); err == nil {
			t.Error("an audit entry was changed")
		}
		if _, err := db.ExecContext(ctx, "DELETE FROM audit_log"); err == nil {
			t.Error("audit entries were deleted")
		}
		if n, _ := db.NewSelect().Model((*audit.Entry)(nil)).Count(ctx); n != 3 {
			t.Errorf("entries = %d, want 3", n)
		}
	})
}
