package accounts

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/migrations"
)

// A staff sign-in in steps. SignIn checks the password; when the member of
// staff has an authenticator app, has a one-time password, or is an admin
// with no app yet, it answers with the Next step and a pending token instead
// of a session. Each step's method takes the pending token and answers the
// same way, until the last starts the session:
//
//	SignIn ──► SignInSecondFactor ──► SignInChangePassword ──► SignInEnrolment + SignInConfirmEnrolment ──► session
//
// skipping the steps that do not apply. A pending token lasts
// PendingSignInTTL from the last step, is stored only as a hash, and opens
// nothing but its next step: it is not a session.

// Pending sign-in rules.
const (
	// PendingSignInTTL is how long each step may take.
	PendingSignInTTL = 10 * time.Minute
	// MaxSecondFactorTries is how many codes one pending sign-in may try,
	// right or wrong (the HTTP layer also limits failures per account and
	// per address). After that, sign in again with the password.
	MaxSecondFactorTries = 5
)

// Errors from the steps of a sign-in.
var (
	ErrNoPendingSignIn = apperr.New(apperr.Unauthorized, "This sign-in has expired or is already finished. Sign in again with your email address and password.")
	// ErrSignInStep: the pending sign-in is waiting for another step; the
	// message says which.
	ErrSignInStep = apperr.New(apperr.Conflict, "This sign-in is waiting for another step.")
	// ErrBadSecondFactor is the answer to a code that is not right, or was
	// used already.
	ErrBadSecondFactor = apperr.New(apperr.Unauthorized, "That code is not right. Enter the 6-digit code your authenticator app shows now, or one of your recovery codes.")
)

// pendingSignIn is a sign-in whose password was right, waiting for Step.
type pendingSignIn struct {
	bun.BaseModel `bun:"table:staff_sign_ins"`

	TokenHash string     `bun:"token_hash,pk"`
	UserID    int64      `bun:"user_id"`
	Step      SignInStep `bun:"step"`
	Attempts  int        `bun:"attempts"` // codes tried, right or wrong
	CreatedAt time.Time  `bun:"created_at"`
	ExpiresAt time.Time  `bun:"expires_at"`
}

// Pending is a sign-in waiting for its Next step.
type Pending struct {
	User      User
	Next      SignInStep
	ExpiresAt time.Time
}

// PendingSignIn says whose sign-in token is and which step it waits for, so
// that a page can ask for the right thing. It returns ErrNoPendingSignIn for
// a token that is unknown, expired or finished.
func (s *Service) PendingSignIn(ctx context.Context, token string) (Pending, error) {
	p, u, err := s.pendingAt(ctx, token, "", false)
	if err != nil {
		return Pending{}, err
	}
	return Pending{User: u, Next: p.Step, ExpiresAt: p.ExpiresAt}, nil
}

// SignInSecondFactor completes the StepSecondFactor of a sign-in with a code
// from the authenticator app or a recovery code. An app's code is accepted
// for the current 30-second step or the one either side, and only for a step
// later than the last code accepted, so no code works twice; a recovery code
// works once. Every try counts against MaxSecondFactorTries. It returns the
// next step or the session; ErrBadSecondFactor for a code that is not right
// or used already; an Invalid error (field "code") for input that is neither
// kind of code; ErrNoPendingSignIn, or ErrSignInStep.
func (s *Service) SignInSecondFactor(ctx context.Context, pending, code string) (SignedIn, error) {
	kind, code, err := tidySecondFactor(code)
	if err != nil {
		return SignedIn{}, err
	}
	_, u, err := s.pendingAt(ctx, pending, StepSecondFactor, true)
	if err != nil {
		return SignedIn{}, err
	}
	now := s.now().UTC()
	var out SignedIn
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		if kind == recoveryKind {
			left, err := useRecoveryCode(ctx, tx, u.ID, code, now)
			if err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, now, principalOf(u), audit.StaffRecoveryCodeUsed, auditTarget, u.ID,
				fmt.Sprintf("signing in; %d left", left)); err != nil {
				return err
			}
		} else if err := useTOTP(ctx, tx, u.ID, code, now); err != nil {
			return err
		}
		in, err := s.advance(ctx, tx, pending, u, StepSecondFactor)
		out = in
		return err
	})
	if err != nil {
		return SignedIn{}, err
	}
	return out, nil
}

// SignInChangePassword completes the StepChangePassword of a sign-in: the
// member of staff signed in with a one-time password and chooses their own.
// It returns the next step or the session; an Invalid error (field
// "new_password") for a password too short, too long or the same as the
// one-time one; ErrNoPendingSignIn, or ErrSignInStep.
func (s *Service) SignInChangePassword(ctx context.Context, pending, newPassword string) (SignedIn, error) {
	_, u, err := s.pendingAt(ctx, pending, StepChangePassword, false)
	if err != nil {
		return SignedIn{}, err
	}
	hash, err := s.newPasswordHash(u, newPassword, "new_password", "Choose a new password of your own, not the one you were given.")
	if err != nil {
		return SignedIn{}, err
	}
	now := s.now().UTC()
	var out SignedIn
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		if err := setPassword(ctx, tx, u.ID, hash, false, now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, now, principalOf(u), audit.StaffPasswordChanged, auditTarget, u.ID, "at sign-in, in place of a one-time password"); err != nil {
			return err
		}
		u.PasswordHash, u.MustChangePassword = hash, false
		in, err := s.advance(ctx, tx, pending, u, StepChangePassword)
		out = in
		return err
	})
	if err != nil {
		return SignedIn{}, err
	}
	return out, nil
}

// SignInEnrolment starts setting up an authenticator app in the StepEnrol of
// a sign-in: it returns a key to show (a QR code, and the key as text), the
// same one each time it is asked until it is confirmed, so a form shown
// again after a mistyped code still matches the app. Confirm it with
// SignInConfirmEnrolment. It returns ErrNoPendingSignIn or ErrSignInStep.
func (s *Service) SignInEnrolment(ctx context.Context, pending string) (Enrolment, error) {
	_, u, err := s.pendingAt(ctx, pending, StepEnrol, false)
	if err != nil {
		return Enrolment{}, err
	}
	return s.setUpKey(ctx, s.db, u)
}

// SignInConfirmEnrolment completes the StepEnrol of a sign-in with a code the
// app shows for the key SignInEnrolment made. The app is then the member of
// staff's second factor, and the result carries their new RecoveryCodes and
// the session. Every try counts against MaxSecondFactorTries. It returns
// ErrEnrolmentCode for a code that is not right; ErrNotEnrolling when no key
// was made; an Invalid error (field "code") for input that is not six
// digits; ErrNoPendingSignIn, or ErrSignInStep.
func (s *Service) SignInConfirmEnrolment(ctx context.Context, pending, code string) (SignedIn, error) {
	code, err := tidyAppCode(code)
	if err != nil {
		return SignedIn{}, err
	}
	_, u, err := s.pendingAt(ctx, pending, StepEnrol, true)
	if err != nil {
		return SignedIn{}, err
	}
	now := s.now().UTC()
	var out SignedIn
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		codes, err := s.confirmKey(ctx, tx, &u, code, now, "at sign-in")
		if err != nil {
			return err
		}
		in, err := s.advance(ctx, tx, pending, u, StepEnrol)
		in.RecoveryCodes = codes
		out = in
		return err
	})
	if err != nil {
		return SignedIn{}, err
	}
	return out, nil
}

// startPending stores a pending sign-in for u, waiting for next.
func (s *Service) startPending(ctx context.Context, u User, next SignInStep) (SignedIn, error) {
	token, err := newToken()
	if err != nil {
		return SignedIn{}, err
	}
	now := s.now().UTC()
	p := pendingSignIn{TokenHash: hashToken(token), UserID: u.ID, Step: next, CreatedAt: now, ExpiresAt: now.Add(PendingSignInTTL)}
	if _, err := s.db.NewInsert().Model(&p).Exec(ctx); err != nil {
		return SignedIn{}, apperr.Wrapf(err, "storing a pending sign-in")
	}
	return SignedIn{User: u, Next: next, PendingToken: token, PendingExpiresAt: p.ExpiresAt}, nil
}

// pendingAt finds the live pending sign-in for token, waiting for step (any
// step when step is StepDone), and its member of staff. With count, it
// counts a try first, in one statement, so that however many requests race
// no more than MaxSecondFactorTries codes are ever compared.
func (s *Service) pendingAt(ctx context.Context, token string, step SignInStep, count bool) (pendingSignIn, User, error) {
	if token == "" {
		return pendingSignIn{}, User{}, ErrNoPendingSignIn
	}
	hash := hashToken(token)
	now := s.now().UTC()
	var p pendingSignIn
	var err error
	if count {
		err = s.db.NewRaw(`UPDATE staff_sign_ins SET attempts = attempts + 1
			WHERE token_hash = ? AND step = ? AND expires_at > ? AND attempts < ?
			RETURNING token_hash, user_id, step, attempts, created_at, expires_at`,
			hash, step, now, MaxSecondFactorTries).Scan(ctx, &p)
		if migrations.IsNoRows(err) {
			return pendingSignIn{}, User{}, s.whyNoPending(ctx, hash, step, now)
		}
	} else {
		err = s.db.NewSelect().Model(&p).Where("token_hash = ?", hash).Where("expires_at > ?", now).Scan(ctx)
		if migrations.IsNoRows(err) {
			return pendingSignIn{}, User{}, ErrNoPendingSignIn
		}
	}
	if err != nil {
		return pendingSignIn{}, User{}, apperr.Wrapf(err, "reading a pending sign-in")
	}
	if step != StepDone && p.Step != step {
		return pendingSignIn{}, User{}, wrongStep(p.Step)
	}
	u, err := userByID(ctx, s.db, p.UserID)
	if err != nil {
		return pendingSignIn{}, User{}, err
	}
	if !u.Active() {
		return pendingSignIn{}, User{}, ErrAccountDisabled
	}
	return p, u, nil
}

// whyNoPending says why there was no try to count for token at step.
func (s *Service) whyNoPending(ctx context.Context, hash string, step SignInStep, now time.Time) error {
	var p pendingSignIn
	err := s.db.NewSelect().Model(&p).Where("token_hash = ?", hash).Scan(ctx)
	switch {
	case migrations.IsNoRows(err):
		return ErrNoPendingSignIn
	case err != nil:
		return apperr.Wrapf(err, "reading a pending sign-in")
	case !now.Before(p.ExpiresAt):
		return ErrNoPendingSignIn
	case p.Step != step:
		return wrongStep(p.Step)
	case p.Attempts >= MaxSecondFactorTries:
		return ErrNoPendingSignIn.Reason("Too many codes were not right. Sign in again with your email address and password.")
	}
	return ErrNoPendingSignIn // changed between the two reads
}

// wrongStep says which step a pending sign-in is waiting for.
func wrongStep(waiting SignInStep) error {
	what := map[SignInStep]string{
		StepSecondFactor:   "a code from your authenticator app",
		StepChangePassword: "a new password",
		StepEnrol:          "setting up an authenticator app",
	}[waiting]
	return ErrSignInStep.Reason("This sign-in is waiting for %s.", what)
}

// advance moves the pending sign-in for token on from the step just done,
// in tx: to u's next step (the same token, with a fresh PendingSignInTTL), or,
// when none is left, to a session in place of the pending sign-in. Only one
// of two racing requests moves it; the other gets ErrNoPendingSignIn.
func (s *Service) advance(ctx context.Context, tx bun.IDB, token string, u User, done SignInStep) (SignedIn, error) {
	hash := hashToken(token)
	next := nextStep(u, done)
	var res sql.Result
	var err error
	expires := s.now().UTC().Add(PendingSignInTTL)
	if next == StepDone {
		res, err = tx.NewDelete().Model((*pendingSignIn)(nil)).Where("token_hash = ?", hash).Where("step = ?", done).Exec(ctx)
	} else {
		res, err = tx.NewUpdate().Model((*pendingSignIn)(nil)).Set("step = ?", next).Set("attempts = 0").Set("expires_at = ?", expires).
			Where("token_hash = ?", hash).Where("step = ?", done).Exec(ctx)
	}
	if err != nil {
		return SignedIn{}, apperr.Wrapf(err, "moving a sign-in on")
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return SignedIn{}, ErrNoPendingSignIn
	}
	if next != StepDone {
		return SignedIn{User: u, Next: next, PendingToken: token, PendingExpiresAt: expires}, nil
	}
	session, sessionExpires, err := s.StartSession(ctx, tx, SubjectStaff, u.ID)
	if err != nil {
		return SignedIn{}, err
	}
	return SignedIn{Token: session, ExpiresAt: sessionExpires, User: u}, nil
}

// newPasswordHash checks a new password for u (field names the field for
// errors, and same is the message when it is the password u has now) and
// hashes it.
func (s *Service) newPasswordHash(u User, password, field, same string) (string, error) {
	var f apperr.Fields
	checkPassword(&f, field, password)
	if err := f.Err(); err != nil {
		return "", err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) == nil {
		return "", apperr.Invalidf(field, "%s", same)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.bcryptCost)
	if err != nil {
		return "", apperr.Wrapf(err, "hashing password")
	}
	return string(hash), nil
}
