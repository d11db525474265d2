package web

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/invopop/jsonschema"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/web/pages"
)

// Staff accounts: the steps of a staff sign-in after the password, a member
// of staff's own password and authenticator app, and admins managing staff.

// A sign-in in steps. POST /auth/login answers 200 either way: with a token
// when the sign-in is done, or with "next" and a "pending_token" when it
// needs a code from an authenticator app, a new password, or (an admin with
// no app) setting one up. Each step's endpoint takes the pending token and
// answers the same way, until the last answers with the token. A 200 rather
// than a 401 keeps a right password from counting as a failed sign-in.

type pendingRequest struct {
	PendingToken string `json:"pending_token"`
}

type pendingCodeRequest struct {
	PendingToken string `json:"pending_token"`
	Code         string `json:"code"`
}

type pendingPasswordRequest struct {
	PendingToken string `json:"pending_token"`
	NewPassword  string `json:"new_password"`
}

type enrolmentJSON struct {
	Secret     string `json:"secret"`      // the key, for typing into an app
	OTPAuthURL string `json:"otpauth_url"` // what the QR code holds
	QRCodePNG  []byte `json:"qr_code_png"` // base64
}

type enrolmentConfirmRequest struct {
	Code string `json:"code"`
}

type recoveryCodesJSON struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

type passwordChangeRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

type staffUserJSON struct {
	ID                 int64      `json:"id"`
	Email              string     `json:"email"`
	Name               string     `json:"name"`
	Role               string     `json:"role"`
	Active             bool       `json:"active"`
	DisabledAt         *time.Time `json:"disabled_at"`
	MustChangePassword bool       `json:"must_change_password"`
	SecondFactor       bool       `json:"second_factor"`
	SecondFactorAt     *time.Time `json:"second_factor_at"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

type staffUserList struct {
	Items      []staffUserJSON `json:"items"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

type staffUserRequest struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Password string `json:"password"` // a one-time password; left out, the service makes one
}

// staffPasswordJSON answers adding a member of staff and resetting their
// password: the one-time password is there only when the service made it.
type staffPasswordJSON struct {
	User            staffUserJSON `json:"user"`
	OneTimePassword string        `json:"one_time_password,omitempty"`
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

type roleRequest struct {
	Role   string `json:"role"`
	Reason string `json:"reason"`
}

type passwordResetRequest struct {
	Password string `json:"password"` // left out, the service makes one
	Reason   string `json:"reason"`
}

// userRoutes registers the steps of a staff sign-in, a member of staff's own
// account, and the management of staff by admins.
func (s *Server) userRoutes(api fiber.Router) {
	// Codes are guessable in a way passwords are not: failed tries are
	// limited per client address and per account, as for passwords.
	perAddress, perAccount := s.sharedLimits("second-factor", s.secondFactorLimits)
	api.Post("/auth/login/second-factor", perAddress, perAccount, renderErrorsHere(s), s.signInSecondFactor)
	api.Post("/auth/login/password", s.signInChangePassword)
	api.Post("/auth/login/enrolment", s.signInEnrolment)
	api.Post("/auth/login/enrolment/confirm", perAddress, perAccount, renderErrorsHere(s), s.signInConfirmEnrolment)

	staff := s.staffOnly()
	passwordPerAddress, passwordPerAccount := s.passwordChangeLimits()
	api.Post("/auth/me/password", staff, passwordPerAddress, passwordPerAccount, renderErrorsHere(s), s.changeOwnPassword)
	api.Post("/auth/me/second-factor", staff, s.beginEnrolment)
	api.Post("/auth/me/second-factor/confirm", staff, s.confirmEnrolment)

	admin := s.staffOnly(accounts.RoleAdmin)
	api.Get("/users", admin, s.listStaffUsers)
	api.Post("/users", admin, s.createStaffUser)
	api.Get("/users/:id", admin, s.showStaffUser)
	api.Post("/users/:id/disable", admin, s.disableStaffUser)
	api.Post("/users/:id/enable", admin, s.enableStaffUser)
	api.Put("/users/:id/role", admin, s.setStaffRole)
	api.Post("/users/:id/reset-password", admin, s.resetStaffPassword)
	api.Post("/users/:id/reset-second-factor", admin, s.resetStaffSecondFactor)
}

var userOperations = []operation{
	{method: "POST", path: "/api/v1/auth/login/second-factor", summary: "The next step of a staff sign-in whose answer said next: second_factor. Send the pending token and a 6-digit code from the authenticator app " +
		"(one step either side of now is accepted, and a code works once) or a recovery code (each works once). The answer is a token, or the next step. " +
		"A pending token allows 5 tries; failed tries are also limited per client address and per account (429 with Retry-After).",
		who: "anyone", request: pendingCodeRequest{}, status: 200, response: loginResponse{}, errors: []int{400, 401, 403, 409, 415, 422, 429}},
	{method: "POST", path: "/api/v1/auth/login/password", summary: "The next step of a staff sign-in whose answer said next: change_password (the password was a one-time one an admin gave). Send the pending token and a new password. The answer is a token, or the next step.",
		who: "anyone", request: pendingPasswordRequest{}, status: 200, response: loginResponse{}, errors: []int{400, 401, 403, 409, 415, 422}},
	{method: "POST", path: "/api/v1/auth/login/enrolment", summary: "For a staff sign-in whose answer said next: enrol_second_factor (an admin with no authenticator app): a key to add to the app, as a QR code and as text: the same key each time until it is confirmed.",
		who: "anyone", request: pendingRequest{}, status: 200, response: enrolmentJSON{}, errors: []int{400, 401, 403, 409, 415, 422}},
	{method: "POST", path: "/api/v1/auth/login/enrolment/confirm", summary: "Finish setting up the authenticator app with a code it shows for the new key. The answer is a token and 10 recovery codes, shown only this once. " +
		"Tries are limited as for POST /api/v1/auth/login/second-factor.",
		who: "anyone", request: pendingCodeRequest{}, status: 200, response: loginResponse{}, errors: []int{400, 401, 403, 409, 415, 422, 429}},
	{method: "POST", path: "/api/v1/auth/me/password", summary: "Change your own password; the current one is needed. Wrong current passwords are limited per client address and per account (429 with Retry-After).",
		who: "staff", request: passwordChangeRequest{}, status: 204, errors: []int{400, 415, 422, 429}},
	{method: "POST", path: "/api/v1/auth/me/second-factor", summary: "Start setting up an authenticator app, for staff who have none: a key to add to the app (the same each time until it is confirmed). Once it is, signing in takes a code.",
		who: "staff", status: 200, response: enrolmentJSON{}, errors: []int{409}},
	{method: "POST", path: "/api/v1/auth/me/second-factor/confirm", summary: "Finish setting up the authenticator app with a code it shows. The answer is 10 recovery codes, shown only this once.",
		who: "staff", request: enrolmentConfirmRequest{}, status: 200, response: recoveryCodesJSON{}, errors: []int{400, 409, 415, 422}},
	{method: "GET", path: "/api/v1/users", summary: "Staff accounts in id order.", who: "admin", status: 200, response: staffUserList{}, errors: []int{422},
		query: append([]queryParam{{"role", "admin, duty or coordinator.", "string", false, accounts.Roles}, {"status", "Only active accounts, or only disabled ones; both when left out.", "string", false, accounts.Statuses}}, pageParams...)},
	{method: "POST", path: "/api/v1/users", summary: "Add a member of staff with a one-time password: their first sign-in asks them to choose their own (and an admin, then, to set up an authenticator app). " +
		"Leave the password out to have one made; it is in the answer, this once.",
		who: "admin", request: staffUserRequest{}, status: 201, response: staffPasswordJSON{}, errors: []int{400, 409, 415, 422}},
	{method: "GET", path: "/api/v1/users/{id}", summary: "One staff account.", who: "admin", status: 200, response: staffUserJSON{}, errors: []int{404}},
	{method: "POST", path: "/api/v1/users/{id}/disable", summary: "Disable a staff account: its sessions end at once and it cannot sign in. The only active admin cannot be disabled, nor can you disable yourself (409).",
		who: "admin", request: reasonRequest{}, bodyOptional: true, status: 200, response: staffUserJSON{}, errors: []int{400, 404, 409, 415, 422}},
	{method: "POST", path: "/api/v1/users/{id}/enable", summary: "Let a disabled member of staff sign in again.",
		who: "admin", request: reasonRequest{}, bodyOptional: true, status: 200, response: staffUserJSON{}, errors: []int{400, 404, 415, 422}},
	{method: "PUT", path: "/api/v1/users/{id}/role", summary: "Change a member of staff's role. The only active admin keeps theirs (409). Someone made an admin who has no authenticator app is signed out, to set one up.",
		who: "admin", request: roleRequest{}, status: 200, response: staffUserJSON{}, errors: []int{400, 404, 409, 415, 422}},
	{method: "POST", path: "/api/v1/users/{id}/reset-password", summary: "Give a member of staff a new one-time password (leave it out to have one made; it is in the answer, this once). Their sessions end; they choose their own password when they next sign in.",
		who: "admin", request: passwordResetRequest{}, bodyOptional: true, status: 200, response: staffPasswordJSON{}, errors: []int{400, 404, 415, 422}},
	{method: "POST", path: "/api/v1/users/{id}/reset-second-factor", summary: "Remove a member of staff's authenticator app and recovery codes (a lost phone). Their sessions end; an admin sets up a new app when they next sign in.",
		who: "admin", request: reasonRequest{}, bodyOptional: true, status: 200, response: staffUserJSON{}, errors: []int{400, 404, 415, 422}},
}

// answerSignIn answers a sign-in or one of its steps: the token when it is
// done, or the next step and the pending token for it.
func (s *Server) answerSignIn(c *fiber.Ctx, in accounts.SignedIn) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	out := loginResponse{User: userJSON{ID: in.User.ID, Email: in.User.Email, Name: in.User.Name, Role: string(in.User.Role)}}
	if in.Next == accounts.StepDone {
		out.Token, out.ExpiresAt, out.RecoveryCodes = in.Token, &in.ExpiresAt, in.RecoveryCodes
	} else {
		out.Next, out.PendingToken, out.PendingExpiresAt = string(in.Next), in.PendingToken, &in.PendingExpiresAt
	}
	return c.JSON(out)
}

// signInSecondFactor takes a sign-in on with a code.
func (s *Server) signInSecondFactor(c *fiber.Ctx) error {
	var req pendingCodeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in, err := s.accounts.SignInSecondFactor(c.UserContext(), req.PendingToken, req.Code)
	if err != nil {
		return err
	}
	return s.answerSignIn(c, in)
}

// signInChangePassword takes a sign-in on with a new password.
func (s *Server) signInChangePassword(c *fiber.Ctx) error {
	var req pendingPasswordRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in, err := s.accounts.SignInChangePassword(c.UserContext(), req.PendingToken, req.NewPassword)
	if err != nil {
		return err
	}
	return s.answerSignIn(c, in)
}

// signInEnrolment gives an admin signing in a key for their app.
func (s *Server) signInEnrolment(c *fiber.Ctx) error {
	var req pendingRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	e, err := s.accounts.SignInEnrolment(c.UserContext(), req.PendingToken)
	if err != nil {
		return err
	}
	return answerEnrolment(c, e)
}

// signInConfirmEnrolment finishes setting up the app, and the sign-in.
func (s *Server) signInConfirmEnrolment(c *fiber.Ctx) error {
	var req pendingCodeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in, err := s.accounts.SignInConfirmEnrolment(c.UserContext(), req.PendingToken, req.Code)
	if err != nil {
		return err
	}
	return s.answerSignIn(c, in)
}

// changeOwnPassword changes the signed-in member of staff's password.
func (s *Server) changeOwnPassword(c *fiber.Ctx) error {
	var req passwordChangeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.accounts.ChangePassword(c.UserContext(), principal(c), req.CurrentPassword, req.NewPassword); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// beginEnrolment gives the signed-in member of staff a key for their app.
func (s *Server) beginEnrolment(c *fiber.Ctx) error {
	e, err := s.accounts.BeginEnrolment(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	return answerEnrolment(c, e)
}

// confirmEnrolment finishes setting up the signed-in member of staff's app.
func (s *Server) confirmEnrolment(c *fiber.Ctx) error {
	var req enrolmentConfirmRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	codes, err := s.accounts.ConfirmEnrolment(c.UserContext(), principal(c), req.Code)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(recoveryCodesJSON{RecoveryCodes: codes})
}

func answerEnrolment(c *fiber.Ctx, e accounts.Enrolment) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(enrolmentJSON{Secret: e.Secret, OTPAuthURL: e.URL, QRCodePNG: e.QRCode})
}

// listStaffUsers lists staff accounts.
func (s *Server) listStaffUsers(c *fiber.Ctx) error {
	var f apperr.Fields
	page := pageRequest(c, &f)
	if err := f.Err(); err != nil {
		return err
	}
	got, err := s.accounts.ListUsers(c.UserContext(), principal(c), accounts.UserFilter{
		Role: accounts.Role(c.Query("role")), Status: c.Query("status"), Page: page,
	})
	if err != nil {
		return err
	}
	out := staffUserList{Items: make([]staffUserJSON, len(got.Items)), NextCursor: cursor(got.Next)}
	for i, u := range got.Items {
		out.Items[i] = toStaffUserJSON(u)
	}
	return c.JSON(out)
}

// createStaffUser adds a member of staff.
func (s *Server) createStaffUser(c *fiber.Ctx) error {
	var req staffUserRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, made, err := s.accounts.AddUser(c.UserContext(), principal(c), accounts.NewUser{
		Email: req.Email, Name: req.Name, Role: accounts.Role(req.Role), Password: req.Password,
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Location("/api/v1/users/" + strconv.FormatInt(u.ID, 10))
	return c.Status(fiber.StatusCreated).JSON(staffPasswordJSON{User: toStaffUserJSON(u), OneTimePassword: made})
}

// showStaffUser shows one staff account.
func (s *Server) showStaffUser(c *fiber.Ctx) error {
	id, err := pathID(c, accounts.ErrUserNotFound)
	if err != nil {
		return err
	}
	u, err := s.accounts.UserByID(c.UserContext(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(toStaffUserJSON(u))
}

// disableStaffUser disables a staff account.
func (s *Server) disableStaffUser(c *fiber.Ctx) error {
	return s.changeStaffUser(c, s.accounts.DisableUser)
}

// enableStaffUser enables a staff account.
func (s *Server) enableStaffUser(c *fiber.Ctx) error {
	return s.changeStaffUser(c, s.accounts.EnableUser)
}

// resetStaffSecondFactor removes a member of staff's app.
func (s *Server) resetStaffSecondFactor(c *fiber.Ctx) error {
	return s.changeStaffUser(c, s.accounts.ResetSecondFactor)
}

// changeStaffUser makes a change that takes only an optional reason (the
// body may be left out).
func (s *Server) changeStaffUser(c *fiber.Ctx, change func(ctx context.Context, actor accounts.Principal, id int64, reason string) (accounts.User, error)) error {
	id, err := pathID(c, accounts.ErrUserNotFound)
	if err != nil {
		return err
	}
	var req reasonRequest
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	u, err := change(c.UserContext(), principal(c), id, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(toStaffUserJSON(u))
}

// setStaffRole changes a member of staff's role.
func (s *Server) setStaffRole(c *fiber.Ctx) error {
	id, err := pathID(c, accounts.ErrUserNotFound)
	if err != nil {
		return err
	}
	var req roleRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.accounts.SetRole(c.UserContext(), principal(c), id, accounts.Role(req.Role), req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(toStaffUserJSON(u))
}

// resetStaffPassword gives a member of staff a one-time password.
func (s *Server) resetStaffPassword(c *fiber.Ctx) error {
	id, err := pathID(c, accounts.ErrUserNotFound)
	if err != nil {
		return err
	}
	var req passwordResetRequest
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	u, made, err := s.accounts.ResetPassword(c.UserContext(), principal(c), id, req.Password, req.Reason)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(staffPasswordJSON{User: toStaffUserJSON(u), OneTimePassword: made})
}

func toStaffUserJSON(u accounts.User) staffUserJSON {
	return staffUserJSON{
		ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), Active: u.Active(), DisabledAt: u.DisabledAt,
		MustChangePassword: u.MustChangePassword, SecondFactor: u.HasSecondFactor(), SecondFactorAt: u.SecondFactorAt,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
}

// secondFactorLimits throttle codes that were not right, per client address
// and per account, as passwords are (signInLimits). The
// account is the pending sign-in's member of staff, so starting new sign-ins
// with the password does not buy more tries.
func (s *Server) secondFactorLimits() (perAddress, perAccount fiber.Handler) {
	return s.failureLimits("signin-2fa", func(c *fiber.Ctx) string {
		if fromPage, ok := c.Locals(pages.LimitAccountKey).(string); ok {
			return fromPage // a page's step: the pending sign-in's member of staff
		}
		var req pendingRequest
		_ = json.Unmarshal(c.Body(), &req)
		p, err := s.accounts.PendingSignIn(c.UserContext(), req.PendingToken)
		if err != nil {
			return "unknown" // every token nobody holds shares one count
		}
		return strconv.FormatInt(p.User.ID, 10)
	}, tooManySignIns)
}

// passwordChangeLimits throttle wrong current passwords when staff change
// their own, per client address and per account, so a session left open
// cannot be used to guess the password behind it.
func (s *Server) passwordChangeLimits() (perAddress, perAccount fiber.Handler) {
	return s.failureLimits("password-change", func(c *fiber.Ctx) string {
		return strconv.FormatInt(principal(c).ID, 10)
	}, tooManySignIns)
}

func (loginResponse) JSONSchemaExtend(s *jsonschema.Schema) {
	enum(s, "next", []string{string(accounts.StepSecondFactor), string(accounts.StepChangePassword), string(accounts.StepEnrol)})
}
func (pendingRequest) JSONSchemaExtend(s *jsonschema.Schema)     { require(s, "pending_token") }
func (pendingCodeRequest) JSONSchemaExtend(s *jsonschema.Schema) { require(s, "pending_token", "code") }
func (pendingPasswordRequest) JSONSchemaExtend(s *jsonschema.Schema) {
	require(s, "pending_token", "new_password")
}
func (enrolmentConfirmRequest) JSONSchemaExtend(s *jsonschema.Schema) { require(s, "code") }
func (passwordChangeRequest) JSONSchemaExtend(s *jsonschema.Schema) {
	require(s, "current_password", "new_password")
}
func (staffUserJSON) JSONSchemaExtend(s *jsonschema.Schema) { enum(s, "role", accounts.Roles) }
func (staffUserRequest) JSONSchemaExtend(s *jsonschema.Schema) {
	enum(s, "role", accounts.Roles)
	require(s, "email", "name", "role")
}
func (roleRequest) JSONSchemaExtend(s *jsonschema.Schema) {
	enum(s, "role", accounts.Roles)
	require(s, "role")
}
