package sharedlives_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/paging"
	"github.com/respite-uk/respite/sharedlives"
)

// hostsNow is when the hosts tests start: Monday 23 November 2026, 10:00.
var hostsNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// The people who act in the hosts tests.
var (
	asAdmin       = accounts.Principal{Kind: accounts.SubjectStaff, ID: 1, Name: "Ade", Role: accounts.RoleAdmin}
	asDuty        = accounts.Principal{Kind: accounts.SubjectStaff, ID: 2, Name: "Dee", Role: accounts.RoleDuty}
	asCoordinator = accounts.Principal{Kind: accounts.SubjectStaff, ID: 3, Name: "Cam", Role: accounts.RoleCoordinator}
	asCarer       = accounts.Principal{Kind: accounts.SubjectCarer, ID: 1}
)

func asHost(h sharedlives.Host) accounts.Principal {
	return accounts.Principal{Kind: accounts.SubjectHost, ID: h.ID}
}

// clock is a settable clock shared by the services and the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)         { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

type fixture struct {
	db  *bun.DB
	clk *clock
	sms *notify.Service
	svc *sharedlives.Service
}

func newFixture(t *testing.T, db *bun.DB) *fixture {
	t.Helper()
	clk := &clock{t: hostsNow}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sms := notify.NewService(db, notify.NewLogSender(log), notify.Options{Clock: clk.Now, Logger: log, ServiceName: "Leeds Shared Lives"})
	svc := sharedlives.NewService(db, sms, sharedlives.Options{Clock: clk.Now, Logger: log})
	return &fixture{db: db, clk: clk, sms: sms, svc: svc}
}

func d(s string) calendar.Date {
	v, err := calendar.Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

func validHost() sharedlives.HostInput {
	return sharedlives.HostInput{
		Name: " Sue Miller ", Mobile: "07700 900301", Postcode: "ls8 2pq", Latitude: new(53.8270), Longitude: new(-1.5100),
		Capacity: new(2), Skills: []string{"dementia", "medication"}, Offers: []string{"short_break", "emergency"},
		HomeFacts: []string{"pets", "stairs"}, AgeGroups: []string{"adults"}, StaffNotes: " Dog is friendly; check allergies. ",
	}
}

// anotherHost is a valid host with its own name and mobile number.
func anotherHost(name, mobile string) sharedlives.HostInput {
	in := validHost()
	in.Name, in.Mobile = name, mobile
	return in
}

func (f *fixture) mustCreate(t *testing.T, in sharedlives.HostInput) sharedlives.Host {
	t.Helper()
	h, err := f.svc.CreateHost(context.Background(), asCoordinator, in)
	if err != nil {
		t.Fatalf("CreateHost: %v", err)
	}
	return h
}

// mustApproved creates a host and approves them today.
func (f *fixture) mustApproved(t *testing.T, in sharedlives.HostInput) sharedlives.Host {
	t.Helper()
	h, err := f.svc.Approve(context.Background(), asCoordinator, f.mustCreate(t, in).ID, calendar.Date{})
	if err != nil {
		t.Fatalf("Approve: %v", err)
	}
	return h
}

// badFieldNames returns the names of the bad fields in an Invalid error.
func badFieldNames(t *testing.T, err error) []string {
	t.Helper()
	names, ok := apperr.FieldNames(err)
	if !ok {
		t.Fatalf("err = %v, want an Invalid error", err)
	}
	return names
}

// wantForbidden checks that err is ErrNotAllowed, which the web layer shows as 403.
func wantForbidden(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, sharedlives.ErrNotAllowed) || apperr.KindOf(err) != apperr.Forbidden {
		t.Errorf("%s: err = %v, want ErrNotAllowed (Forbidden)", what, err)
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, sharedlives.ErrHostNotFound) || apperr.KindOf(err) != apperr.NotFound {
		t.Errorf("%s: err = %v, want ErrHostNotFound", what, err)
	}
}

// wantWrongStatus checks a refused lifecycle step and its message.
func wantWrongStatus(t *testing.T, what string, err error, message string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !errors.Is(err, sharedlives.ErrWrongStatus) || !ok || e.Kind != apperr.Conflict || e.Message != message {
		t.Errorf("%s: err = %v, want the conflict %q", what, err, message)
	}
}

func rowsIn(t *testing.T, db *bun.DB, model any) int64 {
	t.Helper()
	n, err := db.NewSelect().Model(model).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var sameInstant = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

func TestService_CreateHost(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		h := f.mustCreate(t, validHost())
		want := sharedlives.Host{
			ID: h.ID, Name: "Sue Miller", Mobile: "+447700900301", Postcode: "LS8 2PQ", Latitude: 53.8270, Longitude: -1.5100,
			Capacity: 2, Skills: []string{"dementia", "medication"}, Offers: []string{"short_break", "emergency"},
			HomeFacts: []string{"pets", "stairs"}, AgeGroups: []string{"adults"}, StaffNotes: "Dog is friendly; check allergies.",
			Status: sharedlives.StatusApplicant, CreatedAt: hostsNow, UpdatedAt: hostsNow,
		}
		if diff := cmp.Diff(want, h, sameInstant); diff != "" {
			t.Errorf("created host (-want +got):\n%s", diff)
		}
		got, err := f.svc.Host(ctx, asCoordinator, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, sameInstant); diff != "" {
			t.Errorf("stored host (-want +got):\n%s", diff)
		}
		if h.Bookable(calendar.Of(hostsNow)) {
			t.Error("an applicant is bookable")
		}

		t.Run("every bad field at once, nothing written", func(t *testing.T) {
			in := sharedlives.HostInput{
				Name: " ", Mobile: "0113 496 0000", Postcode: "LS1", Longitude: new(181.0), Capacity: new(7),
				Skills: []string{"juggling"}, Offers: []string{}, HomeFacts: []string{"pets", "pets"}, AgeGroups: []string{"teens"},
				StaffNotes: strings.Repeat("x", 4001),
			}
			_, err := f.svc.CreateHost(ctx, asCoordinator, in)
			want := []string{
				"name", "mobile", "postcode", "latitude", "longitude", "capacity", "skills[0]", "offers", "home_facts[1]",
				"age_groups[0]", "staff_notes",
			}
			if diff := cmp.Diff(want, badFieldNames(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			if n := rowsIn(t, db, (*sharedlives.Host)(nil)); n != 1 {
				t.Errorf("hosts = %d, want 1", n)
			}
		})

		t.Run("nothing given", func(t *testing.T) {
			_, err := f.svc.CreateHost(ctx, asCoordinator, sharedlives.HostInput{})
			want := []string{"name", "mobile", "postcode", "latitude", "longitude", "capacity", "offers", "age_groups"}
			if diff := cmp.Diff(want, badFieldNames(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
		})

		t.Run("capacity from 1 to 6; skills and home facts may be none", func(t *testing.T) {
			for i, capacity := range []int{0, 1, 6, 7} {
				in := anotherHost("Edge", fmt.Sprintf("07700 90031%d", i))
				in.Capacity, in.Skills, in.HomeFacts = new(capacity), nil, nil
				h, err := f.svc.CreateHost(ctx, asCoordinator, in)
				ok := capacity >= 1 && capacity <= 6
				if (err == nil) != ok {
					t.Errorf("capacity %d: err = %v", capacity, err)
				}
				if ok && (h.Skills == nil || h.HomeFacts == nil) {
					t.Errorf("capacity %d: skills %#v, home facts %#v; want empty (not nil) lists", capacity, h.Skills, h.HomeFacts)
				}
			}
		})

		t.Run("mobile is unique", func(t *testing.T) {
			_, err := f.svc.CreateHost(ctx, asCoordinator, anotherHost("Twin", "+44 7700 900301"))
			if !errors.Is(err, sharedlives.ErrMobileTaken) || apperr.KindOf(err) != apperr.Conflict {
				t.Errorf("same mobile written another way: err = %v, want ErrMobileTaken (Conflict)", err)
			}
		})

		t.Run("only coordinators and administrators", func(t *testing.T) {
			before := rowsIn(t, db, (*sharedlives.Host)(nil))
			for name, actor := range map[string]accounts.Principal{
				"duty": asDuty, "carer": asCarer, "host": asHost(h), "nobody": {},
			} {
				_, err := f.svc.CreateHost(ctx, actor, anotherHost("Sneaky", "07700 900399"))
				wantForbidden(t, name, err)
			}
			if n := rowsIn(t, db, (*sharedlives.Host)(nil)); n != before {
				t.Errorf("hosts = %d, want %d", n, before)
			}
			if _, err := f.svc.CreateHost(ctx, asAdmin, anotherHost("By Admin", "07700 900302")); err != nil {
				t.Errorf("admin: %v", err)
			}
		})
	})
}

func TestService_UpdateHost(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		h := f.mustCreate(t, validHost())
		f.mustCreate(t, anotherHost("Other", "07700 900320"))
		f.clk.Advance(time.Hour)

		got, err := f.svc.UpdateHost(ctx, asCoordinator, h.ID, sharedlives.HostPatch{
			Capacity: new(3), AgeGroups: &[]string{"adults", "children"}, StaffNotes: new(""),
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.Capacity != 3 || len(got.AgeGroups) != 2 || got.StaffNotes != "" || !got.UpdatedAt.Equal(hostsNow.Add(time.Hour)) {
			t.Errorf("after patch: %+v", got)
		}
		if got.Name != "Sue Miller" || got.Mobile != "+447700900301" || !got.CreatedAt.Equal(hostsNow) || got.Status != sharedlives.StatusApplicant {
			t.Errorf("the patch changed fields it did not name: %+v", got)
		}

		t.Run("refused patch changes nothing", func(t *testing.T) {
			_, err := f.svc.UpdateHost(ctx, asCoordinator, h.ID, sharedlives.HostPatch{
				Name: new("Changed"), Capacity: new(0), Offers: &[]string{}, Postcode: new("nowhere"),
			})
			if diff := cmp.Diff([]string{"postcode", "capacity", "offers"}, badFieldNames(t, err)); diff != "" {
				t.Errorf("bad fields (-want +got):\n%s", diff)
			}
			if stored, _ := f.svc.Host(ctx, asCoordinator, h.ID); stored.Name != "Sue Miller" || stored.Capacity != 3 {
				t.Errorf("a refused patch changed the host: %+v", stored)
			}
		})
		t.Run("clash", func(t *testing.T) {
			if _, err := f.svc.UpdateHost(ctx, asCoordinator, h.ID, sharedlives.HostPatch{Mobile: new("07700900320")}); !errors.Is(err, sharedlives.ErrMobileTaken) {
				t.Errorf("another host's mobile: err = %v, want ErrMobileTaken", err)
			}
			if _, err := f.svc.UpdateHost(ctx, asCoordinator, h.ID, sharedlives.HostPatch{Mobile: new("+447700900301")}); err != nil {
				t.Errorf("keeping their own mobile: %v", err)
			}
		})
		t.Run("unknown host", func(t *testing.T) {
			_, err := f.svc.UpdateHost(ctx, asCoordinator, h.ID+99, sharedlives.HostPatch{Name: new("X")})
			wantNotFound(t, "UpdateHost", err)
		})
		t.Run("hosts, duty and carers may not", func(t *testing.T) {
			for name, actor := range map[string]accounts.Principal{"the host themself": asHost(h), "duty": asDuty, "carer": asCarer} {
				_, err := f.svc.UpdateHost(ctx, actor, h.ID, sharedlives.HostPatch{Capacity: new(6)})
				wantForbidden(t, name, err)
			}
			if stored, _ := f.svc.Host(ctx, asCoordinator, h.ID); stored.Capacity != 3 {
				t.Errorf("capacity = %d, want 3", stored.Capacity)
			}
		})
	})
}

func TestService_Hosts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		names := []string{"Oakley Smith", "Ash Patel", "Rosa Oakes", "Elm Court", "50% Sure_Thing"}
		var hosts []sharedlives.Host
		for i, name := range names {
			hosts = append(hosts, f.mustCreate(t, anotherHost(name, fmt.Sprintf("07700 90040%d", i))))
		}

		var paged []string
		filter := sharedlives.HostFilter{Page: paging.Request{Limit: 2}}
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			got, err := f.svc.Hosts(ctx, asCoordinator, filter)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range got.Items {
				paged = append(paged, h.Name)
			}
			if got.Next == 0 {
				break
			}
			filter.Page.After = got.Next
		}
		if diff := cmp.Diff(names, paged); diff != "" {
			t.Errorf("paged names (-want +got):\n%s", diff)
		}

		list := func(t *testing.T, actor accounts.Principal, f2 sharedlives.HostFilter) []string {
			t.Helper()
			got, err := f.svc.Hosts(ctx, actor, f2)
			if err != nil {
				t.Fatal(err)
			}
			if got.Items == nil {
				t.Error("Items is nil, want a list")
			}
			out := []string{}
			for _, h := range got.Items {
				out = append(out, h.Name)
			}
			return out
		}
		for query, want := range map[string][]string{"OAK": {"Oakley Smith", "Rosa Oakes"}, " patel ": {"Ash Patel"}, "%": {"50% Sure_Thing"}, "_": {"50% Sure_Thing"}, "zzz": {}} {
			if diff := cmp.Diff(want, list(t, asDuty, sharedlives.HostFilter{Query: query})); diff != "" {
				t.Errorf("query %q (-want +got):\n%s", query, diff)
			}
		}

		t.Run("by status, and reviews coming due", func(t *testing.T) {
			// Oakley approved a year ago less a week: review due in a week.
			// Ash approved today: review due in a year. Rosa approved and
			// then suspended a month ago.
			if _, err := f.svc.Approve(ctx, asCoordinator, hosts[0].ID, d("2025-11-30")); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Approve(ctx, asCoordinator, hosts[1].ID, calendar.Date{}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Approve(ctx, asCoordinator, hosts[2].ID, d("2025-12-01")); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Suspend(ctx, asCoordinator, hosts[2].ID, "Moving house."); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"Oakley Smith", "Ash Patel"}, list(t, asCoordinator, sharedlives.HostFilter{Status: "approved"})); diff != "" {
				t.Errorf("approved (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"Elm Court", "50% Sure_Thing"}, list(t, asCoordinator, sharedlives.HostFilter{Status: "applicant"})); diff != "" {
				t.Errorf("applicants (-want +got):\n%s", diff)
			}
			in60Days := d("2027-01-22")
			if diff := cmp.Diff([]string{"Oakley Smith"}, list(t, asCoordinator, sharedlives.HostFilter{ReviewsDueBy: &in60Days})); diff != "" {
				t.Errorf("reviews due within 60 days (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"Rosa Oakes"}, list(t, asCoordinator, sharedlives.HostFilter{ReviewsDueBy: &in60Days, Status: "suspended"})); diff != "" {
				t.Errorf("suspended hosts' reviews due (-want +got):\n%s", diff)
			}
			inAYear := d("2027-11-23")
			if diff := cmp.Diff([]string{"Oakley Smith", "Ash Patel"}, list(t, asCoordinator, sharedlives.HostFilter{ReviewsDueBy: &inAYear})); diff != "" {
				t.Errorf("reviews due within a year (-want +got):\n%s", diff)
			}
			_, err := f.svc.Hosts(ctx, asCoordinator, sharedlives.HostFilter{Status: "retired"})
			if diff := cmp.Diff([]string{"status"}, badFieldNames(t, err)); diff != "" {
				t.Errorf("unknown status (-want +got):\n%s", diff)
			}
		})

		t.Run("hosts and carers may not list", func(t *testing.T) {
			for name, actor := range map[string]accounts.Principal{"host": asHost(hosts[0]), "carer": asCarer, "nobody": {}} {
				_, err := f.svc.Hosts(ctx, actor, sharedlives.HostFilter{})
				wantForbidden(t, name, err)
			}
		})
	})
}

func TestService_Lifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		h := f.mustCreate(t, validHost())
		today := calendar.Of(hostsNow)

		wantWrongStatus(t, "suspending an applicant", second(f.svc.Suspend(ctx, asCoordinator, h.ID, "Why not")),
			"Only approved hosts can be suspended; this host is an applicant.")

		approved, err := f.svc.Approve(ctx, asCoordinator, h.ID, calendar.Date{})
		if err != nil {
			t.Fatal(err)
		}
		if approved.Status != sharedlives.StatusApproved || *approved.ApprovedOn != today || *approved.ReviewDue != d("2027-11-23") {
			t.Errorf("approved today: status %s, approved on %v, review due %v; want approved, 2026-11-23, 2027-11-23",
				approved.Status, approved.ApprovedOn, approved.ReviewDue)
		}
		stored, _ := f.svc.Host(ctx, asCoordinator, h.ID)
		if stored.Status != sharedlives.StatusApproved || *stored.ReviewDue != d("2027-11-23") {
			t.Errorf("stored: %+v", stored)
		}

		t.Run("bookable until the review is overdue", func(t *testing.T) {
			for day, want := range map[string]bool{"2026-11-23": true, "2027-11-23": true, "2027-11-24": false} {
				if got := stored.Bookable(d(day)); got != want {
					t.Errorf("Bookable(%s) = %v, want %v", day, got, want)
				}
			}
		})

		wantWrongStatus(t, "approving twice", second(f.svc.Approve(ctx, asCoordinator, h.ID, calendar.Date{})),
			"Only applicants and suspended hosts can be approved; this host is already approved.")

		t.Run("a reason is needed to suspend", func(t *testing.T) {
			for _, reason := range []string{"", "   ", strings.Repeat("x", 1001)} {
				_, err := f.svc.Suspend(ctx, asCoordinator, h.ID, reason)
				if diff := cmp.Diff([]string{"reason"}, badFieldNames(t, err)); diff != "" {
					t.Errorf("reason %.10q (-want +got):\n%s", reason, diff)
				}
			}
		})

		f.clk.Advance(24 * time.Hour)
		suspended, err := f.svc.Suspend(ctx, asCoordinator, h.ID, " Safeguarding concern raised; see the case file. ")
		if err != nil {
			t.Fatal(err)
		}
		wantNotes := "Dog is friendly; check allergies.\n\n2026-11-24: suspended by Cam: Safeguarding concern raised; see the case file."
		if suspended.Status != sharedlives.StatusSuspended || suspended.StaffNotes != wantNotes || suspended.Bookable(today.AddDays(1)) {
			t.Errorf("suspended: status %s, notes %q, bookable %v", suspended.Status, suspended.StaffNotes, suspended.Bookable(today.AddDays(1)))
		}
		wantWrongStatus(t, "suspending twice", second(f.svc.Suspend(ctx, asCoordinator, h.ID, "Again")),
			"Only approved hosts can be suspended; this host is suspended.")

		t.Run("approving again starts a new review period", func(t *testing.T) {
			got, err := f.svc.Approve(ctx, asCoordinator, h.ID, d("2026-11-24"))
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != sharedlives.StatusApproved || *got.ApprovedOn != d("2026-11-24") || *got.ReviewDue != d("2027-11-24") {
				t.Errorf("re-approved: %s on %v, review %v", got.Status, got.ApprovedOn, got.ReviewDue)
			}
			// The suspension note stays; a later patch that leaves the
			// notes alone does not trip over their length.
			if got.StaffNotes != wantNotes {
				t.Errorf("notes = %q", got.StaffNotes)
			}
		})

		left, err := f.svc.Leave(ctx, asCoordinator, h.ID)
		if err != nil || left.Status != sharedlives.StatusLeft || left.Bookable(today) {
			t.Errorf("Leave = %s, %v", left.Status, err)
		}
		wantWrongStatus(t, "approving a host who has left", second(f.svc.Approve(ctx, asCoordinator, h.ID, calendar.Date{})),
			"Only applicants and suspended hosts can be approved; this host has left.")
		wantWrongStatus(t, "leaving twice", second(f.svc.Leave(ctx, asCoordinator, h.ID)), "This host has already left.")
		wantWrongStatus(t, "suspending a host who has left", second(f.svc.Suspend(ctx, asCoordinator, h.ID, "x")),
			"Only approved hosts can be suspended; this host has left.")

		t.Run("applicants may leave too", func(t *testing.T) {
			other := f.mustCreate(t, anotherHost("Withdrawn", "07700 900330"))
			if got, err := f.svc.Leave(ctx, asAdmin, other.ID); err != nil || got.Status != sharedlives.StatusLeft {
				t.Errorf("Leave = %s, %v", got.Status, err)
			}
		})

		t.Run("approval dates", func(t *testing.T) {
			other := f.mustCreate(t, anotherHost("Dates", "07700 900331"))
			for _, on := range []string{"2026-11-25", "2025-11-23"} { // tomorrow; a year and a day ago
				_, err := f.svc.Approve(ctx, asCoordinator, other.ID, d(on))
				if diff := cmp.Diff([]string{"on"}, badFieldNames(t, err)); diff != "" {
					t.Errorf("approved on %s (-want +got):\n%s", on, diff)
				}
			}
			got, err := f.svc.Approve(ctx, asCoordinator, other.ID, d("2025-11-24"))
			if err != nil || *got.ReviewDue != d("2026-11-24") || !got.Bookable(d("2026-11-24")) {
				t.Errorf("approved a year ago today: %v, %v", got.ReviewDue, err)
			}
		})

		t.Run("review months and leap days", func(t *testing.T) {
			clk := &clock{t: time.Date(2028, 3, 1, 12, 0, 0, 0, time.UTC)}
			svc := sharedlives.NewService(db, f.sms, sharedlives.Options{Clock: clk.Now, ReviewMonths: 6})
			other := f.mustCreate(t, anotherHost("Leap", "07700 900332"))
			got, err := svc.Approve(ctx, asCoordinator, other.ID, d("2028-02-29"))
			if err != nil || *got.ReviewDue != d("2028-08-29") {
				t.Errorf("6 months from 29 February 2028: %v, %v", got.ReviewDue, err)
			}
		})

		t.Run("only coordinators and administrators", func(t *testing.T) {
			other := f.mustCreate(t, anotherHost("Guarded", "07700 900333"))
			for name, actor := range map[string]accounts.Principal{"duty": asDuty, "the host themself": asHost(other), "carer": asCarer} {
				wantForbidden(t, name+" Approve", second(f.svc.Approve(ctx, actor, other.ID, calendar.Date{})))
				wantForbidden(t, name+" Suspend", second(f.svc.Suspend(ctx, actor, other.ID, "x")))
				wantForbidden(t, name+" Leave", second(f.svc.Leave(ctx, actor, other.ID)))
			}
			wantNotFound(t, "unknown host", second(f.svc.Approve(ctx, asCoordinator, 9999, calendar.Date{})))
			if got, _ := f.svc.Host(ctx, asCoordinator, other.ID); got.Status != sharedlives.StatusApplicant {
				t.Errorf("status = %s, want applicant", got.Status)
			}
		})
	})
}

func second[T any](_ T, err error) error { return err }

func ranges(pairs ...string) []sharedlives.RangeInput {
	var out []sharedlives.RangeInput
	for i := 0; i < len(pairs); i += 2 {
		var r sharedlives.RangeInput
		if pairs[i] != "" {
			r.StartsOn = d(pairs[i])
		}
		if pairs[i+1] != "" {
			r.EndsOn = d(pairs[i+1])
		}
		out = append(out, r)
	}
	return out
}

func spans(rs []sharedlives.Range) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.StartsOn.String()+".."+r.EndsOn.String())
	}
	return out
}

func TestService_Calendar(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		h := f.mustApproved(t, validHost())

		got, err := f.svc.Calendar(ctx, asHost(h), h.ID)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("empty calendar = %#v, %v; want an empty list", got, err)
		}
		if stored, _ := f.svc.Host(ctx, asCoordinator, h.ID); stored.AvailabilityConfirmedAt != nil {
			t.Errorf("confirmed at %v before anyone said anything", stored.AvailabilityConfirmedAt)
		}

		f.clk.Advance(time.Hour)
		set, err := f.svc.SetCalendar(ctx, asHost(h), h.ID, ranges("2027-02-01", "2027-02-28", "2026-11-23", "2026-12-05", "2026-12-06", "2026-12-06"))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"2026-11-23..2026-12-05", "2026-12-06..2026-12-06", "2027-02-01..2027-02-28"}
		if diff := cmp.Diff(want, spans(set)); diff != "" {
			t.Errorf("set, in date order (-want +got):\n%s", diff)
		}
		read, _ := f.svc.Calendar(ctx, asDuty, h.ID)
		if diff := cmp.Diff(want, spans(read)); diff != "" {
			t.Errorf("read back (-want +got):\n%s", diff)
		}
		stored, _ := f.svc.Host(ctx, asCoordinator, h.ID)
		if stored.AvailabilityConfirmedAt == nil || !stored.AvailabilityConfirmedAt.Equal(hostsNow.Add(time.Hour)) {
			t.Errorf("confirmed at %v, want %v: the host's change confirms the calendar", stored.AvailabilityConfirmedAt, hostsNow.Add(time.Hour))
		}

		tests := []struct {
			name string
			in   []sharedlives.RangeInput
			want []string
		}{
			{"ends before it starts", ranges("2027-01-10", "2027-01-09"), []string{"ranges[0].ends_on"}},
			{"over already", ranges("2026-11-01", "2026-11-22"), []string{"ranges[0].ends_on"}},
			{"more than 18 months ahead", ranges("2028-05-01", "2028-05-25"), []string{"ranges[0].ends_on"}},
			{"dates left out", ranges("", "", "2027-01-01", ""), []string{"ranges[0].starts_on", "ranges[0].ends_on", "ranges[1].ends_on"}},
			{"overlapping", ranges("2027-01-01", "2027-01-10", "2027-03-01", "2027-03-02", "2027-01-10", "2027-01-12", "2026-12-25", "2027-01-01"),
				[]string{"ranges[2]", "ranges[3]"}},
			{"every bad range at once", ranges("2027-01-01", "2027-01-10", "2027-02-01", "2027-01-01", "2027-01-05", "2027-01-06", "2020-01-01", "2020-01-02", "2027-01-01", "2030-01-01"),
				[]string{"ranges[1].ends_on", "ranges[3].ends_on", "ranges[4].ends_on", "ranges[2]"}},
		}
		f.clk.Advance(time.Hour)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := f.svc.SetCalendar(ctx, asCoordinator, h.ID, tt.in)
				if diff := cmp.Diff(tt.want, badFieldNames(t, err)); diff != "" {
					t.Errorf("bad fields (-want +got):\n%s", diff)
				}
				after, _ := f.svc.Calendar(ctx, asCoordinator, h.ID)
				if diff := cmp.Diff(want, spans(after)); diff != "" {
					t.Errorf("a refused calendar changed the stored one (-want +got):\n%s", diff)
				}
				if stored, _ := f.svc.Host(ctx, asCoordinator, h.ID); !stored.AvailabilityConfirmedAt.Equal(hostsNow.Add(time.Hour)) {
					t.Errorf("a refused calendar moved confirmed_at to %v", stored.AvailabilityConfirmedAt)
				}
			})
		}
		t.Run("the overlap names the range it overlaps", func(t *testing.T) {
			_, err := f.svc.SetCalendar(ctx, asCoordinator, h.ID, ranges("2027-01-01", "2027-01-10", "2027-01-10", "2027-01-12"))
			e, _ := apperr.As(err)
			if len(e.Fields) != 1 || !strings.Contains(e.Fields[0].Message, "ranges[0]") || !strings.Contains(e.Fields[0].Message, "1 January 2027") {
				t.Errorf("overlap: %v", err)
			}
		})
		t.Run("the furthest and nearest dates allowed", func(t *testing.T) {
			// 548 days from 23 November 2026 is 24 May 2028; today counts.
			if _, err := f.svc.SetCalendar(ctx, asCoordinator, h.ID, ranges("2028-05-01", "2028-05-24", "2026-11-01", "2026-11-23")); err != nil {
				t.Errorf("edges: %v", err)
			}
		})

		t.Run("a coordinator's change confirms it too", func(t *testing.T) {
			got, err := f.svc.SetCalendar(ctx, asCoordinator, h.ID, ranges("2027-04-01", "2027-04-30"))
			if err != nil || len(got) != 1 {
				t.Fatalf("SetCalendar = %v, %v", got, err)
			}
			if stored, _ := f.svc.Host(ctx, asCoordinator, h.ID); !stored.AvailabilityConfirmedAt.Equal(hostsNow.Add(2 * time.Hour)) {
				t.Errorf("confirmed at %v, want %v", stored.AvailabilityConfirmedAt, hostsNow.Add(2*time.Hour))
			}
		})

		t.Run("emptying it is a change too", func(t *testing.T) {
			got, err := f.svc.SetCalendar(ctx, asHost(h), h.ID, nil)
			if err != nil || got == nil || len(got) != 0 {
				t.Errorf("emptied = %#v, %v", got, err)
			}
		})

		t.Run("past ranges are history", func(t *testing.T) {
			if _, err := f.svc.SetCalendar(ctx, asHost(h), h.ID, ranges("2026-11-23", "2026-11-30", "2026-12-10", "2026-12-20")); err != nil {
				t.Fatal(err)
			}
			f.clk.Set(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
			current, _ := f.svc.Calendar(ctx, asHost(h), h.ID)
			if diff := cmp.Diff([]string{"2026-12-10..2026-12-20"}, spans(current)); diff != "" {
				t.Errorf("current calendar (-want +got):\n%s", diff)
			}
			// Replacing the calendar keeps what is over, and a range that
			// has begun may be sent back with its first date in the past.
			if _, err := f.svc.SetCalendar(ctx, asHost(h), h.ID, ranges("2026-12-01", "2026-12-08")); err != nil {
				t.Fatal(err)
			}
			if n := rowsIn(t, db, (*sharedlives.Range)(nil)); n != 2 {
				t.Errorf("stored ranges = %d, want 2 (the one that ended, and the new one)", n)
			}
			f.clk.Set(hostsNow.Add(2 * time.Hour))
		})

		t.Run("a host who has left has no calendar to change", func(t *testing.T) {
			other := f.mustApproved(t, anotherHost("Gone", "07700 900340"))
			if _, err := f.svc.Leave(ctx, asCoordinator, other.ID); err != nil {
				t.Fatal(err)
			}
			_, err := f.svc.SetCalendar(ctx, asCoordinator, other.ID, ranges("2027-01-01", "2027-01-02"))
			wantWrongStatus(t, "SetCalendar", err, "This host has left, so their calendar is closed.")
			_, err = f.svc.SetCalendar(ctx, asCoordinator, 9999, ranges("2027-01-01", "2027-01-02"))
			wantNotFound(t, "unknown host", err)
			_, err = f.svc.Calendar(ctx, asCoordinator, 9999)
			wantNotFound(t, "unknown host's calendar", err)
		})
	})
}

func TestService_Staleness(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		h := f.mustApproved(t, validHost())
		if !h.Stale(f.clk.Now()) {
			t.Error("a calendar never confirmed is not stale")
		}
		if _, err := f.svc.SetCalendar(ctx, asHost(h), h.ID, ranges("2027-01-01", "2027-01-31")); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			after time.Duration
			stale bool
		}{{0, false}, {59 * 24 * time.Hour, false}, {60 * 24 * time.Hour, false}, {60*24*time.Hour + time.Minute, true}, {90 * 24 * time.Hour, true}} {
			f.clk.Set(hostsNow.Add(tt.after))
			got, err := f.svc.Host(ctx, asHost(h), h.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Stale(f.svc.Now()) != tt.stale {
				t.Errorf("%v after confirming: stale = %v, want %v", tt.after, !tt.stale, tt.stale)
			}
		}
		if err := f.svc.ConfirmAvailability(ctx, h.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Host(ctx, asHost(h), h.ID); got.Stale(f.svc.Now()) || !got.AvailabilityConfirmedAt.Equal(hostsNow.Add(90*24*time.Hour)) {
			t.Errorf("after confirming again: confirmed at %v", got.AvailabilityConfirmedAt)
		}
		wantNotFound(t, "ConfirmAvailability of nobody", f.svc.ConfirmAvailability(ctx, 9999))
	})
}

func TestService_HandleReply(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.sms.SetInboundHook(f.svc.HandleReply)
		h := f.mustApproved(t, validHost())
		suspended := f.mustApproved(t, anotherHost("Paused", "07700 900350"))
		if _, err := f.svc.Suspend(ctx, asCoordinator, suspended.ID, "On holiday for a while."); err != nil {
			t.Fatal(err)
		}
		applicant := f.mustCreate(t, anotherHost("New", "07700 900351"))

		for i, body := range []string{"YES", " yes ", "Yes!", "yes.", "yEs"} {
			f.clk.Set(hostsNow.Add(time.Duration(i+1) * time.Minute))
			reply, handled, err := f.svc.HandleReply(ctx, "+447700900301", body)
			if err != nil || !handled || reply != "Thank you. Your availability is confirmed." {
				t.Errorf("%q: reply %q, handled %v, err %v", body, reply, handled, err)
			}
			got, _ := f.svc.Host(ctx, asCoordinator, h.ID)
			if got.AvailabilityConfirmedAt == nil || !got.AvailabilityConfirmedAt.Equal(f.clk.Now()) {
				t.Errorf("%q: confirmed at %v, want %v", body, got.AvailabilityConfirmedAt, f.clk.Now())
			}
		}

		t.Run("through the SMS inbox", func(t *testing.T) {
			f.clk.Set(hostsNow.Add(time.Hour))
			reply, err := f.sms.HandleInbound(ctx, "07700 900301", "Yes.")
			if err != nil || reply != "Thank you. Your availability is confirmed." {
				t.Errorf("HandleInbound = %q, %v", reply, err)
			}
			if got, _ := f.svc.Host(ctx, asCoordinator, h.ID); !got.AvailabilityConfirmedAt.Equal(hostsNow.Add(time.Hour)) {
				t.Errorf("confirmed at %v", got.AvailabilityConfirmedAt)
			}
		})

		t.Run("anything else is not for us", func(t *testing.T) {
			f.clk.Set(hostsNow.Add(2 * time.Hour))
			for _, tt := range []struct{ from, body string }{
				{"+447700900301", "NO"},
				{"+447700900301", "yes please, but not in March"},
				{"+447700900301", "YES!?"},
				{"+447700900399", "YES"}, // nobody's
				{"+447700900350", "YES"}, // suspended
				{"+447700900351", "YES"}, // applicant
				{"not a number", "YES"},
			} {
				reply, handled, err := f.svc.HandleReply(ctx, tt.from, tt.body)
				if err != nil || handled || reply != "" {
					t.Errorf("%s %q: reply %q, handled %v, err %v", tt.from, tt.body, reply, handled, err)
				}
			}
			for _, host := range []sharedlives.Host{h, suspended, applicant} {
				got, _ := f.svc.Host(ctx, asCoordinator, host.ID)
				if got.AvailabilityConfirmedAt != nil && got.AvailabilityConfirmedAt.After(hostsNow.Add(time.Hour)) {
					t.Errorf("%s: confirmed at %v by a reply that was not a YES from them", got.Name, got.AvailabilityConfirmedAt)
				}
			}
		})
	})
}

func TestService_SendNudges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		never := f.mustApproved(t, anotherHost("Never", "07700 900360"))
		old := f.mustApproved(t, anotherHost("Old", "07700 900361"))
		recent := f.mustApproved(t, anotherHost("Recent", "07700 900362"))
		f.mustCreate(t, anotherHost("Applicant", "07700 900363"))
		paused := f.mustApproved(t, anotherHost("Paused", "07700 900364"))
		if _, err := f.svc.Suspend(ctx, asCoordinator, paused.ID, "Unwell."); err != nil {
			t.Fatal(err)
		}
		f.clk.Set(hostsNow.Add(-31 * 24 * time.Hour))
		if err := f.svc.ConfirmAvailability(ctx, old.ID); err != nil {
			t.Fatal(err)
		}
		f.clk.Set(hostsNow.Add(-29 * 24 * time.Hour))
		if err := f.svc.ConfirmAvailability(ctx, recent.ID); err != nil {
			t.Fatal(err)
		}
		f.clk.Set(hostsNow)

		nudges := func(t *testing.T) map[string]string {
			t.Helper()
			var ms []notify.Message
			if err := db.NewSelect().Model(&ms).Where("template = ?", notify.TemplateHostAvailabilityNudge).OrderExpr("id").Scan(ctx); err != nil {
				t.Fatal(err)
			}
			out := map[string]string{}
			for _, m := range ms {
				out[m.DedupeKey] = m.Recipient
				if !strings.HasPrefix(m.Body, "Leeds Shared Lives: is your availability still right? Reply YES") {
					t.Errorf("nudge text %q", m.Body)
				}
			}
			return out
		}
		for range 2 {
			if err := f.svc.SendNudges(ctx); err != nil {
				t.Fatal(err)
			}
		}
		want := map[string]string{
			fmt.Sprintf("host:%d:nudge:2026-11", never.ID): "+447700900360",
			fmt.Sprintf("host:%d:nudge:2026-11", old.ID):   "+447700900361",
		}
		if diff := cmp.Diff(want, nudges(t)); diff != "" {
			t.Errorf("nudges after running twice (-want +got):\n%s", diff)
		}

		t.Run("once a month", func(t *testing.T) {
			f.clk.Set(hostsNow.Add(7 * 24 * time.Hour)) // still November; recent is now 36 days old
			if err := f.svc.SendNudges(ctx); err != nil {
				t.Fatal(err)
			}
			want[fmt.Sprintf("host:%d:nudge:2026-11", recent.ID)] = "+447700900362"
			if diff := cmp.Diff(want, nudges(t)); diff != "" {
				t.Errorf("nudges a week later (-want +got):\n%s", diff)
			}
			// The old host answers YES; in December only the others are asked again.
			if _, handled, err := f.svc.HandleReply(ctx, "+447700900361", "YES"); !handled || err != nil {
				t.Fatalf("YES: %v, %v", handled, err)
			}
			f.clk.Set(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
			if err := f.svc.SendNudges(ctx); err != nil {
				t.Fatal(err)
			}
			want[fmt.Sprintf("host:%d:nudge:2026-12", never.ID)] = "+447700900360"
			want[fmt.Sprintf("host:%d:nudge:2026-12", recent.ID)] = "+447700900362"
			if diff := cmp.Diff(want, nudges(t)); diff != "" {
				t.Errorf("nudges in December (-want +got):\n%s", diff)
			}
		})
	})
}

func TestService_Access(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		sue := f.mustApproved(t, validHost())
		raj := f.mustApproved(t, anotherHost("Raj Shah", "07700 900370"))
		if _, err := f.svc.SetCalendar(ctx, asCoordinator, raj.ID, ranges("2027-01-01", "2027-01-31")); err != nil {
			t.Fatal(err)
		}

		t.Run("a host reads their own record, without the staff notes", func(t *testing.T) {
			got, err := f.svc.Host(ctx, asHost(sue), sue.ID)
			if err != nil || got.ID != sue.ID || got.Mobile != "+447700900301" {
				t.Errorf("own record: %+v, %v", got, err)
			}
			if got.StaffNotes != "" {
				t.Errorf("a host was given the staff notes %q", got.StaffNotes)
			}
			if _, err := f.svc.Calendar(ctx, asHost(sue), sue.ID); err != nil {
				t.Errorf("own calendar: %v", err)
			}
			if _, err := f.svc.UpcomingGuests(ctx, asHost(sue), sue.ID); err != nil {
				t.Errorf("own guests: %v", err)
			}
		})
		t.Run("another host's is not found", func(t *testing.T) {
			wantNotFound(t, "Host", second(f.svc.Host(ctx, asHost(sue), raj.ID)))
			wantNotFound(t, "Calendar", second(f.svc.Calendar(ctx, asHost(sue), raj.ID)))
			wantNotFound(t, "SetCalendar", second(f.svc.SetCalendar(ctx, asHost(sue), raj.ID, nil)))
			wantNotFound(t, "UpcomingGuests", second(f.svc.UpcomingGuests(ctx, asHost(sue), raj.ID)))
			// An id that exists and one that does not get the same answer.
			wantNotFound(t, "no such host", second(f.svc.Host(ctx, asHost(sue), 9999)))
			if got, _ := f.svc.Calendar(ctx, asCoordinator, raj.ID); len(got) != 1 {
				t.Errorf("Raj's calendar = %v, want it untouched", got)
			}
		})
		t.Run("a host changes nothing but their calendar", func(t *testing.T) {
			wantForbidden(t, "UpdateHost", second(f.svc.UpdateHost(ctx, asHost(sue), sue.ID, sharedlives.HostPatch{Capacity: new(6)})))
			wantForbidden(t, "Approve", second(f.svc.Approve(ctx, asHost(sue), sue.ID, calendar.Date{})))
			wantForbidden(t, "Leave", second(f.svc.Leave(ctx, asHost(sue), sue.ID)))
			wantForbidden(t, "CreateHost", second(f.svc.CreateHost(ctx, asHost(sue), anotherHost("X", "07700 900379"))))
			wantForbidden(t, "Hosts", second(f.svc.Hosts(ctx, asHost(sue), sharedlives.HostFilter{})))
		})
		t.Run("carers see nothing of hosts", func(t *testing.T) {
			wantForbidden(t, "Host", second(f.svc.Host(ctx, asCarer, sue.ID)))
			wantForbidden(t, "Calendar", second(f.svc.Calendar(ctx, asCarer, sue.ID)))
			wantForbidden(t, "SetCalendar", second(f.svc.SetCalendar(ctx, asCarer, sue.ID, nil)))
			wantForbidden(t, "UpcomingGuests", second(f.svc.UpcomingGuests(ctx, asCarer, sue.ID)))
		})
		t.Run("duty staff read, to place emergencies, and change nothing", func(t *testing.T) {
			got, err := f.svc.Host(ctx, asDuty, raj.ID)
			if err != nil || got.StaffNotes == "" {
				t.Errorf("duty Host = %+v, %v; staff see the notes", got, err)
			}
			if got, err := f.svc.Calendar(ctx, asDuty, raj.ID); err != nil || len(got) != 1 {
				t.Errorf("duty Calendar = %v, %v", got, err)
			}
			if _, err := f.svc.UpcomingGuests(ctx, asDuty, raj.ID); err != nil {
				t.Errorf("duty UpcomingGuests: %v", err)
			}
			if got, err := f.svc.Hosts(ctx, asDuty, sharedlives.HostFilter{}); err != nil || len(got.Items) != 2 {
				t.Errorf("duty Hosts = %d, %v", len(got.Items), err)
			}
			wantForbidden(t, "duty SetCalendar", second(f.svc.SetCalendar(ctx, asDuty, raj.ID, nil)))
			wantNotFound(t, "duty, unknown host", second(f.svc.Host(ctx, asDuty, 9999)))
			wantNotFound(t, "duty, unknown host's guests", second(f.svc.UpcomingGuests(ctx, asDuty, 9999)))
		})
	})
}

func TestService_UpcomingGuests(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		sue := f.mustApproved(t, validHost())
		raj := f.mustApproved(t, anotherHost("Raj Shah", "07700 900380"))

		carer := booking.Carer{Name: "Pat Jones", Mobile: "+447700900381", Postcode: "LS6 2AB", Latitude: 53.8, Longitude: -1.5,
			AllowanceNights: 28, AllowanceYearStarts: d("2026-04-01"), CreatedAt: hostsNow, UpdatedAt: hostsNow}
		if _, err := db.NewInsert().Model(&carer).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		person := func(name string, needs, requirements []string) booking.Person {
			p := booking.Person{CarerID: carer.ID, Name: name, DateOfBirth: d("1950-01-01"), Needs: needs, Requirements: requirements,
				StaffNotes: "Not for hosts.", CreatedAt: hostsNow, UpdatedAt: hostsNow}
			if _, err := db.NewInsert().Model(&p).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			return p
		}
		frank := person("Frank Albert Jones", []string{"dementia"}, []string{"ground_floor"})
		ivy := person("  Ivy  ", []string{}, []string{})
		seq := 0
		book := func(p booking.Person, placeKind string, placeID int64, status, arrive, depart string) {
			seq++
			b := booking.Booking{
				Reference: fmt.Sprintf("REF-%03d", seq), Status: status, Kind: booking.KindPlanned, PersonID: p.ID, CarerID: carer.ID,
				PlaceKind: placeKind, PlaceID: placeID, Arrive: d(arrive), Depart: d(depart), Nights: d(arrive).DaysUntil(d(depart)),
				CreatedByKind: "staff", CreatedByID: 1, CreatedAt: hostsNow, UpdatedAt: hostsNow,
			}
			if _, err := db.NewInsert().Model(&b).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		book(frank, booking.PlaceHost, sue.ID, booking.StatusConfirmed, "2027-01-10", "2027-01-12") // REF-001: upcoming
		book(ivy, booking.PlaceHost, sue.ID, booking.StatusConfirmed, "2026-11-20", "2026-11-24")   // REF-002: staying now
		book(frank, booking.PlaceHost, sue.ID, booking.StatusConfirmed, "2026-11-10", "2026-11-23") // REF-003: left today
		book(ivy, booking.PlaceHost, sue.ID, booking.StatusCancelled, "2027-02-01", "2027-02-03")   // REF-004: cancelled
		book(ivy, booking.PlaceHost, raj.ID, booking.StatusConfirmed, "2027-03-01", "2027-03-03")   // REF-005: Raj's guest
		book(frank, booking.PlaceBed, sue.ID, booking.StatusConfirmed, "2027-04-01", "2027-04-03")  // REF-006: a bed with Sue's id

		got, err := f.svc.UpcomingGuests(ctx, asHost(sue), sue.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []sharedlives.Guest{
			{BookingReference: "REF-002", FirstName: "Ivy", Arrive: d("2026-11-20"), Depart: d("2026-11-24"), Needs: []string{}, Requirements: []string{}},
			{BookingReference: "REF-001", FirstName: "Frank", Arrive: d("2027-01-10"), Depart: d("2027-01-12"), Needs: []string{"dementia"}, Requirements: []string{"ground_floor"}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Sue's guests (-want +got):\n%s", diff)
		}
		if got, err := f.svc.UpcomingGuests(ctx, asCoordinator, raj.ID); err != nil || len(got) != 1 || got[0].BookingReference != "REF-005" {
			t.Errorf("Raj's guests = %+v, %v", got, err)
		}
		// The coordinator was shown Ivy's needs, and the log says so; Sue
		// reading her own guests is not recorded.
		var reads []audit.Entry
		if err := db.NewSelect().Model(&reads).Where("action = ?", audit.PersonNeedsRead).OrderExpr("id").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(reads) != 1 || reads[0].TargetKind != "person" || reads[0].TargetID != ivy.ID || reads[0].ActorID != asCoordinator.ID ||
			reads[0].Reason != "host's guests" {
			t.Errorf("needs reads recorded = %+v, want one: the coordinator reading Ivy's, by the host's guests", reads)
		}
		other := f.mustApproved(t, anotherHost("Nobody Yet", "07700 900382"))
		if got, err := f.svc.UpcomingGuests(ctx, asHost(other), other.ID); err != nil || got == nil || len(got) != 0 {
			t.Errorf("no guests = %#v, %v; want an empty list", got, err)
		}
	})
}

func TestService_HostByMobile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		h := f.mustCreate(t, validHost())
		for _, typed := range []string{"07700 900301", "+447700900301", " (07700) 900-301 "} {
			got, found, err := f.svc.HostByMobile(ctx, typed)
			if err != nil || !found || got.ID != h.ID {
				t.Errorf("HostByMobile(%q) = %d, %v, %v; want host %d", typed, got.ID, found, err, h.ID)
			}
		}
		for _, typed := range []string{"07700 900999", "not a number", ""} {
			if got, found, err := f.svc.HostByMobile(ctx, typed); err != nil || found || got.ID != 0 {
				t.Errorf("HostByMobile(%q) = %d, %v, %v; want not found", typed, got.ID, found, err)
			}
		}
	})
}

// TestService_SetCalendar_Race replaces one host's calendar from many
// goroutines at once: the calendar ends up as exactly one of them, never a
// mixture with overlapping ranges.
func TestService_SetCalendar_Race(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		h := f.mustApproved(t, validHost())
		const racers = 8
		var wg sync.WaitGroup
		errs := make(chan error, racers)
		for i := range racers {
			wg.Go(func() {
				start := d("2027-01-01").AddDays(i)
				_, err := f.svc.SetCalendar(ctx, asHost(h), h.ID, []sharedlives.RangeInput{
					{StartsOn: start, EndsOn: start.AddDays(10)}, {StartsOn: start.AddDays(20), EndsOn: start.AddDays(30)},
				})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("SetCalendar: %v", err)
			}
		}
		got, err := f.svc.Calendar(ctx, asCoordinator, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[1].StartsOn != got[0].StartsOn.AddDays(20) {
			t.Errorf("calendar after the race = %v, want one racer's two ranges", spans(got))
		}
	})
}
