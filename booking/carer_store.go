package booking

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/migrations"
)

func insertCarer(ctx context.Context, db bun.IDB, c *Carer) error {
	_, err := db.NewInsert().Model(c).Returning("id").Exec(ctx)
	if migrations.ViolatedConstraint(err) == migrations.Unique {
		return carerTaken(err)
	}
	return apperr.Wrapf(err, "inserting carer")
}

func updateCarer(ctx context.Context, db bun.IDB, c *Carer) error {
	_, err := db.NewUpdate().Model(c).ExcludeColumn("id", "created_at").WherePK().Exec(ctx)
	if migrations.ViolatedConstraint(err) == migrations.Unique {
		return carerTaken(err)
	}
	return apperr.Wrapf(err, "updating carer %d", c.ID)
}

// carerTaken says which unique value a write clashed on. checkCarerUnique
// finds clashes first; this catches one that another transaction committed
// in between, which only PostgreSQL allows (SQLite runs one writer at a
// time), and PostgreSQL names the constraint.
func carerTaken(err error) error {
	if strings.Contains(migrations.ConstraintName(err), "emergency_card") {
		return ErrEmergencyCardTaken.Because(err)
	}
	return ErrMobileTaken.Because(err)
}

// checkCarerUnique returns ErrMobileTaken or ErrEmergencyCardTaken when
// another carer already has c's mobile number or emergency card.
func checkCarerUnique(ctx context.Context, db bun.IDB, c Carer) error {
	taken, err := db.NewSelect().Model((*Carer)(nil)).Where("mobile = ?", c.Mobile).Where("id <> ?", c.ID).Exists(ctx)
	if err != nil {
		return apperr.Wrapf(err, "checking carers' mobile numbers")
	}
	if taken {
		return ErrMobileTaken
	}
	if c.EmergencyCard == nil {
		return nil
	}
	taken, err = db.NewSelect().Model((*Carer)(nil)).Where("emergency_card = ?", *c.EmergencyCard).Where("id <> ?", c.ID).Exists(ctx)
	if err != nil {
		return apperr.Wrapf(err, "checking carers' emergency cards")
	}
	if taken {
		return ErrEmergencyCardTaken
	}
	return nil
}

// forChange, given to carerByID or personByID inside a transaction, locks
// the row on PostgreSQL until the transaction ends: for a change to it.
// (SQLite's transactions already take the write lock when they begin.)
const forChange = true

func carerByID(ctx context.Context, db bun.IDB, id int64, lock ...bool) (Carer, error) {
	var c Carer
	q := db.NewSelect().Model(&c).Where("id = ?", id)
	if len(lock) > 0 && lock[0] && db.Dialect().Name() == dialect.PG {
		q = q.For("UPDATE")
	}
	err := q.Scan(ctx)
	if migrations.IsNoRows(err) {
		return Carer{}, ErrCarerNotFound
	}
	return c, apperr.Wrapf(err, "reading carer %d", id)
}

func carerByMobile(ctx context.Context, db bun.IDB, e164 string) (Carer, bool, error) {
	var c Carer
	err := db.NewSelect().Model(&c).Where("mobile = ?", e164).Scan(ctx)
	if migrations.IsNoRows(err) {
		return Carer{}, false, nil
	}
	if err != nil {
		return Carer{}, false, apperr.Wrapf(err, "finding a carer by mobile number")
	}
	return c, true, nil
}

// listCarers reads a page of carers; withoutPlans leaves their emergency
// plans and contacts unread.
func listCarers(ctx context.Context, db bun.IDB, f CarerFilter, withoutPlans bool) ([]Carer, error) {
	var cs []Carer
	q := db.NewSelect().Model(&cs).Where("id > ?", f.Page.After).OrderExpr("id").Limit(int64(f.Page.Limit) + 1)
	if withoutPlans {
		q = q.ExcludeColumn(planColumns...)
	}
	if f.Query != "" {
		q = q.Where("lower(name) LIKE ? ESCAPE '\\'", "%"+escapeLikeCarer(strings.ToLower(f.Query))+"%")
	}
	err := q.Scan(ctx)
	return cs, apperr.Wrapf(err, "listing carers")
}

// escapeLikeCarer stops % and _ typed by a person from acting as wildcards.
func escapeLikeCarer(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// planColumns are a carer's emergency plan and contact: what reading the
// plan means.
var planColumns = []string{"emergency_plan", "emergency_contact_name", "emergency_contact_phone"}

// insertReads records who read the records ids of targetKind, one audit
// entry each, in one statement.
func insertReads(ctx context.Context, db bun.IDB, now time.Time, who audit.Principal, action, targetKind string, ids []int64, reason string) error {
	if len(ids) == 0 {
		return nil
	}
	actor := who.AuditActor()
	es := make([]audit.Entry, len(ids))
	for i, id := range ids {
		es[i] = audit.Entry{At: now.UTC(), ActorKind: actor.Kind, ActorID: actor.ID, ActorName: actor.Name,
			Action: action, TargetKind: targetKind, TargetID: id, Reason: reason}
	}
	_, err := db.NewInsert().Model(&es).Exec(ctx)
	return apperr.Wrapf(err, "recording %s in the audit log", action)
}

func insertPerson(ctx context.Context, db bun.IDB, p *Person) error {
	_, err := db.NewInsert().Model(p).Returning("id").Exec(ctx)
	return apperr.Wrapf(err, "inserting person")
}

func updatePerson(ctx context.Context, db bun.IDB, p *Person) error {
	_, err := db.NewUpdate().Model(p).ExcludeColumn("id", "carer_id", "created_at").WherePK().Exec(ctx)
	return apperr.Wrapf(err, "updating person %d", p.ID)
}

func personByID(ctx context.Context, db bun.IDB, id int64, lock ...bool) (Person, error) {
	var p Person
	q := db.NewSelect().Model(&p).Where("id = ?", id)
	if len(lock) > 0 && lock[0] && db.Dialect().Name() == dialect.PG {
		q = q.For("UPDATE")
	}
	err := q.Scan(ctx)
	if migrations.IsNoRows(err) {
		return Person{}, ErrPersonNotFound
	}
	return p, apperr.Wrapf(err, "reading person %d", id)
}

func peopleOfCarer(ctx context.Context, db bun.IDB, carerID int64) ([]Person, error) {
	ps := []Person{}
	err := db.NewSelect().Model(&ps).Where("carer_id = ?", carerID).OrderExpr("id").Scan(ctx)
	return ps, apperr.Wrapf(err, "listing people of carer %d", carerID)
}
