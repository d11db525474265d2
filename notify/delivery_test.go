package notify_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/twiliosms"
	"github.com/respite-uk/respite/twiliosms/twiliotest"
)

// Issue 11: texts delivered once, even when Twilio is slow; urgent texts
// first; dispatch that survives a dead instance; webhooks that can be
// replayed. Twilio is faked at the HTTP boundary, so the real twilio-go
// client runs, and the databases are real.

const callback = "https://respite.example/webhooks/twilio/status"

// quickSender is the Twilio sender for fake with a client timeout of
// timeout, so a test of a slow Twilio need not wait long.
func quickSender(t *testing.T, fake *twiliotest.Fake, timeout time.Duration) *twiliosms.Sender {
	t.Helper()
	cfg := fake.Config(callback)
	cfg.HTTPClient.Timeout = timeout
	s, err := twiliosms.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// movingClock runs at real speed from start, so texts that wait for
// daytime go, and leases run out, in real time.
func movingClock(start time.Time) func() time.Time {
	began := time.Now()
	return func() time.Time { return start.Add(time.Since(began)) }
}

// waitFor polls cond every 10 ms until it holds or limit passes, and says
// how long it took.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("waited %v for %s", limit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

func TestDispatch_TwilioAnswersAfterTheTimeout_DeliversOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		fake := twiliotest.New(t)
		f := newFixture(t, db, london("2027-04-01 10:00"), quickSender(t, fake, 300*time.Millisecond))
		fake.SetClock(f.clk.Now)
		// Twilio takes the text, then answers only after the client has
		// given up: what the probe saw.
		fake.SetReply(fake.AcceptLate(5 * time.Second))
		f.enqueue(t, code("c", "07700 900123"))

		if r := f.dispatch(t); r != (notify.DispatchReport{Checking: 1}) {
			t.Fatalf("after the timeout: %+v, want one text to check", r)
		}
		m := f.message(t, "c")
		if m.Status != notify.StatusChecking || m.Attempts != 1 || !strings.Contains(m.LastError, "may have gone") || !strings.Contains(m.Body, "482913") {
			t.Errorf("after the timeout: %s, try %d, %q; want checking, keeping the code to match", m.Status, m.Attempts, m.LastError)
		}
		// From now on Twilio answers at once: a resend would be a second
		// delivery.
		fake.SetReply(twiliotest.Accept)
		if r := f.dispatch(t); r != (notify.DispatchReport{}) {
			t.Errorf("before CheckAfter: %+v, want nothing done (the status callback may yet say)", r)
		}
		f.clk.Advance(10 * time.Second)
		if r := f.dispatch(t); r != (notify.DispatchReport{Confirmed: 1}) {
			t.Errorf("the check: %+v, want Twilio's copy found", r)
		}
		m = f.message(t, "c")
		if m.Status != notify.StatusSent || m.ProviderMessageID == nil || *m.ProviderMessageID != twiliotest.SID(1) || strings.Contains(m.Body, "482913") {
			t.Errorf("after the check: %s, provider id %v, body %q; want sent as %s, code hidden", m.Status, m.ProviderMessageID, m.Body, twiliotest.SID(1))
		}
		if n := len(fake.MessagesTo("+447700900123")); n != 1 {
			t.Errorf("Twilio delivered %d texts, want exactly 1", n)
		}
		if n := len(fake.Requests()); n != 1 {
			t.Errorf("Twilio was asked to send %d times, want 1", n)
		}
		f.clk.Advance(time.Hour)
		if r := f.dispatch(t); r != (notify.DispatchReport{}) {
			t.Errorf("later: %+v, want nothing more", r)
		}
	})
}

func TestDispatch_TimeoutThatNeverReachedTwilio_IsSentAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		fake := twiliotest.New(t)
		f := newFixture(t, db, london("2027-04-01 10:00"), quickSender(t, fake, 300*time.Millisecond))
		fake.SetClock(f.clk.Now)
		fake.SetReply(twiliotest.Stall(5 * time.Second)) // lost on the way in
		f.enqueue(t, code("c", "07700 900123"))
		if r := f.dispatch(t); r.Checking != 1 {
			t.Fatalf("after the timeout: %+v", r)
		}
		fake.SetReply(twiliotest.Accept)
		f.clk.Advance(10 * time.Second)
		if r := f.dispatch(t); r != (notify.DispatchReport{Retried: 1, Sent: 1}) {
			t.Errorf("the check: %+v, want not found, then sent", r)
		}
		m := f.message(t, "c")
		if m.Status != notify.StatusSent || m.Attempts != 2 || *m.ProviderMessageID != twiliotest.SID(2) {
			t.Errorf("%s after %d tries as %v, want sent after 2 as %s", m.Status, m.Attempts, *m.ProviderMessageID, twiliotest.SID(2))
		}
		if n := len(fake.MessagesTo("+447700900123")); n != 1 {
			t.Errorf("Twilio delivered %d texts, want 1", n)
		}
	})
}

func TestWithdraw_ATextBeingCheckedIsNotSentAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		fake := twiliotest.New(t)
		f := newFixture(t, db, london("2027-04-01 10:00"), quickSender(t, fake, 300*time.Millisecond))
		fake.SetClock(f.clk.Now)
		fake.SetReply(twiliotest.Stall(5 * time.Second))
		f.enqueue(t, booking("reminder", "07700 900123"))
		f.dispatch(t)
		// The stay is cancelled while nobody knows whether the reminder went.
		if err := f.svc.Withdraw(context.Background(), db, "reminder"); err != nil {
			t.Fatal(err)
		}
		f.clk.Advance(time.Minute)
		if r := f.dispatch(t); r != (notify.DispatchReport{}) {
			t.Errorf("after withdrawing: %+v, want nothing done", r)
		}
		m := f.message(t, "reminder")
		if m.Status != notify.StatusSuppressed || !strings.Contains(m.LastError, "may have reached") {
			t.Errorf("withdrawn while checking: %s %q", m.Status, m.LastError)
		}
		if n := len(fake.Requests()); n != 1 {
			t.Errorf("Twilio was asked to send %d times, want 1", n)
		}
	})
}

func TestDispatch_NeverSentBlindWhileTwilioCannotSay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		fake := twiliotest.New(t)
		f := newFixture(t, db, london("2027-04-01 10:00"), quickSender(t, fake, 300*time.Millisecond))
		fake.SetClock(f.clk.Now)
		fake.SetReply(fake.AcceptLate(5 * time.Second))
		fake.SetListReply(func(w http.ResponseWriter, r *http.Request) {
			twiliotest.Error(http.StatusServiceUnavailable, 20503, 0)(w, r, 0)
		})
		f.enqueue(t, booking("b", "07700 900123"))
		f.dispatch(t)
		tried := f.clk.Now()

		// Checks fail for the next hour: the text is asked about again and
		// again, less often, and never sent again.
		for f.clk.Now().Sub(tried) < time.Hour {
			m := f.message(t, "b")
			if m.Status != notify.StatusChecking {
				t.Fatalf("%v after the try: %s (%q), want still checking", f.clk.Now().Sub(tried), m.Status, m.LastError)
			}
			f.clk.Set(m.NextAttemptAt)
			f.dispatch(t)
		}
		m := f.message(t, "b")
		if m.Status != notify.StatusFailed || !strings.Contains(m.LastError, "Not known whether it was sent") {
			t.Errorf("after an hour: %s %q, want failed, saying nobody knows whether it went", m.Status, m.LastError)
		}
		if n := len(fake.Requests()); n != 1 {
			t.Errorf("Twilio was asked to send %d times, want 1 (never blind)", n)
		}
		if n := fake.Lookups(); n < 5 || n > 30 {
			t.Errorf("Twilio was asked %d times in the hour, want a few with backoff", n)
		}
		t.Logf("Twilio's list down for an hour: 1 send, %d lookups, then failed as not known whether sent", fake.Lookups())

		// Twilio's receipt, when it comes, says what happened after all.
		if err := f.svc.ApplyReceipt(context.Background(), notify.Receipt{ProviderID: twiliotest.SID(1), Status: "delivered", OutboxID: m.ID}); err != nil {
			t.Fatal(err)
		}
		if m := f.message(t, "b"); m.Status != notify.StatusDelivered {
			t.Errorf("after a late receipt: %s, want delivered", m.Status)
		}
	})
}

func TestApplyReceipt_NamingTheMessageSettlesAnUnknownOutcome(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		fake := twiliotest.New(t)
		f := newFixture(t, db, london("2027-04-01 10:00"), quickSender(t, fake, 300*time.Millisecond))
		fake.SetClock(f.clk.Now)
		fake.SetReply(fake.AcceptLate(5 * time.Second))
		f.enqueue(t, code("c", "07700 900123"))
		f.dispatch(t)
		m := f.message(t, "c")
		// Twilio's "queued" callback, carrying the outbox id from its URL.
		if err := f.svc.ApplyReceipt(context.Background(), notify.Receipt{ProviderID: twiliotest.SID(1), Status: "queued", OutboxID: m.ID}); err != nil {
			t.Fatal(err)
		}
		m = f.message(t, "c")
		if m.Status != notify.StatusSent || m.ProviderMessageID == nil || *m.ProviderMessageID != twiliotest.SID(1) || strings.Contains(m.Body, "482913") {
			t.Errorf("after the callback: %s as %v, body %q; want sent, code hidden", m.Status, m.ProviderMessageID, m.Body)
		}
		f.clk.Advance(time.Minute)
		if r := f.dispatch(t); r != (notify.DispatchReport{}) {
			t.Errorf("after the callback: %+v, want nothing to do", r)
		}
		if n := fake.Lookups(); n != 0 {
			t.Errorf("Twilio was asked %d times, want 0: the callback said", n)
		}
		if n := len(fake.Requests()); n != 1 {
			t.Errorf("Twilio was asked to send %d times, want 1", n)
		}
	})
}

func TestApplyReceipt_ReplayChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, london("2027-04-01 10:00"))
		ctx := context.Background()
		f.enqueue(t, code("c", "07700 900123"))
		f.dispatch(t)
		m := f.message(t, "c")
		sid := *m.ProviderMessageID
		apply := func(status string) {
			t.Helper()
			if err := f.svc.ApplyReceipt(ctx, notify.Receipt{ProviderID: sid, Status: status, OutboxID: m.ID}); err != nil {
				t.Fatal(err)
			}
		}
		apply("sent")
		apply("delivered")
		first := f.message(t, "c")
		f.clk.Advance(time.Hour)
		for _, status := range []string{"delivered", "sent", "delivered", "queued"} { // replays, late and early
			apply(status)
		}
		after := f.message(t, "c")
		if after.Status != notify.StatusDelivered || !after.DeliveredAt.Equal(*first.DeliveredAt) || !after.UpdatedAt.Equal(first.UpdatedAt) {
			t.Errorf("after replays: %s, delivered %v (was %v), updated %v (was %v); want nothing changed",
				after.Status, after.DeliveredAt, first.DeliveredAt, after.UpdatedAt, first.UpdatedAt)
		}
		n, err := db.NewSelect().Table("sms_receipts").Where("provider_message_id = ?", sid).Count(ctx)
		if err != nil || n != 3 {
			t.Errorf("%d receipts stored (%v), want 3: sent, delivered and queued once each", n, err)
		}
	})
}

func TestReceiveText_ReplayIsIgnored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, london("2027-04-01 10:00"))
		ctx := context.Background()
		yes := 0
		failNext := false
		f.svc.SetInboundHook(func(ctx context.Context, from, body string) (string, bool, error) {
			if failNext {
				failNext = false
				return "", false, errors.New("the host service is down")
			}
			yes++
			return "Thanks, noted.", true, nil
		})
		receive := func(sid, body string) string {
			t.Helper()
			reply, err := f.svc.ReceiveText(ctx, notify.Inbound{MessageSid: sid, From: "+447700900123", Body: body})
			if err != nil {
				t.Fatalf("ReceiveText(%s, %s): %v", sid, body, err)
			}
			return reply
		}

		if reply := receive("SMyes1", "YES"); reply != "Thanks, noted." || yes != 1 {
			t.Fatalf("YES: %q, counted %d", reply, yes)
		}
		if reply := receive("SMyes1", "YES"); reply != "" || yes != 1 {
			t.Errorf("the same YES replayed: %q, counted %d times; want ignored", reply, yes)
		}

		// A replayed STOP cannot undo a later START.
		receive("SMstop", "STOP")
		receive("SMstart", "START")
		receive("SMstop", "STOP")
		if out, _ := f.svc.IsOptedOut(ctx, "+447700900123"); out {
			t.Error("a replayed STOP opted the number out again after START")
		}

		// When handling fails, Twilio's retry of the same text is handled.
		failNext = true
		if _, err := f.svc.ReceiveText(ctx, notify.Inbound{MessageSid: "SMyes2", From: "+447700900123", Body: "YES"}); err == nil {
			t.Fatal("the hook's failure was not reported")
		}
		if reply := receive("SMyes2", "YES"); reply != "Thanks, noted." || yes != 2 {
			t.Errorf("the retry after a failure: %q, counted %d; want handled", reply, yes)
		}

		_, err := f.svc.ReceiveText(ctx, notify.Inbound{From: "+447700900123", Body: "YES"})
		if apperr.KindOf(err) != apperr.Invalid || yes != 2 {
			t.Errorf("a text without MessageSid: %v (counted %d); want refused as invalid", err, yes)
		}
	})
}

// TestRun_TwilioSlowerThanTheTimeout_EachTextOnce runs the dispatcher as
// serve does, against a Twilio that takes every text and answers each only
// after the client has given up: every text is delivered, each once.
func TestRun_TwilioSlowerThanTheTimeout_EachTextOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		fake := twiliotest.New(t)
		clk := movingClock(london("2027-04-01 10:00"))
		fake.SetClock(clk)
		fake.SetReply(fake.AcceptLate(5 * time.Second))
		svc := notify.NewService(db, quickSender(t, fake, 200*time.Millisecond), notify.Options{
			Clock: clk, Logger: slog.New(slog.DiscardHandler), ServicePhone: "0113 496 0000",
			PollEvery: 50 * time.Millisecond, CheckAfter: 100 * time.Millisecond,
		})
		const texts = 12
		for i := range texts {
			out := booking(fmt.Sprintf("b%d", i), fmt.Sprintf("07700 900%03d", i))
			if i%3 == 0 {
				out = code(fmt.Sprintf("c%d", i), fmt.Sprintf("07700 900%03d", i))
			}
			if err := svc.Enqueue(context.Background(), db, out); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { svc.Run(ctx); close(done) }()
		took := waitFor(t, 20*time.Second, "every text to be recorded as sent", func() bool {
			n, _ := db.NewSelect().Model((*notify.Message)(nil)).Where("status = ?", notify.StatusSent).Count(context.Background())
			return n == texts
		})
		cancel()
		<-done
		for i := range texts {
			to := fmt.Sprintf("+447700900%03d", i)
			if n := len(fake.MessagesTo(to)); n != 1 {
				t.Errorf("%s got %d texts, want 1", to, n)
			}
		}
		t.Logf("%d texts, every answer after the timeout: all recorded sent in %v; %d sends, %d deliveries, %d lookups",
			texts, took.Round(time.Millisecond), len(fake.Requests()), len(fake.Messages()), fake.Lookups())
	})
}

// TestRun_UrgentTextOvertakesASlowQueue: with Twilio answering slowly, a
// sign-in code queued behind 200 ordinary texts reaches Twilio within 5 s.
func TestRun_UrgentTextOvertakesASlowQueue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		fake := twiliotest.New(t)
		fake.SetReply(fake.AcceptLate(800 * time.Millisecond)) // every answer slow
		// Production settings, but for the clock (a weekday morning, so
		// the ordinary texts are due) and the log.
		svc := notify.NewService(db, fake.Sender(t, callback), notify.Options{
			Clock: movingClock(london("2027-04-01 10:00")), Logger: slog.New(slog.DiscardHandler), ServicePhone: "0113 496 0000",
		})
		ctx := context.Background()
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for i := range 200 {
				if err := svc.Enqueue(ctx, tx, booking(fmt.Sprintf("b%d", i), fmt.Sprintf("07700 900%03d", i))); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { svc.Run(runCtx); close(done) }()
		defer func() { cancel(); <-done }()
		waitFor(t, 10*time.Second, "the ordinary texts to be in flight", func() bool { return len(fake.Requests()) >= 4 })

		const codeTo = "+447700900500"
		queued := time.Now()
		if err := svc.Enqueue(ctx, db, code("code", "07700 900500")); err != nil {
			t.Fatal(err)
		}
		var before int
		took := waitFor(t, 5*time.Second, "the sign-in code to reach Twilio", func() bool {
			for i, r := range fake.Requests() {
				if r.To == codeTo {
					before = i
					return true
				}
			}
			return false
		})
		t.Logf("code handed to Twilio %v after it was queued behind 200 ordinary texts (%d of them handed over before it, each answered in 0.8 s)",
			took.Round(time.Millisecond), before)
		if elapsed := time.Since(queued); elapsed > 5*time.Second {
			t.Errorf("the code took %v, want within 5 s", elapsed)
		}
	})
}

// eachTwoInstances runs fn on SQLite and PostgreSQL with two handles on
// one database, as two instances of the service have.
func eachTwoInstances(t *testing.T, fn func(t *testing.T, a, b *bun.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "respite.db")
		a, err := migrations.Open("file:" + path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = a.Close() })
		if _, err := migrations.Migrate(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		b, err := migrations.Open("file:" + path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = b.Close() })
		fn(t, a, b)
	})
	t.Run("postgres", func(t *testing.T) {
		b, dsn := dbtest.PostgresWithURL(t)
		a, err := migrations.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = a.Close() })
		fn(t, a, b)
	})
}

// TestRun_AnotherInstanceTakesOverFromAKilledOne: the instance sending a
// text dies mid-send, holding its claim. The other instance sends new texts
// at once (there is no job lock to wait for), and takes the dead one's text
// over when its lease runs out, checking with Twilio first so it goes once.
func TestRun_AnotherInstanceTakesOverFromAKilledOne(t *testing.T) {
	for _, tt := range []struct {
		name  string
		taken bool // Twilio took the text before the instance died
	}{
		{"Twilio had taken the text", true},
		{"the text never reached Twilio", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			eachTwoInstances(t, func(t *testing.T, dbDead, dbLive *bun.DB) {
				fake := twiliotest.New(t)
				clk := movingClock(london("2027-04-01 10:00"))
				fake.SetClock(clk)
				fake.SetReply(func(w http.ResponseWriter, r *http.Request, n int) {
					switch {
					case n > 1:
						twiliotest.Accept(w, r, n)
					case tt.taken:
						fake.AcceptLate(time.Minute)(w, r, n)
					default:
						twiliotest.Stall(time.Minute)(w, r, n)
					}
				})
				// Short leases for the test; in production the lease is 30 s.
				opts := notify.Options{
					Clock: clk, Logger: slog.New(slog.DiscardHandler), ServicePhone: "0113 496 0000",
					Lease: time.Second, SendTimeout: 400 * time.Millisecond, PollEvery: 50 * time.Millisecond, CheckAfter: 100 * time.Millisecond,
				}
				dead := notify.NewService(dbDead, fake.Sender(t, ""), opts)
				live := notify.NewService(dbLive, fake.Sender(t, ""), opts)
				ctx := context.Background()
				if err := live.Enqueue(ctx, dbLive, notify.Outgoing{DedupeKey: "emergency", To: "07700 900201", Template: notify.TemplateEmergencyPlacementContact,
					Data: notify.Data{Place: "Oakwood House", Reference: "K7M-4QX", Arrive: calendar.Date{Year: 2027, Month: 4, Day: 3}, Phone: "0113 496 0000"}}); err != nil {
					t.Fatal(err)
				}

				deadCtx, kill := context.WithCancel(ctx)
				deadDone := make(chan struct{})
				go func() { dead.Run(deadCtx); close(deadDone) }()
				waitFor(t, 10*time.Second, "the first instance to hand the text to Twilio", func() bool { return len(fake.Requests()) == 1 })
				// Kill it mid-send: it stops, and can no longer write to the
				// database, so its claim stays as it was.
				kill()
				_ = dbDead.Close()
				killed := time.Now()

				liveCtx, stop := context.WithCancel(ctx)
				liveDone := make(chan struct{})
				go func() { live.Run(liveCtx); close(liveDone) }()
				defer func() { stop(); <-liveDone; <-deadDone }()

				if err := live.Enqueue(ctx, dbLive, code("code", "07700 900202")); err != nil {
					t.Fatal(err)
				}
				newText := waitFor(t, 30*time.Second, "the other instance to send a new text", func() bool {
					return len(fake.MessagesTo("+447700900202")) == 1
				})
				var m notify.Message
				waitFor(t, 30*time.Second, "the other instance to settle the dead one's text", func() bool {
					err := dbLive.NewSelect().Model(&m).Where("dedupe_key = ?", "emergency").Scan(ctx)
					return err == nil && m.Status == notify.StatusSent
				})
				settled := time.Since(killed)
				sends := 0
				for _, r := range fake.Requests() {
					if r.To == "+447700900201" {
						sends++
					}
				}
				deliveries := len(fake.MessagesTo("+447700900201"))
				t.Logf("after the kill: a new text reached Twilio in %v; the dead instance's text was settled in %v (lease 1 s), sent %d times, delivered %d times",
					newText.Round(time.Millisecond), settled.Round(time.Millisecond), sends, deliveries)
				if deliveries != 1 {
					t.Errorf("the dead instance's text was delivered %d times, want 1", deliveries)
				}
				wantSends := 1
				if !tt.taken {
					wantSends = 2
				}
				if sends != wantSends {
					t.Errorf("it was sent %d times, want %d", sends, wantSends)
				}
			})
		})
	}
}
