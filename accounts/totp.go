package accounts

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"image"
	"image/draw"
	"image/png"
	"math/big"
	"strings"
	"time"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/migrations"
)

// The second factor is an authenticator app (TOTP, RFC 6238, with the
// settings every app understands: SHA-1, 6 digits, 30 seconds), and, for
// when the phone is lost, single-use recovery codes.

// Second factor rules.
const (
	// RecoveryCodeCount is how many recovery codes setting up an app gives.
	RecoveryCodeCount = 10
	// totpPeriod is the length of a TOTP time step, in seconds.
	totpPeriod = 30
	// totpSkew is how many steps either side of now a code may be for, for
	// phone clocks that are a little out and people who type slowly.
	totpSkew = 1
	// codeAlphabet writes recovery codes and one-time passwords: Crockford's
	// base32, 5 bits a character, with no i, l, o or u to misread.
	codeAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	// codeChars is the length of a recovery code or one-time password: 80
	// random bits, written in four groups of four.
	codeChars = 16
)

// Errors from setting up an authenticator app. ErrEnrolmentCode names the
// field "code", for forms.
var (
	ErrEnrolmentCode   = fieldError("code", "That code is not right. Enter the 6-digit code the app shows now.")
	ErrNotEnrolling    = apperr.New(apperr.Conflict, "There is no authenticator app being set up. Start again to get a new key.")
	ErrAlreadyEnrolled = apperr.New(apperr.Conflict, "You already have an authenticator app. Ask an administrator to reset it if you need to set up another.")
	ErrStaffOnly       = apperr.New(apperr.Forbidden, "Only staff can do this.")
)

// fieldError is an Invalid sentinel whose message is also field's.
func fieldError(field, message string) *apperr.Error {
	e := apperr.New(apperr.Invalid, message)
	e.Fields = []apperr.FieldError{{Field: field, Message: message}}
	return e
}

// Enrolment is a new key for an authenticator app, to show the member of
// staff once.
type Enrolment struct {
	// Secret is the key in base32, for typing into an app by hand.
	Secret string
	// URL is the otpauth:// URL the QR code holds.
	URL string
	// QRCode is a PNG of the URL as a QR code, with the quiet zone round it
	// that scanners need.
	QRCode []byte
}

// totpKey is a member of staff's TOTP key: the confirmed Secret, and a
// NewSecret being set up.
type totpKey struct {
	bun.BaseModel `bun:"table:staff_totp_keys"`

	UserID    int64     `bun:"user_id,pk"`
	Secret    string    `bun:"secret,nullzero"`
	NewSecret string    `bun:"new_secret,nullzero"`
	LastStep  int64     `bun:"last_step"` // the newest step a code was accepted for
	UpdatedAt time.Time `bun:"updated_at"`
}

// recoveryCode is a single-use recovery code, stored as its SHA-256.
type recoveryCode struct {
	bun.BaseModel `bun:"table:staff_recovery_codes"`

	ID        int64      `bun:"id,pk,autoincrement"`
	UserID    int64      `bun:"user_id"`
	CodeHash  string     `bun:"code_hash"`
	CreatedAt time.Time  `bun:"created_at"`
	UsedAt    *time.Time `bun:"used_at"`
}

// BeginEnrolment starts setting up an authenticator app for a signed-in
// member of staff who has none (so one who may sign in without a second
// factor chooses to have one): it returns a key to show them, the same one
// each time until it is confirmed. Confirm it with ConfirmEnrolment. It
// returns ErrStaffOnly or ErrAlreadyEnrolled.
func (s *Service) BeginEnrolment(ctx context.Context, actor Principal) (Enrolment, error) {
	u, err := s.enrollingUser(ctx, actor)
	if err != nil {
		return Enrolment{}, err
	}
	return s.setUpKey(ctx, s.db, u)
}

// ConfirmEnrolment finishes setting up the authenticator app BeginEnrolment
// made a key for, with a code the app shows, and returns the new recovery
// codes (shown once; stored only as hashes). From then on signing in takes a
// code. It returns ErrEnrolmentCode for a code that is not right,
// ErrNotEnrolling when no key was made, an Invalid error (field "code") for
// input that is not six digits, ErrStaffOnly or ErrAlreadyEnrolled.
func (s *Service) ConfirmEnrolment(ctx context.Context, actor Principal, code string) ([]string, error) {
	code, err := tidyAppCode(code)
	if err != nil {
		return nil, err
	}
	u, err := s.enrollingUser(ctx, actor)
	if err != nil {
		return nil, err
	}
	var codes []string
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		var err error
		codes, err = s.confirmKey(ctx, tx, &u, code, s.now().UTC(), "from their account")
		return err
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// enrollingUser is the member of staff actor, who must have no app yet.
func (s *Service) enrollingUser(ctx context.Context, actor Principal) (User, error) {
	if !actor.IsStaff() {
		return User{}, ErrStaffOnly
	}
	u, err := userByID(ctx, s.db, actor.ID)
	if err != nil {
		return User{}, err
	}
	if u.HasSecondFactor() {
		return User{}, ErrAlreadyEnrolled
	}
	return u, nil
}

// setUpKey returns the key being set up for u, making one (kept in db) if
// there is none: asking again gives the same key until it is confirmed, so
// a form shown again after a mistyped code still matches what the app has.
func (s *Service) setUpKey(ctx context.Context, db bun.IDB, u User) (Enrolment, error) {
	secret := make([]byte, 20)
	_, _ = rand.Read(secret) // crypto/rand.Read never fails
	fresh := totpKey{UserID: u.ID, NewSecret: base32NoPad.EncodeToString(secret), UpdatedAt: s.now().UTC()}
	// Of two requests racing here, both end up showing the one key stored.
	_, err := db.NewInsert().Model(&fresh).
		On("CONFLICT (user_id) DO UPDATE").Set("new_secret = COALESCE(?TableAlias.new_secret, EXCLUDED.new_secret)").
		Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
	if err != nil {
		return Enrolment{}, apperr.Wrapf(err, "storing a new TOTP key")
	}
	var k totpKey
	if err := db.NewSelect().Model(&k).Where("user_id = ?", u.ID).Scan(ctx); err != nil {
		return Enrolment{}, apperr.Wrapf(err, "reading the TOTP key being set up")
	}
	raw, err := base32NoPad.DecodeString(k.NewSecret)
	if err != nil {
		return Enrolment{}, apperr.Wrapf(err, "decoding the TOTP key being set up")
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: s.issuer, AccountName: u.Email, Secret: raw,
		Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return Enrolment{}, apperr.Wrapf(err, "making a TOTP key")
	}
	qrCode, err := qrPNG(key.URL())
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URL: key.URL(), QRCode: qrCode}, nil
}

// base32NoPad writes TOTP secrets as apps expect them.
var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)

// confirmKey makes the key being set up for u the one that counts, if code is
// right for it, in tx: it gives u new recovery codes (returned, to show once)
// and sets u.SecondFactorAt. Like every change to a staff account it is
// recorded in the audit log, as u's own, with where it was done (reason).
func (s *Service) confirmKey(ctx context.Context, tx bun.IDB, u *User, code string, now time.Time, reason string) ([]string, error) {
	var k totpKey
	err := tx.NewSelect().Model(&k).Where("user_id = ?", u.ID).Scan(ctx)
	if migrations.IsNoRows(err) || (err == nil && k.NewSecret == "") {
		return nil, ErrNotEnrolling
	}
	if err != nil {
		return nil, apperr.Wrapf(err, "reading the TOTP key of staff user %d", u.ID)
	}
	step, ok := matchTOTP(k.NewSecret, code, now)
	if !ok {
		return nil, ErrEnrolmentCode
	}
	// The condition on new_secret means that of two racing confirmations,
	// or a confirmation racing a new key, only one takes effect.
	res, err := tx.NewUpdate().Model((*totpKey)(nil)).
		Set("secret = new_secret").Set("new_secret = NULL").Set("last_step = ?", step).Set("updated_at = ?", now).
		Where("user_id = ?", u.ID).Where("new_secret = ?", k.NewSecret).Exec(ctx)
	if err != nil {
		return nil, apperr.Wrapf(err, "confirming the TOTP key of staff user %d", u.ID)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return nil, ErrNotEnrolling
	}
	if _, err := tx.NewUpdate().Model((*User)(nil)).Set("second_factor_at = ?", now).Set("updated_at = ?", now).
		Where("id = ?", u.ID).Exec(ctx); err != nil {
		return nil, apperr.Wrapf(err, "recording the second factor of staff user %d", u.ID)
	}
	codes, err := replaceRecoveryCodes(ctx, tx, u.ID, now)
	if err != nil {
		return nil, err
	}
	u.SecondFactorAt, u.UpdatedAt = &now, now
	if err := audit.Record(ctx, tx, now, principalOf(*u), audit.StaffSecondFactorAdded, auditTarget, u.ID, reason); err != nil {
		return nil, err
	}
	return codes, nil
}

// useTOTP accepts code as userID's second factor at now, in tx, if it is right
// for a step later than the last one accepted, and records the step so that
// the code (and any earlier one) never works again, even for a request
// racing this one. It returns ErrBadSecondFactor otherwise.
func useTOTP(ctx context.Context, tx bun.IDB, userID int64, code string, now time.Time) error {
	var k totpKey
	err := tx.NewSelect().Model(&k).Where("user_id = ?", userID).Scan(ctx)
	if migrations.IsNoRows(err) || (err == nil && k.Secret == "") {
		return ErrBadSecondFactor
	}
	if err != nil {
		return apperr.Wrapf(err, "reading the TOTP key of staff user %d", userID)
	}
	step, ok := matchTOTP(k.Secret, code, now)
	if !ok {
		return ErrBadSecondFactor
	}
	res, err := tx.NewUpdate().Model((*totpKey)(nil)).Set("last_step = ?", step).Set("updated_at = ?", now).
		Where("user_id = ?", userID).Where("last_step < ?", step).Exec(ctx)
	if err != nil {
		return apperr.Wrapf(err, "recording a TOTP code used")
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return ErrBadSecondFactor.Reason("That code has been used already. Wait for your authenticator app to show a new one, then enter that.")
	}
	return nil
}

// matchTOTP returns the time step code is right for, within totpSkew steps of
// now, preferring the latest. pquerna/otp computes and compares each code (in
// constant time); the steps are tried here because its TOTP check does not
// say which step matched, and the replay rule needs it.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	current := now.Unix() / totpPeriod
	for step := current + totpSkew; step >= current-totpSkew; step-- {
		if step < 0 {
			continue
		}
		ok, err := hotp.ValidateCustom(code, uint64(step), secret, hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && ok {
			return step, true
		}
	}
	return 0, false
}

// replaceRecoveryCodes gives userID RecoveryCodeCount new recovery codes in
// place of any they had, and returns them as people read them.
func replaceRecoveryCodes(ctx context.Context, tx bun.IDB, userID int64, now time.Time) ([]string, error) {
	if _, err := tx.NewDelete().Model((*recoveryCode)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return nil, apperr.Wrapf(err, "deleting old recovery codes")
	}
	shown := make([]string, RecoveryCodeCount)
	rows := make([]recoveryCode, RecoveryCodeCount)
	for i := range shown {
		code, err := newRandomCode()
		if err != nil {
			return nil, err
		}
		shown[i] = groupCode(code)
		rows[i] = recoveryCode{UserID: userID, CodeHash: hashToken(code), CreatedAt: now}
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return nil, apperr.Wrapf(err, "storing recovery codes")
	}
	return shown, nil
}

// useRecoveryCode uses up one of userID's recovery codes, in tx, and returns
// how many are left; ErrBadSecondFactor when code is not one of theirs or was
// used already. The condition on used_at makes sure that of two requests
// racing with one code only one succeeds.
func useRecoveryCode(ctx context.Context, tx bun.IDB, userID int64, code string, now time.Time) (int, error) {
	res, err := tx.NewUpdate().Model((*recoveryCode)(nil)).Set("used_at = ?", now).
		Where("user_id = ?", userID).Where("code_hash = ?", hashToken(code)).Where("used_at IS NULL").Exec(ctx)
	if err != nil {
		return 0, apperr.Wrapf(err, "using a recovery code")
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return 0, ErrBadSecondFactor
	}
	left, err := tx.NewSelect().Model((*recoveryCode)(nil)).Where("user_id = ?", userID).Where("used_at IS NULL").Count(ctx)
	return int(left), apperr.Wrapf(err, "counting recovery codes")
}

// codeKind says which kind of second factor someone typed.
type codeKind int

const (
	appKind      codeKind = iota // six digits from an authenticator app
	recoveryKind                 // a recovery code
)

const secondFactorHint = "Enter the 6-digit code from your authenticator app, or one of your recovery codes."

// tidySecondFactor reads what someone typed as a second factor: six digits,
// or a recovery code (any case; spaces and hyphens ignored; o, i and l read
// as 0, 1 and 1). Anything else is an Invalid error for field "code".
func tidySecondFactor(code string) (codeKind, string, error) {
	c := strings.ToLower(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(strings.TrimSpace(code)))
	switch {
	case c == "":
		return 0, "", apperr.Invalidf("code", secondFactorHint)
	case len(c) == 6 && strings.Trim(c, "0123456789") == "":
		return appKind, c, nil
	case len(c) == codeChars:
		c = strings.NewReplacer("o", "0", "i", "1", "l", "1").Replace(c)
		if strings.Trim(c, codeAlphabet) == "" {
			return recoveryKind, c, nil
		}
	}
	return 0, "", apperr.Invalidf("code", secondFactorHint)
}

// tidyAppCode reads six digits from an authenticator app (spaces ignored).
func tidyAppCode(code string) (string, error) {
	c := strings.Join(strings.Fields(code), "")
	switch {
	case c == "":
		return "", apperr.Invalidf("code", "Enter the 6-digit code from your authenticator app.")
	case len(c) != 6 || strings.Trim(c, "0123456789") != "":
		return "", apperr.Invalidf("code", "Enter the 6 digits your authenticator app shows.")
	}
	return c, nil
}

// newRandomCode returns codeChars characters of codeAlphabet, each chosen
// at random: a recovery code or one-time password as it is hashed.
func newRandomCode() (string, error) {
	var b strings.Builder
	max := big.NewInt(int64(len(codeAlphabet)))
	for range codeChars {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", apperr.Wrapf(err, "making a random code")
		}
		b.WriteByte(codeAlphabet[n.Int64()])
	}
	return b.String(), nil
}

// groupCode writes a code in groups of four, as people read it.
func groupCode(code string) string {
	var parts []string
	for len(code) > 4 {
		parts, code = append(parts, code[:4]), code[4:]
	}
	return strings.Join(append(parts, code), "-")
}

// qrPNG draws content as a QR code in a PNG, each module 6 pixels square,
// with the four-module white quiet zone the QR standard asks for. pquerna/otp's
// Key.Image draws the same code with the same library (boombuler/barcode) but
// with next to no quiet zone, which some phone cameras need to find the code.
func qrPNG(content string) ([]byte, error) {
	const scale, quiet = 6, 4
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return nil, apperr.Wrapf(err, "encoding a QR code")
	}
	modules := code.Bounds().Dx()
	scaled, err := barcode.Scale(code, modules*scale, modules*scale)
	if err != nil {
		return nil, apperr.Wrapf(err, "scaling a QR code")
	}
	side := (modules + 2*quiet) * scale
	img := image.NewGray(image.Rect(0, 0, side, side))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(quiet*scale, quiet*scale, side-quiet*scale, side-quiet*scale), scaled, scaled.Bounds().Min, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, apperr.Wrapf(err, "writing a QR code PNG")
	}
	return buf.Bytes(), nil
}
