package booking

import (
	"context"
	"fmt"
	"slices"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/sharedlives"
)

// FreeBothWays is for tests: the places free for a stay of nights from
// arrive, found by reading the window from from to to at once, as
// NearbyDates does, and by reading the stay alone, as Availability,
// CreateHold and Confirm do. Each place is written "bed 3" or
// "host 2 slots [[0 1] [1]]" (the slots free each night); emergency beds are included.
func (s *Service) FreeBothWays(ctx context.Context, from, to, arrive calendar.Date, nights int) (inWindow, alone []string, err error) {
	now, today, depart := s.now().UTC(), s.today(), arrive.AddDays(nights)
	bw, err := loadBedWindow(ctx, s.db, from, to, nights, allBedTypes, now, nil, nil, true, nil)
	if err != nil {
		return nil, nil, err
	}
	hw, err := loadHostWindow(ctx, s.db, sharedlives.OfferShortBreak, from, to, today, now, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	beds, err := bedCandidates(ctx, s.db, arrive, depart, allBedTypes, now, nil, nil, true)
	if err != nil {
		return nil, nil, err
	}
	hosts, err := hostCandidates(ctx, s.db, sharedlives.OfferShortBreak, arrive, depart, today, now, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	return describe(bw.free(arrive, depart), hw.free(arrive, depart)), describe(beds, hosts), nil
}

func describe(beds []bedCandidate, hosts []hostCandidate) []string {
	out := []string{}
	for _, b := range beds {
		out = append(out, fmt.Sprintf("bed %d", b.BedID))
	}
	for _, h := range hosts {
		out = append(out, fmt.Sprintf("host %d slots %v", h.host.ID, h.free))
	}
	return out
}

// NearbyDatesUpTo is NearbyDates offering up to limit dates, so that a
// benchmark can make it try every date.
func (s *Service) NearbyDatesUpTo(ctx context.Context, actor accounts.Principal, q Search, within, limit int) ([]NearbyStay, error) {
	return s.nearbyDates(ctx, actor, q, within, limit)
}

// EmergencyPlacesWithin is for tests: the beds and hosts free for the stay,
// as options and near misses, within reachKm of the carer's home, or
// everywhere for 0, each written "tier place-kind id distance" and sorted.
func (s *Service) EmergencyPlacesWithin(ctx context.Context, personID int64, arrive, depart calendar.Date, reachKm float64) (options, misses []string, err error) {
	p, c, err := personFor(ctx, s.db, accounts.Principal{Kind: accounts.SubjectStaff, ID: 1, Role: accounts.RoleDuty}, personID)
	if err != nil {
		return nil, nil, err
	}
	opts, near, err := s.emergencyPlaces(ctx, p, c, arrive, depart, s.now().UTC(), within(LatLon{c.Latitude, c.Longitude}, reachKm))
	if err != nil {
		return nil, nil, err
	}
	line := func(o EmergencyOption) string {
		return fmt.Sprintf("%s %s %d %.1f", o.Tier, o.Place.Kind, o.Place.ID, o.DistanceKm)
	}
	for _, o := range opts {
		options = append(options, line(o))
	}
	for _, m := range near {
		misses = append(misses, line(m.EmergencyOption))
	}
	slices.Sort(options)
	slices.Sort(misses)
	return options, misses, nil
}

// InsertNightsTrying is insertNightsTrying, for tests, in a transaction of
// its own that commits when it succeeds.
func (s *Service) InsertNightsTrying(ctx context.Context, b Booking, choices [][]int) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return insertNightsTrying(ctx, tx, b, b.Arrive, b.Depart, choices)
	})
}
