package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/invopop/jsonschema"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/web/pages"
)

// Signing in with a code sent by SMS: carers now, shared-lives hosts later.

// Limits on sign-in codes within codeWindow. Every request for a code
// counts, whatever the answer, because each one may send a text that costs
// money and lands on someone's phone. Checking codes is throttled as
// passwords are (throttle.go): failures allowed per number and per address
// before each further try must wait.
const (
	codeWindow             = 15 * time.Minute
	codeRequestsPerNumber  = 3
	codeRequestsPerAddress = 10
	codeFailuresPerNumber  = 10
	codeFailuresPerAddress = 20
)

var (
	errTooManyCodeRequests = apperr.New(apperr.RateLimited, "Too many sign-in codes have been asked for. Wait a few minutes, then try again.")
	errTooManyCodeFailures = apperr.New(apperr.RateLimited, "Too many codes that were not right. Wait a few minutes, then ask for a new code.")
)

// codeRequestedMessage is the answer to every well-formed request for a
// code, whether or not anyone owns the number.
const codeRequestedMessage = "If that number is registered, a code is on its way. It works for 10 minutes."

type codeRequest struct {
	Phone string `json:"phone"`
}

type codeRequestedResponse struct {
	Message string `json:"message"`
}

type codeVerifyRequest struct {
	Phone string `json:"phone"`
	Code  string `json:"code"`
}

type subjectJSON struct {
	Kind string `json:"kind"`
	ID   int64  `json:"id"`
}

type codeSignInResponse struct {
	Token     string      `json:"token"`
	ExpiresAt time.Time   `json:"expires_at"`
	Subject   subjectJSON `json:"subject"`
}

// codeRoutes registers signing in by SMS code.
func (s *Server) codeRoutes(api fiber.Router) {
	requestsPerAddress, requestsPerNumber := s.sharedLimits("code-request", s.codeRequestLimits)
	api.Post("/auth/code", requestsPerAddress, requestsPerNumber, s.requestCode)
	failuresPerAddress, failuresPerNumber := s.sharedLimits("code-failure", s.codeFailureLimits)
	api.Post("/auth/code/verify", failuresPerAddress, failuresPerNumber, renderErrorsHere(s), s.verifyCode)
}

var codeOperations = []operation{
	{method: "POST", path: "/api/v1/auth/code", summary: "Ask for a sign-in code by SMS (carers and shared-lives hosts). The answer is the same whether or not anyone owns the number. " +
		"Every request counts against limits per number and per client address (429 with Retry-After).",
		who: "anyone", request: codeRequest{}, status: 202, response: codeRequestedResponse{}, errors: []int{400, 415, 422, 429}},
	{method: "POST", path: "/api/v1/auth/code/verify", summary: "Sign in with the code from the text. A code works once, for 10 minutes, and for 5 tries at most; every failure is the same 401. " +
		"Failed tries are limited per number and per client address (429 with Retry-After).",
		who: "anyone", request: codeVerifyRequest{}, status: 200, response: codeSignInResponse{}, errors: []int{400, 401, 415, 422, 429}},
}

// requestCode texts a sign-in code to the number if someone owns it.
func (s *Server) requestCode(c *fiber.Ctx) error {
	var req codeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.accounts.RequestCode(c.UserContext(), req.Phone); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(codeRequestedResponse{Message: codeRequestedMessage})
}

// verifyCode checks a code and answers with a bearer token.
func (s *Server) verifyCode(c *fiber.Ctx) error {
	var req codeVerifyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in, err := s.accounts.VerifyCode(c.UserContext(), req.Phone, req.Code)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(codeSignInResponse{
		Token:     in.Token,
		ExpiresAt: in.ExpiresAt,
		Subject:   subjectJSON{Kind: string(in.Kind), ID: in.ID},
	})
}

// codeRequestLimits limit requests for codes, counting every one.
func (s *Server) codeRequestLimits() (perAddress, perNumber fiber.Handler) {
	reached := func(c *fiber.Ctx) error { return errTooManyCodeRequests }
	perAddress = limiter.New(limiter.Config{
		Max:          codeRequestsPerAddress,
		Expiration:   codeWindow,
		KeyGenerator: func(c *fiber.Ctx) string { return "code:request:addr:" + c.IP() },
		LimitReached: reached,
		Storage:      s.deps.LimiterStorage,
	})
	perNumber = limiter.New(limiter.Config{
		Max:          codeRequestsPerNumber,
		Expiration:   codeWindow,
		KeyGenerator: func(c *fiber.Ctx) string { return "code:request:num:" + numberKey(c) },
		LimitReached: reached,
		Storage:      s.deps.LimiterStorage,
	})
	return perAddress, perNumber
}

// codeFailureLimits throttle codes that were not right (throttle.go), per
// client address and per number, so guessing is soon slowed down whether it
// aims at one number or at many from one address — without letting a
// stranger's wrong codes keep a carer from signing in.
func (s *Server) codeFailureLimits() (perAddress, perNumber fiber.Handler) {
	return s.throttles("code-verify", numberKey, codeFailuresPerAddress, codeFailuresPerNumber, tooManyCodeFailures)
}

// tooManyCodeFailures is the 429 for a code tried again too soon.
func tooManyCodeFailures(wait time.Duration) error {
	return errTooManyCodeFailures.Reason("Too many codes that were not right. Wait %s, then try again.", waitWords(wait))
}

// numberKey keys a limit by the phone number in the request body, in E.164
// so that "07700 900123" and "+447700900123" share one count. It is hashed so
// that the limiter's storage (Redis, with several instances) holds no phone
// numbers.
func numberKey(c *fiber.Ctx) string {
	var req struct {
		Phone string `json:"phone"`
	}
	if fromPage, ok := c.Locals(pages.LimitNumberKey).(string); ok {
		// A page's form names the number its own way (or keeps it in a
		// cookie); the page says which number the request is about.
		req.Phone = fromPage
	} else {
		_ = json.Unmarshal(c.Body(), &req)
	}
	phone, err := contact.ParsePhone(req.Phone)
	if err != nil {
		phone = strings.TrimSpace(req.Phone)
	}
	sum := sha256.Sum256([]byte(phone))
	return hex.EncodeToString(sum[:16])
}

func (codeRequest) JSONSchemaExtend(s *jsonschema.Schema)       { require(s, "phone") }
func (codeVerifyRequest) JSONSchemaExtend(s *jsonschema.Schema) { require(s, "phone", "code") }
func (subjectJSON) JSONSchemaExtend(s *jsonschema.Schema) {
	enum(s, "kind", []string{string(accounts.SubjectCarer), string(accounts.SubjectHost)})
}
