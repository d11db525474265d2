package booking_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/providers"
)

// clock is a settable clock.
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

var duty = accounts.Principal{Kind: accounts.SubjectStaff, ID: 1, Name: "Sam", Role: accounts.RoleDuty}

func carerActor(c booking.Carer) accounts.Principal {
	return accounts.Principal{Kind: accounts.SubjectCarer, ID: c.ID}
}

type fixture struct {
	db        *bun.DB
	clk       *clock
	providers *providers.Service
	notify    *notify.Service
	accounts  *accounts.Service // makes and checks codes
	svc       *booking.Service
	holds     booking.HoldStore
}

func newFixture(t testing.TB, db *bun.DB, holds booking.HoldStore) *fixture {
	t.Helper()
	clk := &clock{t: london("2027-03-01 10:00")}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	prov := providers.NewService(db, clk.Now)
	sms := notify.NewService(db, notify.NewLogSender(log), notify.Options{Clock: clk.Now, Logger: log, ServicePhone: "0113 496 0000"})
	if holds == nil {
		holds = booking.NewLocalHoldStore()
	}
	acc := accounts.NewService(db, accounts.Options{Clock: clk.Now})
	if err := acc.SetCodeKey([]byte("a test secret of 32 bytes or more")); err != nil {
		t.Fatal(err)
	}
	svc := booking.NewService(db, prov, sms, holds, booking.Options{Clock: clk.Now, Logger: log, Codes: acc})
	return &fixture{db: db, clk: clk, providers: prov, notify: sms, accounts: acc, svc: svc, holds: holds}
}

// with returns another instance of the service on the same database and
// hold store, as a second server would be.
func (f *fixture) with() *booking.Service {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return booking.NewService(f.db, f.providers, f.notify, f.holds, booking.Options{Clock: f.clk.Now, Logger: log, Codes: f.accounts})
}

func ptr[T any](v T) *T { return &v }

var homeSeq atomic.Int64

type home struct {
	provider providers.Provider
	contract providers.Contract
	beds     []providers.Bed
}

// mkHome adds a care home at lat/lon with one bed per spec, under a block
// contract covering 2027.
func (f *fixture) mkHome(t testing.TB, name string, lat, lon float64, in providers.ProviderInput, beds ...providers.BedInput) home {
	t.Helper()
	ctx := context.Background()
	in.Name, in.Address, in.Postcode, in.Phone = name, "1 Test Road, Leeds", "LS1 4AP", "0113 496 0001"
	in.Latitude, in.Longitude = &lat, &lon
	if in.BedTypes == nil {
		in.BedTypes = []string{"residential", "residential_dementia", "nursing", "nursing_dementia"}
	}
	p, err := f.providers.CreateProvider(ctx, asAdmin, in)
	if err != nil {
		t.Fatalf("home %s: %v", name, err)
	}
	c, err := f.providers.CreateContract(ctx, asAdmin, p.ID, providers.ContractInput{Kind: "block", Reference: fmt.Sprintf("BLK-%d", homeSeq.Add(1)), StartsOn: d("2027-01-01"), EndsOn: d("2027-12-31"), NightlyRatePence: ptr(int64(15000))})
	if err != nil {
		t.Fatal(err)
	}
	h := home{provider: p, contract: c}
	for i, b := range beds {
		b.ContractID = c.ID
		if b.Label == "" {
			b.Label = fmt.Sprintf("Room %d", i+1)
		}
		bed, err := f.providers.CreateBed(ctx, asAdmin, p.ID, b)
		if err != nil {
			t.Fatalf("bed %s at %s: %v", b.Label, name, err)
		}
		h.beds = append(h.beds, bed)
	}
	return h
}

var mobileSeq atomic.Int64

// mkCarer adds a carer living in central Leeds with an allowance of nights
// per year from 1 April.
func (f *fixture) mkCarer(t testing.TB, allowance int) booking.Carer {
	t.Helper()
	now := f.clk.Now().UTC()
	c := booking.Carer{
		Name: "Pat Carer", Mobile: fmt.Sprintf("+447700900%03d", mobileSeq.Add(1)%1000), Postcode: "LS2 7EW",
		Latitude: 53.8008, Longitude: -1.5491, AllowanceNights: allowance, AllowanceYearStarts: d("2026-04-01"),
		EmergencyContactName: "Alex", CreatedAt: now, UpdatedAt: now,
	}
	if _, err := f.db.NewInsert().Model(&c).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) mkPerson(t testing.TB, c booking.Carer, born string, needs, requirements []string) booking.Person {
	t.Helper()
	now := f.clk.Now().UTC()
	p := booking.Person{CarerID: c.ID, Name: "Jo", DateOfBirth: d(born), Needs: needs, Requirements: requirements, CreatedAt: now, UpdatedAt: now}
	if needs == nil {
		p.Needs = []string{}
	}
	if requirements == nil {
		p.Requirements = []string{}
	}
	if _, err := f.db.NewInsert().Model(&p).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p
}

// book holds and confirms a stay, failing the test on any error.
func (f *fixture) book(t testing.TB, actor accounts.Principal, p booking.Person, bed providers.Bed, arrive, depart string) booking.Booking {
	t.Helper()
	ctx := context.Background()
	h, err := f.svc.CreateHold(ctx, actor, booking.HoldRequest{PersonID: p.ID, Place: booking.Place{Kind: booking.PlaceBed, ID: bed.ID}, Arrive: d(arrive), Depart: d(depart)})
	if err != nil {
		t.Fatalf("hold %s..%s: %v", arrive, depart, err)
	}
	b, _, err := f.svc.Confirm(ctx, actor, h.ID, "")
	if err != nil {
		t.Fatalf("confirm %s..%s: %v", arrive, depart, err)
	}
	return b
}
