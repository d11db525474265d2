package pages

import (
	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
)

type addStaffView struct {
	layout
	Email, Name, Role string
	Roles             []roleOption
}

// showAddStaff asks for the new member of staff's email, name and role.
func (p *Pages) showAddStaff(c *fiber.Ctx) error {
	return p.renderAddStaff(c, fiber.StatusOK, &addStaffView{})
}

func (p *Pages) renderAddStaff(c *fiber.Ctx, status int, v *addStaffView) error {
	v.Title = "Add a member of staff"
	v.BackLink = "/admin/staff"
	v.Roles = roleOptions()
	return p.render(c, status, "admin-staff-new", v)
}

// oneTimePasswordView shows a one-time password once: in answer to the
// POST that made it, never after a redirect, so it is not kept anywhere a
// reload or the history could show it again.
type oneTimePasswordView struct {
	layout
	User     accounts.User
	Password string
	Added    bool // added just now, rather than a password reset
}

// addStaff adds the member of staff and shows their one-time password.
func (p *Pages) addStaff(c *fiber.Ctx) error {
	v := &addStaffView{Email: form(c, "email"), Name: form(c, "name"), Role: form(c, "role")}
	u, password, err := p.deps.Accounts.AddUser(ctx(c), signedInAs(c), accounts.NewUser{
		Email: v.Email, Name: v.Name, Role: accounts.Role(v.Role),
	})
	if err != nil {
		errs, ok := errorsFrom(err, "email", map[string]string{"email": "email", "name": "name", "role": "role-" + accounts.Roles[0]})
		if !ok {
			return err
		}
		v.Errors = errs
		return p.renderAddStaff(c, statusFor(err), v)
	}
	return p.showOneTimePassword(c, u, password, true)
}

func (p *Pages) showOneTimePassword(c *fiber.Ctx, u accounts.User, password string, added bool) error {
	v := &oneTimePasswordView{User: u, Password: password, Added: added}
	v.Title = "Password reset for " + u.Name
	if added {
		v.Title = u.Name + " has been added"
	}
	return p.render(c, fiber.StatusOK, "admin-staff-password", v)
}
