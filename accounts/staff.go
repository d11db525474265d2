package accounts

import (
	"context"
	"database/sql"
	"strings"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/paging"
)

// Admins (and the command line) manage staff accounts: add them, disable and
// enable them, change their role, and reset their password or second
// factor. Every change is recorded in the audit log in its own transaction.
// There is always an active admin: the last one can be neither disabled nor
// given another role.

// auditTarget is the audit log's name for a staff account.
const auditTarget = "staff_user"

// The statuses a list of staff can be narrowed to.
const (
	StatusActive   = "active"
	StatusDisabled = "disabled"
)

// Statuses lists the statuses, in the order shown to people.
var Statuses = []string{StatusActive, StatusDisabled}

// UserFilter narrows a list of staff.
type UserFilter struct {
	Role   Role   // "" for every role
	Status string // StatusActive, StatusDisabled, or "" for both
	Page   paging.Request
}

// ListUsers returns staff in id order. It returns ErrNotAllowed unless actor
// is an admin, or an Invalid error naming a role or status that does not
// exist.
func (s *Service) ListUsers(ctx context.Context, actor Principal, f UserFilter) (paging.Page[User], error) {
	if !actor.mayManageStaff() {
		return paging.Page[User]{}, ErrNotAllowed
	}
	var fields apperr.Fields
	if f.Role != "" {
		fields.OneOf("role", string(f.Role), Roles)
	}
	if f.Status != "" {
		fields.OneOf("status", f.Status, Statuses)
	}
	if err := fields.Err(); err != nil {
		return paging.Page[User]{}, err
	}
	f.Page = f.Page.Clamp()
	var us []User
	q := s.db.NewSelect().Model(&us).Order("id").Limit(int64(f.Page.Limit) + 1)
	if f.Page.After > 0 {
		q = q.Where("id > ?", f.Page.After)
	}
	if f.Role != "" {
		q = q.Where("role = ?", f.Role)
	}
	switch f.Status {
	case StatusActive:
		q = q.Where("disabled_at IS NULL")
	case StatusDisabled:
		q = q.Where("disabled_at IS NOT NULL")
	}
	if err := q.Scan(ctx); err != nil {
		return paging.Page[User]{}, apperr.Wrapf(err, "listing staff users")
	}
	return paging.Cut(us, f.Page.Limit, func(u User) int64 { return u.ID }), nil
}

// UserByID returns one member of staff. It returns ErrNotAllowed unless
// actor is an admin, or ErrUserNotFound.
func (s *Service) UserByID(ctx context.Context, actor Principal, id int64) (User, error) {
	if !actor.mayManageStaff() {
		return User{}, ErrNotAllowed
	}
	return userByID(ctx, s.db, id)
}

// AddUser adds a member of staff with a one-time password: their first
// sign-in leads only to choosing their own (and, for an admin, then to
// setting up an authenticator app). When n.Password is empty the service
// makes one, and returns it to give to them; otherwise the second result is
// empty. It returns ErrNotAllowed unless actor is an admin or the command
// line, an Invalid error naming every bad field, or ErrEmailTaken.
func (s *Service) AddUser(ctx context.Context, actor Principal, n NewUser) (User, string, error) {
	if !actor.mayManageStaff() {
		return User{}, "", ErrNotAllowed
	}
	var made string
	if n.Password == "" {
		p, err := newOneTimePassword()
		if err != nil {
			return User{}, "", err
		}
		n.Password, made = p, p
	}
	u, err := s.createUser(ctx, n, &actor)
	if err != nil {
		return User{}, "", err
	}
	return u, made, nil
}

// DisableUser stops a member of staff signing in: their sessions and any
// sign-in under way end at once. Disabling a disabled account changes
// nothing. It returns ErrNotAllowed unless actor is an admin or the command
// line, ErrUserNotFound, ErrDisableSelf, or ErrLastAdmin for the only active
// admin.
func (s *Service) DisableUser(ctx context.Context, actor Principal, id int64, reason string) (User, error) {
	if !actor.mayManageStaff() {
		return User{}, ErrNotAllowed
	}
	if actor.IsStaff() && actor.ID == id {
		return User{}, ErrDisableSelf
	}
	return s.changeUser(ctx, id, true, func(ctx context.Context, tx bun.Tx, u User, admins []int64) (string, string, error) {
		if !u.Active() {
			return "", "", nil
		}
		if err := keepAnAdmin(u, admins); err != nil {
			return "", "", err
		}
		now := s.now().UTC()
		if _, err := tx.NewUpdate().Model((*User)(nil)).Set("disabled_at = ?", now).Set("updated_at = ?", now).
			Where("id = ?", u.ID).Exec(ctx); err != nil {
			return "", "", apperr.Wrapf(err, "disabling staff user %d", u.ID)
		}
		return audit.StaffDisabled, reason, endSignIns(ctx, tx, u.ID)
	}, actor)
}

// EnableUser lets a disabled member of staff sign in again. Enabling an
// active account changes nothing. It returns ErrNotAllowed unless actor is an
// admin or the command line, or ErrUserNotFound.
func (s *Service) EnableUser(ctx context.Context, actor Principal, id int64, reason string) (User, error) {
	if !actor.mayManageStaff() {
		return User{}, ErrNotAllowed
	}
	return s.changeUser(ctx, id, false, func(ctx context.Context, tx bun.Tx, u User, _ []int64) (string, string, error) {
		if u.Active() {
			return "", "", nil
		}
		now := s.now().UTC()
		_, err := tx.NewUpdate().Model((*User)(nil)).Set("disabled_at = NULL").Set("updated_at = ?", now).Where("id = ?", u.ID).Exec(ctx)
		return audit.StaffEnabled, reason, apperr.Wrapf(err, "enabling staff user %d", u.ID)
	}, actor)
}

// SetRole gives a member of staff another role. Someone made an admin who
// has no authenticator app yet is signed out, to set one up when they next
// sign in. Giving the role they have changes nothing. It returns
// ErrNotAllowed unless actor is an admin or the command line, an Invalid
// error (field "role") for a role that does not exist, ErrUserNotFound, or
// ErrLastAdmin for the only active admin.
func (s *Service) SetRole(ctx context.Context, actor Principal, id int64, role Role, reason string) (User, error) {
	if !actor.mayManageStaff() {
		return User{}, ErrNotAllowed
	}
	var f apperr.Fields
	f.OneOf("role", string(role), Roles)
	if err := f.Err(); err != nil {
		return User{}, err
	}
	return s.changeUser(ctx, id, true, func(ctx context.Context, tx bun.Tx, u User, admins []int64) (string, string, error) {
		if u.Role == role {
			return "", "", nil
		}
		if role != RoleAdmin {
			if err := keepAnAdmin(u, admins); err != nil {
				return "", "", err
			}
		}
		now := s.now().UTC()
		if _, err := tx.NewUpdate().Model((*User)(nil)).Set("role = ?", role).Set("updated_at = ?", now).
			Where("id = ?", u.ID).Exec(ctx); err != nil {
			return "", "", apperr.Wrapf(err, "changing the role of staff user %d", u.ID)
		}
		if role == RoleAdmin && !u.HasSecondFactor() {
			if err := endSignIns(ctx, tx, u.ID); err != nil {
				return "", "", err
			}
		}
		return audit.StaffRoleChanged, withReason(string(u.Role)+" to "+string(role), reason), nil
	}, actor)
}

// ResetPassword gives a member of staff a new one-time password, as AddUser
// does (made by the service, and returned, when password is empty), and ends
// their sessions and any sign-in under way. It returns ErrNotAllowed unless
// actor is an admin or the command line, an Invalid error (field "password"),
// or ErrUserNotFound.
func (s *Service) ResetPassword(ctx context.Context, actor Principal, id int64, password, reason string) (User, string, error) {
	if !actor.mayManageStaff() {
		return User{}, "", ErrNotAllowed
	}
	var made string
	if password == "" {
		p, err := newOneTimePassword()
		if err != nil {
			return User{}, "", err
		}
		password, made = p, p
	}
	var f apperr.Fields
	checkPassword(&f, "password", password)
	if err := f.Err(); err != nil {
		return User{}, "", err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.bcryptCost)
	if err != nil {
		return User{}, "", apperr.Wrapf(err, "hashing password")
	}
	u, err := s.changeUser(ctx, id, false, func(ctx context.Context, tx bun.Tx, u User, _ []int64) (string, string, error) {
		if err := setPassword(ctx, tx, u.ID, string(hash), true, s.now().UTC()); err != nil {
			return "", "", err
		}
		return audit.StaffPasswordReset, reason, endSignIns(ctx, tx, u.ID)
	}, actor)
	if err != nil {
		return User{}, "", err
	}
	return u, made, nil
}

// ResetSecondFactor removes a member of staff's authenticator app and
// recovery codes (a lost phone), and ends their sessions and any sign-in
// under way. An admin must set up a new app when they next sign in; anyone
// else signs in with their password alone until they choose to. It returns
// ErrNotAllowed unless actor is an admin or the command line, or
// ErrUserNotFound.
func (s *Service) ResetSecondFactor(ctx context.Context, actor Principal, id int64, reason string) (User, error) {
	if !actor.mayManageStaff() {
		return User{}, ErrNotAllowed
	}
	return s.changeUser(ctx, id, false, func(ctx context.Context, tx bun.Tx, u User, _ []int64) (string, string, error) {
		if _, err := tx.NewDelete().Model((*totpKey)(nil)).Where("user_id = ?", u.ID).Exec(ctx); err != nil {
			return "", "", apperr.Wrapf(err, "deleting the TOTP key of staff user %d", u.ID)
		}
		if _, err := tx.NewDelete().Model((*recoveryCode)(nil)).Where("user_id = ?", u.ID).Exec(ctx); err != nil {
			return "", "", apperr.Wrapf(err, "deleting the recovery codes of staff user %d", u.ID)
		}
		now := s.now().UTC()
		if _, err := tx.NewUpdate().Model((*User)(nil)).Set("second_factor_at = NULL").Set("updated_at = ?", now).
			Where("id = ?", u.ID).Exec(ctx); err != nil {
			return "", "", apperr.Wrapf(err, "resetting the second factor of staff user %d", u.ID)
		}
		return audit.StaffSecondFactorReset, reason, endSignIns(ctx, tx, u.ID)
	}, actor)
}

// ChangePassword changes a signed-in member of staff's own password; they
// must give their current one. Their sessions go on. It returns an Invalid
// error naming "current_password" when that is not right, or
// "new_password" when the new one is too short, too long or the same; or
// ErrStaffOnly.
func (s *Service) ChangePassword(ctx context.Context, actor Principal, current, newPassword string) error {
	if !actor.IsStaff() {
		return ErrStaffOnly
	}
	u, err := userByID(ctx, s.db, actor.ID)
	if err != nil {
		return err
	}
	if current == "" {
		return apperr.Invalidf("current_password", "Enter your current password.")
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(current)) != nil {
		return apperr.Invalidf("current_password", "Your current password is not right.")
	}
	hash, err := s.newPasswordHash(u, newPassword, "new_password", "Choose a new password that is not the same as your current one.")
	if err != nil {
		return err
	}
	now := s.now().UTC()
	return s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		if err := setPassword(ctx, tx, u.ID, hash, false, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, principalOf(u), audit.StaffPasswordChanged, auditTarget, u.ID, "")
	})
}

// change is one change to a member of staff, made in tx. It returns the
// audit action and reason to record, or no action when there was nothing to
// change. admins lists the active admins, locked, when asked for.
type change func(ctx context.Context, tx bun.Tx, u User, admins []int64) (action, reason string, err error)

// changeUser makes a change to member of staff id in a transaction, records
// it in the audit log as actor's, and returns them as they are after it.
// With lockAdmins, the active admins' rows are locked first (see
// lockActiveAdmins) and passed to the change.
func (s *Service) changeUser(ctx context.Context, id int64, lockAdmins bool, fn change, actor Principal) (User, error) {
	var out User
	err := s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		var admins []int64
		if lockAdmins {
			var err error
			if admins, err = lockActiveAdmins(ctx, tx); err != nil {
				return err
			}
		}
		u, err := userForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		action, reason, err := fn(ctx, tx, u, admins)
		if err != nil {
			return err
		}
		if action != "" {
			if err := audit.Record(ctx, tx, s.now(), actor, action, auditTarget, u.ID, reason); err != nil {
				return err
			}
		}
		out, err = userByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return User{}, err
	}
	return out, nil
}

// keepAnAdmin returns ErrLastAdmin if u is an active admin and no other
// admin in admins (the active admins, locked) is left.
func keepAnAdmin(u User, admins []int64) error {
	if u.Role != RoleAdmin || !u.Active() {
		return nil
	}
	for _, id := range admins {
		if id != u.ID {
			return nil
		}
	}
	return ErrLastAdmin
}

// withReason adds the reason someone gave, if any, to what happened.
func withReason(what, reason string) string {
	if reason = strings.TrimSpace(reason); reason != "" {
		return what + ": " + reason
	}
	return what
}

// newOneTimePassword makes a one-time password: 80 random bits, in four
// groups of four characters that are hard to misread.
func newOneTimePassword() (string, error) {
	c, err := newRandomCode()
	if err != nil {
		return "", err
	}
	return groupCode(c), nil
}
