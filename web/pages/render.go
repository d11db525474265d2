package pages

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/sharedlives"
	"github.com/respite-uk/respite/web/assets"
)

// layout is what every page's frame needs: its title, who is signed in,
// the CSRF token for its forms, a flash message and its errors.
type layout struct {
	Title       string
	ServiceName string
	// Nav is the service navigation; empty when nobody is signed in.
	Nav       []navItem
	CSRF      string
	Flash     string
	Errors    formErrors
	RequestID string
	BackLink  string
}

type navItem struct {
	Text, Href string
	Current    bool
}

// frame returns a page's layout; every view embeds one.
func (l *layout) frame() *layout { return l }

type view interface{ frame() *layout }

// render writes the named page with status. It fills the frame from the
// request (service name, navigation, CSRF token, flash), so handlers only
// say what is particular to their page.
func (p *Pages) render(c *fiber.Ctx, status int, name string, v view) error {
	t, ok := p.templates[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	l := v.frame()
	l.ServiceName = p.deps.ServiceName
	l.CSRF = csrfToken(c)
	if l.Flash == "" {
		l.Flash = p.takeFlash(c)
	}
	if l.Nav == nil {
		l.Nav = navFor(signedInAs(c), c.Path())
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("rendering page %s: %w", name, err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

// navFor is the service navigation for whoever is signed in.
func navFor(who accounts.Principal, current string) []navItem {
	var items []navItem
	switch who.Kind {
	case accounts.SubjectCarer:
		items = []navItem{{Text: "Home", Href: "/home"}, {Text: "Book a break", Href: "/book"}, {Text: "Your details", Href: "/details"}}
	case accounts.SubjectHost:
		items = []navItem{{Text: "Your calendar", Href: "/host"}, {Text: "Your guests", Href: "/host/guests"}}
	case accounts.SubjectStaff:
		items = []navItem{{Text: "Staff home", Href: "/staff"}}
		if who.IsStaff(accounts.RoleDuty) {
			items = append(items, navItem{Text: "Duty console", Href: "/duty"})
		}
		if who.IsStaff(accounts.RoleDuty, accounts.RoleAdmin) {
			items = append(items, navItem{Text: "Bookings", Href: "/bookings"})
		}
		if who.IsStaff(accounts.RoleCoordinator, accounts.RoleAdmin) {
			items = append(items, navItem{Text: "Hosts", Href: "/hosts"})
		}
		if who.IsStaff(accounts.RoleAdmin) {
			items = append(items, navItem{Text: "Care homes", Href: "/homes"}, navItem{Text: "Carers", Href: "/carers"},
				navItem{Text: "Staff", Href: "/admin/staff"}, navItem{Text: "Texts", Href: "/admin/texts"}, navItem{Text: "Audit", Href: "/admin/audit"},
				navItem{Text: "Jobs", Href: "/admin/jobs"}, navItem{Text: "Reports", Href: "/reports"})
		}
	default:
		return []navItem{}
	}
	for i := range items {
		items[i].Current = current == items[i].Href || strings.HasPrefix(current, items[i].Href+"/")
	}
	return items
}

// redirect answers a POST with 303 See Other, so a refresh never posts twice.
func redirect(c *fiber.Ctx, to string) error { return c.Redirect(to, fiber.StatusSeeOther) }

// formErrors are a form's errors, in the order the fields appear, for the
// error summary and the inline messages.
type formErrors []formError

type formError struct {
	Field   string // the domain's field name
	Href    string // "#arrive-day": the input the summary links to
	Message string
}

// For returns the message for a field, or "".
func (fe formErrors) For(field string) string {
	for _, e := range fe {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// errorsFrom turns a domain error into a page's errors. ids maps a domain
// field name to the id of the input that holds it; a field the map does
// not name links to firstInput. An error that names no field (a conflict,
// a refused change) becomes one summary line linking to firstInput. It
// reports false for errors a page cannot show in a form (faults, not
// found), which the caller returns for the error pages instead.
func errorsFrom(err error, firstInput string, ids map[string]string) (formErrors, bool) {
	e, ok := apperr.As(err)
	if !ok {
		return nil, false
	}
	switch e.Kind {
	case apperr.Invalid, apperr.Conflict, apperr.Unauthorized, apperr.RateLimited, apperr.Unavailable:
	case apperr.Stale:
		return formErrors{{Field: "", Href: "#" + firstInput, Message: changedMeanwhileMessage}}, true
	default:
		return nil, false
	}
	if len(e.Fields) == 0 {
		return formErrors{{Field: "", Href: "#" + firstInput, Message: e.Message}}, true
	}
	out := make(formErrors, 0, len(e.Fields))
	for _, f := range e.Fields {
		id, ok := ids[f.Field]
		if !ok {
			id = firstInput
		}
		out = append(out, formError{Field: f.Field, Href: "#" + id, Message: f.Message})
	}
	return out, true
}

// changedMeanwhileMessage is what an edit form says when someone else saved
// the record after it was opened (apperr.Stale). The form shows again
// what was typed, carrying the record's new revision, so saving again
// replaces the other change knowingly.
const changedMeanwhileMessage = "Someone else changed this record after you opened this page, and their change is saved. " +
	"What you typed is below: check it against the record, then save again to replace their change, or go back to see it."

// changedMeanwhile reports whether err refused a change because someone
// else changed the record first.
func changedMeanwhile(err error) bool { return apperr.KindOf(err) == apperr.Stale }

// pageError is one error the page itself finds while reading a form (a
// date that is not a date), before any service is asked.
func pageError(field, id, message string) formErrors {
	return formErrors{{Field: field, Href: "#" + id, Message: message}}
}

// Formatting, in the words of design.md: "Monday 30 November 2026" and
// "10:42pm", in London time.

func longDate(d calendar.Date) string { return d.Long() }

func clockTime(t time.Time) string {
	return strings.ToLower(t.In(calendar.London).Format("3:04PM"))
}

func dateTime(t time.Time) string {
	l := t.In(calendar.London)
	return clockTime(t) + " on " + calendar.Of(l).Long()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// words turns a vocabulary word ("wheelchair_access") into words.
func words(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func pounds(pence int64) string { return fmt.Sprintf("£%d.%02d", pence/100, pence%100) }

func miles(km float64) string {
	m := km / 1.609344
	switch {
	case m < 0.95:
		return "less than 1 mile"
	case m < 1.5:
		return "1 mile"
	}
	return fmt.Sprintf("%.0f miles", m)
}

// dateInputView is what the date-input partial needs.
type dateInputView struct {
	ID, Legend, Hint, Error string
	Value                   dateForm
	LegendSize              string // "s" unless given: "m", "l"
}

func dateInput(id, legend, hint string, value dateForm, err string, size ...string) dateInputView {
	v := dateInputView{ID: id, Legend: legend, Hint: hint, Value: value, Error: err, LegendSize: "s"}
	if len(size) > 0 {
		v.LegendSize = size[0]
	}
	return v
}

// monthPagesView is what the month-pagination block needs.
type monthPagesView struct {
	Previous, Next *calendar.Date
	Base, Fragment string
}

// monthPages builds a month-pagination for a calendar month: base is the
// page's address up to and including "month=", fragment where to land.
func monthPages(m sharedlives.Month, base, fragment string) monthPagesView {
	return monthPagesView{Previous: m.Previous, Next: m.Next, Base: base, Fragment: fragment}
}

// poundsInputView is what the pounds-input block needs.
type poundsInputView struct {
	ID, Label, LabelSize, Value, Error string
}

// poundsInput builds a pounds-input: its id (also its name), label, label
// size (s, m…), the value as typed, and its error.
func poundsInput(id, label, size, value, err string) poundsInputView {
	return poundsInputView{ID: id, Label: label, LabelSize: size, Value: value, Error: err}
}

// staysTableView is what the bookings-table block needs.
type staysTableView struct {
	Stays         []booking.Stay
	Path, Caption string
}

func staysTable(stays []booking.Stay, path, caption string) staysTableView {
	return staysTableView{Stays: stays, Path: path, Caption: caption}
}

var funcs = template.FuncMap{
	"bedTypeChoice": bedTypeChoice,
	"staysTable":    staysTable,
	"dateInput":     dateInput,
	"phone":         contact.DisplayPhone,
	"monthParam":    func(d calendar.Date) string { return d.StartIn(time.UTC).Format("2006-01") },
	"monthName":     func(d calendar.Date) string { return d.StartIn(time.UTC).Format("January 2006") },
	"asset":         assets.Path,
	"longDate":      longDate,
	"time":          clockTime,
	"dateTime":      dateTime,
	"plural":        plural,
	"words":         words,
	"pounds":        pounds,
	"poundsInput":   poundsInput,
	"monthPages":    monthPages,
	"miles":         miles,
	"join":          strings.Join,
	"capitalise":    capitalise,
}

// parseTemplates parses the layout and partials once, then each page on a
// copy of them, so pages cannot see each other's blocks.
func parseTemplates() (map[string]*template.Template, error) {
	base, err := template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/layout/*.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := make(map[string]*template.Template, len(files))
	for _, f := range files {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, err
		}
		out[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return out, nil
}

// statusFor is the HTTP status a page answers with when it shows err in a
// form: 422 for a broken rule, 409 for a clash, and so on.
func statusFor(err error) int {
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		return fiber.StatusUnprocessableEntity
	case apperr.Conflict:
		return fiber.StatusConflict
	case apperr.Unauthorized:
		return fiber.StatusUnauthorized
	case apperr.RateLimited:
		return fiber.StatusTooManyRequests
	case apperr.Stale:
		return fiber.StatusPreconditionFailed
	case apperr.Unavailable:
		return fiber.StatusServiceUnavailable
	case apperr.NotFound:
		return fiber.StatusNotFound
	case apperr.Forbidden:
		return fiber.StatusForbidden
	}
	return fiber.StatusInternalServerError
}
