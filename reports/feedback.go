package reports

import (
	"context"
	"fmt"
	"strconv"

	"github.com/respite-uk/respite/calendar"
)

// Feedback counts carers' replies to the day-after text (stay_follow_up)
// for the stays whose first reply came on a date of the period (London).
// A reply of 1 to 5 is a rating; words are kept as a comment that only
// staff read (GET /api/v1/feedback, and under this report's table on the
// staff pages), so the report itself counts comments but never shows them:
// its CSV can go to anyone.
type Feedback struct {
	// Stays is the stays with feedback: one for each carer's stay that got
	// a reply.
	Stays int64
	// Replies is every text those carers sent about those stays.
	Replies int64
	// Ratings is the stays with a rating (the latest reply of 1 to 5).
	Ratings int64
	// RatingSum is the ratings added up, for the average.
	RatingSum int64
	// ByRating is how many stays were rated 1, 2, 3, 4 and 5.
	ByRating [5]int64
	// Comments is the stays whose replies include words.
	Comments int64
}

// AverageRating writes the mean rating with one decimal ("4.3"), or ""
// when there is none.
func (f Feedback) AverageRating() string {
	tenths, ok := divRound(f.RatingSum*10, f.Ratings)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%d.%d", tenths/10, tenths%10)
}

// Header names Feedback's columns: it is one measure a row.
func (Feedback) Header() []string { return []string{"Measure", "Value"} }

// Rows writes each measure in turn.
func (f Feedback) Rows() [][]string {
	rows := [][]string{
		{"Stays with feedback", itoa(f.Stays)},
		{"Replies", itoa(f.Replies)},
		{"Ratings", itoa(f.Ratings)},
		{"Average rating (1 to 5)", f.AverageRating()},
	}
	for i, n := range f.ByRating {
		rows = append(rows, []string{"Rated " + strconv.Itoa(i+1), itoa(n)})
	}
	return append(rows, []string{"With a comment", itoa(f.Comments)})
}

// Feedback counts the feedback first received on a date of p. It returns
// an Invalid error naming from or to when p is not a valid period.
func (s *Service) Feedback(ctx context.Context, p Period) (Feedback, error) {
	if err := p.Validate(); err != nil {
		return Feedback{}, err
	}
	var row struct {
		Stays, Replies, Ratings, RatingSum int64
		R1, R2, R3, R4, R5                 int64
		Comments                           int64
	}
	err := s.db.NewRaw(`
SELECT COUNT(*) AS stays,
       COALESCE(SUM(replies), 0) AS replies,
       COUNT(rating) AS ratings,
       COALESCE(SUM(rating), 0) AS rating_sum,
       COALESCE(SUM(CASE WHEN rating = 1 THEN 1 ELSE 0 END), 0) AS r1,
       COALESCE(SUM(CASE WHEN rating = 2 THEN 1 ELSE 0 END), 0) AS r2,
       COALESCE(SUM(CASE WHEN rating = 3 THEN 1 ELSE 0 END), 0) AS r3,
       COALESCE(SUM(CASE WHEN rating = 4 THEN 1 ELSE 0 END), 0) AS r4,
       COALESCE(SUM(CASE WHEN rating = 5 THEN 1 ELSE 0 END), 0) AS r5,
       COALESCE(SUM(CASE WHEN comment <> '' THEN 1 ELSE 0 END), 0) AS comments
FROM stay_feedback
WHERE received_at >= ? AND received_at < ?`,
		p.From.StartIn(calendar.London).UTC(), p.To.AddDays(1).StartIn(calendar.London).UTC()).Scan(ctx, &row)
	if err != nil {
		return Feedback{}, fmt.Errorf("reports: counting feedback: %w", err)
	}
	return Feedback{
		Stays: row.Stays, Replies: row.Replies, Ratings: row.Ratings, RatingSum: row.RatingSum,
		ByRating: [5]int64{row.R1, row.R2, row.R3, row.R4, row.R5}, Comments: row.Comments,
	}, nil
}
