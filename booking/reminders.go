package booking

import (
	"context"

	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/notify"
)

// SendReminders is the daily job that queues each stay's texts: a reminder
// a week before, another the day before, and a "how was it?" the day after
// it ends. Every text has a dedupe key, so running the job twice (or on two
// instances) sends nothing twice; looking a few days back catches up after a
// day the job did not run.
func (s *Service) SendReminders(ctx context.Context) error {
	today := s.today()
	type rule struct {
		event    string
		template string
		column   string // arrive or depart
		from, to calendar.Date
	}
	rules := []rule{
		// A week ahead, unless the stay was booked within the week.
		{"reminder-week", notify.TemplateBookingReminderWeek, "arrive", today.AddDays(2), today.AddDays(7)},
		{"reminder-day", notify.TemplateBookingReminderDay, "arrive", today.AddDays(1), today.AddDays(1)},
		{"follow-up", notify.TemplateStayFollowUp, "depart", today.AddDays(-3), today.AddDays(-1)},
	}
	for _, r := range rules {
		var rows []struct {
			Booking
			Mobile string `bun:"mobile"`
		}
		err := s.db.NewSelect().
			ColumnExpr("bk.*, c.mobile").
			TableExpr("bookings AS bk").
			Join("JOIN carers AS c ON c.id = bk.carer_id").
			Where("bk.status = ?", StatusConfirmed).
			Where("bk."+r.column+" >= ?", r.from).Where("bk."+r.column+" <= ?", r.to).
			// A carer's mobile is E.164 ("+44…") until their record is
			// erased (package privacy), when it becomes a placeholder
			// that can never be texted: no follow-up to a stay just
			// ended, and no failed job for want of a number.
			Where("c.mobile LIKE '+%'").
			Scan(ctx, &rows)
		if err != nil {
			return err
		}
		for _, row := range rows {
			b := row.Booking
			if r.event == "reminder-week" && b.CreatedAt.After(b.Arrive.StartIn(calendar.London).AddDate(0, 0, -7)) {
				continue // booked within the week: the confirmation was reminder enough
			}
			pl, err := placeInfo(ctx, s.db, b.PlaceKind, b.PlaceID)
			if err != nil {
				return err
			}
			err = s.notify.Enqueue(ctx, s.db, notify.Outgoing{
				DedupeKey: bookingKey(b.ID, r.event), To: row.Mobile, Template: r.template,
				Data: notify.Data{Reference: b.Reference, Place: pl.name, Arrive: b.Arrive, Depart: b.Depart},
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}
