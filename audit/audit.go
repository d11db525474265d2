// Package audit keeps the record of staff actions that matter: every
// booking made, changed or cancelled on someone's behalf, every emergency
// placement, every read of a carer's emergency plan, every change to a staff
// account. Who, when, what, why. Entries are written in the same transaction
// as the action, so an action and its record exist together, and the
// database refuses to change or delete them.
//
// The package knows nothing of accounts: whoever acts says who they are
// through Principal, so the accounts package can record its own changes.
package audit

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/paging"
)

// Actions recorded.
const (
	BookingCreated     = "booking.created"
	BookingCancelled   = "booking.cancelled"
	EmergencyLookup    = "emergency.lookup"
	EmergencyPlacement = "emergency.placement"
	SpotPlacement      = "emergency.spot_placement"
	// EmergencyOverride: a person placed (or moved) where the place did not
	// suit on paper; the reason says why not, and why all the same.
	EmergencyOverride = "emergency.override"

	// Changes to a stay (target kind "booking").
	BookingExtended   = "booking.extended"    // nights added at the start or end
	BookingEndedEarly = "booking.ended_early" // later nights freed; earlier ones kept
	BookingMoved      = "booking.moved"       // some or all nights moved to another place

	// Changes to staff accounts (target kind "staff_user").
	StaffAdded             = "staff.added"
	StaffDisabled          = "staff.disabled"
	StaffEnabled           = "staff.enabled"
	StaffRoleChanged       = "staff.role_changed"
	StaffPasswordReset     = "staff.password_reset"      // by an admin: a one-time password
	StaffPasswordChanged   = "staff.password_changed"    // by the member of staff
	StaffSecondFactorReset = "staff.second_factor_reset" // by an admin: they must set it up again
	StaffSecondFactorAdded = "staff.second_factor_added" // by the member of staff: an authenticator app
	StaffRecoveryCodeUsed  = "staff.recovery_code_used"  // by the member of staff, signing in

	// Carers' and cared-for people's records (target kinds "carer" and
	// "person"). A change names the fields changed, never their values:
	// the old and new needs of a person are health data.
	CarerCreated  = "carer.created"
	CarerChanged  = "carer.changed"
	PersonAdded   = "person.added"
	PersonChanged = "person.changed"
	// Reads by staff of a person's needs (target "person") or a carer's
	// emergency plan (target "carer"), by any route but the card lookup,
	// which is EmergencyLookup; the reason names the route ("carer's page",
	// "carers list", "API"). Carers reading their own are not recorded.
	PersonNeedsRead   = "person.needs_read"
	EmergencyPlanRead = "carer.emergency_plan_read"
	CarerExported     = "carer.exported" // everything held about them, on request
	CarerErased       = "carer.erased"   // personal fields replaced; the reason says on request or by retention
	PersonErased      = "person.erased"
	RetentionApplied  = "data.retention" // the daily job's summary (actor: the system)

	// Shared-lives hosts (target kind "host").
	HostCreated   = "host.created"
	HostChanged   = "host.changed"
	HostApproved  = "host.approved"
	HostSuspended = "host.suspended"
	HostLeft      = "host.left"

	// Care homes and what the council buys from them (target kinds
	// "provider", "contract", "bed" and "closure").
	HomeCreated     = "home.created"
	HomeChanged     = "home.changed"
	ContractCreated = "contract.created"
	ContractChanged = "contract.changed"
	BedCreated      = "bed.created"
	BedChanged      = "bed.changed"
	ClosureCreated  = "closure.created"
	ClosureLifted   = "closure.lifted"
)

// Actor is who did something, as the log records them.
type Actor struct {
	Kind string // staff, carer, host, or operator (the command line)
	ID   int64
	Name string
	// MayRead is whether they may read the log (admins).
	MayRead bool
}

// Principal is anyone who acts: accounts.Principal is one.
type Principal interface {
	AuditActor() Actor
}

// Entry is one recorded action.
type Entry struct {
	bun.BaseModel `bun:"table:audit_log"`

	ID         int64     `bun:"id,pk,autoincrement"`
	At         time.Time `bun:"at"`
	ActorKind  string    `bun:"actor_kind"`
	ActorID    int64     `bun:"actor_id"`
	ActorName  string    `bun:"actor_name"`
	Action     string    `bun:"action"`
	TargetKind string    `bun:"target_kind"` // booking, carer, person, staff_user
	TargetID   int64     `bun:"target_id"`
	Reason     string    `bun:"reason"`
	// Fields names the fields a change touched ("name, needs"): their
	// names only, so the log never holds the data itself.
	Fields string `bun:"fields"`
}

// Record writes an entry in db, which should be the action's own
// transaction.
func Record(ctx context.Context, db bun.IDB, now time.Time, who Principal, action, targetKind string, targetID int64, reason string) error {
	actor := who.AuditActor()
	e := Entry{At: now.UTC(), ActorKind: actor.Kind, ActorID: actor.ID, ActorName: actor.Name,
		Action: action, TargetKind: targetKind, TargetID: targetID, Reason: strings.TrimSpace(reason)}
	_, err := db.NewInsert().Model(&e).Exec(ctx)
	return apperr.Wrapf(err, "recording %s in the audit log", action)
}

// RecordChange writes an entry for a change to a record, naming the fields
// changed (in the order given). A change that touched no field records
// nothing: saving a form unchanged is not a change.
func RecordChange(ctx context.Context, db bun.IDB, now time.Time, who Principal, action, targetKind string, targetID int64, fields []string, reason string) error {
	if len(fields) == 0 {
		return nil
	}
	actor := who.AuditActor()
	e := Entry{At: now.UTC(), ActorKind: actor.Kind, ActorID: actor.ID, ActorName: actor.Name,
		Action: action, TargetKind: targetKind, TargetID: targetID, Reason: strings.TrimSpace(reason),
		Fields: strings.Join(fields, ", ")}
	_, err := db.NewInsert().Model(&e).Exec(ctx)
	return apperr.Wrapf(err, "recording %s in the audit log", action)
}

// System is the service itself acting on a schedule (the data-retention
// job), as the log records it.
type System struct{}

// AuditActor is the system's audit identity.
func (System) AuditActor() Actor { return Actor{Kind: "system", Name: "Respite (scheduled job)"} }

// Filter narrows the log.
type Filter struct {
	Action     string // one of the actions above, such as BookingCancelled
	ActorKind  string
	ActorID    int64
	TargetKind string
	TargetID   int64
	From, To   time.Time // zero for open ends; To is exclusive
	Page       paging.Request
}

// ErrNotAllowed: only admins read the audit log.
var ErrNotAllowed = apperr.New(apperr.Forbidden, "Only administrators can read the audit log.")

// Service reads the log.
type Service struct {
	db  *bun.DB
	now calendar.Clock
}

// NewService returns the audit log reader.
func NewService(db *bun.DB) *Service { return &Service{db: db, now: calendar.SystemClock} }

// List returns entries, newest first, for admins.
func (s *Service) List(ctx context.Context, actor Principal, f Filter) (paging.Page[Entry], error) {
	if !actor.AuditActor().MayRead {
		return paging.Page[Entry]{}, ErrNotAllowed
	}
	f.Page = f.Page.Clamp()
	var es []Entry
	q := s.db.NewSelect().Model(&es).OrderExpr("id DESC").Limit(int64(f.Page.Limit) + 1)
	if f.Page.After > 0 {
		q = q.Where("id < ?", f.Page.After)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.ActorKind != "" {
		q = q.Where("actor_kind = ?", f.ActorKind)
	}
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.TargetKind != "" {
		q = q.Where("target_kind = ?", f.TargetKind)
	}
	if f.TargetID != 0 {
		q = q.Where("target_id = ?", f.TargetID)
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To.UTC())
	}
	if err := q.Scan(ctx); err != nil {
		return paging.Page[Entry]{}, apperr.Wrapf(err, "reading the audit log")
	}
	return paging.Cut(es, f.Page.Limit, func(e Entry) int64 { return e.ID }), nil
}
