package booking

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/sharedlives"
)

// Stay is a booking as the carer's pages show it: with the name of the
// person staying and the place's name, address and phone number.
type Stay struct {
	Booking
	PersonName string
	// PlaceName is the care home's name and the room ("Oakwood House,
	// Room 4"), or a shared-lives host's name as carers see it ("Shared
	// Lives host Ann").
	PlaceName string
	// Address is the place's address on one line, ending with its postcode
	// ("1 Park Road, Leeds, LS1 4AP"). A host's is just the postcode until
	// a coordinator enters the address.
	Address  string
	Postcode string
	// Phone is the care home's number, in E.164 (contact.DisplayPhone
	// writes it for people). It is empty for a stay with a shared-lives
	// host: a host's own mobile is not given out, so show the shared-lives
	// team's number instead.
	Phone string
	// Upcoming is true for a confirmed stay that has not yet ended (it
	// departs after today); past and cancelled stays are not upcoming.
	Upcoming bool
}

// Stays returns a carer's stays with their places' details: upcoming ones
// (see Stay.Upcoming) soonest first, then the rest — past and cancelled —
// latest first. Carers may see their own only; for anyone else's the answer
// is ErrCarerNotFound. Staff other than duty and administrators get
// ErrNotAllowed.
func (s *Service) Stays(ctx context.Context, actor accounts.Principal, carerID int64) (upcoming, past []Stay, err error) {
	if err := maySeeCarer(actor, carerID, ErrCarerNotFound); err != nil {
		return nil, nil, err
	}
	if _, err := carerByID(ctx, s.db, carerID); err != nil {
		return nil, nil, err
	}
	stays, err := s.readStays(ctx, func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where("booking.carer_id = ?", carerID) })
	if err != nil {
		return nil, nil, err
	}
	upcoming, past = []Stay{}, []Stay{}
	for _, st := range stays {
		if st.Upcoming {
			upcoming = append(upcoming, st)
		} else {
			past = append(past, st)
		}
	}
	slices.SortFunc(upcoming, byArrival)
	slices.SortFunc(past, func(a, b Stay) int { return byArrival(b, a) })
	return upcoming, past, nil
}

// byArrival orders stays by arrival, then by booking.
func byArrival(a, b Stay) int {
	return cmp.Or(b.Arrive.DaysUntil(a.Arrive), cmp.Compare(a.ID, b.ID))
}

// Stay returns one stay with its place's details, for the stay's own page.
// It returns ErrBookingNotFound for a booking that does not exist or is not
// the actor's to see, and ErrNotAllowed to staff other than duty and
// administrators.
func (s *Service) Stay(ctx context.Context, actor accounts.Principal, bookingID int64) (Stay, error) {
	if err := maySeeCarers(actor); err != nil {
		return Stay{}, err
	}
	stays, err := s.readStays(ctx, func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where("booking.id = ?", bookingID) })
	if err != nil {
		return Stay{}, err
	}
	if len(stays) == 0 {
		return Stay{}, ErrBookingNotFound
	}
	if err := maySeeCarer(actor, stays[0].CarerID, ErrBookingNotFound); err != nil {
		return Stay{}, err
	}
	return stays[0], nil
}

// stayRow is a booking read with its person's and place's details.
type stayRow struct {
	Booking `bun:",extend"`

	PersonName   string `bun:"person_name"`
	HomeName     string `bun:"home_name"`
	Room         string `bun:"room"`
	HomeAddress  string `bun:"home_address"`
	HomePostcode string `bun:"home_postcode"`
	HomePhone    string `bun:"home_phone"`
	HostName     string `bun:"host_name"`
	HostAddress  string `bun:"host_address"`
	HostPostcode string `bun:"host_postcode"`
}

// readStays reads the bookings where narrows, with their details, in one
// query.
func (s *Service) readStays(ctx context.Context, narrow func(*bun.SelectQuery) *bun.SelectQuery) ([]Stay, error) {
	var rows []stayRow
	q := s.db.NewSelect().Model(&rows).
		ColumnExpr("booking.*").
		ColumnExpr("p.name AS person_name").
		ColumnExpr("pr.name AS home_name, bd.label AS room, pr.address AS home_address, pr.postcode AS home_postcode, pr.phone AS home_phone").
		ColumnExpr("h.name AS host_name, h.address AS host_address, h.postcode AS host_postcode").
		Join("JOIN people AS p ON p.id = booking.person_id").
		Join("LEFT JOIN beds AS bd ON booking.place_kind = ? AND bd.id = booking.place_id", PlaceBed).
		Join("LEFT JOIN providers AS pr ON pr.id = bd.provider_id").
		Join("LEFT JOIN hosts AS h ON booking.place_kind = ? AND h.id = booking.place_id", PlaceHost)
	if err := narrow(q).Scan(ctx); err != nil {
		return nil, apperr.Wrapf(err, "reading stays")
	}
	today := s.today()
	stays := make([]Stay, len(rows))
	for i, r := range rows {
		st := Stay{Booking: r.Booking, PersonName: r.PersonName, Upcoming: r.Status == StatusConfirmed && r.Depart.After(today)}
		if r.PlaceKind == PlaceHost {
			st.PlaceName = hostName(sharedlives.Host{Name: r.HostName})
			st.Address, st.Postcode = oneLine(r.HostAddress, r.HostPostcode), r.HostPostcode
		} else {
			st.PlaceName = oneLine(r.HomeName, r.Room)
			st.Address, st.Postcode, st.Phone = oneLine(r.HomeAddress, r.HomePostcode), r.HomePostcode, r.HomePhone
		}
		stays[i] = st
	}
	return stays, nil
}

// oneLine joins the parts that are not empty with commas.
func oneLine(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ", ")
}
