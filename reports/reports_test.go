package reports_test

import (
	"bytes"
	"context"
	"encoding/csv"
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
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/reports"
	"github.com/respite-uk/respite/sharedlives"
)

// clock is a settable clock, so the fixture can book ahead and then place
// emergencies and cancel on the day.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

func d(s string) calendar.Date {
	v, err := calendar.Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

func london(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.London)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

var (
	duty        = accounts.Principal{Kind: accounts.SubjectStaff, ID: 1, Name: "Sam", Role: accounts.RoleDuty}
	coordinator = accounts.Principal{Kind: accounts.SubjectStaff, ID: 2, Name: "Kim", Role: accounts.RoleCoordinator}
)

// period is March and April 2027: a month boundary, and the clocks go
// forward on Sunday 28 March.
var period = reports.Period{From: d("2027-03-01"), To: d("2027-04-30")}

// fixture is a small council with known answers.
//
//	Ash House, BLK-A (block, all 2027, £150 a night):
//	  A1, A2 residential; A3 residential, kept for emergencies; A4 nursing.
//	Beech Court, BLK-B (block, from 15 March 2027, £120 a night):
//	  B1 residential dementia (closed 20–22 April); B2, inactive.
//	Beech Court, SPOT-B (spot, £200 a night): B3 residential.
//
// Both homes are in LS1; every carer lives in LS2.
//
// Shared-lives hosts (all approved on 1 February 2027 unless said):
//
//	H1 2 guests, free 25 Mar–5 Apr (24 host-nights), confirmed 1 February
//	H2 1 guest, free 28 Apr–10 May (3 in the period), confirmed 1 April
//	H3 1 guest, free 1–10 Mar (10), approved 25 April 2026: review due
//	   25 April 2027, confirmed 1 April
//	H4 an applicant
//
// Every stay is for a person of their own carer's (allowance 42 nights),
// but carer X has two people. All bookings but the emergencies are made on
// 1 February 2027. Stays (arrive → depart; nights in the period):
//
//	A2 planned   27 Feb → 2 Mar  (1 in March: 1 Mar)
//	H1 planned   27 Mar → 29 Mar (2 in March, at a host)
//	A1 planned   26 Mar → 30 Mar (4 in March, across the clock change; carer X)
//	A2 planned   30 Mar → 3 Apr  (2 in March, 2 in April; a child who is 18 on 31 March)
//	A4 planned   10 Apr → 12 Apr (cancelled 1 Apr 09:00: 8½ days before)
//	B1 planned    5 Apr → 8 Apr  (3 in April; carer X's other person)
//	B3 planned   30 Mar → 2 Apr  (spot: 2 in March, 1 in April; a child of 14)
//	B1 planned   27 Mar → 29 Mar (cancelled 26 Mar noon: 36 hours before)
//	A1 planned   29 Apr → 3 May  (cancelled 1 Apr: 2 of its nights in April)
//	A1 planned   20 Apr → 25 Apr (cancelled exactly 48 hours before)
//	A2 planned    5 Apr → 9 Apr  (ended early on 7 Apr: 2 in April used, 2 freed)
//	A3 emergency 20 Mar → 22 Mar (2 in March, on the reserved bed; placed at
//	             noon, the card looked up the day before, at 09:00 and 11:50)
//	A4 emergency 14 Apr → 16 Apr (2 in April; card looked up 11:35, placed noon)
//	B3 emergency 20 Apr → 23 Apr (spot: 3 in April; no card lookup)
//
// Carer X and the three carers placed in an emergency have emergency plans.
//
// Unmet demand (see unmet): planned, LS2, dementia and hoist, 10–13 April
// (searched twice); emergency, LS6, no needs, 28–29 March; planned, BD1,
// dementia and autism, hoist and ground floor, 5–15 March; and one after
// the period.
type fixture struct {
	db      *bun.DB
	clk     *clock
	svc     *reports.Service
	booking *booking.Service
	prov    *providers.Service
	hosts   *sharedlives.Service
	seq     int
}

func newFixture(t *testing.T, db *bun.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: london("2027-02-01 10:00")}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	prov := providers.NewService(db, clk.Now)
	sms := notify.NewService(db, notify.NewLogSender(log), notify.Options{Clock: clk.Now, Logger: log, ServicePhone: "0113 496 0000"})
	acc := accounts.NewService(db, accounts.Options{Clock: clk.Now})
	if err := acc.SetCodeKey([]byte("a test secret of 32 bytes or more")); err != nil {
		t.Fatal(err)
	}
	f := &fixture{
		db: db, clk: clk, prov: prov,
		hosts:   sharedlives.NewService(db, sms, sharedlives.Options{Clock: clk.Now, Logger: log}),
		svc:     reports.NewService(db, clk.Now),
		booking: booking.NewService(db, prov, sms, booking.NewLocalHoldStore(), booking.Options{Clock: clk.Now, Logger: log, Codes: acc}),
	}

	ash := f.home(t, "Ash House")
	blkA := f.contract(t, ash, "block", "BLK-A", "2027-01-01", "2027-12-31", 15000)
	a1 := f.bed(t, ash, blkA, "A1", "residential", false, true)
	a2 := f.bed(t, ash, blkA, "A2", "residential", false, true)
	a3 := f.bed(t, ash, blkA, "A3", "residential", true, true)
	a4 := f.bed(t, ash, blkA, "A4", "nursing", false, true)

	beech := f.home(t, "Beech Court")
	blkB := f.contract(t, beech, "block", "BLK-B", "2027-03-15", "2027-12-31", 12000)
	b1 := f.bed(t, beech, blkB, "B1", "residential_dementia", false, true)
	f.bed(t, beech, blkB, "B2", "residential_dementia", false, false)
	spot := f.contract(t, beech, "spot", "SPOT-B", "2027-01-01", "2027-12-31", 20000)
	b3 := f.bed(t, beech, spot, "B3", "residential", false, true)
	if _, err := prov.CreateClosure(ctx, coordinator, beech.ID, providers.ClosureInput{BedID: &b1.ID, StartsOn: d("2027-04-20"), EndsOn: d("2027-04-22"), Reason: "Redecorating", CreatedBy: 1}); err != nil {
		t.Fatal(err)
	}

	x := f.carer(t) // cares for two people, and has an emergency plan
	if _, err := db.NewUpdate().Table("carers").Set("emergency_plan = ?", "Ring Sam").Where("id = ?", x.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	h1 := f.host(t, 2, "2027-02-01", "2027-03-25", "2027-04-05")
	h2 := f.host(t, 1, "2027-02-01", "2027-04-28", "2027-05-10")
	h3 := f.host(t, 1, "2026-04-25", "2027-03-01", "2027-03-10")
	if err := f.hosts.ConfirmAvailability(ctx, h1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.hosts.CreateHost(ctx, coordinator, hostInput(f.seq+100, 3)); err != nil { // an applicant
		t.Fatal(err)
	}
	f.bookAt(t, f.person(t, a1), booking.Place{Kind: booking.PlaceHost, ID: h1.ID}, "2027-03-27", "2027-03-29")
	f.book(t, a2, "2027-02-27", "2027-03-02")
	f.bookFor(t, f.personOf(t, x, "1950-06-01"), a1, "2027-03-26", "2027-03-30")
	f.bookFor(t, f.personOf(t, f.carer(t), "2009-03-31"), a2, "2027-03-30", "2027-04-03")
	cancelled := f.book(t, a4, "2027-04-10", "2027-04-12")
	f.bookFor(t, f.personOf(t, x, "1945-01-10", "dementia"), b1, "2027-04-05", "2027-04-08")
	f.bookFor(t, f.personOf(t, f.carer(t), "2012-05-01"), b3, "2027-03-30", "2027-04-02")
	lateB1 := f.book(t, b1, "2027-03-27", "2027-03-29")
	f.unmet(t, x)
	edge := f.book(t, a1, "2027-04-29", "2027-05-03")
	twoDays := f.book(t, a1, "2027-04-20", "2027-04-25")
	endsEarly := f.book(t, a2, "2027-04-05", "2027-04-09")

	f.clk.Set(london("2027-03-20 12:00"))
	f.emergency(t, a3, "2027-03-20", "2027-03-22", "2027-03-19 09:00", "2027-03-20 09:00", "2027-03-20 11:50")
	f.clk.Set(london("2027-03-26 12:00"))
	f.cancel(t, lateB1)
	f.clk.Set(london("2027-04-01 09:00"))
	for _, h := range []sharedlives.Host{h2, h3} {
		if err := f.hosts.ConfirmAvailability(ctx, h.ID); err != nil {
			t.Fatal(err)
		}
	}
	f.cancel(t, cancelled)
	f.cancel(t, edge)
	f.clk.Set(london("2027-04-06 12:00"))
	if _, err := f.booking.EndEarly(ctx, duty, endsEarly.ID, d("2027-04-07"), "Went home"); err != nil {
		t.Fatal(err)
	}
	f.clk.Set(london("2027-04-14 12:00"))
	f.emergency(t, a4, "2027-04-14", "2027-04-16", "2027-04-14 11:35")
	f.clk.Set(london("2027-04-18 00:00"))
	f.cancel(t, twoDays)
	f.clk.Set(london("2027-04-20 12:00"))
	f.emergency(t, b3, "2027-04-20", "2027-04-23")
	return f
}

func (f *fixture) home(t *testing.T, name string) providers.Provider {
	t.Helper()
	lat, lon := 53.8008, -1.5491
	p, err := f.prov.CreateProvider(context.Background(), coordinator, providers.ProviderInput{
		Name: name, Address: "1 Test Road, Leeds", Postcode: "LS1 4AP", Phone: "0113 496 0001",
		Latitude: &lat, Longitude: &lon,
		BedTypes:  []string{"residential", "residential_dementia", "nursing", "nursing_dementia"},
		AgeGroups: []string{"children", "adults"},
	})
	if err != nil {
		t.Fatalf("home %s: %v", name, err)
	}
	return p
}

func (f *fixture) contract(t *testing.T, home providers.Provider, kind, ref, from, to string, rate int64) providers.Contract {
	t.Helper()
	c, err := f.prov.CreateContract(context.Background(), coordinator, home.ID, providers.ContractInput{Kind: kind, Reference: ref, StartsOn: d(from), EndsOn: d(to), NightlyRatePence: ptr(rate)})
	if err != nil {
		t.Fatalf("contract %s: %v", ref, err)
	}
	return c
}

func (f *fixture) bed(t *testing.T, home providers.Provider, c providers.Contract, label, bedType string, reserved, active bool) providers.Bed {
	t.Helper()
	b, err := f.prov.CreateBed(context.Background(), coordinator, home.ID, providers.BedInput{Label: label, ContractID: c.ID, BedType: bedType, EmergencyReserved: reserved, Active: &active})
	if err != nil {
		t.Fatalf("bed %s: %v", label, err)
	}
	return b
}

// carer adds a carer with an allowance of 42 nights a year from 1 April.
func (f *fixture) carer(t *testing.T) booking.Carer {
	t.Helper()
	f.seq++
	now := f.clk.Now().UTC()
	c := booking.Carer{
		Name: "Pat Carer", Mobile: fmt.Sprintf("+447700900%03d", f.seq), Postcode: "LS2 7EW",
		Latitude: 53.8008, Longitude: -1.5491, AllowanceNights: 42, AllowanceYearStarts: d("2026-04-01"),
		EmergencyContactName: "Alex", CreatedAt: now, UpdatedAt: now,
	}
	if _, err := f.db.NewInsert().Model(&c).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

// personOf adds a person born on born, with needs, cared for by c.
func (f *fixture) personOf(t *testing.T, c booking.Carer, born string, needs ...string) booking.Person {
	t.Helper()
	now := f.clk.Now().UTC()
	p := booking.Person{CarerID: c.ID, Name: "Jo", DateOfBirth: d(born), Needs: append([]string{}, needs...), Requirements: []string{}, CreatedAt: now, UpdatedAt: now}
	if _, err := f.db.NewInsert().Model(&p).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p
}

// person adds a carer and the adult they care for, who needs a dementia
// bed for bed.
func (f *fixture) person(t *testing.T, bed providers.Bed) booking.Person {
	t.Helper()
	var needs []string
	if bed.BedType == "residential_dementia" {
		needs = []string{"dementia"}
	}
	return f.personOf(t, f.carer(t), "1950-06-01", needs...)
}

// book pre-books a stay for a new adult, as their carer.
func (f *fixture) book(t *testing.T, bed providers.Bed, arrive, depart string) booking.Booking {
	t.Helper()
	return f.bookFor(t, f.person(t, bed), bed, arrive, depart)
}

// bookFor pre-books a stay for p in bed, as their carer.
func (f *fixture) bookFor(t *testing.T, p booking.Person, bed providers.Bed, arrive, depart string) booking.Booking {
	t.Helper()
	return f.bookAt(t, p, booking.Place{Kind: booking.PlaceBed, ID: bed.ID}, arrive, depart)
}

// bookAt pre-books a stay for p at a place, as their carer.
func (f *fixture) bookAt(t *testing.T, p booking.Person, place booking.Place, arrive, depart string) booking.Booking {
	t.Helper()
	ctx := context.Background()
	actor := accounts.Principal{Kind: accounts.SubjectCarer, ID: p.CarerID}
	h, err := f.booking.CreateHold(ctx, actor, booking.HoldRequest{PersonID: p.ID, Place: place, Arrive: d(arrive), Depart: d(depart)})
	if err != nil {
		t.Fatalf("hold %s %d %s..%s: %v", place.Kind, place.ID, arrive, depart, err)
	}
	b, _, err := f.booking.Confirm(ctx, actor, h.ID, "")
	if err != nil {
		t.Fatalf("confirm %s %d %s..%s: %v", place.Kind, place.ID, arrive, depart, err)
	}
	return b
}

func hostInput(n, capacity int) sharedlives.HostInput {
	lat, lon := 53.81, -1.55
	return sharedlives.HostInput{
		Name: fmt.Sprintf("Host %d", n), Mobile: fmt.Sprintf("+447700900%03d", 500+n), Postcode: "LS6 1AA",
		Latitude: &lat, Longitude: &lon, Capacity: &capacity,
		Offers: []string{sharedlives.OfferShortBreak}, AgeGroups: []string{"adults"},
	}
}

// host adds a shared-lives host taking capacity guests, approved on
// approved, free from first to last.
func (f *fixture) host(t *testing.T, capacity int, approved, first, last string) sharedlives.Host {
	t.Helper()
	ctx := context.Background()
	f.seq++
	h, err := f.hosts.CreateHost(ctx, coordinator, hostInput(f.seq, capacity))
	if err != nil {
		t.Fatal(err)
	}
	if h, err = f.hosts.Approve(ctx, coordinator, h.ID, d(approved)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.hosts.AddAvailability(ctx, coordinator, h.ID, d(first), d(last)); err != nil {
		t.Fatal(err)
	}
	return h
}

// unmet records unmet demand: carer X looks twice for a stay for a third
// person, who needs a hoist, which no bed has; and three rows written
// straight to the table as if from earlier searches.
func (f *fixture) unmet(t *testing.T, x booking.Carer) {
	t.Helper()
	ctx := context.Background()
	p := f.personOf(t, x, "1940-02-02", "dementia")
	if _, err := f.db.NewUpdate().Table("people").Set("requirements = ?", `["hoist"]`).Where("id = ?", p.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	actor := accounts.Principal{Kind: accounts.SubjectCarer, ID: x.ID}
	for range 2 {
		opts, err := f.booking.Availability(ctx, actor, booking.Search{PersonID: p.ID, Arrive: d("2027-04-10"), Depart: d("2027-04-13")})
		if err != nil || len(opts) != 0 {
			t.Fatalf("Availability = %d options, %v; want none", len(opts), err)
		}
	}
	for _, r := range []struct{ kind, area, needs, reqs, arrive, depart string }{
		{"emergency", "LS6", `[]`, `[]`, "2027-03-28", "2027-03-29"},
		{"planned", "BD1", `["dementia","autism"]`, `["hoist","ground_floor"]`, "2027-03-05", "2027-03-15"},
		{"planned", "LS6", `[]`, `[]`, "2027-05-02", "2027-05-04"}, // after the period
	} {
		if _, err := f.db.NewRaw(`INSERT INTO unmet_searches (searched_at, kind, arrive, depart, needs, requirements, age_group, area)
VALUES (?, ?, ?, ?, ?, ?, 'adults', ?)`, f.clk.Now().UTC(), r.kind, d(r.arrive), d(r.depart), r.needs, r.reqs, r.area).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// cancel cancels a stay as duty staff, at the clock's time.
func (f *fixture) cancel(t *testing.T, b booking.Booking) {
	t.Helper()
	if _, err := f.booking.Cancel(context.Background(), duty, b.ID, "No longer needed"); err != nil {
		t.Fatalf("cancel %s: %v", b.Reference, err)
	}
}

// emergency places a new person in an emergency, as duty staff. Their
// carer has an emergency card and plan; duty staff looked the card up at
// each of lookups (London times) before placing.
func (f *fixture) emergency(t *testing.T, bed providers.Bed, arrive, depart string, lookups ...string) booking.Booking {
	t.Helper()
	ctx := context.Background()
	p := f.person(t, bed)
	card := fmt.Sprintf("CARD%d", p.CarerID)
	if _, err := f.db.NewUpdate().Table("carers").Set("emergency_card = ?", card).Set("emergency_plan = ?", "Call Alex").Where("id = ?", p.CarerID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	placeAt := f.clk.Now()
	for _, at := range lookups {
		f.clk.Set(london(at))
		if _, err := f.booking.LookupCard(ctx, duty, card); err != nil {
			t.Fatal(err)
		}
	}
	f.clk.Set(placeAt)
	b, err := f.booking.PlaceEmergency(ctx, duty, booking.EmergencyRequest{PersonID: p.ID, Place: booking.Place{Kind: booking.PlaceBed, ID: bed.ID}, Arrive: d(arrive), Depart: d(depart), Reason: "Carer in hospital"})
	if err != nil {
		t.Fatalf("emergency %s %s..%s: %v", bed.Label, arrive, depart, err)
	}
	return b
}

func TestPeriod_Validate(t *testing.T) {
	tests := []struct {
		name   string
		p      reports.Period
		fields []string
	}{
		{"one day", reports.Period{From: d("2027-03-01"), To: d("2027-03-01")}, nil},
		{"three years", reports.Period{From: d("2027-01-01"), To: d("2027-01-01").AddDays(reports.MaxPeriodDays - 1)}, nil},
		{"missing both", reports.Period{}, []string{"from", "to"}},
		{"missing to", reports.Period{From: d("2027-03-01")}, []string{"to"}},
		{"backwards", reports.Period{From: d("2027-03-02"), To: d("2027-03-01")}, []string{"to"}},
		{"too long", reports.Period{From: d("2027-01-01"), To: d("2027-01-01").AddDays(reports.MaxPeriodDays)}, []string{"to"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			got, ok := apperr.FieldNames(err)
			if !ok {
				t.Fatalf("Validate() = %v, want an Invalid error", err)
			}
			if diff := cmp.Diff(tt.fields, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestService_BlockUse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db)
		got, err := f.svc.BlockUse(context.Background(), period)
		if err != nil {
			t.Fatal(err)
		}
		// March: Ash residential has 3 beds × 31 nights = 93, 31 of them the
		// reserved bed's; used 1 + 4 + 2 planned and 2 emergency = 9, so
		// 9/93 = 9.7% and £13,950 / 9 = £1,550 a night. Beech's contract
		// starts on 15 March: 17 nights of its one active bed.
		// April: Ash nursing's only nights are the emergency (the planned
		// stay was cancelled); Ash residential has 2 nights of the stay
		// across the month's end and 2 of the stay ended early; Beech's
		// closed nights still count. Total: 291 bed-nights cost £42,240 (an
		// average of £145.15); 18 nights were used: 6.2%, £2,346.67 a
		// night.
		want := [][]string{
			{"Month", "Contract", "Care home", "Bed type", "Beds", "Contracted bed-nights", "Planned nights", "Emergency nights", "Reserved bed-nights", "Reserved nights used", "Occupancy %", "Nightly rate (£)", "Block cost (£)", "Cost per occupied night (£)"},
			{"2027-03", "BLK-A", "Ash House", "nursing", "1", "31", "0", "0", "0", "0", "0.0", "150.00", "4650.00", ""},
			{"2027-03", "BLK-A", "Ash House", "residential", "3", "93", "7", "2", "31", "2", "9.7", "150.00", "13950.00", "1550.00"},
			{"2027-03", "BLK-B", "Beech Court", "residential_dementia", "1", "17", "0", "0", "0", "0", "0.0", "120.00", "2040.00", ""},
			{"2027-04", "BLK-A", "Ash House", "nursing", "1", "30", "0", "2", "0", "0", "6.7", "150.00", "4500.00", "2250.00"},
			{"2027-04", "BLK-A", "Ash House", "residential", "3", "90", "4", "0", "30", "0", "4.4", "150.00", "13500.00", "3375.00"},
			{"2027-04", "BLK-B", "Beech Court", "residential_dementia", "1", "30", "3", "0", "0", "0", "10.0", "120.00", "3600.00", "1200.00"},
			{"Total", "", "", "", "5", "291", "14", "4", "61", "2", "6.2", "145.15", "42240.00", "2346.67"},
		}
		if diff := cmp.Diff(want, table(got)); diff != "" {
			t.Errorf("block use (-want +got):\n%s", diff)
		}
	})
}

// A stay on a block bed counts only the nights its contract covers: here
// BLK-B's start is moved, after the booking, to the middle of B1's stay of
// 5 → 8 April, as when a contract's dates are corrected.
func TestService_BlockUse_nightsOutsideTheContract(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db)
		if _, err := db.NewUpdate().Table("contracts").Set("starts_on = ?", d("2027-04-07")).Where("reference = 'BLK-B'").Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.BlockUse(context.Background(), period)
		if err != nil {
			t.Fatal(err)
		}
		// April from the 7th: 24 contracted nights, and only the night of
		// 7 April is both in the contract and in the stay.
		want := []string{"2027-04", "BLK-B", "Beech Court", "residential_dementia", "1", "24", "1", "0", "0", "0", "4.2", "120.00", "2880.00", "2880.00"}
		var beech [][]string
		for _, row := range table(got) {
			if row[1] == "BLK-B" {
				beech = append(beech, row)
			}
		}
		if diff := cmp.Diff([][]string{want}, beech); diff != "" {
			t.Errorf("BLK-B's lines (-want +got):\n%s", diff)
		}
	})
}

func TestService_Spot(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db)
		got, err := f.svc.Spot(context.Background(), period)
		if err != nil {
			t.Fatal(err)
		}
		// The planned stay 30 Mar → 2 Apr counts in both months and once in
		// the total. Every night was bought at £200; block beds averaged
		// £145.15 (see TestService_BlockUse).
		want := [][]string{
			{"Month", "Spot stays", "Nights", "Spend (£)", "Average spot rate (£)", "Average block rate (£)", "Spot rate above block (£)"},
			{"2027-03", "1", "2", "400.00", "200.00", "145.15", "54.85"},
			{"2027-04", "2", "4", "800.00", "200.00", "145.15", "54.85"},
			{"Total", "2", "6", "1200.00", "200.00", "145.15", "54.85"},
		}
		if diff := cmp.Diff(want, table(got)); diff != "" {
			t.Errorf("spot (-want +got):\n%s", diff)
		}
	})
}

func TestService_Cancellations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db)
		got, err := f.svc.Cancellations(context.Background(), period)
		if err != nil {
			t.Fatal(err)
		}
		// Confirmed nights in the period: 13 in March (1 + 4 + 2 + 2 spot +
		// 2 emergency + 2 at a host) and 13 in April (2 + 3 + 1 spot + 2 + 3 spot + 2 of
		// the stay ended early). Given up: 2 + 2 (of the stay into May) a
		// week or more ahead, 5 exactly 48 hours ahead, 2 at 36 hours, and
		// 2 freed by the early end: 13. Booked: 26 + 13 = 39.
		want := [][]string{
			{"When", "Stays", "Nights cancelled", "Nights booked", "Share of booked nights %"},
			{"7 days or more before", "2", "4", "39", "10.3"},
			{"2 to 7 days before", "1", "5", "39", "12.8"},
			{"under 48 hours before", "1", "2", "39", "5.1"},
			{"after arrival or ended early", "1", "2", "39", "5.1"},
			{"Total", "5", "13", "39", "33.3"},
		}
		if diff := cmp.Diff(want, table(got)); diff != "" {
			t.Errorf("cancellations (-want +got):\n%s", diff)
		}
	})
}

func TestService_CarersReached(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db)
		got, err := f.svc.CarersReached(context.Background(), period)
		if err != nil {
			t.Fatal(err)
		}
		// Nine carers had nights: 1, 2 (ended early), 2 (host), 2, 2
		// (emergencies), 3 (spot), 3 (spot emergency), 4 (the child across
		// the month's end) and carer X's 4 + 3 = 7: 26 nights. The median
		// is the fifth, 2; the 90th percentile is rank ⌈0.9 × 9⌉ = 9: 7
		// nights. Ten people, two of them children (one is 17 on the day
		// she arrives). Thirteen carers are registered, 42 nights each:
		// 546 × 61 / 365 = 91.2 nights for the period, of which 26 is
		// 28.5%.
		want := [][]string{
			{"Measure", "Value"},
			{"Carers reached", "9"},
			{"Cared-for people reached", "10"},
			{"Children", "2"},
			{"Adults", "8"},
			{"Nights", "26"},
			{"Nights per carer, median", "2.0"},
			{"Nights per carer, 90th percentile", "7"},
			{"Allowance used %", "28.5"},
		}
		if diff := cmp.Diff(want, table(got)); diff != "" {
			t.Errorf("carers reached (-want +got):\n%s", diff)
		}
	})
}

func TestService_Emergencies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db)
		got, err := f.svc.Emergencies(context.Background(), period)
		if err != nil {
			t.Fatal(err)
		}
		// Three placements, one of each bed tier. The latest lookup before
		// the first was 10 minutes before it, before the second 25: median
		// 17.5. The third had no lookup.
		want := [][]string{
			{"Measure", "Value"},
			{"Carers holding an emergency plan", "4"},
			{"Emergency placements", "3"},
			{"Carers whose plan was used", "3"},
			{"Placements: reserved bed", "1"},
			{"Placements: other block bed", "1"},
			{"Placements: shared-lives host", "0"},
			{"Placements: spot purchase", "1"},
			{"Placements after a card lookup", "2"},
			{"Card lookup to placement, median minutes", "17.5"},
		}
		if diff := cmp.Diff(want, table(got)); diff != "" {
			t.Errorf("emergencies (-want +got):\n%s", diff)
		}
	})
}

func TestService_SharedLives(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		newFixture(t, db)
		// On 1 May: H1's calendar was confirmed 89 days ago (stale after
		// 60); H3's review was due on 25 April.
		svc := reports.NewService(db, calendar.Fixed(london("2027-05-01 12:00")))
		got, err := svc.SharedLives(context.Background(), period)
		if err != nil {
			t.Fatal(err)
		}
		// Offered: H1 12 nights × 2 guests + H2 3 + H3 10 = 37; the
		// applicant's calendar is empty and would not count. Used: 2.
		want := [][]string{
			{"Measure", "Value"},
			{"Host-nights offered", "37"},
			{"Host-nights used", "2"},
			{"Host-nights used %", "5.4"},
			{"Approved hosts", "3"},
			{"Stale calendars (not confirmed for 60 days)", "1"},
			{"Reviews overdue", "1"},
		}
		if diff := cmp.Diff(want, table(got)); diff != "" {
			t.Errorf("shared lives (-want +got):\n%s", diff)
		}
	})
}

func TestService_UnmetDemand(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db)
		got, err := f.svc.UnmetDemand(context.Background(), period)
		if err != nil {
			t.Fatal(err)
		}
		// The repeated search counts once; the stay in May not at all.
		want := [][]string{
			{"By", "Value", "Planned searches", "Emergency searches", "Nights wanted"},
			{"Month", "2027-03", "1", "1", "11"},
			{"Month", "2027-04", "1", "0", "3"},
			{"Postcode district", "BD1", "1", "0", "10"},
			{"Postcode district", "LS2", "1", "0", "3"},
			{"Postcode district", "LS6", "0", "1", "1"},
			{"Need", "autism", "1", "0", "10"},
			{"Need", "dementia", "2", "0", "13"},
			{"Need", "none", "0", "1", "1"},
			{"Requirement", "ground_floor", "1", "0", "10"},
			{"Requirement", "hoist", "2", "0", "13"},
			{"Requirement", "none", "0", "1", "1"},
			{"Length of stay", "1 night", "0", "1", "1"},
			{"Length of stay", "3 nights", "1", "0", "3"},
			{"Length of stay", "8 to 14 nights", "1", "0", "10"},
			{"Total", "", "2", "1", "14"},
		}
		if diff := cmp.Diff(want, table(got)); diff != "" {
			t.Errorf("unmet demand (-want +got):\n%s", diff)
		}
	})
}

func TestService_RightSizing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db)
		got, err := f.svc.RightSizing(context.Background(), period)
		if err != nil {
			t.Fatal(err)
		}
		// Both homes are in LS1. Residential beds there (block or spot)
		// were in demand on these nights of the 61:
		//
		//	1 Mar 1   20–21 Mar 1   26–29 Mar 1   30 Mar–1 Apr 2 (A2 and the
		//	spot stay)   2 Apr 1   5–6 Apr 1   20–22 Apr 1 (spot emergency)
		//
		// which is 45 nights of 0, 13 of 1 and 3 of 2: 19 nights. Sorted,
		// the 90% rank is ⌈0.9 × 61⌉ = 55 and the 95% rank ⌈0.95 × 61⌉ =
		// 58; both fall among the 1s (ranks 46–58), so 1 bed, costing 61 ×
		// £145.15 = £8,854.15, and the 3 nights of 2 overflow to spot at
		// £200: £600. Nursing (2 emergency nights) and residential dementia
		// (3 nights) in LS1 are met on 90% of nights by no beds at all.
		// Turned away: carer X's person (dementia) in LS2, 3 nights; the
		// stay in BD1, 10 nights, so 51 nights of 0 and 10 of 1: both ranks
		// fall among the 1s. The emergency search is left out.
		want := [][]string{
			(reports.RightSizing{}).Header(),
			{"BD1", "residential_dementia", "0", "10", "1", "1", "8854.15", "0", "0.00", "8854.15", "1", "8854.15", "0", "0.00", "8854.15"},
			{"LS1", "nursing", "1", "2", "1", "0", "0.00", "2", "400.00", "400.00", "0", "0.00", "2", "400.00", "400.00"},
			{"LS1", "residential", "3", "19", "2", "1", "8854.15", "3", "600.00", "9454.15", "1", "8854.15", "3", "600.00", "9454.15"},
			{"LS1", "residential_dementia", "1", "3", "1", "0", "0.00", "3", "600.00", "600.00", "0", "0.00", "3", "600.00", "600.00"},
			{"LS2", "residential_dementia", "0", "3", "1", "0", "0.00", "3", "600.00", "600.00", "0", "0.00", "3", "600.00", "600.00"},
		}
		if diff := cmp.Diff(want, table(got)); diff != "" {
			t.Errorf("right-sizing (-want +got):\n%s", diff)
		}
		as := strings.Join(got.Assumptions(), "\n")
		for _, s := range []string{"£145.15 a night", "average spot rate, £200.00 a night"} {
			if !strings.Contains(as, s) {
				t.Errorf("assumptions lack %q:\n%s", s, as)
			}
		}
	})
}

// TestService_Report checks that every named report comes out, and that
// its CSV parses back to the same header and rows.
func TestService_Report(t *testing.T) {
	db := dbtest.SQLite(t)
	f := newFixture(t, db)
	for _, name := range reports.Names {
		t.Run(name, func(t *testing.T) {
			tab, err := f.svc.Report(context.Background(), name, period)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := reports.WriteCSV(&buf, tab); err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(buf.String(), "\r\n") {
				t.Errorf("CSV does not end in CRLF")
			}
			got, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(table(tab), got); diff != "" {
				t.Errorf("CSV read back (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := f.svc.Report(context.Background(), "nonsense", period); !errors.Is(err, reports.ErrUnknownReport) {
		t.Errorf("Report(nonsense) = %v, want ErrUnknownReport", err)
	}
}

// Reports works out a set at once and gives back the same tables, in the
// order asked for, as Report gives one by one; the first error stops it.
func TestService_Reports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		names := append([]string{"feedback"}, reports.Names...) // any order, repeats allowed
		got, err := f.svc.Reports(ctx, names, period)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(names) {
			t.Fatalf("%d tables for %d names", len(got), len(names))
		}
		for i, name := range names {
			want, err := f.svc.Report(ctx, name, period)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(table(want), table(got[i])); diff != "" {
				t.Errorf("%s at %d (-one by one +at once):\n%s", name, i, diff)
			}
		}
		if _, err := f.svc.Reports(ctx, []string{"block-use", "nonsense", "right-sizing"}, period); !errors.Is(err, reports.ErrUnknownReport) {
			t.Errorf("Reports with an unknown name = %v, want ErrUnknownReport", err)
		}
		bad := reports.Period{From: d("2027-04-01"), To: d("2027-03-01")}
		if _, err := f.svc.Reports(ctx, reports.Names, bad); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("Reports over a bad period = %v, want Invalid", err)
		}
	})
}

func TestService_invalidPeriod(t *testing.T) {
	svc := reports.NewService(dbtest.SQLite(t), nil)
	ctx := context.Background()
	bad := reports.Period{From: d("2027-04-01"), To: d("2027-03-01")}
	if _, err := svc.BlockUse(ctx, bad); apperr.KindOf(err) != apperr.Invalid {
		t.Errorf("BlockUse: err = %v, want Invalid", err)
	}
	if _, err := svc.Spot(ctx, bad); apperr.KindOf(err) != apperr.Invalid {
		t.Errorf("Spot: err = %v, want Invalid", err)
	}
	if _, err := svc.Cancellations(ctx, bad); apperr.KindOf(err) != apperr.Invalid {
		t.Errorf("Cancellations: err = %v, want Invalid", err)
	}
	if _, err := svc.CarersReached(ctx, bad); apperr.KindOf(err) != apperr.Invalid {
		t.Errorf("CarersReached: err = %v, want Invalid", err)
	}
	if _, err := svc.Emergencies(ctx, bad); apperr.KindOf(err) != apperr.Invalid {
		t.Errorf("Emergencies: err = %v, want Invalid", err)
	}
	if _, err := svc.SharedLives(ctx, bad); apperr.KindOf(err) != apperr.Invalid {
		t.Errorf("SharedLives: err = %v, want Invalid", err)
	}
	if _, err := svc.UnmetDemand(ctx, bad); apperr.KindOf(err) != apperr.Invalid {
		t.Errorf("UnmetDemand: err = %v, want Invalid", err)
	}
	if _, err := svc.RightSizing(ctx, bad); apperr.KindOf(err) != apperr.Invalid {
		t.Errorf("RightSizing: err = %v, want Invalid", err)
	}
}

func table(t reports.Table) [][]string { return append([][]string{t.Header()}, t.Rows()...) }
