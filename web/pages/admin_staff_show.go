package pages

import (
	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
)

type staffMemberView struct {
	layout
	User     accounts.User
	RoleName string
	Self     bool
	Roles    []roleOption
	// Role is the role ticked in the change-role form.
	Role string
}

// adminDone is what the member's page says after each change, named by
// the "done" query value the change redirects with (the flash cookie's
// keys belong to the session code).
var adminDone = map[string]string{
	"disabled":      "The account has been disabled. Anyone signed in with it has been signed out.",
	"enabled":       "The account has been enabled. They can sign in again.",
	"role":          "The role has been changed.",
	"second-factor": "The authenticator app has been removed and they have been signed out. They will set up a new one when they next sign in, if their role needs one.",
}

// showStaffMember is one member of staff's account and the changes an
// administrator can make to it.
func (p *Pages) showStaffMember(c *fiber.Ctx) error {
	v, err := p.staffMember(c)
	if err != nil {
		return err
	}
	v.Flash = adminDone[query(c, "done")]
	return p.render(c, fiber.StatusOK, "admin-staff-member", v)
}

// staffMember reads the member of staff named by :id for their page.
func (p *Pages) staffMember(c *fiber.Ctx) (*staffMemberView, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	u, err := p.deps.Accounts.UserByID(ctx(c), signedInAs(c), id)
	if err != nil {
		return nil, err
	}
	v := &staffMemberView{User: u, RoleName: roleName(u.Role), Self: signedInAs(c).ID == u.ID, Roles: roleOptions(), Role: string(u.Role)}
	v.Title = u.Name
	v.BackLink = "/admin/staff"
	return v, nil
}

// staffChange is one change to a member of staff's account.
type staffChange struct {
	// input is the id of the form's first input, where an error that names
	// no field links.
	input string
	done  string
	apply func(c *fiber.Ctx, who accounts.Principal, id int64, reason string) (accounts.User, error)
}

// changeStaff makes a change and goes back to the member's page saying so;
// a change the service refuses (the last administrator, disabling
// yourself) is shown on that page with the service's own words.
func (p *Pages) changeStaff(ch staffChange) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		if _, err := ch.apply(c, signedInAs(c), id, form(c, "reason")); err != nil {
			errs, ok := errorsFrom(err, ch.input, map[string]string{"role": "role-" + accounts.Roles[0]})
			if !ok {
				return err
			}
			v, verr := p.staffMember(c)
			if verr != nil {
				return verr
			}
			if r := form(c, "role"); r != "" {
				v.Role = r
			}
			v.Errors = errs
			return p.render(c, statusFor(err), "admin-staff-member", v)
		}
		return redirect(c, "/admin/staff/"+itoa(id)+"?done="+ch.done)
	}
}

// disableStaff stops the member of staff signing in, ending their sessions.
func (p *Pages) disableStaff(c *fiber.Ctx) error {
	return p.changeStaff(staffChange{input: "disable-reason", done: "disabled",
		apply: func(c *fiber.Ctx, who accounts.Principal, id int64, reason string) (accounts.User, error) {
			return p.deps.Accounts.DisableUser(ctx(c), who, id, reason)
		}})(c)
}

// enableStaff lets a disabled member of staff sign in again.
func (p *Pages) enableStaff(c *fiber.Ctx) error {
	return p.changeStaff(staffChange{input: "enable-reason", done: "enabled",
		apply: func(c *fiber.Ctx, who accounts.Principal, id int64, reason string) (accounts.User, error) {
			return p.deps.Accounts.EnableUser(ctx(c), who, id, reason)
		}})(c)
}

// changeStaffRole gives the member of staff another role.
func (p *Pages) changeStaffRole(c *fiber.Ctx) error {
	return p.changeStaff(staffChange{input: "role-" + accounts.Roles[0], done: "role",
		apply: func(c *fiber.Ctx, who accounts.Principal, id int64, reason string) (accounts.User, error) {
			return p.deps.Accounts.SetRole(ctx(c), who, id, accounts.Role(form(c, "role")), reason)
		}})(c)
}

// resetStaffSecondFactor removes the member of staff's authenticator app.
func (p *Pages) resetStaffSecondFactor(c *fiber.Ctx) error {
	return p.changeStaff(staffChange{input: "second-factor-reason", done: "second-factor",
		apply: func(c *fiber.Ctx, who accounts.Principal, id int64, reason string) (accounts.User, error) {
			return p.deps.Accounts.ResetSecondFactor(ctx(c), who, id, reason)
		}})(c)
}

// resetStaffPassword gives the member of staff a new one-time password and
// shows it, once.
func (p *Pages) resetStaffPassword(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u, password, err := p.deps.Accounts.ResetPassword(ctx(c), signedInAs(c), id, "", form(c, "reason"))
	if err != nil {
		errs, ok := errorsFrom(err, "password-reason", nil)
		if !ok {
			return err
		}
		v, verr := p.staffMember(c)
		if verr != nil {
			return verr
		}
		v.Errors = errs
		return p.render(c, statusFor(err), "admin-staff-member", v)
	}
	return p.showOneTimePassword(c, u, password, false)
}
