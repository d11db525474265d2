package booking

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/sharedlives"
)

// Search asks which places suit a person for a stay.
type Search struct {
	PersonID       int64
	Arrive, Depart calendar.Date
	// Near orders options by distance from here; nil means from the carer's home.
	Near *LatLon
}

// LatLon is a point on the map.
type LatLon struct{ Lat, Lon float64 }

// OnTheMap reports whether l is a real point: degrees in range, and neither
// NaN nor infinite.
func (l LatLon) OnTheMap() bool {
	// Written so that NaN, for which every comparison is false, fails.
	return l.Lat >= -90 && l.Lat <= 90 && l.Lon >= -180 && l.Lon <= 180
}

// Option is a place that suits the person and is free every night.
type Option struct {
	Place      Place
	Name       string // "Room 4"
	Provider   string // the home's name
	ProviderID int64
	// Address is a care home's address, or for a shared-lives host only
	// the area of their postcode ("LS6 area"): a family's address is given
	// to the carer once they have booked.
	Address          string
	DistanceKm       float64
	NightlyRatePence int64
	Reasons          []string // why it suits
	score            int
}

// Availability lists the places free on every night of the stay, under a
// contract covering every night, that suit the person — never beds kept for
// emergencies, never nights booked or held — best match first, then
// nearest. A search that finds nothing is recorded for the commissioners.
// It returns ErrPersonNotFound for a person the actor may not book for, and
// an Invalid error for dates that break the booking rules.
func (s *Service) Availability(ctx context.Context, actor accounts.Principal, q Search) ([]Option, error) {
	p, c, err := personFor(ctx, s.db, actor, q.PersonID)
	if err != nil {
		return nil, err
	}
	if err := s.checkStay(q.Arrive, q.Depart); err != nil {
		return nil, err
	}
	sr, err := s.newSearch(ctx, p, c, q.Near, q.Arrive, q.Depart, q.Arrive.DaysUntil(q.Depart))
	if err != nil {
		return nil, err
	}
	options := sr.options(q.Arrive, q.Depart)
	if len(options) == 0 {
		if err := recordUnmet(ctx, s.db, UnmetPlanned, p, c, q.Arrive, q.Depart, sr.now); err != nil {
			// The search itself worked; losing the record is worth a log
			// line, not a failed answer.
			s.log.ErrorContext(ctx, "recording a search that found nothing", "err", err)
		}
	}
	return options, nil
}

// Limits on NearbyDates.
const (
	// MaxNearbyDates is the most other dates NearbyDates offers: enough to
	// choose from, few enough to read at a glance.
	MaxNearbyDates = 4
	// MaxNearbyWithin is the furthest NearbyDates looks either side.
	MaxNearbyWithin = 28
)

// NearbyStay is a stay as long as one searched for, on other dates, that
// has places free.
type NearbyStay struct {
	Arrive, Depart calendar.Date
	Places         int // how many places Availability offers for it now
}

// NearbyDates suggests other dates when a search finds nothing: stays of the
// same number of nights starting up to within days (at most
// MaxNearbyWithin) either side of q.Arrive, the date searched included, on
// which Availability offers places — nearest first, and of two as near the
// earlier first; at most MaxNearbyDates. Dates the booking rules forbid
// (too soon, too far ahead) and dates the person already has a stay or a
// hold on are left out without a word. The places are found exactly as
// Availability finds them (one search over the whole window, asked about
// each date), but nothing is recorded: the caller's own Availability call
// has recorded the search that found nothing.
//
// It returns ErrPersonNotFound for a person the actor may not book for, and
// an Invalid error when q has no dates or a length of stay the rules forbid.
func (s *Service) NearbyDates(ctx context.Context, actor accounts.Principal, q Search, within int) ([]NearbyStay, error) {
	return s.nearbyDates(ctx, actor, q, within, MaxNearbyDates)
}

// nearbyDates is NearbyDates offering up to limit dates.
func (s *Service) nearbyDates(ctx context.Context, actor accounts.Principal, q Search, within, limit int) ([]NearbyStay, error) {
	p, c, err := personFor(ctx, s.db, actor, q.PersonID)
	if err != nil {
		return nil, err
	}
	nights := q.Arrive.DaysUntil(q.Depart)
	if q.Arrive.IsZero() || q.Depart.IsZero() || nights < 1 || nights > s.opts.MaxNights {
		return nil, s.checkStay(q.Arrive, q.Depart) // certainly an error: it names the field
	}
	within = min(max(within, 0), MaxNearbyWithin)
	// The starts to try, nearest first: the date itself, a day before, a
	// day after, two days before…
	var starts []calendar.Date
	for k := 0; k <= 2*within; k++ {
		offset := (k + 1) / 2
		if k%2 == 1 {
			offset = -offset
		}
		start := q.Arrive.AddDays(offset)
		if s.checkStay(start, start.AddDays(nights)) == nil {
			starts = append(starts, start)
		}
	}
	if len(starts) == 0 {
		return []NearbyStay{}, nil
	}
	byDate := func(a, b calendar.Date) int { return b.DaysUntil(a) }
	from, last := slices.MinFunc(starts, byDate), slices.MaxFunc(starts, byDate)
	sr, err := s.newSearch(ctx, p, c, q.Near, from, last.AddDays(nights), nights)
	if err != nil {
		return nil, err
	}
	// The person's own stays and holds, which CreateHold would refuse to
	// overlap (personNightsTaken reads the same, a stay at a time).
	away, err := personBusy(ctx, s.db, p.ID, from, last.AddDays(nights), sr.now, "")
	if err != nil {
		return nil, err
	}
	out := []NearbyStay{}
	for _, start := range starts {
		depart := start.AddDays(nights)
		if first := from.DaysUntil(start); slices.Contains(away[first:first+nights], true) {
			continue
		}
		places := len(sr.options(start, depart))
		if places == 0 {
			continue
		}
		out = append(out, NearbyStay{Arrive: start, Depart: depart, Places: places})
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// search finds places for one person for any stay within a window of
// nights: newSearch reads the window once, and options answers for each
// stay in memory. Availability asks it about one stay and NearbyDates about
// many, so the two never disagree about a date.
type search struct {
	s      *Service
	person Person
	origin LatLon
	now    time.Time
	beds   bedWindow
	hosts  hostWindow
	// matched remembers whether and how well each place suits the person.
	// match and matchHost depend on the date of arrival only through the
	// person's age group then, so the answer is kept per place and group.
	matched map[matchKey]matched
}

type matchKey struct {
	place Place
	group string
}

type matched struct {
	ok      bool
	score   int
	reasons []string
}

// matchBed is match's answer for bed b and the person arriving on arrive.
func (sr *search) matchBed(b bedCandidate, arrive calendar.Date) matched {
	key := matchKey{Place{PlaceBed, b.BedID}, sr.person.AgeGroup(arrive)}
	m, ok := sr.matched[key]
	if !ok {
		score, reasons, problems := match(sr.person, arrive, b)
		m = matched{ok: len(problems) == 0, score: score, reasons: reasons}
		sr.matched[key] = m
	}
	return m
}

// matchHost is matchHost's answer for host h and the person arriving on
// arrive.
func (sr *search) matchHost(h sharedlives.Host, arrive calendar.Date) matched {
	key := matchKey{Place{PlaceHost, h.ID}, sr.person.AgeGroup(arrive)}
	m, ok := sr.matched[key]
	if !ok {
		score, reasons, problems := matchHost(sr.person, arrive, h, sr.now)
		m = matched{ok: len(problems) == 0, score: score, reasons: reasons}
		sr.matched[key] = m
	}
	return m
}

// newSearch reads, for person p of carer c, the places that might take a
// stay of the given number of nights within the nights from from to to.
// near, when set, is where to measure distances from instead of the carer's
// home.
func (s *Service) newSearch(ctx context.Context, p Person, c Carer, near *LatLon, from, to calendar.Date, nights int) (*search, error) {
	sr := &search{s: s, person: p, origin: LatLon{c.Latitude, c.Longitude}, now: s.now().UTC(), matched: map[matchKey]matched{}}
	if near != nil {
		if !near.OnTheMap() {
			// NaN passes every comparison a caller might make, and a
			// distance from it cannot be written as JSON.
			return nil, apperr.Invalidf("near", "Give a point on the map: a latitude from -90 to 90 and a longitude from -180 to 180.")
		}
		sr.origin = *near
	}
	// Beds that cannot suit the person on any date need not have their
	// nights read. (Someone may come of age within the window: then a bed
	// may suit on some dates and not others.)
	first, last := from, to.AddDays(-nights) // the first and last arrival
	mightSuit := func(b bedCandidate) bool { return sr.matchBed(b, first).ok || sr.matchBed(b, last).ok }
	var err error
	// Beds kept for emergencies are read only if some might be released
	// for booking ahead; options decides which.
	if sr.beds, err = loadBedWindow(ctx, s.db, from, to, nights, bedTypesFor(p.Needs), sr.now, nil, nil, s.opts.ReleaseEmergencyDays > 0, mightSuit); err != nil {
		return nil, err
	}
	if sr.hosts, err = loadHostWindow(ctx, s.db, sharedlives.OfferShortBreak, from, to, s.today(), sr.now, nil, nil); err != nil {
		return nil, err
	}
	return sr, nil
}

// options lists the places free on every night from arrive to depart that
// suit the person, best match first, then nearest.
func (sr *search) options(arrive, depart calendar.Date) []Option {
	released := sr.s.emergencyBedsReleased(depart)
	var options []Option
	for _, b := range sr.beds.free(arrive, depart) {
		if b.Emergency && !released {
			continue
		}
		m := sr.matchBed(b, arrive)
		if !m.ok {
			continue
		}
		options = append(options, Option{
			Place: Place{PlaceBed, b.BedID}, Name: b.Label, Provider: b.ProviderName, ProviderID: b.ProviderID,
			Address:          oneLine(b.ProviderAddress, b.ProviderPostcode),
			DistanceKm:       distanceKm(sr.origin.Lat, sr.origin.Lon, b.Latitude, b.Longitude),
			NightlyRatePence: b.NightlyRatePence, Reasons: m.reasons, score: m.score,
		})
	}
	for _, hc := range sr.hosts.free(arrive, depart) {
		m := sr.matchHost(hc.host, arrive)
		if !m.ok {
			continue
		}
		options = append(options, Option{
			Place: Place{PlaceHost, hc.host.ID}, Name: hostName(hc.host), Provider: "Shared Lives",
			Address:    postcodeArea(hc.host.Postcode),
			DistanceKm: distanceKm(sr.origin.Lat, sr.origin.Lon, hc.host.Latitude, hc.host.Longitude),
			Reasons:    m.reasons, score: m.score,
		})
	}
	sort.SliceStable(options, func(i, k int) bool {
		if options[i].score != options[k].score {
			return options[i].score > options[k].score
		}
		return options[i].DistanceKm < options[k].DistanceKm
	})
	return options
}

// Kinds of unmet search.
const (
	UnmetPlanned   = "planned"   // a stay looked for ahead (Availability)
	UnmetEmergency = "emergency" // no bed or host tonight, only homes to ring (EmergencyChoices)
)

// UnmetSearch is a search that found nothing: whose, what was wanted, when
// and roughly where (the postcode district, never the address). A search
// the same person makes again for the same stay and kind is recorded once
// (a unique key), so each row is one unmet stay.
type UnmetSearch struct {
	bun.BaseModel `bun:"table:unmet_searches"`

	ID           int64         `bun:"id,pk,autoincrement"`
	SearchedAt   time.Time     `bun:"searched_at"`
	Kind         string        `bun:"kind"`
	PersonID     int64         `bun:"person_id"`
	CarerID      int64         `bun:"carer_id"`
	Arrive       calendar.Date `bun:"arrive"`
	Depart       calendar.Date `bun:"depart"`
	Needs        []string      `bun:"needs"`
	Requirements []string      `bun:"requirements"`
	AgeGroup     string        `bun:"age_group"`
	Area         string        `bun:"area"`
}

// recordUnmet records that a search of kind for person p of carer c found
// nothing; a repeat of a search already recorded changes nothing.
func recordUnmet(ctx context.Context, db bun.IDB, kind string, p Person, c Carer, arrive, depart calendar.Date, now time.Time) error {
	area, _, _ := strings.Cut(strings.TrimSpace(c.Postcode), " ")
	u := UnmetSearch{SearchedAt: now, Kind: kind, PersonID: p.ID, CarerID: c.ID, Arrive: arrive, Depart: depart,
		Needs: nonNil(p.Needs), Requirements: nonNil(p.Requirements), AgeGroup: p.AgeGroup(arrive), Area: strings.ToUpper(area)}
	_, err := db.NewInsert().Model(&u).On("CONFLICT (person_id, arrive, depart, kind) DO NOTHING").Exec(ctx)
	return apperr.Wrapf(err, "recording unmet search")
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// emergencyBedsReleased reports whether, under the optional policy, beds kept
// for emergencies may be booked ahead for a stay ending on depart: only when
// every night is within Options.ReleaseEmergencyDays of today, so a bed still
// unbooked that close is not wasted. Off (0) by default; a planned booking is
// never displaced by it, since it only ever offers free nights.
func (s *Service) emergencyBedsReleased(depart calendar.Date) bool {
	days := s.opts.ReleaseEmergencyDays
	return days > 0 && !depart.AddDays(-1).After(s.today().AddDays(days))
}
