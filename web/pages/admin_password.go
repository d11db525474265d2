package pages

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Any member of staff can change their own password. It lives with the
// administrators' pages because it is the same kind of account change.

type changePasswordView struct {
	layout
	Done bool
}

// showChangePassword asks for the current password and a new one, twice.
func (p *Pages) showChangePassword(c *fiber.Ctx) error {
	v := &changePasswordView{Done: query(c, "done") == "1"}
	if v.Done {
		v.Flash = "Your password has been changed. Use the new one next time you sign in."
	}
	return p.renderChangePassword(c, fiber.StatusOK, v)
}

func (p *Pages) renderChangePassword(c *fiber.Ctx, status int, v *changePasswordView) error {
	v.Title = "Change your password"
	return p.render(c, status, "admin-password", v)
}

// changePassword changes the signed-in member of staff's password. Their
// session goes on.
func (p *Pages) changePassword(c *fiber.Ctx) error {
	// Never trimmed: spaces may be part of a password.
	current := strings.Clone(c.FormValue("current-password"))
	next := strings.Clone(c.FormValue("new-password"))
	if next != c.FormValue("confirm-password") {
		v := &changePasswordView{}
		v.Errors = pageError("confirm_password", "confirm-password", "The two new passwords are not the same. Type the new password twice.")
		return p.renderChangePassword(c, fiber.StatusUnprocessableEntity, v)
	}
	if err := p.deps.Accounts.ChangePassword(ctx(c), signedInAs(c), current, next); err != nil {
		errs, ok := errorsFrom(err, "current-password", map[string]string{"current_password": "current-password", "new_password": "new-password"})
		if !ok {
			return err
		}
		v := &changePasswordView{}
		v.Errors = errs
		return p.renderChangePassword(c, statusFor(err), v)
	}
	return redirect(c, "/staff/password?done=1")
}
