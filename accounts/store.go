package accounts

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/migrations"
)

func insertUser(ctx context.Context, db bun.IDB, u *User) error {
	_, err := db.NewInsert().Model(u).Returning("id").Exec(ctx)
	if migrations.ViolatedConstraint(err) == migrations.Unique {
		return ErrEmailTaken.Because(err)
	}
	return apperr.Wrapf(err, "inserting staff user")
}

func userByEmail(ctx context.Context, db bun.IDB, email string) (User, error) {
	var u User
	err := db.NewSelect().Model(&u).Where("email = ?", email).Scan(ctx)
	if migrations.IsNoRows(err) {
		return User{}, ErrUserNotFound
	}
	return u, apperr.Wrapf(err, "reading staff user by email")
}

func userByID(ctx context.Context, db bun.IDB, id int64) (User, error) {
	var u User
	err := db.NewSelect().Model(&u).Where("id = ?", id).Scan(ctx)
	if migrations.IsNoRows(err) {
		return User{}, ErrUserNotFound
	}
	return u, apperr.Wrapf(err, "reading staff user %d", id)
}

func sessionByHash(ctx context.Context, db bun.IDB, hash string) (Session, error) {
	var s Session
	err := db.NewSelect().Model(&s).Where("token_hash = ?", hash).Scan(ctx)
	if migrations.IsNoRows(err) {
		return Session{}, ErrNoSession
	}
	return s, apperr.Wrapf(err, "reading session")
}

// userForUpdate reads a member of staff and, on PostgreSQL, locks their row
// until the transaction ends, so changes to one account happen one after
// the other. SQLite transactions already hold the write lock from BEGIN
// IMMEDIATE.
func userForUpdate(ctx context.Context, db bun.IDB, id int64) (User, error) {
	var u User
	q := db.NewSelect().Model(&u).Where("id = ?", id)
	if db.Dialect().Name() == dialect.PG {
		q = q.For("UPDATE")
	}
	err := q.Scan(ctx)
	if migrations.IsNoRows(err) {
		return User{}, ErrUserNotFound
	}
	return u, apperr.Wrapf(err, "reading staff user %d", id)
}

// lockActiveAdmins returns the ids of the active admins, locking their rows
// (in id order, so two lockers never deadlock) on PostgreSQL; SQLite
// transactions already hold the write lock. Every change that could leave no
// active admin takes this lock first, so two of them (disabling the last two
// admins at once, say) take turns, and the second sees what the first did:
// under READ COMMITTED, PostgreSQL checks a locked row again once its lock is
// released, and a row no longer an active admin drops out.
func lockActiveAdmins(ctx context.Context, db bun.IDB) ([]int64, error) {
	var ids []int64
	q := db.NewSelect().Model((*User)(nil)).Column("id").
		Where("role = ?", RoleAdmin).Where("disabled_at IS NULL").Order("id")
	if db.Dialect().Name() == dialect.PG {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx, &ids); err != nil {
		return nil, apperr.Wrapf(err, "locking the active admins")
	}
	return ids, nil
}

// setPassword stores a new password hash, and whether it is a one-time one.
func setPassword(ctx context.Context, db bun.IDB, id int64, hash string, oneTime bool, now time.Time) error {
	_, err := db.NewUpdate().Model((*User)(nil)).Set("password_hash = ?", hash).Set("must_change_password = ?", oneTime).
		Set("updated_at = ?", now).Where("id = ?", id).Exec(ctx)
	return apperr.Wrapf(err, "storing the password of staff user %d", id)
}

// endSignIns deletes a member of staff's sessions and sign-ins under way.
func endSignIns(ctx context.Context, db bun.IDB, id int64) error {
	if _, err := db.NewDelete().Model((*Session)(nil)).Where("subject_kind = ?", SubjectStaff).Where("subject_id = ?", id).Exec(ctx); err != nil {
		return apperr.Wrapf(err, "ending the sessions of staff user %d", id)
	}
	_, err := db.NewDelete().Model((*pendingSignIn)(nil)).Where("user_id = ?", id).Exec(ctx)
	return apperr.Wrapf(err, "ending the sign-ins of staff user %d", id)
}

// touchSession records that a session was used at now.
func touchSession(ctx context.Context, db bun.IDB, hash string, now time.Time) error {
	_, err := db.NewUpdate().Model((*Session)(nil)).Set("last_seen_at = ?", now).Where("token_hash = ?", hash).Exec(ctx)
	return apperr.Wrapf(err, "recording a session's use")
}
