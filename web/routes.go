package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/web/assets"
	"github.com/respite-uk/respite/web/pages"
)

// routes registers every route. Read it top to bottom to see the whole
// surface of the service and who may use each part.
func (s *Server) routes() error {
	app := s.app
	app.Use(s.withRequestContext(), s.afterRequestID, s.observe, s.recoverPanics(), securityHeaders())

	// Machine endpoints: liveness, readiness, metrics.
	app.Get("/healthz", s.showHealth)
	app.Get("/readyz", s.showReadiness)
	app.Get("/metrics", s.showMetrics())

	// Every string a request carries is checked as text before any
	// handler runs (input.go).
	api := app.Group("/api/v1", checkText)
	api.Use(checkQueryParams) // a GET's query parameters are those documented (query_params.go)
	api.Use(noStore)          // personal data is never kept in a cache (no_store.go)
	api.Get("/openapi.json", s.showOpenAPI)

	// Signing in and out.
	// Failed sign-ins are limited per client address and per account.
	perAddress, perAccount := s.sharedLimits("sign-in", s.signInLimits)
	api.Post("/auth/login", perAddress, perAccount, renderErrorsHere(s), s.login)
	api.Post("/auth/logout", s.signedIn(), s.logout)
	api.Get("/auth/me", s.signedIn(), s.showMe)
	s.codeRoutes(api)
	s.userRoutes(api)

	// Care homes, their contracts and beds: admins write, all staff read.
	staff := s.staffOnly()
	admin := s.staffOnly(accounts.RoleAdmin)
	api.Post("/providers", admin, s.createProvider)
	api.Get("/providers", staff, s.listProviders)
	api.Get("/providers/:id", staff, s.showProvider)
	api.Patch("/providers/:id", admin, s.updateProvider)
	api.Post("/providers/:id/contracts", admin, s.createContract)
	api.Get("/providers/:id/contracts", staff, s.listContracts)
	api.Get("/contracts/:id", staff, s.showContract)
	api.Patch("/contracts/:id", admin, s.updateContract)
	api.Post("/providers/:id/beds", admin, s.createBed)
	api.Get("/providers/:id/beds", staff, s.listBeds)
	api.Get("/beds/:id", staff, s.showBed)
	api.Patch("/beds/:id", admin, s.updateBed)
	s.closureRoutes(api) // a bed, or a whole home, closed for some nights

	// Carers and the people they care for.
	s.carerRoutes(api)
	// What is held about a carer: exported on request, erased on request
	// (privacy.go).
	s.privacyRoutes(api)

	// Shared-lives hosts, their approval, calendars and guests.
	s.hostRoutes(api)

	// Finding, holding and booking a stay: carers for their own people,
	// duty staff and admins for anyone.
	booker := s.staffOrCarer(accounts.RoleAdmin, accounts.RoleDuty)
	api.Get("/availability", booker, s.showAvailability)
	api.Post("/holds", booker, s.createHold)
	api.Delete("/holds/:id", booker, s.releaseHold)
	api.Post("/bookings", booker, s.createBooking)
	api.Get("/bookings", booker, s.listBookings)
	api.Get("/bookings/:id", booker, s.showBooking)
	api.Post("/bookings/:id/cancel", booker, s.cancelBooking)
	api.Get("/carers/:id/allowance", booker, s.showAllowance)
	s.stayChangeRoutes(api) // extending, ending early and moving a stay: the booking line

	// Emergencies: from a carer's card to a place tonight; and the audit log.
	s.emergencyRoutes(api)

	// The SMS outbox, for admins (and for reading what the log sender "sent").
	api.Get("/messages", admin, s.listMessages)
	api.Get("/messages/:id", admin, s.showMessage)
	api.Get("/feedback", admin, s.listFeedback) // carers' replies to the day-after text

	// The commissioners' figures, for admins: JSON, or CSV to download.
	s.reportRoutes(api)

	// Twilio's webhooks: delivery receipts and texts people send us.
	webhooks := app.Group("/webhooks/twilio", s.twilioSigned)
	webhooks.Post("/status", s.receiveDeliveryReceipt)
	webhooks.Post("/inbound", s.receiveText)

	// The pages for people, and the assets they load (fingerprinted, so
	// they are cached for good).
	if s.deps.Pages != nil {
		if err := s.pageRoutes(app, *s.deps.Pages); err != nil {
			return err
		}
	}
	// Anything else is a 404 (or a 405 with Allow) problem, shaped by the
	// error handler.
	return nil
}

// pageRoutes builds the pages on the same services and sign-in limits as
// the API, and registers them.
func (s *Server) pageRoutes(app *fiber.App, d pages.Deps) error {
	d.Logger = s.log
	d.Accounts = s.accounts
	d.Booking = s.deps.Booking
	d.Hosts = s.deps.Hosts
	d.Notify = s.deps.Notify
	d.Audit = s.deps.Audit
	d.Reports = s.deps.Reports
	d.Privacy = s.deps.Privacy
	d.Jobs = s.deps.Jobs
	d.Providers = s.providers
	d.PublicURL = s.deps.PublicURL
	requestsPerAddress, requestsPerNumber := s.sharedLimits("code-request", s.codeRequestLimits)
	failuresPerAddress, failuresPerNumber := s.sharedLimits("code-failure", s.codeFailureLimits)
	d.CodeRequestLimits = []fiber.Handler{requestsPerAddress, requestsPerNumber}
	d.CodeFailureLimits = []fiber.Handler{failuresPerAddress, failuresPerNumber}
	signInPerAddress, signInPerAccount := s.sharedLimits("sign-in", s.signInLimits)
	d.StaffSignInLimits = []fiber.Handler{signInPerAddress, signInPerAccount}
	codesPerAddress, codesPerAccount := s.sharedLimits("second-factor", s.secondFactorLimits)
	d.SecondFactorLimits = []fiber.Handler{codesPerAddress, codesPerAccount}
	p, err := pages.New(d)
	if err != nil {
		return err
	}
	s.pages = p
	app.Get("/static/*", assets.Handler())
	p.Register(app)
	return nil
}
