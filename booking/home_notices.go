package booking

import (
	"context"
	"strconv"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/notify"
)

// Care homes kept informed. A home with a notifications mobile is texted
// when a stay there is booked, changed or cancelled (tellPlace), and each
// morning with the day's arrivals and departures (TellHomesTheDay). A home
// without one is not texted at all, so staff pages say to ring it
// (PlaceTold).

// TellHomesTheDay is the morning job (home-arrivals): each care home with a
// notifications mobile and stays arriving or leaving today gets one text
// listing their references, so whoever is on shift knows whom to expect
// and whose room to ready. Homes with neither get nothing. The text's dedupe
// key is the home's and the day's, so running the job twice (or on two
// instances) sends one text; a stay booked after it ran was texted on its
// own when it was booked. The text is about today, so it goes at once
// (notify.StayNotice), even before 08:00.
func (s *Service) TellHomesTheDay(ctx context.Context) error {
	today := s.today()
	var rows []struct {
		HomeID    int64         `bun:"home_id"`
		Home      string        `bun:"home"`
		Mobile    string        `bun:"notifications_mobile"`
		Reference string        `bun:"reference"`
		Arrive    calendar.Date `bun:"arrive"`
	}
	// Stays ended early today leave today, so depart is what counts; a stay
	// moved part-way through leaves one home and arrives at the other.
	err := s.db.NewSelect().
		ColumnExpr("pr.id AS home_id, pr.name AS home, pr.notifications_mobile, bk.reference, bk.arrive").
		TableExpr("bookings AS bk").
		Join("JOIN beds AS bd ON bd.id = bk.place_id").
		Join("JOIN providers AS pr ON pr.id = bd.provider_id").
		Where("bk.place_kind = ?", PlaceBed).
		Where("bk.status = ?", StatusConfirmed).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("bk.arrive = ?", today).WhereOr("bk.depart = ?", today)
		}).
		Where("pr.notifications_mobile <> ''").
		OrderExpr("pr.id, bk.reference").
		Scan(ctx, &rows)
	if err != nil {
		return apperr.Wrapf(err, "reading today's arrivals and departures")
	}
	// One text per home: rows come grouped by home.
	for i := 0; i < len(rows); {
		home := rows[i]
		d := notify.Data{Place: home.Home}
		for ; i < len(rows) && rows[i].HomeID == home.HomeID; i++ {
			if rows[i].Arrive == today {
				d.Arrivals = append(d.Arrivals, rows[i].Reference)
			} else {
				d.Departures = append(d.Departures, rows[i].Reference)
			}
		}
		err := s.notify.Enqueue(ctx, s.db, notify.Outgoing{
			DedupeKey: homeDayKey(home.HomeID, today), To: home.Mobile, Template: notify.TemplateHomeDay,
			Data: d, About: today,
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// homeDayKey names a home's morning text for a day.
func homeDayKey(homeID int64, day calendar.Date) string {
	return "home:" + strconv.FormatInt(homeID, 10) + ":day:" + day.String()
}

// PlaceTold says whether a stay's place is texted about it, and if not, the
// number staff ring instead.
type PlaceTold struct {
	// Texted: the place has a mobile for texts, so it is told of the stay
	// (booked, changed, cancelled; an emergency arriving). A shared-lives
	// host always is; a care home when it has a notifications mobile.
	Texted bool
	// Name is the home's name, or the host's as carers see it.
	Name string
	// Phone is the care home's number (E.164) to ring when it is not
	// texted; "" for a host.
	Phone string
}

// PlaceTold says whether the place of booking id is told about the stay by
// text, or must be rung ("not told: ring them"). It returns
// ErrBookingNotFound for a booking the actor may not see.
func (s *Service) PlaceTold(ctx context.Context, actor accounts.Principal, id int64) (PlaceTold, error) {
	b, err := s.Booking(ctx, actor, id)
	if err != nil {
		return PlaceTold{}, err
	}
	p, err := placeInfo(ctx, s.db, b.PlaceKind, b.PlaceID)
	if err != nil {
		return PlaceTold{}, err
	}
	return PlaceTold{Texted: p.textTo != "", Name: p.name, Phone: p.phone}, nil
}
