package privacy

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations"
	"github.com/respite-uk/respite/notify"
)

// What erasure leaves in place of a personal field. A field that held
// something and is counted by a report (an emergency plan, a feedback
// comment, an override's reason) keeps this marker rather than nothing,
// so that "plans held" and "with a comment" do not change; what it said
// is gone.
const erasedMarker = "(erased)"

// erasedMobilePrefix starts the mobile of an erased carer: "erased-123".
// carers.mobile is NOT NULL and UNIQUE, and this is no phone number, so no
// text can go to it and no sign-in can match it.
const erasedMobilePrefix = "erased-"

func erasedMobile(carerID int64) string { return fmt.Sprintf("%s%d", erasedMobilePrefix, carerID) }

// Erasure is what erasing a carer did.
type Erasure struct {
	CarerID int64 `json:"carer_id"`
	People  int   `json:"people"` // cared-for people erased with them
	// AlreadyErased: the carer had been erased before and nothing was
	// done (or recorded) this time.
	AlreadyErased bool `json:"already_erased"`
}

// EraseCarer erases a carer and the people they care for on request: in
// one transaction their personal fields are replaced by a tombstone
// ("Erased carer 123"), their sign-in sessions, codes and holds deleted,
// the texts to their numbers blanked, their unmet searches unlinked and
// their feedback comments removed. Their stays stay, linked to the
// tombstones, so the commissioners' figures do not change. The erasure
// is recorded in the audit log (carer.erased, and person.erased for each
// person) with the reason and none of the erased data.
//
// Erasing a carer already erased does nothing and returns AlreadyErased.
// It returns ErrNotAllowed for anyone but an administrator or the command
// line, an Invalid error naming reason when there is none,
// ErrCarerNotFound, and ErrStayNotOver (naming the stay) while a stay of
// theirs is upcoming or under way.
func (s *Service) EraseCarer(ctx context.Context, actor accounts.Principal, carerID int64, reason string) (Erasure, error) {
	if !mayAct(actor) {
		return Erasure{}, ErrNotAllowed
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Erasure{}, apperr.Invalidf("reason", "Say why the carer's record is being erased, such as \"their request of 3 March\".")
	}
	now := s.now()
	out := Erasure{CarerID: carerID}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		c, err := lockCarer(ctx, tx, carerID)
		if err != nil {
			return err
		}
		if c.Mobile == erasedMobile(carerID) {
			out.AlreadyErased = true
			return nil
		}
		if err := refuseWhileStaying(ctx, tx, carerID, calendar.Of(now.In(calendar.London))); err != nil {
			return err
		}
		out.People, err = anonymise(ctx, tx, actor, carerID, now, "on request: "+reason)
		return err
	})
	if err != nil {
		return Erasure{}, err
	}
	return out, nil
}

// lockCarer reads the carer, locking the row on PostgreSQL so that a
// booking made meanwhile (which locks it too) waits and then sees the
// erasure, or the erasure sees the booking.
func lockCarer(ctx context.Context, db bun.IDB, carerID int64) (CarerRecord, error) {
	var c CarerRecord
	q := db.NewSelect().Model(&c).Where("id = ?", carerID)
	if db.Dialect().Name() == dialect.PG {
		q = q.For("UPDATE")
	}
	err := q.Scan(ctx)
	if migrations.IsNoRows(err) {
		return c, ErrCarerNotFound
	}
	return c, apperr.Wrapf(err, "reading carer %d", carerID)
}

// refuseWhileStaying returns ErrStayNotOver, naming the first such stay,
// when a confirmed stay of the carer's people departs today or later: it
// is upcoming or under way, and the home, the host and the duty team
// still need to know who is coming.
func refuseWhileStaying(ctx context.Context, db bun.IDB, carerID int64, today calendar.Date) error {
	var stays []struct {
		Reference string        `bun:"reference"`
		Arrive    calendar.Date `bun:"arrive"`
		Depart    calendar.Date `bun:"depart"`
		Person    string        `bun:"person"`
	}
	err := db.NewSelect().TableExpr("bookings AS bk").Join("JOIN people AS pe ON pe.id = bk.person_id").
		ColumnExpr("bk.reference, bk.arrive, bk.depart, pe.name AS person").
		Where("bk.carer_id = ?", carerID).Where("bk.status = ?", booking.StatusConfirmed).Where("bk.depart >= ?", today).
		OrderExpr("bk.arrive, bk.id").Scan(ctx, &stays)
	if err != nil && !migrations.IsNoRows(err) {
		return apperr.Wrapf(err, "reading the carer's stays")
	}
	if len(stays) == 0 {
		return nil
	}
	st := stays[0]
	more := ""
	if n := len(stays) - 1; n == 1 {
		more = " (and 1 more stay)"
	} else if n > 1 {
		more = fmt.Sprintf(" (and %d more stays)", n)
	}
	return ErrStayNotOver.Reason("%s has a stay from %s (reference %s)%s; cancel it or wait until it ends, then erase the record.",
		st.Person, stayDates(st.Arrive, st.Depart), st.Reference, more)
}

// stayDates writes "3 March to 6 March 2027", or "30 December 2026 to
// 2 January 2027" across a new year.
func stayDates(arrive, depart calendar.Date) string {
	from := fmt.Sprintf("%d %s", arrive.Day, arrive.Month)
	if arrive.Year != depart.Year {
		from += fmt.Sprintf(" %d", arrive.Year)
	}
	return fmt.Sprintf("%s to %d %s %d", from, depart.Day, depart.Month, depart.Year)
}

// anonymise replaces the personal data of a carer and their people in db
// (the caller's transaction), records it in the audit log as actor's with
// reason, and returns how many people were erased with the carer.
//
// What it keeps, and why: the ids, the allowance (nights and year start)
// and when the record was made, which "carers reached" and the allowance
// figures count; every booking and booked night, linked to the
// tombstones, which every report counts; and a person's date of birth
// only as far as the reports need it (see neutralBirthDate).
func anonymise(ctx context.Context, db bun.IDB, actor audit.Principal, carerID int64, now time.Time, reason string) (int, error) {
	ids, err := linkedIDs(ctx, db, carerID) // before the mobile goes
	if err != nil {
		return 0, err
	}
	var people []PersonRecord
	if err := db.NewSelect().Model(&people).Where("carer_id = ?", carerID).Order("id").Scan(ctx); err != nil && !migrations.IsNoRows(err) {
		return 0, apperr.Wrapf(err, "reading the carer's people")
	}
	utc := now.UTC()
	for _, p := range people {
		var stays []struct {
			Arrive calendar.Date `bun:"arrive"`
		}
		if err := db.NewSelect().Table("bookings").Column("arrive").Where("person_id = ?", p.ID).Scan(ctx, &stays); err != nil && !migrations.IsNoRows(err) {
			return 0, apperr.Wrapf(err, "reading person %d's stays", p.ID)
		}
		arrivals := make([]calendar.Date, len(stays))
		for i, st := range stays {
			arrivals[i] = st.Arrive
		}
		_, err := db.NewUpdate().Table("people").
			Set("name = ?", fmt.Sprintf("Erased person %d", p.ID)).
			Set("date_of_birth = ?", neutralBirthDate(p.DateOfBirth, arrivals)).
			Set("needs = ?", "[]").Set("requirements = ?", "[]").
			Set("staff_notes = ''").Set("updated_at = ?", utc).
			Where("id = ?", p.ID).Exec(ctx)
		if err != nil {
			return 0, apperr.Wrapf(err, "erasing person %d", p.ID)
		}
	}
	_, err = db.NewUpdate().Table("carers").
		Set("name = ?", fmt.Sprintf("Erased carer %d", carerID)).
		Set("mobile = ?", erasedMobile(carerID)).
		Set("email = NULL").Set("postcode = ''").Set("latitude = 0").Set("longitude = 0").
		Set("emergency_card = NULL").
		Set("emergency_plan = CASE WHEN TRIM(emergency_plan) <> '' THEN ? ELSE '' END", erasedMarker).
		Set("emergency_contact_name = ''").Set("emergency_contact_phone = NULL").
		Set("updated_at = ?", utc).
		Where("id = ?", carerID).Exec(ctx)
	if err != nil {
		return 0, apperr.Wrapf(err, "erasing carer %d", carerID)
	}
	if err := scrubLinked(ctx, db, carerID, ids, utc); err != nil {
		return 0, err
	}
	if err := audit.Record(ctx, db, now, actor, audit.CarerErased, "carer", carerID, reason); err != nil {
		return 0, err
	}
	for _, p := range people {
		if err := audit.Record(ctx, db, now, actor, audit.PersonErased, "person", p.ID, reason); err != nil {
			return 0, err
		}
	}
	return len(people), nil
}

// scrubLinked removes what other tables hold about the carer: their
// holds, sign-in sessions and codes are deleted; the texts to their
// numbers lose their body, template data and number (keeping status and
// timing), and any still waiting are not sent; a STOP from their numbers
// is forgotten (unless a host has that mobile); their unmet searches stop
// naming them; their feedback comments are removed. Their bookings keep
// their dates, place and status, but not the words of a cancellation or
// an override.
func scrubLinked(ctx context.Context, db bun.IDB, carerID int64, ids linked, now time.Time) error {
	steps := []struct {
		what string
		q    func() (sql.Result, error)
	}{
		{"holds", func() (sql.Result, error) {
			return db.NewDelete().Table("holds").Where("carer_id = ? OR person_id IN (?)", carerID, bun.In(ids.people)).Exec(ctx)
		}},
		{"sessions", func() (sql.Result, error) {
			return db.NewDelete().Table("sessions").Where("subject_kind = ? AND subject_id = ?", accounts.SubjectCarer, carerID).Exec(ctx)
		}},
		{"sign-in codes", func() (sql.Result, error) {
			return db.NewDelete().Table("sign_in_codes").
				Where("phone IN (?) OR (subject_kind = ? AND subject_id = ?)", bun.In(ids.numbers), accounts.SubjectCarer, carerID).Exec(ctx)
		}},
		// A text not yet sent never will be: its number is going.
		{"texts waiting", func() (sql.Result, error) {
			return db.NewUpdate().Table("sms_messages").Set("status = ?", notify.StatusSuppressed).
				Set("last_error = ?", "Not sent: the carer's record was erased.").Set("updated_at = ?", now).
				Where("recipient IN (?)", bun.In(ids.numbers)).Where("status = ?", notify.StatusQueued).Exec(ctx)
		}},
		// A text being sent or checked this very moment is left to its
		// dispatcher, which needs its number and body; retention blanks
		// its body later.
		{"texts", func() (sql.Result, error) {
			return db.NewUpdate().Table("sms_messages").Set("body = ''").Set("data = ?", "{}").Set("recipient = ''").
				Set("updated_at = ?", now).
				Where("recipient IN (?)", bun.In(ids.numbers)).
				Where("status NOT IN (?)", bun.In([]string{notify.StatusSending, notify.StatusChecking})).Exec(ctx)
		}},
		{"opt-outs", func() (sql.Result, error) {
			return db.NewDelete().Table("sms_opt_outs").Where("phone IN (?)", bun.In(ids.numbers)).
				Where("phone NOT IN (SELECT mobile FROM hosts)").Exec(ctx)
		}},
		{"unmet searches", func() (sql.Result, error) {
			return db.NewUpdate().Table("unmet_searches").Set("person_id = NULL").Set("carer_id = NULL").
				Where("carer_id = ? OR person_id IN (?)", carerID, bun.In(ids.people)).Exec(ctx)
		}},
		{"feedback", func() (sql.Result, error) {
			return db.NewUpdate().Table("stay_feedback").
				Set("comment = CASE WHEN comment <> '' THEN ? ELSE '' END", erasedMarker).
				Where("carer_id = ?", carerID).Exec(ctx)
		}},
		{"bookings", func() (sql.Result, error) {
			return db.NewUpdate().Table("bookings").Set("cancel_reason = NULL").
				Set("override_reason = CASE WHEN override_reason <> '' THEN ? ELSE '' END", erasedMarker).
				Set("override_problems = CASE WHEN override_problems <> '' THEN ? ELSE '' END", erasedMarker).
				Where("carer_id = ?", carerID).Exec(ctx)
		}},
	}
	for _, st := range steps {
		if _, err := st.q(); err != nil {
			return apperr.Wrapf(err, "erasing the carer's %s", st.what)
		}
	}
	return nil
}

// neutralBirthDate is the date of birth an erased person keeps: the
// reports need it only to tell whether they were a child or an adult when
// each stay began. It is 1 January of their year of birth when that tells
// every stay the same, else the 1st of their month of birth when that
// does, else (a stay began within days of their 18th birthday) the date
// itself.
func neutralBirthDate(dob calendar.Date, arrivals []calendar.Date) calendar.Date {
	actual := booking.Person{DateOfBirth: dob}
	for _, candidate := range []calendar.Date{
		{Year: dob.Year, Month: time.January, Day: 1},
		{Year: dob.Year, Month: dob.Month, Day: 1},
	} {
		p := booking.Person{DateOfBirth: candidate}
		same := true
		for _, a := range arrivals {
			if p.IsChild(a) != actual.IsChild(a) {
				same = false
				break
			}
		}
		if same {
			return candidate
		}
	}
	return dob
}
