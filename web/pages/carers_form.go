package pages

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/revision"
)

// The carer form, shared by registering a carer and changing their record.

// carerForm is the carer form as typed.
type carerForm struct {
	Name, Mobile, Email, Postcode, Latitude, Longitude, AllowanceNights string
	AllowanceStarts                                                     dateForm
	EmergencyCard, EmergencyPlan, ContactName, ContactPhone             string
	// Revision is the record's revision when the form was filled in
	// (revision.Of), sent back in a hidden input: empty when registering.
	Revision string
}

// carerFields maps the booking service's field names to the form's inputs.
var carerFields = map[string]string{
	"name": "name", "mobile": "mobile", "email": "email", "postcode": "postcode", "latitude": "latitude", "longitude": "longitude",
	"allowance_nights": "allowance-nights", "allowance_year_starts": "allowance-starts-day", "emergency_card": "emergency-card",
	"emergency_plan": "emergency-plan", "emergency_contact_name": "emergency-contact-name", "emergency_contact_phone": "emergency-contact-phone",
}

func readCarerForm(c *fiber.Ctx) carerForm {
	return carerForm{
		Name: form(c, "name"), Mobile: form(c, "mobile"), Email: form(c, "email"), Postcode: form(c, "postcode"),
		Latitude: form(c, "latitude"), Longitude: form(c, "longitude"), AllowanceNights: form(c, "allowance-nights"),
		AllowanceStarts: readDate(c, "allowance-starts"), EmergencyCard: form(c, "emergency-card"), EmergencyPlan: form(c, "emergency-plan"),
		ContactName: form(c, "emergency-contact-name"), ContactPhone: form(c, "emergency-contact-phone"),
		Revision: form(c, "revision"),
	}
}

func carerFormOf(cr booking.Carer) carerForm {
	return carerForm{
		Name: cr.Name, Mobile: cr.Mobile, Email: carersDeref(cr.Email), Postcode: cr.Postcode,
		Latitude: strconv.FormatFloat(cr.Latitude, 'f', -1, 64), Longitude: strconv.FormatFloat(cr.Longitude, 'f', -1, 64),
		AllowanceNights: strconv.Itoa(cr.AllowanceNights), AllowanceStarts: dateFormOf(cr.AllowanceYearStarts),
		EmergencyCard: carersDeref(cr.EmergencyCard), EmergencyPlan: cr.EmergencyPlan, ContactName: cr.EmergencyContactName, ContactPhone: carersDeref(cr.EmergencyContactPhone),
		Revision: revision.Of(cr.UpdatedAt),
	}
}

func carersDeref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// carerValues are the form's numbers and date, read.
type carerValues struct {
	lat, lon *float64
	nights   *int
	starts   calendar.Date
}

// read reads the numbers and the date. A number left out is nil, for the
// service to ask for (or to fill in, for a position and a postcode lookup).
func (f *carerForm) read() (carerValues, formErrors) {
	var v carerValues
	var errs, e formErrors
	v.lat, e = readCoordinate("latitude", f.Latitude, "53.8008")
	errs = append(errs, e...)
	v.lon, e = readCoordinate("longitude", f.Longitude, "-1.5491")
	errs = append(errs, e...)
	if f.AllowanceNights != "" {
		n, err := strconv.Atoi(f.AllowanceNights)
		if err != nil {
			errs = append(errs, pageError("allowance_nights", "allowance-nights", "Enter the allowance as a whole number of nights, like 28.")...)
		} else {
			v.nights = &n
		}
	}
	v.starts, e = f.AllowanceStarts.parse("allowance_year_starts", "allowance-starts", "the date the allowance year starts")
	errs = append(errs, e...)
	return v, errs
}

func (f *carerForm) input() (booking.CarerInput, formErrors) {
	v, errs := f.read()
	return booking.CarerInput{
		Name: f.Name, Mobile: f.Mobile, Email: &f.Email, Postcode: f.Postcode, Latitude: v.lat, Longitude: v.lon,
		AllowanceNights: v.nights, AllowanceYearStarts: v.starts, EmergencyCard: &f.EmergencyCard, EmergencyPlan: f.EmergencyPlan,
		EmergencyContactName: f.ContactName, EmergencyContactPhone: &f.ContactPhone,
	}, errs
}

func (f *carerForm) patch() (booking.CarerPatch, formErrors) {
	v, errs := f.read()
	p := booking.CarerPatch{
		Name: &f.Name, Mobile: &f.Mobile, Email: &f.Email, Postcode: &f.Postcode, Latitude: v.lat, Longitude: v.lon,
		AllowanceNights: v.nights, EmergencyCard: &f.EmergencyCard, EmergencyPlan: &f.EmergencyPlan,
		EmergencyContactName: &f.ContactName, EmergencyContactPhone: &f.ContactPhone,
		IfRevision: f.Revision,
	}
	if !v.starts.IsZero() {
		p.AllowanceYearStarts = &v.starts
	}
	return p, errs
}

type carerFormView struct {
	layout
	fieldsView
	Form                    carerForm
	Action, Heading, Button string
}

func newCarerFormView(f carerForm, errs formErrors) *carerFormView {
	v := &carerFormView{Form: f}
	v.Errors = errs
	v.fieldsView = fieldsView{&v.Errors}
	return v
}
