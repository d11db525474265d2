package notify_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// clock is a settable clock shared by the service and the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)         { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

func london(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.London)
	if err != nil {
		panic(err)
	}
	return t
}

type fixture struct {
	db   *bun.DB
	svc  *notify.Service
	clk  *clock
	logs *syncBuffer
}

// newFixture builds the service with the real log sender, whose log lines
// are the texts "sent".
func newFixture(t *testing.T, db *bun.DB, at time.Time, sender ...notify.Sender) fixture {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	var s notify.Sender = notify.NewLogSender(log)
	if len(sender) > 0 {
		s = sender[0]
	}
	clk := &clock{t: at}
	svc := notify.NewService(db, s, notify.Options{Clock: clk.Now, Logger: log, ServiceName: "Leeds Carers Respite", ServicePhone: "0113 496 0000"})
	return fixture{db: db, svc: svc, clk: clk, logs: logs}
}

func booking(key, to string) notify.Outgoing {
	return notify.Outgoing{DedupeKey: key, To: to, Template: notify.TemplateBookingConfirmed, Data: notify.Data{
		Reference: "K7M-4QX", Place: "Oakwood House",
		Arrive: calendar.Date{Year: 2027, Month: 4, Day: 3}, Depart: calendar.Date{Year: 2027, Month: 4, Day: 5},
	}}
}

// reminder is a text the system starts on its own: it waits for daytime.
func reminder(key, to string) notify.Outgoing {
	out := booking(key, to)
	out.Template = notify.TemplateBookingReminderWeek
	return out
}

// homeNotice tells a care home of a stay arriving on about.
func homeNotice(key, to string, about calendar.Date) notify.Outgoing {
	out := booking(key, to)
	out.Template, out.About = notify.TemplateHomeStayBooked, about
	out.Data.Arrive, out.Data.Depart = about, about.AddDays(2)
	return out
}

func code(key, to string) notify.Outgoing {
	return notify.Outgoing{DedupeKey: key, To: to, Template: notify.TemplateSignInCode, Data: notify.Data{Code: "482913"}}
}

func (f fixture) enqueue(t *testing.T, out notify.Outgoing) {
	t.Helper()
	if err := f.svc.Enqueue(context.Background(), f.db, out); err != nil {
		t.Fatalf("Enqueue(%s): %v", out.DedupeKey, err)
	}
}

func (f fixture) message(t *testing.T, key string) notify.Message {
	t.Helper()
	var m notify.Message
	if err := f.db.NewSelect().Model(&m).Where("dedupe_key = ?", key).Scan(context.Background()); err != nil {
		t.Fatalf("reading message %s: %v", key, err)
	}
	return m
}

func (f fixture) dispatch(t *testing.T) notify.DispatchReport {
	t.Helper()
	r, err := f.svc.Dispatch(context.Background())
	if err != nil {
		t.Fatalf("Dispatch: %v", err)
	}
	return r
}

func TestEnqueue_InTheCallersTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, london("2027-04-01 10:00"))
		ctx := context.Background()
		boom := errors.New("the booking failed after queueing its text")
		err := db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
			if err := f.svc.Enqueue(ctx, tx, booking("booking:1:confirmed", "07700 900123")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n, _ := db.NewSelect().Model((*notify.Message)(nil)).Count(ctx); n != 0 {
			t.Errorf("a rolled-back change left %d messages", n)
		}

		f.enqueue(t, booking("booking:1:confirmed", "07700 900123"))
		f.enqueue(t, booking("booking:1:confirmed", "07700 900123")) // a retried request
		if n, _ := db.NewSelect().Model((*notify.Message)(nil)).Count(ctx); n != 1 {
			t.Errorf("the same dedupe key twice made %d messages, want 1", n)
		}
		m := f.message(t, "booking:1:confirmed")
		if m.Recipient != "+447700900123" || m.Status != notify.StatusQueued || m.Urgent || !strings.Contains(m.Body, "Oakwood House") || !strings.Contains(m.Body, "0113 496 0000") {
			t.Errorf("queued %+v", m)
		}
	})
}

func TestEnqueue_RefusesBadInput(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t), london("2027-04-01 10:00"))
	tests := []struct {
		name string
		out  notify.Outgoing
	}{
		{"bad number", booking("a", "12345")},
		{"unknown template", notify.Outgoing{DedupeKey: "b", To: "07700 900123", Template: "poem"}},
		{"missing data", notify.Outgoing{DedupeKey: "c", To: "07700 900123", Template: notify.TemplateBookingConfirmed}},
		{"no dedupe key", booking("", "07700 900123")},
		{"a notice about a stay that does not say which night", homeNotice("d", "07700 900123", calendar.Date{})},
	}
	for _, tt := range tests {
		err := f.svc.Enqueue(context.Background(), f.db, tt.out)
		if apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("%s: err = %v, want an Invalid error", tt.name, err)
		}
	}
	if n, _ := f.db.NewSelect().Model((*notify.Message)(nil)).Count(context.Background()); n != 0 {
		t.Errorf("bad input wrote %d messages", n)
	}
}

func TestQuietHours(t *testing.T) {
	tests := []struct {
		name        string
		queuedAt    time.Time
		wantFirstAt string // London time
	}{
		{"evening waits for the morning", london("2027-04-01 21:00"), "2027-04-02 08:00"},
		{"night waits for the morning", london("2027-04-02 03:00"), "2027-04-02 08:00"},
		{"daytime goes at once", london("2027-04-02 12:00"), "2027-04-02 12:00"},
		{"19:59 goes at once", london("2027-04-02 19:59"), "2027-04-02 19:59"},
		{"the night the clocks go forward", london("2027-03-27 21:30"), "2027-03-28 08:00"},
		{"the night the clocks go back", london("2027-10-30 22:00"), "2027-10-31 08:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, dbtest.SQLite(t), tt.queuedAt)
			f.enqueue(t, reminder("b", "07700 900123"))
			f.enqueue(t, code("c", "07700 900124"))
			if got := f.message(t, "b").NextAttemptAt.In(calendar.London).Format("2006-01-02 15:04"); got != tt.wantFirstAt {
				t.Errorf("reminder due at %s London, want %s", got, tt.wantFirstAt)
			}
			// A sign-in code is urgent: it goes at once, day or night.
			if r := f.dispatch(t); r.Sent < 1 || f.message(t, "c").Status != notify.StatusSent {
				t.Errorf("the sign-in code was not sent at once: %+v", r)
			}
			due := london(tt.wantFirstAt)
			f.clk.Set(due.Add(-time.Minute))
			f.dispatch(t)
			if s := f.message(t, "b").Status; due.After(tt.queuedAt) && s != notify.StatusQueued {
				t.Errorf("a minute before it is due, status = %s", s)
			}
			f.clk.Set(due)
			f.dispatch(t)
			if s := f.message(t, "b").Status; s != notify.StatusSent {
				t.Errorf("when due, status = %s, want sent", s)
			}
		})
	}
}

// TestQuietHours_OnlyForTextsTheSystemStarts is the proof for issue 12: at
// 23:30 London time a booking confirmation (answering what the carer has
// just done) is due at once and sent, while a reminder queued at the same
// moment waits until 08:00. A notice to a care home goes at once when the
// stay is tonight or tomorrow, and waits when it is further off.
func TestQuietHours_OnlyForTextsTheSystemStarts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		at := london("2027-04-01 23:30")
		f := newFixture(t, db, at)
		today := calendar.Date{Year: 2027, Month: 4, Day: 1}
		f.enqueue(t, booking("confirmed", "07700 900123"))
		f.enqueue(t, reminder("reminder", "07700 900124"))
		f.enqueue(t, homeNotice("home-tonight", "07700 900125", today))
		f.enqueue(t, homeNotice("home-tomorrow", "07700 900126", today.AddDays(1)))
		f.enqueue(t, homeNotice("home-next-week", "07700 900127", today.AddDays(7)))

		morning := london("2027-04-02 08:00")
		for _, tt := range []struct {
			key   string
			waits bool
		}{
			{"confirmed", false}, {"reminder", true},
			{"home-tonight", false}, {"home-tomorrow", false}, {"home-next-week", true},
		} {
			m := f.message(t, tt.key)
			want := at
			if tt.waits {
				want = morning
			}
			if !m.NextAttemptAt.Equal(want) || m.WaitsForDaytime != tt.waits {
				t.Errorf("%s queued at 23:30: due %s London (waits for daytime %v), want %s (%v)", tt.key,
					m.NextAttemptAt.In(calendar.London).Format("2006-01-02 15:04"), m.WaitsForDaytime,
					want.In(calendar.London).Format("2006-01-02 15:04"), tt.waits)
			}
		}
		if r := f.dispatch(t); r.Sent != 3 {
			t.Errorf("at 23:30 the dispatcher sent %d, want 3 (the confirmation and the notices about tonight and tomorrow)", r.Sent)
		}
		for _, key := range []string{"reminder", "home-next-week"} {
			if s := f.message(t, key).Status; s != notify.StatusQueued {
				t.Errorf("%s at 23:30: %s, want it still queued", key, s)
			}
		}
		f.clk.Set(morning.Add(-time.Minute))
		if r := f.dispatch(t); r.Sent != 0 {
			t.Errorf("at 07:59 the dispatcher sent %d, want none", r.Sent)
		}
		f.clk.Set(morning)
		if r := f.dispatch(t); r.Sent != 2 {
			t.Errorf("at 08:00 the dispatcher sent %d, want the reminder and the notice about next week", r.Sent)
		}
	})
}

// TestQuietHours_ClaimedAsTheDayEnds: a reminder due at 19:59 but claimed
// at 20:00 waits for the morning, without counting a try.
func TestQuietHours_ClaimedAsTheDayEnds(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t), london("2027-04-01 19:59"))
	f.enqueue(t, reminder("reminder", "07700 900124"))
	f.clk.Set(london("2027-04-01 20:00"))
	f.dispatch(t)
	if m := f.message(t, "reminder"); m.Status != notify.StatusQueued || m.Attempts != 0 ||
		!m.NextAttemptAt.Equal(london("2027-04-02 08:00")) {
		t.Errorf("a reminder due at 19:59 and claimed at 20:00: %s, %d tries, due %v; want queued for 08:00 with no try counted",
			m.Status, m.Attempts, m.NextAttemptAt.In(calendar.London))
	}
}

func TestDispatch_LogSender(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, london("2027-04-01 10:00"))
		f.enqueue(t, booking("b1", "07700 900123"))
		f.enqueue(t, booking("b2", "07700 900124"))
		later := booking("b3", "07700 900125")
		later.NotBefore = london("2027-04-08 09:00")
		f.enqueue(t, later)

		if r := f.dispatch(t); r.Sent != 2 {
			t.Errorf("report = %+v, want 2 sent", r)
		}
		m := f.message(t, "b1")
		if m.Status != notify.StatusSent || m.Attempts != 1 || m.ProviderMessageID == nil || m.SentAt == nil || m.Provider != "log" {
			t.Errorf("after dispatch: %+v", m)
		}
		if !strings.Contains(f.logs.String(), m.Body) {
			t.Error("the log sender did not log the text")
		}
		if s := f.message(t, "b3").Status; s != notify.StatusQueued {
			t.Errorf("a message for next week was sent early (%s)", s)
		}
		if r := f.dispatch(t); r.Sent != 0 {
			t.Errorf("a second dispatch sent %d again", r.Sent)
		}
	})
}

func TestOptOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, london("2027-04-01 10:00"))
		ctx := context.Background()
		for _, body := range []string{"Please don't stop my booking", "stopping by later"} {
			if _, err := f.svc.HandleInbound(ctx, "+447700900123", body); err != nil {
				t.Fatal(err)
			}
		}
		if out, _ := f.svc.IsOptedOut(ctx, "+447700900123"); out {
			t.Fatal("a sentence containing 'stop' opted the number out")
		}
		if reply, err := f.svc.HandleInbound(ctx, "07700 900123", " Stop. "); err != nil || reply != "" {
			t.Fatalf("STOP: %q, %v", reply, err)
		}
		f.enqueue(t, booking("b", "07700 900123"))
		f.enqueue(t, code("c", "07700 900123"))
		r := f.dispatch(t)
		if r.Suppressed != 1 || f.message(t, "b").Status != notify.StatusSuppressed {
			t.Errorf("booking text to an opted-out number: %+v, status %s", r, f.message(t, "b").Status)
		}
		if s := f.message(t, "c").Status; s != notify.StatusSent {
			t.Errorf("a sign-in code the person asked for was not sent (%s)", s)
		}

		if _, err := f.svc.HandleInbound(ctx, "+447700900123", "UNSTOP"); err != nil {
			t.Fatal(err)
		}
		f.enqueue(t, booking("b2", "07700 900123"))
		f.dispatch(t)
		if s := f.message(t, "b2").Status; s != notify.StatusSent {
			t.Errorf("after START, status = %s", s)
		}
		for _, word := range []string{"STOPALL", "unsubscribe", "CANCEL", "end", "QUIT"} {
			f.svc.HandleInbound(ctx, "+447700900123", word)
			if out, _ := f.svc.IsOptedOut(ctx, "+447700900123"); !out {
				t.Errorf("%s did not opt out", word)
			}
			f.svc.HandleInbound(ctx, "+447700900123", "START")
		}
	})
}

func TestHandleInbound_HelpAndHook(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t), london("2027-04-01 10:00"))
	ctx := context.Background()
	reply, err := f.svc.HandleInbound(ctx, "+447700900123", "help")
	if err != nil || !strings.Contains(reply, "0113 496 0000") {
		t.Errorf("HELP reply = %q, %v; want the service's number", reply, err)
	}
	var got []string
	f.svc.SetInboundHook(func(ctx context.Context, from, body string) (string, bool, error) {
		got = append(got, from+" "+body)
		return "Thanks, noted.", strings.EqualFold(strings.TrimSpace(body), "yes"), nil
	})
	if reply, _ := f.svc.HandleInbound(ctx, "07700 900123", "YES"); reply != "Thanks, noted." {
		t.Errorf("hook reply = %q", reply)
	}
	if len(got) != 1 || got[0] != "+447700900123 YES" {
		t.Errorf("hook saw %v, want the normalised number and the text", got)
	}
}

func TestDispatch_ConcurrentDispatchersSendEachMessageOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, london("2027-04-01 10:00"))
		const messages = 60
		for i := range messages {
			f.enqueue(t, code(fmt.Sprintf("code:%d", i), fmt.Sprintf("07700 900%03d", i)))
		}
		// Four instances dispatching at once, sharing the database and the log.
		const dispatchers = 4
		var wg sync.WaitGroup
		errs := make(chan error, dispatchers)
		for range dispatchers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				svc := notify.NewService(db, notify.NewLogSender(slog.New(slog.NewJSONHandler(f.logs, nil))), notify.Options{Clock: f.clk.Now, ServicePhone: "0113 496 0000"})
				if _, err := svc.Dispatch(context.Background()); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("dispatcher: %v", err)
		}
		logs := f.logs.String()
		for i := range messages {
			to := fmt.Sprintf(`"to":"+447700900%03d"`, i)
			if n := strings.Count(logs, to); n != 1 {
				t.Errorf("message to %s was sent %d times, want once", to, n)
			}
		}
		n, _ := db.NewSelect().Model((*notify.Message)(nil)).Where("status = ? AND attempts = 1", notify.StatusSent).Count(context.Background())
		if n != messages {
			t.Errorf("%d of %d messages recorded sent after one try", n, messages)
		}
	})
}

func TestSignInCodesAreForgottenOnceSent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, london("2027-04-01 10:00"))
		f.enqueue(t, code("c", "07700 900123"))
		f.dispatch(t)
		m := f.message(t, "c")
		if m.Status != notify.StatusSent || strings.Contains(m.Body, "482913") || m.Data.Code != "" || !strings.Contains(m.Body, "(code hidden)") {
			t.Errorf("after sending, the outbox still holds the code: %q %+v", m.Body, m.Data)
		}
		if !strings.Contains(f.logs.String(), "482913") {
			t.Error("the log sender did not log the text it sent")
		}
	})
}
