package notify

import (
	"math/rand/v2"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
)

// Message statuses. A message only ever moves forward through them.
const (
	StatusQueued      = "queued"      // waiting in the outbox (perhaps for daytime, or a retry)
	StatusSending     = "sending"     // claimed by a dispatcher, being handed to the provider
	StatusChecking    = "checking"    // a try's outcome is unknown: asking the provider whether it took it, before any resend
	StatusSent        = "sent"        // the provider has it
	StatusDelivered   = "delivered"   // the phone has it
	StatusUndelivered = "undelivered" // the provider could not deliver it
	StatusFailed      = "failed"      // given up: a permanent error, or too many tries
	StatusSuppressed  = "suppressed"  // not sent, because the number opted out
)

// Statuses lists every status, for filters.
var Statuses = []string{StatusQueued, StatusSending, StatusChecking, StatusSent, StatusDelivered, StatusUndelivered, StatusFailed, StatusSuppressed}

// Message is one text in the outbox.
type Message struct {
	bun.BaseModel `bun:"table:sms_messages"`

	ID        int64  `bun:"id,pk,autoincrement"`
	DedupeKey string `bun:"dedupe_key"`
	Recipient string `bun:"recipient"` // E.164
	Template  string `bun:"template"`
	Data      Data   `bun:"data"`
	Body      string `bun:"body"`
	Urgent    bool   `bun:"urgent"`
	// WaitsForDaytime is decided when the message is queued (see Timing):
	// it is only ever sent, and retried, between 08:00 and 20:00 London.
	WaitsForDaytime   bool       `bun:"waits_for_daytime"`
	Status            string     `bun:"status"`
	Attempts          int        `bun:"attempts"`
	NotBefore         time.Time  `bun:"not_before"`
	NextAttemptAt     time.Time  `bun:"next_attempt_at"`
	ClaimedUntil      *time.Time `bun:"claimed_until"` // the claiming dispatcher's lease
	ClaimedBy         *string    `bun:"claimed_by"`    // names the claim, so only its holder records the outcome
	TriedAt           *time.Time `bun:"tried_at"`      // when the latest try was claimed: a send may have left from then on
	Provider          string     `bun:"provider"`
	ProviderMessageID *string    `bun:"provider_message_id"`
	LastError         string     `bun:"last_error"`
	CreatedAt         time.Time  `bun:"created_at"`
	UpdatedAt         time.Time  `bun:"updated_at"`
	SentAt            *time.Time `bun:"sent_at"`
	DeliveredAt       *time.Time `bun:"delivered_at"`
}

// Outgoing is a message a capability wants sent.
type Outgoing struct {
	// DedupeKey names the message's reason, such as "booking:42:confirmed":
	// enqueueing the same key again does nothing, so a retried request or a
	// job run twice never sends a second text.
	DedupeKey string
	To        string // a phone number; normalised to E.164
	Template  string
	Data      Data
	// NotBefore delays the message (a reminder for next week); zero means
	// as soon as allowed. Texts the system starts also wait for daytime.
	NotBefore time.Time
	// About is, for a StayNotice, the first night the notice is about: the
	// stay's arrival. A notice about tonight or tomorrow goes at once; one
	// about a stay further off waits for daytime. Enqueue refuses a
	// StayNotice without it; other templates ignore it.
	About calendar.Date
}

// Errors from the notify service.
var (
	ErrMessageNotFound = apperr.New(apperr.NotFound, "There is no message with that id.")
	ErrUnknownTemplate = apperr.New(apperr.Invalid, "There is no message template with that name.")
)

// Quiet hours: texts that wait for daytime (Message.WaitsForDaytime) are
// sent only between these London hours, so nobody is woken by a reminder.
const (
	DayStartsHour = 8
	DayEndsHour   = 20
)

// Daytime returns the first instant at or after t when a text that waits for
// daytime may be sent: t itself between 08:00 and 20:00 London time, otherwise the next
// 08:00. It is reckoned in London's own clock, so it stays right on the days
// the clocks change.
func Daytime(t time.Time) time.Time {
	local := t.In(calendar.London)
	y, m, d := local.Date()
	switch {
	case local.Hour() < DayStartsHour:
		return time.Date(y, m, d, DayStartsHour, 0, 0, 0, calendar.London)
	case local.Hour() >= DayEndsHour:
		return time.Date(y, m, d+1, DayStartsHour, 0, 0, 0, calendar.London)
	}
	return t
}

// sendAt is when a message may next be tried, at t or later: t itself,
// unless the message waits for daytime and t is in the night.
func sendAt(t time.Time, waitsForDaytime bool) time.Time {
	if !waitsForDaytime {
		return t
	}
	return Daytime(t)
}

// waitsForDaytime decides, as a text of template t is queued on the London
// date today, whether it must wait for daytime; about is the first night a
// StayNotice is about. Quiet hours are for the texts the system starts:
// nothing that answers what someone has just done is held back, and nor is
// a notice about tonight or tomorrow, which a home needs now.
func (t Template) waitsForDaytime(about, today calendar.Date) bool {
	switch t.Timing {
	case SystemStarted:
		return true
	case StayNotice:
		return about.After(today.AddDays(1))
	}
	return false
}

// backoff is the wait before try number attempt+1: exponential from 15
// seconds, capped at 30 minutes, with ±20% jitter so many retries do not
// arrive at the provider together. A provider's own Retry-After wins when
// it asks for longer.
func backoff(attempt int, retryAfter time.Duration) time.Duration {
	const base, ceiling = 15 * time.Second, 30 * time.Minute
	d := base
	for i := 1; i < attempt && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	jitter := time.Duration(float64(d) * (rand.Float64()*0.4 - 0.2))
	d += jitter
	return max(d, retryAfter)
}

// stopWords opt a number out; startWords opt it back in. These are the
// keywords carriers and Twilio recognise.
var (
	stopWords  = []string{"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
	startWords = []string{"START", "UNSTOP"}
)

// keyword returns the first word of a reply, upper-cased, if it is one of words.
func keyword(body string, words []string) (string, bool) {
	fields := strings.Fields(strings.ToUpper(body))
	if len(fields) != 1 {
		// Only a reply that is just the keyword counts: "Please don't stop
		// the booking" is not an opt-out.
		return "", false
	}
	w := strings.Trim(fields[0], ".!")
	for _, k := range words {
		if w == k {
			return k, true
		}
	}
	return "", false
}

// rank orders statuses so that a receipt can only move a message forward.
func rank(status string) int {
	switch status {
	case StatusQueued:
		return 0
	case StatusSending, StatusChecking:
		return 1
	case StatusSent:
		return 2
	}
	return 3 // delivered, undelivered, failed, suppressed: final
}

// receiptStatus maps a provider's status word onto ours.
func receiptStatus(providerStatus string) (string, bool) {
	switch strings.ToLower(providerStatus) {
	case "accepted", "queued", "sending", "sent", "scheduled":
		return StatusSent, true
	case "delivered", "read":
		return StatusDelivered, true
	case "undelivered":
		return StatusUndelivered, true
	case "failed", "canceled":
		return StatusFailed, true
	}
	return "", false
}
