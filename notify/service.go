package notify

import (
	"context"
	"database/sql"
	"errors"
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
	ServiceName  string // in texts: "Respite short breaks"
	ServicePhone string // the number people call for help
	MaxAttempts  int    // tries before a transiently failing message is given up (default 8)
	// SendTimeout bounds one send, and one lookup with the provider
	// (default 10 seconds).
	SendTimeout time.Duration
	// Lease is how long a claimed message is its dispatcher's (default 30
	// seconds, and never less than twice SendTimeout, so a live dispatcher
	// never loses a message mid-send). If the dispatcher dies, another takes
	// the message over when the lease runs out, so this bounds how long a
	// text in flight on a dead instance waits.
	Lease time.Duration
	// Workers is how many ordinary texts one instance sends at once
	// (default 4); UrgentWorkers how many more it keeps for urgent texts
	// alone (default 2), so a sign-in code never waits behind a queue of
	// reminders.
	Workers, UrgentWorkers int
	// PollEvery is how often an idle dispatcher looks for due messages
	// (default 1 second).
	PollEvery time.Duration
	// CheckAfter is how long after a try with an unknown outcome the
	// provider is first asked whether it took the text (default 10
	// seconds): time for its status callback to say so first.
	CheckAfter time.Duration
	// CheckFor is how long to keep asking, while the provider cannot say,
	// before giving the text up as "not known whether it was sent" for
	// staff to follow up (default 1 hour). It is never sent blind.
	CheckFor time.Duration
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
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = 10 * time.Second
	}
	if opts.Lease <= 0 {
		opts.Lease = 30 * time.Second
	}
	// Keep the promise above: the lease covers a send twice over.
	opts.Lease = max(opts.Lease, 2*opts.SendTimeout)
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.UrgentWorkers <= 0 {
		opts.UrgentWorkers = 2
	}
	if opts.PollEvery <= 0 {
		opts.PollEvery = time.Second
	}
	if opts.CheckAfter <= 0 {
		opts.CheckAfter = 10 * time.Second
	}
	if opts.CheckFor <= 0 {
		opts.CheckFor = time.Hour
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
	if tmpl.Timing == StayNotice && out.About.IsZero() {
		// Without it the notice cannot tell tonight from next month.
		return apperr.Invalidf("about", "A notice about a stay needs the stay's first night, to know whether it may wait for daytime.")
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
	waits := tmpl.waitsForDaytime(out.About, calendar.Of(now.In(calendar.London)))
	m := Message{
		DedupeKey: out.DedupeKey, Recipient: to, Template: out.Template, Data: out.Data, Body: body,
		Urgent: tmpl.Urgent, WaitsForDaytime: waits, Status: StatusQueued, NotBefore: notBefore,
		NextAttemptAt: sendAt(notBefore, waits).UTC(), Provider: s.sender.Name(),
		CreatedAt: now, UpdatedAt: now,
	}
	return insertMessage(ctx, db, &m)
}

// Withdraw stops queued messages with these dedupe keys from being sent (a
// reminder for a stay just cancelled), in the caller's transaction. Messages
// already sent are left as they are. So is one being sent or checked right
// now; one waiting to be checked (an earlier try may have gone) is not sent
// again.
func (s *Service) Withdraw(ctx context.Context, db bun.IDB, dedupeKeys ...string) error {
	if len(dedupeKeys) == 0 {
		return nil
	}
	now := s.now().UTC()
	_, err := db.NewUpdate().Model((*Message)(nil)).
		Set("status = ?", StatusSuppressed).
		Set("last_error = CASE WHEN status = ? THEN ? ELSE ? END", StatusChecking,
			"Withdrawn before sending again: no longer true. (An earlier try may have reached the phone.)",
			"Withdrawn before sending: no longer true.").
		Set("updated_at = ?", now).
		Where("dedupe_key IN (?)", bun.In(dedupeKeys)).
		WhereGroup(" AND ", func(q *bun.UpdateQuery) *bun.UpdateQuery {
			return q.Where("status = ?", StatusQueued).
				WhereOr("status = ? AND (claimed_until IS NULL OR claimed_until < ?)", StatusChecking, now)
		}).
		Exec(ctx)
	return apperr.Wrapf(err, "withdrawing messages")
}

// Receipt is a delivery receipt: what the provider says became of a text.
type Receipt struct {
	ProviderID string // the provider's message id (Twilio's MessageSid)
	Status     string // the provider's word for it ("queued", "sent", "delivered", "undelivered", "failed"…)
	ErrorCode  string // the provider's error code for a failure, or ""
	// OutboxID is the outbox message the receipt is about, when the
	// provider quotes it back (Twilio's status callback URL carries it); 0
	// when it does not.
	OutboxID int64
}

// ApplyReceipt records a delivery receipt and moves the message forward.
//
// A receipt naming its outbox message settles a try whose outcome was
// unknown: the provider took the text, so it is recorded as sent and not
// sent again. A replayed receipt (the same status for the same message)
// changes nothing, and neither does one out of order (a "sent" after
// "delivered"). A receipt for a message not yet recorded is kept and applied
// when the send is recorded.
func (s *Service) ApplyReceipt(ctx context.Context, r Receipt) error {
	if r.ProviderID == "" {
		return apperr.Invalidf("MessageSid", "A receipt needs the message id.")
	}
	status, ok := receiptStatus(r.Status)
	if !ok {
		s.log.InfoContext(ctx, "sms receipt with an unknown status ignored", "provider_id", r.ProviderID, "status", r.Status)
		return nil
	}
	now := s.now().UTC()
	return s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		if err := lockProviderID(ctx, tx, r.ProviderID); err != nil {
			return err
		}
		first, err := insertReceipt(ctx, tx, r.ProviderID, r.Status, r.ErrorCode, now)
		if err != nil || !first {
			return err
		}
		if r.OutboxID != 0 {
			if err := s.attach(ctx, tx, r.OutboxID, r.ProviderID, now); err != nil {
				return err
			}
		}
		if _, err := advance(ctx, tx, r.ProviderID, status, r.ErrorCode, now); err != nil {
			return err
		}
		if r.OutboxID != 0 {
			return hideCode(ctx, tx, r.OutboxID, now)
		}
		return nil
	})
}

// attach records that outbox message id went as the provider's providerID,
// as a receipt naming both says. If the message already has another
// provider id, the provider holds two texts for it: that is logged, since it
// means a text went twice.
func (s *Service) attach(ctx context.Context, db bun.IDB, id int64, providerID string, now time.Time) error {
	recorded, err := markSent(ctx, db, id, providerID, now)
	if err != nil || recorded {
		return err
	}
	had, err := providerIDOf(ctx, db, id)
	if err != nil {
		return err
	}
	if had != "" && had != providerID {
		s.log.WarnContext(ctx, "sms sent twice: the provider holds two texts for one message", "message_id", id, "provider_id", had, "other_provider_id", providerID)
	}
	return nil
}

// Inbound is a text someone sent to the service's number.
type Inbound struct {
	MessageSid string // the provider's id for it; a replay carries the same one
	From       string
	Body       string
}

// ReceiveText handles a text from the provider's webhook once: a replay of
// it (the same MessageSid) does nothing and gets no reply, so a YES is
// counted once. Otherwise it is HandleInbound.
//
// The text's id is recorded in the same transaction as an opt-out or
// opt-in. Replies for the inbound hook (a host's YES) are handled by another
// service in its own transaction, so the id is recorded first and forgotten
// again if handling fails, letting the provider's retry through: should the
// process die in between, that reply is lost rather than counted twice.
func (s *Service) ReceiveText(ctx context.Context, in Inbound) (string, error) {
	sid := strings.TrimSpace(in.MessageSid)
	if sid == "" {
		return "", apperr.Invalidf("MessageSid", "A text needs the provider's message id.")
	}
	now := s.now().UTC()
	stop, isStop := keyword(in.Body, stopWords)
	_, isStart := keyword(in.Body, startWords)
	if isStop || isStart {
		phone := inboundPhone(in.From)
		return "", s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
			first, err := recordInbound(ctx, tx, sid, now)
			if err != nil || !first {
				return err
			}
			if isStop {
				s.log.InfoContext(ctx, "sms opt-out", "keyword", stop)
				return optOut(ctx, tx, phone, stop, now)
			}
			s.log.InfoContext(ctx, "sms opt-in")
			return optIn(ctx, tx, phone)
		})
	}
	first, err := recordInbound(ctx, s.db, sid, now)
	if err != nil {
		return "", err
	}
	if !first {
		s.log.InfoContext(ctx, "sms replayed text ignored", "message_sid", sid)
		return "", nil
	}
	reply, err := s.HandleInbound(ctx, in.From, in.Body)
	if err != nil {
		if ferr := forgetInbound(context.WithoutCancel(ctx), s.db, sid); ferr != nil {
			return "", errors.Join(err, ferr)
		}
		return "", err
	}
	return reply, nil
}

// inboundPhone is the sender's number in E.164, or as given if it is not a
// number we can read.
func inboundPhone(from string) string {
	phone, err := contact.ParsePhone(from)
	if err != nil {
		return strings.TrimSpace(from)
	}
	return phone
}

// HandleInbound deals with a text someone sent us and returns the reply to
// send back, if any: STOP and its kin opt the number out, START opts it back
// in, HELP answers with the service's phone number, and anything else goes
// to the inbound hook. It does not recognise replays: the webhook calls
// ReceiveText, which does.
func (s *Service) HandleInbound(ctx context.Context, from, body string) (string, error) {
	phone := inboundPhone(from)
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
