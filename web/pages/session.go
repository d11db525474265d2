package pages

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
)

// Sessions are the accounts service's own: the cookie carries the session
// token, and the database keeps only its hash, as it does for API tokens.
// Signing in always starts a new session (a new id), and signing out
// deletes it.
const (
	sessionCookie = "respite_session"
	// phoneCookie remembers, between the two sign-in screens, the number
	// a code was sent to. It is not a secret: the code is.
	phoneCookie = "respite_signin_phone"
	flashCookie = "respite_flash"
)

const (
	principalKey    = "pages.principal"
	sessionEndedKey = "pages.session-ended"
)

// sessionEnded reports whether the browser came with a session that has
// since ended.
func sessionEnded(c *fiber.Ctx) bool {
	ended, _ := c.Locals(sessionEndedKey).(bool)
	return ended
}

// withSession reads the session cookie and, when it names a live session,
// puts its principal in the request. It never refuses a request: pages
// that need someone signed in say so with requireCarer or requireHost.
// When the session cannot be read (the database is down) the error goes
// to the error handler, which shows the 503 page with Retry-After rather
// than treat the person as signed out.
func (p *Pages) withSession(c *fiber.Ctx) error {
	token := c.Cookies(sessionCookie)
	if token == "" {
		return c.Next()
	}
	who, err := p.deps.Accounts.Authenticate(ctx(c), token)
	switch {
	case err == nil:
		c.Locals(principalKey, who)
	case errors.Is(err, accounts.ErrNoSession):
		// Expired, or ended elsewhere: say so rather than show a puzzling
		// refusal on the next form.
		c.Locals(sessionEndedKey, true)
		p.clearCookie(c, sessionCookie)
	default:
		return err
	}
	return c.Next()
}

// signedInAs is who is signed in, or the zero Principal.
func signedInAs(c *fiber.Ctx) accounts.Principal {
	who, _ := c.Locals(principalKey).(accounts.Principal)
	return who
}

// requireCarer sends anyone not signed in as a carer to sign in; a host
// who wanders onto a carer's page gets the forbidden page.
func (p *Pages) requireCarer(c *fiber.Ctx) error { return p.require(c, accounts.SubjectCarer) }

// requireHost is requireCarer for shared-lives hosts' pages.
func (p *Pages) requireHost(c *fiber.Ctx) error { return p.require(c, accounts.SubjectHost) }

func (p *Pages) require(c *fiber.Ctx, kind accounts.SubjectKind) error {
	who := signedInAs(c)
	if who.Kind == "" {
		if c.Method() == fiber.MethodGet {
			if sessionEnded(c) {
				p.setFlash(c, "session-timed-out")
			}
			return redirect(c, "/sign-in")
		}
		return errSignedOut
	}
	if who.Kind != kind {
		return errNotForYou
	}
	return c.Next()
}

// startSession puts a new session token in the cookie, ending the session
// the browser had before, if any.
func (p *Pages) startSession(c *fiber.Ctx, token string, expires time.Time) error {
	if old := c.Cookies(sessionCookie); old != "" {
		if err := p.deps.Accounts.SignOut(ctx(c), old); err != nil {
			return err
		}
	}
	p.setCookie(c, sessionCookie, token, expires)
	return nil
}

func (p *Pages) setCookie(c *fiber.Ctx, name, value string, expires time.Time) {
	c.Cookie(&fiber.Cookie{
		Name: name, Value: value, Path: "/", Expires: expires,
		HTTPOnly: true, Secure: p.secure, SameSite: fiber.CookieSameSiteLaxMode,
	})
}

func (p *Pages) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{
		Name: name, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		HTTPOnly: true, Secure: p.secure, SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// Flash messages say what just happened on the page a POST redirects to.
// The cookie carries a key, never text, so nobody can put words on our
// pages by setting it.
var flashes = map[string]string{
	"signed-out":        "You have signed out.",
	"cancelled":         "Your stay has been cancelled. We have sent you a text to confirm it.",
	"details-saved":     "Your details have been saved.",
	"mobile-changed":    "Your mobile number has been changed. We will send texts to the new number from now on.",
	"calendar-added":    "Those dates are now in your calendar as free for guests.",
	"calendar-removed":  "Those dates have been taken out of your calendar.",
	"calendar-right":    "Thank you. We have recorded that your calendar is right.",
	"hold-released":     "We have let the place go, so someone else can book it.",
	"code-sent-again":   "We have sent a new code. Codes sent before it no longer work.",
	"session-timed-out": "You have been signed out because your session ended. Sign in again to carry on.",
}

func (p *Pages) setFlash(c *fiber.Ctx, key string) {
	p.setCookie(c, flashCookie, key, time.Now().Add(5*time.Minute))
}

func (p *Pages) takeFlash(c *fiber.Ctx) string {
	key := c.Cookies(flashCookie)
	if key == "" {
		return ""
	}
	p.clearCookie(c, flashCookie)
	return flashes[key]
}
