package pages

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
)

// LimitNumberKey is where a page puts the phone number a request for or
// check of a code is about, for the sign-in limits keyed by number.
const LimitNumberKey = "pages.limit-number"

// LimitAccountKey is where a staff sign-in page puts the account its
// request is about: the email typed, or the pending sign-in's user id.
const LimitAccountKey = "pages.limit-account"

// Register adds every page's route to app. Read it top to bottom to see
// every page and who may use it. Every page reads the session cookie and
// checks the CSRF token of every form; the API under /api/v1 is untouched.
func (p *Pages) Register(app fiber.Router) {
	page := func(path string, method string, handlers ...fiber.Handler) {
		all := append([]fiber.Handler{p.withSession, p.withCSRF}, handlers...)
		app.Add(method, path, all...)
	}
	get := func(path string, h ...fiber.Handler) { page(path, fiber.MethodGet, h...) }
	post := func(path string, h ...fiber.Handler) { page(path, fiber.MethodPost, h...) }
	// limited puts the API's limits on sending and checking codes in
	// front of h, counting against the number that number names.
	limited := func(limits []fiber.Handler, number func(*fiber.Ctx) string, h fiber.Handler) []fiber.Handler {
		name := func(c *fiber.Ctx) error {
			c.Locals(LimitNumberKey, number(c))
			return c.Next()
		}
		return append(append([]fiber.Handler{name}, limits...), h)
	}
	// limitedAccount is limited for staff sign-in steps, counting against
	// the account account names.
	limitedAccount := func(limits []fiber.Handler, account func(*fiber.Ctx) string, h fiber.Handler) []fiber.Handler {
		name := func(c *fiber.Ctx) error {
			c.Locals(LimitAccountKey, account(c))
			return c.Next()
		}
		return append(append([]fiber.Handler{name}, limits...), h)
	}
	typed := func(field string) func(*fiber.Ctx) string {
		return func(c *fiber.Ctx) string { return form(c, field) }
	}
	remembered := func(c *fiber.Ctx) string { return strings.Clone(c.Cookies(phoneCookie)) }
	// A carer proving a new number: count against the carer, whose new
	// number the service keeps.
	carerNumber := func(c *fiber.Ctx) string { return "carer:" + itoa(signedInAs(c).ID) }

	// Anyone: what the service is, and signing in by a code sent by text.
	get("/", p.showStart)
	get("/sign-in", p.showSignIn)
	post("/sign-in", limited(p.deps.CodeRequestLimits, typed("phone"), p.sendCode)...)
	get("/sign-in/code", p.showCode)
	post("/sign-in/code", limited(p.deps.CodeFailureLimits, remembered, p.checkCode)...)
	post("/sign-in/code/again", limited(p.deps.CodeRequestLimits, remembered, p.resendCode)...)
	post("/sign-out", p.signOut)

	// Carers: their home, booking a break, their stays and their details.
	carer := p.requireCarer
	get("/home", carer, p.showHome)
	// Booking a break: carers for themselves, and the booking line (duty
	// staff and admins) for a carer, through the same screens.
	booker := p.requireBooker
	get("/book", booker, p.showWho)
	get("/book/when", booker, p.showWhen)
	get("/book/results", booker, p.showResults)
	post("/book/hold", booker, p.holdPlace)
	get("/book/check/:hold", booker, p.showCheck)
	post("/book/check/:hold", booker, p.confirmBooking)
	post("/book/check/:hold/release", booker, p.releaseHold)
	get("/book/done/:id", booker, p.showDone)
	get("/stays/:id", carer, p.showStay)
	get("/stays/:id/calendar.ics", carer, p.downloadStayCalendar)
	get("/stays/:id/cancel", carer, p.showCancel)
	post("/stays/:id/cancel", carer, p.cancelStay)
	get("/details", carer, p.showDetails)
	get("/details/contact", carer, p.showContactForm)
	post("/details/contact", carer, p.saveContact)
	get("/details/mobile", carer, p.showMobileForm)
	post("/details/mobile", append([]fiber.Handler{carer}, limited(p.deps.CodeRequestLimits, typed("mobile"), p.startMobileChange)...)...)
	get("/details/mobile/code", carer, p.showMobileCode)
	post("/details/mobile/code", append([]fiber.Handler{carer}, limited(p.deps.CodeFailureLimits, carerNumber, p.confirmMobileChange)...)...)

	// Shared-lives hosts: their calendar and their guests.
	host := p.requireHost
	get("/host", host, p.showCalendar)
	post("/host/calendar/add", host, p.addDates)
	post("/host/calendar/remove", host, p.removeDates)
	post("/host/calendar/remove-night", host, p.removeNight)
	post("/host/calendar/still-right", host, p.confirmCalendar)
	get("/host/guests", host, p.showGuests)

	// Staff: sign in with email and password; then each role's pages.
	get("/staff/sign-in", p.showStaffSignIn)
	post("/staff/sign-in", limitedAccount(p.deps.StaffSignInLimits, typed("email"), p.staffSignIn)...)
	get("/staff/sign-in/code", p.showSignInStep(accounts.StepSecondFactor, "staff-sign-in-code"))
	post("/staff/sign-in/code", limitedAccount(p.deps.SecondFactorLimits, p.pendingAccount, p.checkSecondFactor)...)
	get("/staff/sign-in/new-password", p.showSignInStep(accounts.StepChangePassword, "staff-sign-in-password"))
	post("/staff/sign-in/new-password", p.choosePassword)
	get("/staff/sign-in/authenticator", p.showSignInStep(accounts.StepEnrol, "staff-sign-in-enrol"))
	post("/staff/sign-in/authenticator", limitedAccount(p.deps.SecondFactorLimits, p.pendingAccount, p.confirmAuthenticator)...)
	get("/staff", p.requireStaff(), p.showStaffHome)
	get("/staff/authenticator", p.requireStaff(), p.showAddAuthenticator)
	post("/staff/authenticator", p.requireStaff(), p.addAuthenticator)

	// The duty console: find the carer, then a place tonight in three
	// screens (options, choice and reason, confirmation), or a spot
	// purchase agreed by phone.
	duty := p.requireStaff(accounts.RoleDuty)
	get("/duty", duty, p.showDutySearch)
	get("/duty/carers/:id", duty, p.showDutyCarer)
	get("/duty/people/:id/tonight", duty, p.showTonight)
	get("/duty/people/:id/place", duty, p.showPlace)
	post("/duty/people/:id/place", duty, p.placeTonight)
	get("/duty/people/:id/spot", duty, p.showSpot)
	post("/duty/people/:id/spot", duty, p.recordSpot)
	get("/duty/placements/:id", duty, p.showPlaced)

	// The booking line: staff find a carer or a booking, book for the
	// carer (the screens above), change a stay (extend it, end it early,
	// move it) and cancel it, each with a reason.
	bookingLine := p.requireStaff(accounts.RoleDuty, accounts.RoleAdmin)
	get("/bookings", bookingLine, p.showBookingSearch)
	get("/bookings/carers/:id", bookingLine, p.showCarerBookings)
	get("/bookings/:id", bookingLine, p.showStaffBooking)
	post("/bookings/:id/cancel", bookingLine, p.cancelForCarer)
	get("/bookings/:id/extend", bookingLine, p.showExtend)
	post("/bookings/:id/extend", bookingLine, p.extendStay)
	get("/bookings/:id/end", bookingLine, p.showEndEarly)
	post("/bookings/:id/end", bookingLine, p.endStayEarly)
	get("/bookings/:id/move", bookingLine, p.showMove)
	post("/bookings/:id/move", bookingLine, p.moveStay)

	// Coordinators: shared-lives hosts.
	hostStaff := p.requireStaff(accounts.RoleCoordinator, accounts.RoleAdmin)
	get("/hosts", hostStaff, p.showHosts)
	get("/hosts/new", hostStaff, p.showNewHost)
	post("/hosts/new", hostStaff, p.createHost)
	get("/hosts/:id", hostStaff, p.showHost)
	get("/hosts/:id/edit", hostStaff, p.showEditHost)
	post("/hosts/:id/edit", hostStaff, p.saveHost)
	post("/hosts/:id/approve", hostStaff, p.approveHost)
	post("/hosts/:id/suspend", hostStaff, p.suspendHost)
	get("/hosts/:id/leave", hostStaff, p.showLeaveHost)
	post("/hosts/:id/leave", hostStaff, p.leaveHost)

	// Administrators: staff accounts, the text outbox and the audit log.
	staffAdmin := p.requireStaff(accounts.RoleAdmin)
	get("/admin/staff", staffAdmin, p.showStaffList)
	get("/admin/staff/new", staffAdmin, p.showAddStaff)
	post("/admin/staff/new", staffAdmin, p.addStaff)
	get("/admin/staff/:id", staffAdmin, p.showStaffMember)
	post("/admin/staff/:id/disable", staffAdmin, p.disableStaff)
	post("/admin/staff/:id/enable", staffAdmin, p.enableStaff)
	post("/admin/staff/:id/role", staffAdmin, p.changeStaffRole)
	post("/admin/staff/:id/password", staffAdmin, p.resetStaffPassword)
	post("/admin/staff/:id/second-factor", staffAdmin, p.resetStaffSecondFactor)
	get("/admin/texts", staffAdmin, p.showTexts)
	get("/admin/audit", staffAdmin, p.showAudit)
	get("/admin/jobs", staffAdmin, p.showJobs)
	// The commissioner's page: headline figures and charts for a period,
	// each report as a table, and each as a CSV file (before :name, so
	// the file is not taken for a report's page).
	get("/reports", staffAdmin, p.showReports)
	get("/reports/:name.csv", staffAdmin, p.downloadReport)
	get("/reports/:name", staffAdmin, p.showReport)
	// Any member of staff: their own password.
	get("/staff/password", p.requireStaff(), p.showChangePassword)
	post("/staff/password", p.requireStaff(), p.changePassword)

	// Administrators: care homes, contracts and beds; carers and people.
	homesAdmin := p.requireStaff(accounts.RoleAdmin)
	get("/homes", homesAdmin, p.showHomes)
	get("/homes/new", homesAdmin, p.showNewHome)
	post("/homes/new", homesAdmin, p.createHome)
	get("/homes/:id", homesAdmin, p.showCareHome)
	get("/homes/:id/edit", homesAdmin, p.showEditHome)
	post("/homes/:id/edit", homesAdmin, p.saveHome)
	post("/homes/:id/active", homesAdmin, p.setHomeActive)
	post("/homes/:id/contracts", homesAdmin, p.addContract)
	get("/homes/:id/contracts/:contract/edit", homesAdmin, p.showEditContract)
	post("/homes/:id/contracts/:contract/edit", homesAdmin, p.saveContract)
	post("/homes/:id/beds", homesAdmin, p.addBed)
	post("/homes/:id/beds/:bed/active", homesAdmin, p.setBedActive)
	get("/homes/:id/beds/:bed/edit", homesAdmin, p.showEditBed)
	post("/homes/:id/beds/:bed/edit", homesAdmin, p.saveBed)
	post("/homes/:id/closures", homesAdmin, p.closeHome)
	post("/homes/:id/closures/:closure/lift", homesAdmin, p.liftClosure)
	get("/carers", homesAdmin, p.showCarers)
	get("/carers/new", homesAdmin, p.showNewCarer)
	post("/carers/new", homesAdmin, p.createCarer)
	get("/carers/:id", homesAdmin, p.showAdminCarer)
	get("/carers/:id/edit", homesAdmin, p.showEditCarer)
	post("/carers/:id/edit", homesAdmin, p.saveCarer)
	post("/carers/:id/people", homesAdmin, p.addPerson)
	get("/carers/:id/export.json", homesAdmin, p.downloadCarerExport) // a subject access request
	get("/carers/:id/erase", homesAdmin, p.showEraseCarer)
	post("/carers/:id/erase", homesAdmin, p.eraseCarer)
	get("/carers/:id/people/:person/edit", homesAdmin, p.showEditPerson)
	post("/carers/:id/people/:person/edit", homesAdmin, p.savePerson)
}
