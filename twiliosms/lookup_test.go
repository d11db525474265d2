package twiliosms_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/twiliosms"
	"github.com/respite-uk/respite/twiliosms/twiliotest"
)

func TestSender_Send_callbackNamesTheOutboxMessage(t *testing.T) {
	fake := twiliotest.New(t)
	s := fake.Sender(t, callbackURL)
	if _, err := s.Send(context.Background(), notify.Text{OutboxID: 42, To: testTo, Body: "hello"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), notify.Text{To: testTo, Body: "hello"}); err != nil {
		t.Fatal(err)
	}
	reqs := fake.Requests()
	if got, want := reqs[0].StatusCallback, callbackURL+"?outbox=42"; got != want {
		t.Errorf("StatusCallback = %q, want %q", got, want)
	}
	if got := reqs[1].StatusCallback; got != callbackURL {
		t.Errorf("without an outbox id, StatusCallback = %q, want %q", got, callbackURL)
	}
}

// TestSender_Send_acceptedButAnsweredLate is the case behind issue 11's
// doubled texts: Twilio takes the text and answers after the client's
// timeout. The send must say the text may have gone, and Lookup must find it.
func TestSender_Send_acceptedButAnsweredLate(t *testing.T) {
	fake := twiliotest.New(t)
	fake.SetReply(fake.AcceptLate(5 * time.Second))
	cfg := fake.Config("")
	cfg.HTTPClient.Timeout = 200 * time.Millisecond
	s := newSenderFrom(t, cfg)

	start := time.Now()
	_, err := s.Send(context.Background(), notify.Text{To: testTo, Body: "Your code is 123456"})
	se := sendError(t, err)
	if !se.MaybeSent || se.Permanent {
		t.Errorf("MaybeSent = %v, Permanent = %v, want a transient failure that may have gone (%v)", se.MaybeSent, se.Permanent, err)
	}
	found, err := s.Lookup(context.Background(), notify.Text{To: testTo, Body: "Your code is 123456"}, start.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].ProviderID != twiliotest.SID(1) {
		t.Errorf("Lookup = %+v, want the text Twilio took (%s)", found, twiliotest.SID(1))
	}
}

func TestSender_Lookup(t *testing.T) {
	now := time.Date(2027, 4, 1, 9, 0, 0, 0, time.UTC)
	clock := now
	fake := twiliotest.New(t)
	fake.SetClock(func() time.Time { return clock })
	s := fake.Sender(t, "")
	send := func(to, body string) {
		t.Helper()
		if _, err := s.Send(context.Background(), notify.Text{To: to, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	send(testTo, "Your booking K7M-4QX is confirmed.")               // SID 1, at 09:00
	clock = now.Add(10 * time.Minute)                                //
	send(testTo, "Your code is 123456")                              // SID 2, at 09:10
	send("+447700900124", "Your code is 123456")                     // SID 3: another number
	send(testTo, "Your code is 123456\n")                            // SID 4: the same words
	send(testTo, "Your booking K7M-4QX is confirmed. Call us first") // SID 5: other words

	tests := []struct {
		name  string
		text  notify.Text
		since time.Time
		want  []string
	}{
		{"the same words, newest first", notify.Text{To: testTo, Body: "Your code is 123456"}, now, []string{twiliotest.SID(4), twiliotest.SID(2)}},
		{"before since does not count", notify.Text{To: testTo, Body: "Your booking K7M-4QX is confirmed."}, now.Add(5 * time.Minute), nil},
		{"within since", notify.Text{To: testTo, Body: "Your booking K7M-4QX is confirmed."}, now, []string{twiliotest.SID(1)}},
		{"never sent", notify.Text{To: testTo, Body: "Something else"}, now, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found, err := s.Lookup(context.Background(), tt.text, tt.since)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range found {
				got = append(got, f.ProviderID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("found (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("Twilio down", func(t *testing.T) {
		fake.SetListReply(func(w http.ResponseWriter, r *http.Request) {
			twiliotest.Error(http.StatusServiceUnavailable, 20503, 0)(w, r, 0)
		})
		defer fake.SetListReply(nil)
		if found, err := s.Lookup(context.Background(), notify.Text{To: testTo, Body: "Your code is 123456"}, now); err == nil {
			t.Errorf("Lookup = %+v, nil; want an error, so the dispatcher asks again rather than resend", found)
		}
	})

	t.Run("too many texts to tell", func(t *testing.T) {
		for i := range 101 {
			send("+447700900125", fmt.Sprintf("Reminder %d", i))
		}
		_, err := s.Lookup(context.Background(), notify.Text{To: "+447700900125", Body: "Your code is 123456"}, now)
		if err == nil || !strings.Contains(err.Error(), "cannot tell") {
			t.Errorf("Lookup with 101 newer texts: %v, want an error saying it cannot tell", err)
		}
		// Once the page reaches back past since, not finding it is an answer.
		if found, err := s.Lookup(context.Background(), notify.Text{To: testTo, Body: "Your code is 654321"}, now.Add(time.Minute)); err != nil || len(found) != 0 {
			t.Errorf("Lookup = %+v, %v; want none", found, err)
		}
	})
}

func newSenderFrom(t *testing.T, cfg twiliosms.Config) *twiliosms.Sender {
	t.Helper()
	s, err := twiliosms.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
