package booking_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/redisstore"
)

// withCard gives a carer an emergency card and a contact to text.
func (f *fixture) withCard(t testing.TB, c booking.Carer, card string) booking.Carer {
	t.Helper()
	phone := "+447700900999"
	c.EmergencyCard, c.EmergencyContactPhone, c.EmergencyPlan = &card, &phone, "Ring the neighbour; Mum settles at Meadow View."
	if _, err := f.db.NewUpdate().Model(&c).WherePK().Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

func tiers(opts []booking.EmergencyOption) []string {
	var out []string
	for _, o := range opts {
		out = append(out, o.Tier+":"+o.Provider+"/"+o.Name)
	}
	return out
}

// TestEmergency_Tonight walks the duty officer's path at 3am: card lookup,
// options, placement; with Redis configured but dead, to show placements
// never need the hold layer.
func TestEmergency_Tonight(t *testing.T) {
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { dead.Close() })
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, redisstore.NewHoldStore(dead, "x:"))
		f.clk.Set(london("2027-04-03 03:00"))
		ctx := context.Background()
		home := f.mkHome(t, "Meadow View", 53.81, -1.55, providers.ProviderInput{Specialisms: []string{"dementia"}, NotificationsMobile: "07700 900501"},
			providers.BedInput{BedType: "residential_dementia", EmergencyReserved: true},
			providers.BedInput{BedType: "residential_dementia"},
		)
		f.mkHost(t, "Ann Smith", 1, []string{"dementia"}, nil, [2]string{"2027-04-01", "2027-04-30"})
		carer := f.withCard(t, f.mkCarer(t, 2), "LDS-EC-0101")
		mum := f.mkPerson(t, carer, "1940-01-01", []string{"dementia"}, nil)

		card, err := f.svc.LookupCard(ctx, duty, " lds-ec-0101 ")
		if err != nil || card.Carer.ID != carer.ID || len(card.People) != 1 || card.Carer.EmergencyPlan == "" {
			t.Fatalf("LookupCard = %+v, %v", card, err)
		}
		opts, err := f.svc.EmergencyOptions(ctx, duty, mum.ID, d("2027-04-03"), d("2027-04-06"))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"emergency_reserved:Meadow View/Room 1", "block:Meadow View/Room 2", "host:Shared Lives/Shared Lives host Ann"}
		if diff := cmp.Diff(want, tiers(opts)); diff != "" {
			t.Fatalf("options (-want +got):\n%s", diff)
		}
		if opts[0].Phone == "" {
			t.Error("options carry no phone number to ring")
		}

		// Three nights for a carer with two left: recorded, not refused.
		b, err := f.svc.PlaceEmergency(ctx, duty, booking.EmergencyRequest{PersonID: mum.ID, Place: opts[0].Place, Arrive: d("2027-04-03"), Depart: d("2027-04-06"), Reason: "Carer admitted to hospital"})
		if err != nil {
			t.Fatalf("PlaceEmergency with Redis down: %v", err)
		}
		if b.Kind != "emergency" || b.Status != "confirmed" || b.CreatedByKind != "staff" {
			t.Errorf("booking = %+v", b)
		}
		a, _ := f.svc.Allowance(ctx, duty, carer.ID)
		if a.Booked != 3 || a.Remaining != -1 {
			t.Errorf("allowance = %+v; the nights are recorded, not refused", a)
		}
		var texts []notify.Message
		db.NewSelect().Model(&texts).OrderExpr("id").Scan(ctx)
		var got []string
		for _, m := range texts {
			got = append(got, m.Template)
			if !m.Urgent || m.NextAttemptAt.After(f.clk.Now()) {
				t.Errorf("%s waits until %v; emergency texts go at once, even at 3am", m.Template, m.NextAttemptAt)
			}
		}
		if diff := cmp.Diff([]string{notify.TemplateEmergencyPlacementPlace, notify.TemplateEmergencyPlacementContact}, got); diff != "" {
			t.Errorf("texts (-want +got):\n%s", diff)
		}
		entries := auditEntries(t, db)
		// The card lookup, the needs it showed (one person), the placement.
		if len(entries) != 3 || entries[0].Action != audit.EmergencyLookup || entries[1].Action != audit.PersonNeedsRead ||
			entries[2].Action != audit.EmergencyPlacement || entries[2].Reason != "Carer admitted to hospital" {
			t.Errorf("audit = %+v", entries)
		}

		// The same bed again: the database refuses the nights.
		other := f.mkPerson(t, f.mkCarer(t, 28), "1941-01-01", []string{"dementia"}, nil)
		_, err = f.svc.PlaceEmergency(ctx, duty, booking.EmergencyRequest{PersonID: other.ID, Place: opts[0].Place, Arrive: d("2027-04-04"), Depart: d("2027-04-05"), Reason: "Second emergency"})
		if !errors.Is(err, booking.ErrNightsTaken) {
			t.Errorf("a taken emergency bed: %v, want ErrNightsTaken", err)
		}
		_ = home
	})
}

func TestEmergency_SpotPurchase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		f.clk.Set(london("2027-04-03 22:00"))
		ctx := context.Background()
		// A home with no free bed of the right kind: only a spot purchase.
		full := f.mkHome(t, "Hillside", 53.90, -1.55, providers.ProviderInput{BedTypes: []string{"nursing"}}, providers.BedInput{BedType: "nursing"})
		f.book(t, duty, f.mkPerson(t, f.mkCarer(t, 28), "1940-01-01", nil, nil), full.beds[0], "2027-04-04", "2027-04-10")
		carer := f.withCard(t, f.mkCarer(t, 28), "LDS-EC-0202")
		dad := f.mkPerson(t, carer, "1939-01-01", []string{"nursing_care"}, nil)

		opts, err := f.svc.EmergencyOptions(ctx, duty, dad.ID, d("2027-04-03"), d("2027-04-05"))
		if err != nil {
			t.Fatal(err)
		}
		if len(opts) != 1 || opts[0].Tier != booking.TierSpot || opts[0].Provider != "Hillside" || opts[0].Phone == "" {
			t.Fatalf("options = %v", tiers(opts))
		}
		rate := int64(24500)
		b, err := f.svc.SpotPlacement(ctx, duty, booking.SpotRequest{PersonID: dad.ID, ProviderID: opts[0].ProviderID, BedType: "nursing", NightlyRatePence: &rate, Arrive: d("2027-04-03"), Depart: d("2027-04-05"), Reason: "Carer collapsed"})
		if err != nil {
			t.Fatal(err)
		}
		if b.NightlyRatePence != 24500 || b.Kind != "emergency" {
			t.Errorf("spot booking = %+v", b)
		}
		var contract providers.Contract
		if err := db.NewSelect().Model(&contract).Where("kind = 'spot'").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if contract.StartsOn != d("2027-04-03") || contract.EndsOn != d("2027-04-04") || contract.ProviderID != full.provider.ID {
			t.Errorf("spot contract = %+v", contract)
		}
		// The contract and bed bought are audited as any home's are.
		var bought []audit.Entry
		if err := db.NewSelect().Model(&bought).Where("action IN (?)", bun.In([]string{audit.ContractCreated, audit.BedCreated})).
			Where("actor_name = ?", duty.Name).OrderExpr("id").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		var spotBed providers.Bed
		if err := db.NewSelect().Model(&spotBed).Where("id = ?", b.PlaceID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(bought) != 2 || bought[0].TargetKind != "contract" || bought[0].TargetID != contract.ID || bought[1].TargetKind != "bed" ||
			bought[1].TargetID != spotBed.ID || bought[1].ActorName != duty.Name || bought[1].Reason != "spot purchase, for an emergency placement" {
			t.Errorf("audit of the spot contract and bed = %+v", bought)
		}
		// The spot bed is never offered ahead (the home's block bed is).
		opts2, _ := f.svc.Availability(ctx, duty, booking.Search{PersonID: dad.ID, Arrive: d("2027-04-03").AddDays(17), Depart: d("2027-04-21")})
		for _, o := range opts2 {
			if strings.HasPrefix(o.Name, "Spot bed") {
				t.Errorf("the spot bed was offered for a planned stay: %v", names(opts2))
			}
		}
	})
}

func TestEmergency_DutyOnlyAndRules(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t), nil)
	ctx := context.Background()
	f.clk.Set(london("2027-04-03 22:00"))
	home := f.mkHome(t, "Home", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential", EmergencyReserved: true})
	carer := f.withCard(t, f.mkCarer(t, 28), "LDS-EC-0303")
	p := f.mkPerson(t, carer, "1945-01-01", nil, nil)
	admin := accounts.Principal{Kind: accounts.SubjectStaff, ID: 3, Role: accounts.RoleAdmin}
	coordinator := accounts.Principal{Kind: accounts.SubjectStaff, ID: 4, Role: accounts.RoleCoordinator}
	for _, who := range []accounts.Principal{carerActor(carer), coordinator, admin} {
		if _, err := f.svc.LookupCard(ctx, who, "LDS-EC-0303"); !errors.Is(err, booking.ErrDutyOnly) {
			t.Errorf("%s/%s reading an emergency card: %v, want ErrDutyOnly", who.Kind, who.Role, err)
		}
		if _, err := f.svc.PlaceEmergency(ctx, who, booking.EmergencyRequest{PersonID: p.ID, Place: booking.Place{Kind: "bed", ID: home.beds[0].ID}, Arrive: d("2027-04-03"), Depart: d("2027-04-04"), Reason: "x"}); !errors.Is(err, booking.ErrDutyOnly) {
			t.Errorf("%s/%s placing: %v, want ErrDutyOnly", who.Kind, who.Role, err)
		}
	}
	if _, err := f.svc.LookupCard(ctx, duty, "NO-SUCH-CARD"); !errors.Is(err, booking.ErrCardNotFound) {
		t.Errorf("unknown card: %v", err)
	}
	_, err := f.svc.PlaceEmergency(ctx, duty, booking.EmergencyRequest{PersonID: p.ID, Place: booking.Place{Kind: "bed", ID: home.beds[0].ID}, Arrive: d("2027-04-02"), Depart: d("2027-05-30")})
	names, _ := apperr.FieldNames(err)
	if diff := cmp.Diff([]string{"reason", "arrive", "depart"}, names); diff != "" {
		t.Errorf("bad placement fields (-want +got):\n%s", diff)
	}
	// Carers can never book the emergency bed ahead (the release policy is off).
	_, err = f.svc.CreateHold(ctx, carerActor(carer), booking.HoldRequest{PersonID: p.ID, Place: booking.Place{Kind: "bed", ID: home.beds[0].ID}, Arrive: d("2027-04-05"), Depart: d("2027-04-06")})
	if !errors.Is(err, booking.ErrEmergencyOnly) {
		t.Errorf("a carer holding the emergency bed: %v", err)
	}
}

func TestEmergency_ReleasePolicy(t *testing.T) {
	db := dbtest.SQLite(t)
	f := newFixture(t, db, nil)
	ctx := context.Background()
	svc := booking.NewService(db, f.providers, f.notify, f.holds, booking.Options{Clock: f.clk.Now, ReleaseEmergencyDays: 2})
	home := f.mkHome(t, "Home", 53.8, -1.55, providers.ProviderInput{}, providers.BedInput{BedType: "residential", EmergencyReserved: true})
	carer := f.mkCarer(t, 28)
	p := f.mkPerson(t, carer, "1945-01-01", nil, nil)
	// Today is 1 March: nights up to 3 March are released, later ones not.
	if opts, _ := svc.Availability(ctx, carerActor(carer), booking.Search{PersonID: p.ID, Arrive: d("2027-03-02"), Depart: d("2027-03-04")}); len(opts) != 1 {
		t.Errorf("within 2 days: %v, want the emergency bed released", names(opts))
	}
	if opts, _ := svc.Availability(ctx, carerActor(carer), booking.Search{PersonID: p.ID, Arrive: d("2027-03-02"), Depart: d("2027-03-05")}); len(opts) != 0 {
		t.Errorf("past 2 days: %v, want none", names(opts))
	}
	if _, err := svc.CreateHold(ctx, carerActor(carer), booking.HoldRequest{PersonID: p.ID, Place: booking.Place{Kind: "bed", ID: home.beds[0].ID}, Arrive: d("2027-03-02"), Depart: d("2027-03-04")}); err != nil {
		t.Errorf("holding a released emergency bed: %v", err)
	}
}

// nearMisses writes near misses as "tier:provider/name: problems".
func nearMisses(ms []booking.NearMiss) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.Tier+":"+m.Provider+"/"+m.Name+": "+strings.Join(m.Problems, "; "))
	}
	return out
}

func TestService_EmergencyChoices(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, nil)
		ctx := context.Background()
		// The carer lives in central Leeds; places are listed nearest first.
		meadow := f.mkHome(t, "Meadow View", 53.81, -1.55, providers.ProviderInput{Specialisms: []string{"dementia"}},
			providers.BedInput{BedType: "residential_dementia", Features: []string{"hoist"}, EmergencyReserved: true}, // suits
			providers.BedInput{BedType: "residential_dementia"},                                                       // no hoist
			providers.BedInput{BedType: "residential", Features: []string{"hoist"}},                                   // not a dementia bed
			providers.BedInput{BedType: "residential"},                                                                // booked: not free
		)
		f.book(t, duty, f.mkPerson(t, f.mkCarer(t, 28), "1940-01-01", nil, nil), meadow.beds[3], "2027-04-01", "2027-04-10")
		f.clk.Set(london("2027-04-03 22:00"))
		f.mkHost(t, "Ann Smith", 1, []string{"dementia"}, nil, [2]string{"2027-04-01", "2027-04-30"}) // no hoist at home
		f.mkHome(t, "Little Oaks", 53.85, -1.55, providers.ProviderInput{Specialisms: []string{"dementia"}, AgeGroups: []string{"children"}},
			providers.BedInput{BedType: "residential_dementia", Features: []string{"hoist"}}) // takes children only
		f.mkHome(t, "Harrogate Lodge", 54.0, -1.54, providers.ProviderInput{Specialisms: []string{"dementia"}},
			providers.BedInput{BedType: "nursing_dementia", Features: []string{"hoist"}}) // suits, further away
		far := make([]providers.BedInput, 8)
		for i := range far {
			far[i] = providers.BedInput{BedType: "nursing", Features: []string{"hoist"}}
		}
		f.mkHome(t, "York Court", 53.96, -1.08, providers.ProviderInput{Specialisms: []string{"dementia"}}, far...)
		carer := f.withCard(t, f.mkCarer(t, 28), "LDS-EC-0404")
		mum := f.mkNamedPerson(t, carer, "Mum", "1940-01-01", []string{"dementia"}, []string{"hoist"})

		choice, err := f.svc.EmergencyChoices(ctx, duty, mum.ID, d("2027-04-03"), d("2027-04-05"))
		if err != nil {
			t.Fatal(err)
		}
		wantOpts := []string{"emergency_reserved:Meadow View/Room 1", "block:Harrogate Lodge/Room 1"}
		if diff := cmp.Diff(wantOpts, tiers(choice.Options)); diff != "" {
			t.Errorf("options (-want +got):\n%s", diff)
		}
		wrongBed := "It is a nursing bed, and Mum needs a residential dementia or nursing dementia bed"
		wantMisses := []string{
			"block:Meadow View/Room 2: It has no hoist",
			"block:Meadow View/Room 3: It is a residential bed, and Mum needs a residential dementia or nursing dementia bed",
			"host:Shared Lives/Shared Lives host Ann: The home has no hoist",
			"block:Little Oaks/Room 1: The home does not take adults",
		}
		for range 6 { // the nearest 10 in all
			wantMisses = append(wantMisses, "block:York Court/Room N: "+wrongBed)
		}
		got := nearMisses(choice.NearMisses)
		for i := range got {
			if strings.HasPrefix(got[i], "block:York Court/Room ") {
				got[i] = "block:York Court/Room N:" + strings.SplitN(got[i], ":", 3)[2]
			}
		}
		if diff := cmp.Diff(wantMisses, got); diff != "" {
			t.Errorf("near misses (-want +got):\n%s", diff)
		}
		suits := map[booking.Place]bool{}
		for _, o := range choice.Options {
			suits[o.Place] = true
		}
		for _, m := range choice.NearMisses {
			if suits[m.Place] || len(m.Problems) == 0 {
				t.Errorf("near miss %+v suits", m)
			}
			if m.Phone == "" || m.DistanceKm <= 0 {
				t.Errorf("near miss %s/%s has no phone or distance", m.Provider, m.Name)
			}
		}
		if m := choice.NearMisses[0]; !cmp.Equal(m.Reasons, []string{"Residential dementia bed", "Specialises in dementia", "Takes adults"}) {
			t.Errorf("near miss reasons = %q, want what does suit", m.Reasons)
		}

		// EmergencyOptions is the same options without the near misses.
		opts, err := f.svc.EmergencyOptions(ctx, duty, mum.ID, d("2027-04-03"), d("2027-04-05"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tiers(choice.Options), tiers(opts)); diff != "" {
			t.Errorf("EmergencyOptions differs from EmergencyChoices' options (-choices +options):\n%s", diff)
		}
	})
}

func TestService_EmergencyChoices_NoneSuits(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t), nil)
	f.clk.Set(london("2027-04-03 22:00"))
	ctx := context.Background()
	f.mkHome(t, "Hillside", 53.81, -1.55, providers.ProviderInput{BedTypes: []string{"nursing", "residential"}}, providers.BedInput{BedType: "residential"})
	dad := f.mkNamedPerson(t, f.mkCarer(t, 28), "Dad", "1939-01-01", []string{"nursing_care"}, nil)

	choice, err := f.svc.EmergencyChoices(ctx, duty, dad.ID, d("2027-04-03"), d("2027-04-05"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"spot:Hillside/Ring to ask for a nursing bed"}, tiers(choice.Options)); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	want := []string{"block:Hillside/Room 1: It is a residential bed, and Dad needs a nursing or nursing dementia bed"}
	if diff := cmp.Diff(want, nearMisses(choice.NearMisses)); diff != "" {
		t.Errorf("near misses (-want +got):\n%s", diff)
	}
	for _, who := range []accounts.Principal{asAdmin, asCoordinator, carerActor(booking.Carer{ID: dad.CarerID})} {
		if _, err := f.svc.EmergencyChoices(ctx, who, dad.ID, d("2027-04-03"), d("2027-04-05")); !errors.Is(err, booking.ErrDutyOnly) {
			t.Errorf("%s/%s: %v, want ErrDutyOnly", who.Kind, who.Role, err)
		}
	}
	_, err = f.svc.EmergencyChoices(ctx, duty, dad.ID, d("2027-04-02"), d("2027-04-05"))
	if names, _ := apperr.FieldNames(err); !cmp.Equal(names, []string{"arrive"}) {
		t.Errorf("yesterday: %v, want an Invalid error on arrive", err)
	}
}
