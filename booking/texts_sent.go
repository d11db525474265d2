package booking

import (
	"context"
	"strings"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/notify"
)

// TextSent is a text a booking caused: to whom, and why, as the duty
// officer's confirmation tells it.
type TextSent struct {
	To       string // E.164
	Who      string // "the home or host", "the home", "the host", "the emergency contact", "the carer"
	Template string
	Status   string
}

// TextsSent lists the texts queued for a booking, oldest first: what a duty
// officer is told after a placement ("we have texted…"). It reads the
// outbox, so it says what was really queued. It returns ErrBookingNotFound
// for a booking the actor may not see.
func (s *Service) TextsSent(ctx context.Context, actor accounts.Principal, bookingID int64) ([]TextSent, error) {
	b, err := s.Booking(ctx, actor, bookingID)
	if err != nil {
		return nil, err
	}
	var msgs []notify.Message
	if err := s.db.NewSelect().Model(&msgs).Where("dedupe_key LIKE ?", bookingKey(b.ID, "")+"%").OrderExpr("id").Scan(ctx); err != nil {
		return nil, apperr.Wrapf(err, "reading the texts of booking %d", b.ID)
	}
	out := make([]TextSent, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, TextSent{To: m.Recipient, Who: textRecipient(m.Template), Template: m.Template, Status: m.Status})
	}
	return out, nil
}

// textRecipient says who a template is written for.
func textRecipient(template string) string {
	switch {
	case template == notify.TemplateEmergencyPlacementPlace:
		return "the home or host"
	case template == notify.TemplateEmergencyPlacementContact:
		return "the emergency contact"
	case strings.HasPrefix(template, "host_"):
		return "the host"
	case strings.HasPrefix(template, "home_"):
		return "the home"
	}
	return "the carer"
}
