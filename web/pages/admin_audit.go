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

// auditGroups are the "what" filter's choices: every action the log
// records, in words, grouped by what it is about.
var auditGroups = []choiceGroup{
	{Label: "Bookings and placements", Choices: []choice{
		{audit.BookingCreated, "Booked a stay for a carer"},
		{audit.BookingCancelled, "Cancelled a stay"},
		{audit.BookingExtended, "Extended a stay"},
		{audit.BookingEndedEarly, "Ended a stay early"},
		{audit.BookingMoved, "Moved a stay"},
		{audit.EmergencyPlacement, "Made an emergency placement"},
		{audit.EmergencyOverride, "Placed someone where the place did not suit"},
		{audit.SpotPlacement, "Made a spot purchase"},
	}},
	{Label: "Carers' files", Choices: []choice{
		{audit.EmergencyLookup, "Read a carer's file"},
		{audit.EmergencyPlanRead, "Read an emergency plan"},
		{audit.PersonNeedsRead, "Read a person's needs"},
		{audit.CarerCreated, "Registered a carer"},
		{audit.CarerChanged, "Changed a carer's details"},
		{audit.PersonAdded, "Added a cared-for person"},
		{audit.PersonChanged, "Changed a cared-for person's details"},
		{audit.CarerExported, "Exported everything held about a carer"},
		{audit.CarerErased, "Erased a carer"},
		{audit.PersonErased, "Erased a cared-for person"},
		{audit.RetentionApplied, "Applied the retention periods"},
	}},
	{Label: "Shared-lives hosts", Choices: []choice{
		{audit.HostCreated, "Added a host"},
		{audit.HostChanged, "Changed a host's details"},
		{audit.HostApproved, "Approved a host"},
		{audit.HostSuspended, "Suspended a host"},
		{audit.HostLeft, "Recorded that a host left"},
	}},
	{Label: "Care homes", Choices: []choice{
		{audit.HomeCreated, "Added a care home"},
		{audit.HomeChanged, "Changed a care home"},
		{audit.ContractCreated, "Recorded a contract"},
		{audit.ContractChanged, "Changed a contract"},
		{audit.BedCreated, "Added a bed"},
		{audit.BedChanged, "Changed a bed"},
		{audit.ClosureCreated, "Closed beds or a home"},
		{audit.ClosureLifted, "Lifted a closure"},
	}},
	{Label: "Staff accounts", Choices: []choice{
		{audit.StaffAdded, "Added a member of staff"},
		{audit.StaffDisabled, "Disabled a staff account"},
		{audit.StaffEnabled, "Enabled a staff account"},
		{audit.StaffRoleChanged, "Changed a role"},
		{audit.StaffPasswordReset, "Reset a password"},
		{audit.StaffPasswordChanged, "Changed their password"},
		{audit.StaffSecondFactorReset, "Reset an authenticator app"},
		{audit.StaffSecondFactorAdded, "Set up an authenticator app"},
		{audit.StaffRecoveryCodeUsed, "Used a recovery code"},
	}},
}

// choice is one option of a select; choiceGroup an optgroup of them.
type (
	choice      struct{ Value, Label string }
	choiceGroup struct {
		Label   string
		Choices []choice
	}
)

// auditActions are the log's actions in words, for its rows.
var auditActions = func() map[string]string {
	m := map[string]string{}
	for _, g := range auditGroups {
		for _, c := range g.Choices {
			m[c.Value] = c.Label
		}
	}
	return m
}()

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
	Actions   []choiceGroup
	From, To  dateForm
	Entries   []auditRow
	Next      string
}

// showAudit lists the log, newest first, narrowed by the GET form.
func (p *Pages) showAudit(c *fiber.Ctx) error {
	v := &auditView{Who: query(c, "who"), What: query(c, "what"), Actions: auditGroups,
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
	f := audit.Filter{Action: v.What, Page: pageAfter(c)}
	if _, known := auditActions[v.What]; v.What != "" && !known {
		v.Errors = append(v.Errors, pageError("what", "what", "Choose what was done from the list.")...)
	}
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
	case "carer":
		r.Target, r.Link = "Carer "+itoa(e.TargetID), "/carers/"+itoa(e.TargetID)
	case "host":
		r.Target, r.Link = "Host "+itoa(e.TargetID), "/hosts/"+itoa(e.TargetID)
	case "provider":
		r.Target, r.Link = "Care home "+itoa(e.TargetID), "/homes/"+itoa(e.TargetID)
	case "":
	default:
		r.Target = words(e.TargetKind) + " " + itoa(e.TargetID)
	}
	return r
}
