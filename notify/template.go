// Package notify tells people what happened by SMS: bookings made, reminded
// and cancelled, emergency placements, and sign-in codes. A message is written
// to the outbox in the same transaction as the change that causes it, so none
// is lost; a dispatcher hands it to a Sender (Twilio, or the log sender), with
// retries and delivery receipts. Every text comes from a template here and says
// only a reference, a place's name, dates and a phone number. Texts the system
// starts on its own wait for daytime (08:00–20:00 London; see Timing), and a
// number that replied STOP gets nothing more except codes it asks for itself.
package notify

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
)

// Data is everything a message may say. It deliberately has no field for
// needs, diagnoses or the cared-for person's name: texts carry the reference,
// the place's name, dates and a phone number, nothing about anyone's care.
// Arrivals and Departures are lists of booking references, for a home's
// morning text.
type Data struct {
	Code      string        `json:"code,omitempty"`      // a sign-in code
	Reference string        `json:"reference,omitempty"` // booking reference, like "K7M-4QX"
	Place     string        `json:"place,omitempty"`     // care home or host's display name (hosts: first name only, callers' job)
	Arrive    calendar.Date `json:"arrive,omitzero"`
	Depart    calendar.Date `json:"depart,omitzero"`
	Phone     string        `json:"phone,omitempty"`   // a number to call, written for people ("0113 496 0000")
	Service   string        `json:"service,omitempty"` // the service's name, like "Leeds Carers Respite"
	// Arrivals and Departures are the references of the stays arriving at
	// and leaving a home on a day. They are lists, never missing: an empty
	// one reads "none", so every template may show them.
	Arrivals   []string `json:"arrivals,omitempty"`
	Departures []string `json:"departures,omitempty"`
}

// Template names. Each outbox message records its template's name, so a name
// once used must go on meaning the same kind of message.
const (
	TemplateSignInCode                = "sign_in_code"
	TemplateBookingConfirmed          = "booking_confirmed"
	TemplateBookingReminderWeek       = "booking_reminder_week"
	TemplateBookingReminderDay        = "booking_reminder_day"
	TemplateBookingCancelled          = "booking_cancelled"
	TemplateStayFollowUp              = "stay_follow_up"
	TemplateHostGuestBooked           = "host_guest_booked"
	TemplateHostGuestCancelled        = "host_guest_cancelled"
	TemplateHostAvailabilityNudge     = "host_availability_nudge"
	TemplateEmergencyPlacementPlace   = "emergency_placement_place"
	TemplateEmergencyPlacementContact = "emergency_placement_contact"
	TemplateHelpReply                 = "help_reply"
	TemplateMobileChangeCode          = "mobile_change_code"
	TemplateMobileChanged             = "mobile_changed"
	TemplateHomeStayBooked            = "home_stay_booked"
	TemplateHomeStayChanged           = "home_stay_changed"
	TemplateHomeStayCancelled         = "home_stay_cancelled"
	TemplateHomeDay                   = "home_day"
)

// ErrMissingField is returned by Render when a field the template needs is
// empty; its Fields name each one. (ErrUnknownTemplate is in message.go.)
var ErrMissingField = apperr.New(apperr.Invalid, "The message is missing details its template needs.")

// Timing is when a kind of text may go: at once, or only in the daytime
// (08:00–20:00 London). Quiet hours hold back only the texts the system
// starts on its own; a text answering what someone has just done goes at
// once, day or night, as does anything about tonight or tomorrow
// (design.md, "Texts and their timing").
type Timing int

// The timings. Each template names one; there is no default, so a new
// template cannot wake people at night, or keep someone waiting, by
// accident.
const (
	// Answer: the text answers what someone has just done (a booking
	// confirmed, a stay changed or cancelled, a sign-in code asked for,
	// HELP) or says someone is arriving tonight. Its reader is waiting for
	// it, or needs it now, so it goes at once, day or night.
	Answer Timing = iota + 1
	// SystemStarted: the system sends it of its own accord, on a schedule
	// (a reminder, a follow-up, a nudge). Nothing is lost by waiting, so it
	// waits for daytime and nobody is woken by it.
	SystemStarted
	// StayNotice: a care home or host is told about a stay that someone
	// else has just booked, changed or cancelled, or about the day's
	// arrivals. Nobody there is waiting for it, so it waits for daytime,
	// unless the stay is tonight or tomorrow (Outgoing.About): then the
	// home or host needs it now, to have the room ready.
	StayNotice
)

// String names a timing for logs and tests.
func (t Timing) String() string {
	switch t {
	case Answer:
		return "answer"
	case SystemStarted:
		return "system-started"
	case StayNotice:
		return "stay notice"
	}
	return "Timing(" + strconv.Itoa(int(t)) + ")"
}

// Template is one kind of text message.
type Template struct {
	Name string // one of the Template… constants
	// Timing says whether the text goes at once or waits for daytime.
	Timing Timing
	// Urgent texts go ahead of every other: the dispatcher keeps workers
	// for them alone, so a sign-in code never waits behind a queue of
	// reminders. Only an Answer can be urgent.
	Urgent bool
	// ReachesOptedOut lets the message go to a number that replied STOP.
	// Only codes do (to sign in, or to confirm a new mobile number): the
	// person asked for the code there and then.
	ReachesOptedOut bool
	// Needs lists the Data fields, by JSON name, that must be set. Render
	// refuses without them rather than send "call ." to a carer.
	Needs []string

	text *template.Template // parsed once, at start-up
}

// templates holds every message Respite sends, by name. When editing the
// texts: plain English and British spelling; straight quotes and apostrophes
// only (a curly ’ is not GSM-7 and makes the whole text cost twice as many
// segments or more); no care details and no links; end by saying how to get
// help. The tests check every text fits two segments with the longest values.
var templates = register([]struct {
	Template
	text string
}{
	{
		Template{Name: TemplateSignInCode, Timing: Answer, Urgent: true, ReachesOptedOut: true, Needs: []string{"service", "code"}},
		"Your {{.service}} sign-in code is {{.code}}. It works for 10 minutes. Do not share it with anyone. " +
			"If you did not ask for it, ignore this text.",
	},
	{
		// To the new number a carer has asked their texts to go to.
		Template{Name: TemplateMobileChangeCode, Timing: Answer, Urgent: true, ReachesOptedOut: true, Needs: []string{"service", "code"}},
		"Your code to confirm this number for {{.service}} is {{.code}}. It works for 10 minutes. " +
			"Do not share it with anyone. If you did not ask for it, ignore this text.",
	},
	{
		// To the old number, once the new one is confirmed: if someone else
		// changed it, this is how the carer finds out.
		Template{Name: TemplateMobileChanged, Timing: Answer, Urgent: true, Needs: []string{"service", "phone"}},
		"Your mobile number for {{.service}} was changed. If this was not you, call {{.phone}}.",
	},
	{
		Template{Name: TemplateBookingConfirmed, Timing: Answer, Needs: []string{"place", "arrive", "depart", "reference", "phone"}},
		"A respite stay is booked at {{.place}} from {{.arrive}} to {{.depart}}. Reference {{.reference}}. " +
			"For questions or changes, call {{.phone}}.",
	},
	{
		Template{Name: TemplateBookingReminderWeek, Timing: SystemStarted, Needs: []string{"place", "arrive", "depart", "reference", "phone"}},
		"Reminder: the respite stay at {{.place}} is from {{.arrive}} to {{.depart}}. Reference {{.reference}}. " +
			"If anything has changed, call {{.phone}}.",
	},
	{
		Template{Name: TemplateBookingReminderDay, Timing: SystemStarted, Needs: []string{"place", "arrive", "reference", "phone"}},
		"Reminder: the respite stay at {{.place}} starts tomorrow, {{.arrive}}. Reference {{.reference}}. " +
			"If you need anything, call {{.phone}}.",
	},
	{
		Template{Name: TemplateBookingCancelled, Timing: Answer, Needs: []string{"place", "arrive", "reference", "phone"}},
		"The respite stay at {{.place}} from {{.arrive}} (reference {{.reference}}) is cancelled. " +
			"To rebook, or if you did not expect this, call {{.phone}}.",
	},
	{
		// A reply is feedback on the stay (booking.HandleFeedbackReply):
		// a number is a rating, words a comment for staff.
		Template{Name: TemplateStayFollowUp, Timing: SystemStarted, Needs: []string{"reference", "phone"}},
		"We hope you had a good break. How did the stay go (reference {{.reference}})? " +
			"Reply 1 (poor) to 5 (very good), or tell us in a few words. Or call {{.phone}}.",
	},
	{
		Template{Name: TemplateHostGuestBooked, Timing: StayNotice, Needs: []string{"arrive", "depart", "reference", "phone"}},
		"Shared Lives: a guest is booked to stay with you from {{.arrive}} to {{.depart}}, reference {{.reference}}. " +
			"Sign in to see what you need to know, or call {{.phone}}.",
	},
	{
		Template{Name: TemplateHostGuestCancelled, Timing: StayNotice, Needs: []string{"arrive", "reference", "phone"}},
		"Shared Lives: the stay with you from {{.arrive}} (reference {{.reference}}) is cancelled. " +
			"If you have questions, call {{.phone}}.",
	},
	{
		Template{Name: TemplateHostAvailabilityNudge, Timing: SystemStarted, Needs: []string{"service"}},
		"{{.service}}: is your availability still right? Reply YES if it is, or sign in to change it.",
	},
	{
		Template{Name: TemplateEmergencyPlacementPlace, Timing: Answer, Urgent: true, Needs: []string{"arrive", "reference", "phone"}},
		"URGENT: an emergency placement is arriving {{.arrive}}, reference {{.reference}}. " +
			"The duty team will call you, or you can call them on {{.phone}}.",
	},
	{
		// To the contact a carer's emergency plan names, not to the carer
		// (who may be in hospital): so "the person they care for", not
		// "the person you care for".
		Template{Name: TemplateEmergencyPlacementContact, Timing: Answer, Urgent: true, Needs: []string{"place", "arrive", "reference", "phone"}},
		"A carer's emergency plan names you as a contact, and it has been used: the person they care for " +
			"is staying at {{.place}} from {{.arrive}}, ref {{.reference}}. Questions: call {{.phone}}.",
	},
	// To a care home's notifications mobile. Homes have no sign-in, so
	// each text says whom to call for who is coming and what they need;
	// the text itself names nobody. A home may share one mobile with
	// others in its group, so each names the home.
	{
		Template{Name: TemplateHomeStayBooked, Timing: StayNotice, Needs: []string{"place", "arrive", "depart", "reference", "phone"}},
		"Respite booking for {{.place}}: a stay from {{.arrive}} to {{.depart}}, reference {{.reference}}. " +
			"For who is coming and what they need, call {{.phone}}.",
	},
	{
		Template{Name: TemplateHomeStayChanged, Timing: StayNotice, Needs: []string{"place", "arrive", "depart", "reference", "phone"}},
		"Respite booking for {{.place}}: the stay with reference {{.reference}} has changed, and is now from " +
			"{{.arrive}} to {{.depart}}. Questions: call {{.phone}}.",
	},
	{
		Template{Name: TemplateHomeStayCancelled, Timing: StayNotice, Needs: []string{"place", "arrive", "reference", "phone"}},
		"Respite booking for {{.place}}: the stay from {{.arrive}}, reference {{.reference}}, is cancelled. " +
			"Questions: call {{.phone}}.",
	},
	{
		// Each morning, to a home with stays arriving or leaving that day.
		Template{Name: TemplateHomeDay, Timing: StayNotice, Needs: []string{"place", "phone"}},
		"Respite at {{.place}} today: arriving {{.arrivals}}; leaving {{.departures}}. For details, call {{.phone}}.",
	},
	{
		Template{Name: TemplateHelpReply, Timing: Answer, Urgent: true, Needs: []string{"service", "phone"}},
		"{{.service}}: for help, call {{.phone}}. Reply STOP to stop these texts, or START to get them again.",
	},
})

// register parses the texts. A broken text or a Needs entry that is not a
// Data field panics at start-up, which the tests catch long before a release.
func register(defs []struct {
	Template
	text string
}) map[string]Template {
	known := fields(Data{})
	m := make(map[string]Template, len(defs))
	for _, d := range defs {
		t := d.Template
		switch {
		case t.Timing < Answer || t.Timing > StayNotice:
			panic("notify: template " + t.Name + " does not say when it may be sent (its Timing)")
		case t.Urgent && t.Timing != Answer:
			panic("notify: template " + t.Name + " is urgent but waits for daytime")
		}
		for _, f := range t.Needs {
			if _, ok := known[f]; !ok {
				panic(fmt.Sprintf("notify: template %s needs %q, which is not a Data field", t.Name, f))
			}
		}
		if _, dup := m[t.Name]; dup {
			panic("notify: template " + t.Name + " is defined twice")
		}
		// missingkey=error: Render passes only the needed fields, so a text
		// that uses a field not listed in Needs fails instead of saying "<no value>".
		t.text = template.Must(template.New(t.Name).Option("missingkey=error").Parse(d.text))
		m[t.Name] = t
	}
	return m
}

// Lookup returns the template called name.
func Lookup(name string) (Template, bool) {
	t, ok := templates[name]
	t.Needs = slices.Clone(t.Needs) // the caller's copy to change
	return t, ok
}

// Templates returns every template, sorted by name.
func Templates() []Template {
	all := make([]Template, 0, len(templates))
	for _, name := range slices.Sorted(maps.Keys(templates)) {
		t, _ := Lookup(name)
		all = append(all, t)
	}
	return all
}

// Render writes the text of template name for d. It returns
// ErrUnknownTemplate for a name it does not know, and ErrMissingField, naming
// the fields, when one the template needs is empty.
//
// Values are tidied first (see tidy), so a long care home name or a name
// pasted from a word processor cannot push a text past two segments.
func Render(name string, d Data) (string, error) {
	t, ok := templates[name]
	if !ok {
		return "", ErrUnknownTemplate.Reason("There is no message template called %q.", name)
	}
	all := fields(d)
	needed := make(map[string]string, len(t.Needs))
	var missing []apperr.FieldError
	for _, f := range t.Needs {
		if all[f] == "" {
			missing = append(missing, apperr.FieldError{Field: f, Message: "Needed, but empty."})
			continue
		}
		needed[f] = all[f]
	}
	for _, f := range listFields {
		needed[f] = all[f] // never missing: an empty list reads "none"
	}
	if len(missing) > 0 {
		e := ErrMissingField.Reason("The %s message is missing details its template needs.", name)
		e.Fields = missing
		return "", e
	}
	var b strings.Builder
	if err := t.text.Execute(&b, needed); err != nil {
		// Only a text using a field missing from its Needs gets here.
		return "", apperr.Wrapf(err, "rendering %s", name)
	}
	return b.String(), nil
}

// fields returns d's values by JSON name, tidied for SMS. The caps (in
// runes) keep every template within two GSM segments whatever the values:
// a shortened place name is better than a text that costs more or arrives
// in pieces.
func fields(d Data) map[string]string {
	return map[string]string{
		"code":       tidy(d.Code, 8),
		"reference":  tidy(d.Reference, 12),
		"place":      tidy(d.Place, 40),
		"arrive":     shortDate(d.Arrive),
		"depart":     shortDate(d.Depart),
		"phone":      tidy(d.Phone, 20),
		"service":    tidy(d.Service, 30),
		"arrivals":   references(d.Arrivals, 60),
		"departures": references(d.Departures, 60),
	}
}

// listFields are the Data fields that are lists: Render passes them to
// every template, since an empty list is "none", not missing.
var listFields = []string{"arrivals", "departures"}

// references writes booking references for a text, "K7M-4QX, P3R-8TW", or
// "none" for no references. Past limit runes it ends at a whole reference
// and says how many more there are ("K7M-4QX, P3R-8TW and 6 more"): a busy
// home's morning text still fits two segments, and staff pages have the
// full list.
func references(refs []string, limit int) string {
	if len(refs) == 0 {
		return "none"
	}
	tidied := make([]string, len(refs))
	for i, r := range refs {
		tidied[i] = tidy(r, 12)
	}
	for n := len(tidied); ; n-- {
		s := strings.Join(tidied[:n], ", ")
		if n < len(tidied) {
			s += " and " + strconv.Itoa(len(tidied)-n) + " more"
		}
		if n == 1 || len([]rune(s)) <= limit {
			return s
		}
	}
}

// shortDate writes d as "Sat 3 Apr", or "" for the zero Date so that a
// missing date counts as missing.
func shortDate(d calendar.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.Short()
}

// lookalikes swaps characters that are not GSM-7 for the GSM ones people
// meant. Names typed in word processors bring curly quotes and dashes with
// them, and one such character makes the whole text UCS-2. Letters are left
// alone: a person's or place's name is theirs to spell.
var lookalikes = strings.NewReplacer(
	"‘", "'", "’", "'", "‚", "'", "‛", "'", "′", "'",
	"“", `"`, "”", `"`, "„", `"`, "‟", `"`, "″", `"`,
	"‐", "-", "‑", "-", "‒", "-", "–", "-", "—", "-", "―", "-", "−", "-",
	"…", "...",
	"\u00ad", "", "\u200b", "", "\u200c", "", "\u200d", "", "\u2060", "", "\ufeff", "", // invisible
)

// tidy prepares a value for a text: look-alike characters swapped, runs of
// whitespace (newlines, non-breaking spaces) made one space, and anything
// longer than limit runes cut, ending "...".
func tidy(s string, limit int) string {
	// strings.Fields splits on every Unicode space, non-breaking ones included.
	s = strings.Join(strings.Fields(lookalikes.Replace(s)), " ")
	r := []rune(s)
	if len(r) <= limit {
		return s
	}
	return strings.TrimRight(string(r[:limit-3]), " ") + "..."
}
