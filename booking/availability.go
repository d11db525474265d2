package booking

import (
	"context"
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

// Option is a place that suits the person and is free every night.
type Option struct {
	Place            Place
	Name             string // "Room 4"
	Provider         string // the home's name
	ProviderID       int64
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
	origin := LatLon{c.Latitude, c.Longitude}
	if q.Near != nil {
		origin = *q.Near
	}
	now := s.now().UTC()
	beds, err := bedCandidates(ctx, s.db, q.Arrive, q.Depart, bedTypesFor(p.Needs), now, nil, s.emergencyBedsReleased(q.Depart))
	if err != nil {
		return nil, err
	}
	options := make([]Option, 0, len(beds))
	for _, b := range beds {
		score, reasons, problems := match(p, q.Arrive, b)
		if len(problems) > 0 {
			continue
		}
		options = append(options, Option{
			Place: Place{Kind: PlaceBed, ID: b.BedID}, Name: b.Label, Provider: b.ProviderName, ProviderID: b.ProviderID,
			DistanceKm:       distanceKm(origin.Lat, origin.Lon, b.Latitude, b.Longitude),
			NightlyRatePence: b.NightlyRatePence, Reasons: reasons, score: score,
		})
	}
	hosts, err := hostCandidates(ctx, s.db, sharedlives.OfferShortBreak, q.Arrive, q.Depart, s.today(), now, nil)
	if err != nil {
		return nil, err
	}
	for _, hc := range hosts {
		score, reasons, problems := matchHost(p, q.Arrive, hc.host, now)
		if len(problems) > 0 {
			continue
		}
		options = append(options, Option{
			Place: Place{Kind: PlaceHost, ID: hc.host.ID}, Name: hostName(hc.host), Provider: "Shared Lives",
			DistanceKm: distanceKm(origin.Lat, origin.Lon, hc.host.Latitude, hc.host.Longitude),
			Reasons:    reasons, score: score,
		})
	}
	sort.SliceStable(options, func(i, k int) bool {
		if options[i].score != options[k].score {
			return options[i].score > options[k].score
		}
		return options[i].DistanceKm < options[k].DistanceKm
	})
	if len(options) == 0 {
		if err := recordUnmet(ctx, s.db, p, c, q, now); err != nil {
			// The search itself worked; losing the record is worth a log
			// line, not a failed answer.
			s.log.ErrorContext(ctx, "recording a search that found nothing", "err", err)
		}
	}
	return options, nil
}

// unmetSearch is a search that found nothing: what was wanted, when and
// roughly where (the postcode district, never the address).
type unmetSearch struct {
	bun.BaseModel `bun:"table:unmet_searches"`

	ID           int64         `bun:"id,pk,autoincrement"`
	SearchedAt   time.Time     `bun:"searched_at"`
	Arrive       calendar.Date `bun:"arrive"`
	Depart       calendar.Date `bun:"depart"`
	Needs        []string      `bun:"needs"`
	Requirements []string      `bun:"requirements"`
	AgeGroup     string        `bun:"age_group"`
	Area         string        `bun:"area"`
}

func recordUnmet(ctx context.Context, db bun.IDB, p Person, c Carer, q Search, now time.Time) error {
	area, _, _ := strings.Cut(c.Postcode, " ")
	u := unmetSearch{SearchedAt: now, Arrive: q.Arrive, Depart: q.Depart, Needs: nonNil(p.Needs), Requirements: nonNil(p.Requirements), AgeGroup: p.AgeGroup(q.Arrive), Area: area}
	_, err := db.NewInsert().Model(&u).Exec(ctx)
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
