package booking_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/redisstore"
	"github.com/respite-uk/respite/sharedlives"
)

// mkHost adds an approved host (review due in a year) who can take guests
// on the given date ranges.
func (f *fixture) mkHost(t testing.TB, name string, capacity int, skills, facts []string, ranges ...[2]string) sharedlives.Host {
	t.Helper()
	ctx := context.Background()
	now := f.clk.Now().UTC()
	approved, due := d("2026-12-01"), d("2027-12-01")
	confirmed := now
	h := sharedlives.Host{
		Name: name, Mobile: fmt.Sprintf("+447700900%03d", 500+mobileSeq.Add(1)%400), Postcode: "LS6 1AA",
		Latitude: 53.82, Longitude: -1.57, Capacity: capacity, Skills: skills, HomeFacts: facts,
		Offers: []string{sharedlives.OfferShortBreak, sharedlives.OfferEmergency}, AgeGroups: []string{"adults"},
		Status: sharedlives.StatusApproved, ApprovedOn: &approved, ReviewDue: &due, AvailabilityConfirmedAt: &confirmed,
		CreatedAt: now, UpdatedAt: now,
	}
	if h.Skills == nil {
		h.Skills = []string{}
	}
	if h.HomeFacts == nil {
		h.HomeFacts = []string{}
	}
	if _, err := f.db.NewInsert().Model(&h).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range ranges {
		if _, err := f.db.NewInsert().Model(&sharedlives.Range{HostID: h.ID, StartsOn: d(r[0]), EndsOn: d(r[1])}).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func hostPlace(h sharedlives.Host) booking.Place {
	return booking.Place{Kind: booking.PlaceHost, ID: h.ID}
}

func TestHosts_InSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		carer := f.mkCarer(t, 28)
		p := f.mkPerson(t, carer, "1960-01-01", []string{"epilepsy"}, []string{"no_pets"})
		// Available 1-10 April and 12-20 April: the 11th is not.
		ann := f.mkHost(t, "Ann Smith", 2, []string{"epilepsy", "medication"}, nil, [2]string{"2027-04-01", "2027-04-10"}, [2]string{"2027-04-12", "2027-04-20"})
		f.mkHost(t, "Bea Jones", 1, []string{"epilepsy"}, []string{"pets"}, [2]string{"2027-04-01", "2027-04-30"}) // has pets
		f.mkHost(t, "Cal Brown", 1, []string{"autism"}, nil, [2]string{"2027-04-01", "2027-04-30"})                // not trained in epilepsy
		stale := f.mkHost(t, "Dee Green", 1, []string{"epilepsy"}, nil, [2]string{"2027-04-01", "2027-04-30"})     // calendar stale
		old := f.clk.Now().Add(-61 * 24 * time.Hour)
		db.NewUpdate().Model((*sharedlives.Host)(nil)).Set("availability_confirmed_at = ?", old.UTC()).Where("id = ?", stale.ID).Exec(ctx)

		got, err := f.svc.Availability(ctx, carerActor(carer), booking.Search{PersonID: p.ID, Arrive: d("2027-04-03"), Depart: d("2027-04-06")})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"Shared Lives/Shared Lives host Ann", "Shared Lives/Shared Lives host Dee"}, names(got)); diff != "" {
			t.Fatalf("options (-want +got):\n%s", diff)
		}
		if !cmp.Equal(got[0].Reasons, []string{"Trained in epilepsy", "No pets", "Takes adults"}) {
			t.Errorf("reasons = %q", got[0].Reasons)
		}
		if last := got[1].Reasons[len(got[1].Reasons)-1]; !strings.Contains(last, "not confirmed") {
			t.Errorf("a stale host's reasons do not say so: %q", got[1].Reasons)
		}

		// Across the 11th, which Ann has not marked available, she is not offered.
		got, _ = f.svc.Availability(ctx, carerActor(carer), booking.Search{PersonID: p.ID, Arrive: d("2027-04-09"), Depart: d("2027-04-13")})
		for _, o := range got {
			if o.Place == hostPlace(ann) {
				t.Error("Ann was offered over a night she is not available")
			}
		}
		if _, err := f.svc.CreateHold(ctx, carerActor(carer), booking.HoldRequest{PersonID: p.ID, Place: hostPlace(ann), Arrive: d("2027-04-09"), Depart: d("2027-04-13")}); !errors.Is(err, booking.ErrNightsTaken) {
			t.Errorf("holding Ann over an unavailable night: %v", err)
		}
	})
}

func TestHosts_BookAndCancelTellTheHost(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		carer := f.mkCarer(t, 28)
		p := f.mkPerson(t, carer, "1960-01-01", nil, nil)
		ann := f.mkHost(t, "Ann Smith", 1, nil, nil, [2]string{"2027-04-01", "2027-04-30"})
		hold, err := f.svc.CreateHold(ctx, duty, booking.HoldRequest{PersonID: p.ID, Place: hostPlace(ann), Arrive: d("2027-04-03"), Depart: d("2027-04-05")})
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := f.svc.Confirm(ctx, duty, hold.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Cancel(ctx, duty, b.ID, "Host unwell"); err != nil {
			t.Fatal(err)
		}
		var texts []notify.Message
		db.NewSelect().Model(&texts).OrderExpr("id").Scan(ctx)
		var got []string
		for _, m := range texts {
			got = append(got, m.Template+" to "+m.Recipient)
		}
		want := []string{
			"booking_confirmed to " + carer.Mobile, "host_guest_booked to " + ann.Mobile,
			"booking_cancelled to " + carer.Mobile, "host_guest_cancelled to " + ann.Mobile,
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("texts (-want +got):\n%s", diff)
		}
		if strings.Contains(texts[1].Body, p.Name) || !strings.Contains(texts[0].Body, "Shared Lives host Ann") {
			t.Errorf("texts carry the wrong names: %q / %q", texts[0].Body, texts[1].Body)
		}
	})
}

// TestHosts_CapacityUnderConcurrentBooking: a host with room for 3 guests,
// 20 carers racing for overlapping stays through several instances. No night
// ever has more than 3 guests, and every loser hears the nights are taken.
func TestHosts_CapacityUnderConcurrentBooking(t *testing.T) {
	run := func(t *testing.T, db *bun.DB, holds booking.HoldStore) {
		f := newFixture(t, db, holds)
		ann := f.mkHost(t, "Ann Smith", 3, nil, nil, [2]string{"2027-04-01", "2027-04-30"})
		const racers = 20
		people := make([]booking.Person, racers)
		carers := make([]booking.Carer, racers)
		for i := range racers {
			carers[i] = f.mkCarer(t, 28)
			people[i] = f.mkPerson(t, carers[i], "1960-01-01", nil, nil)
		}
		instances := []*booking.Service{f.svc, f.with(), f.with()}
		var wg sync.WaitGroup
		errs := make([]error, racers)
		start := make(chan struct{})
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				svc, actor := instances[i%len(instances)], carerActor(carers[i])
				arrive := d("2027-04-05").AddDays(i % 3)
				<-start
				h, err := svc.CreateHold(context.Background(), actor, booking.HoldRequest{PersonID: people[i].ID, Place: hostPlace(ann), Arrive: arrive, Depart: arrive.AddDays(2)})
				if err == nil {
					_, _, err = svc.Confirm(context.Background(), actor, h.ID, "")
				}
				errs[i] = err
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range errs {
			if err == nil {
				won++
			} else if apperr.KindOf(err) != apperr.Conflict {
				t.Errorf("racer %d: %v, want a conflict", i, err)
			}
		}
		var perNight []struct {
			Night  calendar.Date `bun:"night"`
			Guests int           `bun:"guests"`
		}
		err := db.NewSelect().TableExpr("booking_nights").ColumnExpr("night, COUNT(*) AS guests").
			Where("place_kind = 'host' AND place_id = ?", ann.ID).GroupExpr("night").OrderExpr("night").Scan(context.Background(), &perNight)
		if err != nil {
			t.Fatal(err)
		}
		full := false
		for _, n := range perNight {
			if n.Guests > 3 {
				t.Errorf("%s has %d guests; Ann has room for 3", n.Night, n.Guests)
			}
			full = full || n.Guests == 3
		}
		if won < 3 || !full {
			t.Errorf("%d won and no night was full: the host's capacity was not used", won)
		}
		t.Logf("%d of %d racers booked; guests a night: %v", won, racers, perNight)
	}
	t.Run("sqlite with in-process holds", func(t *testing.T) { run(t, dbtest.SQLite(t), nil) })
	t.Run("postgres with redis holds", func(t *testing.T) {
		db := dbtest.Postgres(t)
		rdb, prefix := dbtest.Redis(t)
		run(t, db, redisstore.NewHoldStore(rdb, prefix))
	})
}

// TestConfirm_PlaceChangedWhileHeld: a bed made inactive, or a host
// suspended, in the minutes a hold was live cannot then be booked.
func TestConfirm_PlaceChangedWhileHeld(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		home := f.mkHome(t, "Home", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		ann := f.mkHost(t, "Ann Smith", 1, nil, nil, [2]string{"2027-04-01", "2027-04-30"})
		carer := f.mkCarer(t, 28)
		p := f.mkPerson(t, carer, "1960-01-01", nil, nil)

		bedHold, err := f.svc.CreateHold(ctx, duty, booking.HoldRequest{PersonID: p.ID, Place: booking.Place{Kind: "bed", ID: home.beds[0].ID}, Arrive: d("2027-04-03"), Depart: d("2027-04-05")})
		if err != nil {
			t.Fatal(err)
		}
		off := false
		if _, err := f.providers.UpdateBed(ctx, asAdmin, home.beds[0].ID, providers.BedPatch{Active: &off}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Confirm(ctx, duty, bedHold.ID, ""); !errors.Is(err, booking.ErrNightsTaken) || !strings.Contains(err.Error(), "no longer bookable") {
			t.Errorf("confirming a bed made inactive: %v", err)
		}

		hostHold, err := f.svc.CreateHold(ctx, duty, booking.HoldRequest{PersonID: p.ID, Place: hostPlace(ann), Arrive: d("2027-04-10"), Depart: d("2027-04-12")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewUpdate().Model((*sharedlives.Host)(nil)).Set("status = ?", sharedlives.StatusSuspended).Where("id = ?", ann.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Confirm(ctx, duty, hostHold.ID, ""); !errors.Is(err, booking.ErrNightsTaken) {
			t.Errorf("confirming a host suspended meanwhile: %v", err)
		}
		if n, _ := db.NewSelect().Model((*booking.Booking)(nil)).Count(ctx); n != 0 {
			t.Errorf("%d bookings made for places that changed", n)
		}
	})
}
