package notify

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/migrations"
)

func insertMessage(ctx context.Context, db bun.IDB, m *Message) error {
	_, err := db.NewInsert().Model(m).On("CONFLICT (dedupe_key) DO NOTHING").Exec(ctx)
	return apperr.Wrapf(err, "queueing %s message", m.Template)
}

// recoverStale hands back messages whose claimer's lease ran out while
// sending: that dispatcher stopped (a crash, a kill, a lost database) before
// recording the outcome, and may or may not have handed the text over. So
// they are not simply queued again: they are checked with the provider first,
// at once, since the try began at least a lease ago.
func recoverStale(ctx context.Context, db bun.IDB, now time.Time) (int, error) {
	res, err := db.NewUpdate().Model((*Message)(nil)).
		Set("status = ?", StatusChecking).
		Set("next_attempt_at = ?", now).
		Set("claimed_until = NULL").Set("claimed_by = NULL").
		Set("last_error = ?", "The dispatcher stopped while sending this; checking with the provider whether it went before sending again.").
		Set("updated_at = ?", now).
		Where("status = ?", StatusSending).
		Where("claimed_until < ?", now).
		Exec(ctx)
	if err != nil {
		return 0, apperr.Wrapf(err, "recovering stale claims")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// claimNext claims the message that should go next, for lease, under the
// claim name token, and returns it; ok is false when nothing is due. Urgent
// messages come first, then the longest due. A queued message becomes
// "sending" (a new try, counted); a message to be checked stays "checking".
// With urgentOnly only urgent messages are claimed.
//
// On PostgreSQL a row another dispatcher is claiming is skipped rather than
// waited for (FOR UPDATE SKIP LOCKED), so any number of dispatchers on any
// number of instances claim different messages without a lock between them.
// SQLite has one writer at a time, so the single statement is a claim
// already.
func claimNext(ctx context.Context, db bun.IDB, now time.Time, lease time.Duration, token string, urgentOnly bool) (Message, bool, error) {
	next := db.NewSelect().Model((*Message)(nil)).Column("id").
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("status = ? AND next_attempt_at <= ?", StatusQueued, now).
				WhereOr("status = ? AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)", StatusChecking, now, now)
		}).
		OrderExpr("urgent DESC, next_attempt_at, id").
		Limit(1)
	if urgentOnly {
		next = next.Where("urgent = ?", true)
	}
	if db.Dialect().Name() == dialect.PG {
		next = next.For("UPDATE SKIP LOCKED")
	}
	var claimed []Message
	_, err := db.NewUpdate().Model(&claimed).
		Set("status = CASE WHEN status = ? THEN ? ELSE status END", StatusQueued, StatusSending).
		Set("attempts = CASE WHEN status = ? THEN attempts + 1 ELSE attempts END", StatusQueued).
		Set("tried_at = CASE WHEN status = ? THEN ? ELSE tried_at END", StatusQueued, now).
		Set("claimed_until = ?", now.Add(lease)).
		Set("claimed_by = ?", token).
		Set("updated_at = ?", now).
		Where("id IN (?)", next).
		Returning("*").
		Exec(ctx, &claimed)
	if err != nil {
		return Message{}, false, apperr.Wrapf(err, "claiming the next message")
	}
	if len(claimed) == 0 {
		return Message{}, false, nil
	}
	return claimed[0], true, nil
}

// claimed narrows an update to the message m while its claim is still m's:
// a dispatcher whose lease ran out (and whose message another has taken
// over) records nothing. owned is false then.
func claimed(ctx context.Context, q *bun.UpdateQuery, m Message) (owned bool, err error) {
	token := ""
	if m.ClaimedBy != nil {
		token = *m.ClaimedBy
	}
	res, err := q.Set("claimed_until = NULL").Set("claimed_by = NULL").
		Where("id = ?", m.ID).Where("claimed_by = ?", token).
		Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// finish ends a claimed message in a final status with the reason.
func finish(ctx context.Context, db bun.IDB, m Message, status, reason string, now time.Time) (bool, error) {
	owned, err := claimed(ctx, db.NewUpdate().Model((*Message)(nil)).
		Set("status = ?", status).Set("last_error = ?", reason).Set("updated_at = ?", now), m)
	return owned, apperr.Wrapf(err, "recording message %d as %s", m.ID, status)
}

// retryLater puts a claimed message back in the queue for next, with
// attempts tries counted so far.
func retryLater(ctx context.Context, db bun.IDB, m Message, attempts int, next time.Time, reason string, now time.Time) (bool, error) {
	owned, err := claimed(ctx, db.NewUpdate().Model((*Message)(nil)).
		Set("status = ?", StatusQueued).Set("attempts = ?", attempts).
		Set("next_attempt_at = ?", next.UTC()).Set("last_error = ?", reason).
		Set("updated_at = ?", now), m)
	return owned, apperr.Wrapf(err, "scheduling message %d again", m.ID)
}

// checkLater leaves a claimed message to be checked with the provider at
// next: its last try's outcome is unknown.
func checkLater(ctx context.Context, db bun.IDB, m Message, next time.Time, reason string, now time.Time) (bool, error) {
	owned, err := claimed(ctx, db.NewUpdate().Model((*Message)(nil)).
		Set("status = ?", StatusChecking).
		Set("next_attempt_at = ?", next.UTC()).Set("last_error = ?", reason).
		Set("updated_at = ?", now), m)
	return owned, apperr.Wrapf(err, "scheduling a check of message %d", m.ID)
}

// markSent records that the provider took message id as providerID. It
// needs no claim: it is the truth whoever learns it (the dispatcher that
// sent it, one that found it with the provider, or a receipt). It changes
// nothing if the message is already recorded as sent or beyond, or has
// another provider id; recorded is false then.
func markSent(ctx context.Context, db bun.IDB, id int64, providerID string, now time.Time) (recorded bool, err error) {
	q := db.NewUpdate().Model((*Message)(nil)).
		Set("status = ?", StatusSent).Set("sent_at = ?", now).
		Set("claimed_until = NULL").Set("claimed_by = NULL").Set("updated_at = ?", now).
		Where("id = ?", id)
	if providerID != "" {
		q = q.Set("provider_message_id = ?", providerID).
			Where("provider_message_id IS NULL OR provider_message_id = ?", providerID)
	}
	// A message given up as "not known whether it went" (failed) may still
	// turn out to have been taken.
	q = q.Where("status IN (?)", bun.In([]string{StatusQueued, StatusSending, StatusChecking, StatusFailed}))
	res, err := q.Exec(ctx)
	if err != nil {
		return false, apperr.Wrapf(err, "recording message %d as sent", id)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// providerIDOf returns the provider's id recorded for message id, or "".
func providerIDOf(ctx context.Context, db bun.IDB, id int64) (string, error) {
	var pid *string
	err := db.NewSelect().Model((*Message)(nil)).Column("provider_message_id").Where("id = ?", id).Scan(ctx, &pid)
	if migrations.IsNoRows(err) || pid == nil {
		return "", nil
	}
	return *pid, apperr.Wrapf(err, "reading message %d", id)
}

// providerIDsInUse returns which of ids are recorded on messages other than
// id: those are other texts, not this one.
func providerIDsInUse(ctx context.Context, db bun.IDB, id int64, ids []string) (map[string]bool, error) {
	used := map[string]bool{}
	if len(ids) == 0 {
		return used, nil
	}
	var got []string
	err := db.NewSelect().Model((*Message)(nil)).Column("provider_message_id").
		Where("provider_message_id IN (?)", bun.In(ids)).Where("id <> ?", id).
		Scan(ctx, &got)
	for _, g := range got {
		used[g] = true
	}
	return used, apperr.Wrapf(err, "reading provider ids")
}

// advance moves the message with providerID to status if that is forward of
// where it is. The condition is in the UPDATE itself, so two receipts
// arriving together, or a receipt replayed late, cannot move a message
// backwards.
func advance(ctx context.Context, db bun.IDB, providerID, status, errorCode string, now time.Time) (bool, error) {
	var earlier []string
	for _, s := range Statuses {
		if rank(s) < rank(status) {
			earlier = append(earlier, s)
		}
	}
	q := db.NewUpdate().Model((*Message)(nil)).
		Set("status = ?", status).Set("updated_at = ?", now).
		Where("provider_message_id = ?", providerID).
		Where("status IN (?)", bun.In(earlier))
	switch status {
	case StatusDelivered:
		q = q.Set("delivered_at = ?", now)
	case StatusUndelivered, StatusFailed:
		if errorCode != "" {
			q = q.Set("last_error = ?", "The provider could not deliver it (error "+errorCode+").")
		}
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, apperr.Wrapf(err, "applying receipt for %s", providerID)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// receipt is one delivery receipt as the provider sent it.
type receipt struct {
	bun.BaseModel `bun:"table:sms_receipts"`

	ID                int64     `bun:"id,pk,autoincrement"`
	ProviderMessageID string    `bun:"provider_message_id"`
	Status            string    `bun:"status"`
	ErrorCode         string    `bun:"error_code"`
	ReceivedAt        time.Time `bun:"received_at"`
}

// insertReceipt stores a receipt once: the same status for the same message
// again (Twilio retrying its callback, or someone replaying it) is not
// stored, and inserted is false.
func insertReceipt(ctx context.Context, db bun.IDB, providerID, status, errorCode string, now time.Time) (inserted bool, err error) {
	res, err := db.NewInsert().Model(&receipt{ProviderMessageID: providerID, Status: status, ErrorCode: errorCode, ReceivedAt: now}).
		On("CONFLICT (provider_message_id, status) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, apperr.Wrapf(err, "storing receipt for %s", providerID)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

func receiptsFor(ctx context.Context, db bun.IDB, providerID string) ([]receipt, error) {
	var rs []receipt
	err := db.NewSelect().Model(&rs).Where("provider_message_id = ?", providerID).OrderExpr("id").Scan(ctx)
	return rs, apperr.Wrapf(err, "reading receipts for %s", providerID)
}

// optOutRow is a number that opted out.
type optOutRow struct {
	bun.BaseModel `bun:"table:sms_opt_outs"`

	Phone      string    `bun:"phone,pk"`
	Keyword    string    `bun:"keyword"`
	OptedOutAt time.Time `bun:"opted_out_at"`
}

func optOut(ctx context.Context, db bun.IDB, phone, keyword string, now time.Time) error {
	_, err := db.NewInsert().Model(&optOutRow{Phone: phone, Keyword: keyword, OptedOutAt: now}).
		On("CONFLICT (phone) DO UPDATE").Set("keyword = EXCLUDED.keyword").Set("opted_out_at = EXCLUDED.opted_out_at").
		Exec(ctx)
	return apperr.Wrapf(err, "recording opt-out")
}

func optIn(ctx context.Context, db bun.IDB, phone string) error {
	_, err := db.NewDelete().Model((*optOutRow)(nil)).Where("phone = ?", phone).Exec(ctx)
	return apperr.Wrapf(err, "recording opt-in")
}

func isOptedOut(ctx context.Context, db bun.IDB, phone string) (bool, error) {
	n, err := db.NewSelect().Model((*optOutRow)(nil)).Where("phone = ?", phone).Count(ctx)
	if err != nil {
		return false, apperr.Wrapf(err, "reading opt-outs")
	}
	return n > 0, nil
}

func listMessages(ctx context.Context, db bun.IDB, f MessageFilter) ([]Message, error) {
	var ms []Message
	q := db.NewSelect().Model(&ms).OrderExpr("id DESC").Limit(int64(f.Page.Limit) + 1)
	if f.Page.After > 0 {
		q = q.Where("id < ?", f.Page.After)
	}
	if f.To != "" {
		q = q.Where("recipient = ?", f.To)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Template != "" {
		q = q.Where("template = ?", f.Template)
	}
	err := q.Scan(ctx)
	return ms, apperr.Wrapf(err, "listing messages")
}

func messageByID(ctx context.Context, db bun.IDB, id int64) (Message, error) {
	var m Message
	err := db.NewSelect().Model(&m).Where("id = ?", id).Scan(ctx)
	if migrations.IsNoRows(err) {
		return Message{}, ErrMessageNotFound
	}
	return m, apperr.Wrapf(err, "reading message %d", id)
}

// hideCode blanks a sign-in code from message id once no try needs it any
// more (it has been sent, or never will be), so neither admins reading the
// outbox nor a copy of the database can use it to sign in as someone else.
// A message still queued or being sent or checked keeps its code: a resend
// needs it, and so does matching the text with the provider's.
func hideCode(ctx context.Context, db bun.IDB, id int64, now time.Time) error {
	var m Message
	err := db.NewSelect().Model(&m).Where("id = ?", id).Scan(ctx)
	if migrations.IsNoRows(err) {
		return nil
	}
	if err != nil {
		return apperr.Wrapf(err, "reading message %d", id)
	}
	if m.Data.Code == "" || rank(m.Status) < rank(StatusSent) {
		return nil
	}
	data := m.Data
	data.Code = ""
	_, err = db.NewUpdate().Model((*Message)(nil)).
		Set("body = ?", strings.ReplaceAll(m.Body, m.Data.Code, "(code hidden)")).
		Set("data = ?", data).Set("updated_at = ?", now).
		Where("id = ?", m.ID).Exec(ctx)
	return apperr.Wrapf(err, "blanking the code of message %d", m.ID)
}

// inboundRow is a text someone sent us, remembered by the provider's id so
// a replayed webhook is recognised.
type inboundRow struct {
	bun.BaseModel `bun:"table:sms_inbound"`

	MessageSid string    `bun:"message_sid,pk"`
	ReceivedAt time.Time `bun:"received_at"`
}

// recordInbound remembers the provider's id of a text received; first is
// false when it was already there (a replay).
func recordInbound(ctx context.Context, db bun.IDB, sid string, now time.Time) (first bool, err error) {
	res, err := db.NewInsert().Model(&inboundRow{MessageSid: sid, ReceivedAt: now}).
		On("CONFLICT (message_sid) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, apperr.Wrapf(err, "recording text %s", sid)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// forgetInbound lets a text be handled again, after handling it failed.
func forgetInbound(ctx context.Context, db bun.IDB, sid string) error {
	_, err := db.NewDelete().Model((*inboundRow)(nil)).Where("message_sid = ?", sid).Exec(ctx)
	return apperr.Wrapf(err, "forgetting text %s", sid)
}

// lockProviderID makes recording a send and applying a receipt for the same
// provider message take turns on PostgreSQL. Without it a receipt arriving
// while the send is being recorded could miss the uncommitted message id and
// be missed in turn by the recording. SQLite runs one writer at a time.
func lockProviderID(ctx context.Context, db bun.IDB, providerID string) error {
	if providerID == "" || db.Dialect().Name() != dialect.PG {
		return nil
	}
	_, err := db.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", providerID)
	return apperr.Wrapf(err, "locking receipts for %s", providerID)
}
