package pages

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/paging"
)

// Administrators manage staff accounts: the list, adding someone, and one
// person's page with what can be done to their account. The rules (the
// last admin, disabling yourself) are the accounts service's; these pages
// only show its answers.

// roleOption is one role as the pages offer it.
type roleOption struct {
	Value, Label, Hint string
}

// roleOptions are the roles in the order accounts.Roles gives them.
func roleOptions() []roleOption {
	out := make([]roleOption, 0, len(accounts.Roles))
	for _, r := range accounts.Roles {
		out = append(out, roleOption{Value: r, Label: roleName(accounts.Role(r)), Hint: roleHints[accounts.Role(r)]})
	}
	return out
}

var roleHints = map[accounts.Role]string{
	accounts.RoleAdmin:       "Care homes, contracts, staff accounts, texts and the audit log. Always signs in with an authenticator app.",
	accounts.RoleDuty:        "The duty console and the booking line: emergency placements and bookings for carers.",
	accounts.RoleCoordinator: "Shared-lives hosts: approval, reviews and calendars.",
}

// roleName is a role in words.
func roleName(r accounts.Role) string {
	switch r {
	case accounts.RoleAdmin:
		return "Administrator"
	case accounts.RoleDuty:
		return "Duty officer"
	case accounts.RoleCoordinator:
		return "Shared-lives coordinator"
	}
	return words(string(r))
}

// staffRow is a member of staff with their role in words.
type staffRow struct {
	accounts.User
	RoleName string
}

type staffListView struct {
	layout
	Role, Status string
	Roles        []roleOption
	Users        []staffRow
	Next         string
}

// showStaffList is every member of staff, narrowed by role and status.
func (p *Pages) showStaffList(c *fiber.Ctx) error {
	v := &staffListView{Role: query(c, "role"), Status: query(c, "status"), Roles: roleOptions()}
	v.Title = "Staff accounts"
	page, err := p.deps.Accounts.ListUsers(ctx(c), signedInAs(c), accounts.UserFilter{
		Role: accounts.Role(v.Role), Status: v.Status, Page: pageAfter(c),
	})
	if err != nil {
		errs, ok := errorsFrom(err, "role", map[string]string{"role": "role", "status": "status"})
		if !ok {
			return err
		}
		v.Errors = errs
		return p.render(c, statusFor(err), "admin-staff", v)
	}
	v.Users = make([]staffRow, len(page.Items))
	for i, u := range page.Items {
		v.Users[i] = staffRow{User: u, RoleName: roleName(u.Role)}
	}
	if page.Next != 0 {
		v.Next = "/admin/staff?" + queryWith(c, "after", itoa(page.Next))
	}
	return p.render(c, fiber.StatusOK, "admin-staff", v)
}

// pageAfter reads the cursor a "Next page" link carries; anything that is
// not one starts at the beginning.
func pageAfter(c *fiber.Ctx) paging.Request {
	after, err := strconv.ParseInt(query(c, "after"), 10, 64)
	if err != nil || after < 0 {
		after = 0
	}
	return paging.Request{After: after}
}

// queryWith is the request's query string with name set to value, for the
// link to the next page of a filtered list.
func queryWith(c *fiber.Ctx, name, value string) string {
	q, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	q.Set(name, value)
	return q.Encode()
}
