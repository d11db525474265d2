package pages

import (
	"encoding/base64"
	"errors"
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
)

// The steps of a staff sign-in after the password: a code from the
// authenticator app (or a recovery code), a new password in place of a
// one-time one, and for an admin without an app, setting one up.

type signInStepView struct {
	layout
	Step string
	// For setting up an app: the QR code as a data: URL (the content
	// security policy allows data: images) and the key as text.
	QRCode template.URL
	Secret string
	// RecoveryCodes are shown once, when the app has been set up.
	RecoveryCodes []string
	Next          string
	// Action is where the set-up form goes: a sign-in step, or a signed-in
	// member of staff choosing to add an app.
	Action string
	// Enrolled is true when the member of staff already has an app.
	Enrolled bool
}

// pending reads the sign-in waiting in the cookie; without one, or when it
// has expired, the member of staff starts again with their password.
func (p *Pages) pending(c *fiber.Ctx) (string, accounts.Pending, error) {
	token := c.Cookies(pendingCookie)
	if token == "" {
		return "", accounts.Pending{}, accounts.ErrNoPendingSignIn
	}
	pd, err := p.deps.Accounts.PendingSignIn(ctx(c), token)
	return token, pd, err
}

// showSignInStep shows the form for the step the sign-in waits for.
func (p *Pages) showSignInStep(step accounts.SignInStep, page string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		token, pd, err := p.pending(c)
		if errors.Is(err, accounts.ErrNoPendingSignIn) {
			return redirect(c, "/staff/sign-in")
		}
		if err != nil {
			return err
		}
		if pd.Next != step {
			return p.nextSignInStep(c, accounts.SignedIn{Next: pd.Next, PendingToken: token, PendingExpiresAt: pd.ExpiresAt})
		}
		v := &signInStepView{Step: string(step)}
		if step == accounts.StepEnrol {
			e, err := p.deps.Accounts.SignInEnrolment(ctx(c), token)
			if err != nil {
				return err
			}
			v.QRCode = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QRCode))
			v.Secret = e.Secret
		}
		return p.renderStep(c, fiber.StatusOK, page, v, nil)
	}
}

func (p *Pages) renderStep(c *fiber.Ctx, status int, page string, v *signInStepView, errs formErrors) error {
	switch page {
	case "staff-sign-in-code":
		v.Title = "Enter the code from your authenticator app"
	case "staff-sign-in-password":
		v.Title = "Choose a new password"
	case "staff-sign-in-enrol":
		v.Title = "Set up an authenticator app"
	case "staff-recovery-codes":
		v.Title = "Your recovery codes"
	}
	v.Errors = errs
	if v.Action == "" {
		v.Action = "/staff/sign-in/authenticator"
	}
	return p.render(c, status, page, v)
}

// stepFailed shows the step's form again with the service's reason, or
// starts the sign-in again when it has expired.
func (p *Pages) stepFailed(c *fiber.Ctx, err error, page, field string) error {
	if errors.Is(err, accounts.ErrNoPendingSignIn) {
		p.clearCookie(c, pendingCookie)
		return redirect(c, "/staff/sign-in")
	}
	errs, ok := errorsFrom(err, field, map[string]string{"code": "code", "new_password": "new-password"})
	if !ok {
		return err
	}
	v := &signInStepView{}
	if page == "staff-sign-in-enrol" {
		if e, eerr := p.deps.Accounts.SignInEnrolment(ctx(c), c.Cookies(pendingCookie)); eerr == nil {
			v.QRCode = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QRCode))
			v.Secret = e.Secret
		}
	}
	return p.renderStep(c, statusFor(err), page, v, errs)
}

// checkSecondFactor takes the app's code or a recovery code.
func (p *Pages) checkSecondFactor(c *fiber.Ctx) error {
	in, err := p.deps.Accounts.SignInSecondFactor(ctx(c), c.Cookies(pendingCookie), form(c, "code"))
	if err != nil {
		return p.stepFailed(c, err, "staff-sign-in-code", "code")
	}
	return p.nextSignInStep(c, in)
}

// choosePassword replaces a one-time password.
func (p *Pages) choosePassword(c *fiber.Ctx) error {
	password := strings.Clone(c.FormValue("new-password"))
	if password != c.FormValue("confirm-password") {
		return p.renderStep(c, fiber.StatusUnprocessableEntity, "staff-sign-in-password", &signInStepView{},
			pageError("new_password", "confirm-password", "The two passwords are not the same. Type the new password twice."))
	}
	in, err := p.deps.Accounts.SignInChangePassword(ctx(c), c.Cookies(pendingCookie), password)
	if err != nil {
		return p.stepFailed(c, err, "staff-sign-in-password", "new-password")
	}
	return p.nextSignInStep(c, in)
}

// confirmAuthenticator finishes setting up the app with a code it shows,
// then shows the recovery codes, once.
func (p *Pages) confirmAuthenticator(c *fiber.Ctx) error {
	in, err := p.deps.Accounts.SignInConfirmEnrolment(ctx(c), c.Cookies(pendingCookie), form(c, "code"))
	if err != nil {
		return p.stepFailed(c, err, "staff-sign-in-enrol", "code")
	}
	if in.Next != accounts.StepDone || len(in.RecoveryCodes) == 0 {
		return p.nextSignInStep(c, in)
	}
	if err := p.startSession(c, in.Token, in.ExpiresAt); err != nil {
		return err
	}
	p.clearCookie(c, pendingCookie)
	p.clearCookie(c, csrfCookie)
	// Shown in answer to the POST, not after a redirect: the codes are
	// never stored in a form anyone could reload.
	v := &signInStepView{RecoveryCodes: in.RecoveryCodes, Next: staffHome(in.User.Role)}
	return p.renderStep(c, fiber.StatusOK, "staff-recovery-codes", v, nil)
}

// pendingAccount names the account of the sign-in waiting in the cookie,
// for the limits on wrong codes: its user id, as the API counts them.
func (p *Pages) pendingAccount(c *fiber.Ctx) string {
	_, pd, err := p.pending(c)
	if err != nil {
		return "unknown" // every token nobody holds shares one count
	}
	return strconv.FormatInt(pd.User.ID, 10)
}

// Staff who may sign in with a password alone can choose to add an
// authenticator app; from then on their sign-in asks for its code too.

// showAddAuthenticator shows a new key for the app, or says there is one.
func (p *Pages) showAddAuthenticator(c *fiber.Ctx) error {
	v := &signInStepView{Action: "/staff/authenticator"}
	e, err := p.deps.Accounts.BeginEnrolment(ctx(c), signedInAs(c))
	switch {
	case errors.Is(err, accounts.ErrAlreadyEnrolled):
		v.Enrolled = true
	case err != nil:
		return err
	default:
		v.QRCode = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QRCode))
		v.Secret = e.Secret
	}
	return p.renderStep(c, fiber.StatusOK, "staff-sign-in-enrol", v, nil)
}

// addAuthenticator confirms the app with a code it shows, and shows the
// recovery codes once.
func (p *Pages) addAuthenticator(c *fiber.Ctx) error {
	codes, err := p.deps.Accounts.ConfirmEnrolment(ctx(c), signedInAs(c), form(c, "code"))
	if err != nil {
		errs, ok := errorsFrom(err, "code", map[string]string{"code": "code"})
		if !ok {
			return err
		}
		v := &signInStepView{Action: "/staff/authenticator"}
		if e, eerr := p.deps.Accounts.BeginEnrolment(ctx(c), signedInAs(c)); eerr == nil {
			v.QRCode = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QRCode))
			v.Secret = e.Secret
		}
		return p.renderStep(c, statusFor(err), "staff-sign-in-enrol", v, errs)
	}
	v := &signInStepView{RecoveryCodes: codes, Next: "/staff"}
	return p.renderStep(c, fiber.StatusOK, "staff-recovery-codes", v, nil)
}
