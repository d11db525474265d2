package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/sharedlives"
)

// The demo's last 12 months: past planned and emergency stays in every
// home and with the hosts, two spot purchases, some cancellations, searches
// that found nothing (planned and emergency), and carers' feedback, so that
// every commissioners' report has something to show.
//
// Stays cannot be booked in the past through the service, so the history is
// written straight to the tables, keeping the database's own rules: a
// booking_nights row for every night kept (none for a cancelled stay), no
// place or person booked twice a night, nights within each carer's
// allowance year, and every bed night under its contract. It is made from
// a fixed seed, so every demo database has the same history relative to
// the day it was loaded, and loaded once: the bookings carry the
// idempotency key demoHistoryKey-N, and a database that has any is left
// alone.

// demoHistoryKey starts the idempotency key of every history booking.
const demoHistoryKey = "demo-history-"

// demoHistoryCarer is a carer who appears only in the history.
type demoHistoryCarer struct {
	name, postcode string
	lat, lon       float64
	person         string
	born           int // year
	needs, reqs    []string
}

var demoHistoryCarers = []demoHistoryCarer{
	{"Brenda Lowe", "LS8 1AA", 53.825, -1.515, "Frank Lowe", 1938, []string{"dementia"}, nil},
	{"Imran Hussain", "LS11 5BB", 53.780, -1.550, "Amina Hussain", 1944, nil, []string{"ground_floor"}},
	{"Claire Dobson", "LS6 3DA", 53.820, -1.575, "Peter Dobson", 1946, []string{"nursing_care"}, []string{"hoist"}},
	{"Mark Fenwick", "LS17 7DD", 53.859, -1.523, "Joan Fenwick", 1936, []string{"dementia", "nursing_care"}, nil},
	{"Lucy Barker", "LS21 2EE", 53.904, -1.690, "Ellie Barker", 2012, []string{"autism", "learning_disability"}, nil},
	{"Tariq Shah", "LS9 8FF", 53.797, -1.510, "Nasreen Shah", 1950, nil, nil},
	{"Gillian Hart", "LS12 4GG", 53.790, -1.590, "Ron Hart", 1940, []string{"dementia"}, []string{"en_suite"}},
	{"Owen Pryce", "LS5 3HH", 53.818, -1.600, "Megan Pryce", 1952, []string{"nursing_care", "epilepsy"}, nil},
	{"Rachel Green", "LS7 2JJ", 53.816, -1.530, "Harold Green", 1935, nil, []string{"wheelchair_access"}},
	{"Daniel Cooke", "LS21 1DH", 53.906, -1.695, "Sam Cooke", 2009, []string{"learning_disability", "epilepsy"}, nil},
	{"Fatima Begum", "LS8 4LL", 53.828, -1.512, "Rahim Begum", 1943, []string{"dementia"}, nil},
	{"Paul Nolan", "LS16 6EB", 53.850, -1.600, "Irene Nolan", 1939, []string{"nursing_care"}, nil},
	{"Karen Webb", "LS10 1NN", 53.770, -1.540, "Derek Webb", 1947, nil, nil},
	{"Steve Ibbotson", "LS13 2PP", 53.810, -1.640, "Mary Ibbotson", 1937, []string{"dementia", "nursing_care"}, nil},
	{"Angela Moss", "LS6 4QQ", 53.822, -1.572, "Lily Moss", 2014, []string{"autism"}, nil},
	{"Chris Walsh", "LS15 8RR", 53.805, -1.450, "Eileen Walsh", 1942, nil, []string{"ground_floor"}},
	{"Hannah Kaur", "LS17 5SS", 53.860, -1.520, "Jaswinder Kaur", 1945, []string{"dementia"}, nil},
	{"Joe Armitage", "LS19 6TT", 53.860, -1.690, "Betty Armitage", 1934, []string{"nursing_care"}, []string{"hoist"}},
	{"Nicola Shaw", "LS14 1UU", 53.830, -1.450, "Alan Shaw", 1949, nil, nil},
	{"Ben Rowley", "LS26 0WW", 53.740, -1.470, "Pat Rowley", 1941, []string{"dementia"}, nil},
}

// demoHistoryMobile is the history carer i's mobile, from Ofcom's drama range.
func demoHistoryMobile(i int) string { return fmt.Sprintf("07700 900%03d", 600+i) }

// historyPlace is a bed or host the history fills.
type historyPlace struct {
	kind      string // bed or host
	id        int64
	rate      int64
	emergency bool     // a bed kept for emergencies: emergency stays only
	suits     []string // the bed types (or "host") of people it takes
	children  bool     // takes children
	from      calendar.Date
}

// historyPerson is a history carer's person, with what they have used.
type historyPerson struct {
	carer     booking.Carer
	person    booking.Person
	bedType   string
	child     bool
	allowance int
	busy      map[calendar.Date]bool
	used      map[int]int // nights per allowance year (the year it starts)
}

// loadDemoHistory loads the last 12 months, once. It returns how many
// items (carers, people, stays and other rows) it added.
func loadDemoHistory(ctx context.Context, a *app) (int, error) {
	n, err := a.db.NewSelect().Model((*booking.Booking)(nil)).Where("idempotency_key LIKE ?", demoHistoryKey+"%").Count(ctx)
	if err != nil || n > 0 {
		return 0, err
	}
	dutyUser, err := a.accounts.UserByEmail(ctx, "duty@respite.example")
	if err != nil {
		return 0, fmt.Errorf("demo duty user: %w", err)
	}
	duty := accounts.Principal{Kind: accounts.SubjectStaff, ID: dutyUser.ID, Name: dutyUser.Name, Role: dutyUser.Role}
	today := calendar.Today(calendar.SystemClock)
	start := today.AddDays(-365)
	created := 0

	// The carers and people, through the service.
	var people []*historyPerson
	for i, hc := range demoHistoryCarers {
		mobile, _ := contact.ParseMobile(demoHistoryMobile(i))
		c, found, err := a.booking.CarerByMobile(ctx, mobile)
		if err != nil {
			return created, err
		}
		allowance := []int{28, 35, 42}[i%3]
		if !found {
			lat, lon, contactPhone, card := hc.lat, hc.lon, "07700 900199", fmt.Sprintf("LDS-EC-%04d", 600+i)
			c, err = a.booking.CreateCarer(ctx, duty, booking.CarerInput{
				Name: hc.name, Mobile: demoHistoryMobile(i), Postcode: hc.postcode, Latitude: &lat, Longitude: &lon,
				AllowanceNights: &allowance, AllowanceYearStarts: calendar.Date{Year: start.Year - 1, Month: time.April, Day: 1},
				EmergencyPlan: "Call the duty team; " + hc.person + " can go to a respite bed nearby.", EmergencyContactName: "Family friend", EmergencyContactPhone: &contactPhone, EmergencyCard: &card,
			})
			if err != nil {
				return created, fmt.Errorf("demo carer %s: %w", hc.name, err)
			}
			created++
		}
		allowance = c.AllowanceNights
		ps, err := a.booking.People(booking.WithCareDetailsHidden(ctx), duty, c.ID)
		if err != nil {
			return created, err
		}
		var p booking.Person
		for _, x := range ps {
			if x.Name == hc.person {
				p = x
			}
		}
		if p.ID == 0 {
			p, err = a.booking.AddPerson(ctx, duty, c.ID, booking.PersonInput{Name: hc.person, DateOfBirth: calendar.Date{Year: hc.born, Month: time.June, Day: 1},
				Needs: nonNilStrings(hc.needs), Requirements: nonNilStrings(hc.reqs)})
			if err != nil {
				return created, fmt.Errorf("demo person %s: %w", hc.person, err)
			}
			created++
		}
		people = append(people, &historyPerson{carer: c, person: p, bedType: historyBedType(hc.needs), child: hc.born > today.Year-18,
			allowance: allowance, busy: map[calendar.Date]bool{}, used: map[int]int{}})
	}
	// Nights the demo's own carers and people already hold are not the
	// history's to fill.
	var taken []booking.Night
	if err := a.db.NewSelect().Model(&taken).Scan(ctx); err != nil {
		return created, err
	}
	placeBusy := map[historyPlaceNight]bool{}
	for _, n := range taken {
		placeBusy[historyPlaceNight{n.PlaceKind, n.PlaceID, n.Night}] = true
	}

	places, err := historyPlaces(ctx, a, start)
	if err != nil {
		return created, err
	}
	r := rand.New(rand.NewPCG(2026, 13))
	var stays []historyStay
	for _, pl := range places {
		cursor := pl.from.AddDays(r.IntN(4))
		if cursor.Before(start) {
			cursor = start.AddDays(r.IntN(4))
		}
		for {
			gap, nights := 1+r.IntN(5), 2+r.IntN(6)
			if pl.emergency {
				gap, nights = 8+r.IntN(25), 1+r.IntN(5)
			} else if pl.kind == booking.PlaceHost {
				gap, nights = 4+r.IntN(12), 2+r.IntN(4)
			}
			arrive := cursor.AddDays(gap)
			depart := arrive.AddDays(nights)
			if depart.After(today) {
				break
			}
			cursor = depart
			kind := booking.KindPlanned
			if pl.emergency || r.IntN(10) == 0 {
				kind = booking.KindEmergency
			}
			if placeTaken(placeBusy, pl, arrive, depart) {
				continue
			}
			p := pickHistoryPerson(r, people, pl, arrive, depart)
			if p == nil {
				continue
			}
			st := historyStay{place: pl, person: p, kind: kind, arrive: arrive, depart: depart}
			// A planned stay in ten is cancelled, some late.
			if kind == booking.KindPlanned && r.IntN(10) == 0 {
				st.cancelledDaysBefore = 1 + r.IntN(21)
				stays = append(stays, st)
				continue
			}
			for d := arrive; d.Before(depart); d = d.AddDays(1) {
				p.busy[d] = true
				placeBusy[historyPlaceNight{pl.kind, pl.id, d}] = true
			}
			p.used[allowanceYear(p.carer, arrive)] += nights
			st.feedback = kind == booking.KindPlanned && r.IntN(100) < 45
			st.rating = []int{5, 5, 4, 4, 4, 3, 5, 2, 4, 5}[r.IntN(10)]
			stays = append(stays, st)
		}
	}

	err = a.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		n, err := writeHistory(ctx, tx, r, duty, today, stays, people)
		created += n
		return err
	})
	return created, err
}

type historyPlaceNight struct {
	kind  string
	id    int64
	night calendar.Date
}

type historyStay struct {
	place               historyPlace
	person              *historyPerson
	kind                string
	arrive, depart      calendar.Date
	cancelledDaysBefore int // 0: kept
	feedback            bool
	rating              int
}

// historyBedType is the bed type a person with needs is placed in.
func historyBedType(needs []string) string {
	dementia, nursing := false, false
	for _, n := range needs {
		dementia = dementia || n == "dementia"
		nursing = nursing || n == "nursing_care"
	}
	switch {
	case dementia && nursing:
		return "nursing_dementia"
	case nursing:
		return "nursing"
	case dementia:
		return "residential_dementia"
	}
	return "residential"
}

// historyPlaces are the demo homes' block beds (with the first date their
// contract covers) and the demo hosts.
func historyPlaces(ctx context.Context, a *app, start calendar.Date) ([]historyPlace, error) {
	var rows []struct {
		ID        int64         `bun:"id"`
		BedType   string        `bun:"bed_type"`
		Emergency bool          `bun:"emergency_reserved"`
		Rate      int64         `bun:"nightly_rate_pence"`
		StartsOn  calendar.Date `bun:"starts_on"`
		AgeGroups []string      `bun:"age_groups"`
	}
	err := a.db.NewSelect().ColumnExpr("b.id, b.bed_type, b.emergency_reserved, c.nightly_rate_pence, c.starts_on, p.age_groups").
		TableExpr("beds AS b").Join("JOIN contracts AS c ON c.id = b.contract_id").Join("JOIN providers AS p ON p.id = b.provider_id").
		Where("c.kind = ?", providers.KindBlock).Where("c.reference IN (?)", bun.In(demoContractRefs())).
		OrderExpr("b.id").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("demo history beds: %w", err)
	}
	var out []historyPlace
	for _, b := range rows {
		from := b.StartsOn
		if from.Before(start) {
			from = start
		}
		children := false
		for _, g := range b.AgeGroups {
			children = children || g == "children"
		}
		out = append(out, historyPlace{kind: booking.PlaceBed, id: b.ID, rate: b.Rate, emergency: b.Emergency, suits: []string{b.BedType}, children: children, from: from})
	}
	for _, in := range demoHosts {
		mobile, _ := contact.ParseMobile(in.Mobile)
		h, found, err := a.hosts.HostByMobile(ctx, mobile)
		if err != nil {
			return nil, err
		}
		if !found {
			continue
		}
		children := false
		for _, g := range h.AgeGroups {
			children = children || g == "children"
		}
		out = append(out, historyPlace{kind: booking.PlaceHost, id: h.ID, suits: []string{"residential", "residential_dementia"}, children: children, from: start})
	}
	return out, nil
}

func demoContractRefs() []string {
	refs := make([]string, len(demoHomes))
	for i, h := range demoHomes {
		refs[i] = h.contract
	}
	return refs
}

func placeTaken(busy map[historyPlaceNight]bool, pl historyPlace, arrive, depart calendar.Date) bool {
	for d := arrive; d.Before(depart); d = d.AddDays(1) {
		if busy[historyPlaceNight{pl.kind, pl.id, d}] {
			return true
		}
	}
	return false
}

// pickHistoryPerson chooses, from a random starting point, someone the
// place suits who is free every night and has the allowance left.
func pickHistoryPerson(r *rand.Rand, people []*historyPerson, pl historyPlace, arrive, depart calendar.Date) *historyPerson {
	first := r.IntN(len(people))
	for k := range people {
		p := people[(first+k)%len(people)]
		if p.child && !pl.children || !slices.Contains(pl.suits, p.bedType) {
			continue
		}
		if p.used[allowanceYear(p.carer, arrive)]+arrive.DaysUntil(depart) > p.allowance {
			continue
		}
		free := true
		for d := arrive; d.Before(depart) && free; d = d.AddDays(1) {
			free = !p.busy[d]
		}
		if free {
			return p
		}
	}
	return nil
}

// allowanceYear is the year in which the carer's allowance year holding
// night d starts. (Stays rarely straddle the year's start; the whole stay
// counts in the year it starts, which errs on the generous side by a night
// or two at most.)
func allowanceYear(c booking.Carer, d calendar.Date) int {
	starts := calendar.Date{Year: d.Year, Month: c.AllowanceYearStarts.Month, Day: c.AllowanceYearStarts.Day}
	if d.Before(starts) {
		return d.Year - 1
	}
	return d.Year
}

// historyRef is a booking reference from the seeded generator.
func historyRef(r *rand.Rand) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 0, 7)
	for i := range 6 {
		if i == 3 {
			b = append(b, '-')
		}
		b = append(b, alphabet[r.IntN(len(alphabet))])
	}
	return string(b)
}

// at is 10:00 (or the given hour) in London on d, in UTC.
func at(d calendar.Date, hour int) time.Time {
	return d.StartIn(calendar.London).Add(time.Duration(hour) * time.Hour).UTC()
}

var historyComments = []string{
	"Staff were lovely and Mum came home happy.",
	"Room was cold the first night.",
	"Good break, I slept properly for the first time in months.",
	"Would like the same home next time.",
	"Meds were late one evening.",
	"",
	"",
	"",
}

// writeHistory writes the stays, two spot purchases, unmet searches and
// feedback, and host calendars covering the hosts' past stays.
func writeHistory(ctx context.Context, tx bun.Tx, r *rand.Rand, duty accounts.Principal, today calendar.Date, stays []historyStay, people []*historyPerson) (int, error) {
	created := 0
	hostSpan := map[int64][2]calendar.Date{}
	var nights []booking.Night
	var feedback []booking.Feedback
	for i, st := range stays {
		key := fmt.Sprintf("%s%d", demoHistoryKey, i+1)
		b := booking.Booking{
			Reference: historyRef(r), Status: booking.StatusConfirmed, Kind: st.kind, PersonID: st.person.person.ID, CarerID: st.person.carer.ID,
			PlaceKind: st.place.kind, PlaceID: st.place.id, Arrive: st.arrive, Depart: st.depart, Nights: st.arrive.DaysUntil(st.depart),
			NightlyRatePence: st.place.rate, IdempotencyKey: &key,
		}
		if st.kind == booking.KindEmergency {
			b.CreatedByKind, b.CreatedByID, b.CreatedAt = string(duty.Kind), duty.ID, at(st.arrive, 17)
		} else {
			b.CreatedByKind, b.CreatedByID, b.CreatedAt = string(accounts.SubjectCarer), st.person.carer.ID, at(st.arrive.AddDays(-14-r.IntN(60)), 11)
		}
		b.UpdatedAt = b.CreatedAt
		if st.cancelledDaysBefore > 0 {
			when := at(st.arrive.AddDays(-st.cancelledDaysBefore), 9)
			if when.Before(b.CreatedAt) {
				when = b.CreatedAt.Add(time.Hour)
			}
			reason, by := "Plans changed", string(accounts.SubjectCarer)
			b.Status, b.CancelledAt, b.CancelledByKind, b.CancelledByID, b.CancelReason = booking.StatusCancelled, &when, &by, &st.person.carer.ID, &reason
			b.AllowanceRestored, b.UpdatedAt = true, when
		}
		if _, err := tx.NewInsert().Model(&b).Exec(ctx); err != nil {
			return created, fmt.Errorf("demo history stay: %w", err)
		}
		created++
		if st.kind == booking.KindEmergency {
			// The duty team looked the carer's card up, then placed.
			if err := auditPlacement(ctx, tx, r, duty, b, audit.EmergencyPlacement, "Carer admitted to hospital"); err != nil {
				return created, err
			}
		}
		if b.Status == booking.StatusCancelled {
			continue
		}
		for d := st.arrive; d.Before(st.depart); d = d.AddDays(1) {
			nights = append(nights, booking.Night{PlaceKind: b.PlaceKind, PlaceID: b.PlaceID, Night: d, Slot: 0, BookingID: b.ID, PersonID: b.PersonID})
		}
		if st.place.kind == booking.PlaceHost {
			span, ok := hostSpan[st.place.id]
			if !ok || st.arrive.Before(span[0]) {
				span[0] = st.arrive
			}
			if !ok || st.depart.After(span[1]) {
				span[1] = st.depart
			}
			hostSpan[st.place.id] = span
		}
		if st.feedback && st.depart.Before(today) {
			rating := st.rating
			got := at(st.depart.AddDays(1), 10).Add(time.Duration(r.IntN(300)) * time.Minute)
			feedback = append(feedback, booking.Feedback{BookingID: b.ID, CarerID: b.CarerID, Rating: &rating,
				Comment: historyComments[r.IntN(len(historyComments))], Replies: 1, ReceivedAt: got, LastReplyAt: got})
		}
	}
	n, err := writeSpotHistory(ctx, tx, r, duty, today, people, &nights)
	created += n
	if err != nil {
		return created, err
	}
	for from := 0; from < len(nights); from += 500 {
		chunk := nights[from:min(from+500, len(nights))]
		if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return created, fmt.Errorf("demo history nights: %w", err)
		}
	}
	if len(feedback) > 0 {
		if _, err := tx.NewInsert().Model(&feedback).Exec(ctx); err != nil {
			return created, fmt.Errorf("demo history feedback: %w", err)
		}
		created += len(feedback)
	}
	// The hosts offered the nights they were booked, and more.
	for hostID, span := range hostSpan {
		row := sharedlives.Range{HostID: hostID, StartsOn: span[0].AddDays(-3), EndsOn: span[1].AddDays(-1)}
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			return created, fmt.Errorf("demo history host calendar: %w", err)
		}
		// And were approved before their first guest came (their next
		// review stays where approving them today put it).
		approved := span[0].AddDays(-60)
		if _, err := tx.NewUpdate().Table("hosts").Set("approved_on = ?", approved).Set("created_at = ?", at(approved, 9)).
			Where("id = ? AND approved_on > ?", hostID, approved).Exec(ctx); err != nil {
			return created, fmt.Errorf("demo history host approval: %w", err)
		}
	}
	n, err = writeUnmetHistory(ctx, tx, r, today, people)
	return created + n, err
}

// auditPlacement writes the audit entries an emergency placement leaves:
// the carer's card looked up, 5 to 45 minutes before the placement.
func auditPlacement(ctx context.Context, tx bun.Tx, r *rand.Rand, duty accounts.Principal, b booking.Booking, action, reason string) error {
	lookedUp := b.CreatedAt.Add(-time.Duration(5+r.IntN(41)) * time.Minute)
	if err := audit.Record(ctx, tx, lookedUp, duty, audit.EmergencyLookup, "carer", b.CarerID, "emergency card (demo history)"); err != nil {
		return err
	}
	return audit.Record(ctx, tx, b.CreatedAt, duty, action, "booking", b.ID, reason)
}

// writeSpotHistory records two past spot purchases (emergencies placed
// when the block beds were full), as SpotPlacement would have.
func writeSpotHistory(ctx context.Context, tx bun.Tx, r *rand.Rand, duty accounts.Principal, today calendar.Date, people []*historyPerson, nights *[]booking.Night) (int, error) {
	created := 0
	spots := []struct {
		home    string
		bedType string
		daysAgo int
		nights  int
		rate    int64
	}{
		{"Aire Valley Nursing Home", "nursing", 200, 4, 24500},
		{"Meadow View Care Home", "residential_dementia", 75, 3, 21000},
	}
	for i, sp := range spots {
		var home providers.Provider
		if err := tx.NewSelect().Model(&home).Where("name = ?", sp.home).Limit(1).Scan(ctx); err != nil {
			return created, fmt.Errorf("demo spot home %s: %w", sp.home, err)
		}
		arrive := today.AddDays(-sp.daysAgo)
		depart := arrive.AddDays(sp.nights)
		var p *historyPerson
		for k := range people {
			c := people[(i*7+k)%len(people)]
			free := c.bedType == sp.bedType
			for d := arrive; d.Before(depart) && free; d = d.AddDays(1) {
				free = !c.busy[d]
			}
			if free {
				p = c
				break
			}
		}
		if p == nil {
			continue
		}
		placedAt := at(arrive, 19)
		ref := historyRef(r)
		contract := providers.Contract{ProviderID: home.ID, Kind: providers.KindSpot, Reference: "SPOT-" + ref, StartsOn: arrive,
			EndsOn: depart.AddDays(-1), NightlyRatePence: sp.rate, Active: true, CreatedAt: placedAt, UpdatedAt: placedAt}
		if _, err := tx.NewInsert().Model(&contract).Exec(ctx); err != nil {
			return created, fmt.Errorf("demo spot contract: %w", err)
		}
		bed := providers.Bed{ProviderID: home.ID, ContractID: contract.ID, Label: "Spot bed SPOT-" + ref, BedType: sp.bedType,
			Features: nonNilStrings(p.person.Requirements), EmergencyReserved: true, Active: true, CreatedAt: placedAt, UpdatedAt: placedAt}
		if _, err := tx.NewInsert().Model(&bed).Exec(ctx); err != nil {
			return created, fmt.Errorf("demo spot bed: %w", err)
		}
		// As SpotPlacement audits the contract and bed it buys.
		for _, bought := range []struct {
			action, kind string
			id           int64
		}{{audit.ContractCreated, "contract", contract.ID}, {audit.BedCreated, "bed", bed.ID}} {
			if err := audit.Record(ctx, tx, placedAt, duty, bought.action, bought.kind, bought.id, "spot purchase, for an emergency placement"); err != nil {
				return created, err
			}
		}
		key := fmt.Sprintf("%sspot-%d", demoHistoryKey, i+1)
		b := booking.Booking{Reference: ref, Status: booking.StatusConfirmed, Kind: booking.KindEmergency, PersonID: p.person.ID, CarerID: p.carer.ID,
			PlaceKind: booking.PlaceBed, PlaceID: bed.ID, Arrive: arrive, Depart: depart, Nights: sp.nights, NightlyRatePence: sp.rate,
			CreatedByKind: string(duty.Kind), CreatedByID: duty.ID, IdempotencyKey: &key, CreatedAt: placedAt, UpdatedAt: placedAt}
		if _, err := tx.NewInsert().Model(&b).Exec(ctx); err != nil {
			return created, fmt.Errorf("demo spot stay: %w", err)
		}
		if err := auditPlacement(ctx, tx, r, duty, b, audit.SpotPlacement, fmt.Sprintf("No block bed free (spot at %s, %d pence a night)", home.Name, sp.rate)); err != nil {
			return created, err
		}
		for d := arrive; d.Before(depart); d = d.AddDays(1) {
			p.busy[d] = true
			*nights = append(*nights, booking.Night{PlaceKind: booking.PlaceBed, PlaceID: bed.ID, Night: d, BookingID: b.ID, PersonID: p.person.ID})
		}
		created += 3
	}
	return created, nil
}

// writeUnmetHistory records searches that found nothing, planned and
// emergency, spread over the year.
func writeUnmetHistory(ctx context.Context, tx bun.Tx, r *rand.Rand, today calendar.Date, people []*historyPerson) (int, error) {
	created := 0
	for i := range 36 {
		p := people[r.IntN(len(people))]
		kind, searched := booking.UnmetPlanned, today.AddDays(-5-r.IntN(355))
		arrive := searched.AddDays(3 + r.IntN(40))
		nights := 2 + r.IntN(6)
		if i%4 == 3 {
			kind, arrive, nights = booking.UnmetEmergency, searched, 1+r.IntN(4)
		}
		area, _, _ := strings.Cut(p.carer.Postcode, " ")
		ageGroup := "adults"
		if p.child {
			ageGroup = "children"
		}
		u := booking.UnmetSearch{SearchedAt: at(searched, 9+r.IntN(11)), Kind: kind, PersonID: p.person.ID, CarerID: p.carer.ID,
			Arrive: arrive, Depart: arrive.AddDays(nights), Needs: nonNilStrings(p.person.Needs), Requirements: nonNilStrings(p.person.Requirements),
			AgeGroup: ageGroup, Area: strings.ToUpper(area)}
		res, err := tx.NewInsert().Model(&u).On("CONFLICT (person_id, arrive, depart, kind) DO NOTHING").Exec(ctx)
		if err != nil {
			return created, fmt.Errorf("demo unmet search: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			created++
		}
	}
	return created, nil
}

func nonNilStrings(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}
