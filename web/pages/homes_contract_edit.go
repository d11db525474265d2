package pages

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/providers"
)

// Administrators change a contract: its reference, dates and rate, and
// whether it is active. The service refuses a change that would leave a
// booked stay outside the contract, naming the stays; the page shows that
// as the error to fix.

// contractEditView is the contract form filled in, on a page of its own.
type contractEditView struct {
	layout
	fieldsView
	Home     providers.Provider
	Contract providers.Contract
	Form     contractForm
	Active   bool
}

// showEditContract is the contract form filled in with its details.
func (p *Pages) showEditContract(c *fiber.Ctx) error {
	home, contract, err := p.homesContract(c)
	if err != nil {
		return err
	}
	f := contractForm{Reference: contract.Reference, Rate: strings.TrimPrefix(pounds(contract.NightlyRatePence), "£"),
		Starts: dateFormOf(contract.StartsOn), Ends: dateFormOf(contract.EndsOn)}
	return p.renderEditContract(c, fiber.StatusOK, home, contract, f, contract.Active, nil)
}

func (p *Pages) renderEditContract(c *fiber.Ctx, status int, home providers.Provider, contract providers.Contract, f contractForm, active bool, errs formErrors) error {
	v := &contractEditView{Home: home, Contract: contract, Form: f, Active: active}
	v.Title = "Change contract " + contract.Reference + " with " + home.Name
	v.BackLink = "/homes/" + itoa(home.ID) + "#contracts"
	v.Errors = errs
	v.fieldsView = fieldsView{&v.Errors}
	return p.render(c, status, "homes-contract-edit", v)
}

// saveContract saves the changed contract.
func (p *Pages) saveContract(c *fiber.Ctx) error {
	home, contract, err := p.homesContract(c)
	if err != nil {
		return err
	}
	f := contractForm{Reference: form(c, "contract-reference"), Rate: form(c, "contract-rate"),
		Starts: readDate(c, "contract-starts"), Ends: readDate(c, "contract-ends")}
	active := form(c, "contract-active") != "no"
	var errs, e formErrors
	var starts, ends calendar.Date
	starts, e = f.Starts.parse("starts_on", "contract-starts", "the date the contract starts")
	errs = append(errs, e...)
	ends, e = f.Ends.parse("ends_on", "contract-ends", "the date the contract ends")
	errs = append(errs, e...)
	pence, ok := parsePounds(strings.TrimPrefix(f.Rate, "£"))
	if !ok {
		errs = append(errs, pageError("nightly_rate_pence", "contract-rate", "Enter the nightly rate in pounds, like 142 or 142.50.")...)
	}
	if len(errs) > 0 {
		// Nothing half-read is saved: the page says what to fix first.
		return p.renderEditContract(c, fiber.StatusUnprocessableEntity, home, contract, f, active, errs)
	}
	patch := providers.ContractPatch{Reference: &f.Reference, StartsOn: &starts, EndsOn: &ends, NightlyRatePence: &pence, Active: &active}
	if _, err := p.deps.Providers.UpdateContract(ctx(c), signedInAs(c), contract.ID, patch); err != nil {
		// Stays in the way are about the dates, or about being made
		// inactive: point at whichever was changed.
		first := "contract-ends-day"
		if !active && contract.Active {
			first = "contract-active"
		}
		more, ok := errorsFrom(err, first, contractFields)
		if !ok {
			return err
		}
		return p.renderEditContract(c, statusFor(err), home, contract, f, active, more)
	}
	done := "contract-save"
	if active != contract.Active {
		done = fmt.Sprintf("contract-%t", active)
	}
	return redirect(c, "/homes/"+itoa(home.ID)+"?done="+done+"#contracts")
}

// homesContract is the care home and the contract the path names; a
// contract that is not that home's is no page at all.
func (p *Pages) homesContract(c *fiber.Ctx) (providers.Provider, providers.Contract, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return providers.Provider{}, providers.Contract{}, err
	}
	contractID, err := pathID(c, "contract")
	if err != nil {
		return providers.Provider{}, providers.Contract{}, err
	}
	contract, err := p.deps.Providers.Contract(ctx(c), contractID)
	if err != nil {
		return providers.Provider{}, providers.Contract{}, err
	}
	if contract.ProviderID != id {
		return providers.Provider{}, providers.Contract{}, errNoSuchPage
	}
	home, err := p.deps.Providers.Provider(ctx(c), id)
	if err != nil {
		return providers.Provider{}, providers.Contract{}, err
	}
	return home, contract, nil
}
