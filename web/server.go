// Package web is all of Respite's HTTP: the JSON API under /api/v1, health
// and metrics endpoints, and the middleware around them (request ids, logs,
// security headers, sign-in, problem responses). Domain packages know nothing
// of it; handlers turn requests into service calls and results into JSON.
package web

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/logging"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/privacy"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/reports"
	"github.com/respite-uk/respite/sharedlives"
	"github.com/respite-uk/respite/web/pages"
)

// Check is one thing /readyz asks: the database, Redis.
type Check struct {
	Name  string
	Check func(ctx context.Context) error
}

// Deps is everything the HTTP layer needs, built by cmd/respite.
type Deps struct {
	Logger    *slog.Logger
	Accounts  *accounts.Service
	Providers *providers.Service
	Notify    *notify.Service
	Booking   *booking.Service
	Hosts     *sharedlives.Service
	Audit     *audit.Service
	// Privacy answers subject-access requests and erases carers; nil
	// answers those routes with a 404.
	Privacy *privacy.Service
	// Reports works out the commissioners' figures, for admins; nil
	// answers every report with a 404.
	Reports *reports.Service
	// Jobs is the scheduled jobs, for the administrators' jobs page.
	Jobs pages.JobSchedule
	// Signatures checks SMS webhooks; nil turns the webhooks off (403).
	Signatures SignatureChecker
	// PublicURL is RESPITE_PUBLIC_URL: webhook signatures cover it.
	PublicURL string
	// Ready lists what must answer for /readyz to say the instance can serve.
	Ready []Check
	// Metrics is where request metrics are registered and what /metrics
	// serves; cmd adds the database pool collector to it.
	Metrics *prometheus.Registry
	// LimiterStorage keeps sign-in attempt counts; nil keeps them in memory
	// (one instance). With several instances it is Redis, so the limits hold
	// across them.
	LimiterStorage fiber.Storage
	// TrustedProxies are addresses whose X-Forwarded-For is believed, so the
	// client address used for rate limits is the real one behind a proxy.
	TrustedProxies []string
	// SignInPerAddress and SignInPerAccount are the failed attempts allowed,
	// per client address and per account, before each further try from an
	// address that has failed must wait (1 s, 2 s, 4 s… up to a minute; see
	// throttle.go). Failures are forgotten SignInWindow after the last one.
	// Zero values give the defaults.
	SignInPerAddress int
	SignInPerAccount int
	SignInWindow     time.Duration
	// Pages sets up the pages for people (service name, phone numbers,
	// clock); New fills in the services and limits. Nil serves no pages.
	Pages *pages.Deps
}

// BodyLimit caps request bodies: the API takes small JSON documents.
const BodyLimit = 1 << 20

// Server holds the services the handlers call.
type Server struct {
	app       *fiber.App
	log       *slog.Logger
	accounts  *accounts.Service
	providers *providers.Service
	deps      Deps
	metrics   *httpMetrics
	pages     *pages.Pages
	// limiters are the sign-in limiters by name, built once so the API
	// and the pages count against the same limits.
	limiters map[string][2]fiber.Handler
}

// sharedLimits returns the limiter pair called name, building it the first
// time. Routes are built before serving, so this needs no lock.
func (s *Server) sharedLimits(name string, build func() (fiber.Handler, fiber.Handler)) (fiber.Handler, fiber.Handler) {
	if s.limiters == nil {
		s.limiters = map[string][2]fiber.Handler{}
	}
	pair, ok := s.limiters[name]
	if !ok {
		a, b := build()
		pair = [2]fiber.Handler{a, b}
		s.limiters[name] = pair
	}
	return pair[0], pair[1]
}

// New builds the Fiber app with every route registered. It fails only if
// the pages' templates do not parse.
func New(d Deps) (*Server, error) {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Metrics == nil {
		d.Metrics = prometheus.NewRegistry()
	}
	s := &Server{log: d.Logger, accounts: d.Accounts, providers: d.Providers, deps: d, metrics: newHTTPMetrics(d.Metrics)}
	cfg := fiber.Config{
		AppName:               "Respite",
		BodyLimit:             BodyLimit,
		ErrorHandler:          s.errorHandler,
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           2 * time.Minute,
	}
	if len(d.TrustedProxies) > 0 {
		cfg.EnableTrustedProxyCheck = true
		cfg.TrustedProxies = d.TrustedProxies
		cfg.ProxyHeader = fiber.HeaderXForwardedFor
	}
	s.app = fiber.New(cfg)
	if err := s.routes(); err != nil {
		return nil, err
	}
	return s, nil
}

// App returns the Fiber app, for serving and for tests.
func (s *Server) App() *fiber.App { return s.app }

// withRequestContext gives each request an id (the caller's X-Request-Id
// when it sends a sane one) and a context whose log lines carry it.
func (s *Server) withRequestContext() fiber.Handler {
	ids := requestid.New(requestid.Config{
		Header:     fiber.HeaderXRequestID,
		ContextKey: "requestid", // ids are UUIDs, from the middleware's default generator
	})
	return func(c *fiber.Ctx) error {
		if incoming := c.Get(fiber.HeaderXRequestID); incoming != "" && !saneRequestID(incoming) {
			c.Request().Header.Del(fiber.HeaderXRequestID)
		}
		return ids(c)
	}
}

// afterRequestID sets the request context once the id is known.
func (s *Server) afterRequestID(c *fiber.Ctx) error {
	c.SetUserContext(logging.WithRequestID(c.UserContext(), requestID(c)))
	return c.Next()
}

func saneRequestID(id string) bool {
	if len(id) > 128 {
		return false
	}
	for _, r := range id {
		if !(r == '-' || r == '_' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
			return false
		}
	}
	return true
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals("requestid").(string)
	return id
}

// ensureRequestID gives an id to a request the middleware never saw: one
// refused before any handler ran, such as a body over BodyLimit (413),
// which fasthttp answers by calling the error handler directly. Its problem
// then carries an id to quote, like every other, and the response says it.
func ensureRequestID(c *fiber.Ctx) string {
	if id := requestID(c); id != "" {
		return id
	}
	id := c.Get(fiber.HeaderXRequestID)
	if id == "" || !saneRequestID(id) {
		id = utils.UUIDv4()
	}
	c.Locals("requestid", id)
	c.Set(fiber.HeaderXRequestID, id)
	return id
}

// recoverPanics turns a panic into a 500 that shows nothing of it, and logs
// the panic with its stack.
func (s *Server) recoverPanics() fiber.Handler {
	return recover.New(recover.Config{
		EnableStackTrace: true,
		StackTraceHandler: func(c *fiber.Ctx, e any) {
			s.log.ErrorContext(c.UserContext(), "panic while serving a request", "method", c.Method(), "path", c.Path(), "panic", e)
		},
	})
}

// observe logs every request with its outcome and records its metrics. It
// renders errors itself so the status it records is the one sent.
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := s.errorHandler(c, err); herr != nil {
			return herr
		}
	}
	elapsed := time.Since(start)
	status := c.Response().StatusCode()
	route := c.Route().Path
	// Fiber answers paths no route matches with its own 404 or 405 (the
	// handlers use domain errors instead). Label those "unmatched", so
	// made-up paths cannot grow the number of series.
	var fe *fiber.Error
	if errors.As(err, &fe) && (fe.Code == fiber.StatusNotFound || fe.Code == fiber.StatusMethodNotAllowed) {
		route = "unmatched"
	}
	// Fiber's strings point into buffers it reuses for the next request;
	// the metric keeps its labels, so they must be copies.
	method := strings.Clone(c.Method())
	s.metrics.observe(method, strings.Clone(route), status, elapsed)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.log.LogAttrs(c.UserContext(), level, "request",
		slog.String("method", method), slog.String("path", c.Path()), slog.String("route", route),
		slog.Int("status", status), slog.Duration("duration", elapsed), slog.String("client", c.IP()))
	return nil
}

// securityHeaders sets the usual protections. The API serves no scripts, so
// the content security policy can be strict.
func securityHeaders() fiber.Handler {
	return helmet.New(helmet.Config{
		ContentSecurityPolicy:     "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
		ReferrerPolicy:            "strict-origin-when-cross-origin",
		CrossOriginEmbedderPolicy: "unsafe-none",
		HSTSMaxAge:                31536000,
		PermissionPolicy:          "geolocation=(), camera=(), microphone=()",
	})
}

// allowedMethods lists the methods registered for path, for the Allow header
// of a 405.
func (s *Server) allowedMethods(path string) string {
	seen := map[string]bool{}
	for _, r := range s.app.GetRoutes(true) {
		if r.Method == "USE" || r.Method == fiber.MethodHead {
			continue
		}
		if routeMatches(r.Path, path) {
			seen[r.Method] = true
		}
	}
	methods := make([]string, 0, len(seen))
	for m := range seen {
		methods = append(methods, m)
	}
	sort.Strings(methods)
	return strings.Join(methods, ", ")
}

// routeMatches compares a route pattern ("/api/v1/providers/:id") with a path.
func routeMatches(pattern, path string) bool {
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	xs := strings.Split(strings.Trim(path, "/"), "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if !strings.HasPrefix(ps[i], ":") && ps[i] != xs[i] {
			return false
		}
	}
	return true
}
