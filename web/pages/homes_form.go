package pages

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/revision"
)

// The care home form, shared by adding a home and changing one.

// homeForm is the care home form as typed.
type homeForm struct {
	Name, Address, Postcode, Latitude, Longitude, Phone string
	NotificationsMobile                                 string // optional: where the home is texted
	BedTypes, Specialisms, AgeGroups                    []string
	// Revision is the home's revision when the change form was filled in
	// (revision.Of); empty when adding a home.
	Revision string
}

// homesChoice is one checkbox or radio: its value, the id of its input,
// and whether it is ticked.
type homesChoice struct {
	Value, ID string
	Checked   bool
}

// homesChoices lists all as checkboxes whose inputs' ids start with id (the
// first is id itself, for the error summary to link to), ticking chosen.
func homesChoices(id string, all, chosen []string) []homesChoice {
	out := make([]homesChoice, len(all))
	for i, v := range all {
		out[i] = homesChoice{Value: v, ID: id, Checked: slices.Contains(chosen, v)}
		if i > 0 {
			out[i].ID = id + "-" + strings.ReplaceAll(v, "_", "-")
		}
	}
	return out
}

// homeBoxes are the home form's checkboxes.
type homeBoxes struct{ BedTypes, Specialisms, AgeGroups []homesChoice }

func (f homeForm) boxes() homeBoxes {
	return homeBoxes{
		BedTypes:    homesChoices("bed-types", providers.BedTypes, f.BedTypes),
		Specialisms: homesChoices("specialisms", providers.Specialisms, f.Specialisms),
		AgeGroups:   homesChoices("age-groups", providers.AgeGroups, f.AgeGroups),
	}
}

// homeFields maps the providers service's field names to the form's inputs.
var homeFields = map[string]string{
	"name": "name", "address": "address", "postcode": "postcode", "latitude": "latitude", "longitude": "longitude",
	"phone": "phone", "notifications_mobile": "notifications-mobile", "bed_types": "bed-types", "specialisms": "specialisms", "age_groups": "age-groups",
}

func readHomeForm(c *fiber.Ctx) homeForm {
	return homeForm{
		Name: form(c, "name"), Address: form(c, "address"), Postcode: form(c, "postcode"),
		Latitude: form(c, "latitude"), Longitude: form(c, "longitude"), Phone: form(c, "phone"),
		NotificationsMobile: form(c, "notifications-mobile"),
		BedTypes:            homesFormAll(c, "bed-types"), Specialisms: homesFormAll(c, "specialisms"), AgeGroups: homesFormAll(c, "age-groups"),
		Revision: form(c, "revision"),
	}
}

func homeFormOf(h providers.Provider) homeForm {
	mobile := h.NotificationsMobile
	if mobile != "" {
		mobile = contact.DisplayPhone(mobile) // as people write it: "07700 900501"
	}
	return homeForm{
		Name: h.Name, Address: h.Address, Postcode: h.Postcode, Phone: h.Phone, NotificationsMobile: mobile,
		Latitude: strconv.FormatFloat(h.Latitude, 'f', -1, 64), Longitude: strconv.FormatFloat(h.Longitude, 'f', -1, 64),
		BedTypes: h.BedTypes, Specialisms: h.Specialisms, AgeGroups: h.AgeGroups,
		Revision: revision.Of(h.UpdatedAt),
	}
}

// position reads the latitude and longitude typed; a box left empty is nil.
func (f homeForm) position() (lat, lon *float64, errs formErrors) {
	lat, errs = readCoordinate("latitude", f.Latitude, "53.8008")
	lon, more := readCoordinate("longitude", f.Longitude, "-1.5491")
	return lat, lon, append(errs, more...)
}

func (f homeForm) input() (providers.ProviderInput, formErrors) {
	lat, lon, errs := f.position()
	return providers.ProviderInput{
		Name: f.Name, Address: f.Address, Postcode: f.Postcode, Latitude: lat, Longitude: lon, Phone: f.Phone,
		NotificationsMobile: f.NotificationsMobile,
		BedTypes:            f.BedTypes, Specialisms: f.Specialisms, AgeGroups: f.AgeGroups,
	}, errs
}

func (f homeForm) patch() (providers.ProviderPatch, formErrors) {
	in, errs := f.input()
	return providers.ProviderPatch{
		Name: &in.Name, Address: &in.Address, Postcode: &in.Postcode, Latitude: in.Latitude, Longitude: in.Longitude,
		Phone: &in.Phone, NotificationsMobile: &in.NotificationsMobile, BedTypes: &in.BedTypes, Specialisms: &in.Specialisms, AgeGroups: &in.AgeGroups,
		IfRevision: f.Revision,
	}, errs
}

// readCoordinate reads a latitude or longitude; "" is nil, for the service
// to fill from the postcode or ask for.
func readCoordinate(field, raw, example string) (*float64, formErrors) {
	if raw == "" {
		return nil, nil
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return nil, pageError(field, field, "Enter the "+field+" as a number, like "+example+".")
	}
	return &v, nil
}

// homesFormAll copies every value posted under name (checkboxes), out of
// Fiber's reused buffers.
func homesFormAll(c *fiber.Ctx, name string) []string {
	var out []string
	for _, v := range c.Request().PostArgs().PeekMulti(name) {
		if s := strings.TrimSpace(string(v)); s != "" {
			out = append(out, s)
		}
	}
	if out == nil {
		return []string{}
	}
	return out
}

// homeNotice maps the done= query parameter of the homes pages to the
// banner shown after a redirect.
var homeNotice = map[string]string{
	"person-save":    "The person's details have been saved.",
	"erased":         "The carer's record has been erased. Their stays are kept, without their names.",
	"bed-save":       "The bed's details have been saved.",
	"added":          "The care home has been added.",
	"saved":          "The care home's details have been saved.",
	"inactive":       "The care home is now inactive: nobody can book its beds.",
	"active":         "The care home is active again.",
	"contract":       "The contract has been added.",
	"contract-save":  "The contract's details have been saved.",
	"contract-false": "The contract is now inactive: nobody can book the beds under it.",
	"contract-true":  "The contract is active again.",
	"bed":            "The bed has been added.",
	"bed-off":        "The bed is now inactive: nobody can book it.",
	"bed-on":         "The bed is active again.",
	"carer":          "The carer has been added.",
	"carer-save":     "The carer's details have been saved.",
	"person":         "The person has been added.",
}

// homesInput is what the text-input and textarea blocks of the homes and
// carers templates need.
type homesInput struct {
	ID, Label, Hint, Value, Error, Width string
	Textarea                             bool
}

// homesBoxes is what the checkboxes blocks of the homes and carers
// templates need.
type homesBoxes struct {
	ID, Legend, Hint, Error string
	Items                   []homesChoice
}

// homesField builds a text input's view: id is the input's id and name,
// field the service's name for it.
func homesField(errs formErrors, id, field, label, hint, value, width string) homesInput {
	return homesInput{ID: id, Label: label, Hint: hint, Value: value, Error: errs.For(field), Width: width}
}

// fieldsView gives a page's template the Input, Text and Boxes methods
// that build form fields with their errors.
type fieldsView struct{ errs *formErrors }

// Input is a one-line text input; width is a govuk-input--width class
// suffix ("10", "20") or "" for full width.
func (f fieldsView) Input(id, field, label, hint, value, width string) homesInput {
	return homesField(*f.errs, id, field, label, hint, value, width)
}

// Text is a textarea.
func (f fieldsView) Text(id, field, label, hint, value string) homesInput {
	in := homesField(*f.errs, id, field, label, hint, value, "")
	in.Textarea = true
	return in
}

// Boxes is a group of checkboxes.
func (f fieldsView) Boxes(id, field, legend, hint string, items []homesChoice) homesBoxes {
	return homesBoxes{ID: id, Legend: legend, Hint: hint, Error: f.errs.For(field), Items: items}
}

// bedTypeView is what the bed-type partial needs.
type bedTypeView struct {
	Types []homesChoice
	Error string
}

func bedTypeChoice(types []homesChoice, err string) bedTypeView {
	return bedTypeView{Types: types, Error: err}
}
