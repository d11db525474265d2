package providers

import (
	"context"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations"
	"github.com/respite-uk/respite/paging"
)

func insertProvider(ctx context.Context, db bun.IDB, p *Provider) error {
	_, err := db.NewInsert().Model(p).Returning("id").Exec(ctx)
	return apperr.Wrapf(err, "inserting care home")
}

func updateProvider(ctx context.Context, db bun.IDB, p *Provider) error {
	_, err := db.NewUpdate().Model(p).ExcludeColumn("id", "created_at").WherePK().Exec(ctx)
	return apperr.Wrapf(err, "updating care home %d", p.ID)
}

func providerByID(ctx context.Context, db bun.IDB, id int64) (Provider, error) {
	return readProvider(ctx, db, id, false)
}

// providerForChange reads a care home to change it and, on PostgreSQL, locks
// its row until the transaction ends, so that two changes racing go one
// after the other and each is recorded against what it really changed.
// The lock (NO KEY UPDATE) lets contracts and beds be added meanwhile.
func providerForChange(ctx context.Context, db bun.IDB, id int64) (Provider, error) {
	return readProvider(ctx, db, id, true)
}

func readProvider(ctx context.Context, db bun.IDB, id int64, lock bool) (Provider, error) {
	var p Provider
	q := db.NewSelect().Model(&p).Where("id = ?", id)
	if lock && db.Dialect().Name() == dialect.PG {
		q = q.For("NO KEY UPDATE")
	}
	err := q.Scan(ctx)
	if migrations.IsNoRows(err) {
		return Provider{}, ErrProviderNotFound
	}
	return p, apperr.Wrapf(err, "reading care home %d", id)
}

// providersAtPostcode returns the homes at a postcode (as ParsePostcode
// writes it), in id order.
func providersAtPostcode(ctx context.Context, db bun.IDB, postcode string) ([]Provider, error) {
	var ps []Provider
	err := db.NewSelect().Model(&ps).Where("postcode = ?", postcode).OrderExpr("id").Scan(ctx)
	return ps, apperr.Wrapf(err, "listing care homes at %s", postcode)
}

func listProviders(ctx context.Context, db bun.IDB, f ProviderFilter) ([]Provider, error) {
	var ps []Provider
	q := db.NewSelect().Model(&ps).Where("id > ?", f.Page.After).OrderExpr("id").Limit(int64(f.Page.Limit) + 1)
	if f.Query != "" {
		q = q.Where("lower(name) LIKE ? ESCAPE '\\'", "%"+escapeLike(strings.ToLower(f.Query))+"%")
	}
	if f.Active != nil {
		q = q.Where("active = ?", *f.Active)
	}
	err := q.Scan(ctx)
	return ps, apperr.Wrapf(err, "listing care homes")
}

// escapeLike stops % and _ typed by a person from acting as wildcards.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func insertContract(ctx context.Context, db bun.IDB, c *Contract) error {
	_, err := db.NewInsert().Model(c).Returning("id").Exec(ctx)
	if migrations.ViolatedConstraint(err) == migrations.Unique {
		return ErrReferenceTaken.Because(err)
	}
	return apperr.Wrapf(err, "inserting contract")
}

func contractByID(ctx context.Context, db bun.IDB, id int64) (Contract, error) {
	var c Contract
	err := db.NewSelect().Model(&c).Where("id = ?", id).Scan(ctx)
	if migrations.IsNoRows(err) {
		return Contract{}, ErrContractNotFound
	}
	return c, apperr.Wrapf(err, "reading contract %d", id)
}

// contractForUpdate reads a contract and, on PostgreSQL, locks its row until
// the transaction ends (SQLite transactions already hold the write lock).
func contractForUpdate(ctx context.Context, db bun.IDB, id int64) (Contract, error) {
	var c Contract
	q := db.NewSelect().Model(&c).Where("id = ?", id)
	if db.Dialect().Name() == dialect.PG {
		q = q.For("UPDATE")
	}
	err := q.Scan(ctx)
	if migrations.IsNoRows(err) {
		return Contract{}, ErrContractNotFound
	}
	return c, apperr.Wrapf(err, "reading contract %d", id)
}

func updateContract(ctx context.Context, db bun.IDB, c *Contract) error {
	_, err := db.NewUpdate().Model(c).ExcludeColumn("id", "provider_id", "kind", "created_at").WherePK().Exec(ctx)
	if migrations.ViolatedConstraint(err) == migrations.Unique {
		return ErrReferenceTaken.Because(err)
	}
	return apperr.Wrapf(err, "updating contract %d", c.ID)
}

// bookedStay is a stay on one of a contract's beds, for saying which stays
// are in the way of a change.
type bookedStay struct {
	Reference string        `bun:"reference"`
	BedLabel  string        `bun:"label"`
	Arrive    calendar.Date `bun:"arrive"`
	Depart    calendar.Date `bun:"depart"`
}

// maxStaysNamed is how many stays in the way a message names.
const maxStaysNamed = 5

// staysOutsideContract returns the stays with a booked night on one of c's
// beds that c, as changed, would no longer cover: nights before it starts or
// after it ends and, when it is inactive, nights from today on. It reads the
// booking tables' night rows (the one place booked nights are), which
// cancelling a stay deletes, so only live stays are found.
func staysOutsideContract(ctx context.Context, db bun.IDB, c Contract, today calendar.Date) ([]bookedStay, error) {
	outside := "n.night < ? OR n.night > ?"
	args := []any{c.StartsOn, c.EndsOn}
	if !c.Active {
		outside += " OR n.night >= ?"
		args = append(args, today)
	}
	var stays []bookedStay
	err := db.NewSelect().
		ColumnExpr("DISTINCT bk.reference, bd.label, bk.arrive, bk.depart").
		TableExpr("booking_nights AS n").
		Join("JOIN beds AS bd ON bd.id = n.place_id").
		Join("JOIN bookings AS bk ON bk.id = n.booking_id").
		Where("n.place_kind = 'bed'").
		Where("bd.contract_id = ?", c.ID).
		Where("("+outside+")", args...).
		OrderExpr("bk.arrive, bk.reference").
		Limit(maxStaysNamed+1).
		Scan(ctx, &stays)
	return stays, apperr.Wrapf(err, "finding stays outside contract %d", c.ID)
}

func listContracts(ctx context.Context, db bun.IDB, providerID int64, page paging.Request) ([]Contract, error) {
	var cs []Contract
	err := db.NewSelect().Model(&cs).
		Where("provider_id = ?", providerID).Where("id > ?", page.After).
		OrderExpr("id").Limit(int64(page.Limit) + 1).Scan(ctx)
	return cs, apperr.Wrapf(err, "listing contracts of care home %d", providerID)
}

func insertBed(ctx context.Context, db bun.IDB, b *Bed) error {
	_, err := db.NewInsert().Model(b).Returning("id").Exec(ctx)
	if migrations.ViolatedConstraint(err) == migrations.Unique {
		return ErrLabelTaken.Because(err)
	}
	return apperr.Wrapf(err, "inserting bed")
}

func updateBed(ctx context.Context, db bun.IDB, b *Bed) error {
	_, err := db.NewUpdate().Model(b).ExcludeColumn("id", "provider_id", "created_at").WherePK().Exec(ctx)
	if migrations.ViolatedConstraint(err) == migrations.Unique {
		return ErrLabelTaken.Because(err)
	}
	return apperr.Wrapf(err, "updating bed %d", b.ID)
}

func bedByID(ctx context.Context, db bun.IDB, id int64) (Bed, error) {
	return readBed(ctx, db, id, false)
}

// bedForChange reads a bed to change it and, on PostgreSQL, locks its row
// until the transaction ends, as providerForChange does a home's.
func bedForChange(ctx context.Context, db bun.IDB, id int64) (Bed, error) {
	return readBed(ctx, db, id, true)
}

func readBed(ctx context.Context, db bun.IDB, id int64, lock bool) (Bed, error) {
	var b Bed
	q := db.NewSelect().Model(&b).Where("id = ?", id)
	if lock && db.Dialect().Name() == dialect.PG {
		q = q.For("NO KEY UPDATE")
	}
	err := q.Scan(ctx)
	if migrations.IsNoRows(err) {
		return Bed{}, ErrBedNotFound
	}
	return b, apperr.Wrapf(err, "reading bed %d", id)
}

func listBeds(ctx context.Context, db bun.IDB, providerID int64, page paging.Request) ([]Bed, error) {
	var bs []Bed
	err := db.NewSelect().Model(&bs).
		Where("provider_id = ?", providerID).Where("id > ?", page.After).
		OrderExpr("id").Limit(int64(page.Limit) + 1).Scan(ctx)
	return bs, apperr.Wrapf(err, "listing beds of care home %d", providerID)
}

func bedsOfProvider(ctx context.Context, db bun.IDB, providerID int64) ([]Bed, error) {
	var bs []Bed
	err := db.NewSelect().Model(&bs).Where("provider_id = ?", providerID).OrderExpr("id").Scan(ctx)
	return bs, apperr.Wrapf(err, "reading beds of care home %d", providerID)
}

func insertClosure(ctx context.Context, db bun.IDB, c *Closure) error {
	_, err := db.NewInsert().Model(c).Returning("id").Exec(ctx)
	return apperr.Wrapf(err, "inserting closure")
}

// closuresSelect reads closures with the label of the bed each closes.
func closuresSelect(db bun.IDB, into any) *bun.SelectQuery {
	return db.NewSelect().Model(into).ColumnExpr("closure.*").ColumnExpr("bd.label AS bed_label").
		Join("LEFT JOIN beds AS bd ON bd.id = closure.bed_id")
}

func closureByID(ctx context.Context, db bun.IDB, id int64) (Closure, error) {
	var c Closure
	err := closuresSelect(db, &c).Where("closure.id = ?", id).Scan(ctx)
	if migrations.IsNoRows(err) {
		return Closure{}, ErrClosureNotFound
	}
	return c, apperr.Wrapf(err, "reading closure %d", id)
}

// listClosures returns the home's closures whose last night is on or
// after from, by first night.
func listClosures(ctx context.Context, db bun.IDB, providerID int64, from calendar.Date) ([]Closure, error) {
	cs := []Closure{}
	err := closuresSelect(db, &cs).Where("closure.provider_id = ?", providerID).Where("closure.ends_on >= ?", from).
		OrderExpr("closure.starts_on, closure.id").Scan(ctx)
	return cs, apperr.Wrapf(err, "listing closures of care home %d", providerID)
}

func updateClosureEnd(ctx context.Context, db bun.IDB, c Closure) error {
	_, err := db.NewUpdate().Model((*Closure)(nil)).Set("ends_on = ?", c.EndsOn).Where("id = ?", c.ID).Exec(ctx)
	return apperr.Wrapf(err, "ending closure %d early", c.ID)
}

func deleteClosure(ctx context.Context, db bun.IDB, id int64) error {
	_, err := db.NewDelete().Model((*Closure)(nil)).Where("id = ?", id).Exec(ctx)
	return apperr.Wrapf(err, "deleting closure %d", id)
}

// lockClosedContracts locks, on PostgreSQL, the contract rows of the beds a
// closure covers (all the home's contracts, for the whole home) until the
// transaction ends, in id order so two closures never wait on each other
// in a circle. A booking takes the same rows shared before its last check
// (booking.lockPlace), so the two go one after the other. SQLite
// transactions already hold the write lock.
func lockClosedContracts(ctx context.Context, db bun.IDB, c Closure) error {
	if db.Dialect().Name() != dialect.PG {
		return nil
	}
	q := db.NewSelect().Model((*Contract)(nil)).Column("id").OrderExpr("id").For("UPDATE")
	if c.BedID != nil {
		q = q.Where("id = (SELECT b.contract_id FROM beds AS b WHERE b.id = ?)", *c.BedID)
	} else {
		q = q.Where("provider_id = ?", c.ProviderID)
	}
	var ids []int64
	return apperr.Wrapf(q.Scan(ctx, &ids), "locking the contracts of care home %d", c.ProviderID)
}

// staysInClosure returns the stays with a night booked on a bed the closure
// covers, on a night it closes, by arrival. It reads the booking tables'
// night rows by name (booking imports this package, not the other way),
// which cancelling or ending a stay early deletes, so only nights still
// booked are found.
func staysInClosure(ctx context.Context, db bun.IDB, c Closure) ([]StayInTheWay, error) {
	stays := []StayInTheWay{}
	q := db.NewSelect().
		ColumnExpr("DISTINCT bk.id AS booking_id, bk.reference, bd.id AS bed_id, bd.label AS bed_label, bk.arrive, bk.depart").
		TableExpr("booking_nights AS n").
		Join("JOIN beds AS bd ON bd.id = n.place_id").
		Join("JOIN bookings AS bk ON bk.id = n.booking_id").
		Where("n.place_kind = 'bed'").
		Where("bd.provider_id = ?", c.ProviderID).
		Where("n.night >= ? AND n.night <= ?", c.StartsOn, c.EndsOn).
		OrderExpr("bk.arrive, bk.reference")
	if c.BedID != nil {
		q = q.Where("bd.id = ?", *c.BedID)
	}
	err := q.Scan(ctx, &stays)
	return stays, apperr.Wrapf(err, "finding stays booked during a closure of care home %d", c.ProviderID)
}
