package twiliosms_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/twiliosms"
)

const (
	testSID     = "AC0123456789abcdef0123456789abcdef"
	testToken   = "testtoken123"
	testFrom    = "+15005550006"
	testService = "MG0123456789abcdef0123456789abcdef"
	testTo      = "+447700900123"
	callbackURL = "https://respite.example.org/webhooks/twilio/status"
)

// rewriteTransport sends every request to the fake instead of api.twilio.com:
// twilio-go has no base-URL option.
type rewriteTransport struct {
	base *url.URL
	next http.RoundTripper
}

func (t rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = t.base.Scheme, t.base.Host, t.base.Host
	return t.next.RoundTrip(r)
}

// recorded is what the fake Twilio received.
type recorded struct {
	Method, Path string
	User, Pass   string
	Form         url.Values
}

// fakeTwilio is an httptest stand-in for Twilio's Messages API.
type fakeTwilio struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

// newFake starts a fake whose replies come from reply; it records every
// request first.
func newFake(t *testing.T, reply http.HandlerFunc) *fakeTwilio {
	t.Helper()
	f := &fakeTwilio{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		user, pass, _ := r.BasicAuth()
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{Method: r.Method, Path: r.URL.Path, User: user, Pass: pass, Form: r.PostForm})
		f.mu.Unlock()
		reply(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeTwilio) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// newSender returns a Sender talking to serverURL, with cfg adjusted by edit.
func newSender(t *testing.T, serverURL string, timeout time.Duration, edit func(*twiliosms.Config)) *twiliosms.Sender {
	t.Helper()
	base, err := url.Parse(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := twiliosms.Config{
		AccountSID:        testSID,
		AuthToken:         testToken,
		From:              testFrom,
		StatusCallbackURL: callbackURL,
		HTTPClient: &http.Client{
			Timeout:   timeout,
			Transport: rewriteTransport{base: base, next: http.DefaultTransport},
		},
	}
	if edit != nil {
		edit(&cfg)
	}
	s, err := twiliosms.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// replyJSON answers with status, the given headers and body.
func replyJSON(status int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func messageJSON(sid, status string) string {
	return fmt.Sprintf(`{"sid":%q,"status":%q,"account_sid":%q,"to":%q,"from":%q,"body":"hello","direction":"outbound-api","api_version":"2010-04-01","error_code":null,"error_message":null,"uri":"/2010-04-01/Accounts/%s/Messages/%s.json"}`,
		sid, status, testSID, testTo, testFrom, testSID, sid)
}

// sendError asserts err is a *notify.SendError that gives away no secret.
func sendError(t *testing.T, err error) *notify.SendError {
	t.Helper()
	if err == nil {
		t.Fatal("Send succeeded, want an error")
	}
	var se *notify.SendError
	if !errors.As(err, &se) {
		t.Fatalf("error is %T (%v), want *notify.SendError", err, err)
	}
	for _, secret := range []string{testToken, testSID} {
		if strings.Contains(err.Error(), secret) || strings.Contains(se.Reason, secret) {
			t.Errorf("error %q (reason %q) contains %q", err, se.Reason, secret)
		}
	}
	if se.Reason == "" {
		t.Errorf("error %q has no Reason", err)
	}
	return se
}

func TestSender_Send(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(*twiliosms.Config)
		wantForm url.Values
	}{
		{
			name: "from a number",
			wantForm: url.Values{
				"To": {testTo}, "Body": {"Your code is 123456"},
				"From": {testFrom}, "StatusCallback": {callbackURL},
			},
		},
		{
			name: "through a messaging service",
			edit: func(c *twiliosms.Config) { c.From = ""; c.MessagingServiceSID = testService },
			wantForm: url.Values{
				"To": {testTo}, "Body": {"Your code is 123456"},
				"MessagingServiceSid": {testService}, "StatusCallback": {callbackURL},
			},
		},
		{
			name: "no status callback",
			edit: func(c *twiliosms.Config) { c.StatusCallbackURL = "" },
			wantForm: url.Values{
				"To": {testTo}, "Body": {"Your code is 123456"}, "From": {testFrom},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t, replyJSON(http.StatusCreated, messageJSON("SM0123456789abcdef0123456789abcdef", "queued")))
			s := newSender(t, fake.URL, 5*time.Second, tt.edit)

			got, err := s.Send(context.Background(), notify.Text{To: testTo, Body: "Your code is 123456"})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			want := notify.SendResult{ProviderID: "SM0123456789abcdef0123456789abcdef", Status: "queued"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("SendResult (-want +got):\n%s", diff)
			}
			wantReqs := []recorded{{
				Method: http.MethodPost,
				Path:   "/2010-04-01/Accounts/" + testSID + "/Messages.json",
				User:   testSID,
				Pass:   testToken,
				Form:   tt.wantForm,
			}}
			if diff := cmp.Diff(wantReqs, fake.requests()); diff != "" {
				t.Errorf("requests Twilio received (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSender_Name(t *testing.T) {
	s := newSender(t, "http://127.0.0.1:1", time.Second, nil)
	if got := s.Name(); got != "twilio" {
		t.Errorf("Name() = %q, want twilio", got)
	}
}

func TestSender_Send_twilioErrors(t *testing.T) {
	tests := []struct {
		name           string
		reply          http.HandlerFunc
		wantPermanent  bool
		wantCode       string
		wantRetryAfter time.Duration
		wantReason     string // a substring
	}{
		{
			name:           "rate limited with Retry-After",
			reply:          replyJSON(429, `{"code":20429,"message":"Too Many Requests","more_info":"https://www.twilio.com/docs/errors/20429","status":429}`, "Retry-After", "7"),
			wantCode:       "20429",
			wantRetryAfter: 7 * time.Second,
			wantReason:     "rate",
		},
		{
			name:          "rate limited without Retry-After",
			reply:         replyJSON(429, `{"code":20429,"message":"Too Many Requests","status":429}`),
			wantCode:      "20429",
			wantReason:    "rate",
			wantPermanent: false,
		},
		{
			name:       "server error",
			reply:      replyJSON(500, `{"code":20500,"message":"Internal Server Error","status":500}`),
			wantCode:   "20500",
			wantReason: "server error",
		},
		{
			name: "service unavailable from a proxy, not JSON",
			reply: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(503)
				io.WriteString(w, "<html><body>Service Unavailable</body></html>")
			},
			wantReason: "HTTP 503",
		},
		{
			name:          "invalid To number",
			reply:         replyJSON(400, `{"code":21211,"message":"The 'To' number +447700900123 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}`),
			wantPermanent: true,
			wantCode:      "21211",
			wantReason:    "not valid",
		},
		{
			name:          "recipient opted out",
			reply:         replyJSON(400, `{"code":21610,"message":"Attempt to send to unsubscribed recipient","status":400}`),
			wantPermanent: true,
			wantCode:      "21610",
			wantReason:    "opted out at Twilio",
		},
		{
			name:          "not a mobile number",
			reply:         replyJSON(400, `{"code":21614,"message":"'To' number is not a valid mobile number","status":400}`),
			wantPermanent: true,
			wantCode:      "21614",
			wantReason:    "not a mobile",
		},
		{
			name:          "authentication failed",
			reply:         replyJSON(401, `{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}`),
			wantPermanent: true,
			wantCode:      "20003",
			wantReason:    "credentials",
		},
		{
			name:          "account not found, message quoting the SID",
			reply:         replyJSON(404, `{"code":20404,"message":"The requested resource /2010-04-01/Accounts/`+testSID+`/Messages.json was not found","status":404}`),
			wantPermanent: true,
			wantCode:      "20404",
		},
		{
			name:          "other 4xx",
			reply:         replyJSON(400, `{"code":21617,"message":"The concatenated message body exceeds the 1600 character limit.","status":400}`),
			wantPermanent: true,
			wantCode:      "21617",
			wantReason:    "HTTP 400",
		},
		{
			name:          "4xx that is not JSON",
			reply:         func(w http.ResponseWriter, r *http.Request) { http.Error(w, "Forbidden", http.StatusForbidden) },
			wantPermanent: true,
			wantReason:    "HTTP 403",
		},
		{
			name:          "known permanent code wins over a 5xx status",
			reply:         replyJSON(500, `{"code":21610,"message":"Attempt to send to unsubscribed recipient","status":500}`),
			wantPermanent: true,
			wantCode:      "21610",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t, tt.reply)
			s := newSender(t, fake.URL, 5*time.Second, nil)

			_, err := s.Send(context.Background(), notify.Text{To: testTo, Body: "hello"})
			se := sendError(t, err)
			if se.Permanent != tt.wantPermanent {
				t.Errorf("Permanent = %v, want %v (%v)", se.Permanent, tt.wantPermanent, err)
			}
			if se.Code != tt.wantCode {
				t.Errorf("Code = %q, want %q", se.Code, tt.wantCode)
			}
			if se.RetryAfter != tt.wantRetryAfter {
				t.Errorf("RetryAfter = %v, want %v", se.RetryAfter, tt.wantRetryAfter)
			}
			if se.MaybeSent {
				t.Errorf("MaybeSent = true for an answer from Twilio (%v)", err)
			}
			if !strings.Contains(se.Reason, tt.wantReason) {
				t.Errorf("Reason = %q, want it to mention %q", se.Reason, tt.wantReason)
			}
			if n := len(fake.requests()); n != 1 {
				t.Errorf("Twilio got %d requests, want 1 (the sender must not retry by itself)", n)
			}
		})
	}
}

// slowFake answers only after the client gives up (or after 10 s).
func slowFake(t *testing.T) *fakeTwilio {
	return newFake(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
			replyJSON(201, messageJSON("SMlate", "queued"))(w, r)
		}
	})
}

func TestSender_Send_noReply(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	tests := []struct {
		name       string
		serverURL  func(t *testing.T) string
		timeout    time.Duration // the HTTP client's
		ctx        func() (context.Context, context.CancelFunc)
		wantReason string
		// Twilio may have taken the text: the request went out in full.
		wantMaybeSent bool
	}{
		{
			name:          "client timeout",
			serverURL:     func(t *testing.T) string { return slowFake(t).URL },
			timeout:       200 * time.Millisecond,
			ctx:           func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			wantReason:    "timed out",
			wantMaybeSent: true,
		},
		{
			name:      "context deadline",
			serverURL: func(t *testing.T) string { return slowFake(t).URL },
			timeout:   10 * time.Second,
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 200*time.Millisecond)
			},
			wantReason:    "timed out",
			wantMaybeSent: true,
		},
		{
			name:      "context cancelled",
			serverURL: func(t *testing.T) string { return slowFake(t).URL },
			timeout:   10 * time.Second,
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(200*time.Millisecond, cancel)
				return ctx, cancel
			},
			wantReason:    "cancelled",
			wantMaybeSent: true,
		},
		{
			name:       "connection refused",
			serverURL:  func(*testing.T) string { return closed.URL },
			timeout:    5 * time.Second,
			ctx:        func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			wantReason: "could not reach Twilio",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSender(t, tt.serverURL(t), tt.timeout, nil)
			ctx, cancel := tt.ctx()
			defer cancel()

			start := time.Now()
			_, err := s.Send(ctx, notify.Text{To: testTo, Body: "hello"})
			elapsed := time.Since(start)

			se := sendError(t, err)
			if se.Permanent {
				t.Errorf("Permanent = true, want transient (%v)", err)
			}
			if se.Code != "" {
				t.Errorf("Code = %q, want none", se.Code)
			}
			if !strings.Contains(se.Reason, tt.wantReason) {
				t.Errorf("Reason = %q, want it to mention %q", se.Reason, tt.wantReason)
			}
			if se.MaybeSent != tt.wantMaybeSent {
				t.Errorf("MaybeSent = %v, want %v (%v)", se.MaybeSent, tt.wantMaybeSent, err)
			}
			if elapsed > time.Second {
				t.Errorf("Send took %v, want under 1s", elapsed)
			}
		})
	}
}

func TestSender_Send_concurrentRetryAfter(t *testing.T) {
	// The last two digits of To pick the reply: odd numbers get a 429 with
	// Retry-After equal to that number, even numbers get through.
	fake := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		to := r.PostForm.Get("To")
		n, _ := strconv.Atoi(to[len(to)-2:])
		time.Sleep(20 * time.Millisecond) // keep the requests in flight together
		if n%2 == 1 {
			replyJSON(429, `{"code":20429,"message":"Too Many Requests","status":429}`, "Retry-After", strconv.Itoa(n))(w, r)
			return
		}
		replyJSON(201, messageJSON(fmt.Sprintf("SM%032d", n), "queued"))(w, r)
	})
	s := newSender(t, fake.URL, 5*time.Second, nil)

	const n = 20
	type outcome struct {
		res notify.SendResult
		err error
	}
	outcomes := make([]outcome, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			res, err := s.Send(context.Background(), notify.Text{To: fmt.Sprintf("+4477009001%02d", i+1), Body: "hello"})
			outcomes[i] = outcome{res, err}
		})
	}
	close(start)
	wg.Wait()

	for i, o := range outcomes {
		num := i + 1
		if num%2 == 1 {
			se := sendError(t, o.err)
			if se.Permanent || se.RetryAfter != time.Duration(num)*time.Second {
				t.Errorf("send %d: Permanent=%v RetryAfter=%v, want transient with %ds", num, se.Permanent, se.RetryAfter, num)
			}
			continue
		}
		if o.err != nil {
			t.Errorf("send %d: %v", num, o.err)
			continue
		}
		if want := fmt.Sprintf("SM%032d", num); o.res.ProviderID != want {
			t.Errorf("send %d: ProviderID = %q, want %q", num, o.res.ProviderID, want)
		}
	}
	if got := len(fake.requests()); got != n {
		t.Errorf("Twilio got %d requests, want %d", got, n)
	}
}

func TestSender_Send_emptyArguments(t *testing.T) {
	fake := newFake(t, replyJSON(201, messageJSON("SMx", "queued")))
	s := newSender(t, fake.URL, time.Second, nil)
	for _, args := range [][2]string{{"", "hello"}, {testTo, ""}} {
		_, err := s.Send(context.Background(), notify.Text{To: args[0], Body: args[1]})
		if se := sendError(t, err); !se.Permanent {
			t.Errorf("Send(%q, %q): transient, want permanent", args[0], args[1])
		}
	}
	if got := len(fake.requests()); got != 0 {
		t.Errorf("Twilio got %d requests, want 0", got)
	}
}

func TestNew(t *testing.T) {
	valid := twiliosms.Config{AccountSID: testSID, AuthToken: testToken, From: testFrom}
	tests := []struct {
		name    string
		edit    func(*twiliosms.Config)
		wantErr string // a substring; "" for success
	}{
		{"valid", func(*twiliosms.Config) {}, ""},
		{"messaging service only", func(c *twiliosms.Config) { c.From = ""; c.MessagingServiceSID = testService }, ""},
		{"both senders", func(c *twiliosms.Config) { c.MessagingServiceSID = testService }, ""},
		{"alphanumeric sender ID", func(c *twiliosms.Config) { c.From = "Respite" }, ""},
		{"no account SID", func(c *twiliosms.Config) { c.AccountSID = "" }, "AccountSID"},
		{"malformed account SID", func(c *twiliosms.Config) { c.AccountSID = "AC123" }, "AccountSID"},
		{"API key SID instead", func(c *twiliosms.Config) { c.AccountSID = "SK0123456789abcdef0123456789abcdef" }, "AccountSID"},
		{"no auth token", func(c *twiliosms.Config) { c.AuthToken = "" }, "AuthToken"},
		{"auth token with symbols", func(c *twiliosms.Config) { c.AuthToken = "test-token" }, "AuthToken"},
		{"no sender", func(c *twiliosms.Config) { c.From = "" }, "From or MessagingServiceSID"},
		{"From not a number", func(c *twiliosms.Config) { c.From = "07700 900123!" }, "From"},
		{"From without the plus", func(c *twiliosms.Config) { c.From = "447700900123" }, "From"},
		{"malformed service SID", func(c *twiliosms.Config) { c.MessagingServiceSID = "MG1" }, "MessagingServiceSID"},
		{"relative status callback", func(c *twiliosms.Config) { c.StatusCallbackURL = "/webhooks/twilio/status" }, "StatusCallbackURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.edit(&cfg)
			s, err := twiliosms.New(cfg)
			if tt.wantErr == "" {
				if err != nil || s == nil {
					t.Fatalf("New = %v, %v; want a Sender", s, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("New succeeded, want an error mentioning %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New error %q, want it to mention %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "test-token") {
				t.Errorf("New error %q shows the auth token", err)
			}
		})
	}
}
