package pages

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/providers"
)

// Administrators close a care home, or one of its beds, to admissions for
// some nights (an outbreak, refurbishment), and lift the closure when it
// is over. The form is on the home's page. A closure over nights already
// booked is refused, naming the stays; the page then asks, on a page of
// its own, whether to close it anyway and move the stays afterwards.

// closureForm is the close-the-home-or-a-bed form as typed.
type closureForm struct {
	Bed          string // the bed's id; "" closes the whole home
	Starts, Ends dateForm
	Reason       string
	Beds         []closureBedChoice // the options of "What to close"
}

// closureBedChoice is one option of "What to close".
type closureBedChoice struct {
	Value, Label string
	Selected     bool
}

// The closure form's fields share the home's page with the contract form,
// whose dates the service also calls starts_on and ends_on; so on this page
// a closure's fields are called closure_starts_on and so on.
const closureField = "closure_"

var closureFields = map[string]string{
	closureField + "bed_id": "closure-bed", closureField + "starts_on": "closure-starts-day",
	closureField + "ends_on": "closure-ends-day", closureField + "reason": "closure-reason",
}

// closureNotice is the banner after a closure is made or lifted.
var closureNotice = map[string]string{
	"closure-home":       "The home is closed to admissions on those nights: nobody is offered them.",
	"closure-bed":        "The bed is closed to admissions on those nights: nobody is offered them.",
	"closure-home-stays": "The home is closed to admissions on those nights. Move the stays listed under the closure.",
	"closure-bed-stays":  "The bed is closed to admissions on those nights. Move the stays listed under the closure.",
	"closure-lifted":     "The closure has been lifted: those nights can be booked again.",
	"closure-ended":      "The closure has been ended early: from tonight, the nights can be booked again.",
}

func readClosureForm(c *fiber.Ctx) closureForm {
	return closureForm{Bed: form(c, "closure-bed"), Starts: readDate(c, "closure-starts"), Ends: readDate(c, "closure-ends"), Reason: form(c, "closure-reason")}
}

// input reads the form into what the service takes, with the page's own
// errors for dates that are not dates.
func (f *closureForm) input(by int64) (providers.ClosureInput, formErrors) {
	in := providers.ClosureInput{Reason: f.Reason, CreatedBy: by}
	if f.Bed != "" {
		id, _ := strconv.ParseInt(f.Bed, 10, 64) // 0 for nonsense: the service names it
		in.BedID = &id
	}
	var errs, e formErrors
	in.StartsOn, e = f.Starts.parse(closureField+"starts_on", "closure-starts", "the first night closed")
	errs = append(errs, e...)
	in.EndsOn, e = f.Ends.parse(closureField+"ends_on", "closure-ends", "the last night closed")
	return in, append(errs, e...)
}

// closureErrors turns the service's refusal into the form's errors, named
// as the form names its fields.
func closureErrors(err error) (formErrors, bool) {
	e, ok := apperr.As(err)
	if !ok {
		return nil, false
	}
	renamed := *e
	renamed.Fields = make([]apperr.FieldError, len(e.Fields))
	for i, fe := range e.Fields {
		renamed.Fields[i] = apperr.FieldError{Field: closureField + fe.Field, Message: fe.Message}
	}
	return errorsFrom(&renamed, "closure-bed", closureFields)
}

// closureConfirmView asks whether to close anyway over the stays in the way.
type closureConfirmView struct {
	layout
	Home    providers.Provider
	Form    closureForm
	Refused providers.Closure // the closure asked for, with the stays in the way
}

// closeHome closes the home or a bed; asks, when stays are in the way,
// whether to close it anyway; and comes back here with the answer.
func (p *Pages) closeHome(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f := readClosureForm(c)
	if form(c, "change") != "" {
		// Back from "close it anyway?" to change what was asked.
		return p.renderCareHome(c, fiber.StatusOK, careHomeForms{Closure: f}, nil)
	}
	in, errs := f.input(signedInAs(c).ID)
	in.ConfirmStaysInTheWay = form(c, "confirm") == "close-anyway" && len(errs) == 0
	closed, err := p.deps.Providers.CreateClosure(ctx(c), signedInAs(c), id, in)
	if errors.Is(err, providers.ErrClosureHasStays) && len(errs) == 0 {
		home, herr := p.deps.Providers.Provider(ctx(c), id)
		if herr != nil {
			return herr
		}
		e, _ := apperr.As(err)
		v := &closureConfirmView{Home: home, Form: f, Refused: closed}
		v.Title = "Stays are booked on those nights"
		v.BackLink = "/homes/" + itoa(id) + "#closures"
		v.Errors = formErrors{{Href: "#close-anyway", Message: e.Message}}
		return p.render(c, fiber.StatusConflict, "homes-closure-confirm", v)
	}
	if err != nil {
		more, ok := closureErrors(err)
		if !ok {
			return err
		}
		return p.renderCareHome(c, statusFor(err), careHomeForms{Closure: f}, homesMerge(errs, more))
	}
	done := "closure-home"
	if !closed.WholeHome() {
		done = "closure-bed"
	}
	if len(closed.StaysInTheWay) > 0 {
		done += "-stays"
	}
	return redirect(c, "/homes/"+itoa(id)+"?done="+done+"#closures")
}

// liftClosure opens a closure's nights again from tonight.
func (p *Pages) liftClosure(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	closureID, err := pathID(c, "closure")
	if err != nil {
		return err
	}
	cl, err := p.deps.Providers.Closure(ctx(c), closureID)
	if err != nil {
		return err
	}
	if cl.ProviderID != id {
		return errNoSuchPage
	}
	_, deleted, err := p.deps.Providers.LiftClosure(ctx(c), signedInAs(c), closureID, calendar.Date{})
	if err != nil {
		errs, ok := closureErrors(err)
		if !ok {
			return err
		}
		return p.renderCareHome(c, statusFor(err), careHomeForms{}, errs)
	}
	done := "closure-ended"
	if deleted {
		done = "closure-lifted"
	}
	return redirect(c, "/homes/"+itoa(id)+"?done="+done+"#closures")
}

// closureBedChoices lists the home's beds for "What to close", the whole
// home first, choosing the one the form had.
func closureBedChoices(beds []providers.Bed, chosen string) []closureBedChoice {
	out := []closureBedChoice{{Value: "", Label: "The whole home", Selected: chosen == ""}}
	for _, b := range beds {
		out = append(out, closureBedChoice{Value: itoa(b.ID), Label: b.Label, Selected: chosen == itoa(b.ID)})
	}
	return out
}
