package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/logging"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/privacy"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/reports"
	"github.com/respite-uk/respite/sharedlives"
	"github.com/respite-uk/respite/web"
)

// syncBuffer collects log lines written from request goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type testServer struct {
	*web.Server
	db        *bun.DB
	accounts  *accounts.Service
	notify    *notify.Service
	providers *providers.Service
	booking   *booking.Service
	logs      *syncBuffer
}

func newTestServer(t *testing.T, db *bun.DB, tweak ...func(*web.Deps)) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	acc := accounts.NewService(db, accounts.Options{BcryptCost: bcrypt.MinCost})
	log := logging.New(logs, slog.LevelDebug)
	sms := notify.NewService(db, notify.NewLogSender(log), notify.Options{Logger: log, ServiceName: "Leeds Carers Respite", ServicePhone: "0113 496 0000"})
	prov := providers.NewService(db, nil)
	book := booking.NewService(db, prov, sms, booking.NewLocalHoldStore(), booking.Options{Logger: log})
	d := web.Deps{
		Logger:    log,
		Accounts:  acc,
		Providers: prov,
		Notify:    sms,
		Booking:   book,
		Hosts:     sharedlives.NewService(db, sms, sharedlives.Options{Logger: log}),
		Audit:     audit.NewService(db),
		Reports:   reports.NewService(db, nil),
		Privacy:   privacy.NewService(db, nil),
		Ready:     []web.Check{{Name: "database", Check: func(ctx context.Context) error { return db.PingContext(ctx) }}},
	}
	for _, f := range tweak {
		f(&d)
	}
	srv, err := web.New(d)
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{Server: srv, db: db, accounts: acc, notify: sms, providers: prov, booking: book, logs: logs}
}

// response is what a test needs of an answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// problem decodes a problem response and checks its media type and fields.
func (r response) problem(t *testing.T, wantStatus int) web.Problem {
	t.Helper()
	if r.status != wantStatus {
		t.Fatalf("status = %d, want %d; body: %s", r.status, wantStatus, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var p web.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("body is not a problem: %v\n%s", err, r.body)
	}
	if p.Type == "" || p.Title == "" || p.Status != wantStatus || p.Detail == "" {
		t.Errorf("problem lacks type, title, status or detail: %+v", p)
	}
	return p
}

func fieldNames(p web.Problem) []string {
	var names []string
	for _, e := range p.Errors {
		names = append(names, e.Field)
	}
	return names
}

// request is one call to the app.
type request struct {
	method, path string
	token        string
	body         any    // marshalled as JSON unless a string
	contentType  string // default application/json when there is a body
	headers      map[string]string
}

func (s *testServer) do(t *testing.T, r request) response {
	t.Helper()
	var body io.Reader
	if r.body != nil {
		switch b := r.body.(type) {
		case string:
			body = strings.NewReader(b)
		default:
			j, err := json.Marshal(b)
			if err != nil {
				t.Fatal(err)
			}
			body = bytes.NewReader(j)
		}
	}
	req := httptest.NewRequest(r.method, r.path, body)
	if r.body != nil {
		ct := r.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	resp, err := s.App().Test(req, int((10 * time.Second).Milliseconds()))
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	// Every answer must be one the OpenAPI document declares
	// (openapi_contract_test.go), so no test can see the API drift from it.
	checkAgainstDocument(t, s, req, resp, b)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// signIn creates a member of staff with role and returns their token.
func (s *testServer) signIn(t *testing.T, role accounts.Role) string {
	t.Helper()
	email := string(role) + "-" + time.Now().Format("150405.000000000") + "@example.org"
	if _, err := s.accounts.CreateUser(context.Background(), accounts.NewUser{Email: email, Name: "Test " + string(role), Role: role, Password: "a long test password"}); err != nil {
		t.Fatal(err)
	}
	r := s.do(t, request{method: "POST", path: "/api/v1/auth/login", body: map[string]string{"email": email, "password": "a long test password"}})
	if r.status != 200 {
		t.Fatalf("signing in as %s: %d %s", role, r.status, r.body)
	}
	return s.finishSignIn(t, r.json(t)) // admins set up an authenticator app first (users_test.go)
}
