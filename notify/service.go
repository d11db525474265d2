package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/paging"
)

// InboundHook receives replies that are not STOP, START or HELP (a host
// answering YES to a nudge). It returns a reply to send back, if any, and
// whether it dealt with the message.
type InboundHook func(ctx context.Context, from, body string) (reply string, handled bool, err error)

// Options tune the service; zero values give the defaults.
type Options struct {
	Clock        calendar.Clock
	Logger       *slog.Logger
	ServiceName  string        // in texts: "Respite short breaks"
	ServicePhone string        // the number people call for help
	MaxAttempts  int           // tries before a transiently failing message is given up (default 8)
	Lease        time.Duration // how long a claimed message is the claimer's (default 2 minutes)
	SendTimeout  time.Duration // per send (default 20 seconds)
	// BatchSize is how many messages are claimed at once (default 1). Each
	// claimed message waits for those before it to be sent, so a claim's
	// lease must outlast BatchSize sends, or another dispatcher will take
	// the later ones back and send them too.
	BatchSize int
}

// Service is the SMS outbox: it queues messages in callers' transactions,
// sends them, and records what the provider reports back.
type Service struct {
	db      *bun.DB
	sender  Sender
	opts    Options
	log     *slog.Logger
	now     calendar.Clock
	inbound InboundHook
}

// NewService returns the outbox service sending through sender.
func NewService(db *bun.DB, sender Sender, opts Options) *Service {
	if opts.Clock == nil {
		opts.Clock = calendar.SystemClock
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ServiceName == "" {
		opts.ServiceName = "Respite"
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = 20 * time.Second
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1
	}
	// Keep the promise above: the lease covers every send of a batch twice over.
	if floor := 2 * time.Duration(opts.BatchSize) * opts.SendTimeout; opts.Lease < floor {
		opts.Lease = floor
	}
	return &Service{db: db, sender: sender, opts: opts, log: opts.Logger, now: opts.Clock}
}

// SetInboundHook sets what handles replies other than STOP, START and HELP.
// Call it while wiring, before serving.
func (s *Service) SetInboundHook(h InboundHook) { s.inbound = h }

// ServiceName and ServicePhone are what texts call the service and the
// number they give for help.
func (s *Service) ServiceName() string  { return s.opts.ServiceName }
func (s *Service) ServicePhone() string { return s.opts.ServicePhone }

// Enqueue writes a message to the outbox in db, which should be the
// transaction of the change that causes it, so the message exists exactly
// when the change does. Enqueueing a dedupe key that is already there does
// nothing. It returns an Invalid error for a bad number or template data.
func (s *Service) Enqueue(ctx context.Context, db bun.IDB, out Outgoing) error {
	tmpl, ok := Lookup(out.Template)
	if !ok {
		return ErrUnknownTemplate.Reason("There is no message template called %q.", out.Template)
	}
	to, err := contact.ParsePhone(out.To)
	if err != nil {
		return apperr.Invalidf("to", "%s", err.Error())
	}
	if strings.TrimSpace(out.DedupeKey) == "" {
		return apperr.Invalidf("dedupe_key", "Every message needs a dedupe key.")
	}
	if out.Data.Service == "" {
		out.Data.Service = s.opts.ServiceName
	}
	if out.Data.Phone == "" {
		out.Data.Phone = s.opts.ServicePhone
	}
	body, err := Render(out.Template, out.Data)
	if err != nil {
		return apperr.Wrapf(err, "rendering %s", out.Template)
	}
	now := s.now().UTC()
	notBefore := now
	if out.NotBefore.After(now) {
		notBefore = out.NotBefore.UTC()
	}
	m := Message{
		DedupeKey: out.DedupeKey, Recipient: to, Template: out.Template, Data: out.Data, Body: body,
		Urgent: tmpl.Urgent, Status: StatusQueued, NotBefore: notBefore,
		NextAttemptAt: sendAt(notBefore, tmpl.Urgent).UTC(), Provider: s.sender.Name(),
		CreatedAt: now, UpdatedAt: now,
	}
	return insertMessage(ctx, db, &m)
}

// Withdraw stops queued messages with these dedupe keys from being sent (a
// reminder for a stay just cancelled), in the caller's transaction. Messages
// already sent are left as they are.
func (s *Service) Withdraw(ctx context.Context, db bun.IDB, dedupeKeys ...string) error {
	if len(dedupeKeys) == 0 {
		return nil
	}
	_, err := db.NewUpdate().Model((*Message)(nil)).
		Set("status = ?", StatusSuppressed).Set("last_error = ?", "Withdrawn before sending: no longer true.").
		Set("updated_at = ?", s.now().UTC()).
		Where("dedupe_key IN (?)", bun.In(dedupeKeys)).Where("status = ?", StatusQueued).
		Exec(ctx)
	return apperr.Wrapf(err, "withdrawing messages")
}

// DispatchReport counts what one dispatch run did.
type DispatchReport struct {
	Sent, Retried, Failed, Suppressed, Deferred, Recovered int
}

// DispatchDue is the job form of Dispatch.
func (s *Service) DispatchDue(ctx context.Context) error {
	r, err := s.Dispatch(ctx)
	if r != (DispatchReport{}) {
		s.log.InfoContext(ctx, "sms dispatched", "sent", r.Sent, "retried", r.Retried, "failed", r.Failed,
			"suppressed", r.Suppressed, "deferred", r.Deferred, "recovered", r.Recovered)
	}
	return err
}

// Dispatch sends every message that is due, in batches, until none is left
// or ctx ends. On PostgreSQL several instances may dispatch at once: each
// claims its own batch with FOR UPDATE SKIP LOCKED, so none sends another's.
//
// What happens if the process dies between handing a message to the
// provider and recording that it did: the message stays "sending" until its
// lease runs out, then goes back to the queue and is sent again. A message is
// therefore never lost, and is sent twice only in that one case (a crash in
// the moment between the provider's answer and the database's commit).
func (s *Service) Dispatch(ctx context.Context) (DispatchReport, error) {
	var r DispatchReport
	n, err := requeueStale(ctx, s.db, s.now().UTC())
	if err != nil {
		return r, err
	}
	r.Recovered = n
	for ctx.Err() == nil {
		batch, err := claimDue(ctx, s.db, s.now().UTC(), s.opts.Lease, s.opts.BatchSize)
		if err != nil {
			return r, err
		}
		if len(batch) == 0 {
			return r, nil
		}
		for _, m := range batch {
			if err := s.deliver(ctx, m, &r); err != nil {
				return r, err
			}
		}
	}
	return r, ctx.Err()
}

// deliver sends one claimed message and records the outcome; once no
// further try needs it, a sign-in code is blanked from the stored text.
func (s *Service) deliver(ctx context.Context, m Message, r *DispatchReport) error {
	before := *r
	if err := s.send(ctx, m, r); err != nil {
		return err
	}
	if m.Data.Code != "" && r.Retried == before.Retried && r.Deferred == before.Deferred {
		return forgetCode(ctx, s.db, m, s.now().UTC())
	}
	return nil
}

// send makes one try at a claimed message and records the outcome.
func (s *Service) send(ctx context.Context, m Message, r *DispatchReport) error {
	now := s.now().UTC()
	tmpl, _ := Lookup(m.Template)
	if !tmpl.ReachesOptedOut {
		out, err := isOptedOut(ctx, s.db, m.Recipient)
		if err != nil {
			return err
		}
		if out {
			r.Suppressed++
			return finish(ctx, s.db, m.ID, StatusSuppressed, "Not sent: the number has opted out of texts (replied STOP).", now)
		}
	}
	if !m.Urgent && sendAt(now, false) != now {
		// Claimed just as the day ended: wait for the morning, without
		// counting this as a try.
		r.Deferred++
		return retryLater(ctx, s.db, m.ID, m.Attempts-1, sendAt(now, false), m.LastError, now)
	}

	sendCtx, cancel := context.WithTimeout(ctx, s.opts.SendTimeout)
	res, sendErr := s.sender.Send(sendCtx, m.Recipient, m.Body)
	cancel()
	now = s.now().UTC()
	if sendErr == nil {
		r.Sent++
		return s.recordSent(ctx, m.ID, res, now)
	}

	var se *SendError
	if !errors.As(sendErr, &se) {
		se = &SendError{Reason: "the provider did not answer", Err: sendErr}
	}
	s.log.WarnContext(ctx, "sms send failed", "message_id", m.ID, "attempt", m.Attempts, "permanent", se.Permanent, "err", se)
	reason := se.Reason
	if reason == "" {
		reason = se.Error()
	}
	switch {
	case se.Permanent:
		r.Failed++
		if se.Code == "21610" {
			// The provider says the number replied STOP to it: remember that
			// here too, so nothing else is queued for sending to it.
			if err := optOut(ctx, s.db, m.Recipient, "PROVIDER", now); err != nil {
				return err
			}
		}
		return finish(ctx, s.db, m.ID, StatusFailed, "Failed: "+reason, now)
	case m.Attempts >= s.opts.MaxAttempts:
		r.Failed++
		return finish(ctx, s.db, m.ID, StatusFailed, fmt.Sprintf("Gave up after %d tries: %s", m.Attempts, reason), now)
	default:
		r.Retried++
		next := sendAt(now.Add(backoff(m.Attempts, se.RetryAfter)), m.Urgent)
		return retryLater(ctx, s.db, m.ID, m.Attempts, next, fmt.Sprintf("Try %d failed: %s", m.Attempts, reason), now)
	}
}

// recordSent marks a message sent and applies any delivery receipt that
// arrived before this record did.
func (s *Service) recordSent(ctx context.Context, id int64, res SendResult, now time.Time) error {
	return s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		if err := lockProviderID(ctx, tx, res.ProviderID); err != nil {
			return err
		}
		if err := markSent(ctx, tx, id, res.ProviderID, now); err != nil {
			return err
		}
		if res.ProviderID == "" {
			return nil
		}
		receipts, err := receiptsFor(ctx, tx, res.ProviderID)
		if err != nil {
			return err
		}
		for _, rc := range receipts {
			if status, ok := receiptStatus(rc.Status); ok {
				if _, err := advance(ctx, tx, res.ProviderID, status, rc.ErrorCode, rc.ReceivedAt); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// ApplyReceipt records a delivery receipt and moves the message forward.
// Repeated and out-of-order receipts (a "sent" after "delivered") change
// nothing; a receipt for a message not yet recorded is kept and applied when
// the send is recorded.
func (s *Service) ApplyReceipt(ctx context.Context, providerID, providerStatus, errorCode string) error {
	if providerID == "" {
		return apperr.Invalidf("MessageSid", "A receipt needs the message id.")
	}
	status, ok := receiptStatus(providerStatus)
	if !ok {
		s.log.InfoContext(ctx, "sms receipt with an unknown status ignored", "provider_id", providerID, "status", providerStatus)
		return nil
	}
	now := s.now().UTC()
	return s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		if err := lockProviderID(ctx, tx, providerID); err != nil {
			return err
		}
		if err := insertReceipt(ctx, tx, providerID, providerStatus, errorCode, now); err != nil {
			return err
		}
		_, err := advance(ctx, tx, providerID, status, errorCode, now)
		return err
	})
}

// HandleInbound deals with a text someone sent us and returns the reply to
// send back, if any: STOP and its kin opt the number out, START opts it back
// in, HELP answers with the service's phone number, and anything else goes
// to the inbound hook.
func (s *Service) HandleInbound(ctx context.Context, from, body string) (string, error) {
	phone, err := contact.ParsePhone(from)
	if err != nil {
		phone = strings.TrimSpace(from)
	}
	now := s.now().UTC()
	if word, ok := keyword(body, stopWords); ok {
		s.log.InfoContext(ctx, "sms opt-out", "keyword", word)
		return "", optOut(ctx, s.db, phone, word, now)
	}
	if _, ok := keyword(body, startWords); ok {
		s.log.InfoContext(ctx, "sms opt-in")
		return "", optIn(ctx, s.db, phone)
	}
	if _, ok := keyword(body, []string{"HELP", "INFO"}); ok {
		return Render(TemplateHelpReply, Data{Service: s.opts.ServiceName, Phone: s.opts.ServicePhone})
	}
	if s.inbound != nil {
		reply, handled, err := s.inbound(ctx, phone, body)
		if err != nil || handled {
			return reply, err
		}
	}
	s.log.InfoContext(ctx, "sms reply not understood; nothing done", "length", len(body))
	return "", nil
}

// IsOptedOut reports whether phone has opted out of texts.
func (s *Service) IsOptedOut(ctx context.Context, phone string) (bool, error) {
	return isOptedOut(ctx, s.db, phone)
}

// MessageFilter narrows the list of messages.
type MessageFilter struct {
	To       string
	Status   string
	Template string
	Page     paging.Request
}

// Messages lists the outbox, newest first, for admins (and for reading the
// texts the log sender "sent" in development).
func (s *Service) Messages(ctx context.Context, f MessageFilter) (paging.Page[Message], error) {
	var fields apperr.Fields
	if f.To != "" {
		if to, err := contact.ParsePhone(f.To); err != nil {
			fields.Add("to", "%s", err.Error())
		} else {
			f.To = to
		}
	}
	if f.Status != "" {
		fields.OneOf("status", f.Status, Statuses)
	}
	if err := fields.Err(); err != nil {
		return paging.Page[Message]{}, err
	}
	f.Page = f.Page.Clamp()
	items, err := listMessages(ctx, s.db, f)
	if err != nil {
		return paging.Page[Message]{}, err
	}
	return paging.Cut(items, f.Page.Limit, func(m Message) int64 { return m.ID }), nil
}

// Message returns one message, or ErrMessageNotFound.
func (s *Service) Message(ctx context.Context, id int64) (Message, error) {
	return messageByID(ctx, s.db, id)
}
