package notify

import (
	"context"
	"fmt"
	"time"
)

// Sender hands text messages to an SMS provider and answers whether the
// provider took one. Implementations: the log sender in this package (the
// default) and the Twilio sender in package twiliosms. A Sender must return
// promptly when ctx ends.
type Sender interface {
	// Send sends t. On failure it returns a *SendError saying whether trying
	// again could help, and whether the provider may have taken it anyway.
	Send(ctx context.Context, t Text) (SendResult, error)
	// Lookup lists the texts the provider took since since that match t (the
	// same number and words), newest first; none when it took none. The
	// dispatcher asks before sending again a text whose earlier try had an
	// unknown outcome. An error means the provider could not tell; the
	// dispatcher then asks again later rather than send blind.
	Lookup(ctx context.Context, t Text, since time.Time) ([]SendResult, error)
	// Name identifies the provider in logs and records ("log", "twilio").
	Name() string
}

// Text is one message as a provider needs it.
type Text struct {
	// OutboxID is the outbox message's id. A provider may carry it on its
	// delivery receipts (the Twilio sender puts it in the status callback
	// URL), so a receipt can name the message even when the answer to the
	// send was lost.
	OutboxID int64
	To       string // E.164
	Body     string
}

// SendResult is what the provider said when it took the message.
type SendResult struct {
	ProviderID string // the provider's message id (Twilio's SM…), used to match delivery receipts
	Status     string // the provider's first status for it, such as "queued"; "sent" for the log sender
}

// SendError is a failed send, classified for the dispatcher.
type SendError struct {
	// Permanent failures (an invalid number, a number that opted out at the
	// provider, bad credentials) fail the message at once; others are
	// retried with backoff.
	Permanent bool
	// MaybeSent says the request reached the provider but no answer came
	// back (a timeout or a dropped connection after the request was
	// written), so the provider may have taken the text. The dispatcher
	// checks with Lookup before trying again, so the text is not sent twice.
	MaybeSent bool
	// RetryAfter is the provider's own request to wait (a 429's Retry-After);
	// zero when it gave none.
	RetryAfter time.Duration
	// Code is the provider's error code ("21211"), or "" when there is none
	// (a timeout, a connection refused).
	Code string
	// Reason says what went wrong in plain words for the message record,
	// without secrets.
	Reason string
	Err    error
}

func (e *SendError) Error() string {
	kind := "transient"
	if e.Permanent {
		kind = "permanent"
	}
	s := fmt.Sprintf("%s SMS failure", kind)
	if e.Code != "" {
		s += " (code " + e.Code + ")"
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.MaybeSent {
		s += " (the provider may have taken it)"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *SendError) Unwrap() error { return e.Err }
