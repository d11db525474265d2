package booking

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/paging"
)

// Feedback is what a carer told us about a stay, by replying to the
// day-after text (notify.TemplateStayFollowUp). One per stay: Rating is the
// latest reply of 1 (poor) to 5 (very good), nil until one comes; Comment
// holds the words of every reply in order, for staff only (it may say
// anything, care details included).
type Feedback struct {
	bun.BaseModel `bun:"table:stay_feedback,alias:feedback"`

	ID          int64     `bun:"id,pk,autoincrement"`
	BookingID   int64     `bun:"booking_id"`
	CarerID     int64     `bun:"carer_id"`
	Rating      *int      `bun:"rating"`
	Comment     string    `bun:"comment"`
	Replies     int       `bun:"replies"`
	ReceivedAt  time.Time `bun:"received_at"`   // the first reply
	LastReplyAt time.Time `bun:"last_reply_at"` // the latest

	Reference string `bun:"reference,scanonly"` // the booking's
}

// FeedbackWindow is how long after the day-after text a reply to it counts
// as feedback on that stay.
const FeedbackWindow = 14 * 24 * time.Hour

// maxFeedbackRunes caps what one reply adds to a comment.
const maxFeedbackRunes = 1000

// replyThanks answers a carer's feedback.
const replyThanks = "Thank you for telling us how the stay went. It helps us plan breaks for carers."

// ParseFeedback reads a reply to the day-after text: a reply starting with
// 1 to 5 (alone, or followed by a space, punctuation, "/5" or "out of 5")
// is that rating, and any words after it a comment; anything else is all
// comment. "4", "5/5!", "5 - lovely staff" and "3. Room was cold" carry
// ratings; "10", "1.5" and "Fine thanks" do not.
func ParseFeedback(body string) (rating *int, comment string) {
	s := strings.TrimSpace(body)
	if s != "" && s[0] >= '1' && s[0] <= '5' {
		rest := s[1:]
		if rest == "" || !(rest[0] >= '0' && rest[0] <= '9') && !(rest[0] == '.' && len(rest) > 1 && rest[1] >= '0' && rest[1] <= '9') {
			r := int(s[0] - '0')
			rest = strings.TrimSpace(rest)
			for _, p := range []string{"/5", "/ 5", "out of 5", "OUT OF 5", "Out of 5"} {
				rest = strings.TrimSpace(strings.TrimPrefix(rest, p))
			}
			rest = strings.TrimLeft(rest, " .,!:;-)")
			return &r, tidyComment(rest)
		}
	}
	return nil, tidyComment(s)
}

// tidyComment makes a reply one line of at most maxFeedbackRunes runes.
func tidyComment(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "")), " ")
	if utf8.RuneCountInString(s) > maxFeedbackRunes {
		s = string([]rune(s)[:maxFeedbackRunes])
	}
	return s
}

// HandleFeedbackReply is a notify.InboundHook: a text from a number that
// got the day-after text for a stay in the last FeedbackWindow is feedback
// on the most recent such stay, recorded and thanked. Anything else is left
// unhandled. (Replays never get here: notify.ReceiveText ignores a text it
// has seen.)
func (s *Service) HandleFeedbackReply(ctx context.Context, from, body string) (reply string, handled bool, err error) {
	rating, comment := ParseFeedback(body)
	if rating == nil && comment == "" {
		return "", false, nil
	}
	now := s.now().UTC()
	var stay struct {
		BookingID int64 `bun:"booking_id"`
		CarerID   int64 `bun:"carer_id"`
	}
	err = s.db.NewSelect().
		ColumnExpr("bk.id AS booking_id, bk.carer_id").
		TableExpr("sms_messages AS m").
		Join("JOIN bookings AS bk ON m.dedupe_key = 'booking:' || CAST(bk.id AS TEXT) || ':follow-up'").
		Where("m.recipient = ?", from).
		Where("m.template = ?", notify.TemplateStayFollowUp).
		Where("m.status NOT IN ('suppressed', 'failed')").
		Where("m.created_at >= ?", now.Add(-FeedbackWindow)).
		OrderExpr("m.created_at DESC, m.id DESC").Limit(1).
		Scan(ctx, &stay)
	if migrations.IsNoRows(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, apperr.Wrapf(err, "finding the stay a reply is about")
	}
	_, err = s.db.NewRaw(`INSERT INTO stay_feedback (booking_id, carer_id, rating, comment, replies, received_at, last_reply_at)
VALUES (?, ?, ?, ?, 1, ?, ?)
ON CONFLICT (booking_id) DO UPDATE SET
    rating = COALESCE(excluded.rating, stay_feedback.rating),
    comment = CASE WHEN excluded.comment = '' THEN stay_feedback.comment
                   WHEN stay_feedback.comment = '' THEN excluded.comment
                   ELSE stay_feedback.comment || ' / ' || excluded.comment END,
    replies = stay_feedback.replies + 1,
    last_reply_at = excluded.last_reply_at`,
		stay.BookingID, stay.CarerID, rating, comment, now, now).Exec(ctx)
	if err != nil {
		return "", false, apperr.Wrapf(err, "recording feedback")
	}
	s.log.InfoContext(ctx, "feedback on a stay received by text", "booking_id", stay.BookingID, "rated", rating != nil)
	return replyThanks, true, nil
}

// FeedbackFilter chooses feedback by the London date of its first reply,
// from and to inclusive; a zero date leaves that end open. WithComment
// keeps only feedback with words in it. Pages run newest first: Page.After
// is the id of the last item of the page before.
type FeedbackFilter struct {
	From, To    calendar.Date
	WithComment bool
	Page        paging.Request
}

// ListFeedback lists feedback on stays, newest first, with comments, a page
// at a time. Only administrators may read it: ErrNotAllowed for anyone
// else.
func (s *Service) ListFeedback(ctx context.Context, actor accounts.Principal, f FeedbackFilter) (paging.Page[Feedback], error) {
	if !actor.IsStaff(accounts.RoleAdmin) {
		return paging.Page[Feedback]{}, ErrNotAllowed.Reason("Only administrators can read carers' feedback.")
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return paging.Page[Feedback]{}, apperr.Invalidf("to", "The end date must be the same as or after the start date.")
	}
	page := f.Page.Clamp()
	out := []Feedback{}
	q := s.db.NewSelect().Model(&out).ColumnExpr("feedback.*, bk.reference").
		Join("JOIN bookings AS bk ON bk.id = feedback.booking_id")
	if !f.From.IsZero() {
		q = q.Where("feedback.received_at >= ?", f.From.StartIn(calendar.London).UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("feedback.received_at < ?", f.To.AddDays(1).StartIn(calendar.London).UTC())
	}
	if f.WithComment {
		q = q.Where("feedback.comment <> ''")
	}
	if page.After > 0 {
		q = q.Where("feedback.id < ?", page.After)
	}
	// A row is written at a stay's first reply, so id order is the order
	// of first replies, and a stable key to page by.
	if err := q.OrderExpr("feedback.id DESC").Limit(int64(page.Limit) + 1).Scan(ctx); err != nil {
		return paging.Page[Feedback]{}, apperr.Wrapf(err, "reading feedback")
	}
	return paging.Cut(out, page.Limit, func(fb Feedback) int64 { return fb.ID }), nil
}
