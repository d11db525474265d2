package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/logging"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/privacy"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/redisstore"
	"github.com/respite-uk/respite/reports"
	"github.com/respite-uk/respite/sharedlives"
	"github.com/respite-uk/respite/web"
	"github.com/respite-uk/respite/web/webtest"
)

const dutyPassword = "a long duty password"

// world is a running service with one care home bed, a carer and the person
// they care for, and a member of duty staff to book for them.
type world struct {
	url     string
	booking *booking.Service
	duty    accounts.Principal
	email   string
	person  booking.Person
	bed     providers.Bed
}

// newWorld starts the real HTTP service on db, listening on a free port,
// wired as cmd/respite wires it but with the log sender for texts.
func newWorld(t *testing.T, db *bun.DB) world {
	t.Helper()
	ctx := context.Background()
	log := logging.New(t.Output(), slog.LevelWarn)
	acc := accounts.NewService(db, accounts.Options{BcryptCost: bcrypt.MinCost})
	sms := notify.NewService(db, notify.NewLogSender(log), notify.Options{Logger: log, ServiceName: "Leeds Carers Respite", ServicePhone: "0113 496 0000"})
	prov := providers.NewService(db, nil)
	// On PostgreSQL the holds are in Redis, as where several instances
	// serve; on SQLite they are in memory, as where one does.
	var holds booking.HoldStore = booking.NewLocalHoldStore()
	if dbtest.IsPostgres(db) {
		rdb, prefix := dbtest.Redis(t)
		holds = redisstore.NewHoldStore(rdb, prefix)
	}
	book := booking.NewService(db, prov, sms, holds, booking.Options{Logger: log})
	srv, err := web.New(web.Deps{
		Logger: log, Accounts: acc, Providers: prov, Notify: sms, Booking: book,
		Hosts: sharedlives.NewService(db, sms, sharedlives.Options{Logger: log}), Audit: audit.NewService(db),
		Reports: reports.NewService(db, nil), Privacy: privacy.NewService(db, nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	w := world{url: webtest.Serve(t, srv), booking: book, email: "duty@example.org"}
	user, err := acc.CreateUser(ctx, accounts.NewUser{Email: w.email, Name: "Dana Duty", Role: accounts.RoleDuty, Password: dutyPassword})
	if err != nil {
		t.Fatal(err)
	}
	w.duty = accounts.Principal{Kind: accounts.SubjectStaff, ID: user.ID, Name: user.Name, Role: user.Role}

	setUp := accounts.CommandLine("test set-up")
	lat, lon, rate := 53.80, -1.55, int64(15000)
	home, err := prov.CreateProvider(ctx, setUp, providers.ProviderInput{Name: "Oakwood House", Address: "1 Road, Leeds", Postcode: "LS1 4AP",
		Latitude: &lat, Longitude: &lon, Phone: "0113 496 0001", BedTypes: []string{"residential"}})
	if err != nil {
		t.Fatal(err)
	}
	today := calendar.Today(calendar.SystemClock)
	contract, err := prov.CreateContract(ctx, setUp, home.ID, providers.ContractInput{Kind: providers.KindBlock, Reference: "BLK-1",
		StartsOn: today, EndsOn: today.AddDays(400), NightlyRatePence: &rate})
	if err != nil {
		t.Fatal(err)
	}
	if w.bed, err = prov.CreateBed(ctx, setUp, home.ID, providers.BedInput{Label: "Room 1", ContractID: contract.ID, BedType: "residential"}); err != nil {
		t.Fatal(err)
	}

	nights := 28
	carer, err := book.CreateCarer(ctx, w.duty, booking.CarerInput{Name: "Alice Carer", Mobile: "07700 900201", Postcode: "LS2 7EW",
		Latitude: &lat, Longitude: &lon, AllowanceNights: &nights, AllowanceYearStarts: today.AddDays(-30)})
	if err != nil {
		t.Fatal(err)
	}
	if w.person, err = book.AddPerson(ctx, w.duty, carer.ID, booking.PersonInput{Name: "Margaret", DateOfBirth: calendar.Date{Year: 1945, Month: 1, Day: 1}}); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestRun books a stay through the generated client against the real
// service, then checks what the database holds: the booking, confirmed,
// and no hold left behind.
func TestRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		arrive := calendar.Today(calendar.SystemClock).AddDays(10)
		args := []string{"-base", w.url, "-email", w.email, "-person", strconv.FormatInt(w.person.ID, 10), "-arrive", arrive.String(), "-nights", "3"}
		var out bytes.Buffer
		if err := run(ctx, args, env{"RESPITE_PASSWORD": dutyPassword}.get, &out); err != nil {
			t.Fatalf("run: %v\noutput:\n%s", err, out.String())
		}
		t.Logf("output:\n%s", out.String())

		var bookings []booking.Booking
		if err := db.NewSelect().Model(&bookings).Where("person_id = ?", w.person.ID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		type booked struct {
			Status, PlaceKind, CreatedByKind string
			PlaceID, CreatedByID             int64
			Arrive, Depart                   calendar.Date
		}
		var got []booked
		for _, b := range bookings {
			got = append(got, booked{b.Status, b.PlaceKind, b.CreatedByKind, b.PlaceID, b.CreatedByID, b.Arrive, b.Depart})
		}
		// One booking, though the program confirmed twice with one key.
		want := []booked{{booking.StatusConfirmed, booking.PlaceBed, string(accounts.SubjectStaff), w.bed.ID, w.duty.ID, arrive, arrive.AddDays(3)}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("bookings (-want +got):\n%s", diff)
		}

		// The first hold became the booking and the second was released,
		// so no hold is left.
		n, err := db.NewSelect().Model((*booking.Hold)(nil)).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d holds left, want none", n)
		}
		// Releasing let the nights go in the hold store too, not only in
		// the table: the same nights can be held again at once.
		later := arrive.AddDays(3 + secondStayGap)
		if !strings.Contains(out.String(), "released hold") {
			t.Errorf("the output does not say a hold was released:\n%s", out.String())
		}
		again := booking.HoldRequest{PersonID: w.person.ID, Place: booking.Place{Kind: booking.PlaceBed, ID: w.bed.ID}, Arrive: later, Depart: later.AddDays(3)}
		if _, err := w.booking.CreateHold(ctx, w.duty, again); err != nil {
			t.Errorf("holding the released nights again: %v", err)
		}
	})
}

func TestRun_Usage(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		env  env
	}{
		{"no email", []string{"-person", "1"}, env{"RESPITE_PASSWORD": "x"}},
		{"no password", []string{"-email", "duty@example.org", "-person", "1"}, env{}},
		{"no person", []string{"-email", "duty@example.org"}, env{"RESPITE_PASSWORD": "x"}},
		{"bad date", []string{"-email", "duty@example.org", "-person", "1", "-arrive", "14/12/2026"}, env{"RESPITE_PASSWORD": "x"}},
		{"unknown flag", []string{"-mail", "duty@example.org"}, env{"RESPITE_PASSWORD": "x"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tt.args, tt.env.get, &out)
			if !errors.As(err, new(usageError)) {
				t.Errorf("run = %v, want a usage error", err)
			}
		})
	}
}

// env is the environment a test gives run.
type env map[string]string

func (e env) get(name string) string { return e[name] }
