package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/calendar"
)

// Service manages staff users and sessions.
type Service struct {
	db          *bun.DB
	now         calendar.Clock
	sessionTTL  time.Duration
	idleTimeout time.Duration
	issuer      string
	bcryptCost  int
	// dummyHash is compared against when the email is unknown, so an unknown
	// email takes as long to refuse as a wrong password. It is made on first
	// use: hashing costs a quarter of a second, which commands that never
	// sign anyone in should not pay.
	dummyOnce sync.Once
	dummyHash []byte
	// codes is how people sign in with a code sent by SMS (code.go).
	codes codeSetup
}

// Options tune the service; the zero value gives production defaults.
type Options struct {
	Clock      calendar.Clock
	SessionTTL time.Duration // default 12 hours
	BcryptCost int           // default bcrypt.DefaultCost+2; tests use bcrypt.MinCost
	// StaffIdleTimeout ends a staff session that has not been used for this
	// long (default DefaultStaffIdleTimeout). Carers' and hosts' sessions
	// last their whole SessionTTL.
	StaffIdleTimeout time.Duration
	// Issuer names the service in authenticator apps (default "Respite").
	Issuer string
}

// DefaultStaffIdleTimeout is how long a staff session lasts unused.
const DefaultStaffIdleTimeout = 30 * time.Minute

// touchEvery is how stale a session's last-seen time may grow before a
// request writes it again: at most one write a minute per session, rather
// than one per request. Idle time is therefore measured to within a minute.
const touchEvery = time.Minute

// NewService returns the accounts service.
func NewService(db *bun.DB, opts Options) *Service {
	if opts.Clock == nil {
		opts.Clock = calendar.SystemClock
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = bcrypt.DefaultCost + 2
	}
	if opts.StaffIdleTimeout <= 0 {
		opts.StaffIdleTimeout = DefaultStaffIdleTimeout
	}
	if opts.Issuer == "" {
		opts.Issuer = "Respite"
	}
	return &Service{db: db, now: opts.Clock, sessionTTL: opts.SessionTTL, idleTimeout: opts.StaffIdleTimeout,
		issuer: opts.Issuer, bcryptCost: opts.BcryptCost}
}

func (s *Service) dummy() []byte {
	s.dummyOnce.Do(func() {
		h, err := bcrypt.GenerateFromPassword([]byte("no-such-account-placeholder"), s.bcryptCost)
		if err != nil {
			panic(err) // only for a cost outside bcrypt's range: a programming error
		}
		s.dummyHash = h
	})
	return s.dummyHash
}

// SessionTTL is how long a sign-in lasts.
func (s *Service) SessionTTL() time.Duration { return s.sessionTTL }

// StaffIdleTimeout is how long a staff session lasts unused.
func (s *Service) StaffIdleTimeout() time.Duration { return s.idleTimeout }

// CreateUser adds a member of staff whose password is their own: it is not
// audited and need not be changed. It is for set-up by code (the demo data,
// tests); admins add staff with AddUser. It returns an Invalid error naming
// every bad field, or ErrEmailTaken.
func (s *Service) CreateUser(ctx context.Context, n NewUser) (User, error) {
	return s.createUser(ctx, n, nil)
}

// createUser adds a member of staff. With an actor (an admin, or the command
// line) the password is a one-time one and the addition is audited.
func (s *Service) createUser(ctx context.Context, n NewUser, actor *Principal) (User, error) {
	n.Normalize()
	if err := n.Validate(); err != nil {
		return User{}, err
	}
	// Look first, so a repeated email is refused without the cost of
	// hashing; the unique key still decides if two requests race.
	if _, err := userByEmail(ctx, s.db, n.Email); err == nil {
		return User{}, ErrEmailTaken
	} else if !errors.Is(err, ErrUserNotFound) {
		return User{}, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(n.Password), s.bcryptCost)
	if err != nil {
		return User{}, apperr.Wrapf(err, "hashing password")
	}
	now := s.now().UTC()
	u := User{Email: n.Email, Name: n.Name, Role: n.Role, PasswordHash: string(hash), CreatedAt: now, UpdatedAt: now,
		MustChangePassword: actor != nil}
	if actor == nil {
		return u, insertUser(ctx, s.db, &u)
	}
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		if err := insertUser(ctx, tx, &u); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, *actor, audit.StaffAdded, auditTarget, u.ID, "as "+string(u.Role))
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// UserByEmail returns the member of staff with that email, or ErrUserNotFound.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	return userByEmail(ctx, s.db, NormalizeEmail(email))
}

// SignIn checks an email and password. When nothing more is needed it starts
// a session; otherwise the result names the Next step and carries a pending
// token for it (see SignInStep). A wrong email or password is
// ErrBadCredentials, whichever part was wrong; the right password for a
// disabled account is ErrAccountDisabled.
func (s *Service) SignIn(ctx context.Context, email, password string) (SignedIn, error) {
	u, err := userByEmail(ctx, s.db, NormalizeEmail(email))
	if errors.Is(err, ErrUserNotFound) {
		_ = bcrypt.CompareHashAndPassword(s.dummy(), []byte(password))
		return SignedIn{}, ErrBadCredentials
	}
	if err != nil {
		return SignedIn{}, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return SignedIn{}, ErrBadCredentials
	}
	if !u.Active() {
		return SignedIn{}, ErrAccountDisabled
	}
	if next := nextStep(u, StepDone); next != StepDone {
		return s.startPending(ctx, u, next)
	}
	token, expires, err := s.StartSession(ctx, s.db, SubjectStaff, u.ID)
	if err != nil {
		return SignedIn{}, err
	}
	return SignedIn{Token: token, ExpiresAt: expires, User: u}, nil
}

// StartSession creates a session for a subject in db (which may be the
// caller's transaction) and returns its token, which is shown once and
// stored only as a hash.
func (s *Service) StartSession(ctx context.Context, db bun.IDB, kind SubjectKind, id int64) (string, time.Time, error) {
	token, err := newToken()
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.now().UTC()
	sess := Session{TokenHash: hashToken(token), SubjectKind: kind, SubjectID: id, CreatedAt: now, ExpiresAt: now.Add(s.sessionTTL)}
	if _, err := db.NewInsert().Model(&sess).Exec(ctx); err != nil {
		return "", time.Time{}, apperr.Wrapf(err, "storing session")
	}
	return token, sess.ExpiresAt, nil
}

// Authenticate returns who holds token, or ErrNoSession when the token is
// unknown, signed out or expired. A staff session also ends when it has not
// been used for the idle timeout (Options.StaffIdleTimeout), or its member of
// staff is disabled; using it keeps it alive, with at most one write a
// minute.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	if token == "" {
		return Principal{}, ErrNoSession
	}
	sess, err := sessionByHash(ctx, s.db, hashToken(token))
	if err != nil {
		return Principal{}, err
	}
	// The hash was found by an index lookup; compare it again in constant
	// time so nothing about the stored hashes leaks through timing.
	if subtle.ConstantTimeCompare([]byte(sess.TokenHash), []byte(hashToken(token))) != 1 || !s.now().Before(sess.ExpiresAt) {
		return Principal{}, ErrNoSession
	}
	switch sess.SubjectKind {
	case SubjectStaff:
		now := s.now().UTC()
		lastSeen := sess.CreatedAt
		if sess.LastSeenAt != nil {
			lastSeen = *sess.LastSeenAt
		}
		if now.Sub(lastSeen) > s.idleTimeout {
			// Gone for good: delete it now rather than at the next clean-up.
			if err := s.SignOut(ctx, token); err != nil {
				return Principal{}, err
			}
			return Principal{}, ErrNoSession
		}
		u, err := userByID(ctx, s.db, sess.SubjectID)
		if errors.Is(err, ErrUserNotFound) {
			return Principal{}, ErrNoSession
		}
		if err != nil {
			return Principal{}, err
		}
		if !u.Active() {
			return Principal{}, ErrNoSession
		}
		if now.Sub(lastSeen) >= touchEvery {
			if err := touchSession(ctx, s.db, sess.TokenHash, now); err != nil {
				return Principal{}, err
			}
		}
		return principalOf(u), nil
	default:
		return Principal{Kind: sess.SubjectKind, ID: sess.SubjectID}, nil
	}
}

// SignOut ends the session holding token. Signing out twice is not an error.
func (s *Service) SignOut(ctx context.Context, token string) error {
	_, err := s.db.NewDelete().Model((*Session)(nil)).Where("token_hash = ?", hashToken(token)).Exec(ctx)
	return apperr.Wrapf(err, "deleting session")
}

// DeleteExpiredSessions removes sessions that have expired and sign-ins left
// half done, and says how many; it is run as a job so the tables do not grow
// without end. (A staff session idle past the timeout is refused, and
// deleted, when it is next used, or else here once it expires.)
func (s *Service) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	now := s.now().UTC()
	res, err := s.db.NewDelete().Model((*Session)(nil)).Where("expires_at < ?", now).Exec(ctx)
	if err != nil {
		return 0, apperr.Wrapf(err, "deleting expired sessions")
	}
	n, _ := res.RowsAffected()
	res, err = s.db.NewDelete().Model((*pendingSignIn)(nil)).Where("expires_at < ?", now).Exec(ctx)
	if err != nil {
		return 0, apperr.Wrapf(err, "deleting expired pending sign-ins")
	}
	m, _ := res.RowsAffected()
	return n + m, nil
}

// newToken returns 256 random bits, URL-safe: a session's or a pending
// sign-in's token.
func newToken() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", apperr.Wrapf(err, "making a token")
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
