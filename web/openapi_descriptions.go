package web

import (
	"sort"

	"github.com/invopop/jsonschema"
)

// describeSchemas gives every property of the document's schemas its
// description: what it means and, for a number, its unit. schemas are the
// components/schemas the reflector produced (*jsonschema.Schema values),
// plus Problem and FieldError (maps). A description a struct tag or a
// JSONSchemaExtend already set is left as it is.
func describeSchemas(schemas map[string]any) {
	for name, s := range schemas {
		switch s := s.(type) {
		case *jsonschema.Schema:
			describeReflected(name, s)
		case map[string]any:
			describeMap(name, s)
		}
	}
}

// describeReflected describes the properties of s, the schema named name,
// and those of any object written inline inside it (a property's own
// properties, or a list's items), which are named "Schema.property".
func describeReflected(name string, s *jsonschema.Schema) {
	if s == nil {
		return
	}
	if s.Properties != nil {
		for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
			p := pair.Value
			if p == nil {
				continue
			}
			if p.Description == "" {
				p.Description, _ = propertyDescription(name, pair.Key)
			}
			describeReflected(name+"."+pair.Key, p)
		}
	}
	describeReflected(name, s.Items)
	for _, sub := range [][]*jsonschema.Schema{s.AnyOf, s.OneOf, s.AllOf} {
		for _, x := range sub {
			describeReflected(name, x)
		}
	}
}

// describeMap is describeReflected for a schema written by hand as a map.
func describeMap(name string, s map[string]any) {
	if props, ok := s["properties"].(map[string]any); ok {
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p, ok := props[k].(map[string]any)
			if !ok {
				continue
			}
			if d, _ := p["description"].(string); d == "" {
				if text, _ := propertyDescription(name, k); text != "" {
					p["description"] = text
				}
			}
			describeMap(name+"."+k, p)
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		describeMap(name, items)
	}
	for _, key := range []string{"anyOf", "oneOf", "allOf"} {
		list, _ := s[key].([]any)
		for _, x := range list {
			if m, ok := x.(map[string]any); ok {
				describeMap(name, m)
			}
		}
	}
}

// propertyDescription is the description of property in the schema named
// schema, and the key of the table entry it comes from: the schema's own
// entry ("Schema.property") when there is one, otherwise the shared one
// ("property"). Both are "" when neither table has it.
func propertyDescription(schema, property string) (text, key string) {
	if t, ok := schemaDescriptions[schema+"."+property]; ok {
		return t, schema + "." + property
	}
	if t, ok := descriptions[property]; ok {
		return t, property
	}
	return "", ""
}

// descriptions describe properties by their JSON name, wherever the name
// means the same thing. Each is one sentence for a developer integrating
// with the service: what the field means, its unit or format, what each
// item of a list is, and what null or absence means. Values a schema lists
// in an enum are not listed again.
var descriptions = map[string]string{
	// Records.
	"id":          "The record's id: a positive whole number, unique among records of its kind.",
	"created_at":  "When the record was created, as an RFC 3339 instant.",
	"updated_at":  "When the record was last changed, as an RFC 3339 instant.",
	"items":       "The records on this page, one record an item, in the list's order.",
	"next_cursor": "The cursor for the next page, to send as ?cursor=; absent on the last page.",

	// People and homes.
	"name":                            "Their full name.",
	"first_name":                      "The guest's first name only.",
	"mobile":                          "Their mobile number, where texts and sign-in codes go: written any UK way in a request (07700 900123), and in E.164 in an answer (+447700900123).",
	"mobile_display":                  "The mobile number as people write it (07700 900123), for showing.",
	"phone_display":                   "The phone number as people write it (0113 496 0000), for showing.",
	"email":                           "The email address the member of staff signs in with, kept in lower case.",
	"postcode":                        "The home's UK postcode, which answers write in capitals with one space (LS1 4AP).",
	"latitude":                        "The home's latitude in decimal degrees (WGS 84), from which distances to places are measured.",
	"longitude":                       "The home's longitude in decimal degrees (WGS 84), from which distances to places are measured.",
	"address":                         "The care home's postal address.",
	"date_of_birth":                   "The person's date of birth (YYYY-MM-DD), which decides whether they stay as a child or an adult.",
	"needs":                           "What the person needs care for, one need an item; places are matched to them by bed type and specialism, or by a host's skills.",
	"requirements":                    "What the person's room or home must have, or must not have, one requirement an item; matched against a bed's features or a host's home facts.",
	"staff_notes":                     "Notes for staff only, never shown to carers or hosts.",
	"allowance_nights":                "The respite nights the carer may book in each allowance year, from their carer's assessment, in nights (0 to 366).",
	"allowance_year_starts":           "The date the carer's allowance years count from, a civil date (YYYY-MM-DD): each allowance year starts on its anniversary.",
	"emergency_card":                  "The number on the carer's emergency card (4 to 20 capital letters, digits or dashes, such as LCC-04521), or null when they have none.",
	"emergency_plan":                  "What duty staff should do if the carer is suddenly unable to care; empty when there is no plan.",
	"emergency_contact_name":          "Whom duty staff should ring in an emergency, given together with emergency_contact_phone; empty when there is nobody.",
	"emergency_contact_phone":         "The emergency contact's phone number in E.164 (+447700900123), or null when there is none.",
	"emergency_contact_phone_display": "The emergency contact's phone number as people write it (07700 900123), or null when there is none.",
	"emergency_contact":               "Whom duty staff should ring in an emergency.",
	"role":                            "The member of staff's role, which decides what they may do: admins run care homes, contracts, staff and reports, duty staff bookings and emergencies, and coordinators shared-lives hosts.",

	// Care homes.
	"provider_id":          "The id of the care home it belongs to.",
	"contract_id":          "The id of the home's contract the bed is bought under.",
	"label":                "The bed's name in its home, such as Room 4, unique within the home.",
	"bed_type":             "The kind of care the bed is registered for, matched to the person's needs.",
	"features":             "What the bed or its room has, one feature an item; matched against a person's requirements.",
	"emergency_reserved":   "Whether the bed is kept back for duty staff placing someone in an emergency: carers never see it when they book ahead.",
	"phone":                "The care home's main phone number, for staff to ring: written any UK way in a request, and in E.164 in an answer (+441134960000).",
	"notifications_mobile": "The mobile the home is texted on about its stays (booked, changed, cancelled, and each morning's arrivals and departures), in E.164; empty when it has none and staff ring it instead.",
	"bed_types":            "The kinds of bed the home is registered to provide, one bed type an item.",
	"specialisms":          "The needs the home is equipped and trained to meet, one need an item; matched to a person's needs.",
	"age_groups":           "Who the home may take, one age group an item (children's units are registered separately).",

	// Shared-lives hosts.
	"capacity":                  "How many guests the host can take at once (1 to 6).",
	"skills":                    "The host's training and experience, one skill an item; matched to a guest's needs.",
	"offers":                    "The kinds of stay the host takes, one an item; only hosts who offer emergency care are offered for emergencies.",
	"home_facts":                "Facts about the host's home, one fact an item, matched against a guest's requirements (pets rule out someone who needs no_pets).",
	"approved_on":               "The date the host's approval runs from (YYYY-MM-DD), or null until they are first approved.",
	"review_due":                "The date the host's approval review is due (YYYY-MM-DD), 12 months after approved_on; past it the host is not bookable; null until they are first approved.",
	"bookable":                  "Whether the host can be offered for stays today: approved, with the approval review not overdue.",
	"availability_confirmed_at": "When the host last confirmed their calendar, as an RFC 3339 instant, or null if they never have.",
	"availability_stale":        "Whether the calendar has gone unconfirmed for over 60 days (or never was confirmed), so that it should be checked with the host before anyone relies on it.",
	"confirmed_at":              "When the host last confirmed their calendar, as an RFC 3339 instant, or null if they never have.",
	"stale":                     "Whether the calendar has gone unconfirmed for over 60 days (or never was confirmed), so that it should be checked with the host before anyone relies on it.",
	"booking_reference":         "The stay's booking reference, to quote to the council.",

	// Stays.
	"arrive":                   "The arrival date, a civil date in Europe/London (YYYY-MM-DD): the first night of the stay.",
	"depart":                   "The departure date, a civil date in Europe/London (YYYY-MM-DD): the morning the stay ends, which is not itself one of its nights.",
	"nights":                   "The length of the stay in nights: depart minus arrive.",
	"nightly_rate_pence":       "The nightly rate the stay was booked at, from its place's contract, in pence (12500 is £125.00); 0 for a shared-lives host.",
	"person_id":                "The id of the cared-for person who stays.",
	"carer_id":                 "The id of the carer who looks after the person who stays.",
	"booking_id":               "The id of the stay's booking.",
	"place":                    "Where the person stays: a care home bed or a shared-lives host.",
	"place_kind":               "The kind of place: bed for a care home bed, host for a shared-lives host.",
	"place_id":                 "The id of the bed or the host.",
	"person_name":              "The cared-for person's name.",
	"reference":                "The booking reference: six letters and digits with a dash (K7M-4QX), never 0, O, 1 or I, to read out on the phone and quote in texts.",
	"status":                   "Whether the booking stands (confirmed, which a stay ended early still is) or has been called off (cancelled).",
	"kind":                     "How the stay was booked: planned, ahead of time, or emergency, placed by duty staff.",
	"created_by":               "Who made the booking: the carer, or a member of staff.",
	"created_by_kind":          "Who made it: staff or carer.",
	"created_by_id":            "The id of the member of staff or carer who made it.",
	"cancelled_at":             "When the booking was cancelled, as an RFC 3339 instant; absent unless it is cancelled.",
	"cancelled_by":             "Who cancelled the booking; absent unless it is cancelled.",
	"cancel_reason":            "Why the booking was cancelled, as given; absent unless it is cancelled and a reason was given.",
	"allowance_restored":       "Present only on a cancelled booking: true when its nights went back to the carer's allowance, false when policy kept them counted (a late cancellation).",
	"moved_from_booking_id":    "The id of the booking this one continues, when the stay moved to this place part-way through; absent otherwise.",
	"ended_early_at":           "When the stay was ended early (or cancelled while under way), as an RFC 3339 instant; absent otherwise.",
	"booked_depart":            "The departure date the stay was booked to before it was ended early (YYYY-MM-DD); absent unless it was.",
	"allowance_kept_until":     "The date up to which nights freed by ending the stay early still count against the carer's allowance (YYYY-MM-DD), because policy keeps those too late to cancel; absent when none are kept.",
	"override":                 "Why the place did not suit the person on paper, and why duty staff placed them there all the same; absent unless they did.",
	"problems":                 "Why the place did not suit the person on paper, in phrases joined by semicolons (It has no hoist; The home does not take children).",
	"override_reason":          "Why to place the person here although the place does not suit them on paper (duty staff only), which is audited and kept on the booking for the home to see; leave it out unless the place was refused as unsuitable.",
	"reason":                   "Why, in a few words kept on the record and in the audit log; required.",
	"distance_km":              "The straight-line distance from the carer's home, in kilometres to one decimal place.",
	"reasons":                  "Why the place suits the person, one short phrase an item (Nursing bed, Specialises in dementia), with any warning to heed (a host's calendar not confirmed lately).",
	"hold_id":                  "The id of the live hold to confirm, from POST /api/v1/holds.",
	"confirm_stays_in_the_way": "Set it to true to make the closure although stays are booked on some of its nights, once a 409 has named them; those stays keep their nights until staff move them.",
	"bed_label":                "The label of the bed the stay is booked in (Room 4).",
	"bed_id":                   "The id of the bed the stay is booked in.",

	// Allowances.
	"year_starts": "The first day of the allowance year, a civil date in Europe/London (YYYY-MM-DD).",
	"year_ends":   "The last day of the allowance year, included, a civil date in Europe/London (YYYY-MM-DD).",
	"allowed":     "The respite nights the carer may book in the year, in nights.",
	"booked":      "Nights booked in the year, in nights: emergency stays too (recorded, though not limited), and cancelled stays whose nights were not given back.",
	"held":        "Nights held for the carer's people in the year and not yet confirmed or expired, in nights.",
	"remaining":   "Nights left to book in the year (allowed minus booked minus held), in nights; below zero after emergency placements beyond the allowance.",

	// Signing in.
	"token":                "The bearer token to send as Authorization: Bearer <token> on every request that needs a sign-in.",
	"subject":              "Who signed in: a carer or a shared-lives host.",
	"pending_token":        "The pending_token from the answer to the previous step of the sign-in.",
	"code":                 "A 6-digit code from the authenticator app; at the second_factor step, one of the recovery codes will do instead.",
	"new_password":         "The new password, at least 12 characters.",
	"current_password":     "The password in use now.",
	"password":             "The account's password.",
	"recovery_codes":       "Single-use codes to sign in with if the authenticator app is lost, one code an item (16 characters in four groups of four), shown only this once.",
	"secret":               "The new key in base32, for typing into an authenticator app by hand.",
	"otpauth_url":          "The otpauth:// URI the QR code holds, for an app that can open it directly.",
	"qr_code_png":          "The QR code of the key, as a PNG image in base64.",
	"user":                 "The member of staff's account.",
	"one_time_password":    "The one-time password the service made, to give to the member of staff: present only when the service made it, and shown only this once.",
	"active":               "Whether it is in use: nothing is offered for stays from an inactive home, contract or bed.",
	"disabled_at":          "When an admin disabled the account, as an RFC 3339 instant, or null while it is active.",
	"must_change_password": "Whether the password is a one-time one an admin gave, so that signing in leads only to choosing a new one.",
	"second_factor":        "Whether the member of staff has set up an authenticator app.",
	"second_factor_at":     "When the member of staff set up their authenticator app, as an RFC 3339 instant, or null while they have none.",
	"next":                 "The step the sign-in needs next, at its endpoint under /api/v1/auth/login/: a code from the authenticator app, a new password, or setting up an app; absent once the sign-in is done.",
	"pending_expires_at":   "When pending_token stops working, as an RFC 3339 instant (10 minutes after this step); absent once the sign-in is done.",

	// Texts.
	"to":                  "The number the text is for, in E.164 (+447700900123).",
	"recipient":           "The number the text was for, in E.164 (+447700900123).",
	"template":            "The kind of text, by the name of its template (booking_confirmed, sign_in_code and so on).",
	"body":                "The words of the text as it is sent; a sign-in code in it reads (code hidden).",
	"urgent":              "Whether the text goes ahead of every other, because someone is waiting for it (a sign-in code).",
	"attempts":            "How many times sending the text has been tried so far.",
	"provider":            "The SMS provider the text goes through: twilio, or log when texts are written to the log instead of sent.",
	"provider_message_id": "The SMS provider's id for the text (Twilio's MessageSid); absent until the provider has it.",
	"last_error":          "What went wrong with the latest try to send the text; absent when nothing has.",
	"not_before":          "The earliest the text may go, as an RFC 3339 instant: later than created_at for a reminder.",
	"next_attempt_at":     "When the text will next be tried, as an RFC 3339 instant: after a failed try's backoff, or at 08:00 London time for a text held back for daytime.",
	"sent_at":             "When the SMS provider took the text, as an RFC 3339 instant; absent until then.",
	"delivered_at":        "When the SMS provider reported that the text reached the phone, as an RFC 3339 instant; absent until then.",
	"message":             "What to tell the person, in the same words whether or not anyone owns the number.",

	// Feedback.
	"rating":        "The latest reply's rating, from 1 (poor) to 5 (very good), or null when no reply carried one.",
	"comment":       "The words of every reply, in order: for staff only, as they may say anything, care details included.",
	"replies":       "How many replies the carer sent to the day-after text about this stay.",
	"received_at":   "When the first reply came, as an RFC 3339 instant.",
	"last_reply_at": "When the latest reply came, as an RFC 3339 instant.",

	// The audit log.
	"at":          "When it was done, as an RFC 3339 instant.",
	"actor":       "Who did it.",
	"target":      "The record it was done to: its kind (booking, carer, person, host, provider, staff_user and so on) and id.",
	"actor_name":  "The name of whoever did it, as it was then.",
	"action":      "What was done, such as booking.created, emergency.placement or staff.disabled.",
	"actor_kind":  "Who did it: staff, carer, host, operator (the respite command on the server) or system (a scheduled job).",
	"actor_id":    "The id of the member of staff, carer or host who did it; 0 for the command line and scheduled jobs.",
	"target_kind": "The kind of record it was done to, such as booking, carer, person, host or staff_user.",
	"target_id":   "The id of the record it was done to.",

	// Emergencies.
	"tier":           "Which kind of option this is, in the order duty staff should look: a bed kept for emergencies, another free block bed, a host offering emergency care, or a home to ring for a spot purchase.",
	"current_stays":  "The carer's people's stays under way today (arrived on or before today, leaving after it), one stay an item: where they are now.",
	"upcoming_stays": "The carer's people's confirmed stays arriving after today, one stay an item, soonest first.",
	"place_name":     "The place's name: the care home and room (Oakwood House, Room 4), or the host as carers see them (Shared Lives host Ann).",

	// Reports.
	"header": "The report's column names, one an item, as in the CSV's header row.",
	"rows":   "The report's rows, one row an item, each a list of its cells as text in the header's order.",

	// Subject access exports.
	"generated_at":   "When the export was made, as an RFC 3339 instant.",
	"bookings":       "Every stay booked for the carer's people, confirmed or cancelled, one booking an item.",
	"holds":          "The holds made for the carer's people that are still on record, one hold an item.",
	"allowance":      "The carer's use of their nights in each allowance year that a stay or hold touches, and in the year holding today, one year an item.",
	"texts":          "The texts sent or queued to the carer's numbers (their mobile, and any number they confirmed with a code), one text an item.",
	"receipts":       "The delivery receipts for those texts, one receipt an item.",
	"opt_outs":       "Those of the carer's numbers that replied STOP, one number an item.",
	"sessions":       "The carer's sign-ins, one sign-in an item.",
	"sign_in_codes":  "The codes texted to the carer, to sign in or to confirm a new number, one code an item.",
	"feedback":       "The carer's replies about their stays, one stay an item.",
	"unmet_searches": "The searches for a stay for the carer's people that found nothing, one search an item.",
	"audit":          "Every audit log entry about the carer, their people or their stays, and every one the carer made, one entry an item.",
	"night":          "The night, by the date it starts (YYYY-MM-DD, Europe/London).",
	"slot":           "Which of the place's guest places the night takes: always 0 for a bed, and from 0 up to one less than its capacity for a host.",
	"purpose":        "What the code was for: signing in, or confirming a new mobile number.",
	"used_at":        "When the code was used, as an RFC 3339 instant, or null if it never was.",
	"last_seen_at":   "When the sign-in was last used, to within a minute, as an RFC 3339 instant, or null if not since it began.",
	"keyword":        "The word the reply was, such as STOP.",
	"opted_out_at":   "When the number opted out, as an RFC 3339 instant.",
	"text_id":        "The id of the text, in texts, that the receipt is about.",
	"error_code":     "The SMS provider's error code for a failure, or empty.",
	"searched_at":    "When the search was made, as an RFC 3339 instant.",
	"age_group":      "Whether the person was a child or an adult on the arrival date.",
	"area":           "The postcode district of the carer's home (LS6), for the commissioners' figures.",

	// Problems.
	"title":      "A short summary of the kind of problem, the same for every problem of its type.",
	"request_id": "The request's id, as in its X-Request-Id header, to quote to support.",
}

// Descriptions more than one schema's property shares with others of the
// same name, where the shared one would not fit.
const (
	requestLatitude  = "The home's latitude in decimal degrees (WGS 84), within the UK; leave latitude and longitude both out to have them looked up from the postcode, where the service has a postcode lookup."
	requestLongitude = "The home's longitude in decimal degrees (WGS 84), within the UK; leave latitude and longitude both out to have them looked up from the postcode, where the service has a postcode lookup."
	patchLatitude    = "The home's latitude in decimal degrees (WGS 84), within the UK; a new postcode sent without latitude and longitude has its position looked up afresh."
	patchLongitude   = "The home's longitude in decimal degrees (WGS 84), within the UK; a new postcode sent without latitude and longitude has its position looked up afresh."
	hostAddress      = "The host's home address, given to carers once a stay there is booked; empty until a coordinator enters it."
	hostAgeGroups    = "Who the host is approved to take, one age group an item."
	contractRate     = "What the council pays for each bed under the contract, a night, in pence (12500 is £125.00)."
	contractStarts   = "The first night the contract covers, a civil date in Europe/London (YYYY-MM-DD)."
	contractEnds     = "The last night the contract covers, included, a civil date in Europe/London (YYYY-MM-DD)."
	contractRef      = "The council's own reference for the contract, unique across all contracts."
	rangeStarts      = "The first night of the run when the host can take guests, a civil date in Europe/London (YYYY-MM-DD)."
	rangeEnds        = "The last night of the run when the host can take guests, included, a civil date in Europe/London (YYYY-MM-DD)."
	closureStarts    = "The first night closed, a civil date in Europe/London (YYYY-MM-DD)."
	closureEnds      = "The last night closed, included, a civil date in Europe/London (YYYY-MM-DD)."
	optionalReason   = "Why, for the audit log; it may be left out."
	carerEmail       = "The carer's email address, or null when they have none."
	emergencyArrive  = "The first night of the placement, a civil date in Europe/London (YYYY-MM-DD): the night under way at the earliest (in the small hours, the one that began yesterday), and at most two days ahead."
	homeName         = "The care home's name, or Shared Lives for a shared-lives host."
)

// schemaDescriptions describe a property of one schema, keyed
// "Schema.property" (or "Schema.property.inner" for a property of an object
// written inline in another), where its name means something else there
// than in descriptions, or says more.
var schemaDescriptions = map[string]string{
	// Lists that come whole, not a page at a time.
	"ClosureList.items":   "The home's closures that are not yet over, one closure an item, soonest first.",
	"PersonList.items":    "The people the carer looks after, one person an item, in id order.",
	"HostGuestList.items": "The guests booked to stay with the host who have not yet left, one guest an item, by arrival.",

	// Places and who acted.
	"Place.kind":   "What kind of place: bed for a care home bed (one guest a night), host for a shared-lives host (as many guests as their capacity).",
	"Place.id":     "The id of the bed or of the host.",
	"Actor.kind":   "What kind of person acted (staff, carer, host, operator for the respite command on the server, system for a scheduled job), or, as an audit entry's target, what kind of record it names.",
	"Actor.id":     "The id of the member of staff, carer, host or record; 0 for the command line and scheduled jobs.",
	"Subject.kind": "Whether a carer or a shared-lives host signed in.",
	"Subject.id":   "The id of the carer or host who signed in.",

	// Carers and the people they care for.
	"Carer.email":                               carerEmail,
	"CarerRecord.email":                         carerEmail,
	"CarerRequest.email":                        "The carer's email address; leave it out for none.",
	"CarerPatchRequest.email":                   "The carer's email address; an empty string removes it.",
	"CarerRequest.emergency_card":               "The number on the carer's emergency card (4 to 20 letters, digits or dashes, such as LCC-04521; kept in capitals); leave it out for none.",
	"CarerPatchRequest.emergency_card":          "The number on the carer's emergency card (4 to 20 letters, digits or dashes, such as LCC-04521; kept in capitals); an empty string removes it.",
	"EmergencyCarer.emergency_card":             "The number on the carer's emergency card, as looked up.",
	"CarerRequest.emergency_contact_phone":      "The emergency contact's phone number, written any UK way; leave it out for none.",
	"CarerPatchRequest.emergency_contact_phone": "The emergency contact's phone number, written any UK way; an empty string removes it.",
	"CarerRequest.latitude":                     requestLatitude,
	"CarerRequest.longitude":                    requestLongitude,
	"CarerPatchRequest.latitude":                patchLatitude,
	"CarerPatchRequest.longitude":               patchLongitude,
	"Person.carer_id":                           "The id of the carer who looks after the person.",
	"PersonRecord.carer_id":                     "The id of the carer who looks after the person.",
	"EmergencyContact.name":                     "The emergency contact's name; empty when there is nobody.",
	"EmergencyContact.phone":                    "The emergency contact's phone number in E.164 (+447700900123), or null when there is none.",
	"EmergencyCard.carer":                       "The carer the card belongs to, with their emergency plan and contact.",
	"EmergencyCard.people":                      "The people the carer looks after, one person an item, with their needs and staff notes.",

	// Care homes, contracts, beds and closures.
	"Provider.name":                             "The care home's name.",
	"ProviderRequest.name":                      "The care home's name.",
	"ProviderPatchRequest.name":                 "The care home's name.",
	"ProviderRequest.latitude":                  requestLatitude,
	"ProviderRequest.longitude":                 requestLongitude,
	"ProviderPatchRequest.latitude":             patchLatitude,
	"ProviderPatchRequest.longitude":            patchLongitude,
	"ProviderRequest.notifications_mobile":      "The mobile to text the home on about its stays, written any UK way (a landline is refused); leave it out for none, and staff will ring the home instead.",
	"ProviderPatchRequest.notifications_mobile": "The mobile to text the home on about its stays, written any UK way (a landline is refused); an empty string removes it.",
	"ProviderRequest.age_groups":                "Who the home may take, one age group an item (children's units are registered separately); adults when left out.",
	"ProviderRequest.active":                    "Whether the home is in use, true when left out; an inactive home's beds are offered for no stays.",
	"BedRequest.active":                         "Whether the bed is in use, true when left out; an inactive bed is offered for no stays.",
	"Contract.kind":                             "What the council bought: beds in advance for a period, paid for whether used or not (block), or a bed for one stay (spot).",
	"ContractRequest.kind":                      "What the council bought: beds in advance for a period, paid for whether used or not (block), or a bed for one stay (spot).",
	"Contract.reference":                        contractRef,
	"ContractRequest.reference":                 contractRef,
	"ContractPatchRequest.reference":            contractRef,
	"Contract.starts_on":                        contractStarts,
	"ContractRequest.starts_on":                 contractStarts,
	"ContractPatchRequest.starts_on":            contractStarts,
	"Contract.ends_on":                          contractEnds,
	"ContractRequest.ends_on":                   contractEnds,
	"ContractPatchRequest.ends_on":              contractEnds,
	"Contract.nightly_rate_pence":               contractRate,
	"ContractRequest.nightly_rate_pence":        contractRate,
	"ContractPatchRequest.nightly_rate_pence":   "What the council pays for each bed under the contract, a night, in pence (12500 is £125.00); a new rate applies to stays booked from then on.",
	"Closure.bed_id":                            "The id of the closed bed, or null when the whole home is closed.",
	"Closure.bed_label":                         "The closed bed's label (Room 4); absent when the whole home is closed.",
	"Closure.starts_on":                         closureStarts,
	"ClosureRequest.starts_on":                  closureStarts,
	"Closure.ends_on":                           closureEnds,
	"ClosureRequest.ends_on":                    closureEnds,
	"Closure.reason":                            "Why the nights are closed, such as an outbreak or refurbishment.",
	"ClosureRequest.reason":                     "Why the nights are closed, such as an outbreak or refurbishment; required.",
	"Closure.created_by":                        "The id of the member of staff who made the closure.",
	"ClosureRequest.bed_id":                     "The id of the bed to close; leave it out to close the whole home, beds added while the closure lasts included.",

	// Shared-lives hosts.
	"Host.address":                   hostAddress,
	"HostRequest.address":            hostAddress,
	"HostPatchRequest.address":       hostAddress,
	"Host.age_groups":                hostAgeGroups,
	"HostRequest.age_groups":         hostAgeGroups,
	"HostPatchRequest.age_groups":    hostAgeGroups,
	"HostRequest.latitude":           requestLatitude,
	"HostRequest.longitude":          requestLongitude,
	"HostPatchRequest.latitude":      patchLatitude,
	"HostPatchRequest.longitude":     patchLongitude,
	"Host.status":                    "Where the host is in approval, changed only by approve, suspend and leave: only an approved host is offered for stays.",
	"HostRange.starts_on":            rangeStarts,
	"HostRangeRequest.starts_on":     rangeStarts,
	"HostRange.ends_on":              rangeEnds,
	"HostRangeRequest.ends_on":       rangeEnds,
	"HostAvailability.ranges":        "The runs of nights from today on when the host can take guests, one run an item, in date order.",
	"HostAvailabilityRequest.ranges": "The host's whole calendar from today on, one run of nights an item, none overlapping; an empty list clears it.",
	"HostDatesRequest.from":          "The first night to add, a civil date in Europe/London (YYYY-MM-DD); a date before today counts from today.",
	"HostDatesRequest.to":            "The last night to add, included, a civil date in Europe/London (YYYY-MM-DD), at most 18 months ahead.",
	"HostApproveRequest.on":          "The date the approval runs from (YYYY-MM-DD), today when left out; the review falls due 12 months later.",
	"HostSuspendRequest.reason":      "Why the host is suspended; required, and kept in the staff notes and the audit log.",
	"HostGuest.needs":                "What the guest needs care for, one need an item.",
	"HostGuest.requirements":         "What the guest's room or home must have, or must not have, one requirement an item.",

	// Finding, holding and booking places.
	"Availability.options":      "The places free on every night of the stay that suit the person, one place an item, best match first, then nearest; empty when none does.",
	"Option.place":              "The bed or host to hold.",
	"Option.name":               "The bed's label (Room 4), or the host as carers see them (Shared Lives host Ann).",
	"Option.provider":           homeName,
	"Option.provider_id":        "The id of the bed's care home; 0 for a shared-lives host.",
	"Option.distance_km":        "The straight-line distance from the carer's home, or from the near point searched from, in kilometres to one decimal place.",
	"Option.nightly_rate_pence": "The nightly rate of the bed's contract, in pence (12500 is £125.00); 0 for a shared-lives host.",
	"Hold.id":                   "The hold's id (24 hexadecimal characters): send it as hold_id to book, or to DELETE /api/v1/holds/{id} to let the place go.",
	"Hold.expires_at":           "When the hold lapses unless it is confirmed, as an RFC 3339 instant (10 minutes after it was made, unless the service is set otherwise).",
	"Hold.place":                "The place held.",
	"HoldRequest.place":         "The place to hold: a bed or host from the search's options.",
	"CancelRequest.reason":      "Why the booking is cancelled: required from staff, optional for a carer; kept on the booking and in the audit log.",
	"CarerStay.phone":           "The care home's phone number in E.164; absent for a shared-lives host, whose own number is not given out.",

	// Changing stays.
	"ExtendRequest.arrive": "A new, earlier arrival date (YYYY-MM-DD, Europe/London); leave it out to keep the arrival as it is.",
	"ExtendRequest.depart": "A new, later departure date (YYYY-MM-DD, Europe/London); leave it out to keep the departure as it is.",
	"EndRequest.on":        "The stay's new departure date (YYYY-MM-DD, Europe/London), no earlier than the night under way; the nights from it on are freed.",
	"MoveRequest.place":    "The place to move the stay to.",
	"MoveRequest.from":     "The first night at the new place (YYYY-MM-DD, Europe/London); leave it out for the first night not yet begun.",
	"Override.reason":      "Why duty staff placed the person there all the same.",

	// Emergencies.
	"EmergencyOptions.options":            "The places that suit the person, one place an item: by tier, then nearest first; failing any, the nearest homes to ring for a spot purchase.",
	"EmergencyOptions.searched_within_km": "How far from the carer's home, in km, the search looked for beds and hosts (50, or 100 or 200 when nothing suited nearer); null when their home is not on the map and it looked everywhere.",
	"EmergencyOption.place":               "The bed or host to place the person in, or null for a home to ring for a spot purchase.",
	"EmergencyOption.name":                "The bed's label (Room 4), the host as carers see them (Shared Lives host Ann), or, for a spot purchase, what to ask for (Ring to ask for a nursing bed).",
	"EmergencyOption.provider":            homeName,
	"EmergencyOption.provider_id":         "The id of the care home; absent for a host.",
	"EmergencyOption.phone":               "The number to ring about the option, in E.164: the care home's main line, or the host's mobile.",
	"EmergencyOption.nightly_rate_pence":  "The nightly rate of the bed's contract, in pence (12500 is £125.00); 0 for a host, and for a home to ring, whose rate is agreed on the phone.",
	"PlacementRequest.place":              "The bed or host to place the person in, from the emergency options.",
	"PlacementRequest.arrive":             emergencyArrive,
	"SpotRequest.arrive":                  emergencyArrive,
	"SpotRequest.provider_id":             "The id of the care home the bed is bought from.",
	"SpotRequest.bed_type":                "The kind of bed bought, which must suit the person's needs.",
	"SpotRequest.nightly_rate_pence":      "The nightly rate agreed with the home on the phone, in pence (12500 is £125.00).",

	// The audit log.
	"AuditEntry.fields":  "The names of the fields a change touched, one name an item, never their values; empty for an action that is not a change to a record.",
	"AuditEntry.reason":  "Why it was done, as given, or what it was about (the route a record was read from, the card looked up); empty when there is nothing to say.",
	"AuditRecord.fields": "The names of the fields a change touched, separated by commas, never their values; empty for an action that is not a change to a record.",
	"AuditRecord.reason": "Why it was done, as given, or what it was about (the route a record was read from, the card looked up); empty when there is nothing to say.",

	// Signing in and staff accounts.
	"LoginRequest.email":            "The email address of the staff account, in any case.",
	"LoginResponse.token":           "The bearer token to send as Authorization: Bearer <token> on every request that needs a sign-in; absent until the sign-in is done.",
	"LoginResponse.expires_at":      "When the token stops working at the latest, as an RFC 3339 instant (a staff session left unused ends sooner); absent until the sign-in is done.",
	"LoginResponse.user":            "The member of staff signing in.",
	"LoginResponse.recovery_codes":  "Single-use codes to sign in with if the authenticator app is lost, one code an item (16 characters in four groups of four): present only when this sign-in set up the app, and shown only this once.",
	"LoginResponse.pending_token":   "The token to send to the next step's endpoint; absent once the sign-in is done.",
	"CodeSignInResponse.expires_at": "When the token stops working, as an RFC 3339 instant.",
	"CodeRequest.phone":             "The mobile number the carer or host is registered with, written any UK way; if anyone owns it, the code is texted there.",
	"CodeVerifyRequest.phone":       "The mobile number the code was texted to, written any UK way.",
	"CodeVerifyRequest.code":        "The 6-digit code from the text.",
	"EnrolmentConfirmRequest.code":  "The 6-digit code the authenticator app shows for the new key.",
	"MeResponse.kind":               "Who the token belongs to: a member of staff, a carer or a shared-lives host.",
	"MeResponse.id":                 "The id of their staff account, carer record or host record.",
	"MeResponse.name":               "The member of staff's name; absent for carers and hosts.",
	"MeResponse.role":               "The member of staff's role, which decides what they may do; absent for carers and hosts.",
	"RoleRequest.role":              "The role to give the member of staff.",
	"RoleRequest.reason":            optionalReason,
	"ReasonRequest.reason":          optionalReason,
	"PasswordResetRequest.reason":   optionalReason,
	"PasswordResetRequest.password": "A one-time password for the member of staff, at least 12 characters; leave it out to have one made.",
	"StaffUserRequest.password":     "A one-time password, at least 12 characters, that the member of staff must change when they first sign in; leave it out to have one made.",
	"StaffUser.active":              "Whether the member of staff may sign in: false once an admin has disabled the account.",

	// Texts.
	"Message.status":            "Where the text has got to, only ever moving forward: queued waits in the outbox, sending and checking are being handed over, sent reached the provider and delivered the phone, while undelivered, failed and suppressed (the number replied STOP) are the ends it can come to instead.",
	"TextRecord.status":         "Where the text has got to, only ever moving forward: queued waits in the outbox, sending and checking are being handed over, sent reached the provider and delivered the phone, while undelivered, failed and suppressed (the number replied STOP) are the ends it can come to instead.",
	"TextRecord.last_error":     "What went wrong with the latest try to send the text; empty when nothing has.",
	"TextRecord.sent_at":        "When the SMS provider took the text, as an RFC 3339 instant; null until then.",
	"TextRecord.delivered_at":   "When the SMS provider reported that the text reached the phone, as an RFC 3339 instant; null until then.",
	"ReceiptRecord.status":      "The SMS provider's word for the text's state (sent, delivered, undelivered, failed and so on).",
	"ReceiptRecord.received_at": "When the receipt arrived, as an RFC 3339 instant.",
	"OptOutRecord.phone":        "The number that opted out, in E.164 (+447700900123).",
	"CodeRecord.phone":          "The number the code was texted to, in E.164 (+447700900123).",
	"CodeRecord.attempts":       "How many times the code was tried, right or wrong.",
	"CodeRecord.created_at":     "When the code was made and texted, as an RFC 3339 instant.",
	"CodeRecord.expires_at":     "When the code stopped working, as an RFC 3339 instant, 10 minutes after it was made.",
	"SessionRecord.created_at":  "When the carer signed in, as an RFC 3339 instant.",
	"SessionRecord.expires_at":  "When the sign-in stops working at the latest, as an RFC 3339 instant.",

	// Feedback.
	"Feedback.carer_id": "The id of the carer who replied.",

	// Subject access exports: the rows as they are stored.
	"Export.carer":                        "The carer's record as it is stored.",
	"Export.people":                       "The records of the people the carer looks after, one person an item.",
	"Export.nights":                       "The place-nights those bookings hold, one night an item.",
	"HoldRecord.id":                       "The hold's id (24 hexadecimal characters).",
	"HoldRecord.expires_at":               "When the hold lapsed, or lapses, unless it was confirmed, as an RFC 3339 instant.",
	"NightRecord.booking_id":              "The id of the booking that holds the night.",
	"NightRecord.person_id":               "The id of the cared-for person staying that night.",
	"BookingRecord.cancelled_at":          "When the booking was cancelled, as an RFC 3339 instant; null unless it is cancelled.",
	"BookingRecord.cancelled_by_kind":     "Who cancelled the booking, staff or carer; null unless it is cancelled.",
	"BookingRecord.cancelled_by_id":       "The id of the member of staff or carer who cancelled the booking; null unless it is cancelled.",
	"BookingRecord.cancel_reason":         "Why the booking was cancelled, as given; null unless it is cancelled and a reason was given.",
	"BookingRecord.allowance_restored":    "Whether cancelling the booking gave its nights back to the carer's allowance; false while it is not cancelled.",
	"BookingRecord.moved_from_booking_id": "The id of the booking this one continues, when the stay moved to this place part-way through; null otherwise.",
	"BookingRecord.ended_early_at":        "When the stay was ended early (or cancelled while under way), as an RFC 3339 instant; null otherwise.",
	"BookingRecord.override_problems":     "Why the place did not suit the person on paper, in phrases joined by semicolons; empty unless duty staff placed them there all the same.",
	"BookingRecord.override_reason":       "Why duty staff placed the person there all the same; empty unless they did.",
	"AllowanceYear.allowed":               "The respite nights the carer may book in a year, in nights, as their allowance stands now (the record keeps no history of it).",
	"UnmetRecord.person_id":               "The id of the cared-for person the search was for, or null once an erasure has unlinked it.",
	"UnmetRecord.kind":                    "What was looked for: a stay ahead (planned), or a place for tonight for which duty staff found no bed or host, only homes to ring (emergency).",
	"UnmetRecord.needs":                   "The person's needs when they searched, one need an item.",
	"UnmetRecord.requirements":            "The person's requirements when they searched, one requirement an item.",

	// Reports.
	"Report.name": "The report's name, as in its path (block-use).",
	"Report.from": "The first date the report covers, included, a civil date in Europe/London (YYYY-MM-DD).",
	"Report.to":   "The last date the report covers, included, a civil date in Europe/London (YYYY-MM-DD).",

	// Problems (written by hand in problemSchema and fieldErrorSchema).
	"Problem.status":     "The HTTP status code, as in the response's status line.",
	"Problem.errors":     "The fields that are wrong, one field an item: every bad field of a 422; absent when no field is to blame.",
	"FieldError.field":   "The name of the field as the request has it (ranges[0].starts_on for one inside a list), or of the query parameter or header.",
	"FieldError.message": "What is wrong with the field, in words safe to show the person who entered it.",
}
