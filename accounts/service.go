package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
)

// Service manages staff users and sessions.
type Service struct {
	db         *bun.DB
	now        calendar.Clock
	sessionTTL time.Duration
	bcryptCost int
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
}

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
	return &Service{db: db, now: opts.Clock, sessionTTL: opts.SessionTTL, bcryptCost: opts.BcryptCost}
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

// CreateUser adds a member of staff. It returns an Invalid error naming every
// bad field, or ErrEmailTaken.
func (s *Service) CreateUser(ctx context.Context, n NewUser) (User, error) {
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
	u := User{Email: n.Email, Name: n.Name, Role: n.Role, PasswordHash: string(hash), CreatedAt: now, UpdatedAt: now}
	if err := insertUser(ctx, s.db, &u); err != nil {
		return User{}, err
	}
	return u, nil
}

// UserByEmail returns the member of staff with that email, or ErrUserNotFound.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	return userByEmail(ctx, s.db, NormalizeEmail(email))
}

// SignIn checks an email and password and starts a session. Every failure is
// ErrBadCredentials, whichever part was wrong.
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
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", time.Time{}, apperr.Wrapf(err, "making a session token")
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := s.now().UTC()
	sess := Session{TokenHash: hashToken(token), SubjectKind: kind, SubjectID: id, CreatedAt: now, ExpiresAt: now.Add(s.sessionTTL)}
	if _, err := db.NewInsert().Model(&sess).Exec(ctx); err != nil {
		return "", time.Time{}, apperr.Wrapf(err, "storing session")
	}
	return token, sess.ExpiresAt, nil
}

// Authenticate returns who holds token, or ErrNoSession when the token is
// unknown, signed out or expired.
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
		u, err := userByID(ctx, s.db, sess.SubjectID)
		if errors.Is(err, ErrUserNotFound) {
			return Principal{}, ErrNoSession
		}
		if err != nil {
			return Principal{}, err
		}
		return Principal{Kind: SubjectStaff, ID: u.ID, Name: u.Name, Role: u.Role}, nil
	default:
		return Principal{Kind: sess.SubjectKind, ID: sess.SubjectID}, nil
	}
}

// SignOut ends the session holding token. Signing out twice is not an error.
func (s *Service) SignOut(ctx context.Context, token string) error {
	_, err := s.db.NewDelete().Model((*Session)(nil)).Where("token_hash = ?", hashToken(token)).Exec(ctx)
	return apperr.Wrapf(err, "deleting session")
}

// DeleteExpiredSessions removes sessions that have expired; it is run as a
// job so the table does not grow without end.
func (s *Service) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := s.db.NewDelete().Model((*Session)(nil)).Where("expires_at < ?", s.now().UTC()).Exec(ctx)
	if err != nil {
		return 0, apperr.Wrapf(err, "deleting expired sessions")
	}
	n, _ := res.RowsAffected()
	return n, nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
