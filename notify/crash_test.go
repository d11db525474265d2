package notify

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/migrations/dbtest"
)

// TestDispatch_CrashBetweenSendingAndRecording pins down the guarantee when
// the process dies after the provider took a message but before the outbox
// recorded it: the message is never lost, and it is sent again (once) when
// its claim's lease runs out. Nothing else can cause a second send.
func TestDispatch_CrashBetweenSendingAndRecording(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		var logs bytes.Buffer
		log := slog.New(slog.NewJSONHandler(&logs, nil))
		now := time.Date(2027, 4, 1, 10, 0, 0, 0, time.UTC)
		clk := func() time.Time { return now }
		svc := NewService(db, NewLogSender(log), Options{Clock: clk, Logger: log, ServicePhone: "0113 496 0000", Lease: 2 * time.Minute})
		if err := svc.Enqueue(ctx, db, Outgoing{DedupeKey: "code:1", To: "07700 900123", Template: TemplateSignInCode, Data: Data{Code: "482913"}}); err != nil {
			t.Fatal(err)
		}

		// A dispatcher claims the message and hands it to the provider...
		claimed, err := claimDue(ctx, db, now, svc.opts.Lease, 10)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim = %d messages, %v", len(claimed), err)
		}
		if _, err := svc.sender.Send(ctx, claimed[0].Recipient, claimed[0].Body); err != nil {
			t.Fatal(err)
		}
		// ...and its process dies here, before recording the outcome.

		// Another instance, while the lease runs, leaves the message alone.
		now = now.Add(time.Minute)
		if r, err := svc.Dispatch(ctx); err != nil || r.Sent != 0 || r.Recovered != 0 {
			t.Fatalf("within the lease: %+v, %v; want nothing sent", r, err)
		}
		// Once the lease has run out the message goes back to the queue and
		// is sent again.
		now = now.Add(2 * time.Minute)
		r, err := svc.Dispatch(ctx)
		if err != nil || r.Recovered != 1 || r.Sent != 1 {
			t.Fatalf("after the lease: %+v, %v; want it recovered and sent", r, err)
		}
		var m Message
		if err := db.NewSelect().Model(&m).Where("dedupe_key = ?", "code:1").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if m.Status != StatusSent || m.Attempts != 2 {
			t.Errorf("message = %s after %d tries, want sent after 2", m.Status, m.Attempts)
		}
		if n := strings.Count(logs.String(), "482913"); n != 2 {
			t.Errorf("the text went %d times, want 2 (the lost record's send, and the resend)", n)
		}
		if r, _ := svc.Dispatch(ctx); r.Sent != 0 {
			t.Errorf("a third dispatch sent it again")
		}
	})
}
