package notify_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/twiliosms/twiliotest"
)

// These tests run the real Twilio client against a fake Twilio, so the
// dispatcher meets real failures: 429s, 500s, timeouts and error codes.

func TestDispatch_TransientFailuresRetryWithBackoff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		fake := twiliotest.New(t)
		f := newFixture(t, db, london("2027-04-01 10:00"), fake.Sender(t, "https://respite.example/webhooks/twilio/status"))
		f.enqueue(t, code("c", "07700 900123"))

		fake.SetReply(twiliotest.Error(http.StatusTooManyRequests, 20429, 120))
		if r := f.dispatch(t); r.Retried != 1 {
			t.Fatalf("after a 429: %+v", r)
		}
		m := f.message(t, "c")
		wait := m.NextAttemptAt.Sub(f.clk.Now())
		if m.Status != notify.StatusQueued || m.Attempts != 1 || wait < 120*time.Second {
			t.Errorf("after a 429 asking for 120 s: %s, try %d, next in %v", m.Status, m.Attempts, wait)
		}
		if !strings.Contains(m.LastError, "Try 1 failed") {
			t.Errorf("last_error = %q", m.LastError)
		}
		if r := f.dispatch(t); r.Retried+r.Sent != 0 {
			t.Errorf("retried before the wait was over: %+v", r)
		}

		f.clk.Set(m.NextAttemptAt)
		fake.SetReply(twiliotest.Error(http.StatusInternalServerError, 20500, 0))
		f.dispatch(t)
		m2 := f.message(t, "c")
		if m2.Status != notify.StatusQueued || m2.Attempts != 2 {
			t.Errorf("after a 500: %s, try %d", m2.Status, m2.Attempts)
		}

		f.clk.Set(m2.NextAttemptAt)
		fake.SetReply(twiliotest.Accept)
		f.dispatch(t)
		m3 := f.message(t, "c")
		if m3.Status != notify.StatusSent || m3.Attempts != 3 || m3.ProviderMessageID == nil || *m3.ProviderMessageID != twiliotest.SID(3) {
			t.Errorf("after success: %+v", m3)
		}
		reqs := fake.Requests()
		// The status callback names the outbox message, so a receipt can
		// settle a send whose answer was lost.
		wantCallback := fmt.Sprintf("https://respite.example/webhooks/twilio/status?outbox=%d", m3.ID)
		if len(reqs) != 3 || reqs[2].To != "+447700900123" || reqs[2].StatusCallback != wantCallback {
			t.Errorf("Twilio received %+v", reqs)
		}
	})
}

func TestDispatch_GivesUpAfterMaxAttempts(t *testing.T) {
	fake := twiliotest.New(t)
	fake.SetReply(twiliotest.Error(http.StatusServiceUnavailable, 20503, 0))
	f := newFixture(t, dbtest.SQLite(t), london("2027-04-01 10:00"), fake.Sender(t, ""))
	f.enqueue(t, code("c", "07700 900123"))
	for i := 0; i < 20; i++ {
		f.dispatch(t)
		m := f.message(t, "c")
		if m.Status == notify.StatusFailed {
			if m.Attempts != 8 || !strings.Contains(m.LastError, "Gave up after 8 tries") {
				t.Errorf("gave up after %d tries: %q", m.Attempts, m.LastError)
			}
			return
		}
		f.clk.Set(m.NextAttemptAt)
	}
	t.Fatal("never gave up")
}

func TestDispatch_PermanentFailures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		fake := twiliotest.New(t)
		f := newFixture(t, db, london("2027-04-01 10:00"), fake.Sender(t, ""))
		ctx := context.Background()

		fake.SetReply(twiliotest.Error(http.StatusBadRequest, 21211, 0))
		f.enqueue(t, booking("invalid", "07700 900123"))
		if r := f.dispatch(t); r.Failed != 1 {
			t.Errorf("invalid number: %+v", r)
		}
		if m := f.message(t, "invalid"); m.Status != notify.StatusFailed || m.Attempts != 1 || !strings.Contains(m.LastError, "21211") && !strings.Contains(strings.ToLower(m.LastError), "number") {
			t.Errorf("invalid number: %s after %d: %q", m.Status, m.Attempts, m.LastError)
		}

		// Twilio says the person replied STOP to it: fail now, and remember it.
		fake.SetReply(twiliotest.Error(http.StatusBadRequest, 21610, 0))
		f.enqueue(t, booking("stopped", "07700 900124"))
		f.dispatch(t)
		if m := f.message(t, "stopped"); m.Status != notify.StatusFailed {
			t.Errorf("21610: %s", m.Status)
		}
		if out, _ := f.svc.IsOptedOut(ctx, "+447700900124"); !out {
			t.Error("21610 did not record the opt-out")
		}
		fake.SetReply(twiliotest.Accept)
		f.enqueue(t, booking("stopped-2", "07700 900124"))
		f.dispatch(t)
		if m := f.message(t, "stopped-2"); m.Status != notify.StatusSuppressed {
			t.Errorf("next text to the opted-out number: %s, want suppressed", m.Status)
		}
		if n := len(fake.Requests()); n != 2 {
			t.Errorf("Twilio was asked %d times, want 2 (nothing for the suppressed one)", n)
		}
	})
}

func TestApplyReceipt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		fake := twiliotest.New(t)
		f := newFixture(t, db, london("2027-04-01 10:00"), fake.Sender(t, ""))
		ctx := context.Background()
		f.enqueue(t, code("c", "07700 900123"))
		f.dispatch(t)
		sid := twiliotest.SID(1)

		steps := []struct {
			status string
			want   string
		}{
			{"sent", notify.StatusSent},
			{"delivered", notify.StatusDelivered},
			{"delivered", notify.StatusDelivered}, // a duplicate
			{"sent", notify.StatusDelivered},      // late, out of order: no going back
			{"failed", notify.StatusDelivered},    // delivered is final
		}
		for _, st := range steps {
			if err := f.svc.ApplyReceipt(ctx, notify.Receipt{ProviderID: sid, Status: st.status}); err != nil {
				t.Fatal(err)
			}
			if got := f.message(t, "c").Status; got != st.want {
				t.Errorf("after receipt %q: %s, want %s", st.status, got, st.want)
			}
		}
		if m := f.message(t, "c"); m.DeliveredAt == nil {
			t.Error("delivered_at not set")
		}
		if err := f.svc.ApplyReceipt(ctx, notify.Receipt{ProviderID: "SMunknown", Status: "delivered"}); err != nil {
			t.Errorf("a receipt for an unknown message: %v", err)
		}

		t.Run("undelivered keeps the provider's code", func(t *testing.T) {
			f.enqueue(t, code("c2", "07700 900124"))
			f.dispatch(t)
			f.svc.ApplyReceipt(ctx, notify.Receipt{ProviderID: twiliotest.SID(2), Status: "undelivered", ErrorCode: "30003"})
			if m := f.message(t, "c2"); m.Status != notify.StatusUndelivered || !strings.Contains(m.LastError, "30003") {
				t.Errorf("undelivered: %s %q", m.Status, m.LastError)
			}
		})

		t.Run("a receipt that arrives before the send is recorded", func(t *testing.T) {
			// Twilio can call back within milliseconds, before the dispatcher
			// has committed the message id. The fake delivers the receipt
			// while it is still answering the send.
			f.enqueue(t, code("c3", "07700 900125"))
			fake.SetReply(func(w http.ResponseWriter, r *http.Request, n int) {
				if err := f.svc.ApplyReceipt(context.Background(), notify.Receipt{ProviderID: twiliotest.SID(n), Status: "delivered"}); err != nil {
					t.Errorf("early receipt: %v", err)
				}
				twiliotest.Accept(w, r, n)
			})
			f.dispatch(t)
			if m := f.message(t, "c3"); m.Status != notify.StatusDelivered {
				t.Errorf("early receipt lost: status %s, want delivered", m.Status)
			}
		})
	})
}
