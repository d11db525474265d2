package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/jobs"
	"github.com/respite-uk/respite/jobs/jobstest"
)

func TestLocalLocker(t *testing.T) {
	shared := jobs.NewLocalLocker()
	jobstest.Locker(t, func() jobs.Locker { return shared })
}

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

// brokenLocker is a lock store that does not answer, as Redis when it is down.
type brokenLocker struct{}

func (brokenLocker) TryLock(context.Context, string, time.Duration) (func(), bool, error) {
	return nil, false, errors.New("dial tcp 127.0.0.1:6379: connection refused")
}

func newRunner(t *testing.T, locker jobs.Locker) (*jobs.Runner, *prometheus.Registry, *syncBuffer) {
	t.Helper()
	reg := prometheus.NewRegistry()
	logs := &syncBuffer{}
	return jobs.NewRunner(locker, slog.New(slog.NewJSONHandler(logs, nil)), reg), reg, logs
}

func TestRunner_Outcomes(t *testing.T) {
	runner, reg, logs := newRunner(t, jobs.NewLocalLocker())
	calls := 0
	add := func(name string, timeout time.Duration, fn func(context.Context) error) {
		if err := runner.Add(jobs.Job{Name: name, Schedule: "@daily", Timeout: timeout, Run: fn}); err != nil {
			t.Fatal(err)
		}
	}
	add("fine", 0, func(context.Context) error { calls++; return nil })
	add("broken", 0, func(context.Context) error { return errors.New("the database said no") })
	add("panicky", 0, func(context.Context) error { panic("nil map") })
	add("slow", 50*time.Millisecond, func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })

	tests := []struct {
		job  string
		want jobs.Outcome
	}{
		{"fine", jobs.OK}, {"broken", jobs.Failed}, {"panicky", jobs.Panicked}, {"slow", jobs.TimedOut},
	}
	for _, tt := range tests {
		got, err := runner.RunNow(context.Background(), tt.job)
		if got != tt.want || (tt.want == jobs.OK) != (err == nil) {
			t.Errorf("%s: outcome %q, err %v; want %q", tt.job, got, err, tt.want)
		}
	}
	if calls != 1 {
		t.Errorf("the fine job ran %d times, want 1", calls)
	}
	if _, err := runner.RunNow(context.Background(), "nope"); !errors.Is(err, jobs.ErrUnknownJob) {
		t.Errorf("unknown job: err = %v", err)
	}
	out := logs.String()
	for _, want := range []string{`"job":"panicky"`, `"outcome":"panic"`, `"outcome":"timeout"`, `"duration"`} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s:\n%s", want, out)
		}
	}
	metrics, _ := testutil.GatherAndCount(reg, "respite_job_runs_total")
	if metrics != 4 {
		t.Errorf("respite_job_runs_total has %d series, want one per outcome (4)", metrics)
	}
}

func TestRunner_SkipsWhileStillRunning(t *testing.T) {
	runner, _, _ := newRunner(t, jobs.NewLocalLocker())
	started, release := make(chan struct{}), make(chan struct{})
	runner.Add(jobs.Job{Name: "long", Schedule: "@daily", Run: func(context.Context) error {
		close(started)
		<-release
		return nil
	}})
	done := make(chan jobs.Outcome)
	go func() { o, _ := runner.RunNow(context.Background(), "long"); done <- o }()
	<-started
	if got, _ := runner.RunNow(context.Background(), "long"); got != jobs.SkippedRunning {
		t.Errorf("second run while the first is going = %q, want %q", got, jobs.SkippedRunning)
	}
	close(release)
	if got := <-done; got != jobs.OK {
		t.Errorf("first run = %q", got)
	}
}

func TestRunner_OneInstanceAtATime(t *testing.T) {
	shared := jobs.NewLocalLocker() // stands for Redis shared by two instances
	a, _, _ := newRunner(t, shared)
	b, _, _ := newRunner(t, shared)
	started, release := make(chan struct{}), make(chan struct{})
	a.Add(jobs.Job{Name: "reminders", Schedule: "@daily", Run: func(context.Context) error { close(started); <-release; return nil }})
	b.Add(jobs.Job{Name: "reminders", Schedule: "@daily", Run: func(context.Context) error { t.Error("the second instance ran the job"); return nil }})
	go a.RunNow(context.Background(), "reminders")
	<-started
	if got, _ := b.RunNow(context.Background(), "reminders"); got != jobs.SkippedLocked {
		t.Errorf("second instance = %q, want %q", got, jobs.SkippedLocked)
	}
	close(release)
}

func TestRunner_RunsWhenTheLockStoreIsDown(t *testing.T) {
	runner, _, logs := newRunner(t, brokenLocker{})
	ran := false
	runner.Add(jobs.Job{Name: "dispatch", Schedule: "@every 5s", Run: func(context.Context) error { ran = true; return nil }})
	if got, err := runner.RunNow(context.Background(), "dispatch"); got != jobs.OK || err != nil || !ran {
		t.Errorf("with Redis down: outcome %q, err %v, ran %v; want the job run anyway", got, err, ran)
	}
	if !strings.Contains(logs.String(), "running without it") {
		t.Errorf("no warning logged: %s", logs.String())
	}
}

func TestRunner_Add(t *testing.T) {
	runner, _, _ := newRunner(t, jobs.NewLocalLocker())
	if err := runner.Add(jobs.Job{Name: "a", Schedule: "every tuesday", Run: func(context.Context) error { return nil }}); err == nil {
		t.Error("a schedule cron cannot read was accepted")
	}
	runner.Add(jobs.Job{Name: "b", Schedule: "0 9 * * *", Run: func(context.Context) error { return nil }})
	if err := runner.Add(jobs.Job{Name: "b", Schedule: "0 9 * * *", Run: func(context.Context) error { return nil }}); err == nil {
		t.Error("a repeated name was accepted")
	}
	if got := runner.Jobs(); len(got) != 1 || got[0].Name != "b" {
		t.Errorf("Jobs = %+v", got)
	}
}

func TestNext_InLondonAcrossClockChanges(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.London)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name     string
		schedule string
		after    time.Time
		wantUTC  string
	}{
		{"09:00 the day the clocks go forward is 08:00 UTC", "0 9 * * *", at("2027-03-27 10:00"), "2027-03-28 08:00"},
		{"09:00 the day the clocks go back is 09:00 UTC", "0 9 * * *", at("2027-10-30 10:00"), "2027-10-31 09:00"},
		{"01:30 is skipped the night it does not exist", "30 1 * * *", at("2027-03-27 02:00"), "2027-03-29 00:30"},
	}
	for _, tt := range tests {
		got, err := jobs.Next(tt.schedule, tt.after)
		if err != nil {
			t.Fatal(err)
		}
		if s := got.UTC().Format("2006-01-02 15:04"); s != tt.wantUTC {
			t.Errorf("%s: next = %s UTC, want %s", tt.name, s, tt.wantUTC)
		}
	}
}
