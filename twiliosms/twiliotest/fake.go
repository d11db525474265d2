// Package twiliotest is a fake of Twilio's Messages API for tests: an
// httptest server that the real twilio-go client talks to, so only the paid
// service is faked and every line of our code and the client runs. It keeps
// the texts it took, answers Twilio's Messages list from them (what the
// dispatcher's checks read), and signs webhook requests the way Twilio does.
package twiliotest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/respite-uk/respite/twiliosms"
)

// Credentials the fake accepts. Twilio's client insists on alphanumeric ones.
const (
	AccountSID = "AC0123456789abcdef0123456789abcdef"
	AuthToken  = "testtoken123"
	From       = "+447700900999"
)

// Request is one message the fake was asked to send.
type Request struct {
	To, Body, From, StatusCallback string
	At                             time.Time // by the fake's clock
}

// Message is a text the fake took: what Twilio would deliver. A test
// counting deliveries counts these.
type Message struct {
	SID, To, From, Body, StatusCallback string
	Created                             time.Time // by the fake's clock
}

// Reply answers the n-th send request (counting from 1). A reply that
// answers 2xx takes the message; Take and AcceptLate take it first.
type Reply func(w http.ResponseWriter, r *http.Request, n int)

// Fake is a running fake of Twilio.
type Fake struct {
	server *httptest.Server
	mu     sync.Mutex
	reqs   []Request
	msgs   []Message
	taken  map[int]bool
	reply  Reply
	list   http.HandlerFunc // nil: answer from msgs
	looks  int
	now    func() time.Time
}

// New starts a fake that accepts every message (201, status "queued",
// sid SM0000…n) until told otherwise with SetReply.
func New(t testing.TB) *Fake {
	t.Helper()
	f := &Fake{reply: Accept, taken: map[int]bool{}, now: time.Now}
	f.server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.server.Close)
	return f
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/Messages.json") {
		http.NotFound(w, r)
		return
	}
	if r.Method == http.MethodGet {
		f.mu.Lock()
		f.looks++
		list := f.list
		f.mu.Unlock()
		if list != nil {
			list(w, r)
			return
		}
		f.answerList(w, r)
		return
	}
	_ = r.ParseForm()
	f.mu.Lock()
	f.reqs = append(f.reqs, Request{To: r.PostForm.Get("To"), Body: r.PostForm.Get("Body"), From: r.PostForm.Get("From"),
		StatusCallback: r.PostForm.Get("StatusCallback"), At: f.now()})
	n, reply := len(f.reqs), f.reply
	f.mu.Unlock()
	rec := &statusRecorder{ResponseWriter: w}
	reply(rec, r, n)
	if rec.status >= 200 && rec.status < 300 {
		f.Take(r, n)
	}
}

// statusRecorder notes the status a reply wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Take records the n-th request's message as taken, as Twilio does before
// it answers. Taking the same request twice keeps one message.
func (f *Fake) Take(r *http.Request, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.taken[n] {
		return
	}
	f.taken[n] = true
	f.msgs = append(f.msgs, Message{SID: SID(n), To: r.PostForm.Get("To"), From: r.PostForm.Get("From"),
		Body: r.PostForm.Get("Body"), StatusCallback: r.PostForm.Get("StatusCallback"), Created: f.now()})
}

// AcceptLate takes the message and then answers only after wait, or once
// the client has given up, whichever is first: Twilio slow to answer a send
// it has already acted on.
func (f *Fake) AcceptLate(wait time.Duration) Reply {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		f.Take(r, n)
		select {
		case <-r.Context().Done():
			return
		case <-time.After(wait):
		}
		Accept(w, r, n)
	}
}

// Stall answers only once the client has given up (or after wait), and
// takes nothing: a request lost on its way into Twilio.
func Stall(wait time.Duration) Reply {
	return func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-r.Context().Done():
		case <-time.After(wait):
			http.Error(w, "stalled", http.StatusGatewayTimeout)
		}
	}
}

// SetReply changes how the fake answers sends from now on.
func (f *Fake) SetReply(r Reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reply = r
}

// SetListReply changes how the fake answers the Messages list (the
// dispatcher's checks); nil answers from the texts it took.
func (f *Fake) SetListReply(h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list = h
}

// SetClock sets the fake's clock, which dates the texts it takes; tests
// that fix the service's clock give the fake the same one.
func (f *Fake) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// Requests returns the send requests received so far.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.reqs...)
}

// Messages returns the texts taken so far, in the order taken.
func (f *Fake) Messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.msgs...)
}

// MessagesTo returns the texts taken for the number to.
func (f *Fake) MessagesTo(to string) []Message {
	var out []Message
	for _, m := range f.Messages() {
		if m.To == to {
			out = append(out, m)
		}
	}
	return out
}

// Lookups counts the Messages list requests received.
func (f *Fake) Lookups() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.looks
}

// answerList answers a Messages list read the way Twilio does: filtered by
// To and From, newest first, one page of PageSize (default 50).
func (f *Fake) answerList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	size, err := strconv.Atoi(q.Get("PageSize"))
	if err != nil || size <= 0 {
		size = 50
	}
	var out []map[string]any
	for _, m := range f.Messages() {
		if (q.Get("To") != "" && m.To != q.Get("To")) || (q.Get("From") != "" && m.From != q.Get("From")) {
			continue
		}
		out = append(out, map[string]any{
			"sid": m.SID, "account_sid": AccountSID, "to": m.To, "from": m.From, "body": m.Body,
			"status": "sent", "direction": "outbound-api",
			"date_created": m.Created.UTC().Format(time.RFC1123Z), "date_sent": m.Created.UTC().Format(time.RFC1123Z),
		})
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 { // newest first
		out[i], out[j] = out[j], out[i]
	}
	var next any
	if len(out) > size {
		out = out[:size]
		next = r.URL.Path + "?Page=1&PageSize=" + strconv.Itoa(size)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"messages": out, "page": 0, "page_size": size, "start": 0, "end": len(out),
		"uri": r.URL.RequestURI(), "first_page_uri": r.URL.RequestURI(), "next_page_uri": next, "previous_page_uri": nil,
	})
}

// Accept answers like Twilio taking a message.
func Accept(w http.ResponseWriter, _ *http.Request, n int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"sid":%q,"status":"queued"}`, SID(n))
}

// SID is the message id the fake gives its n-th message.
func SID(n int) string { return fmt.Sprintf("SM%032d", n) }

// Error answers with an HTTP status and a Twilio error code, and a
// Retry-After when retryAfter > 0.
func Error(status, code int, retryAfter int) Reply {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Content-Type", "application/json")
		if retryAfter > 0 {
			w.Header().Set("Retry-After", fmt.Sprint(retryAfter))
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"code":%d,"message":"fake error %d","status":%d}`, code, code, status)
	}
}

// Config is the Twilio sender's configuration for the fake, with a 2 s
// client timeout; tests may change it before twiliosms.New.
func (f *Fake) Config(statusCallback string) twiliosms.Config {
	base, _ := url.Parse(f.server.URL)
	return twiliosms.Config{
		AccountSID: AccountSID, AuthToken: AuthToken, From: From, StatusCallbackURL: statusCallback,
		HTTPClient: &http.Client{Timeout: 2 * time.Second, Transport: rewrite{base: base, next: http.DefaultTransport}},
	}
}

// Sender returns the real Twilio sender, pointed at the fake.
func (f *Fake) Sender(t testing.TB, statusCallback string) *twiliosms.Sender {
	t.Helper()
	s, err := twiliosms.New(f.Config(statusCallback))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rewrite sends requests meant for api.twilio.com to the fake.
type rewrite struct {
	base *url.URL
	next http.RoundTripper
}

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = rw.base.Scheme, rw.base.Host, rw.base.Host
	return rw.next.RoundTrip(r)
}

// Sign computes X-Twilio-Signature for a form POST to fullURL, as Twilio
// does: HMAC-SHA1 with the auth token over the URL followed by each
// parameter's name and value in name order, base64-encoded.
func Sign(authToken, fullURL string, params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(fullURL))
	for _, k := range keys {
		mac.Write([]byte(k + params[k]))
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
