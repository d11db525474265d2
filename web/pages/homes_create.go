package pages

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/paging"
	"github.com/respite-uk/respite/providers"
)

// Administrators add a care home. A home with the name and postcode of one
// already listed is probably that home typed again, so the page asks
// whether it is the same home before adding it anyway.

type homeFormView struct {
	layout
	fieldsView
	Form                    homeForm
	Checks                  homeBoxes
	Action, Heading, Button string
	// Home is the home being changed; nil when adding one.
	Home *providers.Provider
}

func newHomeFormView(f homeForm, errs formErrors) *homeFormView {
	v := &homeFormView{Form: f, Checks: f.boxes()}
	v.Errors = errs
	v.fieldsView = fieldsView{&v.Errors}
	return v
}

// showNewHome is the empty care home form.
func (p *Pages) showNewHome(c *fiber.Ctx) error {
	return p.renderNewHome(c, fiber.StatusOK, homeForm{AgeGroups: []string{"adults"}}, nil)
}

func (p *Pages) renderNewHome(c *fiber.Ctx, status int, f homeForm, errs formErrors) error {
	v := newHomeFormView(f, errs)
	v.Title, v.Heading, v.Action, v.Button = "Add a care home", "Add a care home", "/homes/new", "Add the care home"
	v.BackLink = "/homes"
	return p.render(c, status, "homes-form", v)
}

type homeDuplicateView struct {
	layout
	Form     homeForm
	Question string
	Existing *providers.Provider
}

// createHome adds the home, or asks whether it is one already listed; the
// answer comes back here with the details in hidden fields.
func (p *Pages) createHome(c *fiber.Ctx) error {
	f := readHomeForm(c)
	asked := form(c, "asked") == "same-home"
	if form(c, "change") != "" {
		return p.renderNewHome(c, fiber.StatusOK, f, nil)
	}
	in, errs := f.input()
	if len(errs) > 0 {
		return p.renderNewHome(c, fiber.StatusUnprocessableEntity, f, errs)
	}
	create := p.deps.Providers.CreateProvider
	if asked {
		switch form(c, "same-home") {
		case "yes":
			if h, ok := p.homeListedAs(c, f); ok {
				return redirect(c, "/homes/"+itoa(h.ID))
			}
			return redirect(c, "/homes")
		case "no":
			create = p.deps.Providers.CreateProviderConfirmed
		default:
			return p.renderDuplicate(c, f, "", pageError("same_home", "same-home", "Select yes if this is the same home."))
		}
	}
	h, err := create(ctx(c), signedInAs(c), in)
	if errors.Is(err, providers.ErrPossibleDuplicate) {
		e, _ := apperr.As(err)
		return p.renderDuplicate(c, f, e.Message, nil)
	}
	if err != nil {
		errs, ok := errorsFrom(err, "name", homeFields)
		if !ok {
			return err
		}
		return p.renderNewHome(c, statusFor(err), f, errs)
	}
	return redirect(c, "/homes/"+itoa(h.ID)+"?done=added")
}

func (p *Pages) renderDuplicate(c *fiber.Ctx, f homeForm, question string, errs formErrors) error {
	v := &homeDuplicateView{Form: f, Question: question}
	if v.Question == "" {
		v.Question = providers.ErrPossibleDuplicate.Message
	}
	if h, ok := p.homeListedAs(c, f); ok {
		v.Existing = &h
	}
	v.Title = "Is this the same home?"
	v.Errors = errs
	status := fiber.StatusConflict
	if errs != nil {
		status = fiber.StatusUnprocessableEntity
	}
	return p.render(c, status, "homes-duplicate", v)
}

// homeListedAs finds the home already listed with the form's name and
// postcode, to show it beside the question and to go to it.
func (p *Pages) homeListedAs(c *fiber.Ctx, f homeForm) (providers.Provider, bool) {
	pc, err := contact.ParsePostcode(f.Postcode)
	if err != nil {
		return providers.Provider{}, false
	}
	page, err := p.deps.Providers.Providers(ctx(c), providers.ProviderFilter{Query: f.Name, Page: paging.Request{Limit: paging.MaxLimit}})
	if err != nil {
		return providers.Provider{}, false
	}
	for _, h := range page.Items {
		if strings.EqualFold(h.Name, f.Name) && h.Postcode == pc {
			return h, true
		}
	}
	return providers.Provider{}, false
}
