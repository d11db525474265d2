package privacy

import (
	"context"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations"
)

// Export is everything held about a carer and the people they care for:
// the answer to a subject-access request. Each list is in id (or time)
// order. The hashes of sign-in tokens and codes are left out: they are
// credentials the service keeps to check a sign-in, not information about
// the person, and a copy of them helps no one.
type Export struct {
	GeneratedAt time.Time      `json:"generated_at"`
	Carer       CarerRecord    `json:"carer"`
	People      []PersonRecord `json:"people"`
	// Bookings are every stay booked for their people, confirmed or
	// cancelled, and Nights the place-nights those stays hold.
	Bookings []BookingRecord `json:"bookings"`
	Nights   []NightRecord   `json:"nights"`
	Holds    []HoldRecord    `json:"holds"`
	// Allowance is the use of the carer's nights in each allowance year
	// with a stay or hold, and the year holding today.
	Allowance []AllowanceYear `json:"allowance"`
	// Texts are the texts sent (or queued) to the carer's numbers: their
	// mobile, and any number they were sent a code to confirm. Receipts
	// are the delivery receipts for them, and OptOuts whether any of those
	// numbers replied STOP.
	Texts    []TextRecord    `json:"texts"`
	Receipts []ReceiptRecord `json:"receipts"`
	OptOuts  []OptOutRecord  `json:"opt_outs"`
	// Sessions and SignInCodes are their sign-in history.
	Sessions    []SessionRecord  `json:"sessions"`
	SignInCodes []CodeRecord     `json:"sign_in_codes"`
	Feedback    []FeedbackRecord `json:"feedback"`
	// UnmetSearches are the searches for a stay for their people that
	// found nothing.
	UnmetSearches []UnmetRecord `json:"unmet_searches"`
	// Audit is every entry in the audit log about the carer, their people
	// or their stays, and every one the carer made themself.
	Audit []AuditRecord `json:"audit"`
}

// CarerRecord is a row of carers.
type CarerRecord struct {
	bun.BaseModel `bun:"table:carers" json:"-"`

	ID                    int64         `bun:"id" json:"id"`
	Name                  string        `bun:"name" json:"name"`
	Mobile                string        `bun:"mobile" json:"mobile"`
	Email                 *string       `bun:"email" json:"email"`
	Postcode              string        `bun:"postcode" json:"postcode"`
	Latitude              float64       `bun:"latitude" json:"latitude"`
	Longitude             float64       `bun:"longitude" json:"longitude"`
	AllowanceNights       int           `bun:"allowance_nights" json:"allowance_nights"`
	AllowanceYearStarts   calendar.Date `bun:"allowance_year_starts" json:"allowance_year_starts"`
	EmergencyCard         *string       `bun:"emergency_card" json:"emergency_card"`
	EmergencyPlan         string        `bun:"emergency_plan" json:"emergency_plan"`
	EmergencyContactName  string        `bun:"emergency_contact_name" json:"emergency_contact_name"`
	EmergencyContactPhone *string       `bun:"emergency_contact_phone" json:"emergency_contact_phone"`
	CreatedAt             time.Time     `bun:"created_at" json:"created_at"`
	UpdatedAt             time.Time     `bun:"updated_at" json:"updated_at"`
}

// PersonRecord is a row of people.
type PersonRecord struct {
	bun.BaseModel `bun:"table:people" json:"-"`

	ID           int64         `bun:"id" json:"id"`
	CarerID      int64         `bun:"carer_id" json:"carer_id"`
	Name         string        `bun:"name" json:"name"`
	DateOfBirth  calendar.Date `bun:"date_of_birth" json:"date_of_birth"`
	Needs        []string      `bun:"needs" json:"needs"`
	Requirements []string      `bun:"requirements" json:"requirements"`
	StaffNotes   string        `bun:"staff_notes" json:"staff_notes"`
	CreatedAt    time.Time     `bun:"created_at" json:"created_at"`
	UpdatedAt    time.Time     `bun:"updated_at" json:"updated_at"`
}

// BookingRecord is a row of bookings.
type BookingRecord struct {
	bun.BaseModel `bun:"table:bookings" json:"-"`

	ID                 int64         `bun:"id" json:"id"`
	Reference          string        `bun:"reference" json:"reference"`
	Status             string        `bun:"status" json:"status"`
	Kind               string        `bun:"kind" json:"kind"`
	PersonID           int64         `bun:"person_id" json:"person_id"`
	CarerID            int64         `bun:"carer_id" json:"carer_id"`
	PlaceKind          string        `bun:"place_kind" json:"place_kind"`
	PlaceID            int64         `bun:"place_id" json:"place_id"`
	Arrive             calendar.Date `bun:"arrive" json:"arrive"`
	Depart             calendar.Date `bun:"depart" json:"depart"`
	Nights             int           `bun:"nights" json:"nights"`
	NightlyRatePence   int64         `bun:"nightly_rate_pence" json:"nightly_rate_pence"`
	CreatedByKind      string        `bun:"created_by_kind" json:"created_by_kind"`
	CreatedByID        int64         `bun:"created_by_id" json:"created_by_id"`
	CancelledAt        *time.Time    `bun:"cancelled_at" json:"cancelled_at"`
	CancelledByKind    *string       `bun:"cancelled_by_kind" json:"cancelled_by_kind"`
	CancelledByID      *int64        `bun:"cancelled_by_id" json:"cancelled_by_id"`
	CancelReason       *string       `bun:"cancel_reason" json:"cancel_reason"`
	AllowanceRestored  bool          `bun:"allowance_restored" json:"allowance_restored"`
	MovedFromBookingID *int64        `bun:"moved_from_booking_id" json:"moved_from_booking_id"`
	EndedEarlyAt       *time.Time    `bun:"ended_early_at" json:"ended_early_at"`
	BookedDepart       calendar.Date `bun:"booked_depart" json:"booked_depart,omitzero"`
	AllowanceKeptUntil calendar.Date `bun:"allowance_kept_until" json:"allowance_kept_until,omitzero"`
	OverrideProblems   string        `bun:"override_problems" json:"override_problems"`
	OverrideReason     string        `bun:"override_reason" json:"override_reason"`
	CreatedAt          time.Time     `bun:"created_at" json:"created_at"`
	UpdatedAt          time.Time     `bun:"updated_at" json:"updated_at"`
}

// NightRecord is a row of booking_nights.
type NightRecord struct {
	bun.BaseModel `bun:"table:booking_nights" json:"-"`

	BookingID int64         `bun:"booking_id" json:"booking_id"`
	PersonID  int64         `bun:"person_id" json:"person_id"`
	PlaceKind string        `bun:"place_kind" json:"place_kind"`
	PlaceID   int64         `bun:"place_id" json:"place_id"`
	Night     calendar.Date `bun:"night" json:"night"`
	Slot      int           `bun:"slot" json:"slot"`
}

// HoldRecord is a row of holds.
type HoldRecord struct {
	bun.BaseModel `bun:"table:holds" json:"-"`

	ID            string        `bun:"id" json:"id"`
	PersonID      int64         `bun:"person_id" json:"person_id"`
	CarerID       int64         `bun:"carer_id" json:"carer_id"`
	PlaceKind     string        `bun:"place_kind" json:"place_kind"`
	PlaceID       int64         `bun:"place_id" json:"place_id"`
	Arrive        calendar.Date `bun:"arrive" json:"arrive"`
	Depart        calendar.Date `bun:"depart" json:"depart"`
	CreatedByKind string        `bun:"created_by_kind" json:"created_by_kind"`
	CreatedByID   int64         `bun:"created_by_id" json:"created_by_id"`
	CreatedAt     time.Time     `bun:"created_at" json:"created_at"`
	ExpiresAt     time.Time     `bun:"expires_at" json:"expires_at"`
}

// AllowanceYear is the carer's use of their nights in one allowance year.
// Allowed is their allowance as it stands now: the record keeps no history
// of it.
type AllowanceYear struct {
	YearStarts calendar.Date `json:"year_starts"`
	YearEnds   calendar.Date `json:"year_ends"` // the last day, inclusive
	Allowed    int           `json:"allowed"`
	Booked     int           `json:"booked"`
	Held       int           `json:"held"`
	Remaining  int           `json:"remaining"`
}

// TextRecord is a row of sms_messages.
type TextRecord struct {
	bun.BaseModel `bun:"table:sms_messages" json:"-"`

	ID          int64      `bun:"id" json:"id"`
	Recipient   string     `bun:"recipient" json:"recipient"`
	Template    string     `bun:"template" json:"template"`
	Body        string     `bun:"body" json:"body"`
	Status      string     `bun:"status" json:"status"`
	Attempts    int        `bun:"attempts" json:"attempts"`
	LastError   string     `bun:"last_error" json:"last_error"`
	CreatedAt   time.Time  `bun:"created_at" json:"created_at"`
	SentAt      *time.Time `bun:"sent_at" json:"sent_at"`
	DeliveredAt *time.Time `bun:"delivered_at" json:"delivered_at"`

	ProviderMessageID *string `bun:"provider_message_id" json:"-"`
}

// ReceiptRecord is a row of sms_receipts: a delivery receipt for a text.
type ReceiptRecord struct {
	bun.BaseModel `bun:"table:sms_receipts" json:"-"`

	TextID     int64     `bun:"-" json:"text_id"`
	Status     string    `bun:"status" json:"status"`
	ErrorCode  string    `bun:"error_code" json:"error_code"`
	ReceivedAt time.Time `bun:"received_at" json:"received_at"`

	ProviderMessageID string `bun:"provider_message_id" json:"-"`
}

// OptOutRecord is a row of sms_opt_outs: a number that replied STOP.
type OptOutRecord struct {
	bun.BaseModel `bun:"table:sms_opt_outs" json:"-"`

	Phone      string    `bun:"phone" json:"phone"`
	Keyword    string    `bun:"keyword" json:"keyword"`
	OptedOutAt time.Time `bun:"opted_out_at" json:"opted_out_at"`
}

// SessionRecord is a row of sessions: a sign-in by the carer.
type SessionRecord struct {
	bun.BaseModel `bun:"table:sessions" json:"-"`

	CreatedAt  time.Time  `bun:"created_at" json:"created_at"`
	ExpiresAt  time.Time  `bun:"expires_at" json:"expires_at"`
	LastSeenAt *time.Time `bun:"last_seen_at" json:"last_seen_at"`
}

// CodeRecord is a row of sign_in_codes: a one-time code texted to the
// carer, to sign in or to confirm a new mobile number.
type CodeRecord struct {
	bun.BaseModel `bun:"table:sign_in_codes" json:"-"`

	ID        int64      `bun:"id" json:"id"`
	Phone     string     `bun:"phone" json:"phone"`
	Purpose   string     `bun:"purpose" json:"purpose"`
	Attempts  int        `bun:"attempts" json:"attempts"`
	CreatedAt time.Time  `bun:"created_at" json:"created_at"`
	ExpiresAt time.Time  `bun:"expires_at" json:"expires_at"`
	UsedAt    *time.Time `bun:"used_at" json:"used_at"`
}

// FeedbackRecord is a row of stay_feedback: the carer's replies to the
// day-after text.
type FeedbackRecord struct {
	bun.BaseModel `bun:"table:stay_feedback" json:"-"`

	ID          int64     `bun:"id" json:"id"`
	BookingID   int64     `bun:"booking_id" json:"booking_id"`
	Rating      *int      `bun:"rating" json:"rating"`
	Comment     string    `bun:"comment" json:"comment"`
	Replies     int       `bun:"replies" json:"replies"`
	ReceivedAt  time.Time `bun:"received_at" json:"received_at"`
	LastReplyAt time.Time `bun:"last_reply_at" json:"last_reply_at"`
}

// UnmetRecord is a row of unmet_searches.
type UnmetRecord struct {
	bun.BaseModel `bun:"table:unmet_searches" json:"-"`

	ID           int64         `bun:"id" json:"id"`
	PersonID     *int64        `bun:"person_id" json:"person_id"`
	Kind         string        `bun:"kind" json:"kind"`
	SearchedAt   time.Time     `bun:"searched_at" json:"searched_at"`
	Arrive       calendar.Date `bun:"arrive" json:"arrive"`
	Depart       calendar.Date `bun:"depart" json:"depart"`
	Needs        []string      `bun:"needs" json:"needs"`
	Requirements []string      `bun:"requirements" json:"requirements"`
	AgeGroup     string        `bun:"age_group" json:"age_group"`
	Area         string        `bun:"area" json:"area"`
}

// AuditRecord is a row of audit_log.
type AuditRecord struct {
	bun.BaseModel `bun:"table:audit_log" json:"-"`

	ID         int64     `bun:"id" json:"id"`
	At         time.Time `bun:"at" json:"at"`
	ActorKind  string    `bun:"actor_kind" json:"actor_kind"`
	ActorID    int64     `bun:"actor_id" json:"actor_id"`
	ActorName  string    `bun:"actor_name" json:"actor_name"`
	Action     string    `bun:"action" json:"action"`
	TargetKind string    `bun:"target_kind" json:"target_kind"`
	TargetID   int64     `bun:"target_id" json:"target_id"`
	Reason     string    `bun:"reason" json:"reason"`
	Fields     string    `bun:"fields" json:"fields"`
}

// ExportCarer returns everything held about the carer and the people they
// care for, and records the export in the audit log. It returns
// ErrNotAllowed for anyone but an administrator or the command line, and
// ErrCarerNotFound.
func (s *Service) ExportCarer(ctx context.Context, actor accounts.Principal, carerID int64) (Export, error) {
	if !mayAct(actor) {
		return Export{}, ErrNotAllowed
	}
	now := s.now()
	var out Export
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		// Recorded first, so the export lists its own entry: the document
		// says it was asked for.
		if err := audit.Record(ctx, tx, now, actor, audit.CarerExported, "carer", carerID, "subject access request"); err != nil {
			return err
		}
		out, err = collect(ctx, tx, carerID, now)
		return err
	})
	if err != nil {
		return Export{}, err
	}
	return out, nil
}

// collect reads the export in db, which should be one transaction so that
// the document is consistent.
func collect(ctx context.Context, db bun.IDB, carerID int64, now time.Time) (Export, error) {
	out := Export{GeneratedAt: now.UTC()}
	err := db.NewSelect().Model(&out.Carer).Where("id = ?", carerID).Scan(ctx)
	if migrations.IsNoRows(err) {
		return Export{}, ErrCarerNotFound
	}
	if err != nil {
		return Export{}, apperr.Wrapf(err, "reading carer %d", carerID)
	}
	ids, err := linkedIDs(ctx, db, carerID)
	if err != nil {
		return Export{}, err
	}
	reads := []struct {
		what string
		q    *bun.SelectQuery
	}{
		{"people", db.NewSelect().Model(&out.People).Where("carer_id = ?", carerID).Order("id")},
		{"bookings", db.NewSelect().Model(&out.Bookings).Where("carer_id = ?", carerID).Order("id")},
		{"booking nights", db.NewSelect().Model(&out.Nights).Where("booking_id IN (SELECT id FROM bookings WHERE carer_id = ?)", carerID).Order("booking_id", "night", "slot")},
		{"holds", db.NewSelect().Model(&out.Holds).Where("carer_id = ?", carerID).Order("created_at", "id")},
		{"texts", db.NewSelect().Model(&out.Texts).Where("recipient IN (?)", bun.In(ids.numbers)).Order("id")},
		{"opt-outs", db.NewSelect().Model(&out.OptOuts).Where("phone IN (?)", bun.In(ids.numbers)).Order("phone")},
		{"sessions", db.NewSelect().Model(&out.Sessions).Where("subject_kind = ?", accounts.SubjectCarer).Where("subject_id = ?", carerID).Order("created_at")},
		{"sign-in codes", db.NewSelect().Model(&out.SignInCodes).
			WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where("phone IN (?)", bun.In(ids.numbers)).WhereOr("subject_kind = ? AND subject_id = ?", accounts.SubjectCarer, carerID)
			}).Order("id")},
		{"feedback", db.NewSelect().Model(&out.Feedback).Where("carer_id = ?", carerID).Order("id")},
		{"unmet searches", db.NewSelect().Model(&out.UnmetSearches).
			WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where("carer_id = ?", carerID).WhereOr("person_id IN (?)", bun.In(ids.people))
			}).Order("id")},
		{"audit entries", db.NewSelect().Model(&out.Audit).
			WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where("target_kind = 'carer' AND target_id = ?", carerID).
					WhereOr("target_kind = 'person' AND target_id IN (?)", bun.In(ids.people)).
					WhereOr("target_kind = 'booking' AND target_id IN (?)", bun.In(ids.bookings)).
					WhereOr("actor_kind = ? AND actor_id = ?", accounts.SubjectCarer, carerID)
			}).Order("id")},
	}
	for _, r := range reads {
		if err := r.q.Scan(ctx); err != nil && !migrations.IsNoRows(err) {
			return Export{}, apperr.Wrapf(err, "reading the carer's %s", r.what)
		}
	}
	// Receipts name the provider's id of a text, not a number.
	var providerIDs []string
	textOf := map[string]int64{}
	for _, t := range out.Texts {
		if t.ProviderMessageID != nil {
			providerIDs = append(providerIDs, *t.ProviderMessageID)
			textOf[*t.ProviderMessageID] = t.ID
		}
	}
	if len(providerIDs) > 0 {
		err := db.NewSelect().Model(&out.Receipts).Where("provider_message_id IN (?)", bun.In(providerIDs)).Order("received_at", "id").Scan(ctx)
		if err != nil && !migrations.IsNoRows(err) {
			return Export{}, apperr.Wrapf(err, "reading the receipts of the carer's texts")
		}
		for i := range out.Receipts {
			out.Receipts[i].TextID = textOf[out.Receipts[i].ProviderMessageID]
		}
	}
	out.Allowance = allowanceYears(out.Carer, out.Bookings, out.Holds, now)
	nonNil(&out)
	return out, nil
}

// nonNil makes empty lists [] rather than null in the document.
func nonNil(e *Export) {
	orEmpty(&e.People)
	orEmpty(&e.Bookings)
	orEmpty(&e.Nights)
	orEmpty(&e.Holds)
	orEmpty(&e.Allowance)
	orEmpty(&e.Texts)
	orEmpty(&e.Receipts)
	orEmpty(&e.OptOuts)
	orEmpty(&e.Sessions)
	orEmpty(&e.SignInCodes)
	orEmpty(&e.Feedback)
	orEmpty(&e.UnmetSearches)
	orEmpty(&e.Audit)
}

func orEmpty[T any](s *[]T) {
	if *s == nil {
		*s = []T{}
	}
}

// linked is what ties rows elsewhere to a carer: their people, their
// bookings, and their phone numbers (the mobile on their record, and any
// number a code was sent to for them, such as a new mobile they confirmed).
type linked struct {
	people, bookings []int64
	numbers          []string
}

func linkedIDs(ctx context.Context, db bun.IDB, carerID int64) (linked, error) {
	var l linked
	if err := db.NewSelect().Table("people").Column("id").Where("carer_id = ?", carerID).Order("id").Scan(ctx, &l.people); err != nil && !migrations.IsNoRows(err) {
		return l, apperr.Wrapf(err, "reading the carer's people")
	}
	if err := db.NewSelect().Table("bookings").Column("id").Where("carer_id = ?", carerID).Order("id").Scan(ctx, &l.bookings); err != nil && !migrations.IsNoRows(err) {
		return l, apperr.Wrapf(err, "reading the carer's bookings")
	}
	var mobile string
	if err := db.NewSelect().Table("carers").Column("mobile").Where("id = ?", carerID).Scan(ctx, &mobile); err != nil {
		return l, apperr.Wrapf(err, "reading the carer's mobile")
	}
	var confirmed []string
	err := db.NewSelect().Table("sign_in_codes").ColumnExpr("DISTINCT phone").
		Where("subject_kind = ?", accounts.SubjectCarer).Where("subject_id = ?", carerID).Scan(ctx, &confirmed)
	if err != nil && !migrations.IsNoRows(err) {
		return l, apperr.Wrapf(err, "reading the numbers the carer was sent codes to")
	}
	l.numbers = append([]string{mobile}, confirmed...)
	slices.Sort(l.numbers)
	l.numbers = slices.Compact(l.numbers)
	// bun.In of an empty list is IN (NULL), which matches nothing: right.
	if len(l.people) == 0 {
		l.people = []int64{0}
	}
	if len(l.bookings) == 0 {
		l.bookings = []int64{0}
	}
	return l, nil
}

// allowanceYears works out the carer's use of their nights in each
// allowance year that a stay or a live hold touches, and the year holding
// today, as the booking service counts it: a stay counts from its arrival
// to its departure (or, when it was ended early and policy kept the freed
// nights, to AllowanceKeptUntil), unless it was cancelled with its nights
// given back.
func allowanceYears(c CarerRecord, bookings []BookingRecord, holds []HoldRecord, now time.Time) []AllowanceYear {
	carer := booking.Carer{AllowanceNights: c.AllowanceNights, AllowanceYearStarts: c.AllowanceYearStarts}
	years := map[calendar.Date]*AllowanceYear{}
	year := func(d calendar.Date) *AllowanceYear {
		start, next := carer.AllowanceYear(d)
		y, ok := years[start]
		if !ok {
			y = &AllowanceYear{YearStarts: start, YearEnds: next.AddDays(-1), Allowed: c.AllowanceNights}
			years[start] = y
		}
		return y
	}
	year(calendar.Of(now.In(calendar.London)))
	for _, b := range bookings {
		if b.Status != booking.StatusConfirmed && b.AllowanceRestored {
			continue
		}
		end := b.Depart
		if b.AllowanceKeptUntil.After(end) {
			end = b.AllowanceKeptUntil
		}
		for n := b.Arrive; n.Before(end); n = n.AddDays(1) {
			year(n).Booked++
		}
	}
	for _, h := range holds {
		if !h.ExpiresAt.After(now) {
			continue
		}
		for n := h.Arrive; n.Before(h.Depart); n = n.AddDays(1) {
			year(n).Held++
		}
	}
	out := make([]AllowanceYear, 0, len(years))
	for _, y := range years {
		y.Remaining = y.Allowed - y.Booked - y.Held
		out = append(out, *y)
	}
	slices.SortFunc(out, func(a, b AllowanceYear) int { return a.YearStarts.DaysUntil(b.YearStarts) * -1 })
	return out
}
