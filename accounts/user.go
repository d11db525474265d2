// Package accounts holds who may sign in and what they may do: staff users
// with roles, and the sessions (bearer tokens) that signing in creates.
// Carers and shared-lives hosts sign in with codes sent by SMS; their sessions
// are kept here too, under their own subject kinds. The same kind of code,
// made for one purpose and one person, proves a new mobile number.
package accounts

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
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
}

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
	switch {
	case utf8.RuneCountInString(n.Password) < MinPasswordLength:
		f.Add("password", "The password must be at least %d characters long.", MinPasswordLength)
	case len(n.Password) > MaxPasswordBytes:
		f.Add("password", "The password must be at most %d bytes long.", MaxPasswordBytes)
	}
	return f.Err()
}

// SubjectKind says who a session belongs to.
type SubjectKind string

// The kinds of people who sign in.
const (
	SubjectStaff SubjectKind = "staff"
	SubjectCarer SubjectKind = "carer"
	SubjectHost  SubjectKind = "host"
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

// SignedIn is the result of a successful sign-in.
type SignedIn struct {
	Token     string // give this to the client once; it is not stored
	ExpiresAt time.Time
	User      User
}
