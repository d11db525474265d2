package accounts

import (
	"context"

	"github.com/uptrace/bun"

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
