package booking

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations"
)

// Allowance is a carer's use of their nights in one allowance year.
type Allowance struct {
	YearStarts calendar.Date
	YearEnds   calendar.Date // the last day of the year, inclusive
	Allowed    int
	Booked     int // nights of bookings (emergency ones too: recorded, though not limited)
	Held       int // nights of holds not yet confirmed or expired
	Remaining  int // may be below zero after emergency placements
}

// Allowance returns the carer's allowance for the allowance year holding
// today. It returns ErrCarerNotFound for a carer the actor may not see.
func (s *Service) Allowance(ctx context.Context, actor accounts.Principal, carerID int64) (Allowance, error) {
	if err := access(actor, carerID, ErrCarerNotFound); err != nil {
		return Allowance{}, err
	}
	c, err := lockCarer(ctx, s.db, carerID, false)
	if migrations.IsNoRows(err) {
		return Allowance{}, ErrCarerNotFound
	}
	if err != nil {
		return Allowance{}, err
	}
	start, next := c.AllowanceYear(s.today())
	return allowanceIn(ctx, s.db, c, start, next, s.now().UTC(), "")
}

// AllowanceYears returns the carer's allowance for every allowance year a
// stay booked today could touch: the one holding today and, because stays
// are booked up to HorizonDays ahead, the next ones up to that far. It
// returns ErrCarerNotFound for a carer the actor may not see.
func (s *Service) AllowanceYears(ctx context.Context, actor accounts.Principal, carerID int64) ([]Allowance, error) {
	if err := access(actor, carerID, ErrCarerNotFound); err != nil {
		return nil, err
	}
	c, err := lockCarer(ctx, s.db, carerID, false)
	if migrations.IsNoRows(err) {
		return nil, ErrCarerNotFound
	}
	if err != nil {
		return nil, err
	}
	now, today := s.now().UTC(), s.today()
	latest := today.AddDays(s.opts.HorizonDays + s.opts.MaxNights)
	var years []Allowance
	for day := today; !day.After(latest); {
		start, next := c.AllowanceYear(day)
		a, err := allowanceIn(ctx, s.db, c, start, next, now, "")
		if err != nil {
			return nil, err
		}
		years = append(years, a)
		day = next
	}
	return years, nil
}

func allowanceIn(ctx context.Context, db bun.IDB, c Carer, start, next calendar.Date, now time.Time, exceptHold string) (Allowance, error) {
	a := Allowance{YearStarts: start, YearEnds: next.AddDays(-1), Allowed: c.AllowanceNights}
	// A stay counts from its arrival to its departure, or, when it was ended
	// early and policy keeps the freed nights, to AllowanceKeptUntil.
	var bookings []Booking
	err := db.NewSelect().Model(&bookings).Column("arrive", "depart", "allowance_kept_until").
		Where("carer_id = ?", c.ID).Where("arrive < ?", next).
		Where("(depart > ? OR allowance_kept_until > ?)", start, start).
		Where("(status = ? OR allowance_restored = ?)", StatusConfirmed, false).
		Scan(ctx)
	if err != nil {
		return a, apperr.Wrapf(err, "reading the carer's bookings")
	}
	for _, b := range bookings {
		a.Booked += overlap(b.Arrive, latest(b.Depart, b.AllowanceKeptUntil), start, next)
	}
	var holds []Hold
	err = db.NewSelect().Model(&holds).Column("arrive", "depart").
		Where("carer_id = ?", c.ID).Where("expires_at > ?", now).Where("id <> ?", exceptHold).
		Where("arrive < ?", next).Where("depart > ?", start).
		Scan(ctx)
	if err != nil {
		return a, apperr.Wrapf(err, "reading the carer's holds")
	}
	for _, h := range holds {
		a.Held += overlap(h.Arrive, h.Depart, start, next)
	}
	a.Remaining = a.Allowed - a.Booked - a.Held
	return a, nil
}

// checkAllowance refuses a stay that needs more nights than remain in any
// allowance year it falls in (a stay can straddle two).
func checkAllowance(ctx context.Context, db bun.IDB, c Carer, arrive, depart calendar.Date, now time.Time, exceptHold string) error {
	for night := arrive; night.Before(depart); {
		start, next := c.AllowanceYear(night)
		a, err := allowanceIn(ctx, db, c, start, next, now, exceptHold)
		if err != nil {
			return err
		}
		need := overlap(arrive, depart, start, next)
		if need > a.Remaining {
			remain := max(a.Remaining, 0)
			return ErrAllowance.Reason("This stay would use %d %s; %d %s in this allowance year (%s to %s).",
				need, plural(need, "night", "nights"), remain, plural(remain, "remains", "remain"), start.Long(), a.YearEnds.Long())
		}
		night = next
	}
	return nil
}

// overlap counts the nights from arrive to depart that fall in [start, next).
func overlap(arrive, depart, start, next calendar.Date) int {
	from, to := arrive, depart
	if start.After(from) {
		from = start
	}
	if next.Before(to) {
		to = next
	}
	return max(from.DaysUntil(to), 0)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
