// Package twiliosms sends SMS through Twilio with twilio-go, looks up what
// Twilio took (so an unanswered send is not repeated blind), and checks the
// signatures on Twilio's webhooks. It is the only package that imports twilio-go.
package twiliosms

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/respite-uk/respite/notify"
)

// DefaultTimeout bounds one send when Config.HTTPClient is nil.
const DefaultTimeout = 10 * time.Second

// Config says which Twilio account sends the messages and from which sender.
type Config struct {
	AccountSID string // "AC" followed by 32 hex digits
	AuthToken  string // letters and digits only (twilio-go refuses anything else)
	// From is the sender: an E.164 number ("+447700900123") or an
	// alphanumeric sender ID of up to 11 characters ("Respite").
	From string
	// MessagingServiceSID ("MG…") lets Twilio pick the sender from the
	// service's pool. At least one of From and MessagingServiceSID is
	// required; when both are set Twilio sends from From, which must then be
	// in the service's pool.
	MessagingServiceSID string
	// StatusCallbackURL is where Twilio posts delivery receipts
	// ({RESPITE_PUBLIC_URL}/webhooks/twilio/status); empty for none.
	StatusCallbackURL string
	// HTTPClient carries the requests. Nil means a client with a 10 s
	// timeout. Its Transport, Timeout, CheckRedirect and Jar are used; tests
	// inject a Transport that sends to an httptest server.
	HTTPClient *http.Client
}

var (
	accountSIDPattern = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	serviceSIDPattern = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	alphanumeric      = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	e164Pattern       = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	senderIDPattern   = regexp.MustCompile(`^[A-Za-z0-9 ]{1,11}$`)
	hasLetter         = regexp.MustCompile(`[A-Za-z]`)
)

// Validate reports the first problem with c, naming the field.
func (c Config) Validate() error {
	switch {
	case c.AccountSID == "":
		return errors.New("twiliosms: AccountSID is required")
	case !accountSIDPattern.MatchString(c.AccountSID):
		return errors.New(`twiliosms: AccountSID must be "AC" followed by 32 hex digits`)
	case c.AuthToken == "":
		return errors.New("twiliosms: AuthToken is required")
	case !alphanumeric.MatchString(c.AuthToken):
		return errors.New("twiliosms: AuthToken must contain only letters and digits")
	case c.From == "" && c.MessagingServiceSID == "":
		return errors.New("twiliosms: From or MessagingServiceSID is required")
	case c.From != "" && !e164Pattern.MatchString(c.From) &&
		!(senderIDPattern.MatchString(c.From) && hasLetter.MatchString(c.From)):
		return fmt.Errorf("twiliosms: From %q must be an E.164 number like +447700900123 or an alphanumeric sender ID of up to 11 characters", c.From)
	case c.MessagingServiceSID != "" && !serviceSIDPattern.MatchString(c.MessagingServiceSID):
		return errors.New(`twiliosms: MessagingServiceSID must be "MG" followed by 32 hex digits`)
	}
	if c.StatusCallbackURL != "" {
		u, err := url.Parse(c.StatusCallbackURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("twiliosms: StatusCallbackURL %q must be an absolute http or https URL", c.StatusCallbackURL)
		}
	}
	return nil
}

// Sender sends text messages through Twilio's Messages API. It implements
// notify.Sender and is safe for concurrent use.
type Sender struct {
	cfg           Config
	transport     http.RoundTripper
	timeout       time.Duration
	checkRedirect func(*http.Request, []*http.Request) error
	jar           http.CookieJar
	redactor      *strings.Replacer
}

var _ notify.Sender = (*Sender)(nil)

// New returns a Sender for cfg, or an error saying which setting is wrong.
func New(cfg Config) (*Sender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Sender{
		cfg:       cfg,
		transport: http.DefaultTransport,
		timeout:   DefaultTimeout,
		// Like twilio-go's own default client: report a redirect rather than
		// re-posting the message somewhere else.
		checkRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		redactor:      strings.NewReplacer(cfg.AccountSID, "AC…", cfg.AuthToken, "[auth token]"),
	}
	if hc := cfg.HTTPClient; hc != nil {
		if hc.Transport != nil {
			s.transport = hc.Transport
		}
		s.timeout = hc.Timeout
		s.checkRedirect = hc.CheckRedirect
		s.jar = hc.Jar
	}
	s.cfg.HTTPClient = nil
	return s, nil
}

// Name identifies Twilio in logs and message records.
func (s *Sender) Name() string { return "twilio" }

// Send asks Twilio to send t. Every failure is a *notify.SendError:
// permanent for a bad number, an opted-out number, a bad sender, bad
// credentials and any other refusal (4xx other than 429); transient for rate
// limiting (with Twilio's Retry-After), server errors, timeouts, connection
// errors and an ended ctx. MaybeSent is set when the request was written but
// no answer came back, so Twilio may have taken the text: Lookup can tell.
//
// The status callback URL carries t.OutboxID (?outbox=ID), so each of
// Twilio's receipts names the outbox message even when the answer to this
// request is lost. Twilio signs the whole URL, query included.
func (s *Sender) Send(ctx context.Context, t notify.Text) (notify.SendResult, error) {
	if t.To == "" {
		return notify.SendResult{}, &notify.SendError{Permanent: true, Reason: "no phone number to send to"}
	}
	if t.Body == "" {
		return notify.SendResult{}, &notify.SendError{Permanent: true, Reason: "the message is empty"}
	}
	ctx, ex, done := s.exchange(ctx)
	defer done()

	params := &api.CreateMessageParams{}
	params.SetTo(t.To)
	params.SetBody(t.Body)
	if s.cfg.From != "" {
		params.SetFrom(s.cfg.From)
	}
	if s.cfg.MessagingServiceSID != "" {
		params.SetMessagingServiceSid(s.cfg.MessagingServiceSID)
	}
	if s.cfg.StatusCallbackURL != "" {
		params.SetStatusCallback(callbackFor(s.cfg.StatusCallbackURL, t.OutboxID))
	}

	msg, err := s.api(ex).CreateMessage(params)
	if err != nil {
		return notify.SendResult{}, s.classify(ctx, ex, err)
	}
	if msg.Sid == nil || *msg.Sid == "" {
		// Not a reply Twilio gives; most likely something between us and
		// Twilio answered. Treat it like any other unexpected reply; a
		// success status means Twilio may have taken it.
		status := ex.result().status
		return notify.SendResult{}, &notify.SendError{
			Reason:    "Twilio's reply had no message id",
			MaybeSent: status >= 200 && status < 300,
			Err:       fmt.Errorf("HTTP %d reply without a sid", status),
		}
	}
	res := notify.SendResult{ProviderID: *msg.Sid}
	if msg.Status != nil {
		res.Status = *msg.Status
	}
	return res, nil
}

// lookupPage is how many of a number's latest texts Lookup reads: far more
// than Respite sends anyone in the hour a check can take.
const lookupPage = 100

// Lookup lists the texts Twilio took for t.To, from this sender, with t's
// words, created since since, newest first.
//
// It filters by recipient (and sender) only, not by Twilio's DateSent: a
// text still waiting in Twilio's queue (which can hold texts for hours when
// the account sends faster than its numbers allow) has no date_sent yet,
// and a DateSent filter would miss exactly the texts that most need
// finding. It reads the latest lookupPage texts to the number; if all of
// them are newer than since and none matches, it cannot be sure and
// returns an error, so the dispatcher asks again rather than resend.
func (s *Sender) Lookup(ctx context.Context, t notify.Text, since time.Time) ([]notify.SendResult, error) {
	ctx, ex, done := s.exchange(ctx)
	defer done()

	params := &api.ListMessageParams{}
	params.SetTo(t.To)
	if s.cfg.From != "" {
		params.SetFrom(s.cfg.From)
	}
	params.SetPageSize(lookupPage)
	page, err := s.api(ex).PageMessage(params, "", "")
	if err != nil {
		return nil, s.classify(ctx, ex, err)
	}
	var found []notify.SendResult
	reachedSince := page.NextPageUri == nil || *page.NextPageUri == ""
	for _, m := range page.Messages {
		if m.Sid == nil || m.Body == nil {
			continue
		}
		if created, ok := twilioTime(m.DateCreated); ok && created.Before(since) {
			reachedSince = true
			continue
		}
		if !sameWords(*m.Body, t.Body) {
			continue
		}
		r := notify.SendResult{ProviderID: *m.Sid}
		if m.Status != nil {
			r.Status = *m.Status
		}
		found = append(found, r)
	}
	if len(found) == 0 && !reachedSince {
		return nil, fmt.Errorf("twiliosms: more than %d texts to this number since %s; cannot tell whether this one went", lookupPage, since.UTC().Format(time.RFC3339))
	}
	return found, nil
}

// sameWords reports whether Twilio's copy of a text is the one we sent. The
// words must match exactly (leading and trailing space aside): a looser
// match could take another text for this one and record as sent a text that
// never went. Should a messaging service change the words it stores, the
// status callback, which names the outbox message, still settles it.
func sameWords(twilios, ours string) bool {
	return strings.TrimSpace(twilios) == strings.TrimSpace(ours)
}

// twilioTime reads one of Twilio's dates ("Mon, 30 Nov 2026 10:42:00 +0000").
func twilioTime(v *string) (time.Time, bool) {
	if v == nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC1123Z, *v)
	return t, err == nil
}

// callbackFor is the status callback URL for outbox message id.
func callbackFor(base string, id int64) string {
	if id == 0 {
		return base
	}
	u, err := url.Parse(base)
	if err != nil {
		return base // Validate has checked it; cannot happen
	}
	q := u.Query()
	q.Set("outbox", strconv.FormatInt(id, 10))
	u.RawQuery = q.Encode()
	return u.String()
}

// exchange prepares one call to Twilio.
//
// twilio-go takes no context: it builds every request with
// context.Background() and sends it with its http.Client. So each call gets
// its own http.Client whose RoundTripper puts this call's context on the
// request. The configured client timeout becomes a deadline on that context
// (rather than http.Client.Timeout, whose own deadline the swapped context
// would drop), so a call ends at whichever comes first: the caller's
// deadline or cancellation, or the timeout. The RoundTripper also keeps the
// response's status and Retry-After, which twilio-go throws away, and
// whether the request was written. Being per call, it needs no coordination
// with concurrent calls; the underlying transport and its connection pool
// are shared. Call done when finished.
func (s *Sender) exchange(ctx context.Context) (context.Context, *exchange, func()) {
	cancel := context.CancelFunc(func() {})
	if s.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, s.timeout)
	}
	ex := &exchange{ctx: ctx, next: s.transport}
	return ctx, ex, func() { ex.close(); cancel() }
}

// api is twilio-go's Messages API, sending through ex.
func (s *Sender) api(ex *exchange) *api.ApiService {
	c := &client.Client{
		Credentials: client.NewCredentials(s.cfg.AccountSID, s.cfg.AuthToken),
		HTTPClient:  &http.Client{Transport: ex, CheckRedirect: s.checkRedirect, Jar: s.jar},
	}
	c.SetAccountSid(s.cfg.AccountSID)
	// A RequestHandler built by hand rather than with NewRequestHandler,
	// which would read TWILIO_EDGE and TWILIO_REGION from the environment
	// and quietly change the host.
	return api.NewApiService(&client.RequestHandler{Client: c})
}

// permanentReasons are the Twilio error codes that no retry can fix, with
// what to tell staff.
var permanentReasons = map[int]string{
	21211: "the phone number is not valid",
	21610: "the number has opted out at Twilio (replied STOP); they must text START to the sender to receive messages again",
	21614: "the number is not a mobile number",
	21408: "sending to this country or region is not enabled on the Twilio account",
	21612: "Twilio cannot send from this sender to this number",
	21606: "the sender (From) cannot send SMS from this Twilio account",
	21659: "the sender (From) is not a Twilio number or sender ID of this account",
	21660: "the sender (From) does not belong to this Twilio account",
	20003: "Twilio rejected the account credentials",
	20404: "Twilio could not find the account or messaging service",
}

// classify turns a failed call into a *notify.SendError, from what the
// transport saw of it.
func (s *Sender) classify(ctx context.Context, ex *exchange, err error) *notify.SendError {
	se := &notify.SendError{}
	resp := ex.result()

	var tre *client.TwilioRestError
	if errors.As(err, &tre) {
		status := resp.status
		if status == 0 {
			// Raised by twilio-go before sending (its credential check).
			status = tre.Status
		}
		if tre.Code != 0 {
			se.Code = strconv.Itoa(tre.Code)
		}
		se.Err = &redactedError{
			msg: s.redactor.Replace(fmt.Sprintf("Twilio replied HTTP %d, error %d: %s", status, tre.Code, tre.Message)),
			err: err,
		}
		if reason, ok := permanentReasons[tre.Code]; ok {
			se.Permanent = true
			se.Reason = reason
			return se
		}
		s.classifyStatus(se, status, resp.retryAfter)
		return se
	}

	se.Err = &redactedError{msg: s.redactor.Replace(err.Error()), err: err}
	if resp.status != 0 {
		// A reply twilio-go could not decode: an error page from a proxy
		// or load balancer, or a garbled success, which Twilio may have
		// acted on.
		s.classifyStatus(se, resp.status, resp.retryAfter)
		se.MaybeSent = resp.status >= 200 && resp.status < 300
		return se
	}

	// No reply at all. If the request went out, Twilio may have taken the
	// text and only the answer was lost.
	se.MaybeSent = ex.wroteRequest()
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
		se.Reason = "sending was cancelled before Twilio replied"
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil ||
		(errors.As(err, &netErr) && netErr.Timeout()):
		se.Reason = "timed out waiting for Twilio"
	default:
		se.Reason = "could not reach Twilio"
	}
	return se
}

// classifyStatus fills in se from an HTTP status that carried no known Twilio
// error code.
func (s *Sender) classifyStatus(se *notify.SendError, status int, retryAfter string) {
	switch {
	case status == http.StatusTooManyRequests:
		se.Reason = "Twilio is limiting the rate of requests"
		se.RetryAfter = parseRetryAfter(retryAfter, time.Now())
	case status >= 500:
		se.Reason = fmt.Sprintf("Twilio had a server error (HTTP %d)", status)
		se.RetryAfter = parseRetryAfter(retryAfter, time.Now())
	case status >= 400:
		se.Permanent = true
		se.Reason = fmt.Sprintf("Twilio refused the message (HTTP %d)", status)
	default:
		se.Reason = fmt.Sprintf("unexpected reply from Twilio (HTTP %d)", status)
	}
}

// parseRetryAfter reads a Retry-After value, either seconds or an HTTP date.
// It returns zero when there is none or it cannot be read.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now).Round(time.Second)
	}
	return 0
}

// redactedError shows a message with the account SID and auth token taken
// out (twilio-go's errors can quote the request URL, which holds the SID),
// while errors.Is and errors.As still see the original.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// response is what exchange saw of the last HTTP response.
type response struct {
	status     int
	retryAfter string
}

// exchange is the RoundTripper for one Send: it runs every request under the
// send's context and remembers the response that twilio-go only partly
// reports.
type exchange struct {
	ctx  context.Context
	next http.RoundTripper

	// http.Client calls RoundTrip on the goroutine that calls Do, so the
	// lock is not strictly needed; it keeps the type safe whatever calls it.
	mu     sync.Mutex
	last   response
	wrote  bool // a request was written in full
	bodies []io.ReadCloser
}

func (e *exchange) RoundTrip(r *http.Request) (*http.Response, error) {
	trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) {
		if info.Err == nil {
			e.mu.Lock()
			e.wrote = true
			e.mu.Unlock()
		}
	}}
	resp, err := e.next.RoundTrip(r.WithContext(httptrace.WithClientTrace(e.ctx, trace)))
	if resp != nil {
		e.mu.Lock()
		e.last = response{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
		e.bodies = append(e.bodies, resp.Body)
		e.mu.Unlock()
	}
	return resp, err
}

// wroteRequest reports whether a request went out in full: from then on
// Twilio may have acted on it, whatever happened to the answer.
func (e *exchange) wroteRequest() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.wrote
}

func (e *exchange) result() response {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.last
}

// close closes every response body. twilio-go closes the body of a success
// but not of an error reply, which would otherwise leak the connection.
func (e *exchange) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, b := range e.bodies {
		_, _ = io.Copy(io.Discard, io.LimitReader(b, 64<<10))
		_ = b.Close()
	}
	e.bodies = nil
}
