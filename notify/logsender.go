package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"
)

// LogSender is the default sender: instead of texting anyone it writes each
// message to the log, where a developer can read it (sign-in codes included),
// and admins can read it at GET /api/v1/messages.
type LogSender struct {
	log *slog.Logger

	// sent remembers the latest texts "sent", so Lookup can answer as a
	// provider would. It lives in memory: after a restart the log sender
	// has forgotten, and a text whose try was cut short is logged again.
	mu   sync.Mutex
	sent []loggedText
}

type loggedText struct {
	text Text
	id   string
}

// logSenderMemory is how many texts the log sender remembers for Lookup.
const logSenderMemory = 1000

// NewLogSender returns a sender that logs messages to log.
func NewLogSender(log *slog.Logger) *LogSender { return &LogSender{log: log} }

// Name is "log".
func (s *LogSender) Name() string { return "log" }

// Send logs the message and reports it sent.
func (s *LogSender) Send(ctx context.Context, t Text) (SendResult, error) {
	if err := ctx.Err(); err != nil {
		return SendResult{}, &SendError{Reason: "gave up before sending", Err: err}
	}
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	providerID := "log-" + hex.EncodeToString(id)
	s.log.InfoContext(ctx, "sms (not sent: SMS_PROVIDER=log)", "to", t.To, "body", t.Body, "provider_id", providerID)
	s.mu.Lock()
	s.sent = append(s.sent, loggedText{text: t, id: providerID})
	if len(s.sent) > logSenderMemory {
		s.sent = append([]loggedText(nil), s.sent[len(s.sent)-logSenderMemory:]...)
	}
	s.mu.Unlock()
	return SendResult{ProviderID: providerID, Status: StatusSent}, nil
}

// Lookup returns the texts this process logged for t's number with t's
// words, newest first. The log sender's clock is the machine's, so since is
// not applied: everything it remembers counts.
func (s *LogSender) Lookup(ctx context.Context, t Text, since time.Time) ([]SendResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []SendResult
	for i := len(s.sent) - 1; i >= 0; i-- {
		if lt := s.sent[i]; lt.text.To == t.To && lt.text.Body == t.Body {
			found = append(found, SendResult{ProviderID: lt.id, Status: StatusSent})
		}
	}
	return found, nil
}
