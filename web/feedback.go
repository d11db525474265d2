package web

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/booking"
)

// feedbackJSON is a carer's feedback on one stay, from their replies to the
// day-after text.
type feedbackJSON struct {
	BookingID   int64     `json:"booking_id"`
	Reference   string    `json:"reference"`
	CarerID     int64     `json:"carer_id"`
	Rating      *int      `json:"rating"`  // null when no reply was a number
	Comment     string    `json:"comment"` // every reply's words, in order; for staff only
	Replies     int       `json:"replies"`
	ReceivedAt  time.Time `json:"received_at"`
	LastReplyAt time.Time `json:"last_reply_at"`
}

type feedbackList struct {
	Items      []feedbackJSON `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// listFeedback lists carers' feedback on stays, newest first.
func (s *Server) listFeedback(c *fiber.Ctx) error {
	var f apperr.Fields
	filter := booking.FeedbackFilter{
		From: parseDate(&f, "from", strings.Clone(c.Query("from"))),
		To:   parseDate(&f, "to", strings.Clone(c.Query("to"))),
		Page: pageRequest(c, &f),
	}
	switch c.Query("with_comment") {
	case "", "false":
	case "true":
		filter.WithComment = true
	default:
		f.Add("with_comment", "Use true or false.")
	}
	if err := f.Err(); err != nil {
		return err
	}
	got, err := s.deps.Booking.ListFeedback(c.UserContext(), principal(c), filter)
	if err != nil {
		return err
	}
	out := feedbackList{Items: make([]feedbackJSON, len(got.Items)), NextCursor: cursor(got.Next)}
	for i, fb := range got.Items {
		out.Items[i] = feedbackJSON{BookingID: fb.BookingID, Reference: fb.Reference, CarerID: fb.CarerID, Rating: fb.Rating,
			Comment: fb.Comment, Replies: fb.Replies, ReceivedAt: fb.ReceivedAt, LastReplyAt: fb.LastReplyAt}
	}
	return c.JSON(out)
}

var feedbackOperations = []operation{
	{method: "GET", path: "/api/v1/feedback", summary: "Carers' feedback on stays, newest first: one item per stay, from their replies to the day-after text. " +
		"rating is the latest reply of 1 (poor) to 5 (very good), or null; comment holds the words of every reply, for staff only.", who: "admin", status: 200, response: feedbackList{}, errors: []int{422},
		query: append([]queryParam{{"from", "YYYY-MM-DD: feedback first received on or after this date (London).", "date", false, nil}, {"to", "YYYY-MM-DD: feedback first received on or before this date (London).", "date", false, nil},
			{"with_comment", "true for only the feedback with words in it.", "boolean", false, nil}}, pageParams...)},
}
