// Package pages is Respite's face for people: server-rendered HTML pages
// built to the GOV.UK Design System (without GOV.UK's crown or font) for
// carers and shared-lives families. Every journey is plain HTML forms that
// post and redirect, so nothing needs JavaScript; govuk-frontend's script
// only enhances.
//
// Handlers call the same domain services as the JSON API, with the same
// authorization, and show the domain's own error messages: no booking rule
// is written here. One file per screen, named for the noun and the verb;
// the whole route table is in routes.go.
package pages

import (
	"context"
	"embed"
	"html/template"
	"log/slog"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/privacy"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/reports"
	"github.com/respite-uk/respite/sharedlives"
)

// Deps is what the pages need, built by cmd/respite through package web.
type Deps struct {
	Logger   *slog.Logger
	Accounts *accounts.Service
	Booking  *booking.Service
	Hosts    *sharedlives.Service
	// Providers is care homes, contracts and beds, for the administrators.
	Providers *providers.Service
	// Notify is the text outbox, for the administrators' texts page.
	Notify *notify.Service
	// Audit is the audit log, for the administrators' audit page.
	Audit *audit.Service
	// Reports works out the commissioners' figures, for the
	// commissioner's page.
	Reports *reports.Service
	// Privacy exports and erases carers' records, from the carer's page;
	// nil shows neither.
	Privacy *privacy.Service
	// Jobs is the scheduled jobs and their last runs, for the
	// administrators' jobs page; nil shows no jobs.
	Jobs  JobSchedule
	Clock calendar.Clock
	// ServiceName is RESPITE_SERVICE_NAME, shown in the header and titles.
	ServiceName string
	// BookingLine is RESPITE_SERVICE_PHONE: the number carers ring when
	// something cannot be done online.
	BookingLine string
	// SharedLivesPhone is the shared-lives team's number, for hosts and
	// for carers whose stay is with a host.
	SharedLivesPhone string
	// PublicURL is RESPITE_PUBLIC_URL; cookies are Secure when it is https.
	PublicURL string
	// CodeRequestLimits and CodeFailureLimits are the API's own limiters
	// on asking for sign-in codes and on wrong codes, so the limits hold
	// whichever way someone signs in.
	CodeRequestLimits []fiber.Handler
	CodeFailureLimits []fiber.Handler
	// StaffSignInLimits are the API's limits on failed staff sign-ins (per
	// address and per account).
	StaffSignInLimits []fiber.Handler
	// SecondFactorLimits are the API's limits on wrong authenticator and
	// recovery codes.
	SecondFactorLimits []fiber.Handler
}

// Pages holds the services and the parsed templates.
type Pages struct {
	deps      Deps
	log       *slog.Logger
	templates map[string]*template.Template
	secure    bool
}

//go:embed templates
var templateFS embed.FS

// New parses every template (so a broken one stops the service at start,
// not at 11pm on a carer's phone) and returns the pages.
func New(d Deps) (*Pages, error) {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Clock == nil {
		d.Clock = calendar.SystemClock
	}
	if d.SharedLivesPhone == "" {
		d.SharedLivesPhone = d.BookingLine
	}
	ts, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	secure := false
	if u, err := url.Parse(d.PublicURL); err == nil && strings.EqualFold(u.Scheme, "https") {
		secure = true
	}
	return &Pages{deps: d, log: d.Logger, templates: ts, secure: secure}, nil
}

// ctx is the request's context for service calls.
func ctx(c *fiber.Ctx) context.Context { return c.UserContext() }

// param copies a route parameter out of Fiber's reused buffers.
func param(c *fiber.Ctx, name string) string { return strings.Clone(c.Params(name)) }

// query copies a query value out of Fiber's reused buffers.
func query(c *fiber.Ctx, name string) string { return strings.TrimSpace(strings.Clone(c.Query(name))) }

// form copies a posted form value out of Fiber's reused buffers.
func form(c *fiber.Ctx, name string) string {
	return strings.TrimSpace(strings.Clone(c.FormValue(name)))
}
