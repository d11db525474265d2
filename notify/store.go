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

// requeueStale returns to the queue messages whose claimer's lease ran out:
// the process that claimed them stopped before recording the outcome.
func requeueStale(ctx context.Context, db bun.IDB, now time.Time) (int, error) {
	res, err := db.NewUpdate().Model((*Message)(nil)).
		Set("status = ?", StatusQueued).
		Set("claimed_until = NULL").
		Set("last_error = ?", "The sender stopped while sending this; sending again (the earlier try may have reached the phone).").
		Set("updated_at = ?", now).
		Where("status = ?", StatusSending).
		Where("claimed_until < ?", now).
		Exec(ctx)
	if err != nil {
		return 0, apperr.Wrapf(err, "requeueing stale messages")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// claimDue marks up to limit due messages as being sent by this dispatcher
// for lease, and returns them. On PostgreSQL rows another dispatcher has
// locked are skipped rather than waited for; SQLite has one writer at a time,
// so its claims cannot overlap anyway.
func claimDue(ctx context.Context, db bun.IDB, now time.Time, lease time.Duration, limit int) ([]Message, error) {
	due := db.NewSelect().Model((*Message)(nil)).Column("id").
		Where("status = ?", StatusQueued).
		Where("next_attempt_at <= ?", now).
		OrderExpr("next_attempt_at, id").
		Limit(int64(limit))
	if db.Dialect().Name() == dialect.PG {
		due = due.For("UPDATE SKIP LOCKED")
	}
	var claimed []Message
	_, err := db.NewUpdate().Model(&claimed).
		Set("status = ?", StatusSending).
		Set("claimed_until = ?", now.Add(lease)).
		Set("attempts = attempts + 1").
		Set("updated_at = ?", now).
		Where("id IN (?)", due).
		Returning("*").
		Exec(ctx, &claimed)
	if err != nil {
		return nil, apperr.Wrapf(err, "claiming due messages")
	}
	return claimed, nil
}

func finish(ctx context.Context, db bun.IDB, id int64, status, reason string, now time.Time) error {
	_, err := db.NewUpdate().Model((*Message)(nil)).
		Set("status = ?", status).Set("last_error = ?", reason).
		Set("claimed_until = NULL").Set("updated_at = ?", now).
		Where("id = ?", id).Exec(ctx)
	return apperr.Wrapf(err, "recording message %d as %s", id, status)
}

func retryLater(ctx context.Context, db bun.IDB, id int64, attempts int, next time.Time, reason string, now time.Time) error {
	_, err := db.NewUpdate().Model((*Message)(nil)).
		Set("status = ?", StatusQueued).Set("attempts = ?", attempts).
		Set("next_attempt_at = ?", next.UTC()).Set("last_error = ?", reason).
		Set("claimed_until = NULL").Set("updated_at = ?", now).
		Where("id = ?", id).Exec(ctx)
	return apperr.Wrapf(err, "scheduling message %d again", id)
}

func markSent(ctx context.Context, db bun.IDB, id int64, providerID string, now time.Time) error {
	q := db.NewUpdate().Model((*Message)(nil)).
		Set("status = ?", StatusSent).Set("sent_at = ?", now).
		Set("claimed_until = NULL").Set("updated_at = ?", now).
		Where("id = ?", id)
	if providerID != "" {
		q = q.Set("provider_message_id = ?", providerID)
	}
	_, err := q.Exec(ctx)
	return apperr.Wrapf(err, "recording message %d as sent", id)
}

// advance moves the message with providerID to status if that is forward of
// where it is. The condition is in the UPDATE itself, so two receipts
// arriving together cannot move a message backwards.
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

func insertReceipt(ctx context.Context, db bun.IDB, providerID, status, errorCode string, now time.Time) error {
	_, err := db.NewInsert().Model(&receipt{ProviderMessageID: providerID, Status: status, ErrorCode: errorCode, ReceivedAt: now}).Exec(ctx)
	return apperr.Wrapf(err, "storing receipt for %s", providerID)
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

// forgetCode blanks a sign-in code from a message that has been sent (or
// will never be), so neither admins reading the outbox nor a copy of the
// database can use it to sign in as someone else.
func forgetCode(ctx context.Context, db bun.IDB, m Message, now time.Time) error {
	data := m.Data
	data.Code = ""
	_, err := db.NewUpdate().Model((*Message)(nil)).
		Set("body = ?", strings.ReplaceAll(m.Body, m.Data.Code, "(code hidden)")).
		Set("data = ?", data).Set("updated_at = ?", now).
		Where("id = ?", m.ID).Exec(ctx)
	return apperr.Wrapf(err, "blanking the code of message %d", m.ID)
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
