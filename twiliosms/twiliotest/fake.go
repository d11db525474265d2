// Package twiliotest is a fake of Twilio's Messages API for tests: an
// httptest server that the real twilio-go client talks to, so only the paid
// service is faked and every line of our code and the client runs. It also
// signs webhook requests the way Twilio does.
package twiliotest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
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

// Request is one message the fake received.
type Request struct {
	To, Body, From, StatusCallback string
}

// Reply answers the n-th request (counting from 1).
type Reply func(w http.ResponseWriter, r *http.Request, n int)

// Fake is a running fake of Twilio.
type Fake struct {
	server *httptest.Server
	mu     sync.Mutex
	reqs   []Request
	reply  Reply
}

// New starts a fake that accepts every message (201, status "queued",
// sid SM0000…n) until told otherwise with SetReply.
func New(t testing.TB) *Fake {
	t.Helper()
	f := &Fake{reply: Accept}
	f.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f.mu.Lock()
		f.reqs = append(f.reqs, Request{To: r.PostForm.Get("To"), Body: r.PostForm.Get("Body"), From: r.PostForm.Get("From"), StatusCallback: r.PostForm.Get("StatusCallback")})
		n, reply := len(f.reqs), f.reply
		f.mu.Unlock()
		reply(w, r, n)
	}))
	t.Cleanup(f.server.Close)
	return f
}

// SetReply changes how the fake answers from now on.
func (f *Fake) SetReply(r Reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reply = r
}

// Requests returns the messages received so far.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.reqs...)
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

// Sender returns the real Twilio sender, pointed at the fake.
func (f *Fake) Sender(t testing.TB, statusCallback string) *twiliosms.Sender {
	t.Helper()
	base, _ := url.Parse(f.server.URL)
	s, err := twiliosms.New(twiliosms.Config{
		AccountSID: AccountSID, AuthToken: AuthToken, From: From, StatusCallbackURL: statusCallback,
		HTTPClient: &http.Client{Timeout: 2 * time.Second, Transport: rewrite{base: base, next: http.DefaultTransport}},
	})
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
