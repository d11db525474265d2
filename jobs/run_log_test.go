package jobs_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/jobs"
	"github.com/respite-uk/respite/migrations/dbtest"
)

func TestRunner_RecordsRuns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		runner, _, _ := newRunner(t, jobs.NewLocalLocker())
		runLog := jobs.NewBunRunLog(db)
		runner.SetRunLog(runLog)
		fail := true
		add := func(name string, fn func(context.Context) error) {
			t.Helper()
			if err := runner.Add(jobs.Job{Name: name, Schedule: "@daily", Run: fn}); err != nil {
				t.Fatal(err)
			}
		}
		add("fine", func(context.Context) error { return nil })
		add("broken", func(context.Context) error {
			if fail {
				return errors.New("dial postgres://respite:hunter2@db.internal/respite:\nconnection refused")
			}
			return nil
		})
		add("panicky", func(context.Context) error { panic("nil map") })
		add("never-run", func(context.Context) error { return nil })

		before := time.Now().Add(-time.Second)
		for _, name := range []string{"fine", "broken", "panicky"} {
			runner.RunNow(ctx, name)
		}
		after := time.Now().Add(time.Second)

		runs, err := runLog.Runs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			if r.StartedAt.Before(before) || r.StartedAt.After(after) || r.FinishedAt.Before(r.StartedAt) {
				t.Errorf("%s: started %s, finished %s; want between %s and %s", r.Name, r.StartedAt, r.FinishedAt, before, after)
			}
		}
		want := []jobs.RunRecord{
			{Name: "broken", Outcome: jobs.Failed, Error: "dial postgres://…@db.internal/respite: connection refused"},
			{Name: "fine", Outcome: jobs.OK},
			{Name: "panicky", Outcome: jobs.Panicked, Error: "panic: nil map"},
		}
		ignore := cmpopts.IgnoreFields(jobs.RunRecord{}, "StartedAt", "FinishedAt", "DurationMS", "Instance")
		if diff := cmp.Diff(want, runs, ignore); diff != "" {
			t.Errorf("recorded runs (-want +got):\n%s", diff)
		}

		t.Run("the next run replaces the last", func(t *testing.T) {
			fail = false
			runner.RunNow(ctx, "broken")
			runs, err := runLog.Runs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := runs[0]; got.Name != "broken" || got.Outcome != jobs.OK || got.Error != "" {
				t.Errorf("after a good run: %+v, want ok with no error", got)
			}
		})

		t.Run("status lists every job with its last run", func(t *testing.T) {
			now := time.Date(2026, 11, 30, 22, 42, 0, 0, time.UTC)
			status, err := runner.Status(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range status {
				outcome := "none"
				if s.Last != nil {
					outcome = string(s.Last.Outcome)
				}
				got = append(got, s.Name+" "+outcome+" "+s.Next.UTC().Format("2006-01-02 15:04"))
			}
			want := []string{
				"broken ok 2026-12-01 00:00", "fine ok 2026-12-01 00:00",
				"never-run none 2026-12-01 00:00", "panicky panic 2026-12-01 00:00",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	})
}

// brokenRunLog is a run log whose database does not answer.
type brokenRunLog struct{}

func (brokenRunLog) Record(context.Context, jobs.RunRecord) error {
	return errors.New("database is locked")
}
func (brokenRunLog) Runs(context.Context) ([]jobs.RunRecord, error) {
	return nil, errors.New("database is locked")
}

func TestRunner_RecordingFailureDoesNotFailTheJob(t *testing.T) {
	runner, _, logs := newRunner(t, jobs.NewLocalLocker())
	runner.SetRunLog(brokenRunLog{})
	ran := false
	runner.Add(jobs.Job{Name: "dispatch", Schedule: "@every 5s", Run: func(context.Context) error { ran = true; return nil }})
	if got, err := runner.RunNow(context.Background(), "dispatch"); got != jobs.OK || err != nil || !ran {
		t.Errorf("with the run log down: outcome %q, err %v, ran %v; want the job run and ok", got, err, ran)
	}
	if !strings.Contains(logs.String(), "job run not recorded") {
		t.Errorf("no warning logged: %s", logs.String())
	}
	if _, err := runner.Status(context.Background(), time.Now()); err == nil {
		t.Error("Status hid the run log's failure")
	}
}

func TestRunner_SkipsAreNotRecorded(t *testing.T) {
	runner, _, _ := newRunner(t, jobs.NewLocalLocker())
	runLog := &memoryRunLog{}
	runner.SetRunLog(runLog)
	started, release := make(chan struct{}), make(chan struct{})
	runner.Add(jobs.Job{Name: "long", Schedule: "@daily", Run: func(context.Context) error {
		close(started)
		<-release
		return nil
	}})
	done := make(chan struct{})
	go func() { runner.RunNow(context.Background(), "long"); close(done) }()
	<-started
	if got, _ := runner.RunNow(context.Background(), "long"); got != jobs.SkippedRunning {
		t.Fatalf("second run = %q, want %q", got, jobs.SkippedRunning)
	}
	close(release)
	<-done
	runs, _ := runLog.Runs(context.Background())
	if len(runs) != 1 || runs[0].Outcome != jobs.OK {
		t.Errorf("recorded %+v, want only the run that happened (ok)", runs)
	}
}

func TestRunner_RecordsLongErrorsCutShort(t *testing.T) {
	runner, _, _ := newRunner(t, jobs.NewLocalLocker())
	runLog := &memoryRunLog{}
	runner.SetRunLog(runLog)
	runner.Add(jobs.Job{Name: "wordy", Schedule: "@daily", Run: func(context.Context) error {
		return errors.New("a" + strings.Repeat("é", 400)) // the cut falls inside an é
	}})
	runner.RunNow(context.Background(), "wordy")
	runs, _ := runLog.Runs(context.Background())
	if len(runs) != 1 {
		t.Fatalf("recorded %d runs, want 1", len(runs))
	}
	got := runs[0].Error
	if len(got) > 510 || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, "aé") || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("error kept as %d bytes %q; want under 510, cut at a whole character, ending …", len(got), got)
	}
}

// memoryRunLog keeps runs in a slice, in the order written.
type memoryRunLog struct{ runs []jobs.RunRecord }

func (m *memoryRunLog) Record(_ context.Context, rec jobs.RunRecord) error {
	m.runs = append(m.runs, rec)
	return nil
}
func (m *memoryRunLog) Runs(context.Context) ([]jobs.RunRecord, error) { return m.runs, nil }
