package booking

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/sharedlives"
)

// HeldStay is a hold as a carer checks it before booking: who, where, and
// what it leaves of their allowance.
type HeldStay struct {
	Hold       Hold
	PersonName string
	PlaceName  string // as Stay.PlaceName
	Address    string // as Stay.Address
	Nights     int
	// NightsLeftAfter is what remains of the allowance year the stay starts
	// in once this stay is booked (the hold already counts against it).
	NightsLeftAfter int
}

// HeldStay returns a live hold with its details. It returns
// ErrHoldNotFound for a hold that does not exist, has been used, or is not
// the actor's, and ErrHoldExpired for one that has run out.
func (s *Service) HeldStay(ctx context.Context, actor accounts.Principal, holdID string) (HeldStay, error) {
	h, err := holdByID(ctx, s.db, holdID)
	if err != nil {
		return HeldStay{}, err
	}
	if err := access(actor, h.CarerID, ErrHoldNotFound); err != nil {
		return HeldStay{}, err
	}
	now := s.now().UTC()
	if !now.Before(h.ExpiresAt) {
		return HeldStay{}, s.holdExpired()
	}
	p, c, err := personFor(ctx, s.db, actor, h.PersonID)
	if err != nil {
		return HeldStay{}, err
	}
	name, address, err := placeDetails(ctx, s.db, h.PlaceKind, h.PlaceID)
	if err != nil {
		return HeldStay{}, err
	}
	start, next := c.AllowanceYear(h.Arrive)
	a, err := allowanceIn(ctx, s.db, c, start, next, now, "")
	if err != nil {
		return HeldStay{}, err
	}
	return HeldStay{
		Hold: h, PersonName: p.Name, PlaceName: name, Address: address,
		Nights: h.Arrive.DaysUntil(h.Depart), NightsLeftAfter: a.Remaining,
	}, nil
}

// placeDetails names a place and gives its address as a stay's page does.
func placeDetails(ctx context.Context, db bun.IDB, kind string, id int64) (name, address string, err error) {
	if kind == PlaceHost {
		var h sharedlives.Host
		if err := db.NewSelect().Model(&h).Where("id = ?", id).Scan(ctx); err != nil {
			return "", "", apperr.Wrapf(err, "reading host %d", id)
		}
		return hostName(h), oneLine(h.Address, h.Postcode), nil
	}
	var row struct {
		Home     string `bun:"home"`
		Room     string `bun:"room"`
		Address  string `bun:"address"`
		Postcode string `bun:"postcode"`
	}
	err = db.NewSelect().ColumnExpr("p.name AS home, b.label AS room, p.address, p.postcode").TableExpr("beds AS b").
		Join("JOIN providers AS p ON p.id = b.provider_id").Where("b.id = ?", id).Scan(ctx, &row)
	if err != nil {
		return "", "", apperr.Wrapf(err, "reading bed %d", id)
	}
	return oneLine(row.Home, row.Room), oneLine(row.Address, row.Postcode), nil
}

// CancelDeadline is the last moment a carer may cancel b online
// (Options.CancelCutoff before the day it starts, London time); after it,
// only staff can.
func (s *Service) CancelDeadline(b Booking) time.Time {
	return b.Arrive.StartIn(calendar.London).Add(-s.opts.CancelCutoff)
}

// postcodeArea is the outward half of a postcode, for saying roughly where
// without saying exactly: "LS6 2AB" is the "LS6 area".
func postcodeArea(postcode string) string {
	outward, _, _ := strings.Cut(strings.TrimSpace(postcode), " ")
	if outward == "" {
		return ""
	}
	return outward + " area"
}

// holdExpired is ErrHoldExpired saying how long places are kept for.
func (s *Service) holdExpired() error {
	return ErrHoldExpired.Reason("The hold has expired: the place was kept for %s. Search again and hold it afresh.", minutesWords(s.opts.HoldTTL))
}

// minutesWords writes a duration of whole minutes for people: "10 minutes".
func minutesWords(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	if m == 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", m)
}
