package web

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/web/pages"
)

// Errors the HTTP layer raises itself.
var (
	errWrongRole      = apperr.New(apperr.Forbidden, "Your role does not allow this.")
	errTooManySignIns = apperr.New(apperr.RateLimited, "Too many sign-in attempts that were not right. Wait a moment, then try again.")
)

// tooManySignIns is the 429 for a sign-in step tried again too soon.
func tooManySignIns(wait time.Duration) error {
	return errTooManySignIns.Reason("Too many sign-in attempts that were not right. Wait %s, then try again.", waitWords(wait))
}

// Default sign-in limits (throttle.go): failures allowed per client address
// and per account before each further try must wait, and how long a
// failure is remembered.
const (
	defaultSignInPerAddress = 20
	defaultSignInPerAccount = 5
	defaultSignInWindow     = 15 * time.Minute
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type userJSON struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

// loginResponse answers a staff sign-in and each of its steps (users.go):
// the token once it is done, or the next step and a pending token for it.
type loginResponse struct {
	Token     string     `json:"token,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	User      userJSON   `json:"user"`
	// RecoveryCodes come once, when the sign-in set up an authenticator app.
	RecoveryCodes    []string   `json:"recovery_codes,omitempty"`
	Next             string     `json:"next,omitempty"`
	PendingToken     string     `json:"pending_token,omitempty"`
	PendingExpiresAt *time.Time `json:"pending_expires_at,omitempty"`
}

type meResponse struct {
	Kind string `json:"kind"`
	ID   int64  `json:"id"`
	Name string `json:"name,omitempty"`
	Role string `json:"role,omitempty"`
}

// login checks an email and password and answers with a bearer token, or
// with the next step of the sign-in (users.go).
func (s *Server) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var f apperr.Fields
	if strings.TrimSpace(req.Email) == "" {
		f.Add("email", "Enter your email address.")
	}
	if req.Password == "" {
		f.Add("password", "Enter your password.")
	}
	if err := f.Err(); err != nil {
		return err
	}
	in, err := s.accounts.SignIn(c.UserContext(), req.Email, req.Password)
	if err != nil {
		return err
	}
	return s.answerSignIn(c, in)
}

// logout ends the session whose token signed the request.
func (s *Server) logout(c *fiber.Ctx) error {
	if err := s.accounts.SignOut(c.UserContext(), bearerToken(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// showMe says who the token belongs to.
func (s *Server) showMe(c *fiber.Ctx) error {
	p := principal(c)
	return c.JSON(meResponse{Kind: string(p.Kind), ID: p.ID, Name: p.Name, Role: string(p.Role)})
}

// signedIn requires a valid bearer token and puts its principal in the request.
func (s *Server) signedIn() fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, err := s.accounts.Authenticate(c.UserContext(), bearerToken(c))
		if err != nil {
			return err
		}
		c.Locals(principalKey, p)
		return c.Next()
	}
}

// staffOnly requires a signed-in member of staff with one of roles (any role
// when none are given): 401 without a valid sign-in, 403 for another role.
func (s *Server) staffOnly(roles ...accounts.Role) fiber.Handler { return s.allow("", roles...) }

// staffOrCarer lets in staff with one of roles, and carers. What a carer
// may see is narrowed by the domain service (their own carer record, people
// and bookings, with 404 for anyone else's so ids reveal nothing).
func (s *Server) staffOrCarer(roles ...accounts.Role) fiber.Handler {
	return s.allow(accounts.SubjectCarer, roles...)
}

// staffOrHost lets in staff with one of roles, and shared-lives hosts,
// whom the domain service narrows to their own record, calendar and guests.
func (s *Server) staffOrHost(roles ...accounts.Role) fiber.Handler {
	return s.allow(accounts.SubjectHost, roles...)
}

// allow requires a valid bearer token from a member of staff with one of
// roles, or, when also is set, from anyone of that kind; it puts the
// principal in the request. 401 without a valid sign-in, 403 otherwise.
func (s *Server) allow(also accounts.SubjectKind, roles ...accounts.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, err := s.accounts.Authenticate(c.UserContext(), bearerToken(c))
		if err != nil {
			return err
		}
		if !p.IsStaff(roles...) && (also == "" || p.Kind != also) {
			return errWrongRole
		}
		c.Locals(principalKey, p)
		return c.Next()
	}
}

const principalKey = "principal"

func principal(c *fiber.Ctx) accounts.Principal {
	p, _ := c.Locals(principalKey).(accounts.Principal)
	return p
}

// bearerToken reads "Authorization: Bearer <token>".
func bearerToken(c *fiber.Ctx) string {
	h := c.Get(fiber.HeaderAuthorization)
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// signInLimits returns the two throttles on failed passwords (throttle.go):
// per client address and per account. Only failures slow anyone down, and
// never into a lock: the owner of an account, signing in from an address
// with no recent failures at it, gets in while a guesser elsewhere waits
// longer after each failure (429 with Retry-After).
func (s *Server) signInLimits() (perAddress, perAccount fiber.Handler) {
	return s.failureLimits("signin", accountKey, tooManySignIns)
}

// accountKey names the account a sign-in tries: the email, normalized so
// that "Duty@Example.org" and "duty@example.org" share one count.
func accountKey(c *fiber.Ctx) string {
	var req struct {
		Email string `json:"email"`
	}
	if fromPage, ok := c.Locals(pages.LimitAccountKey).(string); ok {
		req.Email = fromPage // the staff sign-in page's form
	} else {
		_ = json.Unmarshal(c.Body(), &req)
	}
	return accounts.NormalizeEmail(req.Email)
}

// renderErrorsHere answers errors from the handlers after it at once, so the
// middleware before it (the limiters) sees the real status. Without it a
// failed sign-in would still read as 200 to them, because the error handler
// normally runs only after every middleware has returned.
func renderErrorsHere(s *Server) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := c.Next(); err != nil {
			return s.errorHandler(c, err)
		}
		return nil
	}
}
