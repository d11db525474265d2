// Package accounts holds who may sign in and what they may do: staff users
// with roles, and the sessions (bearer tokens) that signing in creates.
// Carers and shared-lives hosts sign in with codes sent by SMS; their sessions
// are kept here too, under their own subject kinds. The same kind of code,
// made for one purpose and one person, proves a new mobile number.
//
// Staff sign in with an email address and password and then, admins always
// and others once they have set one up, a second factor: a code from an
// authenticator app (TOTP, RFC 6238) or a single-use recovery code. Admins
// manage staff accounts; every change is recorded in the audit log.
package accounts

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
)

// Role is what a member of staff may do.
type Role string

// The staff roles.
const (
	RoleAdmin       Role = "admin"       // commissioning, care homes and contracts, staff users
	RoleDuty        Role = "duty"        // bookings and emergency placements
	RoleCoordinator Role = "coordinator" // shared-lives hosts
)

// Roles lists every role, in the order shown to people.
var Roles = []string{string(RoleAdmin), string(RoleDuty), string(RoleCoordinator)}

// User is a member of staff who signs in with an email address and password.
type User struct {
	bun.BaseModel `bun:"table:staff_users"`

	ID           int64     `bun:"id,pk,autoincrement"`
	Email        string    `bun:"email"` // stored lower-case
	Name         string    `bun:"name"`
	Role         Role      `bun:"role"`
	PasswordHash string    `bun:"password_hash"`
	CreatedAt    time.Time `bun:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at"`
	// DisabledAt is when an admin disabled the account; nil while it is
	// active. A disabled member of staff cannot sign in.
	DisabledAt *time.Time `bun:"disabled_at"`
	// MustChangePassword is set while the password is a one-time one an
	// admin gave: signing in with it leads only to choosing a new one.
	MustChangePassword bool `bun:"must_change_password"`
	// SecondFactorAt is when the member of staff set up their authenticator
	// app; nil while they have none.
	SecondFactorAt *time.Time `bun:"second_factor_at"`
}

// Active reports whether the member of staff may sign in.
func (u User) Active() bool { return u.DisabledAt == nil }

// HasSecondFactor reports whether the member of staff has set up an
// authenticator app.
func (u User) HasSecondFactor() bool { return u.SecondFactorAt != nil }

// NeedsSecondFactor reports whether signing in takes a second factor: always
// for admins (who must set one up first), and for anyone who has set one up.
func (u User) NeedsSecondFactor() bool { return u.Role == RoleAdmin || u.HasSecondFactor() }

// NewUser is what it takes to create a member of staff.
type NewUser struct {
	Email    string
	Name     string
	Role     Role
	Password string
}

// Password length limits. bcrypt reads at most 72 bytes, so longer
// passwords are refused rather than silently cut short.
const (
	MinPasswordLength = 12
	MaxPasswordBytes  = 72
)

// Errors returned by the accounts service.
var (
	ErrEmailTaken = apperr.New(apperr.Conflict, "There is already a member of staff with that email address.")
	// ErrBadCredentials is the one answer for an unknown email and a wrong
	// password alike, so sign-in cannot be used to learn who has an account.
	ErrBadCredentials = apperr.New(apperr.Unauthorized, "The email address or password is not right.")
	ErrNoSession      = apperr.New(apperr.Unauthorized, "Sign in to continue: the sign-in is missing, has expired or was signed out.")
	ErrUserNotFound   = apperr.New(apperr.NotFound, "There is no member of staff with that id.")
	// ErrAccountDisabled answers the right password for a disabled account:
	// only someone who knows the password learns that the account exists.
	ErrAccountDisabled = apperr.New(apperr.Forbidden, "This account has been disabled. Ask an administrator if you need it again.")
	ErrNotAllowed      = apperr.New(apperr.Forbidden, "Only administrators can manage staff accounts.")
	ErrLastAdmin       = apperr.New(apperr.Conflict, "This is the only active administrator. Make someone else an administrator first.")
	ErrDisableSelf     = apperr.New(apperr.Conflict, "You cannot disable your own account. Ask another administrator.")
)

// Normalize tidies what people type: spaces trimmed, email lower-cased.
func (n *NewUser) Normalize() {
	n.Email = NormalizeEmail(n.Email)
	n.Name = strings.TrimSpace(n.Name)
}

// NormalizeEmail trims and lower-cases an email address.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Validate names every field that is wrong.
func (n NewUser) Validate() error {
	var f apperr.Fields
	if n.Email == "" {
		f.Add("email", "Enter an email address.")
	} else if a, err := mail.ParseAddress(n.Email); err != nil || a.Address != n.Email || !strings.Contains(n.Email, ".") {
		f.Add("email", "Enter an email address in the form name@example.org.")
	}
	if n.Name == "" {
		f.Add("name", "Enter the person's name.")
	} else if utf8.RuneCountInString(n.Name) > 200 {
		f.Add("name", "The name must be 200 characters or fewer.")
	}
	f.OneOf("role", string(n.Role), Roles)
	checkPassword(&f, "password", n.Password)
	return f.Err()
}

// checkPassword adds an error for field if password is too short or too
// long.
func checkPassword(f *apperr.Fields, field, password string) {
	switch {
	case password == "":
		f.Add(field, "Enter a password.")
	case utf8.RuneCountInString(password) < MinPasswordLength:
		f.Add(field, "The password must be at least %d characters long.", MinPasswordLength)
	case len(password) > MaxPasswordBytes:
		f.Add(field, "The password must be at most %d bytes long.", MaxPasswordBytes)
	}
}

// SubjectKind says who a session belongs to.
type SubjectKind string

// The kinds of people who sign in.
const (
	SubjectStaff SubjectKind = "staff"
	SubjectCarer SubjectKind = "carer"
	SubjectHost  SubjectKind = "host"
	// SubjectOperator is whoever runs the respite command on the server
	// (respite users …). It manages staff accounts as an admin does, and is
	// never a session: the sessions table refuses the kind.
	SubjectOperator SubjectKind = "operator"
)

// Session is a signed-in token. Only the SHA-256 of the token is stored, so a
// copy of the database does not let anyone sign in.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	TokenHash   string      `bun:"token_hash,pk"`
	SubjectKind SubjectKind `bun:"subject_kind"`
	SubjectID   int64       `bun:"subject_id"`
	CreatedAt   time.Time   `bun:"created_at"`
	ExpiresAt   time.Time   `bun:"expires_at"`
	// LastSeenAt is when the session was last used, to within a minute;
	// nil if not since it began. Staff sessions end when it is too long ago.
	LastSeenAt *time.Time `bun:"last_seen_at"`
}

// Principal is whoever made a request: a member of staff (with a role), or,
// later, a carer or a host.
type Principal struct {
	Kind SubjectKind
	ID   int64
	Name string
	Role Role // staff only
}

// IsStaff reports whether p is a member of staff with one of roles (any role
// when none are given).
func (p Principal) IsStaff(roles ...Role) bool {
	if p.Kind != SubjectStaff {
		return false
	}
	if len(roles) == 0 {
		return true
	}
	for _, r := range roles {
		if p.Role == r {
			return true
		}
	}
	return false
}

// CommandLine is the principal of someone running the respite command on the
// server; who is their login name, for the audit log, or "".
func CommandLine(who string) Principal {
	name := "command line"
	if who != "" {
		name += " (" + who + ")"
	}
	return Principal{Kind: SubjectOperator, Name: name}
}

// mayManageStaff reports whether p may manage staff accounts: admins, and
// the command line.
func (p Principal) mayManageStaff() bool {
	return p.IsStaff(RoleAdmin) || p.Kind == SubjectOperator
}

// AuditActor says who p is in the audit log.
func (p Principal) AuditActor() audit.Actor {
	return audit.Actor{Kind: string(p.Kind), ID: p.ID, Name: p.Name, MayRead: p.IsStaff(RoleAdmin)}
}

// principalOf is the principal of a member of staff acting for themselves.
func principalOf(u User) Principal {
	return Principal{Kind: SubjectStaff, ID: u.ID, Name: u.Name, Role: u.Role}
}

// SignInStep is what a staff sign-in still needs before it starts a
// session.
type SignInStep string

// The steps of a staff sign-in after the password, in the order they come.
const (
	// StepDone: nothing more; the sign-in has started a session.
	StepDone SignInStep = ""
	// StepSecondFactor: a code from the authenticator app, or a recovery
	// code (SignInSecondFactor).
	StepSecondFactor SignInStep = "second_factor"
	// StepChangePassword: the password was a one-time one; choose a new one
	// (SignInChangePassword).
	StepChangePassword SignInStep = "change_password"
	// StepEnrol: an admin with no authenticator app sets one up
	// (SignInEnrolment, then SignInConfirmEnrolment).
	StepEnrol SignInStep = "enrol_second_factor"
)

// stepOrder is the order of the steps; a sign-in takes those that apply.
var stepOrder = []SignInStep{StepSecondFactor, StepChangePassword, StepEnrol}

// appliesTo reports whether u's sign-in must take the step. The second
// factor comes before the password change, so a one-time password alone
// (which an admin knew) never lets anyone choose the next password of
// someone with an app; setting up an app comes last, once the password is
// the person's own.
func (st SignInStep) appliesTo(u User) bool {
	switch st {
	case StepSecondFactor:
		return u.HasSecondFactor()
	case StepChangePassword:
		return u.MustChangePassword
	case StepEnrol:
		return u.Role == RoleAdmin && !u.HasSecondFactor()
	}
	return false
}

// nextStep is the step u's sign-in takes after done (StepDone: after the
// password), or StepDone when none is left.
func nextStep(u User, done SignInStep) SignInStep {
	from := 0
	for i, st := range stepOrder {
		if st == done {
			from = i + 1
		}
	}
	for _, st := range stepOrder[from:] {
		if st.appliesTo(u) {
			return st
		}
	}
	return StepDone
}

// SignedIn is the result of a sign-in, or of one of its steps. Either the
// sign-in is done (Next is StepDone) and Token is the new session's, or it
// needs Next, and PendingToken carries it there.
type SignedIn struct {
	Token     string    // the session's token: give it to the client once; it is not stored
	ExpiresAt time.Time // when the session ends
	User      User
	// Next is what the sign-in still needs; StepDone once it is done.
	Next SignInStep
	// PendingToken is for the Next step, until PendingExpiresAt. It is not
	// a session and only the step's methods take it; it is stored only as
	// a hash.
	PendingToken     string
	PendingExpiresAt time.Time
	// RecoveryCodes are set when the sign-in set up an authenticator app:
	// show them once; they are stored only as hashes.
	RecoveryCodes []string
}
