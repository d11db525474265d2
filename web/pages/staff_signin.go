package pages

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
)

// Staff sign in with their email and password.

type staffSignInView struct {
	layout
	Email string
}

// showStaffSignIn asks for the email and password.
func (p *Pages) showStaffSignIn(c *fiber.Ctx) error {
	v := &staffSignInView{}
	v.Title = "Sign in as staff"
	return p.render(c, fiber.StatusOK, "staff-sign-in", v)
}

// staffSignIn checks the email and password and starts a session.
func (p *Pages) staffSignIn(c *fiber.Ctx) error {
	email := form(c, "email")
	password := strings.Clone(c.FormValue("password")) // never trimmed: spaces may be part of it
	in, err := p.deps.Accounts.SignIn(ctx(c), email, password)
	if err != nil {
		errs, ok := errorsFrom(err, "email", map[string]string{"email": "email", "password": "password"})
		if !ok {
			return err
		}
		v := &staffSignInView{Email: email}
		v.Title = "Sign in as staff"
		v.Errors = errs
		return p.render(c, statusFor(err), "staff-sign-in", v)
	}
	return p.nextSignInStep(c, in)
}

// pendingCookie carries a staff sign-in between its steps. It is not a
// session: it opens only the next step, and the database keeps only its
// hash.
const pendingCookie = "respite_staff_sign_in"

// nextSignInStep goes on to what the sign-in still needs, or, when it is
// done, starts the session (a new one: the old is ended).
func (p *Pages) nextSignInStep(c *fiber.Ctx, in accounts.SignedIn) error {
	switch in.Next {
	case accounts.StepDone:
		if err := p.startSession(c, in.Token, in.ExpiresAt); err != nil {
			return err
		}
		p.clearCookie(c, pendingCookie)
		p.clearCookie(c, csrfCookie)
		return redirect(c, staffHome(in.User.Role))
	case accounts.StepSecondFactor:
		p.setCookie(c, pendingCookie, in.PendingToken, in.PendingExpiresAt)
		return redirect(c, "/staff/sign-in/code")
	case accounts.StepChangePassword:
		p.setCookie(c, pendingCookie, in.PendingToken, in.PendingExpiresAt)
		return redirect(c, "/staff/sign-in/new-password")
	case accounts.StepEnrol:
		p.setCookie(c, pendingCookie, in.PendingToken, in.PendingExpiresAt)
		return redirect(c, "/staff/sign-in/authenticator")
	}
	return fmt.Errorf("unknown sign-in step %q", in.Next)
}

// staffHome is where a member of staff starts: their role's main page.
func staffHome(role accounts.Role) string {
	switch role {
	case accounts.RoleDuty:
		return "/duty"
	}
	return "/staff"
}

type staffHomeView struct {
	layout
	Who accounts.Principal
}

// showStaffHome lists what the member of staff can do.
func (p *Pages) showStaffHome(c *fiber.Ctx) error {
	v := &staffHomeView{Who: signedInAs(c)}
	v.Title = "Staff"
	return p.render(c, fiber.StatusOK, "staff-home", v)
}

// requireStaff lets in staff with one of roles (any role when none are
// given); carers and hosts get the forbidden page, and the signed-out are
// sent to the staff sign-in.
func (p *Pages) requireStaff(roles ...accounts.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		who := signedInAs(c)
		if who.Kind == "" {
			if c.Method() == fiber.MethodGet {
				if sessionEnded(c) {
					p.setFlash(c, "session-timed-out")
				}
				return redirect(c, "/staff/sign-in")
			}
			return errSignedOut
		}
		if !who.IsStaff(roles...) {
			return errNotForYou
		}
		return c.Next()
	}
}
