package pages

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/providers"
)

// When nothing suits tonight, the duty officer rings homes; once one
// agrees a spot purchase by phone, this records it: the spot contract, its
// bed and the booking, in one go.

type spotView struct {
	layout
	Person     booking.Person
	Form       tonightForm
	Arrive     calendar.Date
	Depart     calendar.Date
	ProviderID string
	Home       string
	BedTypes   []string
	BedType    string
	Rate       string
	Reason     string
}

// showSpot asks for the bed type, the nightly rate agreed and the reason.
func (p *Pages) showSpot(c *fiber.Ctx) error {
	return p.renderSpot(c, fiber.StatusOK, nil)
}

func (p *Pages) renderSpot(c *fiber.Ctx, status int, errs formErrors) error {
	person, err := p.dutyPerson(c)
	if err != nil {
		return err
	}
	f, ferrs := p.readTonight(c)
	if len(ferrs) > 0 {
		return errNoSuchPage
	}
	get := form
	if c.Method() == fiber.MethodGet {
		get = query
	}
	v := &spotView{Person: person, Form: f, Arrive: f.arrive, Depart: f.depart, ProviderID: get(c, "provider-id"), Home: get(c, "home"),
		BedTypes: providers.BedTypes, BedType: get(c, "bed-type"), Rate: get(c, "rate"), Reason: get(c, "reason")}
	v.Title = "Record a spot purchase"
	v.BackLink = "/duty/people/" + itoa(person.ID) + "/tonight?nights=" + f.Nights
	v.Errors = errs
	return p.render(c, status, "duty-spot", v)
}

// spotFields maps the booking service's field names to the form's inputs.
var spotFields = map[string]string{"bed_type": "bed-type", "nightly_rate_pence": "rate", "reason": "reason", "provider_id": "bed-type"}

// recordSpot records the spot purchase and shows the confirmation.
func (p *Pages) recordSpot(c *fiber.Ctx) error {
	person, err := p.dutyPerson(c)
	if err != nil {
		return err
	}
	f, ferrs := p.readTonight(c)
	if len(ferrs) > 0 {
		return errNoSuchPage
	}
	providerID, _ := strconv.ParseInt(form(c, "provider-id"), 10, 64)
	req := booking.SpotRequest{PersonID: person.ID, ProviderID: providerID, BedType: form(c, "bed-type"),
		Arrive: f.arrive, Depart: f.depart, Reason: form(c, "reason")}
	if raw := strings.TrimPrefix(form(c, "rate"), "£"); raw != "" {
		pence, ok := parsePounds(raw)
		if !ok {
			return p.renderSpot(c, fiber.StatusUnprocessableEntity, pageError("nightly_rate_pence", "rate", "Enter the nightly rate in pounds, like 185 or 185.50."))
		}
		req.NightlyRatePence = &pence
	}
	b, err := p.deps.Booking.SpotPlacement(ctx(c), signedInAs(c), req)
	if err != nil {
		errs, ok := errorsFrom(err, "bed-type", spotFields)
		if !ok {
			return err
		}
		return p.renderSpot(c, statusFor(err), errs)
	}
	return redirect(c, "/duty/placements/"+itoa(b.ID))
}

// parsePounds reads "185" or "185.50" as pence.
func parsePounds(s string) (int64, bool) {
	whole, frac, hasFrac := strings.Cut(strings.TrimSpace(s), ".")
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 {
		return 0, false
	}
	pence := w * 100
	if hasFrac {
		if len(frac) != 2 {
			return 0, false
		}
		f, err := strconv.ParseInt(frac, 10, 64)
		if err != nil || f < 0 {
			return 0, false
		}
		pence += f
	}
	return pence, true
}
