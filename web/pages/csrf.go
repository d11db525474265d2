package pages

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"

	"github.com/gofiber/fiber/v2"
)

// Every form carries a CSRF token, and a POST without the right one is
// refused before anything changes.
//
// The token is an HMAC of a secret only this browser has: its session
// token when someone is signed in, or else a random value in a cookie of
// its own (for the sign-in forms). Nothing is stored on the server, so
// every instance behind a load balancer checks tokens alike, and signing
// in (a new session) changes the token. Fiber's csrf middleware keeps its
// tokens in process memory unless given shared storage, which would break
// a form served by one instance and posted to another.
const (
	csrfField  = "_csrf"
	csrfCookie = "respite_csrf"
	csrfKey    = "pages.csrf"
)

// withCSRF works out the request's token, makes sure a browser that is not
// signed in has its secret cookie, and checks the token on every POST; then
// the text of the form and the address (checkText).
func (p *Pages) withCSRF(c *fiber.Ctx) error {
	secret := c.Cookies(sessionCookie)
	if signedInAs(c).Kind == "" {
		secret = c.Cookies(csrfCookie)
		if secret == "" && c.Method() == fiber.MethodGet {
			raw := make([]byte, 32)
			if _, err := rand.Read(raw); err != nil {
				return err
			}
			secret = base64.RawURLEncoding.EncodeToString(raw)
			// A session cookie (no Expires): it lasts as long as the browser.
			c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: secret, Path: "/", HTTPOnly: true, Secure: p.secure, SameSite: fiber.CookieSameSiteLaxMode})
		}
	}
	want := ""
	if secret != "" {
		want = tokenFor(secret)
	}
	c.Locals(csrfKey, want)
	if c.Method() != fiber.MethodPost {
		return checkText(c) // input.go
	}
	if sessionEnded(c) {
		// The form was made for a session that has ended, so its token
		// cannot match; tell them why rather than call it a bad form.
		return errSignedOut
	}
	got := c.FormValue(csrfField)
	if want == "" || !hmac.Equal([]byte(got), []byte(want)) {
		p.log.WarnContext(ctx(c), "form refused: CSRF token missing or wrong", "path", c.Path())
		return errBadCSRF
	}
	return checkText(c)
}

func tokenFor(secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("respite csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func csrfToken(c *fiber.Ctx) string {
	t, _ := c.Locals(csrfKey).(string)
	return t
}
