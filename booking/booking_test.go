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

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/redisstore"
)

func names(opts []booking.Option) []string {
	var out []string
	for _, o := range opts {
		out = append(out, o.Provider+"/"+o.Name)
	}
	return out
}

func TestAvailability(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		// Near: 1 km from the carer. Far: about 20 km.
		near := f.mkHome(t, "Near", 53.8098, -1.5491, providers.ProviderInput{Specialisms: []string{"dementia"}},
			providers.BedInput{BedType: "residential_dementia", Features: []string{"hoist"}},
			providers.BedInput{BedType: "residential_dementia", Features: []string{"hoist"}, EmergencyReserved: true},
			providers.BedInput{BedType: "residential"},
		)
		far := f.mkHome(t, "Far", 53.9800, -1.5491, providers.ProviderInput{Specialisms: []string{"dementia", "epilepsy"}},
			providers.BedInput{BedType: "nursing_dementia", Features: []string{"hoist", "en_suite"}},
		)
		f.mkHome(t, "Children's", 53.8010, -1.5490, providers.ProviderInput{AgeGroups: []string{"children"}},
			providers.BedInput{BedType: "residential"},
		)
		carer := f.mkCarer(t, 40)
		withDementia := f.mkPerson(t, carer, "1940-05-01", []string{"dementia"}, []string{"hoist"})
		stay := booking.Search{PersonID: withDementia.ID, Arrive: d("2027-04-03"), Depart: d("2027-04-05")}

		got, err := f.svc.Availability(ctx, carerActor(carer), stay)
		if err != nil {
			t.Fatal(err)
		}
		// Dementia beds with a hoist only; the emergency bed never; best
		// match first (a residential dementia bed is the closer kind), then nearest.
		if diff := cmp.Diff([]string{"Near/Room 1", "Far/Room 1"}, names(got)); diff != "" {
			t.Fatalf("options (-want +got):\n%s", diff)
		}
		if got[0].DistanceKm < 0.5 || got[0].DistanceKm > 1.5 || got[1].DistanceKm < 15 {
			t.Errorf("distances %v, %v", got[0].DistanceKm, got[1].DistanceKm)
		}
		if !cmp.Equal(got[0].Reasons, []string{"Residential dementia bed", "Specialises in dementia", "Has hoist", "Takes adults"}) {
			t.Errorf("reasons = %q", got[0].Reasons)
		}

		t.Run("booked and held nights are not offered", func(t *testing.T) {
			other := f.mkPerson(t, f.mkCarer(t, 40), "1945-01-01", []string{"dementia"}, nil)
			f.book(t, duty, other, near.beds[0], "2027-04-04", "2027-04-06")
			if _, err := f.svc.CreateHold(ctx, duty, booking.HoldRequest{PersonID: f.mkPerson(t, f.mkCarer(t, 40), "1945-01-01", []string{"dementia"}, nil).ID,
				Place: booking.Place{Kind: booking.PlaceBed, ID: far.beds[0].ID}, Arrive: d("2027-04-02"), Depart: d("2027-04-04")}); err != nil {
				t.Fatal(err)
			}
			got, _ := f.svc.Availability(ctx, carerActor(carer), stay)
			if len(got) != 0 {
				t.Errorf("offered %v though both beds are taken on some night", names(got))
			}
			n, _ := db.NewSelect().Table("unmet_searches").Count(ctx)
			if n != 1 {
				t.Errorf("unmet searches recorded = %d, want 1", n)
			}
		})

		t.Run("a child is offered only homes that take children", func(t *testing.T) {
			child := f.mkPerson(t, carer, "2015-06-01", nil, nil)
			got, _ := f.svc.Availability(ctx, carerActor(carer), booking.Search{PersonID: child.ID, Arrive: d("2027-05-03"), Depart: d("2027-05-04")})
			if diff := cmp.Diff([]string{"Children's/Room 1"}, names(got)); diff != "" {
				t.Errorf("options for a child (-want +got):\n%s", diff)
			}
		})

		t.Run("outside every contract", func(t *testing.T) {
			got, _ := f.svc.Availability(ctx, carerActor(carer), booking.Search{PersonID: withDementia.ID, Arrive: d("2027-12-30"), Depart: d("2028-01-02")})
			if len(got) != 0 {
				t.Errorf("offered %v for nights no contract covers", names(got))
			}
		})
	})
}

func TestRules(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t), nil)
	ctx := context.Background()
	h := f.mkHome(t, "Home", 53.8, -1.55, providers.ProviderInput{Specialisms: []string{"dementia"}},
		providers.BedInput{BedType: "residential"},
		providers.BedInput{BedType: "residential", EmergencyReserved: true},
		providers.BedInput{BedType: "residential_dementia"},
	)
	carer := f.mkCarer(t, 3)
	p := f.mkPerson(t, carer, "1950-01-01", nil, nil)
	hold := func(bed providers.Bed, arrive, depart string) error {
		_, err := f.svc.CreateHold(ctx, carerActor(carer), booking.HoldRequest{PersonID: p.ID, Place: booking.Place{Kind: booking.PlaceBed, ID: bed.ID}, Arrive: d(arrive), Depart: d(depart)})
		return err
	}
	tests := []struct {
		name           string
		bed            providers.Bed
		arrive, depart string
		want           error
		words          string
	}{
		{"today", h.beds[0], "2027-03-01", "2027-03-02", nil, "at the earliest"},
		{"more than a year ahead", h.beds[0], "2028-03-02", "2028-03-03", nil, "up to a year ahead"},
		{"too long", h.beds[0], "2027-04-01", "2027-04-20", nil, "at most 14 nights"},
		{"departs before it arrives", h.beds[0], "2027-04-05", "2027-04-05", nil, "after the arrival"},
		{"over the allowance", h.beds[0], "2027-04-01", "2027-04-06", booking.ErrAllowance, "This stay would use 5 nights; 3 remain in this allowance year"},
		{"kept for emergencies", h.beds[1], "2027-04-01", "2027-04-02", booking.ErrEmergencyOnly, "emergencies"},
		{"unsuitable", h.beds[2], "2027-04-01", "2027-04-02", booking.ErrUnsuitable, "residential dementia bed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := hold(tt.bed, tt.arrive, tt.depart)
			if apperr.KindOf(err) != apperr.Invalid || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("err = %v, want an Invalid error (%v)", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.words) {
				t.Errorf("message %q does not say %q", err, tt.words)
			}
		})
	}
	if n, _ := f.db.NewSelect().Table("holds").Count(ctx); n != 0 {
		t.Errorf("refused holds left %d rows", n)
	}

	t.Run("the person already has a stay", func(t *testing.T) {
		f.book(t, carerActor(carer), p, h.beds[0], "2027-04-01", "2027-04-02")
		other := f.mkHome(t, "Other", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		err := hold(other.beds[0], "2027-04-01", "2027-04-03")
		if !errors.Is(err, booking.ErrOtherStay) {
			t.Errorf("err = %v, want ErrOtherStay", err)
		}
	})
}

func TestConfirm(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		h := f.mkHome(t, "Oakwood House", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		carer := f.mkCarer(t, 10)
		p := f.mkPerson(t, carer, "1950-01-01", nil, nil)
		actor := carerActor(carer)

		// 3 to 6 March: in the allowance year running to 31 March.
		hold, err := f.svc.CreateHold(ctx, actor, booking.HoldRequest{PersonID: p.ID, Place: booking.Place{Kind: "bed", ID: h.beds[0].ID}, Arrive: d("2027-03-03"), Depart: d("2027-03-06")})
		if err != nil {
			t.Fatal(err)
		}
		if !hold.ExpiresAt.Equal(f.clk.Now().Add(10 * time.Minute)) {
			t.Errorf("hold expires %v, want in 10 minutes", hold.ExpiresAt)
		}
		a, _ := f.svc.Allowance(ctx, actor, carer.ID)
		if a.Held != 3 || a.Remaining != 7 {
			t.Errorf("allowance while held = %+v", a)
		}

		b, created, err := f.svc.Confirm(ctx, actor, hold.ID, "key-1")
		if err != nil || !created {
			t.Fatalf("Confirm = %v, %v", created, err)
		}
		if b.Status != "confirmed" || b.Kind != "planned" || b.Nights != 3 || b.NightlyRatePence != 15000 || b.CreatedByKind != "carer" || len(b.Reference) != 7 || strings.ContainsAny(b.Reference, "01IO") {
			t.Errorf("booking = %+v", b)
		}
		again, created, err := f.svc.Confirm(ctx, actor, hold.ID, "key-1")
		if err != nil || created || again.ID != b.ID {
			t.Errorf("the same Idempotency-Key again = %d (created %v), %v; want booking %d", again.ID, created, err, b.ID)
		}
		if _, _, err := f.svc.Confirm(ctx, actor, hold.ID, ""); !errors.Is(err, booking.ErrHoldNotFound) {
			t.Errorf("a used hold: %v, want ErrHoldNotFound", err)
		}
		var m notify.Message
		if err := db.NewSelect().Model(&m).Where("dedupe_key = ?", fmt.Sprintf("booking:%d:confirmed", b.ID)).Scan(ctx); err != nil {
			t.Fatalf("no confirmation text queued: %v", err)
		}
		if m.Recipient != carer.Mobile || !strings.Contains(m.Body, b.Reference) || !strings.Contains(m.Body, "Oakwood House") {
			t.Errorf("confirmation text = %+v", m)
		}
		a, _ = f.svc.Allowance(ctx, actor, carer.ID)
		if a.Booked != 3 || a.Held != 0 || a.Remaining != 7 {
			t.Errorf("allowance after booking = %+v", a)
		}

		t.Run("an expired hold", func(t *testing.T) {
			hold, err := f.svc.CreateHold(ctx, actor, booking.HoldRequest{PersonID: p.ID, Place: booking.Place{Kind: "bed", ID: h.beds[0].ID}, Arrive: d("2027-05-03"), Depart: d("2027-05-04")})
			if err != nil {
				t.Fatal(err)
			}
			f.clk.Set(f.clk.Now().Add(11 * time.Minute))
			defer f.clk.Set(f.clk.Now().Add(-11 * time.Minute))
			if _, _, err := f.svc.Confirm(ctx, actor, hold.ID, ""); !errors.Is(err, booking.ErrHoldExpired) {
				t.Errorf("err = %v, want ErrHoldExpired", err)
			}
		})
	})
}

// TestConcurrentBookings races many carers for overlapping stays on one
// bed, through several service instances sharing the database (and Redis,
// where there is one). Exactly the stays that do not overlap a winner win;
// every loser is told the nights are taken; no night is booked twice.
func TestConcurrentBookings(t *testing.T) {
	run := func(t *testing.T, db *bun.DB, holds booking.HoldStore) {
		f := newFixture(t, db, holds)
		h := f.mkHome(t, "Race Home", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		bed := h.beds[0]
		const racers = 40
		people := make([]booking.Person, racers)
		carers := make([]booking.Carer, racers)
		for i := range racers {
			carers[i] = f.mkCarer(t, 28)
			people[i] = f.mkPerson(t, carers[i], "1950-01-01", nil, nil)
		}
		instances := []*booking.Service{f.svc, f.with(), f.with(), f.with()}

		var wg sync.WaitGroup
		results := make([]error, racers)
		start := make(chan struct{})
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				svc := instances[i%len(instances)]
				actor := carerActor(carers[i])
				// Stays of 1 to 3 nights starting 3-6 April: all overlap others.
				arrive := d("2027-04-03").AddDays(i % 4)
				depart := arrive.AddDays(1 + i%3)
				<-start
				hold, err := svc.CreateHold(context.Background(), actor, booking.HoldRequest{PersonID: people[i].ID, Place: booking.Place{Kind: "bed", ID: bed.ID}, Arrive: arrive, Depart: depart})
				if err == nil {
					_, _, err = svc.Confirm(context.Background(), actor, hold.ID, "")
				}
				results[i] = err
			}()
		}
		close(start)
		wg.Wait()

		won := 0
		for i, err := range results {
			switch {
			case err == nil:
				won++
			case apperr.KindOf(err) != apperr.Conflict:
				t.Errorf("racer %d lost with %v, want a conflict (409)", i, err)
			}
		}
		if won == 0 {
			t.Fatal("nobody won the bed")
		}
		ctx := context.Background()
		var nights []booking.Night
		if err := db.NewSelect().Model(&nights).Where("place_id = ?", bed.ID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, n := range nights {
			if seen[n.Night.String()] {
				t.Errorf("night %s booked twice", n.Night)
			}
			seen[n.Night.String()] = true
		}
		var bookings []booking.Booking
		db.NewSelect().Model(&bookings).Where("place_id = ?", bed.ID).Scan(ctx)
		total := 0
		for _, b := range bookings {
			total += b.Nights
		}
		if len(bookings) != won || total != len(nights) {
			t.Errorf("%d winners, %d bookings of %d nights in all, %d night rows", won, len(bookings), total, len(nights))
		}
		t.Logf("%d of %d racers booked; %d nights taken", won, racers, len(nights))
	}
	t.Run("sqlite with in-process holds", func(t *testing.T) { run(t, dbtest.SQLite(t), nil) })
	t.Run("postgres with redis holds", func(t *testing.T) {
		db := dbtest.Postgres(t)
		rdb, prefix := dbtest.Redis(t)
		run(t, db, redisstore.NewHoldStore(rdb, prefix))
	})
}

// TestDatabaseAloneRefusesDoubleBooking bypasses the hold layer entirely:
// a hold row written straight into the table for nights already booked. The
// booking's night rows still refuse it.
func TestDatabaseAloneRefusesDoubleBooking(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		h := f.mkHome(t, "Home", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		first := f.mkCarer(t, 28)
		f.book(t, duty, f.mkPerson(t, first, "1950-01-01", nil, nil), h.beds[0], "2027-04-03", "2027-04-06")

		second := f.mkCarer(t, 28)
		p := f.mkPerson(t, second, "1950-01-01", nil, nil)
		now := f.clk.Now().UTC()
		forged := booking.Hold{ID: "forged", PersonID: p.ID, CarerID: second.ID, PlaceKind: "bed", PlaceID: h.beds[0].ID,
			Arrive: d("2027-04-05"), Depart: d("2027-04-07"), CreatedByKind: "staff", CreatedByID: 1, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if _, err := db.NewInsert().Model(&forged).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		_, _, err := f.svc.Confirm(ctx, duty, "forged", "")
		if !errors.Is(err, booking.ErrNightsTaken) {
			t.Fatalf("confirming over a booked night = %v, want ErrNightsTaken", err)
		}
		n, _ := db.NewSelect().Model((*booking.Booking)(nil)).Count(ctx)
		if n != 1 {
			t.Errorf("bookings = %d, want 1: the refused one must leave nothing", n)
		}
		m, _ := db.NewSelect().Model((*notify.Message)(nil)).Count(ctx)
		if m != 1 {
			t.Errorf("texts queued = %d, want 1: the refused booking's text must not be queued", m)
		}
	})
}

func TestCancel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		h := f.mkHome(t, "Home", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		carer := f.mkCarer(t, 10)
		p := f.mkPerson(t, carer, "1950-01-01", nil, nil)
		actor := carerActor(carer)
		b := f.book(t, actor, p, h.beds[0], "2027-04-03", "2027-04-06")

		got, err := f.svc.Cancel(ctx, actor, b.ID, "")
		if err != nil || got.Status != "cancelled" || !got.AllowanceRestored || got.CancelledByKind == nil || *got.CancelledByKind != "carer" {
			t.Fatalf("Cancel = %+v, %v", got, err)
		}
		if a, _ := f.svc.Allowance(ctx, actor, carer.ID); a.Booked != 0 || a.Remaining != 10 {
			t.Errorf("allowance after cancelling = %+v", a)
		}
		if opts, _ := f.svc.Availability(ctx, actor, booking.Search{PersonID: p.ID, Arrive: d("2027-04-03"), Depart: d("2027-04-06")}); len(opts) != 1 {
			t.Errorf("the freed nights are not offered again: %v", names(opts))
		}
		if n, _ := db.NewSelect().Model((*notify.Message)(nil)).Where("dedupe_key = ?", fmt.Sprintf("booking:%d:cancelled", b.ID)).Count(ctx); n != 1 {
			t.Error("no cancellation text queued")
		}
		if _, err := f.svc.Cancel(ctx, actor, b.ID, ""); !errors.Is(err, booking.ErrAlreadyCancelled) {
			t.Errorf("cancelling twice: %v", err)
		}

		b2 := f.book(t, actor, p, h.beds[0], "2027-04-03", "2027-04-04")
		f.clk.Set(london("2027-04-01 12:00")) // 36 hours before arrival
		if _, err := f.svc.Cancel(ctx, actor, b2.ID, ""); !errors.Is(err, booking.ErrCancelTooLate) {
			t.Errorf("a carer cancelling inside 48 hours: %v, want ErrCancelTooLate", err)
		}
		if _, err := f.svc.Cancel(ctx, duty, b2.ID, ""); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("staff cancelling without a reason: %v", err)
		}
		got, err = f.svc.Cancel(ctx, duty, b2.ID, "Carer rang: unwell")
		if err != nil || got.CancelReason == nil || *got.CancelReason != "Carer rang: unwell" {
			t.Errorf("staff cancel = %+v, %v", got, err)
		}
	})
}

func TestCarersSeeOnlyTheirOwn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		h := f.mkHome(t, "Home", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"}, providers.BedInput{BedType: "residential"})
		alice, bob := f.mkCarer(t, 28), f.mkCarer(t, 28)
		alicesMum := f.mkPerson(t, alice, "1940-01-01", nil, nil)
		bobsDad := f.mkPerson(t, bob, "1940-01-01", nil, nil)
		bobsBooking := f.book(t, carerActor(bob), bobsDad, h.beds[0], "2027-04-03", "2027-04-05")
		bobsHold, err := f.svc.CreateHold(ctx, carerActor(bob), booking.HoldRequest{PersonID: bobsDad.ID, Place: booking.Place{Kind: "bed", ID: h.beds[1].ID}, Arrive: d("2027-05-03"), Depart: d("2027-05-04")})
		if err != nil {
			t.Fatal(err)
		}
		asAlice := carerActor(alice)

		checks := []struct {
			name string
			err  error
			want error
		}{
			{"search for Bob's dad", func() error {
				_, err := f.svc.Availability(ctx, asAlice, booking.Search{PersonID: bobsDad.ID, Arrive: d("2027-06-01"), Depart: d("2027-06-02")})
				return err
			}(), booking.ErrPersonNotFound},
			{"hold for Bob's dad", func() error {
				_, err := f.svc.CreateHold(ctx, asAlice, booking.HoldRequest{PersonID: bobsDad.ID, Place: booking.Place{Kind: "bed", ID: h.beds[1].ID}, Arrive: d("2027-06-01"), Depart: d("2027-06-02")})
				return err
			}(), booking.ErrPersonNotFound},
			{"confirm Bob's hold", func() error { _, _, err := f.svc.Confirm(ctx, asAlice, bobsHold.ID, ""); return err }(), booking.ErrHoldNotFound},
			{"release Bob's hold", f.svc.ReleaseHold(ctx, asAlice, bobsHold.ID), booking.ErrHoldNotFound},
			{"read Bob's booking", func() error { _, err := f.svc.Booking(ctx, asAlice, bobsBooking.ID); return err }(), booking.ErrBookingNotFound},
			{"cancel Bob's booking", func() error { _, err := f.svc.Cancel(ctx, asAlice, bobsBooking.ID, ""); return err }(), booking.ErrBookingNotFound},
			{"read Bob's allowance", func() error { _, err := f.svc.Allowance(ctx, asAlice, bob.ID); return err }(), booking.ErrCarerNotFound},
		}
		for _, c := range checks {
			if !errors.Is(c.err, c.want) || apperr.KindOf(c.err) != apperr.NotFound {
				t.Errorf("Alice tries to %s: %v, want %v (404)", c.name, c.err, c.want)
			}
		}
		page, err := f.svc.Bookings(ctx, asAlice, booking.BookingFilter{})
		if err != nil || len(page.Items) != 0 {
			t.Errorf("Alice's list shows %d bookings (%v), want none of Bob's", len(page.Items), err)
		}
		if b, _ := f.svc.Booking(ctx, carerActor(bob), bobsBooking.ID); b.ID != bobsBooking.ID {
			t.Error("Bob cannot read his own booking")
		}
		coordinator := accounts.Principal{Kind: accounts.SubjectStaff, ID: 9, Role: accounts.RoleCoordinator}
		if _, err := f.svc.Availability(ctx, coordinator, booking.Search{PersonID: alicesMum.ID, Arrive: d("2027-06-01"), Depart: d("2027-06-02")}); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("a shared-lives coordinator searching for a carer's person: %v, want Forbidden", err)
		}
	})
}

func TestSendReminders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		h := f.mkHome(t, "Home", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		carer := f.mkCarer(t, 28)
		p := f.mkPerson(t, carer, "1950-01-01", nil, nil)
		// Booked on 1 March for stays around the clock change (28 March 2027).
		week := f.book(t, duty, p, h.beds[0], "2027-04-03", "2027-04-05")
		day := f.book(t, duty, p, h.beds[0], "2027-03-28", "2027-03-30")
		done := f.book(t, duty, p, h.beds[0], "2027-03-24", "2027-03-26")

		keys := func() []string {
			var ks []string
			db.NewSelect().Model((*notify.Message)(nil)).Column("dedupe_key").Where("template <> ?", notify.TemplateBookingConfirmed).OrderExpr("dedupe_key").Scan(ctx, &ks)
			return ks
		}
		// Saturday 27 March 2027, the eve of the clocks going forward.
		f.clk.Set(london("2027-03-27 09:00"))
		for range 2 { // twice: the second run must add nothing
			if err := f.svc.SendReminders(ctx); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{ // in dedupe key order
			fmt.Sprintf("booking:%d:reminder-week", week.ID),
			fmt.Sprintf("booking:%d:reminder-day", day.ID),
			fmt.Sprintf("booking:%d:follow-up", done.ID),
		}
		if diff := cmp.Diff(want, keys()); diff != "" {
			t.Errorf("texts queued (-want +got):\n%s", diff)
		}
		// On the last Sunday of October the job finds nothing new to say.
		f.clk.Set(london("2027-10-31 09:00"))
		f.svc.SendReminders(ctx)
		if n := len(keys()); n != 3 {
			t.Errorf("%d texts after an idle day, want still 3", n)
		}
	})
}

// TestConfirm_Races: a double click, and a retry sent while the first
// request is still running, each make exactly one booking. With an
// Idempotency-Key the retry gets that booking back, even when the first
// used the last nights of the allowance.
func TestConfirm_Races(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		h := f.mkHome(t, "Home", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		for _, key := range []string{"", "retry-key"} {
			carer := f.mkCarer(t, 3) // exactly the stay's nights
			p := f.mkPerson(t, carer, "1950-01-01", nil, nil)
			actor := carerActor(carer)
			arrive := "2027-04-03"
			if key != "" {
				arrive = "2027-05-03"
			}
			hold, err := f.svc.CreateHold(ctx, actor, booking.HoldRequest{PersonID: p.ID, Place: booking.Place{Kind: "bed", ID: h.beds[0].ID}, Arrive: d(arrive), Depart: d(arrive).AddDays(3)})
			if err != nil {
				t.Fatal(err)
			}
			const tries = 5
			var wg sync.WaitGroup
			results := make([]booking.Booking, tries)
			errs := make([]error, tries)
			for i := range tries {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i], _, errs[i] = f.with().Confirm(ctx, actor, hold.ID, key)
				}()
			}
			wg.Wait()
			ids := map[int64]bool{}
			for i := range tries {
				switch {
				case errs[i] == nil:
					ids[results[i].ID] = true
				case key != "":
					t.Errorf("with a key, try %d: %v; want the same booking back", i, errs[i])
				case !errors.Is(errs[i], booking.ErrHoldNotFound):
					t.Errorf("without a key, try %d: %v; want ErrHoldNotFound (the hold was used)", i, errs[i])
				}
			}
			n, _ := db.NewSelect().Model((*booking.Booking)(nil)).Where("carer_id = ?", carer.ID).Count(ctx)
			if n != 1 || len(ids) != 1 {
				t.Errorf("key %q: %d bookings made, %d distinct returned; want exactly one", key, n, len(ids))
			}
		}
	})
}

func TestCancel_WithdrawsReminders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		h := f.mkHome(t, "Home", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		carer := f.mkCarer(t, 28)
		b := f.book(t, duty, f.mkPerson(t, carer, "1950-01-01", nil, nil), h.beds[0], "2027-04-03", "2027-04-05")
		// On the evening before arrival the day's reminder waits for morning.
		f.clk.Set(london("2027-04-02 21:00"))
		f.svc.SendReminders(ctx)
		if _, err := f.svc.Cancel(ctx, duty, b.ID, "Carer rang"); err != nil {
			t.Fatal(err)
		}
		var m notify.Message
		if err := db.NewSelect().Model(&m).Where("dedupe_key = ?", fmt.Sprintf("booking:%d:reminder-day", b.ID)).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if m.Status != notify.StatusSuppressed {
			t.Errorf("the queued reminder is %s after the cancellation, want suppressed", m.Status)
		}
	})
}
