package pages

import (
	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/apperr"
)

// Errors the pages raise themselves. Their messages are shown on the error
// pages.
var (
	errBadCSRF    = apperr.New(apperr.Forbidden, "This form had expired or did not come from this service, so nothing was changed. Go back, reload the page and try again.")
	errNotForYou  = apperr.New(apperr.Forbidden, "You cannot see this page when you are signed in this way.")
	errSignedOut  = apperr.New(apperr.Unauthorized, "You have been signed out, so nothing was changed. Sign in again to carry on.")
	errNoSuchPage = apperr.New(apperr.NotFound, "If you typed the web address, check it is correct. If you pasted it, check you copied all of it.")
)

// errorView is the friendly page for 403, 404, 429, 500 and 503.
type errorView struct {
	layout
	Status      int
	Heading     string
	Message     string
	BookingLine string
	SignIn      bool
}

// ShowError renders the error page for status with the safe message the
// web package's error handler worked out. Faults show the request id, so a
// carer can quote it when they ring.
func (p *Pages) ShowError(c *fiber.Ctx, status int, message, requestID string) error {
	v := &errorView{Status: status, Message: message, BookingLine: p.deps.BookingLine}
	switch status {
	case fiber.StatusNotFound:
		v.Heading = "Page not found"
		v.Message = errNoSuchPage.Message
	case fiber.StatusForbidden:
		v.Heading = "You cannot do that"
	case fiber.StatusUnauthorized:
		v.Heading = "You are signed out"
		v.SignIn = true
	case fiber.StatusTooManyRequests:
		v.Heading = "Too many tries"
	case fiber.StatusServiceUnavailable:
		v.Heading = "Sorry, the service is unavailable"
	case fiber.StatusMethodNotAllowed:
		v.Heading = "Page not found"
		v.Message = errNoSuchPage.Message
	default:
		if status >= 500 {
			v.Heading = "Sorry, there is a problem with the service"
			v.Message = "Try again later. Nothing you were doing has been lost or half done."
			v.RequestID = requestID
		} else {
			v.Heading = "Sorry, that did not work"
		}
	}
	v.Title = v.Heading
	return p.render(c, status, "error", v)
}
