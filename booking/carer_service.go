package booking

import (
	"context"
	"database/sql"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/paging"
	"github.com/respite-uk/respite/revision"
)

// The audit log's names for carers' and cared-for people's records.
const (
	auditCarer  = "carer"
	auditPerson = "person"
)

// Reading care details. Every time staff are shown a carer's emergency plan
// or a person's needs, the audit log records it (audit.EmergencyPlanRead,
// audit.PersonNeedsRead), one entry a record, with the route they were
// shown it by as the reason. The web layer names the route in the request's
// context; reads that show neither say so, and are given neither. Carers
// reading their own records are not recorded.

// APIRoute is the route the audit log names for a read by staff whose
// context names none: the JSON API's.
const APIRoute = "API"

type readRouteKey struct{}

// readRoute is how what is read through a context is shown.
type readRoute struct {
	name   string // for the audit log
	hidden bool   // emergency plans and needs are not shown at all
}

// WithReadRoute returns ctx naming, in plain words for the audit log, the
// route by which what staff read through it is shown to them ("carer's
// page", "form to change a carer's record"): the reason recorded for each
// emergency plan and each person's needs that Carer, Carers, Person and
// People return to staff.
func WithReadRoute(ctx context.Context, route string) context.Context {
	return context.WithValue(ctx, readRouteKey{}, readRoute{name: route})
}

// WithCareDetailsHidden returns ctx saying that what is read through it
// shows no emergency plan and no person's needs (a page that needs a
// carer's name, or a person to place): Carer and Carers then leave out the
// emergency plan and contact, Person and People the needs, requirements and
// staff notes, and nothing is recorded.
func WithCareDetailsHidden(ctx context.Context) context.Context {
	return context.WithValue(ctx, readRouteKey{}, readRoute{hidden: true})
}

// routeOf is the route ctx names for the audit log (APIRoute if none).
func routeOf(ctx context.Context) string {
	if r, _ := ctx.Value(readRouteKey{}).(readRoute); r.name != "" {
		return r.name
	}
	return APIRoute
}

// careDetailsHidden reports whether ctx says care details are not shown.
func careDetailsHidden(ctx context.Context) bool {
	r, _ := ctx.Value(readRouteKey{}).(readRoute)
	return r.hidden
}

// recordReads audits actor's reads of the records ids of targetKind, one
// entry each in one statement, naming ctx's route; nothing for a carer's
// reads (their own records) or when ctx hides care details.
func (s *Service) recordReads(ctx context.Context, actor accounts.Principal, action, targetKind string, ids []int64) error {
	if actor.Kind == accounts.SubjectCarer || careDetailsHidden(ctx) {
		return nil
	}
	return insertReads(ctx, s.db, s.now(), actor, action, targetKind, ids, routeOf(ctx))
}

// CarerInput is what staff enter to register a carer after their carer's
// assessment.
type CarerInput struct {
	Name      string
	Mobile    string
	Email     *string // optional
	Postcode  string
	Latitude  *float64
	Longitude *float64
	// AllowanceNights is the respite nights a year the assessment granted.
	AllowanceNights     *int
	AllowanceYearStarts calendar.Date
	// EmergencyCard is the number on the card the carer carries; optional.
	EmergencyCard         *string
	EmergencyPlan         string
	EmergencyContactName  string
	EmergencyContactPhone *string // optional
}

// CarerPatch changes some of a carer's details; nil fields stay as they are.
// An empty string clears an optional field (email, emergency card, emergency
// contact phone).
type CarerPatch struct {
	// IfRevision, when set, is the revision (revision.Of) the change was
	// made to; the change is refused (revision.ErrStale) if the record has
	// changed since.
	IfRevision            string
	Name                  *string
	Mobile                *string
	Email                 *string
	Postcode              *string
	Latitude              *float64
	Longitude             *float64
	AllowanceNights       *int
	AllowanceYearStarts   *calendar.Date
	EmergencyCard         *string
	EmergencyPlan         *string
	EmergencyContactName  *string
	EmergencyContactPhone *string
}

// CarerFilter narrows a list of carers.
type CarerFilter struct {
	Query string // part of the name, any case
	Page  paging.Request
}

// PersonInput is what staff enter about someone a carer looks after.
type PersonInput struct {
	Name         string
	DateOfBirth  calendar.Date
	Needs        []string
	Requirements []string
	StaffNotes   string // for staff only
}

// PersonPatch changes some of a person's details; nil fields stay as they are.
type PersonPatch struct {
	// IfRevision, when set, is the revision (revision.Of) the change was
	// made to; the change is refused (revision.ErrStale) if the record has
	// changed since.
	IfRevision   string
	Name         *string
	DateOfBirth  *calendar.Date
	Needs        *[]string
	Requirements *[]string
	StaffNotes   *string
}

// Errors about carers and the people they care for.
var (
	ErrCarerNotFound      = apperr.New(apperr.NotFound, "There is no carer with that id.")
	ErrPersonNotFound     = apperr.New(apperr.NotFound, "There is no cared-for person with that id.")
	ErrMobileTaken        = apperr.New(apperr.Conflict, "Another carer is already registered with that mobile number.")
	ErrEmergencyCardTaken = apperr.New(apperr.Conflict, "Another carer already has an emergency card with that number.")
	// ErrNotAllowed refuses a change by anyone but the duty team and
	// administrators. Other refusals are copies of it with a Reason, so
	// errors.Is still finds it.
	ErrNotAllowed = apperr.New(apperr.Forbidden, "Only the duty team and administrators can change carers' records.")

	errMayNotSeeCarers = ErrNotAllowed.Reason("Only the duty team and administrators can see carers' records.")
)

// Limits on what people type.
const (
	maxNameRunes      = 200
	maxLongTextRunes  = 4000
	maxAllowance      = 366 // a night a day, in a leap year
	maxAgeYears       = 120 // older is a typing mistake in the year
	emergencyCardHint = "An emergency card number is 4 to 20 letters, digits or dashes, like LCC-04521."
)

var emergencyCardPattern = regexp.MustCompile(`^[A-Z0-9-]{4,20}$`)

// runsCarers reports whether actor is staff who look after carers' records.
func runsCarers(actor accounts.Principal) bool {
	return actor.IsStaff(accounts.RoleAdmin, accounts.RoleDuty)
}

// mayChangeCarers refuses anyone but duty staff and administrators.
func mayChangeCarers(actor accounts.Principal) error {
	if runsCarers(actor) {
		return nil
	}
	return ErrNotAllowed
}

// maySeeCarers refuses everyone but duty staff, administrators and carers,
// whom maySeeCarer then narrows to their own records.
func maySeeCarers(actor accounts.Principal) error {
	if runsCarers(actor) || actor.Kind == accounts.SubjectCarer {
		return nil
	}
	return errMayNotSeeCarers
}

// maySeeCarer decides whether actor may read carer carerID's records. A
// carer may read their own; anyone else's is answered with notFound, so ids
// reveal nothing.
func maySeeCarer(actor accounts.Principal, carerID int64, notFound error) error {
	if err := maySeeCarers(actor); err != nil {
		return err
	}
	if actor.Kind == accounts.SubjectCarer && actor.ID != carerID {
		return notFound
	}
	return nil
}

// CreateCarer registers a carer. The position of their home, left out, is
// filled in from the postcode when there is a lookup (Options.Locator). It
// returns ErrNotAllowed, ErrMobileTaken, ErrEmergencyCardTaken, an Invalid
// error naming every bad field, or contact.ErrLookupDown when the position
// was left out and the lookup cannot answer; nothing is written when
// anything is wrong. The new record is audited (audit.CarerCreated).
func (s *Service) CreateCarer(ctx context.Context, actor accounts.Principal, in CarerInput) (Carer, error) {
	if err := mayChangeCarers(actor); err != nil {
		return Carer{}, err
	}
	found, err := contact.Locate(ctx, s.opts.Locator, in.Postcode, in.Latitude != nil || in.Longitude != nil)
	if err != nil {
		return Carer{}, err
	}
	c, err := newCarer(in, found)
	if err != nil {
		return Carer{}, err
	}
	c.CreatedAt = s.now().UTC()
	c.UpdatedAt = c.CreatedAt
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		if err := checkCarerUnique(ctx, tx, c); err != nil {
			return err
		}
		if err := insertCarer(ctx, tx, &c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, c.CreatedAt, actor, audit.CarerCreated, auditCarer, c.ID, "")
	})
	if err != nil {
		return Carer{}, err
	}
	return c, nil
}

// Carer returns one carer. Carers may read their own record only; for
// anyone else's the answer is ErrCarerNotFound. Staff other than duty and
// administrators get ErrNotAllowed. A read by staff is audited
// (audit.EmergencyPlanRead, naming ctx's route: see WithReadRoute), unless
// ctx says the plan is not shown (WithCareDetailsHidden), when the record
// comes without its emergency plan and contact.
func (s *Service) Carer(ctx context.Context, actor accounts.Principal, id int64) (Carer, error) {
	if err := maySeeCarer(actor, id, ErrCarerNotFound); err != nil {
		return Carer{}, err
	}
	c, err := carerByID(ctx, s.db, id)
	if err != nil {
		return Carer{}, err
	}
	if err := s.recordReads(ctx, actor, audit.EmergencyPlanRead, auditCarer, []int64{c.ID}); err != nil {
		return Carer{}, err
	}
	if careDetailsHidden(ctx) {
		c.withoutPlan()
	}
	return c, nil
}

// Carers lists carers in id order, a page at a time. Only duty staff and
// administrators may; anyone else gets ErrNotAllowed. Every carer listed
// is an emergency plan read (audit.EmergencyPlanRead, naming ctx's route,
// all in one statement), unless ctx says the plans are not shown
// (WithCareDetailsHidden): then they are not even read, and the carers come
// without their emergency plans and contacts.
func (s *Service) Carers(ctx context.Context, actor accounts.Principal, f CarerFilter) (paging.Page[Carer], error) {
	if !runsCarers(actor) {
		return paging.Page[Carer]{}, errMayNotSeeCarers
	}
	f.Page = f.Page.Clamp()
	f.Query = strings.TrimSpace(f.Query)
	items, err := listCarers(ctx, s.db, f, careDetailsHidden(ctx))
	if err != nil {
		return paging.Page[Carer]{}, err
	}
	page := paging.Cut(items, f.Page.Limit, func(c Carer) int64 { return c.ID })
	ids := make([]int64, len(page.Items))
	for i, c := range page.Items {
		ids[i] = c.ID
	}
	if err := s.recordReads(ctx, actor, audit.EmergencyPlanRead, auditCarer, ids); err != nil {
		return paging.Page[Carer]{}, err
	}
	return page, nil
}

// UpdateCarer changes a carer's record. A new postcode given without a new
// position moves the home to the postcode's position when there is a
// lookup, and needs a position otherwise. It returns ErrNotAllowed,
// ErrCarerNotFound, ErrMobileTaken, ErrEmergencyCardTaken, an Invalid error
// naming every bad field, or contact.ErrLookupDown; nothing is changed when
// anything is wrong. The change is audited (audit.CarerChanged, naming the
// fields changed); a patch that changes nothing writes nothing.
func (s *Service) UpdateCarer(ctx context.Context, actor accounts.Principal, id int64, patch CarerPatch) (Carer, error) {
	if err := mayChangeCarers(actor); err != nil {
		return Carer{}, err
	}
	// Looked up before the transaction, which must not wait on the network.
	found, err := contact.LocateChange(ctx, s.opts.Locator, patch.Postcode, patch.Latitude, patch.Longitude, func() (string, error) {
		c, err := carerByID(ctx, s.db, id)
		return c.Postcode, err
	})
	if err != nil {
		return Carer{}, err
	}
	var c Carer
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		var err error
		c, err = s.changeCarerAt(ctx, tx, actor, id, patch, nil, found, "")
		return err
	})
	if err != nil {
		return Carer{}, err
	}
	return c, nil
}

// changeCarer applies patch to carer id's record in tx, checking the
// result as a whole, and audits the change as actor's
// (audit.CarerChanged, naming the fields changed, with reason): every
// change to a carer's record goes through here. A patch that changes
// nothing writes nothing. It returns ErrCarerNotFound, ErrMobileTaken,
// ErrEmergencyCardTaken or an Invalid error naming every bad field among
// fields (every field, when fields is nil). Carers changing their own
// details name the fields their form has: a fault already in another part
// of their record (one kept from before a rule, say) is for staff to put
// right, and must not stop a carer changing what they may; the record is
// no worse for the change.
func (s *Service) changeCarer(ctx context.Context, tx bun.IDB, actor accounts.Principal, id int64, patch CarerPatch, fields []string, reason string) (Carer, error) {
	return s.changeCarerAt(ctx, tx, actor, id, patch, fields, contact.Located{}, reason)
}

// changeCarerAt is changeCarer for a patch that may move the carer's home:
// found is what the postcode lookup said (contact.LocateChange).
func (s *Service) changeCarerAt(ctx context.Context, tx bun.IDB, actor accounts.Principal, id int64, patch CarerPatch, fields []string, found contact.Located, reason string) (Carer, error) {
	// Locked (PostgreSQL), so that two changes at once go one after the
	// other, and the second is checked against the first's revision.
	c, err := carerByID(ctx, tx, id, forChange)
	if err != nil {
		return Carer{}, err
	}
	if err := revision.Check(patch.IfRevision, c.UpdatedAt); err != nil {
		return Carer{}, err
	}
	was := c
	if err := onlyFields(c.applyAt(patch, found), fields); err != nil {
		return Carer{}, err
	}
	changed := c.changedFrom(was)
	if len(changed) == 0 {
		return was, nil
	}
	if err := checkCarerUnique(ctx, tx, c); err != nil {
		return Carer{}, err
	}
	c.UpdatedAt = revision.Now(s.now())
	if err := updateCarer(ctx, tx, &c); err != nil {
		return Carer{}, err
	}
	return c, audit.RecordChange(ctx, tx, c.UpdatedAt, actor, audit.CarerChanged, auditCarer, c.ID, changed, reason)
}

// onlyFields returns err keeping only its errors on fields (all, when fields
// is nil); nil if none is left.
func onlyFields(err error, fields []string) error {
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid || fields == nil {
		return err
	}
	var f apperr.Fields
	for _, fe := range e.Fields {
		if slices.Contains(fields, fe.Field) {
			f.Add(fe.Field, "%s", fe.Message)
		}
	}
	return f.Err()
}

// CarerByMobile finds the carer registered with a mobile number, written
// any way people write it, for signing in by SMS. found is false for a
// number that is no one's, or is not a phone number at all.
func (s *Service) CarerByMobile(ctx context.Context, mobile string) (c Carer, found bool, err error) {
	e164, err := contact.ParsePhone(mobile)
	if err != nil {
		return Carer{}, false, nil
	}
	return carerByMobile(ctx, s.db, e164)
}

// AddPerson records someone a carer looks after, and audits it
// (audit.PersonAdded). It returns ErrNotAllowed, ErrCarerNotFound, or an
// Invalid error naming every bad field.
func (s *Service) AddPerson(ctx context.Context, actor accounts.Principal, carerID int64, in PersonInput) (Person, error) {
	if err := mayChangeCarers(actor); err != nil {
		return Person{}, err
	}
	p := Person{
		CarerID: carerID, Name: in.Name, DateOfBirth: in.DateOfBirth,
		Needs: in.Needs, Requirements: in.Requirements, StaffNotes: in.StaffNotes,
	}
	if err := p.check(s.today()); err != nil {
		return Person{}, err
	}
	p.CreatedAt = s.now().UTC()
	p.UpdatedAt = p.CreatedAt
	err := s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		if _, err := carerByID(ctx, tx, carerID); err != nil {
			return err
		}
		if err := insertPerson(ctx, tx, &p); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.CreatedAt, actor, audit.PersonAdded, auditPerson, p.ID, "")
	})
	if err != nil {
		return Person{}, err
	}
	return p, nil
}

// Person returns one cared-for person. A carer may read their own people
// only; for anyone else's the answer is ErrPersonNotFound. Staff other than
// duty and administrators get ErrNotAllowed. A read by staff is audited
// (audit.PersonNeedsRead, naming ctx's route: see WithReadRoute), unless
// ctx says the needs are not shown (WithCareDetailsHidden), when the person
// comes without needs, requirements and staff notes.
func (s *Service) Person(ctx context.Context, actor accounts.Principal, id int64) (Person, error) {
	if err := maySeeCarers(actor); err != nil {
		return Person{}, err
	}
	p, err := personByID(ctx, s.db, id)
	if err != nil {
		return Person{}, err
	}
	if err := maySeeCarer(actor, p.CarerID, ErrPersonNotFound); err != nil {
		return Person{}, err
	}
	if err := s.recordReads(ctx, actor, audit.PersonNeedsRead, auditPerson, []int64{p.ID}); err != nil {
		return Person{}, err
	}
	if careDetailsHidden(ctx) {
		p.withoutCareDetails()
	}
	return p, nil
}

// People lists the people a carer looks after, in id order. A carer may
// list their own only; for anyone else's the answer is ErrCarerNotFound.
// Reads by staff are audited as Person's are, one entry a person, in one
// statement.
func (s *Service) People(ctx context.Context, actor accounts.Principal, carerID int64) ([]Person, error) {
	if err := maySeeCarer(actor, carerID, ErrCarerNotFound); err != nil {
		return nil, err
	}
	if _, err := carerByID(ctx, s.db, carerID); err != nil {
		return nil, err
	}
	people, err := peopleOfCarer(ctx, s.db, carerID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(people))
	for i, p := range people {
		ids[i] = p.ID
	}
	if err := s.recordReads(ctx, actor, audit.PersonNeedsRead, auditPerson, ids); err != nil {
		return nil, err
	}
	if careDetailsHidden(ctx) {
		for i := range people {
			people[i].withoutCareDetails()
		}
	}
	return people, nil
}

// UpdatePerson changes a cared-for person's details, and audits the change
// (audit.PersonChanged, naming the fields changed); a patch that changes
// nothing writes nothing. It returns ErrNotAllowed, ErrPersonNotFound, or
// an Invalid error naming every bad field; nothing is changed when anything
// is wrong.
func (s *Service) UpdatePerson(ctx context.Context, actor accounts.Principal, id int64, patch PersonPatch) (Person, error) {
	if err := mayChangeCarers(actor); err != nil {
		return Person{}, err
	}
	var p Person
	err := s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if p, err = personByID(ctx, tx, id, forChange); err != nil {
			return err
		}
		if err := revision.Check(patch.IfRevision, p.UpdatedAt); err != nil {
			return err
		}
		was := p
		patchField(&p.Name, patch.Name)
		patchField(&p.DateOfBirth, patch.DateOfBirth)
		patchField(&p.Needs, patch.Needs)
		patchField(&p.Requirements, patch.Requirements)
		patchField(&p.StaffNotes, patch.StaffNotes)
		if err := p.check(s.today()); err != nil {
			return err
		}
		changed := p.changedFrom(was)
		if len(changed) == 0 {
			p = was
			return nil
		}
		p.UpdatedAt = revision.Now(s.now())
		if err := updatePerson(ctx, tx, &p); err != nil {
			return err
		}
		return audit.RecordChange(ctx, tx, p.UpdatedAt, actor, audit.PersonChanged, auditPerson, p.ID, changed, "")
	})
	if err != nil {
		return Person{}, err
	}
	return p, nil
}

// missingNumbers says which required numbers an input left out. Once
// stored they always have a value, so a patch leaves none out.
type missingNumbers struct{ latitude, longitude, allowanceNights bool }

// newCarer builds a Carer from input, naming every bad field. found is what
// the postcode lookup said of the carer's postcode.
func newCarer(in CarerInput, found contact.Located) (Carer, error) {
	c := Carer{
		Name: in.Name, Mobile: in.Mobile, Email: in.Email, Postcode: in.Postcode,
		AllowanceYearStarts: in.AllowanceYearStarts, EmergencyCard: in.EmergencyCard,
		EmergencyPlan: in.EmergencyPlan, EmergencyContactName: in.EmergencyContactName,
		EmergencyContactPhone: in.EmergencyContactPhone,
	}
	patchField(&c.Latitude, in.Latitude)
	patchField(&c.Longitude, in.Longitude)
	patchField(&c.AllowanceNights, in.AllowanceNights)
	var f apperr.Fields
	c.tidy(&f, missingNumbers{latitude: in.Latitude == nil, longitude: in.Longitude == nil, allowanceNights: in.AllowanceNights == nil}, found)
	return c, f.Err()
}

// apply changes c by patch and checks the result as a whole.
func (c *Carer) apply(patch CarerPatch) error { return c.applyAt(patch, contact.Located{}) }

// applyAt is apply with what the postcode lookup said of the postcode after
// the change.
func (c *Carer) applyAt(patch CarerPatch, found contact.Located) error {
	moved := contact.Moved(c.Postcode, patch.Postcode, patch.Latitude, patch.Longitude)
	patchField(&c.Name, patch.Name)
	patchField(&c.Mobile, patch.Mobile)
	patchOptional(&c.Email, patch.Email)
	patchField(&c.Postcode, patch.Postcode)
	patchField(&c.Latitude, patch.Latitude)
	patchField(&c.Longitude, patch.Longitude)
	patchField(&c.AllowanceNights, patch.AllowanceNights)
	patchField(&c.AllowanceYearStarts, patch.AllowanceYearStarts)
	patchOptional(&c.EmergencyCard, patch.EmergencyCard)
	patchField(&c.EmergencyPlan, patch.EmergencyPlan)
	patchField(&c.EmergencyContactName, patch.EmergencyContactName)
	patchOptional(&c.EmergencyContactPhone, patch.EmergencyContactPhone)
	var f apperr.Fields
	// A home moved to another postcode without a new position has lost its
	// old one.
	c.tidy(&f, missingNumbers{latitude: moved, longitude: moved}, found)
	return f.Err()
}

// tidy normalises what people typed and adds an error for every rule
// broken, in the order the fields are entered. found is what the postcode
// lookup said of the postcode.
func (c *Carer) tidy(f *apperr.Fields, missing missingNumbers, found contact.Located) {
	c.Name = strings.TrimSpace(c.Name)
	checkText(f, "name", c.Name, "Enter the carer's name.", maxNameRunes)

	if mobile, err := contact.ParseMobile(c.Mobile); err != nil {
		f.Add("mobile", "%s", err.Error())
	} else {
		c.Mobile = mobile
	}
	c.Email = trimmedOrNil(c.Email, accounts.NormalizeEmail)
	if c.Email != nil {
		if a, err := mail.ParseAddress(*c.Email); err != nil || a.Address != *c.Email || !strings.Contains(*c.Email, ".") {
			f.Add("email", "Enter an email address in the form name@example.org, or leave it out.")
		}
	}
	lat, lon := &c.Latitude, &c.Longitude
	if missing.latitude {
		lat = nil
	}
	if missing.longitude {
		lon = nil
	}
	c.Latitude, c.Longitude = contact.CheckWhereabouts(f, "the carer's home", &c.Postcode, lat, lon, found)
	switch {
	case missing.allowanceNights:
		f.Add("allowance_nights", "Enter the respite nights a year from the carer's assessment (0 to %d).", maxAllowance)
	case c.AllowanceNights < 0 || c.AllowanceNights > maxAllowance:
		f.Add("allowance_nights", "The allowance must be from 0 to %d nights a year.", maxAllowance)
	}
	if c.AllowanceYearStarts.IsZero() {
		f.Add("allowance_year_starts", "Enter the date the carer's allowance year starts, as YYYY-MM-DD.")
	}

	c.EmergencyCard = trimmedOrNil(c.EmergencyCard, strings.ToUpper)
	if c.EmergencyCard != nil && !emergencyCardPattern.MatchString(*c.EmergencyCard) {
		f.Add("emergency_card", "%s", emergencyCardHint)
	}
	c.EmergencyPlan = strings.TrimSpace(c.EmergencyPlan)
	checkText(f, "emergency_plan", c.EmergencyPlan, "", maxLongTextRunes)
	c.EmergencyContactName = strings.TrimSpace(c.EmergencyContactName)
	c.EmergencyContactPhone = trimmedOrNil(c.EmergencyContactPhone, nil)
	// A name with no number cannot be rung, and a number with no name leaves
	// duty staff not knowing whom they are ringing.
	if c.EmergencyContactName == "" && c.EmergencyContactPhone != nil {
		f.Add("emergency_contact_name", "Enter the name of the person to ring in an emergency.")
	} else {
		checkText(f, "emergency_contact_name", c.EmergencyContactName, "", maxNameRunes)
	}
	switch {
	case c.EmergencyContactPhone != nil:
		if phone, err := contact.ParsePhone(*c.EmergencyContactPhone); err != nil {
			f.Add("emergency_contact_phone", "%s", err.Error())
		} else {
			c.EmergencyContactPhone = &phone
		}
	case c.EmergencyContactName != "":
		f.Add("emergency_contact_phone", "Enter a phone number for %s.", c.EmergencyContactName)
	}
}

// check tidies a person's details and names every rule they break. today
// bounds the date of birth.
func (p *Person) check(today calendar.Date) error {
	var f apperr.Fields
	p.Name = strings.TrimSpace(p.Name)
	checkText(&f, "name", p.Name, "Enter the person's name.", maxNameRunes)
	oldest := anniversary(today, today.Year-maxAgeYears)
	switch {
	case p.DateOfBirth.IsZero():
		f.Add("date_of_birth", "Enter the person's date of birth, as YYYY-MM-DD.")
	case p.DateOfBirth.After(today):
		f.Add("date_of_birth", "The date of birth cannot be in the future.")
	case p.DateOfBirth.Before(oldest):
		f.Add("date_of_birth", "The date of birth is more than %d years ago; check the year.", maxAgeYears)
	}
	p.Needs = nonNilStrings(p.Needs)
	p.Requirements = nonNilStrings(p.Requirements)
	f.AllOneOf("needs", p.Needs, Needs)
	f.AllOneOf("requirements", p.Requirements, Requirements)
	p.StaffNotes = strings.TrimSpace(p.StaffNotes)
	checkText(&f, "staff_notes", p.StaffNotes, "", maxLongTextRunes)
	return f.Err()
}

// checkText adds missing when value is empty (unless missing is "", for
// optional text) and an error when value is longer than maxRunes.
func checkText(f *apperr.Fields, field, value, missing string, maxRunes int) {
	switch {
	case value == "" && missing != "":
		f.Add(field, "%s", missing)
	case utf8.RuneCountInString(value) > maxRunes:
		f.Add(field, "This must be %d characters or fewer.", maxRunes)
	}
}

// patchField sets *dst to *v when v is not nil.
func patchField[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// patchOptional sets an optional text field from a patch: nil leaves it, and
// an empty string (after tidying) clears it.
func patchOptional(dst **string, v *string) {
	if v != nil {
		s := *v
		*dst = &s
	}
}

// trimmedOrNil trims an optional text and applies normalise (when not nil);
// empty text becomes nil, meaning none.
func trimmedOrNil(s *string, normalise func(string) string) *string {
	if s == nil {
		return nil
	}
	t := strings.TrimSpace(*s)
	if normalise != nil {
		t = normalise(t)
	}
	if t == "" {
		return nil
	}
	return &t
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
