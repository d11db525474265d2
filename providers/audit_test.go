package providers_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/providers"
)

// logged is an audit entry as these tests compare it: who, what, and which
// fields, without its id.
type logged struct {
	Actor, Action, Target, Fields, Reason string
}

// auditLog reads the audit log entries written since the last read, oldest
// first.
type auditLog struct {
	db   *bun.DB
	seen int64
}

func (l *auditLog) since(t *testing.T) []logged {
	t.Helper()
	var es []audit.Entry
	if err := l.db.NewSelect().Model(&es).Where("id > ?", l.seen).OrderExpr("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := []logged{}
	for _, e := range es {
		l.seen = e.ID
		if !e.At.Equal(now) {
			t.Errorf("entry %d at %v, want %v", e.ID, e.At, now)
		}
		out = append(out, logged{
			Actor:  fmt.Sprintf("%s %d %s", e.ActorKind, e.ActorID, e.ActorName),
			Action: e.Action, Target: fmt.Sprintf("%s %d", e.TargetKind, e.TargetID), Fields: e.Fields, Reason: e.Reason,
		})
	}
	return out
}

// expect fails the test unless the entries written since the last read are
// want (none when want is empty).
func (l *auditLog) expect(t *testing.T, step string, want ...logged) {
	t.Helper()
	if want == nil {
		want = []logged{}
	}
	if diff := cmp.Diff(want, l.since(t)); diff != "" {
		t.Errorf("%s: audit entries (-want +got):\n%s", step, diff)
	}
}

const byAdmin = "staff 1 Ade"

func target(kind string, id int64) string { return fmt.Sprintf("%s %d", kind, id) }

func TestAudit_Homes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newService(db)
		log := &auditLog{db: db}

		p, err := svc.CreateProvider(ctx, admin, validHome())
		if err != nil {
			t.Fatal(err)
		}
		log.expect(t, "a home added", logged{Actor: byAdmin, Action: audit.HomeCreated, Target: target("provider", p.ID)})

		twin, err := svc.CreateProviderConfirmed(ctx, accounts.CommandLine("ops"), validHome())
		if err != nil {
			t.Fatal(err)
		}
		log.expect(t, "a second home of the same name, confirmed", logged{
			Actor: "operator 0 command line (ops)", Action: audit.HomeCreated, Target: target("provider", twin.ID),
			Reason: "confirmed as a different home from one of the same name at the postcode",
		})

		// The phone, written another way, is the number already held: not a change.
		if _, err := svc.UpdateProvider(ctx, admin, p.ID, providers.ProviderPatch{
			Name: ptr("Meadow View House"), Phone: ptr("+44 113 496 0000"), Specialisms: &[]string{"dementia", "epilepsy"}, Active: ptr(false),
		}); err != nil {
			t.Fatal(err)
		}
		log.expect(t, "name, specialisms and active changed", logged{
			Actor: byAdmin, Action: audit.HomeChanged, Target: target("provider", p.ID), Fields: "name, specialisms, active",
		})

		if _, err := svc.UpdateProvider(ctx, admin, p.ID, providers.ProviderPatch{
			Postcode: ptr("LS7 1AB"), Latitude: ptr(53.8149), Longitude: ptr(-1.5267),
		}); err != nil {
			t.Fatal(err)
		}
		log.expect(t, "moved", logged{
			Actor: byAdmin, Action: audit.HomeChanged, Target: target("provider", p.ID), Fields: "postcode, latitude, longitude",
		})

		before, err := svc.Provider(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		svcLater := providers.NewService(db, calendar.Fixed(now.Add(time.Hour)))
		got, err := svcLater.UpdateProvider(ctx, admin, p.ID, providers.ProviderPatch{
			Name: ptr("  Meadow View House "), Postcode: ptr("ls7 1ab"), BedTypes: &[]string{"residential", "residential_dementia"}, Active: ptr(false),
		})
		if err != nil {
			t.Fatal(err)
		}
		log.expect(t, "a save that changes nothing")
		if !got.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("a save that changes nothing: updated_at %v, want %v as before", got.UpdatedAt, before.UpdatedAt)
		}

		if _, err := svc.UpdateProvider(ctx, admin, p.ID, providers.ProviderPatch{Name: ptr("Changed"), Phone: ptr("12")}); err == nil {
			t.Fatal("a bad phone number was taken")
		}
		log.expect(t, "a change refused")
	})
}

func TestAudit_ContractsAndBeds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newService(db)
		home := mustCreateProvider(t, svc, validHome())
		log := &auditLog{db: db}
		log.since(t)

		c := mustCreateContract(t, svc, home.ID, "BLK-2027-01")
		log.expect(t, "a contract recorded", logged{Actor: byAdmin, Action: audit.ContractCreated, Target: target("contract", c.ID)})

		if _, err := svc.UpdateContract(ctx, admin, c.ID, providers.ContractPatch{
			Reference: ptr(" BLK-2027-01 "), EndsOn: ptr(date("2028-06-30")), NightlyRatePence: ptr(int64(15000)),
		}); err != nil {
			t.Fatal(err)
		}
		log.expect(t, "end and rate changed", logged{
			Actor: byAdmin, Action: audit.ContractChanged, Target: target("contract", c.ID), Fields: "ends_on, nightly_rate_pence",
		})
		if _, err := svc.UpdateContract(ctx, admin, c.ID, providers.ContractPatch{StartsOn: ptr(date("2027-04-01")), Active: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		log.expect(t, "a contract saved unchanged")
		if _, err := svc.UpdateContract(ctx, admin, c.ID, providers.ContractPatch{EndsOn: ptr(date("2027-01-01"))}); err == nil {
			t.Fatal("an end before the start was taken")
		}
		log.expect(t, "a contract change refused")

		bed, err := svc.CreateBed(ctx, admin, home.ID, providers.BedInput{
			Label: "Room 4", ContractID: c.ID, BedType: "residential", Features: []string{"hoist", "en_suite"},
		})
		if err != nil {
			t.Fatal(err)
		}
		log.expect(t, "a bed added", logged{Actor: byAdmin, Action: audit.BedCreated, Target: target("bed", bed.ID)})

		if _, err := svc.UpdateBed(ctx, admin, bed.ID, providers.BedPatch{
			Label: ptr("Room 4"), Features: &[]string{"hoist", "en_suite", "ground_floor"}, EmergencyReserved: ptr(true),
		}); err != nil {
			t.Fatal(err)
		}
		log.expect(t, "features and the reserve changed", logged{
			Actor: byAdmin, Action: audit.BedChanged, Target: target("bed", bed.ID), Fields: "features, emergency_reserved",
		})
		if _, err := svc.UpdateBed(ctx, admin, bed.ID, providers.BedPatch{Label: ptr(" Room 4"), BedType: ptr("residential"), Active: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		log.expect(t, "a bed saved unchanged")
		if _, err := svc.UpdateBed(ctx, admin, bed.ID, providers.BedPatch{BedType: ptr("nursing")}); err == nil {
			t.Fatal("a bed type the home does not offer was taken")
		}
		log.expect(t, "a bed change refused")
	})
}

func TestAudit_Closures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := newService(db)
		home := mustCreateProvider(t, svc, validHome())
		c := mustCreateContract(t, svc, home.ID, "BLK-2027-01")
		bed, err := svc.CreateBed(ctx, admin, home.ID, providers.BedInput{Label: "Room 4", ContractID: c.ID, BedType: "residential"})
		if err != nil {
			t.Fatal(err)
		}
		log := &auditLog{db: db}
		log.since(t)
		ops := accounts.CommandLine("ops")

		// Today, in London, is Monday 23 November 2026.
		whole, err := svc.CreateClosure(ctx, admin, home.ID, providers.ClosureInput{
			StartsOn: date("2026-11-23"), EndsOn: date("2026-11-30"), Reason: " Norovirus outbreak ", CreatedBy: admin.ID,
		})
		if err != nil {
			t.Fatal(err)
		}
		log.expect(t, "the whole home closed", logged{
			Actor: byAdmin, Action: audit.ClosureCreated, Target: target("closure", whole.ID),
			Reason: "the whole home, Monday 23 November 2026 to Monday 30 November 2026: Norovirus outbreak",
		})
		room, err := svc.CreateClosure(ctx, ops, home.ID, providers.ClosureInput{
			BedID: &bed.ID, StartsOn: date("2027-01-04"), EndsOn: date("2027-01-08"), Reason: "Redecorating",
		})
		if err != nil {
			t.Fatal(err)
		}
		log.expect(t, "a bed closed", logged{
			Actor: "operator 0 command line (ops)", Action: audit.ClosureCreated, Target: target("closure", room.ID),
			Reason: "Room 4, Monday 4 January 2027 to Friday 8 January 2027: Redecorating",
		})
		if _, err := svc.CreateClosure(ctx, admin, home.ID, providers.ClosureInput{StartsOn: date("2026-11-01"), EndsOn: date("2026-11-02"), Reason: "Too late"}); err == nil {
			t.Fatal("a closure in the past was taken")
		}
		log.expect(t, "a closure refused")

		if _, deleted, err := svc.LiftClosure(ctx, admin, whole.ID, date("2026-11-25")); err != nil || deleted {
			t.Fatalf("lifting a closure under way: deleted %v, err %v", deleted, err)
		}
		log.expect(t, "a closure under way ended early", logged{
			Actor: byAdmin, Action: audit.ClosureLifted, Target: target("closure", whole.ID), Fields: "ends_on",
			Reason: "lifted from Wednesday 25 November 2026 (it was to run to Monday 30 November 2026)",
		})
		if _, deleted, err := svc.LiftClosure(ctx, admin, room.ID, calendar.Date{}); err != nil || !deleted {
			t.Fatalf("lifting a closure not yet begun: deleted %v, err %v", deleted, err)
		}
		log.expect(t, "a closure not yet begun lifted", logged{
			Actor: byAdmin, Action: audit.ClosureLifted, Target: target("closure", room.ID),
			Reason: "lifted before it began (it was to run Monday 4 January 2027 to Friday 8 January 2027)",
		})
		if _, _, err := svc.LiftClosure(ctx, admin, whole.ID, date("2026-11-30")); err == nil {
			t.Fatal("a closure was lifted from after its end")
		}
		log.expect(t, "a lift refused")
	})
}
