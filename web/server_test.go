package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/web"
)

func TestHealthAndReadiness(t *testing.T) {
	db := dbtest.SQLite(t)
	t.Run("ready", func(t *testing.T) {
		s := newTestServer(t, db)
		if r := s.do(t, request{method: "GET", path: "/healthz"}); r.status != 200 {
			t.Errorf("/healthz = %d", r.status)
		}
		r := s.do(t, request{method: "GET", path: "/readyz"})
		if r.status != 200 || r.json(t)["checks"].(map[string]any)["database"] != "ok" {
			t.Errorf("/readyz = %d %s", r.status, r.body)
		}
	})
	t.Run("a dependency down", func(t *testing.T) {
		s := newTestServer(t, db, func(d *web.Deps) {
			d.Ready = append(d.Ready, web.Check{Name: "redis", Check: func(context.Context) error { return errors.New("dial tcp 127.0.0.1:1: connection refused") }})
		})
		r := s.do(t, request{method: "GET", path: "/readyz"})
		p := r.problem(t, 503)
		if !strings.Contains(p.Detail, "redis") || strings.Contains(p.Detail, "database") {
			t.Errorf("detail %q should name redis only", p.Detail)
		}
		checks := r.json(t)["checks"].(map[string]any)
		if checks["database"] != "ok" || checks["redis"] == "ok" {
			t.Errorf("checks = %v", checks)
		}
		if strings.Contains(string(r.body), "127.0.0.1:1") {
			t.Errorf("the readiness answer shows internal detail: %s", r.body)
		}
		if r := s.do(t, request{method: "GET", path: "/healthz"}); r.status != 200 {
			t.Errorf("/healthz = %d while a dependency is down, want 200", r.status)
		}
	})
}

func TestProblems(t *testing.T) {
	db := dbtest.SQLite(t)
	s := newTestServer(t, db)
	admin := s.signIn(t, "admin")
	s.App().Get("/api/v1/test-panic", func(*fiber.Ctx) error { panic("secret internal detail") })

	tests := []struct {
		name   string
		req    request
		status int
		check  func(t *testing.T, r response, p web.Problem)
	}{
		{name: "unknown route", req: request{method: "GET", path: "/api/v1/nowhere"}, status: 404},
		{name: "wrong method", req: request{method: "DELETE", path: "/api/v1/providers", token: admin}, status: 405,
			check: func(t *testing.T, r response, p web.Problem) {
				if got := r.header.Get("Allow"); got != "GET, POST" {
					t.Errorf("Allow = %q, want GET, POST", got)
				}
			}},
		{name: "malformed JSON", req: request{method: "POST", path: "/api/v1/providers", token: admin, body: `{"name": "Oak`}, status: 400},
		{name: "two JSON values", req: request{method: "POST", path: "/api/v1/providers", token: admin, body: `{} {}`}, status: 400},
		{name: "JSON that is not an object", req: request{method: "POST", path: "/api/v1/providers", token: admin, body: `[1]`}, status: 400},
		{name: "empty body", req: request{method: "POST", path: "/api/v1/providers", token: admin, body: ` `}, status: 400},
		{name: "wrong content type", req: request{method: "POST", path: "/api/v1/providers", token: admin, body: `name=Oak`, contentType: "application/x-www-form-urlencoded"}, status: 415},
		{name: "unknown field", req: request{method: "POST", path: "/api/v1/providers", token: admin, body: `{"nmae": "Oak"}`}, status: 422,
			check: func(t *testing.T, r response, p web.Problem) {
				if diff := cmp.Diff([]string{"nmae"}, fieldNames(p)); diff != "" {
					t.Errorf("fields (-want +got):\n%s", diff)
				}
			}},
		{name: "wrong JSON type", req: request{method: "POST", path: "/api/v1/providers", token: admin, body: `{"latitude": "north"}`}, status: 422,
			check: func(t *testing.T, r response, p web.Problem) {
				if diff := cmp.Diff([]string{"latitude"}, fieldNames(p)); diff != "" {
					t.Errorf("fields (-want +got):\n%s", diff)
				}
			}},
		{name: "panic", req: request{method: "GET", path: "/api/v1/test-panic"}, status: 500,
			check: func(t *testing.T, r response, p web.Problem) {
				if strings.Contains(string(r.body), "secret") {
					t.Errorf("the 500 shows the panic: %s", r.body)
				}
				if !strings.Contains(s.logs.String(), "secret internal detail") {
					t.Error("the panic was not logged")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, tt.req)
			p := r.problem(t, tt.status)
			if p.RequestID == "" || p.RequestID != r.header.Get("X-Request-Id") {
				t.Errorf("request_id %q does not match X-Request-Id %q", p.RequestID, r.header.Get("X-Request-Id"))
			}
			if tt.check != nil {
				tt.check(t, r, p)
			}
		})
	}
	n, _ := db.NewSelect().Table("providers").Count(context.Background())
	if n != 0 {
		t.Errorf("refused requests wrote %d care homes", n)
	}
}

func TestBodyLimit(t *testing.T) {
	// fasthttp refuses an oversized body as soon as it reads the
	// Content-Length, before any handler runs; App.Test cannot send one, so
	// this speaks HTTP over a real connection. Only the headers are sent:
	// the answer must come without the server reading a megabyte first.
	s := newTestServer(t, dbtest.SQLite(t))
	admin := s.signIn(t, "admin")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.App().Listener(ln) }()
	t.Cleanup(func() { _ = s.App().Shutdown() })

	conn, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST /api/v1/providers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", admin, web.BodyLimit+1)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, body: b}
	p := r.problem(t, 413)
	// Refused before any middleware ran, it still has an id to quote.
	if p.RequestID == "" || r.header.Get("X-Request-Id") != p.RequestID {
		t.Errorf("the 413's request_id = %q, X-Request-Id = %q; want the same id in both", p.RequestID, r.header.Get("X-Request-Id"))
	}
}

func TestSecurityHeadersAndRequestIDs(t *testing.T) {
	s := newTestServer(t, dbtest.SQLite(t))
	r := s.do(t, request{method: "GET", path: "/healthz", headers: map[string]string{"X-Request-Id": "abc-123"}})
	for _, h := range []string{"X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy", "Referrer-Policy"} {
		if r.header.Get(h) == "" {
			t.Errorf("header %s missing", h)
		}
	}
	if got := r.header.Get("X-Request-Id"); got != "abc-123" {
		t.Errorf("X-Request-Id = %q, want the caller's abc-123", got)
	}
	r = s.do(t, request{method: "GET", path: "/healthz", headers: map[string]string{"X-Request-Id": "<script>"}})
	if got := r.header.Get("X-Request-Id"); got == "<script>" || got == "" {
		t.Errorf("X-Request-Id = %q, want a fresh id in place of an unsafe one", got)
	}
	// Every log line written while serving a request names its id.
	for _, line := range strings.Split(strings.TrimSpace(s.logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if rec["msg"] == "request" && rec["request_id"] == nil {
			t.Errorf("request log line without request_id: %s", line)
		}
	}
	if !strings.Contains(s.logs.String(), `"request_id":"abc-123"`) {
		t.Errorf("no log line carries the request id: %s", s.logs.String())
	}
}

func TestHTMLErrorPage(t *testing.T) {
	s := newTestServer(t, dbtest.SQLite(t))
	req := httptest.NewRequest("GET", "/no-such-page?<b>", nil)
	req.Header.Set("Accept", "text/html")
	resp, err := s.App().Test(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "<h1>Not Found</h1>") {
		t.Errorf("got %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestMetrics(t *testing.T) {
	s := newTestServer(t, dbtest.SQLite(t))
	s.do(t, request{method: "GET", path: "/healthz"})
	s.do(t, request{method: "GET", path: "/api/v1/providers/12345"}) // 401: no token
	s.do(t, request{method: "GET", path: "/api/v1/nowhere/at/all"})
	r := s.do(t, request{method: "GET", path: "/metrics"})
	body := string(r.body)
	for _, want := range []string{
		`respite_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		`respite_http_requests_total{method="GET",route="/api/v1/providers/:id",status="401"} 1`,
		`respite_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`respite_http_request_duration_seconds_bucket{method="GET",route="/healthz"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "/nowhere/at/all") {
		t.Error("an unmatched path became a label: series would grow without end")
	}
}

// both runs a test on SQLite and on PostgreSQL.
func both(t *testing.T, fn func(t *testing.T, db *bun.DB)) { dbtest.Each(t, fn) }

func TestGracefulShutdownFinishesRequestsInFlight(t *testing.T) {
	s := newTestServer(t, dbtest.SQLite(t))
	started := make(chan struct{})
	s.App().Get("/api/v1/test-slow", func(c *fiber.Ctx) error {
		close(started)
		time.Sleep(300 * time.Millisecond)
		return c.SendString("finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.App().Listener(ln) }()

	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + ln.Addr().String() + "/api/v1/test-slow")
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- result{status: resp.StatusCode, body: string(b)}
	}()
	<-started
	// What SIGTERM triggers in cmd/respite: stop accepting, finish what is in flight.
	if err := s.App().ShutdownWithTimeout(5 * time.Second); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	r := <-done
	if r.err != nil || r.status != 200 || r.body != "finished" {
		t.Errorf("request in flight during shutdown got %d %q (%v), want 200 finished", r.status, r.body, r.err)
	}
	if err := <-served; err != nil {
		t.Errorf("Listener returned %v after shutdown", err)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("still accepting connections after shutdown")
	}
}
