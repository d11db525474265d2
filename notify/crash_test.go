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
// the process dies after claiming a message and perhaps handing it to the
// provider, but before recording the outcome: the message is never lost; when
// the claim's lease runs out another dispatcher asks the provider whether it
// took the text, and sends it again only if it did not. So it goes once
// either way.
func TestDispatch_CrashBetweenSendingAndRecording(t *testing.T) {
	for _, tt := range []struct {
		name       string
		sentBefore bool // the dead dispatcher got as far as the provider
	}{
		{"died after the provider took it", true},
		{"died before sending", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *bun.DB) {
				ctx := context.Background()
				var logs bytes.Buffer
				log := slog.New(slog.NewJSONHandler(&logs, nil))
				now := time.Date(2027, 4, 1, 10, 0, 0, 0, time.UTC)
				clk := func() time.Time { return now }
				svc := NewService(db, NewLogSender(log), Options{Clock: clk, Logger: log, ServicePhone: "0113 496 0000", Lease: 30 * time.Second})
				if err := svc.Enqueue(ctx, db, Outgoing{DedupeKey: "code:1", To: "07700 900123", Template: TemplateSignInCode, Data: Data{Code: "482913"}}); err != nil {
					t.Fatal(err)
				}

				// A dispatcher claims the message and perhaps hands it to the
				// provider...
				m, ok, err := claimNext(ctx, db, now, svc.opts.Lease, newClaimToken(), false)
				if err != nil || !ok {
					t.Fatalf("claim = %v, %v", ok, err)
				}
				if tt.sentBefore {
					if _, err := svc.sender.Send(ctx, Text{OutboxID: m.ID, To: m.Recipient, Body: m.Body}); err != nil {
						t.Fatal(err)
					}
				}
				// ...and its process dies here, before recording the outcome.

				// Another instance, while the lease runs, leaves the message alone.
				now = now.Add(20 * time.Second)
				if r, err := svc.Dispatch(ctx); err != nil || r != (DispatchReport{}) {
					t.Fatalf("within the lease: %+v, %v; want nothing done", r, err)
				}
				// Once the lease has run out the message is taken over and
				// checked with the provider first.
				now = now.Add(20 * time.Second)
				r, err := svc.Dispatch(ctx)
				if err != nil || r.Recovered != 1 {
					t.Fatalf("after the lease: %+v, %v; want it recovered", r, err)
				}
				want := DispatchReport{Recovered: 1, Confirmed: 1}
				if !tt.sentBefore {
					want = DispatchReport{Recovered: 1, Retried: 1, Sent: 1} // not found, so sent
				}
				if r != want {
					t.Errorf("after the lease: %+v, want %+v", r, want)
				}
				var got Message
				if err := db.NewSelect().Model(&got).Where("dedupe_key = ?", "code:1").Scan(ctx); err != nil {
					t.Fatal(err)
				}
				wantAttempts := 1
				if !tt.sentBefore {
					wantAttempts = 2
				}
				if got.Status != StatusSent || got.Attempts != wantAttempts || got.ProviderMessageID == nil {
					t.Errorf("message = %s after %d tries (provider id %v), want sent after %d", got.Status, got.Attempts, got.ProviderMessageID, wantAttempts)
				}
				if n := strings.Count(logs.String(), "482913"); n != 1 {
					t.Errorf("the text went %d times, want once", n)
				}
				if r, _ := svc.Dispatch(ctx); r.Sent != 0 {
					t.Errorf("a third dispatch sent it again")
				}
			})
		})
	}
}
