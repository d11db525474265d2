package pages

import (
	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
)

// The duty console: at 3am, from a carer's emergency card to a bed tonight.
// One search box finds the carer; their page shows the people they care
// for and their emergency plan; then three screens place someone: the
// options tonight, the choice with a reason, and the confirmation.

type dutySearchView struct {
	layout
	Query    string
	Matches  []booking.CarerMatch
	Searched bool
	// Action is where the search form goes, and CarerPath where a found
	// carer's link goes: the duty console's, or the booking line's.
	Action, CarerPath string
}

// showDutySearch is the duty console's search box and, when there is a
// query, what it found.
func (p *Pages) showDutySearch(c *fiber.Ctx) error {
	return p.searchCarers(c, "Duty console", "/duty", "/duty/carers/")
}

// searchCarers is the one search box of the duty console and the booking
// line: action is where its form goes, carerPath where a found carer's link
// goes. A single match by card or booking reference goes straight to the
// carer.
func (p *Pages) searchCarers(c *fiber.Ctx, title, action, carerPath string) error {
	q := query(c, "q")
	v := &dutySearchView{Query: q, Action: action, CarerPath: carerPath}
	v.Title = title
	if q != "" {
		matches, err := p.deps.Booking.FindCarers(ctx(c), signedInAs(c), q)
		if err != nil {
			errs, ok := errorsFrom(err, "q", map[string]string{"q": "q"})
			if !ok {
				return err
			}
			v.Errors = errs
			return p.render(c, statusFor(err), "duty-search", v)
		}
		if len(matches) == 1 && matches[0].Exact {
			return redirect(c, carerPath+itoa(matches[0].Carer.ID))
		}
		v.Matches, v.Searched = matches, true
	}
	return p.render(c, fiber.StatusOK, "duty-search", v)
}

type dutyCarerView struct {
	layout
	File booking.CarerFile
}

// showDutyCarer is the carer's page for the duty officer: the people they
// care for with their needs and the emergency plan, emergency contacts,
// and stays now and to come. Reading it is audited.
func (p *Pages) showDutyCarer(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	file, err := p.deps.Booking.CarerFile(ctx(c), signedInAs(c), id)
	if err != nil {
		return err
	}
	v := &dutyCarerView{File: file}
	v.Title = file.Carer.Name
	v.BackLink = "/duty"
	return p.render(c, fiber.StatusOK, "duty-carer", v)
}
