package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/paging"
	"github.com/respite-uk/respite/providers"
)

// providerRequest has the same fields as providers.ProviderInput, so one
// converts to the other; the compiler keeps them in step.
type providerRequest struct {
	Name      string   `json:"name" jsonschema:"required"`
	Address   string   `json:"address" jsonschema:"required"`
	Postcode  string   `json:"postcode" jsonschema:"required"`
	Latitude  *float64 `json:"latitude"`
	Longitude *float64 `json:"longitude"`
	Phone     string   `json:"phone" jsonschema:"required"`
	// NotificationsMobile is the mobile the home is texted on about its
	// stays; a landline is refused. Leave it out for none.
	NotificationsMobile string   `json:"notifications_mobile"`
	BedTypes            []string `json:"bed_types" jsonschema:"required"`
	Specialisms         []string `json:"specialisms"`
	AgeGroups           []string `json:"age_groups" jsonschema:"required"`
	Active              *bool    `json:"active"`
}

type providerPatchRequest struct {
	// IfRevision is the If-Match header's revision, not a body field.
	IfRevision          string    `json:"-"`
	Name                *string   `json:"name"`
	Address             *string   `json:"address"`
	Postcode            *string   `json:"postcode"`
	Latitude            *float64  `json:"latitude"`
	Longitude           *float64  `json:"longitude"`
	Phone               *string   `json:"phone"`
	NotificationsMobile *string   `json:"notifications_mobile"` // "" removes it
	BedTypes            *[]string `json:"bed_types"`
	Specialisms         *[]string `json:"specialisms"`
	AgeGroups           *[]string `json:"age_groups"`
	Active              *bool     `json:"active"`
}

type providerJSON struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	Address      string  `json:"address"`
	Postcode     string  `json:"postcode"`
	Latitude     float64 `json:"latitude"`
	Longitude    float64 `json:"longitude"`
	Phone        string  `json:"phone"`         // E.164
	PhoneDisplay string  `json:"phone_display"` // as people write it
	// NotificationsMobile is where the home's texts go (E.164), or "" when
	// it has none and staff ring it instead.
	NotificationsMobile string    `json:"notifications_mobile"`
	BedTypes            []string  `json:"bed_types"`
	Specialisms         []string  `json:"specialisms"`
	AgeGroups           []string  `json:"age_groups"`
	Active              bool      `json:"active"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
}

type providerList struct {
	Items      []providerJSON `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

type contractRequest struct {
	Kind             string `json:"kind"`
	Reference        string `json:"reference"`
	StartsOn         string `json:"starts_on" jsonschema:"format=date"`
	EndsOn           string `json:"ends_on" jsonschema:"format=date"`
	NightlyRatePence *int64 `json:"nightly_rate_pence"`
}

// contractPatchRequest has the same fields as providers.ContractPatch.
type contractPatchRequest struct {
	Reference        *string `json:"reference"`
	StartsOn         *string `json:"starts_on" jsonschema:"format=date"`
	EndsOn           *string `json:"ends_on" jsonschema:"format=date"`
	NightlyRatePence *int64  `json:"nightly_rate_pence"`
	Active           *bool   `json:"active"`
}

type contractJSON struct {
	ID               int64         `json:"id"`
	ProviderID       int64         `json:"provider_id"`
	Kind             string        `json:"kind"`
	Reference        string        `json:"reference"`
	StartsOn         calendar.Date `json:"starts_on"`
	EndsOn           calendar.Date `json:"ends_on"`
	NightlyRatePence int64         `json:"nightly_rate_pence"`
	Active           bool          `json:"active"`
	CreatedAt        time.Time     `json:"created_at"`
	UpdatedAt        time.Time     `json:"updated_at"`
}

type contractList struct {
	Items      []contractJSON `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// bedRequest has the same fields as providers.BedInput.
type bedRequest struct {
	Label             string   `json:"label" jsonschema:"required"`
	ContractID        int64    `json:"contract_id" jsonschema:"required"`
	BedType           string   `json:"bed_type" jsonschema:"required"`
	Features          []string `json:"features"`
	EmergencyReserved bool     `json:"emergency_reserved"`
	Active            *bool    `json:"active"`
}

// bedPatchRequest has the same fields as providers.BedPatch.
type bedPatchRequest struct {
	// IfRevision is the If-Match header's revision, not a body field.
	IfRevision        string    `json:"-"`
	Label             *string   `json:"label"`
	ContractID        *int64    `json:"contract_id"`
	BedType           *string   `json:"bed_type"`
	Features          *[]string `json:"features"`
	EmergencyReserved *bool     `json:"emergency_reserved"`
	Active            *bool     `json:"active"`
}

type bedJSON struct {
	ID                int64     `json:"id"`
	ProviderID        int64     `json:"provider_id"`
	ContractID        int64     `json:"contract_id"`
	Label             string    `json:"label"`
	BedType           string    `json:"bed_type"`
	Features          []string  `json:"features"`
	EmergencyReserved bool      `json:"emergency_reserved"`
	Active            bool      `json:"active"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

type bedList struct {
	Items      []bedJSON `json:"items"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

func toProviderJSON(p providers.Provider) providerJSON {
	return providerJSON{
		ID: p.ID, Name: p.Name, Address: p.Address, Postcode: p.Postcode, Latitude: p.Latitude, Longitude: p.Longitude,
		Phone: p.Phone, PhoneDisplay: contact.DisplayPhone(p.Phone), NotificationsMobile: p.NotificationsMobile,
		BedTypes: p.BedTypes, Specialisms: p.Specialisms,
		AgeGroups: p.AgeGroups, Active: p.Active, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

func toContractJSON(c providers.Contract) contractJSON {
	return contractJSON{ID: c.ID, ProviderID: c.ProviderID, Kind: c.Kind, Reference: c.Reference,
		StartsOn: c.StartsOn, EndsOn: c.EndsOn, NightlyRatePence: c.NightlyRatePence, Active: c.Active,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

func toBedJSON(b providers.Bed) bedJSON {
	return bedJSON{ID: b.ID, ProviderID: b.ProviderID, ContractID: b.ContractID, Label: b.Label, BedType: b.BedType,
		Features: b.Features, EmergencyReserved: b.EmergencyReserved, Active: b.Active, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
}

func (s *Server) createProvider(c *fiber.Ctx) error {
	var req providerRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	create := s.providers.CreateProvider
	if c.Query("new_home_confirmed") == "true" {
		create = s.providers.CreateProviderConfirmed
	}
	p, err := create(c.UserContext(), principal(c), providers.ProviderInput(req))
	if err != nil {
		return err
	}
	c.Location("/api/v1/providers/" + strconv.FormatInt(p.ID, 10))
	return c.Status(fiber.StatusCreated).JSON(toProviderJSON(p))
}

func (s *Server) listProviders(c *fiber.Ctx) error {
	var f apperr.Fields
	page := pageRequest(c, &f)
	filter := providers.ProviderFilter{Query: c.Query("q"), Page: page}
	if raw := c.Query("active"); raw != "" {
		active, err := strconv.ParseBool(raw)
		if err != nil {
			f.Add("active", "Use true or false.")
		}
		filter.Active = &active
	}
	if err := f.Err(); err != nil {
		return err
	}
	got, err := s.providers.Providers(c.UserContext(), filter)
	if err != nil {
		return err
	}
	out := providerList{Items: make([]providerJSON, len(got.Items)), NextCursor: cursor(got.Next)}
	for i, p := range got.Items {
		out.Items[i] = toProviderJSON(p)
	}
	return c.JSON(out)
}

func (s *Server) showProvider(c *fiber.Ctx) error {
	id, err := pathID(c, providers.ErrProviderNotFound)
	if err != nil {
		return err
	}
	p, err := s.providers.Provider(c.UserContext(), id)
	if err != nil {
		return err
	}
	setETag(c, p.UpdatedAt)
	return c.JSON(toProviderJSON(p))
}

func (s *Server) updateProvider(c *fiber.Ctx) error {
	id, err := pathID(c, providers.ErrProviderNotFound)
	if err != nil {
		return err
	}
	var req providerPatchRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.IfRevision, err = ifMatch(c); err != nil {
		return err
	}
	p, err := s.providers.UpdateProvider(c.UserContext(), principal(c), id, providers.ProviderPatch(req))
	if err != nil {
		return err
	}
	setETag(c, p.UpdatedAt)
	return c.JSON(toProviderJSON(p))
}

func (s *Server) createContract(c *fiber.Ctx) error {
	providerID, err := pathID(c, providers.ErrProviderNotFound)
	if err != nil {
		return err
	}
	var req contractRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var dates apperr.Fields
	in := providers.ContractInput{
		Kind: req.Kind, Reference: req.Reference, NightlyRatePence: req.NightlyRatePence,
		StartsOn: parseDate(&dates, "starts_on", req.StartsOn), EndsOn: parseDate(&dates, "ends_on", req.EndsOn),
	}
	contract, err := s.providers.CreateContract(c.UserContext(), principal(c), providerID, in)
	if err != nil {
		return withDateErrors(err, dates)
	}
	c.Location("/api/v1/providers/" + strconv.FormatInt(providerID, 10) + "/contracts")
	return c.Status(fiber.StatusCreated).JSON(toContractJSON(contract))
}

func (s *Server) showContract(c *fiber.Ctx) error {
	id, err := pathID(c, providers.ErrContractNotFound)
	if err != nil {
		return err
	}
	contract, err := s.providers.Contract(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(toContractJSON(contract))
}

// updateContract changes a contract. A date that cannot be read is answered
// at once, naming it, so a half-understood change is never made.
func (s *Server) updateContract(c *fiber.Ctx) error {
	id, err := pathID(c, providers.ErrContractNotFound)
	if err != nil {
		return err
	}
	var req contractPatchRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	patch := providers.ContractPatch{Reference: req.Reference, NightlyRatePence: req.NightlyRatePence, Active: req.Active}
	var dates apperr.Fields
	patch.StartsOn = parseDatePatch(&dates, "starts_on", req.StartsOn)
	patch.EndsOn = parseDatePatch(&dates, "ends_on", req.EndsOn)
	if err := dates.Err(); err != nil {
		return err
	}
	contract, err := s.providers.UpdateContract(c.UserContext(), principal(c), id, patch)
	if err != nil {
		return err
	}
	return c.JSON(toContractJSON(contract))
}

// parseDatePatch reads a date a patch may leave out (nil: no change).
func parseDatePatch(f *apperr.Fields, field string, raw *string) *calendar.Date {
	if raw == nil {
		return nil
	}
	if *raw == "" {
		f.Add(field, "Enter a date as YYYY-MM-DD, or leave the field out to keep it as it is.")
		return nil
	}
	d := parseDate(f, field, *raw)
	return &d
}

func (s *Server) listContracts(c *fiber.Ctx) error {
	providerID, err := pathID(c, providers.ErrProviderNotFound)
	if err != nil {
		return err
	}
	var f apperr.Fields
	page := pageRequest(c, &f)
	if err := f.Err(); err != nil {
		return err
	}
	got, err := s.providers.Contracts(c.UserContext(), providerID, page)
	if err != nil {
		return err
	}
	out := contractList{Items: make([]contractJSON, len(got.Items)), NextCursor: cursor(got.Next)}
	for i, ct := range got.Items {
		out.Items[i] = toContractJSON(ct)
	}
	return c.JSON(out)
}

func (s *Server) createBed(c *fiber.Ctx) error {
	providerID, err := pathID(c, providers.ErrProviderNotFound)
	if err != nil {
		return err
	}
	var req bedRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	b, err := s.providers.CreateBed(c.UserContext(), principal(c), providerID, providers.BedInput(req))
	if err != nil {
		return err
	}
	c.Location("/api/v1/beds/" + strconv.FormatInt(b.ID, 10))
	return c.Status(fiber.StatusCreated).JSON(toBedJSON(b))
}

func (s *Server) listBeds(c *fiber.Ctx) error {
	providerID, err := pathID(c, providers.ErrProviderNotFound)
	if err != nil {
		return err
	}
	var f apperr.Fields
	page := pageRequest(c, &f)
	if err := f.Err(); err != nil {
		return err
	}
	got, err := s.providers.Beds(c.UserContext(), providerID, page)
	if err != nil {
		return err
	}
	out := bedList{Items: make([]bedJSON, len(got.Items)), NextCursor: cursor(got.Next)}
	for i, b := range got.Items {
		out.Items[i] = toBedJSON(b)
	}
	return c.JSON(out)
}

func (s *Server) showBed(c *fiber.Ctx) error {
	id, err := pathID(c, providers.ErrBedNotFound)
	if err != nil {
		return err
	}
	b, err := s.providers.Bed(c.UserContext(), id)
	if err != nil {
		return err
	}
	setETag(c, b.UpdatedAt)
	return c.JSON(toBedJSON(b))
}

func (s *Server) updateBed(c *fiber.Ctx) error {
	id, err := pathID(c, providers.ErrBedNotFound)
	if err != nil {
		return err
	}
	var req bedPatchRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.IfRevision, err = ifMatch(c); err != nil {
		return err
	}
	b, err := s.providers.UpdateBed(c.UserContext(), principal(c), id, providers.BedPatch(req))
	if err != nil {
		return err
	}
	setETag(c, b.UpdatedAt)
	return c.JSON(toBedJSON(b))
}

// pathID reads the :id path parameter. An id that is not a positive whole
// number cannot name anything, so it is answered with the caller's
// not-found error.
func pathID(c *fiber.Ctx, notFound error) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound
	}
	return id, nil
}

// pageRequest reads ?limit= and ?cursor=.
func pageRequest(c *fiber.Ctx, f *apperr.Fields) paging.Request {
	var r paging.Request
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > paging.MaxLimit {
			f.Add("limit", "Use a whole number from 1 to %d.", paging.MaxLimit)
		}
		r.Limit = n
	}
	if raw := c.Query("cursor"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 {
			f.Add("cursor", "Use the next_cursor value from the previous page.")
		}
		r.After = n
	}
	return r
}

func cursor(next int64) string {
	if next == 0 {
		return ""
	}
	return strconv.FormatInt(next, 10)
}

// parseDate reads a YYYY-MM-DD field, recording a message when it is not a
// real date. An empty value is left for the domain to call missing.
func parseDate(f *apperr.Fields, field, raw string) calendar.Date {
	if raw == "" {
		return calendar.Date{}
	}
	d, err := calendar.Parse(raw)
	if err != nil {
		f.Add(field, "Enter a real date as YYYY-MM-DD; %q is not one.", raw)
	}
	return d
}

// withDateErrors puts the messages for unreadable dates in place of the
// domain's "enter the date" ones, so the answer still names every bad field
// at once and says what was wrong with each.
func withDateErrors(err error, dates apperr.Fields) error {
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid {
		return err
	}
	var f apperr.Fields
	for _, fe := range e.Fields {
		if dates.Has(fe.Field) {
			continue
		}
		f.Add(fe.Field, "%s", fe.Message)
	}
	f.Merge("", dates.Err())
	return f.Err()
}
