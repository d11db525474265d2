package accounts

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/migrations"
)

// Carers, and later shared-lives hosts, sign in with their mobile number: they
// ask for a code, it comes by SMS, and they type it back.

// Sign-in code rules.
const (
	// CodeTTL is how long a code works. The text (notify's sign_in_code
	// template) says "It works for 10 minutes": change both together.
	CodeTTL = 10 * time.Minute
	// MaxCodeAttempts is how many tries a code allows, right or wrong. With
	// six digits and the HTTP layer's limits on requests, guessing stays
	// hopeless.
	MaxCodeAttempts = 5
	codeDigits      = 6
)

// ErrBadCode is the one answer to every failed code sign-in (wrong, expired,
// used, too many tries, or a number nobody owns), so trying codes cannot be
// used to learn who is registered.
var ErrBadCode = apperr.New(apperr.Unauthorized, "That code is not right, or has expired. Ask for a new one.")

// errCodesOff is a wiring fault: cmd did not call SetCodeSignIn.
var errCodesOff = errors.New("accounts: code sign-in is not set up (SetCodeSignIn was not called)")

// Directory finds who owns a mobile number (E.164): a carer now, a host
// later. cmd wires it from the domains that keep the numbers.
type Directory func(ctx context.Context, phone string) (kind SubjectKind, id int64, found bool, err error)

// CodeSender queues the text carrying code to phone, in db: the transaction
// that stores the code, so the text exists exactly when the code does.
// dedupeKey is unique to this code; it is the outbox's dedupe key, so a
// retried transaction never texts a code twice while a new code always goes.
type CodeSender func(ctx context.Context, db bun.IDB, phone, code, dedupeKey string) error

// CodePurpose says what a one-time code proves. A code works only for the
// purpose it was made for: a code sent to confirm a new mobile number never
// signs anyone in, and a sign-in code never confirms a number.
type CodePurpose string

// The purposes of codes.
const (
	// PurposeSignIn codes sign in whoever owns the number (RequestCode,
	// VerifyCode).
	PurposeSignIn CodePurpose = "sign_in"
	// PurposeMobileChange codes prove that a signed-in carer holds the new
	// mobile number they want texts to go to (IssueCode, CheckCode).
	PurposeMobileChange CodePurpose = "mobile_change"
)

// SignInCode is a code sent by SMS: to sign in, or (with a subject) for a
// signed-in person to prove they hold a number. Only an HMAC of the code (and
// the number it was sent to) is stored, under a key that is not in the
// database, so a copy of the table does not give the codes away even though
// there are only a million of them.
type SignInCode struct {
	bun.BaseModel `bun:"table:sign_in_codes"`

	ID       int64       `bun:"id,pk,autoincrement"`
	Phone    string      `bun:"phone"` // E.164: where the code was sent
	CodeHash string      `bun:"code_hash"`
	Purpose  CodePurpose `bun:"purpose"`
	// SubjectKind and SubjectID name whom a code other than a sign-in code
	// was made for; sign-in codes have none.
	SubjectKind SubjectKind `bun:"subject_kind,nullzero"`
	SubjectID   int64       `bun:"subject_id,nullzero"`
	Attempts    int         `bun:"attempts"` // tries so far, right or wrong
	CreatedAt   time.Time   `bun:"created_at"`
	ExpiresAt   time.Time   `bun:"expires_at"`
	UsedAt      *time.Time  `bun:"used_at"`
}

// CodeSignedIn is the result of signing in with a code.
type CodeSignedIn struct {
	Token     string // give this to the client once; it is not stored
	ExpiresAt time.Time
	Kind      SubjectKind
	ID        int64
}

// codeSetup is how one Service signs people in by code.
type codeSetup struct {
	dir  Directory
	send CodeSender
	key  []byte // the HMAC key for code hashes
}

// setCodeSetup and codeSetup change and read the service's code set-up.
// It is set while wiring, before serving, so it needs no lock.
func (s *Service) setCodeSetup(change func(*codeSetup)) { change(&s.codes) }

func (s *Service) codeSetup() (codeSetup, error) {
	c := s.codes
	if c.dir == nil || c.send == nil || c.key == nil {
		return codeSetup{}, errCodesOff
	}
	return c, nil
}

// SetCodeSignIn turns on signing in by SMS code: dir says who owns a number
// and send queues the text. Call it while wiring, before serving.
//
// Unless SetCodeKey has given a key, codes are hashed under a random key made
// here, so a code works only on the instance that sent it and not after a
// restart. That suits one SQLite instance; with several instances, set a key.
func (s *Service) SetCodeSignIn(dir Directory, send CodeSender) {
	s.setCodeSetup(func(c *codeSetup) {
		c.dir, c.send = dir, send
		if c.key == nil {
			c.key = make([]byte, sha256.Size)
			_, _ = rand.Read(c.key) // crypto/rand.Read never fails
		}
	})
}

// MinCodeSecret is the shortest secret SetCodeKey accepts.
const MinCodeSecret = 32

// SetCodeKey sets the secret that code hashes are keyed from, so every
// instance (and the next start) can check a code any of them sent. The key
// used is derived from secret for this purpose alone (HKDF-SHA256), so the
// same secret may safely key other things too. It refuses a secret shorter
// than MinCodeSecret bytes. Call it while wiring, before serving.
func (s *Service) SetCodeKey(secret []byte) error {
	if len(secret) < MinCodeSecret {
		return fmt.Errorf("accounts: the sign-in code secret must be at least %d bytes long", MinCodeSecret)
	}
	key, err := hkdf.Key(sha256.New, secret, nil, "respite sign-in codes v1", sha256.Size)
	if err != nil {
		return fmt.Errorf("accounts: deriving the sign-in code key: %w", err)
	}
	s.setCodeSetup(func(c *codeSetup) { c.key = key })
	return nil
}

// RequestCode texts a sign-in code to phone if someone owns that number, and
// quietly does nothing if nobody does: the answer is the same either way, so
// it cannot be used to learn who is registered. A new code replaces any
// earlier one for the number. It returns an Invalid error (field "phone")
// for a number that is not a phone number.
func (s *Service) RequestCode(ctx context.Context, phone string) error {
	setup, err := s.codeSetup()
	if err != nil {
		return err
	}
	e164, err := contact.ParsePhone(phone)
	if err != nil {
		return apperr.Invalidf("phone", "%s", err.Error())
	}
	// Make the code and its hash before asking who owns the number, so an
	// unknown number costs the same work as a known one up to that point.
	code, err := newCode()
	if err != nil {
		return err
	}
	hash := setup.hash(e164, code)
	_, _, found, err := setup.dir(ctx, e164)
	if err != nil {
		return apperr.Wrapf(err, "looking up who owns a mobile number")
	}
	if !found {
		return nil
	}
	now := s.now().UTC()
	return s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		c := SignInCode{Phone: e164, CodeHash: hash, Purpose: PurposeSignIn, CreatedAt: now, ExpiresAt: now.Add(CodeTTL)}
		if err := insertCode(ctx, tx, &c); err != nil {
			return err
		}
		if err := setup.send(ctx, tx, e164, code, "sign-in-code:"+strconv.FormatInt(c.ID, 10)); err != nil {
			// %v, not %w: whatever the sender's error says (even an Invalid
			// one) must reach the client as a fault, never as an answer
			// that differs from an unknown number's.
			return fmt.Errorf("queueing the sign-in code's text: %v", err)
		}
		return nil
	})
}

// VerifyCode signs in whoever owns phone if code is the newest code sent to
// it, still unused, within CodeTTL and MaxCodeAttempts. A code works once
// only, even when two requests race with it. Every failure is ErrBadCode;
// input that is not a phone number or a 6-digit code is an Invalid error
// naming the fields.
func (s *Service) VerifyCode(ctx context.Context, phone, code string) (CodeSignedIn, error) {
	setup, err := s.codeSetup()
	if err != nil {
		return CodeSignedIn{}, err
	}
	e164, code, err := checkCodeInput(phone, code)
	if err != nil {
		return CodeSignedIn{}, err
	}
	hash := setup.hash(e164, code)
	now := s.now().UTC()

	// Count the try before comparing, in one statement: however many
	// requests race, no more than MaxCodeAttempts are ever compared.
	c, live, err := claimCodeAttempt(ctx, s.db, newestSignInCode(s.db, e164), now)
	if err != nil {
		return CodeSignedIn{}, err
	}
	if !live || !hmac.Equal([]byte(c.CodeHash), []byte(hash)) {
		return CodeSignedIn{}, ErrBadCode
	}
	// Ask again who owns the number: it may have changed hands since the
	// code was sent.
	kind, id, found, err := setup.dir(ctx, e164)
	if err != nil {
		return CodeSignedIn{}, apperr.Wrapf(err, "looking up who owns a mobile number")
	}
	if !found {
		return CodeSignedIn{}, ErrBadCode
	}
	var out CodeSignedIn
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		used, err := useCode(ctx, tx, c.ID, now)
		if err != nil {
			return err
		}
		if !used {
			return ErrBadCode // another request used it first
		}
		token, expires, err := s.StartSession(ctx, tx, kind, id)
		if err != nil {
			return err
		}
		out = CodeSignedIn{Token: token, ExpiresAt: expires, Kind: kind, ID: id}
		return nil
	})
	if err != nil {
		return CodeSignedIn{}, err
	}
	return out, nil
}

// DeleteExpiredCodes removes codes past their expiry, used or not; it is
// run as a job so the table does not grow without end.
func (s *Service) DeleteExpiredCodes(ctx context.Context) (int64, error) {
	res, err := s.db.NewDelete().Model((*SignInCode)(nil)).Where("expires_at < ?", s.now().UTC()).Exec(ctx)
	if err != nil {
		return 0, apperr.Wrapf(err, "deleting expired sign-in codes")
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// checkCodeInput tidies and checks what was typed: the number in E.164 and
// the code as its six digits.
func checkCodeInput(phone, code string) (string, string, error) {
	var f apperr.Fields
	e164, err := contact.ParsePhone(phone)
	if err != nil {
		f.Add("phone", "%s", err.Error())
	}
	code = tidyCode(&f, code)
	return e164, code, f.Err()
}

// tidyCode returns a typed code as its six digits (spaces people type in the
// middle are fine), adding an error for field "code" if it is not six digits.
func tidyCode(f *apperr.Fields, code string) string {
	code = strings.Join(strings.Fields(code), "")
	switch {
	case code == "":
		f.Add("code", "Enter the code from the text.")
	case len(code) != codeDigits || strings.Trim(code, "0123456789") != "":
		f.Add("code", "Enter the %d-digit code from the text.", codeDigits)
	}
	return code
}

// newCode returns a random six-digit code, each of the million equally
// likely (leading zeros included).
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", apperr.Wrapf(err, "making a sign-in code")
	}
	return fmt.Sprintf("%0*d", codeDigits, n.Int64()), nil
}

// hash is the stored form of a sign-in code sent to phone: HMAC-SHA256
// under the service's key. Plain SHA-256 would not do: a million codes are
// hashed in no time by anyone with a copy of the table.
func (c codeSetup) hash(phone, code string) string {
	return codeHash(c.key, phone, code)
}

// codeHash is HMAC-SHA256 under key of the parts, each ended by a zero byte
// but the last, so no two lists of parts give the same input.
func codeHash(key []byte, parts ...string) string {
	m := hmac.New(sha256.New, key)
	for i, p := range parts {
		if i > 0 {
			m.Write([]byte{0})
		}
		m.Write([]byte(p))
	}
	return hex.EncodeToString(m.Sum(nil))
}

func insertCode(ctx context.Context, db bun.IDB, c *SignInCode) error {
	_, err := db.NewInsert().Model(c).Returning("id").Exec(ctx)
	return apperr.Wrapf(err, "storing sign-in code")
}

// newestSignInCode selects the id of the newest sign-in code sent to phone.
func newestSignInCode(db bun.IDB, phone string) *bun.SelectQuery {
	return db.NewSelect().Model((*SignInCode)(nil)).ColumnExpr("max(id)").
		Where("phone = ?", phone).Where("purpose = ?", PurposeSignIn)
}

// claimCodeAttempt counts a try against the code newest selects (the newest
// of its kind), if that code is still live, and returns it. Older codes are
// never tried: a new code replaces them.
func claimCodeAttempt(ctx context.Context, db bun.IDB, newest *bun.SelectQuery, now time.Time) (SignInCode, bool, error) {
	var c SignInCode
	err := db.NewRaw(`UPDATE sign_in_codes SET attempts = attempts + 1
		WHERE id = (?)
		  AND used_at IS NULL AND expires_at > ? AND attempts < ?
		RETURNING id, phone, code_hash, attempts`, newest, now, MaxCodeAttempts).Scan(ctx, &c)
	if migrations.IsNoRows(err) {
		return SignInCode{}, false, nil
	}
	if err != nil {
		return SignInCode{}, false, apperr.Wrapf(err, "counting a sign-in code try")
	}
	return c, true, nil
}

// useCode marks a code used, and reports false if it already was: the
// condition makes sure only one of two racing requests wins.
func useCode(ctx context.Context, db bun.IDB, id int64, now time.Time) (bool, error) {
	res, err := db.NewUpdate().Model((*SignInCode)(nil)).Set("used_at = ?", now).
		Where("id = ?", id).Where("used_at IS NULL").Exec(ctx)
	if err != nil {
		return false, apperr.Wrapf(err, "marking sign-in code used")
	}
	n, err := res.RowsAffected()
	return n == 1, apperr.Wrapf(err, "marking sign-in code used")
}

// UseStoredCodeKey keys code hashes with a secret kept in the database,
// made at random the first time. Every instance sharing the database then
// checks codes any of them sent, across restarts, with nothing to configure.
// (SetCodeKey with RESPITE_CODE_KEY overrides it.)
func (s *Service) UseStoredCodeKey(ctx context.Context) error {
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh)
	row := struct {
		bun.BaseModel `bun:"table:app_secrets"`
		Name          string    `bun:"name,pk"`
		Value         string    `bun:"value"`
		CreatedAt     time.Time `bun:"created_at"`
	}{Name: "sign-in-code-key", Value: hex.EncodeToString(fresh), CreatedAt: s.now().UTC()}
	// Instances starting together race here; the first insert wins and
	// everyone reads the winner's secret.
	if _, err := s.db.NewInsert().Model(&row).On("CONFLICT (name) DO NOTHING").Exec(ctx); err != nil {
		return apperr.Wrapf(err, "storing the sign-in code secret")
	}
	if err := s.db.NewSelect().Model(&row).WherePK().Scan(ctx); err != nil {
		return apperr.Wrapf(err, "reading the sign-in code secret")
	}
	secret, err := hex.DecodeString(row.Value)
	if err != nil {
		return apperr.Wrapf(err, "decoding the sign-in code secret")
	}
	return s.SetCodeKey(secret)
}
