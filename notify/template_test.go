package notify_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/notify"
)

// ordinary is what a typical message carries.
func ordinary() notify.Data {
	return notify.Data{
		Code:      "482913",
		Reference: "K7M-4QX",
		Place:     "Oakwood House",
		Arrive:    calendar.Date{Year: 2027, Month: 4, Day: 3}, // Sat 3 Apr
		Depart:    calendar.Date{Year: 2027, Month: 4, Day: 5}, // Mon 5 Apr
		Phone:     "0113 496 0000",
		Service:   "Leeds Carers Respite",
		Arrivals:  []string{"K7M-4QX", "P3R-8TW"},
	}
}

// exactly returns s repeated and cut to n runes.
func exactly(n int, s string) string {
	r := []rune(strings.Repeat(s, n/len([]rune(s))+1))
	return string(r[:n])
}

func TestTemplates_fitTwoSegments(t *testing.T) {
	longest := notify.Data{
		// Pasted from a word processor: curly quotes and an em dash.
		Place:     exactly(200, "St Mary’s “Rose Garden” Residential and Nursing Home — Respite Wing, "),
		Service:   exactly(100, "Leeds City Council Adult Social Care Carers Short Breaks Service "),
		Reference: exactly(20, "K7M-4QX-"),
		Phone:     exactly(30, "+44 (0)113 496 0000 ext 12345 "),
		Code:      "48291375",
		Arrive:    calendar.Date{Year: 2027, Month: 9, Day: 29}, // Wed 29 Sep: the widest Short form
		Depart:    calendar.Date{Year: 2027, Month: 10, Day: 13},
		// A busy morning at a big home. References are Respite's own
		// (letters, digits and a hyphen), so lists of them are plain GSM.
		Arrivals:   manyReferences(30),
		Departures: manyReferences(30),
	}
	// The worst case for GSM-7: every character an extension one, two septets each.
	doubled := notify.Data{
		Place:      strings.Repeat("€", 200),
		Service:    strings.Repeat("{", 100),
		Reference:  strings.Repeat("[", 20),
		Phone:      strings.Repeat("|", 30),
		Code:       strings.Repeat("~", 8),
		Arrive:     longest.Arrive,
		Depart:     longest.Depart,
		Arrivals:   longest.Arrivals,
		Departures: longest.Departures,
	}
	for _, tc := range []struct {
		name string
		data notify.Data
	}{{"longest values", longest}, {"extension characters", doubled}} {
		for _, tmpl := range notify.Templates() {
			t.Run(tc.name+"/"+tmpl.Name, func(t *testing.T) {
				body, err := notify.Render(tmpl.Name, tc.data)
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				if !notify.IsGSM7(body) {
					t.Errorf("body is not GSM-7, so it would go as UCS-2: %q", body)
				}
				if n := notify.Segments(body); n > 2 {
					t.Errorf("body needs %d segments, want at most 2: %q", n, body)
				}
			})
		}
	}
}

// manyReferences returns n references of the longest kind a text shows.
func manyReferences(n int) []string {
	refs := make([]string, n)
	for i := range refs {
		refs[i] = "K7M-4QX-" + strings.Repeat("W", 4)
	}
	return refs
}

func TestRender_golden(t *testing.T) {
	tests := []struct {
		name string
		want string
	}{
		{notify.TemplateSignInCode, "Your Leeds Carers Respite sign-in code is 482913. It works for 10 minutes. " +
			"Do not share it with anyone. If you did not ask for it, ignore this text."},
		{notify.TemplateMobileChangeCode, "Your code to confirm this number for Leeds Carers Respite is 482913. " +
			"It works for 10 minutes. Do not share it with anyone. If you did not ask for it, ignore this text."},
		{notify.TemplateMobileChanged, "Your mobile number for Leeds Carers Respite was changed. " +
			"If this was not you, call 0113 496 0000."},
		{notify.TemplateBookingConfirmed, "A respite stay is booked at Oakwood House from Sat 3 Apr to Mon 5 Apr. " +
			"Reference K7M-4QX. For questions or changes, call 0113 496 0000."},
		// Worded for the contact, who is not the carer.
		{notify.TemplateEmergencyPlacementContact, "A carer's emergency plan names you as a contact, and it has been used: " +
			"the person they care for is staying at Oakwood House from Sat 3 Apr, ref K7M-4QX. Questions: call 0113 496 0000."},
		{notify.TemplateHomeStayBooked, "Respite booking for Oakwood House: a stay from Sat 3 Apr to Mon 5 Apr, reference K7M-4QX. " +
			"For who is coming and what they need, call 0113 496 0000."},
		{notify.TemplateHomeStayChanged, "Respite booking for Oakwood House: the stay with reference K7M-4QX has changed, " +
			"and is now from Sat 3 Apr to Mon 5 Apr. Questions: call 0113 496 0000."},
		{notify.TemplateHomeStayCancelled, "Respite booking for Oakwood House: the stay from Sat 3 Apr, reference K7M-4QX, " +
			"is cancelled. Questions: call 0113 496 0000."},
		// A reply is feedback: a rating or words.
		{notify.TemplateStayFollowUp, "We hope you had a good break. How did the stay go (reference K7M-4QX)? " +
			"Reply 1 (poor) to 5 (very good), or tell us in a few words. Or call 0113 496 0000."},
		{notify.TemplateHomeDay, "Respite at Oakwood House today: arriving K7M-4QX, P3R-8TW; leaving none. " +
			"For details, call 0113 496 0000."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := notify.Render(tt.name, ordinary())
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got != tt.want {
				t.Errorf("Render(%s)\n got %q\nwant %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestRender_tidiesValues(t *testing.T) {
	tests := []struct {
		name  string
		place string
		want  string // the place as the text shows it
	}{
		{"curly quotes, dashes and odd spaces", "  St Mary’s\u00a0House —\n“Rose”\tannexe \u2013 Ward\u200b 2 ",
			`St Mary's House - "Rose" annexe - Ward 2`},
		{"40 runes kept whole", exactly(40, "Abcdefghij"), exactly(40, "Abcdefghij")},
		{"41 runes cut to 40", exactly(41, "Abcdefghij"), exactly(37, "Abcdefghij") + "..."},
		{"no space before the dots", strings.Repeat("a", 36) + " Lodge Care Home", strings.Repeat("a", 36) + "..."},
		{"letters outside GSM left alone", "T\u0177 Gwyn", "T\u0177 Gwyn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ordinary()
			d.Place = tt.place
			got, err := notify.Render(notify.TemplateEmergencyPlacementContact, d)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if want := "staying at " + tt.want + " from"; !strings.Contains(got, want) {
				t.Errorf("Render = %q, want it to contain %q", got, want)
			}
		})
	}
}

// jsonName returns the JSON name of a struct field.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

func TestData_carriesNoCareDetails(t *testing.T) {
	want := []string{
		"Code string code",
		"Reference string reference",
		"Place string place",
		"Arrive calendar.Date arrive",
		"Depart calendar.Date depart",
		"Phone string phone",
		"Service string service",
		// Booking references, for a home's morning list: no more than
		// the reference field says.
		"Arrivals []string arrivals",
		"Departures []string departures",
	}
	var got []string
	typ := reflect.TypeFor[notify.Data]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		got = append(got, f.Name+" "+f.Type.String()+" "+jsonName(f))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("notify.Data fields changed (-want +got):\n%s\n"+
			"Texts may carry only a reference, a place's name, dates, a phone number, a sign-in code and "+
			"the service's name (design.md, rule 6). A text is read on lock screens and shared phones and "+
			"kept in the provider's logs, so a field for needs, requirements, diagnoses, medication or the "+
			"cared-for person's name must never be added here. If the new field is none of those, agree it "+
			"with the team and update this test.", diff)
	}
}

func TestTemplates_sayNothingAboutCare(t *testing.T) {
	forbidden := []string{
		"dementia", "epilepsy", "autism", "diagnosis", "learning disability", "medication", "wheelchair", "hoist",
		"http", "www.", // no links either: none is ever given
	}
	for _, tmpl := range notify.Templates() {
		t.Run(tmpl.Name, func(t *testing.T) {
			body, err := notify.Render(tmpl.Name, ordinary())
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			lower := strings.ToLower(body)
			for _, w := range forbidden {
				if strings.Contains(lower, w) {
					t.Errorf("body contains %q: %q", w, body)
				}
			}
		})
	}
}

// without returns d with the field called name (JSON) set to its zero value.
func without(t *testing.T, d notify.Data, name string) notify.Data {
	t.Helper()
	v := reflect.ValueOf(&d).Elem()
	for i := range v.NumField() {
		if jsonName(v.Type().Field(i)) == name {
			v.Field(i).SetZero()
			return d
		}
	}
	t.Fatalf("notify.Data has no field %q", name)
	return d
}

func TestRender_missingField(t *testing.T) {
	for _, tmpl := range notify.Templates() {
		if len(tmpl.Needs) == 0 {
			t.Errorf("%s needs no fields; every text needs something to say", tmpl.Name)
		}
		for _, field := range tmpl.Needs {
			t.Run(tmpl.Name+"/"+field, func(t *testing.T) {
				_, err := notify.Render(tmpl.Name, without(t, ordinary(), field))
				if !errors.Is(err, notify.ErrMissingField) {
					t.Fatalf("Render without %s: err = %v, want ErrMissingField", field, err)
				}
				if !strings.Contains(err.Error(), field) {
					t.Errorf("error %q does not name the missing field %q", err, field)
				}
				e, _ := apperr.As(err)
				if len(e.Fields) != 1 || e.Fields[0].Field != field {
					t.Errorf("error fields = %+v, want just %q", e.Fields, field)
				}
			})
		}
	}

	t.Run("whitespace is missing", func(t *testing.T) {
		d := ordinary()
		d.Phone = " \n\u00a0"
		_, err := notify.Render(notify.TemplateHelpReply, d)
		if !errors.Is(err, notify.ErrMissingField) || !strings.Contains(err.Error(), "phone") {
			t.Errorf("err = %v, want ErrMissingField naming phone", err)
		}
	})

	t.Run("every missing field named", func(t *testing.T) {
		_, err := notify.Render(notify.TemplateBookingConfirmed, notify.Data{Place: "Oakwood House"})
		if !errors.Is(err, notify.ErrMissingField) {
			t.Fatalf("err = %v, want ErrMissingField", err)
		}
		for _, f := range []string{"arrive", "depart", "reference", "phone"} {
			if !strings.Contains(err.Error(), f) {
				t.Errorf("error %q does not name %q", err, f)
			}
		}
	})
}

func TestRender_usesEveryNeededField(t *testing.T) {
	// Needs must list what the text says and nothing more, or a message
	// would be refused for lack of a value it never shows. (A text using a
	// field left out of Needs fails to render at all: see missingkey=error.)
	d := ordinary()
	shown := map[string]string{
		"code": d.Code, "reference": d.Reference, "place": d.Place, "arrive": d.Arrive.Short(),
		"depart": d.Depart.Short(), "phone": d.Phone, "service": d.Service,
	}
	for _, tmpl := range notify.Templates() {
		t.Run(tmpl.Name, func(t *testing.T) {
			body, err := notify.Render(tmpl.Name, d)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			for _, f := range tmpl.Needs {
				if !strings.Contains(body, shown[f]) {
					t.Errorf("needs %s but does not show %q: %q", f, shown[f], body)
				}
			}
		})
	}
}

func TestRender_unknownTemplate(t *testing.T) {
	_, err := notify.Render("booking_confirmd", ordinary())
	if !errors.Is(err, notify.ErrUnknownTemplate) {
		t.Errorf("err = %v, want ErrUnknownTemplate", err)
	}
	if _, ok := notify.Lookup("booking_confirmd"); ok {
		t.Errorf("Lookup found a template that does not exist")
	}
}

func TestTemplates_list(t *testing.T) {
	want := []string{
		notify.TemplateBookingCancelled,
		notify.TemplateBookingConfirmed,
		notify.TemplateBookingReminderDay,
		notify.TemplateBookingReminderWeek,
		notify.TemplateEmergencyPlacementContact,
		notify.TemplateEmergencyPlacementPlace,
		notify.TemplateHelpReply,
		notify.TemplateHomeDay,
		notify.TemplateHomeStayBooked,
		notify.TemplateHomeStayCancelled,
		notify.TemplateHomeStayChanged,
		notify.TemplateHostAvailabilityNudge,
		notify.TemplateHostGuestBooked,
		notify.TemplateHostGuestCancelled,
		notify.TemplateMobileChangeCode,
		notify.TemplateMobileChanged,
		notify.TemplateSignInCode,
		notify.TemplateStayFollowUp,
	}
	var got []string
	for _, tmpl := range notify.Templates() {
		got = append(got, tmpl.Name)
		if l, ok := notify.Lookup(tmpl.Name); !ok || l.Name != tmpl.Name {
			t.Errorf("Lookup(%q) = %q, %v", tmpl.Name, l.Name, ok)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Templates() names, sorted (-want +got):\n%s", diff)
	}
}

func TestTemplates_urgencyAndOptOut(t *testing.T) {
	var urgent, reachesOptedOut []string
	for _, tmpl := range notify.Templates() {
		if tmpl.Urgent {
			urgent = append(urgent, tmpl.Name)
		}
		if tmpl.ReachesOptedOut {
			reachesOptedOut = append(reachesOptedOut, tmpl.Name)
		}
	}
	// Only these may wake someone at night.
	wantUrgent := []string{
		notify.TemplateEmergencyPlacementContact,
		notify.TemplateEmergencyPlacementPlace,
		notify.TemplateHelpReply,
		notify.TemplateMobileChangeCode, // answers what the carer has just done
		notify.TemplateMobileChanged,    // likewise, and a warning if it was not them
		notify.TemplateSignInCode,
	}
	slices.Sort(wantUrgent)
	if diff := cmp.Diff(wantUrgent, urgent); diff != "" {
		t.Errorf("urgent templates (-want +got):\n%s", diff)
	}
	// STOP must mean stop: only a code the person has just asked for gets through.
	if diff := cmp.Diff([]string{notify.TemplateMobileChangeCode, notify.TemplateSignInCode}, reachesOptedOut); diff != "" {
		t.Errorf("templates that reach opted-out numbers (-want +got):\n%s", diff)
	}
}

// TestTemplates_timing: quiet hours hold back only the texts the system
// starts on its own, and notices to homes and hosts (which wait only when
// the stay is more than a day away). Everything else answers what someone
// has just done, and goes at once.
func TestTemplates_timing(t *testing.T) {
	got := map[notify.Timing][]string{}
	for _, tmpl := range notify.Templates() {
		got[tmpl.Timing] = append(got[tmpl.Timing], tmpl.Name)
		if tmpl.Urgent && tmpl.Timing != notify.Answer {
			t.Errorf("%s is urgent but %s", tmpl.Name, tmpl.Timing)
		}
	}
	want := map[notify.Timing][]string{
		notify.SystemStarted: {
			notify.TemplateBookingReminderDay,
			notify.TemplateBookingReminderWeek,
			notify.TemplateHostAvailabilityNudge,
			notify.TemplateStayFollowUp,
		},
		notify.StayNotice: {
			notify.TemplateHomeDay,
			notify.TemplateHomeStayBooked,
			notify.TemplateHomeStayCancelled,
			notify.TemplateHomeStayChanged,
			notify.TemplateHostGuestBooked,
			notify.TemplateHostGuestCancelled,
		},
		notify.Answer: {
			notify.TemplateBookingCancelled,
			notify.TemplateBookingConfirmed, // also a change, as the stay now stands
			notify.TemplateEmergencyPlacementContact,
			notify.TemplateEmergencyPlacementPlace,
			notify.TemplateHelpReply,
			notify.TemplateMobileChangeCode,
			notify.TemplateMobileChanged,
			notify.TemplateSignInCode,
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("templates by timing (-want +got):\n%s", diff)
	}
}

func TestRender_referenceLists(t *testing.T) {
	tests := []struct {
		name       string
		arrivals   []string
		departures []string
		want       string
	}{
		{"arrivals only", []string{"K7M-4QX"}, nil, "arriving K7M-4QX; leaving none."},
		{"departures only", nil, []string{"K7M-4QX", "P3R-8TW"}, "arriving none; leaving K7M-4QX, P3R-8TW."},
		{"too many to list", nil, []string{"AAA-AAAA", "BBB-BBBB", "CCC-CCCC", "DDD-DDDD", "EEE-EEEE", "FFF-FFFF", "GGG-GGGG", "HHH-HHHH"},
			"leaving AAA-AAAA, BBB-BBBB, CCC-CCCC, DDD-DDDD, EEE-EEEE and 3 more."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ordinary()
			d.Arrivals, d.Departures = tt.arrivals, tt.departures
			got, err := notify.Render(notify.TemplateHomeDay, d)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("Render = %q, want it to contain %q", got, tt.want)
			}
		})
	}
}
