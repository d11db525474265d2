package notify

import (
	"context"
	"fmt"
	"time"
)

// Sender hands one text message to an SMS provider. Implementations: the log
// sender in this package (the default) and the Twilio sender in package
// twiliosms. A Sender must return promptly when ctx ends.
type Sender interface {
	// Send sends body to the E.164 number to. On failure it returns a
	// *SendError saying whether trying again could help.
	Send(ctx context.Context, to, body string) (SendResult, error)
	// Name identifies the provider in logs and records ("log", "twilio").
	Name() string
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
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *SendError) Unwrap() error { return e.Err }
