package accounts

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/migrations"
)

// Codes for people already signed in: a code texted to a number proves that
// the person holds it (a carer's new mobile, before texts go there). They
// are sign-in codes in all but purpose: the same table, hashing, lifetime
// (CodeTTL), tries (MaxCodeAttempts), single use and clean-up job. Another
// domain keeps the thing being confirmed and queues the text, in its own
// transaction, so this package only makes and checks the codes.

// Errors from checking a code sent to someone signed in. Unlike ErrBadCode
// they say what went wrong: the person is signed in already, so there is
// nobody to hide anything from, and "ask for a new one" is wrong advice for
// a mistyped digit. Each names the field "code", for forms.
var (
	ErrCodeWrong     = codeError("That code is not right. Check the text and enter the code again.")
	ErrCodeTriesUsed = codeError(fmt.Sprintf("That code has been entered wrongly %d times, so it no longer works. Ask for a new one.", MaxCodeAttempts))
	ErrCodeExpired   = codeError(fmt.Sprintf("That code has expired: a code works for %d minutes. Ask for a new one.", int(CodeTTL/time.Minute)))
	ErrNoCode        = codeError("There is no code waiting to be checked: it has been used already, or none was sent. Ask for a new one.")
)

// errNoCodeKey is a wiring fault: no key to hash codes with.
var errNoCodeKey = errors.New("accounts: codes cannot be made or checked: no key was set (SetCodeKey, UseStoredCodeKey or SetCodeSignIn)")

// codeError is an Invalid sentinel whose message is also the "code" field's.
func codeError(message string) *apperr.Error {
	e := apperr.New(apperr.Invalid, message)
	e.Fields = []apperr.FieldError{{Field: "code", Message: message}}
	return e
}

// codeReason is sentinel with a more particular message, for the field too.
func codeReason(sentinel *apperr.Error, format string, args ...any) *apperr.Error {
	e := sentinel.Reason(format, args...)
	e.Fields = []apperr.FieldError{{Field: "code", Message: e.Message}}
	return e
}

// IssuedCode is a code made by IssueCode, for the caller to text.
type IssuedCode struct {
	ID        int64  // the stored code's id: the text's dedupe key should name it
	Code      string // the six digits to text; only a hash of them is kept
	Phone     string // E.164: where to text it
	ExpiresAt time.Time
}

// CheckedCode is a code CheckCode found right, not yet used: pass it to
// UseCode in the transaction that acts on it.
type CheckedCode struct {
	ID    int64
	Phone string // E.164: the number the code was sent to, now proved held
}

// IssueCode makes a one-time code for subject to prove they hold phone, for
// purpose, and stores its hash in db. db should be the caller's transaction
// that also queues the text, so the text exists exactly when the code does.
// A new code replaces the subject's earlier ones for the purpose. It returns
// an Invalid error (field "phone") for a number that is not a phone number;
// anything else is a fault, such as a sign-in purpose (RequestCode makes
// those) or a service with no code key.
func (s *Service) IssueCode(ctx context.Context, db bun.IDB, purpose CodePurpose, subject Principal, phone string) (IssuedCode, error) {
	key, err := s.codeKey()
	if err != nil {
		return IssuedCode{}, err
	}
	if purpose == "" || purpose == PurposeSignIn || subject.Kind == "" {
		return IssuedCode{}, fmt.Errorf("accounts: IssueCode needs a purpose other than signing in, and a subject (got %q for %q)", purpose, subject.Kind)
	}
	e164, err := contact.ParsePhone(phone)
	if err != nil {
		return IssuedCode{}, apperr.Invalidf("phone", "%s", err.Error())
	}
	code, err := newCode()
	if err != nil {
		return IssuedCode{}, err
	}
	now := s.now().UTC()
	c := SignInCode{
		Phone: e164, CodeHash: subjectCodeHash(key, purpose, subject, e164, code), Purpose: purpose,
		SubjectKind: subject.Kind, SubjectID: subject.ID, CreatedAt: now, ExpiresAt: now.Add(CodeTTL),
	}
	if err := insertCode(ctx, db, &c); err != nil {
		return IssuedCode{}, err
	}
	return IssuedCode{ID: c.ID, Code: code, Phone: e164, ExpiresAt: c.ExpiresAt}, nil
}

// CheckCode checks code against the newest code made for subject and
// purpose: it must be right, unused, younger than CodeTTL and within
// MaxCodeAttempts. The try is counted at once, in a statement of its own,
// before the code is compared (in constant time): however many requests
// race, and whatever the caller's transaction does next, no more than
// MaxCodeAttempts are ever compared. A right code is not used up here; see
// UseCode. It returns ErrCodeWrong, ErrCodeTriesUsed, ErrCodeExpired,
// ErrNoCode, or an Invalid error (field "code") for input that is not a
// six-digit code.
func (s *Service) CheckCode(ctx context.Context, purpose CodePurpose, subject Principal, code string) (CheckedCode, error) {
	key, err := s.codeKey()
	if err != nil {
		return CheckedCode{}, err
	}
	var f apperr.Fields
	code = tidyCode(&f, code)
	if err := f.Err(); err != nil {
		return CheckedCode{}, err
	}
	now := s.now().UTC()
	c, live, err := claimCodeAttempt(ctx, s.db, newestSubjectCode(s.db, purpose, subject), now)
	if err != nil {
		return CheckedCode{}, err
	}
	if !live {
		return CheckedCode{}, s.whyNotLive(ctx, purpose, subject, now)
	}
	if !hmac.Equal([]byte(c.CodeHash), []byte(subjectCodeHash(key, purpose, subject, c.Phone, code))) {
		switch left := MaxCodeAttempts - c.Attempts; left {
		case 0:
			return CheckedCode{}, codeReason(ErrCodeTriesUsed, "That code is not right, and it has now been entered wrongly %d times, so it no longer works. Ask for a new one.", MaxCodeAttempts)
		case 1:
			return CheckedCode{}, codeReason(ErrCodeWrong, "That code is not right. Check the text and enter the code again: you can try once more.")
		default:
			return CheckedCode{}, codeReason(ErrCodeWrong, "That code is not right. Check the text and enter the code again: you can try %d more times.", left)
		}
	}
	return CheckedCode{ID: c.ID, Phone: c.Phone}, nil
}

// UseCode uses up a code CheckCode found right, in db (the caller's
// transaction), so that it works once only even when two requests race with
// it: the one that loses gets ErrNoCode.
func (s *Service) UseCode(ctx context.Context, db bun.IDB, c CheckedCode) error {
	used, err := useCode(ctx, db, c.ID, s.now().UTC())
	if err != nil {
		return err
	}
	if !used {
		return ErrNoCode
	}
	return nil
}

// codeKey returns the key code hashes are made with.
func (s *Service) codeKey() ([]byte, error) {
	if s.codes.key == nil {
		return nil, errNoCodeKey
	}
	return s.codes.key, nil
}

// whyNotLive says why subject has no live code for purpose to try.
func (s *Service) whyNotLive(ctx context.Context, purpose CodePurpose, subject Principal, now time.Time) error {
	var c SignInCode
	err := s.db.NewSelect().Model(&c).Where("id = (?)", newestSubjectCode(s.db, purpose, subject)).Scan(ctx)
	switch {
	case migrations.IsNoRows(err):
		return ErrNoCode
	case err != nil:
		return apperr.Wrapf(err, "reading the newest %s code", purpose)
	case c.UsedAt != nil:
		return ErrNoCode
	case c.Attempts >= MaxCodeAttempts:
		return ErrCodeTriesUsed
	case !now.Before(c.ExpiresAt):
		return ErrCodeExpired
	}
	// Live after all: it was replaced or changed between the two reads.
	return ErrNoCode
}

// newestSubjectCode selects the id of the newest code made for subject and
// purpose.
func newestSubjectCode(db bun.IDB, purpose CodePurpose, subject Principal) *bun.SelectQuery {
	return db.NewSelect().Model((*SignInCode)(nil)).ColumnExpr("max(id)").
		Where("subject_kind = ?", subject.Kind).Where("subject_id = ?", subject.ID).Where("purpose = ?", purpose)
}

// subjectCodeHash is the stored form of a code made for subject and purpose,
// sent to phone. Binding the purpose and the subject into the hash means a
// row can only ever be checked as what it was made for.
func subjectCodeHash(key []byte, purpose CodePurpose, subject Principal, phone, code string) string {
	return codeHash(key, string(purpose), string(subject.Kind), strconv.FormatInt(subject.ID, 10), phone, code)
}
