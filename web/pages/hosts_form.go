package pages

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/revision"
	"github.com/respite-uk/respite/sharedlives"
)

// The form a coordinator fills in to add a shared-lives host or change
// their record. The same form serves both; it reads what was typed and
// leaves every rule about a host to the shared-lives service.

// hostForm is the host form as typed.
type hostForm struct {
	Name, Mobile, Address, Postcode string
	Latitude, Longitude, Capacity   string
	Skills, Offers                  []string
	HomeFacts, AgeGroups            []string
	StaffNotes                      string
	// Revision is the host's revision when the change form was filled in
	// (revision.Of); empty when adding a host.
	Revision string
}

// hostFormFields maps the shared-lives service's field names to the
// form's inputs (each checkbox group's first box).
var hostFormFields = map[string]string{
	"name": "name", "mobile": "mobile", "address": "address", "postcode": "postcode",
	"latitude": "latitude", "longitude": "longitude", "capacity": "capacity",
	"skills": "skills", "offers": "offers", "home_facts": "home_facts", "age_groups": "age_groups",
	"staff_notes": "staff-notes",
}

// readHostForm reads the posted host form.
func readHostForm(c *fiber.Ctx) hostForm {
	return hostForm{
		Name: form(c, "name"), Mobile: form(c, "mobile"), Address: form(c, "address"), Postcode: form(c, "postcode"),
		Latitude: form(c, "latitude"), Longitude: form(c, "longitude"), Capacity: form(c, "capacity"),
		Skills: formValues(c, "skills"), Offers: formValues(c, "offers"),
		HomeFacts: formValues(c, "home_facts"), AgeGroups: formValues(c, "age_groups"),
		StaffNotes: form(c, "staff-notes"), Revision: form(c, "revision"),
	}
}

// formValues copies every value posted for a field (a group of checkboxes).
func formValues(c *fiber.Ctx, name string) []string {
	raw := c.Request().PostArgs().PeekMulti(name)
	out := make([]string, 0, len(raw))
	for _, v := range raw {
		out = append(out, string(v)) // string() copies out of Fiber's buffer
	}
	return out
}

// hostFormOf fills the form from a host's record, for changing it. The
// position is left blank: blank keeps it, or finds a new postcode's.
func hostFormOf(h sharedlives.Host) hostForm {
	return hostForm{
		Name: h.Name, Mobile: h.Mobile, Address: h.Address, Postcode: h.Postcode, Capacity: strconv.Itoa(h.Capacity),
		Skills: h.Skills, Offers: h.Offers, HomeFacts: h.HomeFacts, AgeGroups: h.AgeGroups, StaffNotes: h.StaffNotes,
		Revision: revision.Of(h.UpdatedAt),
	}
}

// numbers reads the position and capacity. Blank boxes are nil, for the
// service to judge; what is not a number at all is the page's to say.
func (f hostForm) numbers() (lat, lon *float64, capacity *int, errs formErrors) {
	readFloat := func(raw, field, example string) *float64 {
		if raw == "" {
			return nil
		}
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			errs = append(errs, pageError(field, field, "Enter the "+field+" as a number, like "+example+".")...)
			return nil
		}
		return &v
	}
	lat = readFloat(f.Latitude, "latitude", "53.8")
	lon = readFloat(f.Longitude, "longitude", "-1.55")
	if f.Capacity != "" {
		n, err := strconv.Atoi(f.Capacity)
		if err != nil {
			errs = append(errs, pageError("capacity", "capacity", "Enter how many guests the host can take at once as a whole number, like 2.")...)
		} else {
			capacity = &n
		}
	}
	return lat, lon, capacity, errs
}

// input is the form as a new host's details.
func (f hostForm) input() (sharedlives.HostInput, formErrors) {
	lat, lon, capacity, errs := f.numbers()
	return sharedlives.HostInput{
		Name: f.Name, Mobile: f.Mobile, Address: f.Address, Postcode: f.Postcode,
		Latitude: lat, Longitude: lon, Capacity: capacity,
		Skills: f.Skills, Offers: f.Offers, HomeFacts: f.HomeFacts, AgeGroups: f.AgeGroups,
		StaffNotes: f.StaffNotes,
	}, errs
}

// patch is the form as a change to current. The staff notes are sent
// only when they were changed, so notes that Suspend has made long do not
// stop other changes.
func (f hostForm) patch(current sharedlives.Host) (sharedlives.HostPatch, formErrors) {
	lat, lon, capacity, errs := f.numbers()
	if f.Capacity == "" {
		errs = append(errs, pageError("capacity", "capacity", "Enter how many guests the host can take at once.")...)
	}
	p := sharedlives.HostPatch{
		Name: &f.Name, Mobile: &f.Mobile, Address: &f.Address, Postcode: &f.Postcode,
		Latitude: lat, Longitude: lon, Capacity: capacity,
		Skills: &f.Skills, Offers: &f.Offers, HomeFacts: &f.HomeFacts, AgeGroups: &f.AgeGroups,
		IfRevision: f.Revision,
	}
	if normaliseNewlines(f.StaffNotes) != normaliseNewlines(strings.TrimSpace(current.StaffNotes)) {
		p.StaffNotes = &f.StaffNotes
	}
	return p, errs
}

func normaliseNewlines(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

// hostFormErrors turns the service's errors about a host into the form's.
// A bad entry in a list ("skills[2]") belongs to the list's checkboxes.
func hostFormErrors(err error) (formErrors, bool) {
	errs, ok := errorsFrom(err, "name", hostFormFields)
	if !ok {
		return nil, false
	}
	for i, e := range errs {
		if base, _, found := strings.Cut(e.Field, "["); found {
			errs[i].Field = base
			if id, ok := hostFormFields[base]; ok {
				errs[i].Href = "#" + id
			}
		}
	}
	return errs, true
}

// hostChoices is a group of checkboxes on the host form.
type hostChoices struct {
	Name, Legend, Hint, Error string
	Items                     []hostChoice
}

type hostChoice struct {
	ID, Value, Label string
	Checked          bool
}

// choices lays out the form's checkbox groups from the service's
// vocabularies, ticking what was chosen.
func (f hostForm) choices(errs formErrors) []hostChoices {
	group := func(name, legend, hint string, vocabulary, chosen []string) hostChoices {
		g := hostChoices{Name: name, Legend: legend, Hint: hint, Error: errs.For(name)}
		for i, v := range vocabulary {
			id := name
			if i > 0 {
				id = name + "-" + v
			}
			ticked := false
			for _, c := range chosen {
				ticked = ticked || c == v
			}
			g.Items = append(g.Items, hostChoice{ID: id, Value: v, Label: words(v), Checked: ticked})
		}
		return g
	}
	return []hostChoices{
		group("offers", "Kinds of stay they offer", "Choose at least one.", sharedlives.Offers, f.Offers),
		group("age_groups", "Who they are approved to take", "Choose at least one.", sharedlives.AgeGroups, f.AgeGroups),
		group("skills", "Their skills and experience", "Choose any that apply.", sharedlives.Skills, f.Skills),
		group("home_facts", "Their home", "Choose any that apply.", sharedlives.HomeFacts, f.HomeFacts),
	}
}

// hostFormView is the add and change pages.
type hostFormView struct {
	layout
	Heading, Action, Button string
	Form                    hostForm
	Choices                 []hostChoices
	Fields                  map[string]hostTextField
	// Position describes the position on record, when changing a host.
	Position string
}

func (p *Pages) renderHostForm(c *fiber.Ctx, status int, v *hostFormView, errs formErrors) error {
	v.Title = v.Heading
	v.Errors = errs
	v.Choices = v.Form.choices(errs)
	v.Fields = v.Form.textFields(errs)
	return p.render(c, status, "hosts-form", v)
}

// hostTextField is one text box on the host form.
type hostTextField struct {
	ID, Label, Hint, Value, Err string
	Type, Mode, Complete, Width string
}

// textFields lays out the form's text boxes, by id.
func (f hostForm) textFields(errs formErrors) map[string]hostTextField {
	field := func(id, label, hint, value, width string) hostTextField {
		return hostTextField{ID: id, Label: label, Hint: hint, Value: value, Err: errs.For(id), Type: "text", Width: width}
	}
	name := field("name", "Name", "", f.Name, "")
	name.Complete = "off"
	mobile := field("mobile", "Mobile number", "For texts about guests, and to sign in. For example, 07700 900123.", f.Mobile, "govuk-input--width-20")
	mobile.Type, mobile.Complete = "tel", "off"
	postcode := field("postcode", "Postcode", "", f.Postcode, "govuk-input--width-10")
	postcode.Complete = "off"
	lat := field("latitude", "Latitude", "", f.Latitude, "govuk-input--width-10")
	lat.Mode = "decimal"
	lon := field("longitude", "Longitude", "", f.Longitude, "govuk-input--width-10")
	lon.Mode = "decimal"
	capacity := field("capacity", "How many guests they can take at once", "From 1 to 6.", f.Capacity, "govuk-input--width-2")
	capacity.Mode = "numeric"
	return map[string]hostTextField{"name": name, "mobile": mobile, "postcode": postcode, "latitude": lat, "longitude": lon, "capacity": capacity}
}
