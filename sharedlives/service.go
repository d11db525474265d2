package sharedlives

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/paging"
	"github.com/respite-uk/respite/revision"
)

// Options tune the hosts service; zero values give the defaults.
type Options struct {
	Clock  calendar.Clock
	Logger *slog.Logger
	// ReviewMonths is how long an approval lasts before the host must be
	// reviewed (default 12).
	ReviewMonths int
	// HorizonDays is how far ahead a host's calendar may reach (default 548:
	// eighteen months).
	HorizonDays int
	// Locator finds where postcodes are, to fill in and check the position
	// of hosts' homes. Without one, positions must be given, and are
	// checked only to lie in the UK.
	Locator contact.Locator
}

func (o *Options) setDefaults() {
	if o.Clock == nil {
		o.Clock = calendar.SystemClock
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ReviewMonths <= 0 {
		o.ReviewMonths = 12
	}
	if o.HorizonDays <= 0 {
		o.HorizonDays = 548
	}
}

// Service runs shared-lives hosts: their records, approval and review,
// their calendars and the texts that keep the calendars true. Every change
// to a host's record, and every step of their approval, is recorded in the
// audit log in the change's own transaction (target kind "host"): a change
// names the fields it touched, never their values.
type Service struct {
	db     *bun.DB
	notify *notify.Service
	opts   Options
	now    calendar.Clock
	log    *slog.Logger
}

// NewService returns the hosts service. sms queues the monthly nudges.
func NewService(db *bun.DB, sms *notify.Service, opts Options) *Service {
	opts.setDefaults()
	return &Service{db: db, notify: sms, opts: opts, now: opts.Clock, log: opts.Logger}
}

// Now is the service's clock, so callers judge Stale and Bookable by the
// same time the service does.
func (s *Service) Now() time.Time { return s.now() }

// today is the current date in London.
func (s *Service) today() calendar.Date { return calendar.Today(s.now) }

// Statuses lists the lifecycle statuses, in the order a host moves through them.
var Statuses = []string{StatusApplicant, StatusApproved, StatusSuspended, StatusLeft}

// NudgeAfter is how long a host's calendar may go unconfirmed before the
// monthly job texts them to ask whether it is still right.
const NudgeAfter = 30 * 24 * time.Hour

// HostInput is what a coordinator enters for someone applying to host.
type HostInput struct {
	Name       string
	Mobile     string
	Address    string // optional: the home's address, up to 200 characters
	Postcode   string
	Latitude   *float64
	Longitude  *float64
	Capacity   *int // guests at once, 1 to 6
	Skills     []string
	Offers     []string // at least one
	HomeFacts  []string
	AgeGroups  []string // at least one
	StaffNotes string   // for staff only; never shown to hosts
}

// HostPatch changes some of a host's details; nil fields stay as they are.
// The status changes only through Approve, Suspend and Leave.
type HostPatch struct {
	// IfRevision, when set, is the revision (revision.Of) the change was
	// made to; the change is refused (revision.ErrStale) if the record has
	// changed since.
	IfRevision string
	Name       *string
	Mobile     *string
	Address    *string
	Postcode   *string
	Latitude   *float64
	Longitude  *float64
	Capacity   *int
	Skills     *[]string
	Offers     *[]string
	HomeFacts  *[]string
	AgeGroups  *[]string
	StaffNotes *string
}

// HostFilter narrows a list of hosts.
type HostFilter struct {
	Status string // one of Statuses; "" for all
	// ReviewsDueBy lists hosts whose approval review falls due on or before
	// the date, so a coordinator sees reviews coming due. Unless Status says
	// otherwise, only approved hosts are listed.
	ReviewsDueBy *calendar.Date
	Query        string // part of the name, any case
	Page         paging.Request
}

// RangeInput is a span of dates, both ends included, when a host says they
// can take guests.
type RangeInput struct {
	StartsOn calendar.Date
	EndsOn   calendar.Date
}

// Guest is what a host is told about someone coming to stay: enough to
// welcome and look after them, and no more (no surname, no staff notes).
type Guest struct {
	BookingReference string
	FirstName        string
	Arrive           calendar.Date
	Depart           calendar.Date
	Needs            []string
	Requirements     []string
}

// Errors about hosts.
var (
	ErrHostNotFound = apperr.New(apperr.NotFound, "There is no shared-lives host with that id.")
	ErrMobileTaken  = apperr.New(apperr.Conflict, "Another host is already registered with that mobile number.")
	// ErrNotAllowed refuses a change by anyone but coordinators and
	// administrators. Other refusals are copies of it with a Reason, so
	// errors.Is still finds it.
	ErrNotAllowed = apperr.New(apperr.Forbidden, "Only coordinators and administrators can change hosts' records.")
	// ErrWrongStatus refuses a lifecycle step the host's status does not
	// allow; copies of it say what the status is.
	ErrWrongStatus = apperr.New(apperr.Conflict, "The host's status does not allow that.")
	// ErrGuestBooked refuses a change to a calendar that would take away a
	// night a guest is booked to stay with the host; copies of it name the
	// stay, so the host knows which.
	ErrGuestBooked = apperr.New(apperr.Conflict, "A guest is booked to stay on some of those nights, so they cannot be removed. Ring the shared lives team to change the booking.")

	errMayNotSeeHosts       = ErrNotAllowed.Reason("Only coordinators, administrators and the duty team can see hosts' records.")
	errMayNotChangeCalendar = ErrNotAllowed.Reason("Only coordinators, administrators and the host themself can change a host's calendar.")
)

// Limits on what people type.
const (
	maxNameRunes     = 200
	maxAddressRunes  = 200
	maxLongTextRunes = 4000
	maxReasonRunes   = 1000
	maxCapacity      = 6
	maxRanges        = 200
)

// auditHost is the audit log's name for a host.
const auditHost = "host"

// replyConfirmed answers a host's YES.
const replyConfirmed = "Thank you. Your availability is confirmed."

// managesHosts reports whether actor is staff who approve and look after hosts.
func managesHosts(actor accounts.Principal) bool {
	return actor.IsStaff(accounts.RoleAdmin, accounts.RoleCoordinator)
}

// readsHosts reports whether actor is staff who may read every host: those
// who manage them, and the duty team, who place emergencies with them.
func readsHosts(actor accounts.Principal) bool {
	return actor.IsStaff(accounts.RoleAdmin, accounts.RoleCoordinator, accounts.RoleDuty)
}

// mayChangeHosts refuses anyone but coordinators and administrators.
func mayChangeHosts(actor accounts.Principal) error {
	if managesHosts(actor) {
		return nil
	}
	return ErrNotAllowed
}

// maySeeHost decides whether actor may read host hostID's record, calendar
// and guests. A host may read their own; anyone else's is answered with
// ErrHostNotFound, so ids reveal nothing.
func maySeeHost(actor accounts.Principal, hostID int64) error {
	switch {
	case readsHosts(actor):
		return nil
	case actor.Kind == accounts.SubjectHost && actor.ID == hostID:
		return nil
	case actor.Kind == accounts.SubjectHost:
		return ErrHostNotFound
	}
	return errMayNotSeeHosts
}

// mayChangeCalendar decides whether actor may replace host hostID's
// calendar: coordinators, administrators and the host themself. Another
// host's is answered with ErrHostNotFound.
func mayChangeCalendar(actor accounts.Principal, hostID int64) error {
	switch {
	case managesHosts(actor):
		return nil
	case actor.Kind == accounts.SubjectHost && actor.ID == hostID:
		return nil
	case actor.Kind == accounts.SubjectHost:
		return ErrHostNotFound
	}
	return errMayNotChangeCalendar
}

// forViewer leaves the staff notes out of a host's record unless the
// viewer is staff: the notes are never shown to hosts.
func forViewer(h Host, viewer accounts.Principal) Host {
	if viewer.Kind != accounts.SubjectStaff {
		h.StaffNotes = ""
	}
	return h
}

// CreateHost records someone applying to host; they start as an
// applicant. The position of their home, left out, is filled in from the
// postcode when there is a lookup (Options.Locator). It returns
// ErrNotAllowed, ErrMobileTaken, an Invalid error naming every bad field,
// or contact.ErrLookupDown when the position was left out and the lookup
// cannot answer; nothing is written when anything is wrong.
func (s *Service) CreateHost(ctx context.Context, actor accounts.Principal, in HostInput) (Host, error) {
	if err := mayChangeHosts(actor); err != nil {
		return Host{}, err
	}
	found, err := contact.Locate(ctx, s.opts.Locator, in.Postcode, in.Latitude != nil || in.Longitude != nil)
	if err != nil {
		return Host{}, err
	}
	h, err := newHost(in, found)
	if err != nil {
		return Host{}, err
	}
	h.Status = StatusApplicant
	h.CreatedAt = s.now().UTC()
	h.UpdatedAt = h.CreatedAt
	err = s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		if err := checkMobileUnique(ctx, tx, h); err != nil {
			return err
		}
		if err := insertHost(ctx, tx, &h); err != nil {
			return err
		}
		return audit.Record(ctx, tx, h.CreatedAt, actor, audit.HostCreated, auditHost, h.ID, "")
	})
	if err != nil {
		return Host{}, err
	}
	return h, nil
}

// Host returns one host. A host may read their own record only, without
// the staff notes; for anyone else's the answer is ErrHostNotFound. Carers
// get ErrNotAllowed.
func (s *Service) Host(ctx context.Context, actor accounts.Principal, id int64) (Host, error) {
	if err := maySeeHost(actor, id); err != nil {
		return Host{}, err
	}
	h, err := hostByID(ctx, s.db, id, false)
	if err != nil {
		return Host{}, err
	}
	return forViewer(h, actor), nil
}

// Hosts lists hosts in id order, a page at a time. Coordinators,
// administrators and the duty team may; anyone else gets ErrNotAllowed. A
// status that is not one of Statuses is an Invalid error.
func (s *Service) Hosts(ctx context.Context, actor accounts.Principal, f HostFilter) (paging.Page[Host], error) {
	if !readsHosts(actor) {
		return paging.Page[Host]{}, errMayNotSeeHosts
	}
	if f.Status != "" {
		var fields apperr.Fields
		if !fields.OneOf("status", f.Status, Statuses) {
			return paging.Page[Host]{}, fields.Err()
		}
	}
	if f.ReviewsDueBy != nil && f.Status == "" {
		f.Status = StatusApproved
	}
	f.Page = f.Page.Clamp()
	f.Query = strings.TrimSpace(f.Query)
	items, err := listHosts(ctx, s.db, f)
	if err != nil {
		return paging.Page[Host]{}, err
	}
	return paging.Cut(items, f.Page.Limit, func(h Host) int64 { return h.ID }), nil
}

// UpdateHost changes a host's record. A new postcode given without a new
// position moves the home to the postcode's position when there is a
// lookup, and needs a position otherwise. It returns ErrNotAllowed (hosts
// included: they change only their calendar), ErrHostNotFound,
// ErrMobileTaken, an Invalid error naming every bad field,
// ErrCapacityBooked for a capacity below the guests booked on some night
// from today on, or contact.ErrLookupDown; nothing is changed when
// anything is wrong. A patch that changes nothing writes nothing, to the
// host or the audit log.
func (s *Service) UpdateHost(ctx context.Context, actor accounts.Principal, id int64, patch HostPatch) (Host, error) {
	if err := mayChangeHosts(actor); err != nil {
		return Host{}, err
	}
	// Looked up before the transaction, which must not wait on the network.
	found, err := contact.LocateChange(ctx, s.opts.Locator, patch.Postcode, patch.Latitude, patch.Longitude, func() (string, error) {
		h, err := hostByID(ctx, s.db, id, false)
		return h.Postcode, err
	})
	if err != nil {
		return Host{}, err
	}
	return s.change(ctx, actor, id, audit.HostChanged, func(ctx context.Context, tx bun.IDB, h *Host) (string, error) {
		if err := revision.Check(patch.IfRevision, h.UpdatedAt); err != nil {
			return "", err
		}
		was := h.Capacity
		if err := h.apply(patch, found); err != nil {
			return "", err
		}
		if h.Capacity < was {
			// Every guest booked must keep a slot the host still has.
			if err := fitGuests(ctx, tx, h.ID, h.Capacity, s.today()); err != nil {
				return "", err
			}
		}
		return "", checkMobileUnique(ctx, tx, *h)
	})
}

// Approve approves an applicant, or lets a suspended host take guests
// again, from on (today when on is zero), with a review due ReviewMonths
// later. It returns ErrNotAllowed, ErrHostNotFound, ErrWrongStatus for a
// host who is already approved or has left, or an Invalid error for a date
// in the future or so long ago that the review would already be overdue.
func (s *Service) Approve(ctx context.Context, actor accounts.Principal, id int64, on calendar.Date) (Host, error) {
	if err := mayChangeHosts(actor); err != nil {
		return Host{}, err
	}
	today := s.today()
	if on.IsZero() {
		on = today
	}
	due := reviewDue(on, s.opts.ReviewMonths)
	switch {
	case on.After(today):
		return Host{}, apperr.Invalidf("on", "The approval date cannot be in the future.")
	case due.Before(today):
		return Host{}, apperr.Invalidf("on", "An approval on %s would already be overdue for review; give a later date.", on.Long())
	}
	return s.change(ctx, actor, id, audit.HostApproved, func(_ context.Context, _ bun.IDB, h *Host) (string, error) {
		if h.Status != StatusApplicant && h.Status != StatusSuspended {
			return "", ErrWrongStatus.Reason("Only applicants and suspended hosts can be approved; %s.", statusPhrase(h.Status))
		}
		h.Status = StatusApproved
		h.ApprovedOn, h.ReviewDue = &on, &due
		return fmt.Sprintf("from %s, review due %s", on.Long(), due.Long()), nil
	})
}

// Suspend stops an approved host being offered for stays until they are
// approved again. The reason is required; it is kept in the staff notes,
// dated and signed. It returns ErrNotAllowed, ErrHostNotFound,
// ErrWrongStatus for a host who is not approved, or an Invalid error for a
// missing reason.
func (s *Service) Suspend(ctx context.Context, actor accounts.Principal, id int64, reason string) (Host, error) {
	if err := mayChangeHosts(actor); err != nil {
		return Host{}, err
	}
	reason = strings.TrimSpace(reason)
	var f apperr.Fields
	checkText(&f, "reason", reason, "Say why the host is suspended.", maxReasonRunes)
	if err := f.Err(); err != nil {
		return Host{}, err
	}
	today := s.today()
	return s.change(ctx, actor, id, audit.HostSuspended, func(_ context.Context, _ bun.IDB, h *Host) (string, error) {
		if h.Status != StatusApproved {
			return "", ErrWrongStatus.Reason("Only approved hosts can be suspended; %s.", statusPhrase(h.Status))
		}
		h.Status = StatusSuspended
		note := fmt.Sprintf("%s: suspended by %s: %s", today, staffName(actor), reason)
		h.StaffNotes = strings.TrimSpace(h.StaffNotes + "\n\n" + note)
		return reason, nil
	})
}

// Leave records that a host has stopped hosting, whatever their status.
// It is final: a host who has left cannot be approved again (a returning
// host applies afresh). It returns ErrNotAllowed, ErrHostNotFound, or
// ErrWrongStatus for a host who has already left.
func (s *Service) Leave(ctx context.Context, actor accounts.Principal, id int64) (Host, error) {
	if err := mayChangeHosts(actor); err != nil {
		return Host{}, err
	}
	return s.change(ctx, actor, id, audit.HostLeft, func(_ context.Context, _ bun.IDB, h *Host) (string, error) {
		if h.Status == StatusLeft {
			return "", ErrWrongStatus.Reason("This host has already left.")
		}
		h.Status = StatusLeft
		return "", nil
	})
}

// change reads host id, locked for the transaction, lets fn change it,
// writes it back, and records it in the audit log as actor's action, with
// the reason fn returns. For audit.HostChanged the entry names the fields
// changed instead, and a change that touched none writes nothing at all.
func (s *Service) change(ctx context.Context, actor accounts.Principal, id int64, action string,
	fn func(ctx context.Context, tx bun.IDB, h *Host) (reason string, err error)) (Host, error) {
	var h Host
	err := s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if h, err = hostByID(ctx, tx, id, true); err != nil {
			return err
		}
		was := h
		reason, err := fn(ctx, tx, &h)
		if err != nil {
			return err
		}
		var fields []string
		if action == audit.HostChanged {
			if fields = h.changedFrom(was); len(fields) == 0 {
				return nil
			}
		}
		h.UpdatedAt = revision.Now(s.now())
		if err := updateHost(ctx, tx, &h); err != nil {
			return err
		}
		if action == audit.HostChanged {
			return audit.RecordChange(ctx, tx, h.UpdatedAt, actor, action, auditHost, h.ID, fields, reason)
		}
		return audit.Record(ctx, tx, h.UpdatedAt, actor, action, auditHost, h.ID, reason)
	})
	if err != nil {
		return Host{}, err
	}
	return h, nil
}

// Calendar returns the host's current calendar: the ranges that end today
// or later, in date order (earlier ones are kept as history, unshown). A
// host may read their own only; for anyone else's the answer is
// ErrHostNotFound. Carers get ErrNotAllowed.
func (s *Service) Calendar(ctx context.Context, actor accounts.Principal, hostID int64) ([]Range, error) {
	if err := maySeeHost(actor, hostID); err != nil {
		return nil, err
	}
	if _, err := hostByID(ctx, s.db, hostID, false); err != nil {
		return nil, err
	}
	return rangesOf(ctx, s.db, hostID, s.today())
}

// SetCalendar replaces the host's current calendar with ranges, in one
// transaction, and records that the calendar was confirmed now: whoever
// changes it (the host, or a coordinator who has just spoken to them) has
// just said it is right. Each range must end on or after it starts, end
// today or later and no more than HorizonDays ahead, and overlap no other.
// It returns ErrNotAllowed, ErrHostNotFound (another host's calendar
// included), ErrWrongStatus for a host who has left, ErrGuestBooked when
// the new calendar leaves out a night from today on that a guest is booked
// to stay, or an Invalid error naming every bad range; nothing is changed
// when anything is wrong.
func (s *Service) SetCalendar(ctx context.Context, actor accounts.Principal, hostID int64, ranges []RangeInput) ([]Range, error) {
	if err := mayChangeCalendar(actor, hostID); err != nil {
		return nil, err
	}
	today := s.today()
	if err := checkRanges(ranges, today, today.AddDays(s.opts.HorizonDays)); err != nil {
		return nil, err
	}
	want := make([]span, len(ranges))
	for i, r := range ranges {
		want[i] = span{r.StartsOn, r.EndsOn}
	}
	sortSpans(want)
	return s.changeCalendar(ctx, actor, hostID, today, func(current []span) (next, removing []span) {
		return want, minus(current, want)
	})
}

// ConfirmAvailability records that the host has said, just now, that their
// calendar is right. It returns ErrHostNotFound.
func (s *Service) ConfirmAvailability(ctx context.Context, hostID int64) error {
	return setConfirmedAt(ctx, s.db, hostID, s.now().UTC())
}

// HostByMobile finds the host registered with a mobile number, written any
// way people write it, whatever their status: for signing in by SMS and for
// replies to nudges. found is false for a number that is no host's, or is
// not a phone number at all.
func (s *Service) HostByMobile(ctx context.Context, mobile string) (h Host, found bool, err error) {
	e164, err := contact.ParsePhone(mobile)
	if err != nil {
		return Host{}, false, nil
	}
	return hostByMobile(ctx, s.db, e164)
}

// HandleReply is a notify.InboundHook: a YES from an approved host's
// mobile (any case, with or without a full stop or exclamation mark)
// confirms their calendar and is thanked. Anything else is left unhandled.
func (s *Service) HandleReply(ctx context.Context, from, body string) (reply string, handled bool, err error) {
	if !strings.EqualFold(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(body), "!.")), "YES") {
		return "", false, nil
	}
	h, found, err := s.HostByMobile(ctx, from)
	if err != nil || !found || h.Status != StatusApproved {
		return "", false, err
	}
	if err := s.ConfirmAvailability(ctx, h.ID); err != nil {
		return "", false, err
	}
	s.log.InfoContext(ctx, "host confirmed availability by text", "host_id", h.ID)
	return replyConfirmed, true, nil
}

// SendNudges is the monthly job that texts every approved host whose
// calendar was last confirmed more than NudgeAfter ago (or never) to ask
// whether it is still right; they reply YES or sign in to change it. The
// dedupe key names the month, so however often the job runs a host gets at
// most one nudge a month. A host it cannot text does not stop the rest.
func (s *Service) SendNudges(ctx context.Context) error {
	now := s.now()
	hosts, err := hostsToNudge(ctx, s.db, now.Add(-NudgeAfter).UTC())
	if err != nil {
		return err
	}
	month := now.In(calendar.London).Format("2006-01")
	var errs []error
	for _, h := range hosts {
		err := s.notify.Enqueue(ctx, s.db, notify.Outgoing{
			DedupeKey: fmt.Sprintf("host:%d:nudge:%s", h.ID, month), To: h.Mobile, Template: notify.TemplateHostAvailabilityNudge,
		})
		if err != nil {
			errs = append(errs, apperr.Wrapf(err, "nudging host %d", h.ID))
		}
	}
	return errors.Join(errs...)
}

// UpcomingGuests lists the guests booked to stay with the host who have not
// yet left, by arrival. A host may list their own only; for anyone else's
// the answer is ErrHostNotFound. Coordinators, administrators and the duty
// team may list anyone's; carers get ErrNotAllowed.
func (s *Service) UpcomingGuests(ctx context.Context, actor accounts.Principal, hostID int64) ([]Guest, error) {
	if err := maySeeHost(actor, hostID); err != nil {
		return nil, err
	}
	if _, err := hostByID(ctx, s.db, hostID, false); err != nil {
		return nil, err
	}
	guests, people, err := guestsOf(ctx, s.db, hostID, s.today())
	if err != nil || actor.Kind != accounts.SubjectStaff || len(people) == 0 {
		return guests, err
	}
	// Staff shown guests' needs: each person's needs read is recorded, as
	// for a carer's page (booking's recordReads), in one statement. A host
	// reading their own guests is not staff, and is not recorded.
	who, now := actor.AuditActor(), s.now().UTC()
	entries := make([]audit.Entry, len(people))
	for i, id := range people {
		entries[i] = audit.Entry{At: now, ActorKind: who.Kind, ActorID: who.ID, ActorName: who.Name,
			Action: audit.PersonNeedsRead, TargetKind: "person", TargetID: id, Reason: "host's guests"}
	}
	if _, err := s.db.NewInsert().Model(&entries).Exec(ctx); err != nil {
		return nil, apperr.Wrapf(err, "recording the reads of host %d's guests' needs", hostID)
	}
	return guests, nil
}

// reviewDue is months after on by the calendar (time.AddDate: a year after
// 29 February is 1 March).
func reviewDue(on calendar.Date, months int) calendar.Date {
	return calendar.Of(on.StartIn(time.UTC).AddDate(0, months, 0))
}

// statusPhrase says what a host's status is, to finish a sentence.
func statusPhrase(status string) string {
	switch status {
	case StatusApplicant:
		return "this host is an applicant"
	case StatusApproved:
		return "this host is already approved"
	case StatusSuspended:
		return "this host is suspended"
	case StatusLeft:
		return "this host has left"
	}
	return "this host's status is " + status
}

// staffName names a member of staff in a note.
func staffName(actor accounts.Principal) string {
	if actor.Name != "" {
		return actor.Name
	}
	return fmt.Sprintf("staff user %d", actor.ID)
}

// missingNumbers says which required numbers an input left out. Once
// stored they always have a value, so a patch leaves none out.
type missingNumbers struct{ latitude, longitude, capacity bool }

// newHost builds a Host from input, naming every bad field. found is what
// the postcode lookup said of the host's postcode.
func newHost(in HostInput, found contact.Located) (Host, error) {
	h := Host{
		Name: in.Name, Mobile: in.Mobile, Address: in.Address, Postcode: in.Postcode, Skills: in.Skills, Offers: in.Offers,
		HomeFacts: in.HomeFacts, AgeGroups: in.AgeGroups, StaffNotes: in.StaffNotes,
	}
	patchField(&h.Latitude, in.Latitude)
	patchField(&h.Longitude, in.Longitude)
	patchField(&h.Capacity, in.Capacity)
	var f apperr.Fields
	h.tidy(&f, missingNumbers{latitude: in.Latitude == nil, longitude: in.Longitude == nil, capacity: in.Capacity == nil}, found)
	h.tidyNotes(&f)
	return h, f.Err()
}

// apply changes h by patch and checks the result as a whole. found is what
// the postcode lookup said of the postcode after the change
// (contact.LocateChange).
func (h *Host) apply(patch HostPatch, found contact.Located) error {
	moved := contact.Moved(h.Postcode, patch.Postcode, patch.Latitude, patch.Longitude)
	patchField(&h.Name, patch.Name)
	patchField(&h.Mobile, patch.Mobile)
	patchField(&h.Address, patch.Address)
	patchField(&h.Postcode, patch.Postcode)
	patchField(&h.Latitude, patch.Latitude)
	patchField(&h.Longitude, patch.Longitude)
	patchField(&h.Capacity, patch.Capacity)
	patchField(&h.Skills, patch.Skills)
	patchField(&h.Offers, patch.Offers)
	patchField(&h.HomeFacts, patch.HomeFacts)
	patchField(&h.AgeGroups, patch.AgeGroups)
	var f apperr.Fields
	// A home moved to another postcode without a new position has lost its
	// old one.
	h.tidy(&f, missingNumbers{latitude: moved, longitude: moved}, found)
	// Notes that Suspend has added to may be longer than anyone may type,
	// so they are checked only when the patch replaces them.
	if patch.StaffNotes != nil {
		h.StaffNotes = *patch.StaffNotes
		h.tidyNotes(&f)
	}
	return f.Err()
}

// changedFrom names the fields of h's record that differ from was, by the
// API's names for them, for the audit log: the names only, never the
// values. The status and approval dates change only by Approve, Suspend and
// Leave, which are recorded as what they are.
func (h Host) changedFrom(was Host) []string {
	var fields []string
	note := func(field string, changed bool) {
		if changed {
			fields = append(fields, field)
		}
	}
	note("name", h.Name != was.Name)
	note("mobile", h.Mobile != was.Mobile)
	note("address", h.Address != was.Address)
	note("postcode", h.Postcode != was.Postcode)
	note("latitude", h.Latitude != was.Latitude)
	note("longitude", h.Longitude != was.Longitude)
	note("capacity", h.Capacity != was.Capacity)
	note("skills", !slices.Equal(h.Skills, was.Skills))
	note("offers", !slices.Equal(h.Offers, was.Offers))
	note("home_facts", !slices.Equal(h.HomeFacts, was.HomeFacts))
	note("age_groups", !slices.Equal(h.AgeGroups, was.AgeGroups))
	note("staff_notes", h.StaffNotes != was.StaffNotes)
	return fields
}

// tidy normalises what people typed and adds an error for every rule
// broken, in the order the fields are entered. found is what the postcode
// lookup said of the postcode.
func (h *Host) tidy(f *apperr.Fields, missing missingNumbers, found contact.Located) {
	h.Name = strings.TrimSpace(h.Name)
	checkText(f, "name", h.Name, "Enter the host's name.", maxNameRunes)
	if mobile, err := contact.ParseMobile(h.Mobile); err != nil {
		f.Add("mobile", "%s", err.Error())
	} else {
		h.Mobile = mobile
	}
	h.Address = strings.TrimSpace(h.Address)
	checkText(f, "address", h.Address, "", maxAddressRunes)
	lat, lon := &h.Latitude, &h.Longitude
	if missing.latitude {
		lat = nil
	}
	if missing.longitude {
		lon = nil
	}
	h.Latitude, h.Longitude = contact.CheckWhereabouts(f, "the host's home", &h.Postcode, lat, lon, found)
	switch {
	case missing.capacity:
		f.Add("capacity", "Enter how many guests the host can take at once (1 to %d).", maxCapacity)
	case h.Capacity < 1 || h.Capacity > maxCapacity:
		f.Add("capacity", "A host can take from 1 to %d guests at once.", maxCapacity)
	}
	h.Skills = nonNilStrings(h.Skills)
	h.Offers = nonNilStrings(h.Offers)
	h.HomeFacts = nonNilStrings(h.HomeFacts)
	h.AgeGroups = nonNilStrings(h.AgeGroups)
	f.AllOneOf("skills", h.Skills, Skills)
	if len(h.Offers) == 0 {
		f.Add("offers", "Choose at least one kind of stay the host offers: %s.", strings.Join(Offers, ", "))
	}
	f.AllOneOf("offers", h.Offers, Offers)
	f.AllOneOf("home_facts", h.HomeFacts, HomeFacts)
	if len(h.AgeGroups) == 0 {
		f.Add("age_groups", "Choose at least one age group the host is approved for: %s.", strings.Join(AgeGroups, ", "))
	}
	f.AllOneOf("age_groups", h.AgeGroups, AgeGroups)
}

// tidyNotes trims the staff notes and checks their length.
func (h *Host) tidyNotes(f *apperr.Fields) {
	h.StaffNotes = strings.TrimSpace(h.StaffNotes)
	checkText(f, "staff_notes", h.StaffNotes, "", maxLongTextRunes)
}

// checkRanges names every range that breaks a rule: its own dates first,
// then any overlap with a range before it in the list.
func checkRanges(ranges []RangeInput, today, last calendar.Date) error {
	var f apperr.Fields
	if len(ranges) > maxRanges {
		f.Add("ranges", "Give at most %d ranges; join ones that run on from each other.", maxRanges)
		return f.Err()
	}
	good := make([]bool, len(ranges))
	for i, r := range ranges {
		field := fmt.Sprintf("ranges[%d]", i)
		var rf apperr.Fields
		if r.StartsOn.IsZero() {
			rf.Add(field+".starts_on", "Enter the first date the host can take a guest, as YYYY-MM-DD.")
		}
		switch {
		case r.EndsOn.IsZero():
			rf.Add(field+".ends_on", "Enter the last date the host can take a guest, as YYYY-MM-DD.")
		case !r.StartsOn.IsZero() && r.EndsOn.Before(r.StartsOn):
			rf.Add(field+".ends_on", "The last date cannot be before the first.")
		case r.EndsOn.Before(today):
			rf.Add(field+".ends_on", "These dates are over; give dates from today, %s, on.", today.Long())
		case r.EndsOn.After(last):
			rf.Add(field+".ends_on", "Availability can be given up to %s at the furthest.", last.Long())
		}
		err := rf.Err()
		f.Merge("", err)
		good[i] = err == nil
	}
	for i, r := range ranges {
		if !good[i] {
			continue
		}
		for j := range i {
			o := ranges[j]
			if good[j] && !r.EndsOn.Before(o.StartsOn) && !o.EndsOn.Before(r.StartsOn) {
				f.Add(fmt.Sprintf("ranges[%d]", i), "These dates overlap ranges[%d], %s to %s; join them into one range.", j, o.StartsOn.Long(), o.EndsOn.Long())
				break
			}
		}
	}
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

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}
