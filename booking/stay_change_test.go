package booking_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/sharedlives"
)

var admin = accounts.Principal{Kind: accounts.SubjectStaff, ID: 2, Name: "Ali", Role: accounts.RoleAdmin}

// state is everything a change could touch: a refused change must leave
// it as it was.
type state struct {
	Bookings []booking.Booking
	Nights   []booking.Night
	Texts    int64
	Audit    int64
}

func (f *fixture) state(t testing.TB) state {
	t.Helper()
	ctx := context.Background()
	var s state
	if err := f.db.NewSelect().Model(&s.Bookings).OrderExpr("id").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.db.NewSelect().Model(&s.Nights).OrderExpr("place_kind, place_id, night, slot").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var err error
	if s.Texts, err = f.db.NewSelect().Model((*notify.Message)(nil)).Count(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Audit, err = f.db.NewSelect().Model((*audit.Entry)(nil)).Count(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// refused checks that err is of kind want and, when words is not empty,
// says them, and that nothing changed since before.
func (f *fixture) refused(t *testing.T, before state, err error, want apperr.Kind, words string) {
	t.Helper()
	if err == nil || apperr.KindOf(err) != want {
		t.Fatalf("err = %v, want kind %v", err, want)
	}
	if words != "" && !strings.Contains(err.Error(), words) {
		t.Errorf("message %q does not say %q", err, words)
	}
	if diff := cmp.Diff(before, f.state(t)); diff != "" {
		t.Errorf("a refused change changed things (-before +after):\n%s", diff)
	}
}

// nightsOf lists a booking's nights as "2027-04-03/0" (night/slot).
func (f *fixture) nightsOf(t testing.TB, bookingID int64) []string {
	t.Helper()
	var ns []booking.Night
	if err := f.db.NewSelect().Model(&ns).Where("booking_id = ?", bookingID).OrderExpr("night").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, n := range ns {
		out = append(out, fmt.Sprintf("%s/%d", n.Night, n.Slot))
	}
	return out
}

func (f *fixture) reread(t testing.TB, id int64) booking.Booking {
	t.Helper()
	var b booking.Booking
	if err := f.db.NewSelect().Model(&b).Where("id = ?", id).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return b
}

// lastAudit is the newest audit entry.
func (f *fixture) lastAudit(t testing.TB) audit.Entry {
	t.Helper()
	var e audit.Entry
	if err := f.db.NewSelect().Model(&e).OrderExpr("id DESC").Limit(1).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

// lastText is the newest text to phone.
func (f *fixture) lastText(t testing.TB, phone string) notify.Message {
	t.Helper()
	var m notify.Message
	if err := f.db.NewSelect().Model(&m).Where("recipient = ?", phone).OrderExpr("id DESC").Limit(1).Scan(context.Background()); err != nil {
		t.Fatalf("no text to %s: %v", phone, err)
	}
	return m
}

// bookHost holds and confirms a stay with a host.
func (f *fixture) bookHost(t testing.TB, p booking.Person, h sharedlives.Host, arrive, depart string) booking.Booking {
	t.Helper()
	ctx := context.Background()
	hold, err := f.svc.CreateHold(ctx, duty, booking.HoldRequest{PersonID: p.ID, Place: hostPlace(h), Arrive: d(arrive), Depart: d(depart)})
	if err != nil {
		t.Fatalf("hold %s..%s with %s: %v", arrive, depart, h.Name, err)
	}
	b, _, err := f.svc.Confirm(ctx, duty, hold.ID, "")
	if err != nil {
		t.Fatalf("confirm %s..%s with %s: %v", arrive, depart, h.Name, err)
	}
	return b
}

// bookedIn is the nights booked in the carer's allowance year holding day.
func (f *fixture) bookedIn(t testing.TB, c booking.Carer, day string) int {
	t.Helper()
	years, err := f.svc.AllowanceYears(context.Background(), duty, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range years {
		if !d(day).Before(a.YearStarts) && !d(day).After(a.YearEnds) {
			return a.Booked
		}
	}
	t.Fatalf("no allowance year holds %s", day)
	return 0
}

func bedPlace(b providers.Bed) booking.Place { return booking.Place{Kind: booking.PlaceBed, ID: b.ID} }

func TestStayChange_Extend(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		h := f.mkHome(t, "Oakwood", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"}, providers.BedInput{BedType: "residential"})
		carer := f.mkCarer(t, 10)
		p := f.mkPerson(t, carer, "1950-01-01", nil, nil)
		b := f.book(t, duty, p, h.beds[0], "2027-04-03", "2027-04-05")

		got, err := f.svc.Extend(ctx, duty, b.ID, booking.StayExtension{Depart: d("2027-04-07"), Reason: "Carer's operation moved"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Arrive != d("2027-04-03") || got.Depart != d("2027-04-07") || got.Nights != 4 || got.Status != booking.StatusConfirmed || got.Reference != b.Reference {
			t.Errorf("extended = %+v", got)
		}
		if diff := cmp.Diff([]string{"2027-04-03/0", "2027-04-04/0", "2027-04-05/0", "2027-04-06/0"}, f.nightsOf(t, b.ID)); diff != "" {
			t.Errorf("nights (-want +got):\n%s", diff)
		}
		if got := f.bookedIn(t, carer, "2027-04-03"); got != 4 {
			t.Errorf("allowance booked = %d, want 4", got)
		}
		if m := f.lastText(t, carer.Mobile); !strings.Contains(m.Body, "Wed 7 Apr") {
			t.Errorf("the carer's text does not give the new departure: %q", m.Body)
		}
		if e := f.lastAudit(t); e.Action != audit.BookingExtended || e.TargetID != b.ID || !strings.Contains(e.Reason, "Carer's operation moved") {
			t.Errorf("audit = %+v", e)
		}

		// And at the start: a day earlier.
		got, err = f.svc.Extend(ctx, admin, b.ID, booking.StayExtension{Arrive: d("2027-04-02"), Reason: "Earlier flight"})
		if err != nil || got.Arrive != d("2027-04-02") || got.Nights != 5 {
			t.Fatalf("extend at the start = %+v, %v", got, err)
		}

		// Refusals: each answers with the reason and changes nothing.
		other := f.mkPerson(t, f.mkCarer(t, 28), "1950-01-01", nil, nil)
		f.book(t, duty, other, h.beds[0], "2027-04-08", "2027-04-10")
		otherBed := f.book(t, duty, p, h.beds[1], "2027-04-12", "2027-04-13") // the same person, elsewhere
		held := f.mkPerson(t, f.mkCarer(t, 28), "1950-01-01", nil, nil)
		if _, err := f.svc.CreateHold(ctx, duty, booking.HoldRequest{PersonID: held.ID, Place: bedPlace(h.beds[0]), Arrive: d("2027-03-30"), Depart: d("2027-04-01")}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name  string
			actor accounts.Principal
			x     booking.StayExtension
			want  apperr.Kind
			words string
		}{
			{"onto a night booked by someone else", duty, booking.StayExtension{Depart: d("2027-04-09"), Reason: "r"}, apperr.Conflict, "not free"},
			{"onto a night held by someone else", duty, booking.StayExtension{Arrive: d("2027-03-31"), Reason: "r"}, apperr.Conflict, "not free"},
			{"longer than a planned stay may be", duty, booking.StayExtension{Arrive: d("2027-03-20"), Reason: "r"}, apperr.Invalid, "at most 14 nights"},
			{"sooner than the lead time", duty, booking.StayExtension{Arrive: d("2027-03-01"), Reason: "r"}, apperr.Invalid, "at the earliest"},
			{"a departure that is not later", duty, booking.StayExtension{Depart: d("2027-04-06"), Reason: "r"}, apperr.Invalid, "must be after"},
			{"without a reason", duty, booking.StayExtension{Depart: d("2027-04-08")}, apperr.Invalid, "Say why"},
			{"without dates", duty, booking.StayExtension{Reason: "r"}, apperr.Invalid, "new departure date"},
			{"by a carer", carerActor(carer), booking.StayExtension{Depart: d("2027-04-08"), Reason: "r"}, apperr.Forbidden, "ring the booking line"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := f.state(t)
				_, err := f.svc.Extend(ctx, tt.actor, b.ID, tt.x)
				f.refused(t, before, err, tt.want, tt.words)
			})
		}
		t.Run("onto the person's own other stay", func(t *testing.T) {
			mid := f.book(t, duty, p, h.beds[1], "2027-04-10", "2027-04-11")
			before := f.state(t)
			_, err := f.svc.Extend(ctx, duty, otherBed.ID, booking.StayExtension{Arrive: d("2027-04-10"), Reason: "r"})
			f.refused(t, before, err, apperr.Conflict, "")
			if !errors.Is(err, booking.ErrOtherStay) {
				t.Errorf("err = %v, want ErrOtherStay", err)
			}
			_ = mid
		})
		t.Run("over the allowance", func(t *testing.T) {
			small := f.mkCarer(t, 3)
			q := f.mkPerson(t, small, "1950-01-01", nil, nil)
			sb := f.book(t, duty, q, h.beds[1], "2027-05-03", "2027-05-06")
			before := f.state(t)
			_, err := f.svc.Extend(ctx, duty, sb.ID, booking.StayExtension{Depart: d("2027-05-07"), Reason: "r"})
			f.refused(t, before, err, apperr.Invalid, "This stay would use 1 night; 0 remain")
		})
		t.Run("a cancelled stay", func(t *testing.T) {
			cb := f.book(t, duty, other, h.beds[1], "2027-06-03", "2027-06-04")
			if _, err := f.svc.Cancel(ctx, duty, cb.ID, "rang"); err != nil {
				t.Fatal(err)
			}
			before := f.state(t)
			_, err := f.svc.Extend(ctx, duty, cb.ID, booking.StayExtension{Depart: d("2027-06-05"), Reason: "r"})
			f.refused(t, before, err, apperr.Conflict, "cancelled")
		})
	})
}

// TestStayChange_ExtendEmergency: an emergency stay placed days ago is
// extended onto the bed kept for emergencies, although an emergency
// placement must start within two days; only duty staff may do that.
func TestStayChange_ExtendEmergency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		f.clk.Set(london("2027-04-03 22:00"))
		h := f.mkHome(t, "Meadow View", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential", EmergencyReserved: true})
		carer := f.mkCarer(t, 2)
		p := f.mkPerson(t, carer, "1950-01-01", nil, nil)
		b, err := f.svc.PlaceEmergency(ctx, duty, booking.EmergencyRequest{PersonID: p.ID, Place: bedPlace(h.beds[0]), Arrive: d("2027-04-03"), Depart: d("2027-04-05"), Reason: "Carer in hospital"})
		if err != nil {
			t.Fatal(err)
		}
		f.clk.Set(london("2027-04-04 15:00")) // a day in; an emergency placement now could not start on the 3rd
		before := f.state(t)
		_, err = f.svc.Extend(ctx, admin, b.ID, booking.StayExtension{Depart: d("2027-04-09"), Reason: "Carer still in hospital"})
		f.refused(t, before, err, apperr.Forbidden, "only the duty team")
		got, err := f.svc.Extend(ctx, duty, b.ID, booking.StayExtension{Depart: d("2027-04-09"), Reason: "Carer still in hospital"})
		if err != nil {
			t.Fatalf("duty extending an emergency stay on its reserved bed, the day after it started: %v", err)
		}
		if got.Nights != 6 || len(f.nightsOf(t, b.ID)) != 6 {
			t.Errorf("extended = %+v, nights %v", got, f.nightsOf(t, b.ID))
		}
		if a, _ := f.svc.Allowance(ctx, duty, carer.ID); a.Booked != 6 || a.Remaining != -4 {
			t.Errorf("allowance = %+v: an emergency stay's nights are recorded, not limited", a)
		}
		before = f.state(t)
		_, err = f.svc.Extend(ctx, duty, b.ID, booking.StayExtension{Depart: d("2027-05-03"), Reason: "r"})
		f.refused(t, before, err, apperr.Invalid, "at most 28 nights")

		// Once it has ended, it is over: a new stay is a new placement.
		f.clk.Set(london("2027-04-10 15:00"))
		before = f.state(t)
		_, err = f.svc.Extend(ctx, duty, b.ID, booking.StayExtension{Depart: d("2027-04-12"), Reason: "r"})
		f.refused(t, before, err, apperr.Conflict, "Book a new stay")
	})
}

func TestStayChange_EndEarly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		h := f.mkHome(t, "Oakwood", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		carer := f.mkCarer(t, 28)
		p := f.mkPerson(t, carer, "1950-01-01", nil, nil)
		b := f.book(t, duty, p, h.beds[0], "2027-04-03", "2027-04-10")
		f.clk.Set(london("2027-04-05 12:00")) // two nights spent

		refusals := []struct {
			name   string
			on     string
			reason string
			words  string
		}{
			{"before any night", "2027-04-03", "r", "at the earliest"},
			{"on its departure", "2027-04-10", "r", "already ends"},
			{"over nights already spent", "2027-04-04", "r", "Nights already spent"},
			{"without a reason", "2027-04-06", "", "Say why"},
		}
		for _, tt := range refusals {
			t.Run(tt.name, func(t *testing.T) {
				before := f.state(t)
				_, err := f.svc.EndEarly(ctx, duty, b.ID, d(tt.on), tt.reason)
				f.refused(t, before, err, apperr.Invalid, tt.words)
			})
		}

		got, err := f.svc.EndEarly(ctx, duty, b.ID, d("2027-04-06"), "Mum wanted to go home")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != booking.StatusConfirmed || got.Depart != d("2027-04-06") || got.Nights != 3 || got.BookedDepart != d("2027-04-10") || got.EndedEarlyAt == nil {
			t.Errorf("ended early = %+v", got)
		}
		if diff := cmp.Diff([]string{"2027-04-03/0", "2027-04-04/0", "2027-04-05/0"}, f.nightsOf(t, b.ID)); diff != "" {
			t.Errorf("nights kept (-want +got):\n%s", diff)
		}
		// By default the freed nights go back to the allowance.
		if a, _ := f.svc.Allowance(ctx, duty, carer.ID); a.Booked != 3 {
			t.Errorf("allowance booked = %d, want the 3 nights used", a.Booked)
		}
		if e := f.lastAudit(t); e.Action != audit.BookingEndedEarly || !strings.Contains(e.Reason, "4 nights freed") {
			t.Errorf("audit = %+v", e)
		}
		if m := f.lastText(t, carer.Mobile); !strings.Contains(m.Body, "Tue 6 Apr") {
			t.Errorf("the carer's text does not give the new end: %q", m.Body)
		}
		// The freed nights can be booked by someone else.
		f.book(t, duty, f.mkPerson(t, f.mkCarer(t, 28), "1950-01-01", nil, nil), h.beds[0], "2027-04-06", "2027-04-09")
	})
}

// TestStayChange_EndEarlyKeepsLateNights: with KeepAllowanceOnLateCancel,
// the freed nights it is too late to cancel online (inside 48 hours) still
// count against the allowance; those further off go back.
func TestStayChange_EndEarlyKeepsLateNights(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		svc := booking.NewService(db, f.providers, f.notify, f.holds, booking.Options{Clock: f.clk.Now, Logger: log, KeepAllowanceOnLateCancel: true})
		h := f.mkHome(t, "Oakwood", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		carer := f.mkCarer(t, 28)
		p := f.mkPerson(t, carer, "1950-01-01", nil, nil)
		b := f.book(t, duty, p, h.beds[0], "2027-04-03", "2027-04-10")
		f.clk.Set(london("2027-04-05 12:00"))
		// Freed: the nights of the 6th to the 9th. The 6th and 7th start
		// within 48 hours: kept. The 8th and 9th: given back.
		got, err := svc.EndEarly(ctx, duty, b.ID, d("2027-04-06"), "Went home")
		if err != nil {
			t.Fatal(err)
		}
		if got.AllowanceKeptUntil != d("2027-04-08") {
			t.Errorf("kept until %s, want 2027-04-08", got.AllowanceKeptUntil)
		}
		if a, _ := svc.Allowance(ctx, duty, carer.ID); a.Booked != 5 || a.Remaining != 23 {
			t.Errorf("allowance = %+v; want 3 used and 2 kept", a)
		}
		if e := f.lastAudit(t); !strings.Contains(e.Reason, "2 still counted") {
			t.Errorf("audit does not say what was kept: %q", e.Reason)
		}
		// Extending over the kept nights books them again, and counts them once.
		if _, err := svc.Extend(ctx, duty, b.ID, booking.StayExtension{Depart: d("2027-04-09"), Reason: "Changed her mind"}); err != nil {
			t.Fatal(err)
		}
		if a, _ := svc.Allowance(ctx, duty, carer.ID); a.Booked != 6 {
			t.Errorf("allowance booked = %d after extending over the kept nights, want 6", a.Booked)
		}
		if got := f.reread(t, b.ID); !got.AllowanceKeptUntil.IsZero() {
			t.Errorf("still keeps until %s after extending over it", got.AllowanceKeptUntil)
		}
	})
}

// TestCancel_UnderWay: cancelling a stay the person is already in ends it
// today. The home that had them keeps the nights spent; before, the whole
// stay was wiped, as if nobody had stayed.
func TestCancel_UnderWay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		h := f.mkHome(t, "Oakwood", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		carer := f.mkCarer(t, 28)
		p := f.mkPerson(t, carer, "1950-01-01", nil, nil)
		b := f.book(t, duty, p, h.beds[0], "2027-04-03", "2027-04-06")
		f.clk.Set(london("2027-04-04 15:00")) // one night spent

		got, err := f.svc.Cancel(ctx, duty, b.ID, "Taken to hospital")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != booking.StatusConfirmed || got.Depart != d("2027-04-04") || got.Nights != 1 || got.EndedEarlyAt == nil {
			t.Errorf("cancelled under way = %+v; want it ended today, keeping the night spent", got)
		}
		if diff := cmp.Diff([]string{"2027-04-03/0"}, f.nightsOf(t, b.ID)); diff != "" {
			t.Errorf("nights (-want +got):\n%s", diff)
		}
		if a, _ := f.svc.Allowance(ctx, duty, carer.ID); a.Booked != 1 {
			t.Errorf("nights used = %d, want 1", a.Booked)
		}
		if e := f.lastAudit(t); e.Action != audit.BookingEndedEarly || !strings.Contains(e.Reason, "Taken to hospital") {
			t.Errorf("audit = %+v", e)
		}

		f.clk.Set(london("2027-04-05 09:00"))
		before := f.state(t)
		_, err = f.svc.Cancel(ctx, duty, b.ID, "Again")
		f.refused(t, before, err, apperr.Conflict, "nothing left to cancel")
	})
}

func TestStayChange_Move(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		oak := f.mkHome(t, "Oakwood", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		elm := f.mkHome(t, "Elm Lodge", 53.81, -1.55, providers.ProviderInput{},
			providers.BedInput{BedType: "residential", Features: []string{"hoist"}},
			providers.BedInput{BedType: "residential"},
			providers.BedInput{BedType: "residential", EmergencyReserved: true},
		)
		carer := f.mkCarer(t, 28)
		p := f.mkPerson(t, carer, "1950-01-01", nil, []string{"hoist"})
		b := f.book(t, duty, p, elm.beds[0], "2027-04-03", "2027-04-06")

		// Where it could go: nowhere that suits (no other bed has a hoist),
		// and, for duty staff to weigh up, the two free beds that do not.
		// The bed kept for emergencies is not offered to a planned stay.
		choices, err := f.svc.MoveChoices(ctx, duty, b.ID, calendar.Date{})
		if err != nil || len(choices.Options) != 0 || len(choices.NearMisses) != 2 {
			t.Errorf("move choices = %+v, %v", choices, err)
		}
		if choices, _ := f.svc.MoveChoices(ctx, admin, b.ID, calendar.Date{}); len(choices.NearMisses) != 0 {
			t.Errorf("an admin, who cannot override, is shown near misses: %+v", choices.NearMisses)
		}

		t.Run("refusals", func(t *testing.T) {
			f.book(t, duty, f.mkPerson(t, f.mkCarer(t, 28), "1950-01-01", nil, nil), oak.beds[0], "2027-04-05", "2027-04-06")
			tests := []struct {
				name  string
				actor accounts.Principal
				m     booking.StayMove
				want  apperr.Kind
				words string
			}{
				{"to a bed taken on a night", duty, booking.StayMove{Place: bedPlace(oak.beds[0]), Reason: "r"}, apperr.Conflict, "not free"},
				{"to a bed that does not suit", duty, booking.StayMove{Place: bedPlace(elm.beds[1]), Reason: "r"}, apperr.Invalid, "no hoist"},
				{"a planned stay to an emergency bed", duty, booking.StayMove{Place: bedPlace(elm.beds[2]), Reason: "r"}, apperr.Invalid, "emergencies"},
				{"to where it is", duty, booking.StayMove{Place: bedPlace(elm.beds[0]), Reason: "r"}, apperr.Invalid, "already there"},
				{"before the stay", duty, booking.StayMove{Place: bedPlace(elm.beds[1]), From: d("2027-04-01"), Reason: "r", Override: "o"}, apperr.Invalid, "Choose a date"},
				{"an override by an admin", admin, booking.StayMove{Place: bedPlace(elm.beds[1]), Reason: "r", Override: "o"}, apperr.Invalid, "Only the duty team"},
				{"to no such bed", duty, booking.StayMove{Place: booking.Place{Kind: "bed", ID: 9999}, Reason: "r"}, apperr.NotFound, ""},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					before := f.state(t)
					_, err := f.svc.Move(ctx, tt.actor, b.ID, tt.m)
					f.refused(t, before, err, tt.want, tt.words)
				})
			}
		})

		t.Run("all nights, before the stay", func(t *testing.T) {
			moved, err := f.svc.Move(ctx, duty, b.ID, booking.StayMove{Place: bedPlace(elm.beds[1]), Reason: "Room 1 flooded", Override: "Staff will use the mobile hoist"})
			if err != nil {
				t.Fatal(err)
			}
			if moved.ID != b.ID || moved.Reference != b.Reference || moved.PlaceID != elm.beds[1].ID || moved.Nights != 3 {
				t.Errorf("moved = %+v; want the same booking at the new bed", moved)
			}
			if moved.OverrideProblems != "It has no hoist" || moved.OverrideReason != "Staff will use the mobile hoist" {
				t.Errorf("override = %q / %q", moved.OverrideProblems, moved.OverrideReason)
			}
			var rows []booking.Night
			db.NewSelect().Model(&rows).Where("booking_id = ?", b.ID).Scan(ctx)
			for _, n := range rows {
				if n.PlaceID != elm.beds[1].ID {
					t.Errorf("night %s still at bed %d", n.Night, n.PlaceID)
				}
			}
			if len(rows) != 3 {
				t.Errorf("%d nights, want 3", len(rows))
			}
			var entries []audit.Entry
			db.NewSelect().Model(&entries).Where("action IN (?)", bun.In([]string{audit.BookingMoved, audit.EmergencyOverride})).OrderExpr("id").Scan(ctx)
			if len(entries) != 2 || !strings.Contains(entries[1].Reason, "Placed despite: It has no hoist; reason: Staff will use the mobile hoist") {
				t.Errorf("audit = %+v", entries)
			}
			var pp booking.Person
			db.NewSelect().Model(&pp).Where("id = ?", p.ID).Scan(ctx)
			if !cmp.Equal(pp.Requirements, []string{"hoist"}) {
				t.Errorf("the person's record was changed: %v", pp.Requirements)
			}
		})

		t.Run("some nights, under way", func(t *testing.T) {
			f.clk.Set(london("2027-04-04 18:00")) // the night of the 3rd spent
			cont, err := f.svc.Move(ctx, duty, b.ID, booking.StayMove{Place: bedPlace(elm.beds[0]), Reason: "Room 1 dry again"})
			if err != nil {
				t.Fatal(err)
			}
			if cont.ID == b.ID || cont.MovedFromBookingID == nil || *cont.MovedFromBookingID != b.ID {
				t.Fatalf("continued in %+v; want a new booking naming %d", cont, b.ID)
			}
			if cont.Arrive != d("2027-04-04") || cont.Depart != d("2027-04-06") || cont.Kind != booking.KindPlanned || cont.OverrideReason != "" {
				t.Errorf("continuation = %+v", cont)
			}
			first := f.reread(t, b.ID)
			if first.Depart != d("2027-04-04") || first.Nights != 1 || first.Status != booking.StatusConfirmed {
				t.Errorf("first part = %+v", first)
			}
			if diff := cmp.Diff([]string{"2027-04-03/0"}, f.nightsOf(t, b.ID)); diff != "" {
				t.Errorf("first part's nights (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"2027-04-04/0", "2027-04-05/0"}, f.nightsOf(t, cont.ID)); diff != "" {
				t.Errorf("continuation's nights (-want +got):\n%s", diff)
			}
			if a, _ := f.svc.Allowance(ctx, duty, carer.ID); a.Booked != 3 {
				t.Errorf("allowance booked = %d, want still 3", a.Booked)
			}
			links, err := f.svc.StayLinks(ctx, duty, b.ID)
			if err != nil || links.MovedTo == nil || links.MovedTo.ID != cont.ID || links.MovedFrom != nil {
				t.Errorf("links of the first part = %+v, %v", links, err)
			}
			links, err = f.svc.StayLinks(ctx, duty, cont.ID)
			if err != nil || links.MovedFrom == nil || links.MovedFrom.ID != b.ID {
				t.Errorf("links of the continuation = %+v, %v", links, err)
			}
			before := f.state(t)
			_, err = f.svc.Move(ctx, duty, cont.ID, booking.StayMove{Place: bedPlace(oak.beds[0]), From: d("2027-04-03"), Reason: "r"})
			f.refused(t, before, err, apperr.Invalid, "Choose a date")
		})
	})
}

// TestEmergency_Override: a bed that does not suit is refused without a
// reason to override, and placed with one; the override is audited and
// kept on the booking, and the person's record is not touched.
func TestEmergency_Override(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		f.clk.Set(london("2027-04-03 23:00"))
		h := f.mkHome(t, "Meadow View", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential"})
		p := f.mkPerson(t, f.mkCarer(t, 28), "1950-01-01", nil, []string{"hoist"})
		req := booking.EmergencyRequest{PersonID: p.ID, Place: bedPlace(h.beds[0]), Arrive: d("2027-04-03"), Depart: d("2027-04-04"), Reason: "Carer collapsed"}
		before := f.state(t)
		_, err := f.svc.PlaceEmergency(ctx, duty, req)
		f.refused(t, before, err, apperr.Invalid, "give a reason to override")
		if !errors.Is(err, booking.ErrUnsuitable) {
			t.Errorf("err = %v, want ErrUnsuitable", err)
		}
		req.Override = "Only bed free tonight; the home has a mobile hoist"
		b, err := f.svc.PlaceEmergency(ctx, duty, req)
		if err != nil {
			t.Fatal(err)
		}
		if b.OverrideProblems != "It has no hoist" || b.OverrideReason != req.Override || !b.Overridden() {
			t.Errorf("booking = %+v", b)
		}
		e := f.lastAudit(t)
		if e.Action != audit.EmergencyOverride || e.Reason != "Placed despite: It has no hoist; reason: "+req.Override {
			t.Errorf("audit = %+v", e)
		}
		var pp booking.Person
		db.NewSelect().Model(&pp).Where("id = ?", p.ID).Scan(ctx)
		if !cmp.Equal(pp.Requirements, []string{"hoist"}) {
			t.Errorf("the person's record was changed: %v", pp.Requirements)
		}
	})
}

// TestEmergency_NightUnderWay: at 3am the night already under way can be
// booked; at 11am the night before is over.
func TestEmergency_NightUnderWay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		h := f.mkHome(t, "Meadow View", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential", EmergencyReserved: true}, providers.BedInput{BedType: "residential"})
		p := f.mkPerson(t, f.mkCarer(t, 28), "1950-01-01", nil, nil)

		f.clk.Set(london("2027-04-04 03:00"))
		if got := f.svc.Tonight(); got != d("2027-04-03") {
			t.Errorf("at 3am Tonight = %s, want the night under way, 2027-04-03", got)
		}
		opts, err := f.svc.EmergencyOptions(ctx, duty, p.ID, d("2027-04-03"), d("2027-04-05"))
		if err != nil || len(opts) != 2 {
			t.Fatalf("options at 3am for the night under way = %v, %v", tiers(opts), err)
		}
		b, err := f.svc.PlaceEmergency(ctx, duty, booking.EmergencyRequest{PersonID: p.ID, Place: bedPlace(h.beds[0]), Arrive: d("2027-04-03"), Depart: d("2027-04-05"), Reason: "Found wandering at 2am"})
		if err != nil {
			t.Fatalf("placing at 3am from the night under way: %v", err)
		}
		if diff := cmp.Diff([]string{"2027-04-03/0", "2027-04-04/0"}, f.nightsOf(t, b.ID)); diff != "" {
			t.Errorf("nights (-want +got):\n%s", diff)
		}

		f.clk.Set(london("2027-04-04 11:00"))
		if got := f.svc.Tonight(); got != d("2027-04-04") {
			t.Errorf("at 11am Tonight = %s, want today", got)
		}
		q := f.mkPerson(t, f.mkCarer(t, 28), "1950-01-01", nil, nil)
		before := f.state(t)
		_, err = f.svc.PlaceEmergency(ctx, duty, booking.EmergencyRequest{PersonID: q.ID, Place: bedPlace(h.beds[1]), Arrive: d("2027-04-03"), Depart: d("2027-04-05"), Reason: "r"})
		f.refused(t, before, err, apperr.Invalid, "today at the earliest")

		// RESPITE_NIGHT_ENDS_AT moves the cut-off.
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		early := booking.NewService(db, f.providers, f.notify, f.holds, booking.Options{Clock: f.clk.Now, Logger: log, NightEndsAt: 6 * 60 * 60 * 1e9})
		f.clk.Set(london("2027-04-04 07:00"))
		if got := early.Tonight(); got != d("2027-04-04") {
			t.Errorf("with the night ending at 6am, at 7am Tonight = %s, want today", got)
		}
		// The clocks went back at 2am on 31 October 2027: 9:30 is still before 10.
		f.clk.Set(london("2027-10-31 09:30"))
		if got := f.svc.Tonight(); got != d("2027-10-30") {
			t.Errorf("at 9:30 on the day the clocks go back, Tonight = %s, want the night before", got)
		}
	})
}

// TestHostSlots_PerNight is the capacity-2 case that was refused when a stay
// had to keep one slot on every night: Ann has room for two, and each night
// has a bed free, but not the same one. Night 3: slot 0 taken, slot 1 free;
// night 4: slot 1 taken, slot 0 free. The stay now fits, a slot a night.
func TestHostSlots_PerNight(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		ann := f.mkHost(t, "Ann Smith", 2, nil, nil, [2]string{"2027-04-01", "2027-04-30"})
		person := func() booking.Person { return f.mkPerson(t, f.mkCarer(t, 28), "1960-01-01", nil, nil) }
		x := f.bookHost(t, person(), ann, "2027-04-03", "2027-04-05") // slot 0 on the 3rd and 4th
		y := f.bookHost(t, person(), ann, "2027-04-04", "2027-04-06") // slot 1 on the 4th, 0 on the 5th
		if _, err := f.svc.EndEarly(ctx, duty, x.ID, d("2027-04-04"), "Went home"); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"2027-04-03/0"}, f.nightsOf(t, x.ID)); diff != "" {
			t.Fatalf("x (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"2027-04-04/1", "2027-04-05/0"}, f.nightsOf(t, y.ID)); diff != "" {
			t.Fatalf("y (-want +got):\n%s", diff)
		}

		// No one slot is free on both the 3rd and the 4th; each night has one.
		z := person()
		opts, err := f.svc.Availability(ctx, duty, booking.Search{PersonID: z.ID, Arrive: d("2027-04-03"), Depart: d("2027-04-05")})
		if err != nil || len(opts) != 1 {
			t.Fatalf("Ann is not offered: %v, %v", names(opts), err)
		}
		hold, err := f.svc.CreateHold(ctx, duty, booking.HoldRequest{PersonID: z.ID, Place: hostPlace(ann), Arrive: d("2027-04-03"), Depart: d("2027-04-05")})
		if err != nil {
			t.Fatalf("holding Ann for the 3rd and 4th: %v", err)
		}
		if !cmp.Equal(hold.NightSlots, []int{1, 0}) {
			t.Errorf("hold slots = %v, want [1 0]", hold.NightSlots)
		}
		// While held, the slots are nobody else's.
		w := person()
		if _, err := f.svc.CreateHold(ctx, duty, booking.HoldRequest{PersonID: w.ID, Place: hostPlace(ann), Arrive: d("2027-04-03"), Depart: d("2027-04-04")}); !errors.Is(err, booking.ErrNightsTaken) {
			t.Errorf("a second hold on the full 3rd: %v, want ErrNightsTaken", err)
		}
		zb, _, err := f.svc.Confirm(ctx, duty, hold.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"2027-04-03/1", "2027-04-04/0"}, f.nightsOf(t, zb.ID)); diff != "" {
			t.Errorf("z's nights (-want +got):\n%s", diff)
		}

		// An emergency placement and an extension take a slot a night too.
		if _, err := f.svc.EndEarly(ctx, duty, y.ID, d("2027-04-05"), "Went home"); err != nil {
			t.Fatal(err)
		}
		// Now: the 3rd full; the 4th slot 0 (z) and 1 (y); the 5th free.
		if _, err := f.svc.Extend(ctx, duty, zb.ID, booking.StayExtension{Depart: d("2027-04-07"), Reason: "Longer"}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"2027-04-03/1", "2027-04-04/0", "2027-04-05/0", "2027-04-06/0"}, f.nightsOf(t, zb.ID)); diff != "" {
			t.Errorf("z extended (-want +got):\n%s", diff)
		}
		// The host is told the stay as it now stands.
		if m := f.lastText(t, ann.Mobile); m.Template != notify.TemplateHostGuestBooked || !strings.Contains(m.Body, "Wed 7 Apr") || !strings.Contains(m.Body, zb.Reference) {
			t.Errorf("the host's text after the extension = %s %q", m.Template, m.Body)
		}
		var perNight []struct {
			Night  calendar.Date `bun:"night"`
			Guests int           `bun:"guests"`
		}
		db.NewSelect().TableExpr("booking_nights").ColumnExpr("night, COUNT(*) AS guests").
			Where("place_kind = 'host' AND place_id = ?", ann.ID).GroupExpr("night").Scan(ctx, &perNight)
		for _, n := range perNight {
			if n.Guests > 2 {
				t.Errorf("%s has %d guests; Ann has room for 2", n.Night, n.Guests)
			}
		}
	})
}
