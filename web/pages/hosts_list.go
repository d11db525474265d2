package pages

import (
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/paging"
	"github.com/respite-uk/respite/sharedlives"
)

// The coordinator's list of shared-lives hosts: who they are, whether
// they may take guests, and what needs doing (a review coming due, a
// calendar nobody has confirmed for a while). A page at a time, in the
// order they were added.

// hostsReviewWarning is how far ahead a review coming due is flagged.
const hostsReviewWarning = 30

// hostsPerPage keeps a page of the list small enough for a phone.
const hostsPerPage = 25

type hostsView struct {
	layout
	Status   string
	Statuses []string
	DueSoon  bool
	Rows     []hostRow
	Next     string // the next page's address, or ""
	First    string // the first page's address, when this is not it
	Filtered bool
}

// hostRow is one host in the list, with what needs doing spelled out.
type hostRow struct {
	ID                    int64
	Name, Status          string
	StatusTag             string // the govuk-tag modifier for the status
	Capacity              int
	ReviewDue, ReviewNote string
	ReviewTag             string
	Confirmed             string
	Stale                 bool
}

// showHosts lists hosts, filtered by status and by reviews coming due.
func (p *Pages) showHosts(c *fiber.Ctx) error {
	v := &hostsView{Status: query(c, "status"), Statuses: sharedlives.Statuses, DueSoon: query(c, "due") == "soon"}
	v.Title = "Hosts"
	v.Filtered = v.Status != "" || v.DueSoon
	after, _ := strconv.ParseInt(query(c, "after"), 10, 64)
	now := p.deps.Hosts.Now()
	today := calendar.Of(now.In(calendar.London))
	f := sharedlives.HostFilter{Status: v.Status, Page: paging.Request{After: after, Limit: hostsPerPage}}
	if v.DueSoon {
		by := today.AddDays(hostsReviewWarning)
		f.ReviewsDueBy = &by
	}
	page, err := p.deps.Hosts.Hosts(ctx(c), signedInAs(c), f)
	if err != nil {
		errs, ok := errorsFrom(err, "status", map[string]string{"status": "status"})
		if !ok {
			return err
		}
		v.Errors = errs
		return p.render(c, statusFor(err), "hosts-list", v)
	}
	for _, h := range page.Items {
		v.Rows = append(v.Rows, hostRowOf(h, today, now))
	}
	link := func(after int64) string {
		q := url.Values{}
		if v.Status != "" {
			q.Set("status", v.Status)
		}
		if v.DueSoon {
			q.Set("due", "soon")
		}
		if after > 0 {
			q.Set("after", strconv.FormatInt(after, 10))
		}
		if len(q) == 0 {
			return "/hosts"
		}
		return "/hosts?" + q.Encode()
	}
	if page.Next > 0 {
		v.Next = link(page.Next)
	}
	if after > 0 {
		v.First = link(0)
	}
	return p.render(c, fiber.StatusOK, "hosts-list", v)
}

func hostRowOf(h sharedlives.Host, today calendar.Date, now time.Time) hostRow {
	r := hostRow{ID: h.ID, Name: h.Name, Status: capitalise(h.Status), StatusTag: hostStatusTag(h.Status), Capacity: h.Capacity, Confirmed: "Never"}
	active := h.Status == sharedlives.StatusApproved || h.Status == sharedlives.StatusSuspended
	if h.ReviewDue != nil {
		r.ReviewDue = hostsDate(*h.ReviewDue)
		switch {
		case !active:
		case h.ReviewDue.Before(today):
			r.ReviewNote, r.ReviewTag = "Overdue", "govuk-tag--red"
		case !h.ReviewDue.After(today.AddDays(hostsReviewWarning)):
			r.ReviewNote, r.ReviewTag = "Due soon", "govuk-tag--yellow"
		}
	}
	if h.AvailabilityConfirmedAt != nil {
		r.Confirmed = hostsDate(calendar.Of(h.AvailabilityConfirmedAt.In(calendar.London)))
	}
	// Only an approved host's calendar is offered to carers, so only
	// theirs matters when it goes stale.
	r.Stale = h.Status == sharedlives.StatusApproved && h.Stale(now)
	return r
}

// hostStatusTag is the colour of a status's tag; the tag always says the
// status in words too.
func hostStatusTag(status string) string {
	switch status {
	case sharedlives.StatusApproved:
		return "govuk-tag--green"
	case sharedlives.StatusApplicant:
		return "govuk-tag--blue"
	case sharedlives.StatusSuspended:
		return "govuk-tag--orange"
	}
	return "govuk-tag--grey"
}

// hostsDate is a date short enough for a table on a phone: "30 Nov 2026".
func hostsDate(d calendar.Date) string { return d.StartIn(time.UTC).Format("2 Jan 2006") }
