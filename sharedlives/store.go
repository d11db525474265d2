package sharedlives

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations"
)

func insertHost(ctx context.Context, db bun.IDB, h *Host) error {
	_, err := db.NewInsert().Model(h).Returning("id").Exec(ctx)
	if migrations.ViolatedConstraint(err) == migrations.Unique {
		return ErrMobileTaken.Because(err)
	}
	return apperr.Wrapf(err, "inserting host")
}

// updateHost writes a host's record. When the calendar was last confirmed
// is left to setConfirmedAt, so a change to the record never undoes a
// confirmation that arrived meanwhile.
func updateHost(ctx context.Context, db bun.IDB, h *Host) error {
	_, err := db.NewUpdate().Model(h).ExcludeColumn("id", "created_at", "availability_confirmed_at").WherePK().Exec(ctx)
	if migrations.ViolatedConstraint(err) == migrations.Unique {
		// The mobile is the only unique value; checkMobileUnique finds
		// clashes first, and this catches one another transaction committed
		// in between (PostgreSQL only: SQLite has one writer at a time).
		return ErrMobileTaken.Because(err)
	}
	return apperr.Wrapf(err, "updating host %d", h.ID)
}

// checkMobileUnique returns ErrMobileTaken when another host already has
// h's mobile number.
func checkMobileUnique(ctx context.Context, db bun.IDB, h Host) error {
	taken, err := db.NewSelect().Model((*Host)(nil)).Where("mobile = ?", h.Mobile).Where("id <> ?", h.ID).Exists(ctx)
	if err != nil {
		return apperr.Wrapf(err, "checking hosts' mobile numbers")
	}
	if taken {
		return ErrMobileTaken
	}
	return nil
}

// hostByID reads a host; with forUpdate it also locks the row on
// PostgreSQL until the transaction ends, so changes to one host (its status,
// its calendar) happen one after the other. SQLite transactions already take
// the write lock when they begin.
func hostByID(ctx context.Context, db bun.IDB, id int64, forUpdate bool) (Host, error) {
	var h Host
	q := db.NewSelect().Model(&h).Where("id = ?", id)
	if forUpdate && db.Dialect().Name() == dialect.PG {
		q = q.For("UPDATE")
	}
	err := q.Scan(ctx)
	if migrations.IsNoRows(err) {
		return Host{}, ErrHostNotFound
	}
	return h, apperr.Wrapf(err, "reading host %d", id)
}

func hostByMobile(ctx context.Context, db bun.IDB, e164 string) (Host, bool, error) {
	var h Host
	err := db.NewSelect().Model(&h).Where("mobile = ?", e164).Scan(ctx)
	if migrations.IsNoRows(err) {
		return Host{}, false, nil
	}
	if err != nil {
		return Host{}, false, apperr.Wrapf(err, "finding a host by mobile number")
	}
	return h, true, nil
}

func listHosts(ctx context.Context, db bun.IDB, f HostFilter) ([]Host, error) {
	var hs []Host
	q := db.NewSelect().Model(&hs).Where("id > ?", f.Page.After).OrderExpr("id").Limit(int64(f.Page.Limit) + 1)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.ReviewsDueBy != nil {
		q = q.Where("review_due <= ?", *f.ReviewsDueBy)
	}
	if f.Query != "" {
		q = q.Where("lower(name) LIKE ? ESCAPE '\\'", "%"+escapeLike(strings.ToLower(f.Query))+"%")
	}
	err := q.Scan(ctx)
	return hs, apperr.Wrapf(err, "listing hosts")
}

// escapeLike stops % and _ typed by a person from acting as wildcards.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// rangesOf returns the host's ranges that end on or after from, in date order.
func rangesOf(ctx context.Context, db bun.IDB, hostID int64, from calendar.Date) ([]Range, error) {
	rs := []Range{}
	err := db.NewSelect().Model(&rs).Where("host_id = ?", hostID).Where("ends_on >= ?", from).OrderExpr("starts_on, id").Scan(ctx)
	return rs, apperr.Wrapf(err, "reading the calendar of host %d", hostID)
}

// rangesBetween returns the host's ranges with any date from first to last,
// past ones included, in date order.
func rangesBetween(ctx context.Context, db bun.IDB, hostID int64, first, last calendar.Date) ([]Range, error) {
	rs := []Range{}
	err := db.NewSelect().Model(&rs).Where("host_id = ?", hostID).Where("starts_on <= ? AND ends_on >= ?", last, first).
		OrderExpr("starts_on, id").Scan(ctx)
	return rs, apperr.Wrapf(err, "reading the calendar of host %d", hostID)
}

// replaceRanges puts rs in place of the host's ranges that end on or after
// from; ranges that ended before it stay as history.
func replaceRanges(ctx context.Context, db bun.IDB, hostID int64, from calendar.Date, rs []Range) error {
	_, err := db.NewDelete().Model((*Range)(nil)).Where("host_id = ?", hostID).Where("ends_on >= ?", from).Exec(ctx)
	if err != nil {
		return apperr.Wrapf(err, "clearing the calendar of host %d", hostID)
	}
	if len(rs) == 0 {
		return nil
	}
	_, err = db.NewInsert().Model(&rs).Exec(ctx)
	return apperr.Wrapf(err, "writing the calendar of host %d", hostID)
}

// setConfirmedAt records when the host's calendar was last confirmed. It
// returns ErrHostNotFound when there is no such host.
func setConfirmedAt(ctx context.Context, db bun.IDB, hostID int64, at time.Time) error {
	res, err := db.NewUpdate().Model((*Host)(nil)).Set("availability_confirmed_at = ?", at).Where("id = ?", hostID).Exec(ctx)
	if err != nil {
		return apperr.Wrapf(err, "confirming the calendar of host %d", hostID)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrHostNotFound
	}
	return nil
}

// hostsToNudge returns the approved hosts whose calendar was last confirmed
// before cutoff, or never.
func hostsToNudge(ctx context.Context, db bun.IDB, cutoff time.Time) ([]Host, error) {
	var hs []Host
	err := db.NewSelect().Model(&hs).
		Where("status = ?", StatusApproved).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("availability_confirmed_at IS NULL").WhereOr("availability_confirmed_at < ?", cutoff)
		}).
		OrderExpr("id").Scan(ctx)
	return hs, apperr.Wrapf(err, "finding hosts to nudge")
}

// guestsOf returns the confirmed stays with the host that depart after
// today, with what the host needs to know of each guest. The bookings and
// people tables belong to the booking package, which imports this one, so
// they are read here by name: a booking at a host has place_kind 'host'.
func guestsOf(ctx context.Context, db bun.IDB, hostID int64, today calendar.Date) ([]Guest, []int64, error) {
	var rows []struct {
		PersonID     int64         `bun:"person_id"`
		Reference    string        `bun:"reference"`
		Arrive       calendar.Date `bun:"arrive"`
		Depart       calendar.Date `bun:"depart"`
		Name         string        `bun:"name"`
		Needs        []string      `bun:"needs"`
		Requirements []string      `bun:"requirements"`
	}
	err := db.NewSelect().
		ColumnExpr("b.person_id, b.reference, b.arrive, b.depart, p.name, p.needs, p.requirements").
		TableExpr("bookings AS b").
		Join("JOIN people AS p ON p.id = b.person_id").
		Where("b.place_kind = 'host'").
		Where("b.place_id = ?", hostID).
		Where("b.status = 'confirmed'").
		Where("b.depart > ?", today).
		OrderExpr("b.arrive, b.id").
		Scan(ctx, &rows)
	if err != nil {
		return nil, nil, apperr.Wrapf(err, "listing the guests of host %d", hostID)
	}
	guests, people := make([]Guest, len(rows)), make([]int64, len(rows))
	for i, r := range rows {
		people[i] = r.PersonID
		guests[i] = Guest{
			BookingReference: r.Reference, FirstName: firstName(r.Name), Arrive: r.Arrive, Depart: r.Depart,
			Needs: nonNilStrings(r.Needs), Requirements: nonNilStrings(r.Requirements),
		}
	}
	return guests, people, nil
}

// bookedNights returns the nights from first to last that guests are booked
// to stay with the host, by night and then arrival, each with its
// (confirmed) booking. Like guestsOf it reads the booking package's tables
// by name: a cancelled booking gives its nights back, and the status is
// checked as well so that one never counts.
func bookedNights(ctx context.Context, db bun.IDB, hostID int64, first, last calendar.Date) ([]bookedNight, error) {
	rows := []bookedNight{}
	err := db.NewSelect().
		ColumnExpr("n.night, b.id AS booking_id, b.reference, b.arrive, b.depart, p.name").
		TableExpr("booking_nights AS n").
		Join("JOIN bookings AS b ON b.id = n.booking_id").
		Join("JOIN people AS p ON p.id = b.person_id").
		Where("n.place_kind = 'host'").
		Where("n.place_id = ?", hostID).
		Where("n.night >= ? AND n.night <= ?", first, last).
		Where("b.status = 'confirmed'").
		OrderExpr("n.night, b.arrive, b.id").
		Scan(ctx, &rows)
	return rows, apperr.Wrapf(err, "reading the booked nights of host %d", hostID)
}
