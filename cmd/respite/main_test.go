package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"golang.org/x/crypto/bcrypt"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/notify"
)

// Every test here drives run, the whole program, with an environment of its
// own. Each command opens the accounts service, which hashes a password at
// production bcrypt cost; under the race detector that takes seconds, so the
// tests run in parallel and the time limits below are generous ceilings, not
// expectations.
const (
	startTimeout = 60 * time.Second // for serve to print that it is running
	runTimeout   = 60 * time.Second // for a command that should finish by itself
	stopTimeout  = 10 * time.Second // for serve to return once its context ends
	httpTimeout  = 30 * time.Second // a sign-in checks a bcrypt hash at production cost
)

// environ is a test's own environment; run reads it through getenv.
type environ map[string]string

func (e environ) getenv(name string) string { return e[name] }

// sqliteEnv returns an environment whose DATABASE_URL is a new SQLite file
// in the test's temporary directory, so nothing touches the working
// directory.
func sqliteEnv(t *testing.T) environ {
	t.Helper()
	return environ{"DATABASE_URL": "file:" + filepath.Join(t.TempDir(), "respite.db")}
}

// syncBuffer is a bytes.Buffer that serve, running in another goroutine, may
// write while the test reads it.
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

// result is what one run of the program did.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit status %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// respite runs the program to completion with args, env and stdin. A command
// that does not finish by itself (serve, wrongly started) is stopped after
// runTimeout rather than hanging the test.
func respite(t *testing.T, env environ, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), runTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, env.getenv, strings.NewReader(stdin), &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// logLines parses stderr as JSON log lines, failing the test on any line that
// is not JSON.
func logLines(t *testing.T, stderr string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for line := range strings.Lines(stderr) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("stderr line is not a JSON log line: %q (%v)", line, err)
			continue
		}
		lines = append(lines, m)
	}
	return lines
}

// findLog returns the first log line with message msg.
func findLog(lines []map[string]any, msg string) (map[string]any, bool) {
	for _, l := range lines {
		if l["msg"] == msg {
			return l, true
		}
	}
	return nil, false
}

// service is `respite serve` running in a goroutine.
type service struct {
	url            string // http://127.0.0.1:PORT
	addr           string // 127.0.0.1:PORT
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan struct{} // closed when run returns
	code           int           // run's exit status, once done is closed
}

var runningLine = regexp.MustCompile(`Respite is running at (http://(127\.0\.0\.1:\d+)) `)

// startServe runs `respite serve args…` on a free port of 127.0.0.1 and
// waits until it says it is running. The service is stopped when the test
// ends, if the test has not stopped it.
func startServe(t *testing.T, env environ, args ...string) *service {
	t.Helper()
	env["RESPITE_ADDR"] = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	s := &service{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.code = run(ctx, append([]string{"serve"}, args...), env.getenv, strings.NewReader(""), s.stdout, s.stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(stopTimeout):
			t.Errorf("serve still running %s after the test ended", stopTimeout)
		}
	})

	deadline := time.After(startTimeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if m := runningLine.FindStringSubmatch(s.stdout.String()); m != nil {
			s.url, s.addr = m[1], m[2]
			return s
		}
		select {
		case <-s.done:
			t.Fatalf("serve %v returned before it was running: exit status %d\nstdout:\n%s\nstderr:\n%s", args, s.code, s.stdout, s.stderr)
		case <-deadline:
			t.Fatalf("serve %v did not say it was running within %s\nstdout:\n%s\nstderr:\n%s", args, startTimeout, s.stdout, s.stderr)
		case <-tick.C:
		}
	}
}

// stop cancels serve's context and returns its exit status.
func (s *service) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	select {
	case <-s.done:
		return s.code
	case <-time.After(stopTimeout):
		t.Fatalf("serve did not return within %s of its context ending\nstderr:\n%s", stopTimeout, s.stderr)
		return -1
	}
}

// response is an HTTP answer, read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string { return fmt.Sprintf("%d %s", r.status, r.body) }

// do sends a request to the service and reads the whole answer.
func (s *service) do(t *testing.T, method, path string, body any, token string) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Timeout: httpTimeout}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// readiness is /readyz's answer, whether 200 or a 503 problem.
type readiness struct {
	Status any               `json:"status"` // "ready", or the HTTP status in a problem
	Detail string            `json:"detail"`
	Checks map[string]string `json:"checks"`
}

func (s *service) readiness(t *testing.T) (response, readiness) {
	t.Helper()
	resp := s.do(t, http.MethodGet, "/readyz", nil, "")
	var r readiness
	if err := json.Unmarshal(resp.body, &r); err != nil {
		t.Fatalf("GET /readyz: body is not JSON: %v\n%s", err, resp.body)
	}
	return resp, r
}

// wantReady checks that /readyz answers 200 with every check ok.
func (s *service) wantReady(t *testing.T, checks ...string) {
	t.Helper()
	resp, r := s.readiness(t)
	if resp.status != http.StatusOK {
		t.Fatalf("GET /readyz = %s, want 200", resp)
	}
	want := map[string]string{}
	for _, c := range checks {
		want[c] = "ok"
	}
	if diff := cmp.Diff(want, r.Checks); diff != "" {
		t.Errorf("GET /readyz checks (-want +got):\n%s", diff)
	}
}

// count returns the number of rows in table.
func count(t *testing.T, db *bun.DB, table string) int {
	t.Helper()
	n, err := db.NewSelect().Table(table).Count(t.Context())
	if err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return int(n)
}

// openDB opens the database a test environment names.
func openDB(t *testing.T, env environ) *bun.DB {
	t.Helper()
	db, err := migrations.Open(env["DATABASE_URL"])
	if err != nil {
		t.Fatalf("opening %s: %v", env["DATABASE_URL"], err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// freePort returns a 127.0.0.1 address on which nothing listens.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// TestMain hashes passwords at bcrypt's lowest cost: the commands run here
// dozens of times, and at the real cost each hash takes seconds under -race.
func TestMain(m *testing.M) {
	bcryptCost = bcrypt.MinCost
	os.Exit(m.Run())
}

func TestRun_Help(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want []string // in stdout
	}{
		{[]string{"--help"}, []string{"Usage: respite", "serve", "migrate", "users", "demo", "healthcheck", "DATABASE_URL"}},
		{[]string{"-h"}, []string{"Usage: respite", "serve", "migrate", "users", "demo", "healthcheck"}},
		{[]string{"help"}, []string{"Usage: respite", "serve", "migrate", "users", "demo", "healthcheck"}},
		{[]string{"serve", "--help"}, []string{"Usage: respite serve", "-migrate", "-demo"}},
		{[]string{"migrate", "--help"}, []string{"Usage: respite migrate"}},
		{[]string{"users", "--help"}, []string{"Usage: respite users list|add|", "respite users add --email", "--password-stdin", "reset-2fa"}},
		{[]string{"users", "add", "--help"}, []string{"Usage: respite users add", "-password-stdin", "-email", "-role"}},
		{[]string{"demo", "--help"}, []string{"Usage: respite demo"}},
		{[]string{"healthcheck", "--help"}, []string{"Usage: respite healthcheck"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			env := sqliteEnv(t)
			got := respite(t, env, "", tt.args...)
			if got.code != exitOK {
				t.Errorf("exit status = %d, want %d\n%s", got.code, exitOK, got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got.stdout, w) {
					t.Errorf("stdout does not mention %q:\n%s", w, got.stdout)
				}
			}
			if got.stderr != "" {
				t.Errorf("stderr = %q, want nothing", got.stderr)
			}
		})
	}
}

func TestRun_UsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want []string // in stderr
	}{
		{"unknown command", []string{"frobnicate"}, []string{`unknown command "frobnicate"`, "Usage: respite"}},
		{"unknown flag", []string{"serve", "--bogus"}, []string{"respite serve:", "-bogus", "respite serve --help"}},
		{"unknown flag without a command", []string{"--bogus"}, []string{"-bogus"}},
		{"extra argument", []string{"serve", "extra-arg"}, []string{`unexpected argument "extra-arg"`}},
		{"migrate extra argument", []string{"migrate", "now"}, []string{`unexpected argument "now"`}},
		{"users without subcommand", []string{"users"}, []string{"missing subcommand"}},
		{"users unknown subcommand", []string{"users", "remove"}, []string{`unknown subcommand "remove"`}},
		{"demo unknown flag", []string{"demo", "--reset"}, []string{"-reset"}},
		{"healthcheck unknown flag", []string{"healthcheck", "--port=1"}, []string{"-port"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := sqliteEnv(t)
			got := respite(t, env, "", tt.args...)
			if got.code != exitUsage {
				t.Errorf("exit status = %d, want %d\n%s", got.code, exitUsage, got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got.stderr, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, got.stderr)
				}
			}
		})
	}
}

func TestRun_BadConfiguration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		vars     map[string]string
		variable string // the variable the one line must name
	}{
		{"address without port", nil, map[string]string{"RESPITE_ADDR": "8080"}, "RESPITE_ADDR"},
		{"unknown SMS provider", []string{"serve"}, map[string]string{"SMS_PROVIDER": "carrier-pigeon"}, "SMS_PROVIDER"},
		{"Redis without scheme", []string{"serve"}, map[string]string{"REDIS_URL": "localhost:6379"}, "REDIS_URL"},
		{"Redis bad database number", []string{"serve"}, map[string]string{"REDIS_URL": "redis://127.0.0.1:1/abc"}, "REDIS_URL"},
		{"database of another kind", []string{"serve"}, map[string]string{"DATABASE_URL": "mysql://db/respite"}, "DATABASE_URL"},
		{"public URL not http", []string{"serve"}, map[string]string{"RESPITE_PUBLIC_URL": "ftp://respite.example"}, "RESPITE_PUBLIC_URL"},
		{"Twilio without account", []string{"serve"}, map[string]string{"SMS_PROVIDER": "twilio"}, "TWILIO_ACCOUNT_SID"},
		{"session TTL not a duration", []string{"serve"}, map[string]string{"RESPITE_SESSION_TTL": "forever"}, "RESPITE_SESSION_TTL"},
		{"log level unknown", []string{"serve"}, map[string]string{"RESPITE_LOG_LEVEL": "loud"}, "RESPITE_LOG_LEVEL"},
		{"trusted proxy not an address", []string{"serve"}, map[string]string{"RESPITE_TRUSTED_PROXIES": "10.0.0.1,gateway"}, "RESPITE_TRUSTED_PROXIES"},
		{"migrate", []string{"migrate"}, map[string]string{"RESPITE_ADDR": "8080"}, "RESPITE_ADDR"},
		{"demo", []string{"demo"}, map[string]string{"SMS_PROVIDER": "carrier-pigeon"}, "SMS_PROVIDER"},
		{"users add", []string{"users", "add", "--email", "sam@example.org", "--name", "Sam", "--role", "duty", "--password-stdin"}, map[string]string{"REDIS_URL": "localhost:6379"}, "REDIS_URL"},
		{"healthcheck", []string{"healthcheck"}, map[string]string{"RESPITE_ADDR": "8080"}, "RESPITE_ADDR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := sqliteEnv(t)
			dbFile := strings.TrimPrefix(env["DATABASE_URL"], "file:")
			for k, v := range tt.vars {
				env[k] = v
			}
			got := respite(t, env, "a long password here\n", tt.args...)
			if got.code != exitUsage {
				t.Errorf("exit status = %d, want %d\n%s", got.code, exitUsage, got)
			}
			if n := strings.Count(got.stderr, "\n"); n != 1 || !strings.HasSuffix(got.stderr, "\n") {
				t.Errorf("stderr has %d lines, want exactly one:\n%s", n, got.stderr)
			}
			if want := "respite: configuration: " + tt.variable + " "; !strings.HasPrefix(got.stderr, want) {
				t.Errorf("stderr = %q, want a line starting %q", got.stderr, want)
			}
			if got.stdout != "" {
				t.Errorf("stdout = %q, want nothing", got.stdout)
			}
			if matches, _ := filepath.Glob(dbFile + "*"); len(matches) > 0 {
				t.Errorf("the database was created despite the bad configuration: %v", matches)
			}
		})
	}
}

var appliedLine = regexp.MustCompile(`(?m)^Applied (\d+) migrations?\.$`)

// checkMigrate runs `respite migrate` twice on an empty database: the first
// run applies every migration, the second finds nothing to do.
func checkMigrate(t *testing.T, env environ, d dialect.Name) {
	t.Helper()
	wantApplied := len(migrations.ForDialect(d).Sorted())

	first := respite(t, env, "", "migrate")
	if first.code != exitOK {
		t.Fatalf("first migrate: %s", first)
	}
	m := appliedLine.FindStringSubmatch(first.stdout)
	if m == nil {
		t.Fatalf("first migrate: stdout does not say how many migrations were applied:\n%s", first.stdout)
	}
	if n, _ := strconv.Atoi(m[1]); n != wantApplied {
		t.Errorf("first migrate applied %d migrations, want %d (all of them)", n, wantApplied)
	}
	named := 0
	for line := range strings.Lines(first.stdout) {
		if strings.HasPrefix(line, "applied ") {
			named++
		}
	}
	if named != wantApplied {
		t.Errorf("first migrate names %d migrations, want %d:\n%s", named, wantApplied, first.stdout)
	}
	logLines(t, first.stderr)

	second := respite(t, env, "", "migrate")
	if second.code != exitOK {
		t.Fatalf("second migrate: %s", second)
	}
	if want := "The database is up to date; nothing to apply.\n"; second.stdout != want {
		t.Errorf("second migrate stdout = %q, want %q", second.stdout, want)
	}
	logLines(t, second.stderr)

	db := openDB(t, env)
	pending, err := migrations.Pending(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 0 {
		t.Errorf("pending migrations after migrate: %v", pending)
	}
	if n := count(t, db, "staff_users"); n != 0 {
		t.Errorf("staff_users has %d rows after migrate, want an empty table", n)
	}
}

func TestRun_Migrate(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		checkMigrate(t, sqliteEnv(t), dialect.SQLite)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		db, dsn := dbtest.PostgresWithURL(t)
		if _, err := db.ExecContext(t.Context(), "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
			t.Fatalf("emptying the database: %v", err)
		}
		checkMigrate(t, environ{"DATABASE_URL": dsn}, dialect.PG)
	})
}

var addedLine = regexp.MustCompile(`^Added Sam Duty \(sam\.duty@example\.org\) as duty, with id (\d+)\.\nThe password works once: they choose their own when they next sign in\.\n$`)

func TestRun_UsersAdd(t *testing.T) {
	t.Parallel()
	add := []string{"users", "add", "--email", "Sam.Duty@Example.org", "--name", "Sam Duty", "--role", "duty", "--password-stdin"}

	t.Run("added, and can sign in", func(t *testing.T) {
		t.Parallel()
		env := sqliteEnv(t)
		got := respite(t, env, "a long password here\n", add...)
		if got.code != exitOK {
			t.Fatalf("users add: %s", got)
		}
		m := addedLine.FindStringSubmatch(got.stdout)
		if m == nil {
			t.Fatalf("stdout = %q, want it to match %s", got.stdout, addedLine)
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		if strings.Contains(got.stdout+got.stderr, "a long password here") {
			t.Errorf("the password was echoed:\n%s", got)
		}

		db := openDB(t, env)
		svc := accounts.NewService(db, accounts.Options{BcryptCost: bcrypt.MinCost})
		in, err := svc.SignIn(t.Context(), "sam.duty@example.org", "a long password here")
		if err != nil {
			t.Fatalf("signing in with the password given on standard input: %v", err)
		}
		if in.User.ID != id || in.User.Role != accounts.RoleDuty || in.User.Name != "Sam Duty" {
			t.Errorf("signed in as %+v, want id %d, role duty, name Sam Duty", in.User, id)
		}

		t.Run("same email again", func(t *testing.T) {
			dup := slices.Clone(add)
			dup[3] = "SAM.DUTY@example.org"
			got := respite(t, env, "another long password\n", dup...)
			if got.code == exitOK {
				t.Fatalf("exit status = 0, want non-zero\n%s", got)
			}
			if want := "There is already a member of staff with that email address."; !strings.Contains(got.stderr, want) {
				t.Errorf("stderr does not say %q:\n%s", want, got.stderr)
			}
			if got.stdout != "" {
				t.Errorf("stdout = %q, want nothing", got.stdout)
			}
			if n := count(t, db, "staff_users"); n != 1 {
				t.Errorf("staff_users has %d rows, want 1", n)
			}
		})
	})

	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name     string
			args     []string
			stdin    string
			want     []string // in stderr
			opensDB  bool     // whether the command gets as far as the database
			wantCode int
		}{
			{
				name: "without --password-stdin", args: add[:len(add)-1], stdin: "a long password here\n",
				want: []string{"--password-stdin is required"}, wantCode: exitUsage,
			},
			{
				name: "nothing on standard input", args: add, stdin: "",
				want: []string{"no password on standard input"}, wantCode: exitUsage,
			},
			{
				name:  "bad role, email and password",
				args:  []string{"users", "add", "--email", "not-an-email", "--name", "Sam", "--role", "manager", "--password-stdin"},
				stdin: "short\n", opensDB: true, wantCode: exitUsage,
				want: []string{"\n  --email: ", "\n  --role: ", "\n  password (standard input): "},
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				env := sqliteEnv(t)
				got := respite(t, env, tt.stdin, tt.args...)
				if got.code != tt.wantCode {
					t.Errorf("exit status = %d, want %d\n%s", got.code, tt.wantCode, got)
				}
				for _, w := range tt.want {
					if !strings.Contains(got.stderr, w) {
						t.Errorf("stderr does not mention %q:\n%s", w, got.stderr)
					}
				}
				if got.stdout != "" {
					t.Errorf("stdout = %q, want nothing", got.stdout)
				}
				if tt.opensDB {
					if n := count(t, openDB(t, env), "staff_users"); n != 0 {
						t.Errorf("staff_users has %d rows, want none", n)
					}
				}
			})
		}
	})
}

// demoSignIns are the lines both demo runs must print.
var demoSignIns = []*regexp.Regexp{
	regexp.MustCompile(`(?m)^\s+admin\s+admin@respite\.example\s+password: demo-admin-password$`),
	regexp.MustCompile(`(?m)^\s+duty\s+duty@respite\.example\s+password: demo-duty-password$`),
	regexp.MustCompile(`(?m)^\s+coordinator\s+coordinator@respite\.example\s+password: demo-coordinator-password$`),
}

func TestRun_Demo(t *testing.T) {
	t.Parallel()
	testDemo(t, sqliteEnv(t))
}

// TestRun_DemoPostgres loads the demo, history and all, on PostgreSQL.
func TestRun_DemoPostgres(t *testing.T) {
	t.Parallel()
	_, url := dbtest.PostgresWithURL(t)
	testDemo(t, environ{"DATABASE_URL": url})
}

// testDemo loads the demo twice into the database env names.
func testDemo(t *testing.T, env environ) {

	first := respite(t, env, "", "demo")
	if first.code != exitOK {
		t.Fatalf("first demo: %s", first)
	}
	// 3 staff users, 3 homes, 3 contracts, 8 beds, 3 carers with a person
	// each and a booking each; and the last 12 months (how many stays
	// depends on the date).
	if want := regexp.MustCompile(`^Demo data loaded \(\d{3,} items added\)\.\n`); !want.MatchString(first.stdout) {
		t.Errorf("first demo stdout does not start %s:\n%s", want, first.stdout)
	}
	tables := []string{"staff_users", "providers", "contracts", "beds", "carers", "people", "bookings", "booking_nights", "hosts", "host_availability", "unmet_searches", "stay_feedback"}
	db := openDB(t, env)
	afterFirst := map[string]int{}
	for _, table := range tables {
		afterFirst[table] = count(t, db, table)
	}

	second := respite(t, env, "", "demo")
	if second.code != exitOK {
		t.Fatalf("second demo: %s", second)
	}
	if want := "Demo data is already loaded; nothing to add.\n"; !strings.HasPrefix(second.stdout, want) {
		t.Errorf("second demo stdout does not start %q:\n%s", want, second.stdout)
	}

	for i, r := range []result{first, second} {
		for _, re := range demoSignIns {
			if !re.MatchString(r.stdout) {
				t.Errorf("demo run %d does not list the sign-in %s:\n%s", i+1, re, r.stdout)
			}
		}
		logLines(t, r.stderr)
	}

	got := map[string]int{}
	for _, table := range tables {
		got[table] = count(t, db, table)
	}
	if diff := cmp.Diff(afterFirst, got); diff != "" {
		t.Errorf("rows after the second demo run (-after the first +after the second):\n%s", diff)
	}
	// The history's carers (20), two spot purchases (a contract and a bed
	// each) and the hosts' past calendars (one range each) come on top of
	// the present: each demo person's 3-night stay, found by the real
	// search, and the hosts' two ranges.
	want := map[string]int{"staff_users": 3, "providers": 3, "contracts": 5, "beds": 10, "carers": 23, "people": 23, "hosts": 2, "host_availability": 6}
	for table := range want {
		if got[table] != want[table] {
			t.Errorf("%s has %d rows, want %d", table, got[table], want[table])
		}
	}
	checkDemoHistory(t, db)
}

// checkDemoHistory checks the demo's last 12 months give every
// commissioners' report something to show.
func checkDemoHistory(t *testing.T, db *bun.DB) {
	t.Helper()
	ctx := t.Context()
	today := calendar.Today(calendar.SystemClock)
	var n int
	count := func(what, query string, args ...any) int {
		t.Helper()
		if err := db.NewRaw(query, args...).Scan(ctx, &n); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return n
	}
	// Nights booked in every 30 days of the last 360, in every home.
	for k := 1; k <= 12; k++ {
		from, to := today.AddDays(-30*k), today.AddDays(-30*(k-1))
		if got := count("nights from "+from.String(), "SELECT COUNT(*) FROM booking_nights WHERE night >= ? AND night < ?", from, to); got < 20 {
			t.Errorf("%d nights booked from %s to %s, want 20 or more", got, from, to)
		}
	}
	if got := count("homes", "SELECT COUNT(DISTINCT b.provider_id) FROM booking_nights AS n JOIN beds AS b ON n.place_kind = 'bed' AND b.id = n.place_id WHERE n.night < ?", today); got != 3 {
		t.Errorf("past nights in %d homes, want all 3", got)
	}
	for _, c := range []struct {
		what, query string
		atLeast     int
	}{
		{"past planned stays", "SELECT COUNT(*) FROM bookings WHERE kind = 'planned' AND status = 'confirmed' AND depart <= ?", 100},
		{"past emergency stays", "SELECT COUNT(*) FROM bookings WHERE kind = 'emergency' AND status = 'confirmed' AND depart <= ?", 20},
		{"cancelled stays", "SELECT COUNT(*) FROM bookings WHERE status = 'cancelled' AND arrive <= ?", 5},
		{"past stays with hosts", "SELECT COUNT(*) FROM bookings WHERE place_kind = 'host' AND depart <= ?", 5},
		{"spot purchases", "SELECT COUNT(*) FROM bookings AS bk JOIN beds AS b ON bk.place_kind = 'bed' AND b.id = bk.place_id JOIN contracts AS c ON c.id = b.contract_id WHERE c.kind = 'spot' AND bk.depart <= ?", 1},
		{"planned searches that found nothing", "SELECT COUNT(*) FROM unmet_searches WHERE kind = 'planned' AND searched_at <= ?", 10},
		{"emergency searches that found nothing", "SELECT COUNT(*) FROM unmet_searches WHERE kind = 'emergency' AND searched_at <= ?", 3},
		{"ratings", "SELECT COUNT(*) FROM stay_feedback WHERE rating IS NOT NULL AND received_at <= ?", 20},
		{"emergency cards looked up", "SELECT COUNT(*) FROM audit_log WHERE action = 'emergency.lookup' AND at <= ?", 20},
		{"carers holding an emergency plan", "SELECT COUNT(*) FROM carers WHERE emergency_card IS NOT NULL AND created_at <= ?", 20},
	} {
		if got := count(c.what, c.query, today.StartIn(calendar.London).AddDate(0, 0, 1)); got < c.atLeast {
			t.Errorf("%s: %d, want %d or more", c.what, got, c.atLeast)
		}
	}
	// Every kept stay has a night row for every night, and a cancelled one none.
	if got := count("stays missing nights", `SELECT COUNT(*) FROM bookings AS b WHERE (b.status = 'confirmed') <> (b.nights = (SELECT COUNT(*) FROM booking_nights AS n WHERE n.booking_id = b.id))`); got != 0 {
		t.Errorf("%d stays whose nights rows do not match their status and length", got)
	}
}

func TestRun_Serve(t *testing.T) {
	t.Parallel()
	env := sqliteEnv(t)
	s := startServe(t, env, "--demo")

	for _, re := range demoSignIns {
		if !re.MatchString(s.stdout.String()) {
			t.Errorf("serve --demo does not list the sign-in %s:\n%s", re, s.stdout)
		}
	}

	t.Run("healthz", func(t *testing.T) {
		resp := s.do(t, http.MethodGet, "/healthz", nil, "")
		if resp.status != http.StatusOK {
			t.Errorf("GET /healthz = %s, want 200", resp)
		}
	})

	t.Run("readyz", func(t *testing.T) {
		s.wantReady(t, "database")
	})

	t.Run("sign in as the demo admin", func(t *testing.T) {
		resp := s.do(t, http.MethodPost, "/api/v1/auth/login",
			map[string]string{"email": "admin@respite.example", "password": "demo-admin-password"}, "")
		if resp.status != http.StatusOK {
			t.Fatalf("POST /api/v1/auth/login = %s, want 200", resp)
		}
		resp = s.setUpApp(t, resp) // admins set up an authenticator app at their first sign-in
		var in struct {
			Token string `json:"token"`
			User  struct {
				Role string `json:"role"`
			} `json:"user"`
		}
		if err := json.Unmarshal(resp.body, &in); err != nil {
			t.Fatalf("login answer is not JSON: %v\n%s", err, resp.body)
		}
		if in.Token == "" || in.User.Role != "admin" {
			t.Fatalf("login answer = %s, want a token for an admin", resp.body)
		}

		list := s.do(t, http.MethodGet, "/api/v1/providers", nil, in.Token)
		if list.status != http.StatusOK {
			t.Fatalf("GET /api/v1/providers with the token = %s, want 200", list)
		}
		var page struct {
			Items []struct {
				Name string `json:"name"`
			} `json:"items"`
		}
		if err := json.Unmarshal(list.body, &page); err != nil {
			t.Fatalf("providers answer is not JSON: %v\n%s", err, list.body)
		}
		var names []string
		for _, p := range page.Items {
			names = append(names, p.Name)
		}
		slices.Sort(names)
		want := []string{"Aire Valley Nursing Home", "Hollybank Short Breaks", "Meadow View Care Home"}
		if diff := cmp.Diff(want, names); diff != "" {
			t.Errorf("care homes after serve --demo (-want +got):\n%s", diff)
		}

		if strings.Contains(s.stderr.String(), in.Token) {
			t.Error("the session token appears in the logs")
		}
	})

	t.Run("metrics", func(t *testing.T) {
		resp := s.do(t, http.MethodGet, "/metrics", nil, "")
		if resp.status != http.StatusOK {
			t.Fatalf("GET /metrics = %d, want 200", resp.status)
		}
		for _, want := range []string{
			`respite_http_requests_total{method="GET",route="/healthz",status="200"}`,
			// The database pool, from collectors.NewDBStatsCollector(db, "respite").
			`go_sql_max_open_connections{db_name="respite"}`,
			`go_sql_in_use_connections{db_name="respite"}`,
		} {
			if !strings.Contains(string(resp.body), want) {
				t.Errorf("GET /metrics does not include %s", want)
			}
		}
	})

	t.Run("healthcheck", func(t *testing.T) {
		_, port, _ := net.SplitHostPort(s.addr)
		for _, addr := range []string{s.addr, ":" + port, "0.0.0.0:" + port} {
			env := sqliteEnv(t)
			env["RESPITE_ADDR"] = addr
			got := respite(t, env, "", "healthcheck")
			if got.code != exitOK || got.stdout != "ok\n" {
				t.Errorf("healthcheck with RESPITE_ADDR=%s: %s\nwant exit status 0 and ok", addr, got)
			}
		}
	})

	if code := s.stop(t); code != exitOK {
		t.Errorf("serve returned %d after its context ended, want 0\nstderr:\n%s", code, s.stderr)
	}
	stderr := s.stderr.String()
	lines := logLines(t, stderr)
	if _, ok := findLog(lines, "stopped"); !ok {
		t.Errorf("no log line with msg \"stopped\":\n%s", stderr)
	}
	starting, ok := findLog(lines, "starting")
	if !ok {
		t.Fatalf("no log line with msg \"starting\":\n%s", stderr)
	}
	if cfg, _ := starting["config"].(map[string]any); cfg["database_url"] != env["DATABASE_URL"] {
		t.Errorf("start-up log config = %v, want database_url %s", starting["config"], env["DATABASE_URL"])
	}
	// The demo sign-ins are for people to read on stdout; the logs, which
	// are kept and shipped elsewhere, must not carry them.
	for _, secret := range []string{"demo-admin-password", "demo-duty-password", "demo-coordinator-password"} {
		if strings.Contains(stderr, secret) {
			t.Errorf("the logs show the password %q", secret)
		}
	}
}

func TestRun_ServeRedis(t *testing.T) {
	t.Parallel()
	t.Run("not answering", func(t *testing.T) {
		t.Parallel()
		env := sqliteEnv(t)
		// Nothing listens on port 1; the password is there to be masked.
		env["REDIS_URL"] = "redis://:redis-secret@127.0.0.1:1/0"
		s := startServe(t, env)

		resp, r := s.readiness(t)
		if resp.status != http.StatusServiceUnavailable {
			t.Errorf("GET /readyz = %s, want 503", resp)
		}
		if mt, _, err := mime.ParseMediaType(resp.header.Get("Content-Type")); err != nil || mt != "application/problem+json" {
			t.Errorf("GET /readyz Content-Type = %q, want application/problem+json", resp.header.Get("Content-Type"))
		}
		if r.Checks["redis"] == "ok" || r.Checks["redis"] == "" {
			t.Errorf("checks.redis = %q, want what failed", r.Checks["redis"])
		}
		if r.Checks["database"] != "ok" {
			t.Errorf("checks.database = %q, want ok", r.Checks["database"])
		}
		if !strings.Contains(strings.ToLower(r.Detail), "redis") {
			t.Errorf("detail = %q, want it to mention redis", r.Detail)
		}

		if health := s.do(t, http.MethodGet, "/healthz", nil, ""); health.status != http.StatusOK {
			t.Errorf("GET /healthz = %s, want 200 while Redis is down", health)
		}

		if code := s.stop(t); code != exitOK {
			t.Errorf("serve returned %d, want 0\nstderr:\n%s", code, s.stderr)
		}
		stderr := s.stderr.String()
		lines := logLines(t, stderr)
		if _, ok := findLog(lines, "Redis does not answer at start"); !ok {
			t.Errorf("no warning that Redis does not answer:\n%s", stderr)
		}
		starting, ok := findLog(lines, "starting")
		if !ok {
			t.Fatalf("no log line with msg \"starting\":\n%s", stderr)
		}
		cfg, _ := starting["config"].(map[string]any)
		if redisURL, _ := cfg["redis_url"].(string); !strings.Contains(redisURL, "127.0.0.1:1") {
			t.Errorf("start-up log redis_url = %q, want the Redis server named", redisURL)
		}
		if strings.Contains(stderr, "redis-secret") {
			t.Errorf("the logs show the Redis password:\n%s", stderr)
		}
	})

	t.Run("answering", func(t *testing.T) {
		t.Parallel()
		env := sqliteEnv(t)
		env["REDIS_URL"] = dbtest.RedisURL(t)
		s := startServe(t, env)
		s.wantReady(t, "database", "redis")
		if code := s.stop(t); code != exitOK {
			t.Errorf("serve returned %d, want 0\nstderr:\n%s", code, s.stderr)
		}
	})
}

func TestRun_ServePostgresSchema(t *testing.T) {
	t.Parallel()
	db, dsn := dbtest.PostgresWithURL(t)
	if _, err := db.ExecContext(t.Context(), "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
		t.Fatalf("emptying the database: %v", err)
	}
	env := environ{"DATABASE_URL": dsn, "RESPITE_ADDR": freePort(t)}

	got := respite(t, env, "", "serve")
	if got.code != exitFault {
		t.Errorf("serve on an empty schema: exit status %d, want %d\n%s", got.code, exitFault, got)
	}
	if !strings.Contains(got.stderr, "respite migrate") {
		t.Errorf("stderr does not tell the user to run 'respite migrate':\n%s", got.stderr)
	}
	if strings.Contains(got.stdout, "Respite is running") {
		t.Errorf("serve said it was running on an empty schema:\n%s", got.stdout)
	}

	s := startServe(t, env, "--migrate")
	s.wantReady(t, "database")
	if code := s.stop(t); code != exitOK {
		t.Errorf("serve --migrate returned %d, want 0\nstderr:\n%s", code, s.stderr)
	}
	pending, err := migrations.Pending(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 0 {
		t.Errorf("pending migrations after serve --migrate: %v", pending)
	}
	if u, _ := url.Parse(dsn); u != nil {
		if pw, ok := u.User.Password(); ok && strings.Contains(s.stderr.String(), pw) {
			t.Error("the logs show the database password")
		}
	}
}

func TestRun_HealthcheckNothingListening(t *testing.T) {
	t.Parallel()
	env := sqliteEnv(t)
	env["RESPITE_ADDR"] = freePort(t)
	got := respite(t, env, "", "healthcheck")
	if got.code != exitFault {
		t.Errorf("exit status = %d, want %d\n%s", got.code, exitFault, got)
	}
	if !strings.Contains(got.stderr, "does not answer") {
		t.Errorf("stderr does not say the service does not answer:\n%s", got.stderr)
	}
	if got.stdout != "" {
		t.Errorf("stdout = %q, want nothing", got.stdout)
	}
}

func TestRun_Faults(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = busy.Close() })

	tests := []struct {
		name string
		args []string
		vars map[string]string
		want string // in the last line of stderr
	}{
		{"port in use", []string{"serve"}, map[string]string{"RESPITE_ADDR": busy.Addr().String()}, "respite serve: listening on " + busy.Addr().String()},
		{"database folder missing", []string{"migrate"}, map[string]string{"DATABASE_URL": "file:" + filepath.Join(t.TempDir(), "missing", "respite.db")}, "respite migrate: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := sqliteEnv(t)
			for k, v := range tt.vars {
				env[k] = v
			}
			got := respite(t, env, "", tt.args...)
			if got.code != exitFault {
				t.Errorf("exit status = %d, want %d\n%s", got.code, exitFault, got)
			}
			lines := strings.Split(strings.TrimSuffix(got.stderr, "\n"), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, tt.want) {
				t.Errorf("last line of stderr = %q, want it to start %q", last, tt.want)
			}
			logLines(t, strings.Join(lines[:len(lines)-1], "\n"))
		})
	}
}

// childTest names the test a child process of TestRun_WritesOnlyToGivenStderr
// runs as the child.
const childTest = "RESPITE_TEST_CHILD"

// TestRun_WritesOnlyToGivenStderr checks that run writes its logs only to
// the stderr it is given, as JSON, so that nothing a library logs by itself
// bypasses the JSON log (go-redis, for one, logs dial failures to the
// process's os.Stderr unless told otherwise). The process's own stderr can
// only be seen from outside, so the service runs in a child process: this
// test binary again, running just this test with childTest set.
func TestRun_WritesOnlyToGivenStderr(t *testing.T) {
	if os.Getenv(childTest) == t.Name() {
		env := sqliteEnv(t)
		env["REDIS_URL"] = "redis://127.0.0.1:1/0" // nothing listens: the client complains
		s := startServe(t, env)
		s.readiness(t)
		if code := s.stop(t); code != exitOK {
			t.Errorf("serve returned %d, want 0\nstderr:\n%s", code, s.stderr)
		}
		logLines(t, s.stderr.String())
		return
	}
	t.Parallel()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), childTest+"="+t.Name())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child process: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("serve wrote to the process's own stderr instead of the stderr it was given, so these lines are not in the JSON log:\n%s", stderr.String())
	}
}

func TestRun_Jobs(t *testing.T) {
	t.Parallel()
	env := sqliteEnv(t)
	if r := respite(t, env, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %s", r)
	}
	r := respite(t, env, "", "jobs", "list")
	if r.code != 0 {
		t.Fatalf("jobs list: %s", r)
	}
	for _, name := range []string{"host-nudges", "booking-reminders", "home-arrivals", "sessions-cleanup", "NEXT RUN (LONDON)"} {
		if !strings.Contains(r.stdout, name) {
			t.Errorf("jobs list does not show %q:\n%s", name, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "sms-dispatch") {
		t.Errorf("jobs list shows sms-dispatch, which is no longer a job (every instance dispatches):\n%s", r.stdout)
	}
	r = respite(t, env, "", "jobs", "run", "sessions-cleanup")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "sessions-cleanup: ok in ") {
		t.Errorf("jobs run sessions-cleanup: %s", r)
	}
	for _, line := range logLines(t, r.stderr) {
		if line["msg"] == "job finished" && line["job"] != "sessions-cleanup" {
			t.Errorf("unexpected job log line %v", line)
		}
	}
	for _, args := range [][]string{{"jobs", "run", "nope"}, {"jobs", "run"}, {"jobs", "fly"}, {"jobs"}} {
		if r := respite(t, env, "", args...); r.code != 2 {
			t.Errorf("respite %v: %s, want exit 2", args, r)
		}
	}
}

// TestRun_EmergencyWithRedisDown is design.md rule 3 end to end: with
// REDIS_URL pointing at a port where nothing answers, the duty officer still
// goes from an emergency card to a confirmed placement, while planned holds
// refuse with a 503 rather than skip the lock.
func TestRun_EmergencyWithRedisDown(t *testing.T) {
	t.Parallel()
	env := sqliteEnv(t)
	env["REDIS_URL"] = "redis://127.0.0.1:1/0"
	s := startServe(t, env, "--demo")
	defer s.stop(t)

	login := s.do(t, http.MethodPost, "/api/v1/auth/login", map[string]string{"email": "duty@respite.example", "password": "demo-duty-password"}, "")
	var signedIn struct{ Token string }
	if login.status != http.StatusOK || json.Unmarshal(login.body, &signedIn) != nil {
		t.Fatalf("duty login with Redis down: %s", login)
	}
	card := s.do(t, http.MethodGet, "/api/v1/emergency/lookup?card=LDS-EC-0101", nil, signedIn.Token)
	var looked struct {
		People []struct{ ID int64 } `json:"people"`
	}
	if card.status != http.StatusOK || json.Unmarshal(card.body, &looked) != nil || len(looked.People) != 1 {
		t.Fatalf("card lookup: %s", card)
	}
	today := calendar.Today(calendar.SystemClock)
	person := looked.People[0].ID
	opts := s.do(t, http.MethodGet, fmt.Sprintf("/api/v1/emergency/options?person_id=%d&arrive=%s&depart=%s", person, today, today.AddDays(1)), nil, signedIn.Token)
	var options struct {
		Options []struct {
			Place *struct {
				Kind string `json:"kind"`
				ID   int64  `json:"id"`
			} `json:"place"`
		} `json:"options"`
	}
	if opts.status != http.StatusOK || json.Unmarshal(opts.body, &options) != nil || len(options.Options) == 0 || options.Options[0].Place == nil {
		t.Fatalf("options: %s", opts)
	}
	placed := s.do(t, http.MethodPost, "/api/v1/emergency/placements", map[string]any{
		"person_id": person, "place": options.Options[0].Place, "arrive": today.String(), "depart": today.AddDays(1).String(), "reason": "Carer taken ill",
	}, signedIn.Token)
	if placed.status != http.StatusCreated {
		t.Fatalf("placement with Redis down: %s", placed)
	}
	hold := s.do(t, http.MethodPost, "/api/v1/holds", map[string]any{
		"person_id": person, "place": options.Options[0].Place, "arrive": today.AddDays(30).String(), "depart": today.AddDays(31).String(),
	}, signedIn.Token)
	if hold.status != http.StatusServiceUnavailable {
		t.Errorf("a planned hold with Redis down: %s, want 503", hold)
	}
}

// TestInboundTexts: the texts people send go first to hosts' YES, then to
// feedback on a stay, as serve wires them.
func TestInboundTexts(t *testing.T) {
	t.Parallel()
	vars := sqliteEnv(t)
	if r := respite(t, vars, "", "demo"); r.code != exitOK {
		t.Fatalf("demo: %s", r)
	}
	a, err := open(env{getenv: vars.getenv, stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	ctx := t.Context()

	// A demo host's YES confirms their calendar.
	reply, err := a.notify.ReceiveText(ctx, notify.Inbound{MessageSid: "SM-host-yes", From: "+447700900201", Body: "YES"})
	if err != nil || !strings.Contains(reply, "availability is confirmed") {
		t.Errorf("host's YES = %q, %v", reply, err)
	}

	// A carer's reply to the day-after text is feedback on that stay.
	var b booking.Booking
	if err := a.db.NewSelect().Model(&b).Where("status = 'confirmed' AND kind = 'planned' AND depart < ?", calendar.Today(calendar.SystemClock)).
		Where("NOT EXISTS (SELECT 1 FROM stay_feedback AS f WHERE f.booking_id = booking.id)").OrderExpr("depart DESC").Limit(1).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var mobile string
	if err := a.db.NewSelect().Table("carers").Column("mobile").Where("id = ?", b.CarerID).Scan(ctx, &mobile); err != nil {
		t.Fatal(err)
	}
	if err := a.notify.Enqueue(ctx, a.db, notify.Outgoing{DedupeKey: fmt.Sprintf("booking:%d:follow-up", b.ID), To: mobile,
		Template: notify.TemplateStayFollowUp, Data: notify.Data{Reference: b.Reference, Phone: "0113 496 0000"}}); err != nil {
		t.Fatal(err)
	}
	if reply, err := a.notify.ReceiveText(ctx, notify.Inbound{MessageSid: "SM-carer-5", From: mobile, Body: "5 - lovely"}); err != nil || !strings.Contains(reply, "Thank you") {
		t.Errorf("carer's rating = %q, %v; want thanks", reply, err)
	}
	var fb booking.Feedback
	if err := a.db.NewSelect().Model(&fb).Where("booking_id = ?", b.ID).Scan(ctx); err != nil {
		t.Fatalf("feedback on %s: %v", b.Reference, err)
	}
	if fb.Rating == nil || *fb.Rating != 5 || fb.Comment != "lovely" || fb.Replies != 1 {
		t.Errorf("feedback = %+v", fb)
	}
}
