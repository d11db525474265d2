package sharedlives_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/sharedlives"
)

// logged is an audit entry as these tests compare it: when, who, what,
// and which fields, without its id.
type logged struct {
	At                                    time.Time
	Actor, Action, Target, Fields, Reason string
}

// auditSince returns the audit log entries after id *seen, oldest first,
// and moves *seen past them.
func auditSince(t *testing.T, db *bun.DB, seen *int64) []logged {
	t.Helper()
	var es []audit.Entry
	if err := db.NewSelect().Model(&es).Where("id > ?", *seen).OrderExpr("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := []logged{}
	for _, e := range es {
		*seen = e.ID
		out = append(out, logged{
			At: e.At, Actor: fmt.Sprintf("%s %d %s", e.ActorKind, e.ActorID, e.ActorName),
			Action: e.Action, Target: fmt.Sprintf("%s %d", e.TargetKind, e.TargetID), Fields: e.Fields, Reason: e.Reason,
		})
	}
	return out
}

func TestAudit_Hosts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		var seen int64
		expect := func(step string, want ...logged) {
			t.Helper()
			if want == nil {
				want = []logged{}
			}
			if diff := cmp.Diff(want, auditSince(t, db, &seen), sameInstant); diff != "" {
				t.Errorf("%s: audit entries (-want +got):\n%s", step, diff)
			}
		}
		const byCam, byAde = "staff 3 Cam", "staff 1 Ade"

		h := f.mustCreate(t, validHost())
		host := fmt.Sprintf("host %d", h.ID)
		expect("a host added", logged{At: hostsNow, Actor: byCam, Action: audit.HostCreated, Target: host})

		// The name and mobile, written as stored, are not changes.
		f.clk.Advance(time.Minute)
		if _, err := f.svc.UpdateHost(ctx, asCoordinator, h.ID, sharedlives.HostPatch{
			Name: new("Sue Miller"), Mobile: new("+447700900301"), Capacity: new(3),
			HomeFacts: &[]string{"pets", "stairs", "hoist"}, StaffNotes: new("Dog is friendly."),
		}); err != nil {
			t.Fatal(err)
		}
		expect("capacity, home facts and notes changed", logged{
			At: f.clk.Now(), Actor: byCam, Action: audit.HostChanged, Target: host, Fields: "capacity, home_facts, staff_notes",
		})

		changedAt := f.clk.Now()
		f.clk.Advance(time.Minute)
		got, err := f.svc.UpdateHost(ctx, asCoordinator, h.ID, sharedlives.HostPatch{
			Name: new(" Sue Miller"), Postcode: new("LS8 2PQ"), Offers: &[]string{"short_break", "emergency"}, Capacity: new(3),
		})
		if err != nil {
			t.Fatal(err)
		}
		expect("a save that changes nothing")
		if !got.UpdatedAt.Equal(changedAt) {
			t.Errorf("a save that changes nothing: updated_at %v, want %v as before", got.UpdatedAt, changedAt)
		}
		if _, err := f.svc.UpdateHost(ctx, asCoordinator, h.ID, sharedlives.HostPatch{Name: new("Sue Jones"), Capacity: new(0)}); err == nil {
			t.Fatal("a capacity of 0 was taken")
		}
		if _, err := f.svc.UpdateHost(ctx, asDuty, h.ID, sharedlives.HostPatch{Name: new("Sue Jones")}); err == nil {
			t.Fatal("the duty team changed a host")
		}
		expect("changes refused")

		if _, err := f.svc.Approve(ctx, asCoordinator, h.ID, calendar.Date{}); err != nil {
			t.Fatal(err)
		}
		expect("approved", logged{
			At: f.clk.Now(), Actor: byCam, Action: audit.HostApproved, Target: host,
			Reason: "from Monday 23 November 2026, review due Tuesday 23 November 2027",
		})
		if _, err := f.svc.Approve(ctx, asCoordinator, h.ID, calendar.Date{}); err == nil {
			t.Fatal("an approved host was approved again")
		}
		expect("approval refused")

		if _, err := f.svc.Suspend(ctx, asAdmin, h.ID, "  Safeguarding concern under review "); err != nil {
			t.Fatal(err)
		}
		expect("suspended", logged{
			At: f.clk.Now(), Actor: byAde, Action: audit.HostSuspended, Target: host, Reason: "Safeguarding concern under review",
		})

		if _, err := f.svc.Approve(ctx, asAdmin, h.ID, d("2026-11-20")); err != nil {
			t.Fatal(err)
		}
		expect("approved again", logged{
			At: f.clk.Now(), Actor: byAde, Action: audit.HostApproved, Target: host,
			Reason: "from Friday 20 November 2026, review due Saturday 20 November 2027",
		})

		if _, err := f.svc.Leave(ctx, asCoordinator, h.ID); err != nil {
			t.Fatal(err)
		}
		expect("left", logged{At: f.clk.Now(), Actor: byCam, Action: audit.HostLeft, Target: host})
		if _, err := f.svc.Leave(ctx, asCoordinator, h.ID); err == nil {
			t.Fatal("a host left twice")
		}
		if _, err := f.svc.Suspend(ctx, asCoordinator, h.ID, "Too late"); err == nil {
			t.Fatal("a host who left was suspended")
		}
		expect("steps refused")
	})
}
