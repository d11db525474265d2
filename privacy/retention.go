package privacy

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations"
	"github.com/respite-uk/respite/notify"
)

// RetentionReport is what a retention run did, or, on a dry run, would do.
type RetentionReport struct {
	DryRun bool
	// InactiveBefore: carers with no stay and no contact since then are
	// anonymised (Carers, and People with them).
	InactiveBefore time.Time
	Carers         []InactiveCarer
	People         int
	// MessagesBefore: texts queued before then lose their bodies
	// (TextsBlanked of them this run).
	MessagesBefore time.Time
	TextsBlanked   int64
	// UnmetBefore: unmet searches made before then stop naming the person
	// and carer (UnmetUnlinked of them this run).
	UnmetBefore   time.Time
	UnmetUnlinked int64
}

// InactiveCarer is a carer retention anonymises.
type InactiveCarer struct {
	ID     int64
	Name   string // before anonymising
	People int
}

// Changed reports whether the run changed (or would change) anything.
func (r RetentionReport) Changed() bool {
	return len(r.Carers) > 0 || r.TextsBlanked > 0 || r.UnmetUnlinked > 0
}

// Summary is the report in a sentence, for the log and the audit entry.
func (r RetentionReport) Summary() string {
	verb := "anonymised"
	if r.DryRun {
		verb = "would anonymise"
	}
	blanked, unlinked := "blanked", "unlinked"
	if r.DryRun {
		blanked, unlinked = "to blank", "to unlink"
	}
	return fmt.Sprintf("%s %d carer(s) and %d cared-for people with no stay or contact since %s; %d text bodies %s; %d unmet searches %s",
		verb, len(r.Carers), r.People, calendar.Of(r.InactiveBefore.In(calendar.London)), r.TextsBlanked, blanked, r.UnmetUnlinked, unlinked)
}

// ApplyRetention is the daily data-retention job's work:
//
//   - A carer (and the people they care for) with no stay and no contact
//     for the inactive period (Options.Inactive) is anonymised as erasure
//     does, and the audit log records it as the system's, with the reason
//     "retention". Contact is the latest of: the carer's record made or
//     changed; a person of theirs added or changed; a stay of theirs
//     booked, changed or cancelled, or departing (a stay departing since
//     then, or still to come, is a stay); a hold made; a sign-in session
//     started or used; a sign-in code sent for them; a text queued to
//     their mobile; a reply to a day-after text; an unmet search for them.
//     A carer already erased is left alone.
//   - Texts queued before the messages period (Options.Messages) lose
//     their bodies and template data; number, template, status and timing
//     stay. Texts not yet finished (queued, sending, checking) are left.
//   - Unmet searches made over a year ago stop naming the person and the
//     carer. The rest of the row (dates, area, needs, requirements, age
//     group, kind) stays: it is what the unmet-demand report groups by,
//     and without the names it is demand in aggregate, not about anyone.
//
// Running it again changes nothing more. With dryRun it changes nothing
// and reports what it would do.
func (s *Service) ApplyRetention(ctx context.Context, dryRun bool) (RetentionReport, error) {
	now := s.now()
	r := RetentionReport{
		DryRun:         dryRun,
		InactiveBefore: s.opts.Inactive.Before(now).UTC(),
		MessagesBefore: s.opts.Messages.Before(now).UTC(),
		UnmetBefore:    UnmetLinkedFor.Before(now).UTC(),
	}
	// Old texts and searches first, so that the counts are the same as a
	// dry run's: anonymising a carer below blanks their texts too.
	texts := s.db.NewSelect().Table("sms_messages").Where("created_at < ?", r.MessagesBefore).
		Where("status NOT IN (?)", bun.In([]string{notify.StatusQueued, notify.StatusSending, notify.StatusChecking})).
		Where("body <> ''")
	unmet := s.db.NewSelect().Table("unmet_searches").Where("searched_at < ?", r.UnmetBefore).
		Where("(person_id IS NOT NULL OR carer_id IS NOT NULL)")
	if dryRun {
		n, err := texts.Count(ctx)
		if err != nil {
			return r, apperr.Wrapf(err, "counting old texts")
		}
		u, err := unmet.Count(ctx)
		if err != nil {
			return r, apperr.Wrapf(err, "counting old unmet searches")
		}
		r.TextsBlanked, r.UnmetUnlinked = int64(n), int64(u)
	} else {
		err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			res, err := tx.NewUpdate().Table("sms_messages").Set("body = ''").Set("data = ?", "{}").Set("updated_at = ?", now.UTC()).
				Where("id IN (?)", texts.Column("id")).Exec(ctx)
			if err != nil {
				return apperr.Wrapf(err, "blanking old texts")
			}
			r.TextsBlanked, _ = res.RowsAffected()
			res, err = tx.NewUpdate().Table("unmet_searches").Set("person_id = NULL").Set("carer_id = NULL").
				Where("id IN (?)", unmet.Column("id")).Exec(ctx)
			if err != nil {
				return apperr.Wrapf(err, "unlinking old unmet searches")
			}
			r.UnmetUnlinked, _ = res.RowsAffected()
			return nil
		})
		if err != nil {
			return r, err
		}
	}

	var candidates []InactiveCarer
	err := inactiveCarers(s.db.NewSelect(), r.InactiveBefore).
		ColumnExpr("c.id, c.name, (SELECT COUNT(*) FROM people p WHERE p.carer_id = c.id) AS people").
		OrderExpr("c.id").Scan(ctx, &candidates)
	if err != nil && !migrations.IsNoRows(err) {
		return r, apperr.Wrapf(err, "finding inactive carers")
	}
	for _, c := range candidates {
		if dryRun {
			r.Carers, r.People = append(r.Carers, c), r.People+c.People
			continue
		}
		done := false
		err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := lockCarer(ctx, tx, c.ID); err != nil {
				return err
			}
			// Still inactive now the row is ours: they may have signed in
			// since the list was read.
			n, err := inactiveCarers(tx.NewSelect(), r.InactiveBefore).Where("c.id = ?", c.ID).Count(ctx)
			if err != nil || n == 0 {
				return err
			}
			reason := fmt.Sprintf("retention: no stay or contact since %s", calendar.Of(r.InactiveBefore.In(calendar.London)))
			c.People, err = anonymise(ctx, tx, audit.System{}, c.ID, now, reason)
			done = err == nil
			return err
		})
		if err != nil {
			return r, err
		}
		if done {
			r.Carers, r.People = append(r.Carers, c), r.People+c.People
		}
	}
	if dryRun || !r.Changed() {
		return r, nil
	}
	return r, audit.Record(ctx, s.db, now, audit.System{}, audit.RetentionApplied, "data", 0, r.Summary())
}

// inactiveCarers narrows q to the carers, not yet erased, with no stay and
// no contact since before (see ApplyRetention), as table c.
func inactiveCarers(q *bun.SelectQuery, before time.Time) *bun.SelectQuery {
	day := calendar.Of(before.In(calendar.London))
	carer := string(accounts.SubjectCarer)
	return q.TableExpr("carers AS c").
		Where("c.mobile NOT LIKE ?", erasedMobilePrefix+"%").
		Where("c.created_at < ? AND c.updated_at < ?", before, before).
		Where("NOT EXISTS (SELECT 1 FROM people p WHERE p.carer_id = c.id AND (p.created_at >= ? OR p.updated_at >= ?))", before, before).
		Where("NOT EXISTS (SELECT 1 FROM bookings b WHERE b.carer_id = c.id AND (b.depart >= ? OR b.created_at >= ? OR b.updated_at >= ?))", day, before, before).
		Where("NOT EXISTS (SELECT 1 FROM holds h WHERE h.carer_id = c.id AND h.created_at >= ?)", before).
		Where("NOT EXISTS (SELECT 1 FROM sessions s WHERE s.subject_kind = ? AND s.subject_id = c.id AND (s.created_at >= ? OR s.last_seen_at >= ?))", carer, before, before).
		Where("NOT EXISTS (SELECT 1 FROM sign_in_codes k WHERE (k.phone = c.mobile OR (k.subject_kind = ? AND k.subject_id = c.id)) AND k.created_at >= ?)", carer, before).
		Where("NOT EXISTS (SELECT 1 FROM sms_messages m WHERE m.recipient = c.mobile AND m.created_at >= ?)", before).
		Where("NOT EXISTS (SELECT 1 FROM stay_feedback f WHERE f.carer_id = c.id AND f.last_reply_at >= ?)", before).
		Where("NOT EXISTS (SELECT 1 FROM unmet_searches u WHERE u.carer_id = c.id AND u.searched_at >= ?)", before)
}
