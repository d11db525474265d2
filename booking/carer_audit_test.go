package booking_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/paging"
)

// logged is an audit entry as these tests compare them.
type logged struct {
	Action string
	Target string // kind:id
	Fields string
	Reason string
	Actor  string // kind:id
}

func (l logged) String() string {
	return fmt.Sprintf("%s %s fields=%q reason=%q by %s", l.Action, l.Target, l.Fields, l.Reason, l.Actor)
}

// entry is the logged entry for action on targetKind id by who.
func entry(who accounts.Principal, action, targetKind string, id int64, fields, reason string) logged {
	return logged{Action: action, Target: fmt.Sprintf("%s:%d", targetKind, id), Fields: fields, Reason: reason,
		Actor: fmt.Sprintf("%s:%d", who.Kind, who.ID)}
}

// auditLog follows the audit log of one database: each call to since
// returns the entries written since the last.
type auditLog struct {
	db   *bun.DB
	last int64
	// inserts counts the INSERT statements into audit_log.
	inserts atomic.Int64
}

func newAuditLog(t *testing.T, db *bun.DB) *auditLog {
	t.Helper()
	l := &auditLog{db: db}
	db.AddQueryHook(auditInserts{&l.inserts})
	l.since(t)
	return l
}

// since returns the entries written since the last call, oldest first, and
// the INSERT statements that wrote them.
func (l *auditLog) since(t *testing.T) (entries []logged, inserts int64) {
	t.Helper()
	var es []audit.Entry
	if err := l.db.NewSelect().Model(&es).Where("id > ?", l.last).OrderExpr("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		l.last = e.ID
		entries = append(entries, logged{Action: e.Action, Target: fmt.Sprintf("%s:%d", e.TargetKind, e.TargetID),
			Fields: e.Fields, Reason: e.Reason, Actor: fmt.Sprintf("%s:%d", e.ActorKind, e.ActorID)})
	}
	return entries, l.inserts.Swap(0)
}

// want fails the test unless the entries written since the last call are
// want, in order.
func (l *auditLog) want(t *testing.T, what string, want ...logged) {
	t.Helper()
	got, _ := l.since(t)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: audit entries (-want +got):\n%s", what, diff)
	}
}

// auditInserts counts INSERT statements into audit_log.
type auditInserts struct{ n *atomic.Int64 }

func (h auditInserts) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (h auditInserts) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if q := strings.ToUpper(e.Query); strings.HasPrefix(q, "INSERT INTO") && strings.Contains(q, "AUDIT_LOG") {
		h.n.Add(1)
	}
}

func TestService_CarerChangesAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		log := newAuditLog(t, db)

		carer, err := f.svc.CreateCarer(ctx, duty, validCarer())
		if err != nil {
			t.Fatal(err)
		}
		log.want(t, "registering a carer", entry(duty, audit.CarerCreated, "carer", carer.ID, "", ""))

		t.Run("staff change fields", func(t *testing.T) {
			got, err := f.svc.UpdateCarer(ctx, asAdmin, carer.ID, booking.CarerPatch{
				Name: new("Pat Jones-Smith"), Postcode: new("LS2 7EW"), Latitude: new(53.8008), Longitude: new(-1.5491),
				EmergencyPlan: new("Dad goes to Elm House now.\nHis tablets are in the blue box."), EmergencyContactPhone: new(""),
				EmergencyContactName: new(""), AllowanceNights: new(28), // the same as before
			})
			if err != nil {
				t.Fatal(err)
			}
			log.want(t, "changing a carer", entry(asAdmin, audit.CarerChanged, "carer", carer.ID,
				"name, postcode, latitude, longitude, emergency_plan, emergency_contact_name, emergency_contact_phone", ""))
			carer = got
		})

		t.Run("a save that changes nothing writes nothing", func(t *testing.T) {
			for name, patch := range map[string]booking.CarerPatch{
				"empty patch": {},
				"the same values, typed as people type them": {
					Name: new("  Pat Jones-Smith "), Mobile: new("07700 900123"), Email: new(" PAT.JONES@example.org"),
					Postcode: new("ls2 7ew"), Latitude: new(53.8008), Longitude: new(-1.5491), AllowanceNights: new(28),
					AllowanceYearStarts: new(carer.AllowanceYearStarts), EmergencyCard: new("lcc-04521"),
					EmergencyPlan: new("Dad goes to Elm House now.\r\nHis tablets are in the blue box.\r\n"), // as a browser sends it EmergencyContactName: new(" "), EmergencyContactPhone: new(""),
				},
			} {
				got, err := f.svc.UpdateCarer(ctx, asAdmin, carer.ID, patch)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if !got.UpdatedAt.Equal(carer.UpdatedAt) {
					t.Errorf("%s: updated at %v, want unchanged %v", name, got.UpdatedAt, carer.UpdatedAt)
				}
				log.want(t, name)
			}
		})

		t.Run("refused changes write nothing", func(t *testing.T) {
			other := mustCreateCarer(t, f.svc, anotherCarer("Other Carer", "07700 900777"))
			log.since(t)
			if _, err := f.svc.UpdateCarer(ctx, asAdmin, carer.ID, booking.CarerPatch{Mobile: new(other.Mobile), Name: new("Pat")}); !errors.Is(err, booking.ErrMobileTaken) {
				t.Errorf("another carer's mobile: %v, want ErrMobileTaken", err)
			}
			if _, err := f.svc.UpdateCarer(ctx, asAdmin, carer.ID, booking.CarerPatch{Name: new(""), EmergencyPlan: new("New plan")}); err == nil {
				t.Error("an empty name was taken")
			}
			if _, err := f.svc.UpdateCarer(ctx, asCoordinator, carer.ID, booking.CarerPatch{Name: new("Pat")}); !errors.Is(err, booking.ErrNotAllowed) {
				t.Errorf("a coordinator: %v, want ErrNotAllowed", err)
			}
			log.want(t, "refused changes")
		})

		t.Run("carers changing their own details", func(t *testing.T) {
			me := asCarer(carer)
			if _, err := f.svc.UpdateOwnDetails(ctx, me, booking.OwnDetailsPatch{Email: new("pat@example.org"), EmergencyContactName: new("Sam Jones"), EmergencyContactPhone: new("0113 496 0123")}); err != nil {
				t.Fatal(err)
			}
			log.want(t, "own details", entry(me, audit.CarerChanged, "carer", carer.ID,
				"email, emergency_contact_name, emergency_contact_phone", "changed by the carer"))

			if _, err := f.svc.UpdateOwnDetails(ctx, me, booking.OwnDetailsPatch{Email: new("PAT@example.org "), EmergencyContactName: new("Sam Jones")}); err != nil {
				t.Fatal(err)
			}
			log.want(t, "own details saved unchanged")

			next := "+447700900456"
			if err := f.svc.StartMobileChange(ctx, me, next); err != nil {
				t.Fatal(err)
			}
			log.want(t, "a mobile change started, not yet made")
			if _, err := f.svc.ConfirmMobileChange(ctx, me, wrongCode(f.codeSentTo(t, next))); err == nil {
				t.Fatal("a wrong code changed the mobile number")
			}
			log.want(t, "a wrong code")
			if _, err := f.svc.ConfirmMobileChange(ctx, me, f.codeSentTo(t, next)); err != nil {
				t.Fatal(err)
			}
			log.want(t, "a new mobile number", entry(me, audit.CarerChanged, "carer", carer.ID,
				"mobile", "changed by the carer, with a code texted to the new number"))
		})

		t.Run("people", func(t *testing.T) {
			p, err := f.svc.AddPerson(ctx, duty, carer.ID, validPerson())
			if err != nil {
				t.Fatal(err)
			}
			log.want(t, "adding a person", entry(duty, audit.PersonAdded, "person", p.ID, "", ""))

			got, err := f.svc.UpdatePerson(ctx, asAdmin, p.ID, booking.PersonPatch{
				Needs: new([]string{"dementia", "epilepsy"}), Requirements: new([]string{"hoist", "ground_floor"}), // the same, reordered
				DateOfBirth: new(d("1941-05-03")),
			})
			if err != nil {
				t.Fatal(err)
			}
			log.want(t, "changing needs and the date of birth", entry(asAdmin, audit.PersonChanged, "person", p.ID, "date_of_birth, needs", ""))

			for name, patch := range map[string]booking.PersonPatch{
				"empty patch": {},
				"the same values": {Name: new(" Frank Jones"), DateOfBirth: new(d("1941-05-03")), Needs: new([]string{"epilepsy", "dementia"}),
					Requirements: new([]string{"ground_floor", "hoist"}), StaffNotes: new("Wanders at night.\n")},
			} {
				again, err := f.svc.UpdatePerson(ctx, asAdmin, p.ID, patch)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if !again.UpdatedAt.Equal(got.UpdatedAt) {
					t.Errorf("%s: updated at %v, want unchanged %v", name, again.UpdatedAt, got.UpdatedAt)
				}
				log.want(t, name)
			}

			if _, err := f.svc.UpdatePerson(ctx, duty, p.ID, booking.PersonPatch{Name: new("Francis Jones"), Requirements: new([]string{}), StaffNotes: new("")}); err != nil {
				t.Fatal(err)
			}
			log.want(t, "name, requirements and notes", entry(duty, audit.PersonChanged, "person", p.ID, "name, requirements, staff_notes", ""))

			if _, err := f.svc.UpdatePerson(ctx, duty, p.ID, booking.PersonPatch{Needs: new([]string{"flying"})}); err == nil {
				t.Error("an unknown need was taken")
			}
			if _, err := f.svc.UpdatePerson(ctx, asCarer(carer), p.ID, booking.PersonPatch{Needs: new([]string{})}); !errors.Is(err, booking.ErrNotAllowed) {
				t.Errorf("the carer: %v, want ErrNotAllowed", err)
			}
			if _, err := f.svc.AddPerson(ctx, asCoordinator, carer.ID, validPerson()); !errors.Is(err, booking.ErrNotAllowed) {
				t.Errorf("a coordinator adding a person: %v, want ErrNotAllowed", err)
			}
			log.want(t, "refused changes to people")
		})
	})
}

func TestService_CareDetailReadsAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		margaret := f.withCard(t, f.mkNamedCarer(t, "Margaret Oakes", "LS6 2QR"), "LDS-EC-0101")
		arthur := f.mkNamedPerson(t, margaret, "Arthur Oakes", "1938-05-01", []string{"dementia"}, []string{"non_smoking"})
		lily := f.mkNamedPerson(t, margaret, "Lily Oakes", "2015-02-01", []string{"autism"}, nil)
		sue := f.mkNamedCarer(t, "Sue Oakes", "LS1 4AP")
		bob := f.mkNamedCarer(t, "Bob Dyer", "LS7 3PD")
		for _, c := range []booking.Carer{margaret, sue, bob} {
			if _, err := db.NewUpdate().Model((*booking.Carer)(nil)).Set("emergency_plan = ?", "Ring "+c.Name+"'s sister.").
				Where("id = ?", c.ID).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		log := newAuditLog(t, db)
		onPage := booking.WithReadRoute(ctx, "carer's page")
		hidden := booking.WithCareDetailsHidden(ctx)

		t.Run("one carer", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				ctx  context.Context
				who  accounts.Principal
				want []logged
			}{
				{"staff by the API", ctx, duty, []logged{entry(duty, audit.EmergencyPlanRead, "carer", margaret.ID, "", "API")}},
				{"staff on a named route", onPage, asAdmin, []logged{entry(asAdmin, audit.EmergencyPlanRead, "carer", margaret.ID, "", "carer's page")}},
				{"staff shown no plan", hidden, duty, nil},
				{"the carer themself", ctx, carerActor(margaret), nil},
				{"the carer themself, on a page", onPage, carerActor(margaret), nil},
			} {
				c, err := f.svc.Carer(tc.ctx, tc.who, margaret.ID)
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				if hid := tc.ctx == hidden; hid != (c.EmergencyPlan == "" && c.EmergencyContactName == "" && c.EmergencyContactPhone == nil) {
					t.Errorf("%s: plan %q, contact %q %v; want them left out only when not shown", tc.name, c.EmergencyPlan, c.EmergencyContactName, c.EmergencyContactPhone)
				}
				log.want(t, tc.name, tc.want...)
			}
		})

		t.Run("a list of carers: one entry each, in one statement", func(t *testing.T) {
			list := booking.WithReadRoute(ctx, "carers list")
			page, err := f.svc.Carers(list, duty, booking.CarerFilter{Query: "oakes", Page: paging.Request{Limit: 1}})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != 1 || page.Next == 0 {
				t.Fatalf("first page = %+v, want Margaret and a next page", page)
			}
			log.want(t, "a page of one", entry(duty, audit.EmergencyPlanRead, "carer", margaret.ID, "", "carers list"))

			page, err = f.svc.Carers(list, asAdmin, booking.CarerFilter{})
			if err != nil {
				t.Fatal(err)
			}
			got, inserts := log.since(t)
			want := []logged{
				entry(asAdmin, audit.EmergencyPlanRead, "carer", margaret.ID, "", "carers list"),
				entry(asAdmin, audit.EmergencyPlanRead, "carer", sue.ID, "", "carers list"),
				entry(asAdmin, audit.EmergencyPlanRead, "carer", bob.ID, "", "carers list"),
			}
			if diff := cmp.Diff(want, got); diff != "" || len(page.Items) != 3 {
				t.Errorf("the whole list of %d: audit entries (-want +got):\n%s", len(page.Items), diff)
			}
			if inserts != 1 {
				t.Errorf("the list was recorded in %d INSERT statements, want 1", inserts)
			}

			page, err = f.svc.Carers(hidden, duty, booking.CarerFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page.Items {
				if c.EmergencyPlan != "" || c.EmergencyContactName != "" || c.EmergencyContactPhone != nil {
					t.Errorf("a list showing no plans read %s's: %q %q", c.Name, c.EmergencyPlan, c.EmergencyContactName)
				}
			}
			log.want(t, "a list showing no plans")

			if _, err := f.svc.Carers(list, duty, booking.CarerFilter{Query: "nobody"}); err != nil {
				t.Fatal(err)
			}
			if got, inserts := log.since(t); len(got) != 0 || inserts != 0 {
				t.Errorf("an empty list wrote %v in %d statements, want nothing", got, inserts)
			}
		})

		t.Run("people", func(t *testing.T) {
			p, err := f.svc.Person(ctx, duty, arthur.ID)
			if err != nil {
				t.Fatal(err)
			}
			log.want(t, "one person by the API", entry(duty, audit.PersonNeedsRead, "person", arthur.ID, "", "API"))

			if p, err = f.svc.Person(hidden, duty, arthur.ID); err != nil {
				t.Fatal(err)
			}
			if len(p.Needs) != 0 || len(p.Requirements) != 0 || p.StaffNotes != "" {
				t.Errorf("a person read to show no needs came with %v %v %q", p.Needs, p.Requirements, p.StaffNotes)
			}
			log.want(t, "one person, needs not shown")

			if _, err := f.svc.Person(ctx, carerActor(margaret), lily.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.People(onPage, carerActor(margaret), margaret.ID); err != nil {
				t.Fatal(err)
			}
			log.want(t, "the carer reading their own people")

			if _, err := f.svc.People(onPage, asAdmin, margaret.ID); err != nil {
				t.Fatal(err)
			}
			got, inserts := log.since(t)
			want := []logged{
				entry(asAdmin, audit.PersonNeedsRead, "person", arthur.ID, "", "carer's page"),
				entry(asAdmin, audit.PersonNeedsRead, "person", lily.ID, "", "carer's page"),
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("a carer's people: audit entries (-want +got):\n%s", diff)
			}
			if inserts != 1 {
				t.Errorf("the people were recorded in %d INSERT statements, want 1", inserts)
			}

			people, err := f.svc.People(hidden, duty, margaret.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range people {
				if len(p.Needs) != 0 || p.Name == "" {
					t.Errorf("people read to show no needs: %s with %v", p.Name, p.Needs)
				}
			}
			if _, err := f.svc.People(ctx, duty, sue.ID); err != nil { // nobody: nothing read
				t.Fatal(err)
			}
			log.want(t, "people not shown, and a carer with nobody")
		})

		t.Run("the duty console", func(t *testing.T) {
			if _, err := f.svc.FindCarers(ctx, duty, "oakes"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.svc.StaysNowAndNext(ctx, duty, margaret.ID); err != nil {
				t.Fatal(err)
			}
			log.want(t, "a search and the stays: names only")

			if _, err := f.svc.CarerFile(ctx, duty, margaret.ID); err != nil {
				t.Fatal(err)
			}
			const file = "carer's file on the duty console"
			log.want(t, "the carer's file",
				entry(duty, audit.EmergencyLookup, "carer", margaret.ID, "", file),
				entry(duty, audit.PersonNeedsRead, "person", arthur.ID, "", file),
				entry(duty, audit.PersonNeedsRead, "person", lily.ID, "", file))
		})

		t.Run("refused reads write nothing", func(t *testing.T) {
			if _, err := f.svc.Carer(ctx, asCoordinator, margaret.ID); !errors.Is(err, booking.ErrNotAllowed) {
				t.Errorf("a coordinator: %v, want ErrNotAllowed", err)
			}
			if _, err := f.svc.Carer(ctx, carerActor(sue), margaret.ID); !errors.Is(err, booking.ErrCarerNotFound) {
				t.Errorf("another carer: %v, want ErrCarerNotFound", err)
			}
			if _, err := f.svc.Person(ctx, carerActor(sue), arthur.ID); !errors.Is(err, booking.ErrPersonNotFound) {
				t.Errorf("another carer's person: %v, want ErrPersonNotFound", err)
			}
			if _, err := f.svc.People(ctx, asHost, margaret.ID); !errors.Is(err, booking.ErrNotAllowed) {
				t.Errorf("a host: %v, want ErrNotAllowed", err)
			}
			if _, err := f.svc.Carers(ctx, asCoordinator, booking.CarerFilter{}); !errors.Is(err, booking.ErrNotAllowed) {
				t.Errorf("a coordinator listing carers: %v, want ErrNotAllowed", err)
			}
			if _, err := f.svc.Carer(ctx, duty, 999999); !errors.Is(err, booking.ErrCarerNotFound) {
				t.Errorf("no such carer: %v, want ErrCarerNotFound", err)
			}
			log.want(t, "refused reads")
		})
	})
}
