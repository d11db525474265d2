package notify

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// How the outbox gets its texts to the provider, and why each text goes
// once.
//
// Every instance runs a dispatcher (Run). It needs no lock between
// instances: each message is claimed as a row, for a lease, by one
// dispatcher at a time (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has a
// single writer). A dead instance holds nothing but the few messages it had
// claimed, and only until their leases run out.
//
// A try ends one of three ways. The provider took the text (recorded as
// sent), or said no (retried with backoff, or failed if no retry can help),
// or did not answer after the request went out. In that last case nobody
// knows whether the text went, so it is not sent again blind: the message
// becomes "checking", and the provider is asked (Sender.Lookup) whether it
// took it. A status callback that names the message (Receipt.OutboxID)
// settles it sooner. Only when the provider says it never took the text is
// it sent again. The same check follows a dispatcher that died mid-send:
// its lease runs out and another dispatcher checks before resending.

// lookupSlack widens the window a lookup searches, before the try began,
// for the difference between our clock and the provider's.
const lookupSlack = 5 * time.Minute

// maxCheckWait caps the wait between lookups while the provider cannot say.
const maxCheckWait = 5 * time.Minute

// DispatchReport counts what one dispatch did.
type DispatchReport struct {
	Sent, Retried, Failed, Suppressed, Deferred int
	// Recovered counts messages whose dispatcher died mid-send, taken over
	// to be checked.
	Recovered int
	// Checking counts tries with an unknown outcome, left to be checked with
	// the provider; Confirmed counts checks where the provider said it had
	// taken the text, which is then recorded as sent and not sent again.
	Checking, Confirmed int
}

// outcome is how handling one claimed message ended.
type outcome int

const (
	outSent outcome = iota + 1
	outRetried
	outFailed
	outSuppressed
	outDeferred
	outChecking
	outConfirmed
	outLost // another dispatcher took the message over; nothing recorded
)

func (o outcome) String() string {
	names := [...]string{"", "sent", "retried", "failed", "suppressed", "deferred", "checking", "confirmed", "lost"}
	if int(o) < len(names) {
		return names[o]
	}
	return "unknown"
}

func (r *DispatchReport) add(o outcome) {
	switch o {
	case outSent:
		r.Sent++
	case outRetried:
		r.Retried++
	case outFailed:
		r.Failed++
	case outSuppressed:
		r.Suppressed++
	case outDeferred:
		r.Deferred++
	case outChecking:
		r.Checking++
	case outConfirmed:
		r.Confirmed++
	}
}

// Dispatch handles every message that is due, one at a time, until none is
// left or ctx ends, and says what it did. Run does the same continuously
// with several workers; tests and one-off runs call Dispatch.
func (s *Service) Dispatch(ctx context.Context) (DispatchReport, error) {
	var r DispatchReport
	n, err := recoverStale(ctx, s.db, s.now().UTC())
	if err != nil {
		return r, err
	}
	r.Recovered = n
	for ctx.Err() == nil {
		m, ok, err := claimNext(ctx, s.db, s.now().UTC(), s.opts.Lease, newClaimToken(), false)
		if err != nil || !ok {
			return r, err
		}
		o, err := s.process(ctx, m)
		if err != nil {
			return r, err
		}
		r.add(o)
	}
	return r, ctx.Err()
}

// Run dispatches texts until ctx ends, then lets the sends in flight finish
// and be recorded (each is bounded by SendTimeout) and returns. Each
// instance runs one, started by the serve command; there is no lock to
// take, so a dead instance never holds up the others.
//
// It has two lanes. The urgent lane's UrgentWorkers claim only urgent texts
// (sign-in codes, emergency placements); the ordinary lane's Workers claim
// urgent texts first and then the rest. So an urgent text goes at the next
// poll however many ordinary texts are queued or slow. A third loop hands
// over, for checking, the messages of dispatchers whose lease ran out.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { s.lane(ctx, "urgent", true, s.opts.UrgentWorkers) })
	wg.Go(func() { s.lane(ctx, "ordinary", false, s.opts.Workers) })
	wg.Go(func() { s.recoverLoop(ctx) })
	wg.Wait()
}

// lane claims messages one at a time while it has a free worker, and hands
// each to a worker; when nothing is due it waits PollEvery.
func (s *Service) lane(ctx context.Context, name string, urgentOnly bool, workers int) {
	free := make(chan struct{}, workers)
	for range workers {
		free <- struct{}{}
	}
	var inFlight sync.WaitGroup
	defer inFlight.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-free:
		}
		// A claim, once started, is finished even if ctx ends meanwhile,
		// so that it is never half known; it is one short statement.
		m, ok, err := claimNext(context.WithoutCancel(ctx), s.db, s.now().UTC(), s.opts.Lease, newClaimToken(), urgentOnly)
		if err != nil || !ok {
			free <- struct{}{}
			if err != nil {
				s.log.ErrorContext(ctx, "sms dispatcher could not claim a message", "lane", name, "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(s.opts.PollEvery):
			}
			continue
		}
		inFlight.Go(func() {
			defer func() { free <- struct{}{} }()
			// Shutting down does not cut a send short: it finishes within
			// SendTimeout and its outcome is recorded, rather than left for
			// another instance to check.
			s.processLogged(context.WithoutCancel(ctx), name, m)
		})
	}
}

// processLogged handles one claimed message for Run, which has no caller
// to return errors to. A message whose outcome could not be recorded (the
// database went away) keeps its claim until the lease runs out, and is then
// checked with the provider like any other interrupted send.
func (s *Service) processLogged(ctx context.Context, lane string, m Message) {
	defer func() {
		if p := recover(); p != nil {
			s.log.ErrorContext(ctx, "sms dispatcher panicked; the message will be checked when its lease runs out", "message_id", m.ID, "panic", fmt.Sprint(p))
		}
	}()
	o, err := s.process(ctx, m)
	if err != nil {
		s.log.ErrorContext(ctx, "sms dispatch could not record the outcome; the message will be checked when its lease runs out", "lane", lane, "message_id", m.ID, "err", err)
		return
	}
	s.log.DebugContext(ctx, "sms dispatched", "lane", lane, "message_id", m.ID, "outcome", o.String())
}

// recoverLoop hands over, every PollEvery, the messages of dispatchers whose
// lease ran out.
func (s *Service) recoverLoop(ctx context.Context) {
	tick := time.NewTicker(s.opts.PollEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		n, err := recoverStale(ctx, s.db, s.now().UTC())
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.ErrorContext(ctx, "sms dispatcher could not recover stale claims", "err", err)
		case n > 0:
			s.log.WarnContext(ctx, "sms messages of a stopped dispatcher taken over, to be checked with the provider", "messages", n)
		}
	}
}

// process handles one claimed message: a new try, or a check of one whose
// outcome is unknown.
func (s *Service) process(ctx context.Context, m Message) (outcome, error) {
	if m.Status == StatusChecking {
		return s.check(ctx, m)
	}
	return s.send(ctx, m)
}

// send makes one try at a claimed message and records the outcome.
func (s *Service) send(ctx context.Context, m Message) (outcome, error) {
	now := s.now().UTC()
	tmpl, _ := Lookup(m.Template)
	if !tmpl.ReachesOptedOut {
		out, err := isOptedOut(ctx, s.db, m.Recipient)
		if err != nil {
			return 0, err
		}
		if out {
			owned, err := finish(ctx, s.db, m, StatusSuppressed, "Not sent: the number has opted out of texts (replied STOP).", now)
			return s.settled(ctx, m, outSuppressed, owned, err)
		}
	}
	if m.WaitsForDaytime && Daytime(now) != now {
		// Claimed just as the day ended: wait for the morning, without
		// counting this as a try.
		owned, err := retryLater(ctx, s.db, m, m.Attempts-1, Daytime(now), m.LastError, now)
		return s.settled(ctx, m, outDeferred, owned, err)
	}

	sendCtx, cancel := context.WithTimeout(ctx, s.opts.SendTimeout)
	res, sendErr := s.sender.Send(sendCtx, Text{OutboxID: m.ID, To: m.Recipient, Body: m.Body})
	cancel()
	now = s.now().UTC()
	if sendErr == nil {
		return outSent, s.recordSent(ctx, m.ID, res, now)
	}

	var se *SendError
	if !errors.As(sendErr, &se) {
		// A sender that does not say cannot promise the text did not go.
		se = &SendError{Reason: "the provider did not answer", MaybeSent: true, Err: sendErr}
	}
	s.log.WarnContext(ctx, "sms send failed", "message_id", m.ID, "attempt", m.Attempts, "permanent", se.Permanent, "maybe_sent", se.MaybeSent, "err", se)
	reason := se.Reason
	if reason == "" {
		reason = se.Error()
	}
	switch {
	case se.MaybeSent:
		// Whatever the count of tries, a text that may have gone is checked
		// before anything else happens to it.
		owned, err := checkLater(ctx, s.db, m, now.Add(s.opts.CheckAfter),
			fmt.Sprintf("Try %d: %s. It may have gone, so the provider is asked before it is sent again.", m.Attempts, reason), now)
		return s.settled(ctx, m, outChecking, owned, err)
	case se.Permanent:
		if se.Code == "21610" {
			// The provider says the number replied STOP to it: remember that
			// here too, so nothing else is queued for sending to it.
			if err := optOut(ctx, s.db, m.Recipient, "PROVIDER", now); err != nil {
				return 0, err
			}
		}
		owned, err := finish(ctx, s.db, m, StatusFailed, "Failed: "+reason, now)
		return s.settled(ctx, m, outFailed, owned, err)
	case m.Attempts >= s.opts.MaxAttempts:
		owned, err := finish(ctx, s.db, m, StatusFailed, fmt.Sprintf("Gave up after %d tries: %s", m.Attempts, reason), now)
		return s.settled(ctx, m, outFailed, owned, err)
	default:
		next := sendAt(now.Add(backoff(m.Attempts, se.RetryAfter)), m.WaitsForDaytime)
		owned, err := retryLater(ctx, s.db, m, m.Attempts, next, fmt.Sprintf("Try %d failed: %s", m.Attempts, reason), now)
		return s.settled(ctx, m, outRetried, owned, err)
	}
}

// check asks the provider whether it took a text whose last try had an
// unknown outcome, and acts on the answer: taken, it is recorded as sent;
// never taken, it is queued to be sent again at once; no answer, it is
// asked again later, and given up (never sent blind) after CheckFor.
func (s *Service) check(ctx context.Context, m Message) (outcome, error) {
	tried := m.CreatedAt
	if m.TriedAt != nil {
		tried = *m.TriedAt
	}
	lookCtx, cancel := context.WithTimeout(ctx, s.opts.SendTimeout)
	found, lookErr := s.sender.Lookup(lookCtx, Text{OutboxID: m.ID, To: m.Recipient, Body: m.Body}, tried.Add(-lookupSlack))
	cancel()
	now := s.now().UTC()

	if lookErr != nil {
		waited := now.Sub(tried)
		s.log.WarnContext(ctx, "sms check with the provider failed", "message_id", m.ID, "waited", waited.Round(time.Second).String(), "err", lookErr)
		if waited >= s.opts.CheckFor {
			owned, err := finish(ctx, s.db, m, StatusFailed, fmt.Sprintf(
				"Not known whether it was sent: try %d had no answer, and for %s the provider could not say whether it took the text, so it was not sent again. Look it up with the provider, or phone the person if it matters.",
				m.Attempts, s.opts.CheckFor.Round(time.Minute)), now)
			return s.settled(ctx, m, outFailed, owned, err)
		}
		// Ask again, less often the longer it goes on, and once more at
		// the deadline.
		wait := min(max(s.opts.CheckAfter, waited/2), maxCheckWait)
		next := now.Add(wait)
		if deadline := tried.Add(s.opts.CheckFor); next.After(deadline) {
			next = deadline
		}
		owned, err := checkLater(ctx, s.db, m, next, fmt.Sprintf(
			"Try %d had no answer, and the provider cannot yet say whether it took the text: asking again; it is not sent again meanwhile.", m.Attempts), now)
		return s.settled(ctx, m, outChecking, owned, err)
	}

	// A text the provider holds that is already recorded against another
	// message is that message's (the same words to the same number), not
	// this one's.
	ids := make([]string, len(found))
	for i, f := range found {
		ids[i] = f.ProviderID
	}
	used, err := providerIDsInUse(ctx, s.db, m.ID, ids)
	if err != nil {
		return 0, err
	}
	for _, f := range found {
		if f.ProviderID != "" && !used[f.ProviderID] {
			s.log.InfoContext(ctx, "sms check: the provider had taken the text; not sending it again", "message_id", m.ID, "provider_id", f.ProviderID)
			return outConfirmed, s.recordSent(ctx, m.ID, f, now)
		}
	}

	// The provider never took it: the try did not get through, so a new
	// one may go, at once (or in the morning, for a text that waits for
	// daytime).
	if m.Attempts >= s.opts.MaxAttempts {
		owned, err := finish(ctx, s.db, m, StatusFailed, fmt.Sprintf("Gave up after %d tries: the last did not reach the provider.", m.Attempts), now)
		return s.settled(ctx, m, outFailed, owned, err)
	}
	owned, err := retryLater(ctx, s.db, m, m.Attempts, sendAt(now, m.WaitsForDaytime),
		fmt.Sprintf("Try %d did not reach the provider (it has no such text); sending again.", m.Attempts), now)
	return s.settled(ctx, m, outRetried, owned, err)
}

// settled finishes recording an outcome written under the message's claim:
// it notes a claim lost to another dispatcher, and blanks a sign-in code
// that no try needs any more.
func (s *Service) settled(ctx context.Context, m Message, o outcome, owned bool, err error) (outcome, error) {
	if err != nil {
		return 0, err
	}
	if !owned {
		s.log.WarnContext(ctx, "sms outcome not recorded: the claim ran out and another dispatcher has the message", "message_id", m.ID)
		return outLost, nil
	}
	if m.Data.Code != "" {
		if err := hideCode(ctx, s.db, m.ID, s.now().UTC()); err != nil {
			return 0, err
		}
	}
	return o, nil
}

// recordSent marks a message sent and applies any delivery receipt that
// arrived before this record did.
func (s *Service) recordSent(ctx context.Context, id int64, res SendResult, now time.Time) error {
	return s.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		if err := lockProviderID(ctx, tx, res.ProviderID); err != nil {
			return err
		}
		if err := s.attach(ctx, tx, id, res.ProviderID, now); err != nil {
			return err
		}
		if res.ProviderID != "" {
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
		}
		return hideCode(ctx, tx, id, now)
	})
}

// newClaimToken names one claim.
func newClaimToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
