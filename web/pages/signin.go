package pages

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/contact"
)

// Signing in, for carers and shared-lives hosts: a mobile number, then the
// code texted to it. The accounts service does the work, and its answers
// are the API's: the same reply whether or not the number is registered.

type signInView struct {
	layout
	Phone string
}

type codeView struct {
	layout
	Phone string
}

// showSignIn asks for the mobile number.
func (p *Pages) showSignIn(c *fiber.Ctx) error {
	v := &signInView{Phone: c.Cookies(phoneCookie)}
	v.Title = "Sign in"
	v.BackLink = "/"
	return p.render(c, fiber.StatusOK, "sign-in", v)
}

// sendCode texts a code to the number, if it is registered, and moves on to
// the code screen either way.
func (p *Pages) sendCode(c *fiber.Ctx) error {
	phone := form(c, "phone")
	if err := p.deps.Accounts.RequestCode(ctx(c), phone); err != nil {
		errs, ok := errorsFrom(err, "phone", map[string]string{"phone": "phone"})
		if !ok {
			return err
		}
		v := &signInView{Phone: phone}
		v.Title = "Sign in"
		v.BackLink = "/"
		v.Errors = errs
		return p.render(c, statusFor(err), "sign-in", v)
	}
	// Remember the number as typed, tidied to E.164 when it parses.
	if e164, err := contact.ParsePhone(phone); err == nil {
		phone = e164
	}
	p.setCookie(c, phoneCookie, phone, time.Now().Add(accounts.CodeTTL))
	return redirect(c, "/sign-in/code")
}

// showCode asks for the code.
func (p *Pages) showCode(c *fiber.Ctx) error {
	phone := c.Cookies(phoneCookie)
	if phone == "" {
		return redirect(c, "/sign-in")
	}
	v := &codeView{Phone: phone}
	v.Title = "Check your phone"
	v.BackLink = "/sign-in"
	return p.render(c, fiber.StatusOK, "sign-in-code", v)
}

// checkCode signs in with the code, starting a new session.
func (p *Pages) checkCode(c *fiber.Ctx) error {
	phone := c.Cookies(phoneCookie)
	if phone == "" {
		return redirect(c, "/sign-in")
	}
	in, err := p.deps.Accounts.VerifyCode(ctx(c), phone, form(c, "code"))
	if err != nil {
		errs, ok := errorsFrom(err, "code", map[string]string{"code": "code", "phone": "code"})
		if !ok {
			return err
		}
		v := &codeView{Phone: phone}
		v.Title = "Check your phone"
		v.BackLink = "/sign-in"
		v.Errors = errs
		return p.render(c, statusFor(err), "sign-in-code", v)
	}
	if err := p.startSession(c, in.Token, in.ExpiresAt); err != nil {
		return err
	}
	p.clearCookie(c, phoneCookie)
	p.clearCookie(c, csrfCookie)
	if in.Kind == accounts.SubjectHost {
		return redirect(c, "/host")
	}
	return redirect(c, "/home")
}

// resendCode sends a fresh code to the remembered number.
func (p *Pages) resendCode(c *fiber.Ctx) error {
	phone := c.Cookies(phoneCookie)
	if phone == "" {
		return redirect(c, "/sign-in")
	}
	if err := p.deps.Accounts.RequestCode(ctx(c), phone); err != nil {
		return err
	}
	p.setFlash(c, "code-sent-again")
	return redirect(c, "/sign-in/code")
}

// signOut ends the session and says so.
func (p *Pages) signOut(c *fiber.Ctx) error {
	if token := c.Cookies(sessionCookie); token != "" {
		if err := p.deps.Accounts.SignOut(ctx(c), token); err != nil {
			return err
		}
	}
	p.clearCookie(c, sessionCookie)
	p.setFlash(c, "signed-out")
	return redirect(c, "/")
}
