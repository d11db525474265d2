package pages

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/paging"
)

// The audit log, for administrators: who did what, when and why, newest
// first, narrowed by who, what it was about, and dates.

// auditPerPage keeps a page of entries inside the pages' size budget.
const auditPerPage = 30

// operatorValue is the "who" filter's value for the command line.
const operatorValue = "operator"

// auditSubjects are what an entry can be about (the log's target kinds),
// in words, for the "what" filter.
var auditSubjects = []choice{
	{Value: "booking", Label: "Bookings and placements"},
	{Value: "carer", Label: "Carers' files read"},
	{Value: "staff_user", Label: "Staff accounts"},
}

// choice is one option of a select.
type choice struct{ Value, Label string }

// auditActions are the log's actions in words.
var auditActions = map[string]string{
	audit.BookingCreated:         "Booked a stay for a carer",
	audit.BookingCancelled:       "Cancelled a stay",
	audit.EmergencyLookup:        "Read a carer's file",
	audit.EmergencyPlacement:     "Made an emergency placement",
	audit.SpotPlacement:          "Made a spot purchase",
	audit.StaffAdded:             "Added a member of staff",
	audit.StaffDisabled:          "Disabled a staff account",
	audit.StaffEnabled:           "Enabled a staff account",
	audit.StaffRoleChanged:       "Changed a role",
	audit.StaffPasswordReset:     "Reset a password",
	audit.StaffPasswordChanged:   "Changed their password",
	audit.StaffSecondFactorReset: "Reset an authenticator app",
	audit.StaffRecoveryCodeUsed:  "Used a recovery code",
}

type auditRow struct {
	audit.Entry
	What   string
	Target string
	Link   string
}

type auditView struct {
	layout
	Who, What string
	People    []choice
	Subjects  []choice
	From, To  dateForm
	Entries   []auditRow
	Next      string
}

// showAudit lists the log, newest first, narrowed by the GET form.
func (p *Pages) showAudit(c *fiber.Ctx) error {
	v := &auditView{Who: query(c, "who"), What: query(c, "what"), Subjects: auditSubjects,
		From: readDate(c, "from"), To: readDate(c, "to")}
	v.Title = "Audit log"
	staff, err := p.deps.Accounts.ListUsers(ctx(c), signedInAs(c), accounts.UserFilter{Page: paging.Request{Limit: paging.MaxLimit}})
	if err != nil {
		return err
	}
	v.People = []choice{{Value: operatorValue, Label: "The command line"}}
	for _, u := range staff.Items {
		v.People = append(v.People, choice{Value: itoa(u.ID), Label: u.Name + " (" + u.Email + ")"})
	}
	f := audit.Filter{TargetKind: v.What, Page: pageAfter(c)}
	f.Page.Limit = auditPerPage
	switch id, err := strconv.ParseInt(v.Who, 10, 64); {
	case v.Who == "":
	case v.Who == operatorValue:
		f.ActorKind = string(accounts.SubjectOperator)
	case err == nil && id > 0:
		f.ActorKind, f.ActorID = string(accounts.SubjectStaff), id
	default:
		v.Errors = append(v.Errors, pageError("who", "who", "Choose someone from the list.")...)
	}
	if from, set, errs := auditDate(&v.From, "from", "the first date"); len(errs) > 0 {
		v.Errors = append(v.Errors, errs...)
	} else if set {
		f.From = from.StartIn(calendar.London)
	}
	if to, set, errs := auditDate(&v.To, "to", "the last date"); len(errs) > 0 {
		v.Errors = append(v.Errors, errs...)
	} else if set {
		f.To = to.AddDays(1).StartIn(calendar.London) // the last date counts, all day
	}
	if len(v.Errors) > 0 {
		return p.render(c, fiber.StatusUnprocessableEntity, "admin-audit", v)
	}
	page, err := p.deps.Audit.List(ctx(c), signedInAs(c), f)
	if err != nil {
		return err
	}
	v.Entries = make([]auditRow, len(page.Items))
	for i, e := range page.Items {
		v.Entries[i] = auditRowOf(e)
	}
	if page.Next != 0 {
		v.Next = "/admin/audit?" + queryWith(c, "after", itoa(page.Next))
	}
	return p.render(c, fiber.StatusOK, "admin-audit", v)
}

// auditDate reads an optional date box: empty boxes are no limit.
func auditDate(d *dateForm, id, what string) (calendar.Date, bool, formErrors) {
	if d.Day == "" && d.Month == "" && d.Year == "" {
		return calendar.Date{}, false, nil
	}
	date, errs := d.parse(id, id, what)
	return date, len(errs) == 0, errs
}

func auditRowOf(e audit.Entry) auditRow {
	r := auditRow{Entry: e, What: auditActions[e.Action]}
	if r.What == "" {
		r.What = words(strings.ReplaceAll(e.Action, ".", " "))
	}
	switch e.TargetKind {
	case "staff_user":
		r.Target = "Staff account " + itoa(e.TargetID)
		r.Link = "/admin/staff/" + itoa(e.TargetID)
	case "":
	default:
		r.Target = words(e.TargetKind) + " " + itoa(e.TargetID)
	}
	return r
}
