// Package jobs runs scheduled work (sending queued texts, reminders,
// clearing expired sign-ins) with robfig/cron in Europe/London. Every run is
// wrapped the same way: a recovered panic, a skip while the previous run is
// still going, a timeout, a log line with its duration and outcome, a
// metric, a lock so that with several instances only one runs it, and a
// record of its outcome in a RunLog, so administrators see each job's last
// run whichever instance ran it.
//
// Jobs themselves are plain service methods taking a context; this package
// knows nothing of what they do, and tests call the methods directly.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/respite-uk/respite/calendar"
)

// Job is one piece of scheduled work.
type Job struct {
	Name        string
	Description string
	// Schedule is a cron spec read in Europe/London: "0 9 * * *" is 09:00
	// London time all year; "@every 5s" also works; a leading seconds
	// field is allowed.
	Schedule string
	// Timeout bounds one run (default 5 minutes).
	Timeout time.Duration
	Run     func(ctx context.Context) error
}

// Locker gives a named lock to one holder at a time, across instances.
type Locker interface {
	// TryLock takes the lock for ttl without waiting. ok is false when
	// someone else holds it; err when the lock store does not answer.
	TryLock(ctx context.Context, name string, ttl time.Duration) (release func(), ok bool, err error)
}

// Outcome is how a run ended.
type Outcome string

// The outcomes of a run.
const (
	OK             Outcome = "ok"
	Failed         Outcome = "failed"
	TimedOut       Outcome = "timeout"
	Panicked       Outcome = "panic"
	SkippedRunning Outcome = "skipped_still_running" // the previous run here has not finished
	SkippedLocked  Outcome = "skipped_locked"        // another instance is running it
)

// parser reads schedules: standard cron with an optional seconds field, and
// descriptors such as "@every 5s" or "@daily".
var parser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Next returns when schedule next fires after t, reckoned in London.
func Next(schedule string, after time.Time) (time.Time, error) {
	sched, err := parser.Parse(schedule)
	if err != nil {
		return time.Time{}, err
	}
	return sched.Next(after.In(calendar.London)), nil
}

// Runner schedules and runs jobs.
type Runner struct {
	cron     *cron.Cron
	locker   Locker
	log      *slog.Logger
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec

	mu   sync.Mutex
	jobs map[string]*entry

	runLog   RunLog // nil: runs are not recorded
	instance string

	ctx    context.Context // cancelled by Stop, so running jobs are told to finish
	cancel context.CancelFunc
}

type entry struct {
	job     Job
	running atomic.Bool
}

// NewRunner returns a runner that locks with locker and registers its
// metrics with reg.
func NewRunner(locker Locker, log *slog.Logger, reg prometheus.Registerer) *Runner {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runner{
		cron:   cron.New(cron.WithLocation(calendar.London), cron.WithParser(parser)),
		locker: locker,
		log:    log,
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "respite_job_runs_total", Help: "Scheduled job runs, by job and outcome.",
		}, []string{"job", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "respite_job_duration_seconds", Help: "How long scheduled job runs took.",
			Buckets: []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 300},
		}, []string{"job"}),
		jobs:   map[string]*entry{},
		ctx:    ctx,
		cancel: cancel,
	}
	r.instance, _ = os.Hostname()
	if reg != nil {
		reg.MustRegister(r.runs, r.duration)
	}
	return r
}

// SetRunLog makes the runner record each run's outcome in l. Call it
// before Start.
func (r *Runner) SetRunLog(l RunLog) { r.runLog = l }

// Add registers a job on its schedule. It refuses a repeated name or a
// schedule cron cannot read.
func (r *Runner) Add(j Job) error {
	if j.Timeout <= 0 {
		j.Timeout = 5 * time.Minute
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.jobs[j.Name]; dup {
		return fmt.Errorf("jobs: %q is registered twice", j.Name)
	}
	e := &entry{job: j}
	if _, err := r.cron.AddFunc(j.Schedule, func() { r.run(r.ctx, e) }); err != nil {
		return fmt.Errorf("jobs: %s: schedule %q: %w", j.Name, j.Schedule, err)
	}
	r.jobs[j.Name] = e
	return nil
}

// Jobs lists the registered jobs by name.
func (r *Runner) Jobs() []Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Job, 0, len(r.jobs))
	for _, e := range r.jobs {
		out = append(out, e.job)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Name < out[k].Name })
	return out
}

// Start runs the jobs on their schedules until Stop.
func (r *Runner) Start() { r.cron.Start() }

// Stop stops scheduling, tells running jobs to finish, and waits for them
// (or for ctx).
func (r *Runner) Stop(ctx context.Context) {
	done := r.cron.Stop()
	r.cancel()
	select {
	case <-done.Done():
	case <-ctx.Done():
	}
}

// ErrUnknownJob is returned by RunNow for a name that is not registered.
var ErrUnknownJob = errors.New("no job has that name")

// RunNow runs one job once, at once, with the same wrapping as a scheduled
// run (for `respite jobs run NAME`).
func (r *Runner) RunNow(ctx context.Context, name string) (Outcome, error) {
	r.mu.Lock()
	e, ok := r.jobs[name]
	r.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownJob, name)
	}
	return r.run(ctx, e)
}

// run is the wrapping every run gets.
func (r *Runner) run(ctx context.Context, e *entry) (outcome Outcome, err error) {
	name := e.job.Name
	log := r.log.With("job", name)
	if !e.running.CompareAndSwap(false, true) {
		log.WarnContext(ctx, "job skipped: the previous run is still going")
		r.runs.WithLabelValues(name, string(SkippedRunning)).Inc()
		return SkippedRunning, nil
	}
	defer e.running.Store(false)

	// The lock outlives the timeout a little, so a run that overruns its
	// context is never overlapped by another instance.
	release, ok, lockErr := r.locker.TryLock(ctx, "job:"+name, e.job.Timeout+time.Minute)
	switch {
	case lockErr != nil:
		// The lock store (Redis) does not answer. Every job is written to be
		// safe to run twice (dedupe keys, claims that skip locked rows), and
		// texts such as emergency placements must still go out, so run
		// anyway rather than stop all scheduled work.
		log.WarnContext(ctx, "job lock unavailable; running without it", "err", lockErr)
	case !ok:
		log.InfoContext(ctx, "job skipped: another instance is running it")
		r.runs.WithLabelValues(name, string(SkippedLocked)).Inc()
		return SkippedLocked, nil
	default:
		defer release()
	}

	start := time.Now()
	runCtx, cancel := context.WithTimeout(ctx, e.job.Timeout)
	defer cancel()
	err = safely(runCtx, e.job.Run)
	elapsed := time.Since(start)

	var panicErr *panicError
	switch {
	case err == nil:
		outcome = OK
	case errors.As(err, &panicErr):
		outcome = Panicked
	case errors.Is(err, context.DeadlineExceeded) || runCtx.Err() == context.DeadlineExceeded:
		outcome = TimedOut
	default:
		outcome = Failed
	}
	r.runs.WithLabelValues(name, string(outcome)).Inc()
	r.duration.WithLabelValues(name).Observe(elapsed.Seconds())
	if outcome == OK {
		log.InfoContext(ctx, "job finished", "outcome", outcome, "duration", elapsed)
	} else {
		log.ErrorContext(ctx, "job finished", "outcome", outcome, "duration", elapsed, "err", err)
	}
	r.record(ctx, log, RunRecord{
		Name: name, Outcome: outcome,
		StartedAt: start.UTC().Round(0), FinishedAt: start.Add(elapsed).UTC().Round(0),
		DurationMS: elapsed.Milliseconds(), Error: safeErrorText(err), Instance: r.instance,
	})
	return outcome, err
}

// recordTimeout bounds writing a run's record, so a slow database cannot
// hold up the next run.
const recordTimeout = 5 * time.Second

// record writes rec to the run log, if there is one. A failure to record is
// logged and goes no further: the job itself has run.
func (r *Runner) record(ctx context.Context, log *slog.Logger, rec RunRecord) {
	if r.runLog == nil {
		return
	}
	// Record even when Stop has cancelled ctx: the run finished and its
	// outcome is worth keeping.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := r.runLog.Record(ctx, rec); err != nil {
		log.WarnContext(ctx, "job run not recorded", "err", err)
	}
}

// Status is a registered job with when it runs next and its last recorded
// run.
type Status struct {
	Job
	Next time.Time
	// Last is the last recorded run, on any instance; nil before the first
	// (or when runs are not recorded).
	Last *RunRecord
}

// Status lists every registered job, by name, with its next run after now
// and its last recorded run.
func (r *Runner) Status(ctx context.Context, now time.Time) ([]Status, error) {
	last := map[string]RunRecord{}
	if r.runLog != nil {
		runs, err := r.runLog.Runs(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the jobs' last runs: %w", err)
		}
		for _, rec := range runs {
			last[rec.Name] = rec
		}
	}
	registered := r.Jobs()
	out := make([]Status, len(registered))
	for i, j := range registered {
		out[i] = Status{Job: j}
		// Add checked the schedule, so it parses.
		out[i].Next, _ = Next(j.Schedule, now)
		if rec, ok := last[j.Name]; ok {
			out[i].Last = &rec
		}
	}
	return out, nil
}

type panicError struct{ value any }

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// safely runs fn, turning a panic into an error.
func safely(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v}
		}
	}()
	return fn(ctx)
}

// LocalLocker is the in-process lock used when there is one instance (no
// REDIS_URL).
type LocalLocker struct {
	mu   sync.Mutex
	held map[string]time.Time // name → expiry
	now  calendar.Clock
}

// NewLocalLocker returns an empty in-process lock table.
func NewLocalLocker() *LocalLocker {
	return &LocalLocker{held: map[string]time.Time{}, now: calendar.SystemClock}
}

// TryLock takes name for ttl unless someone holds it.
func (l *LocalLocker) TryLock(_ context.Context, name string, ttl time.Duration) (func(), bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if until, ok := l.held[name]; ok && now.Before(until) {
		return nil, false, nil
	}
	until := now.Add(ttl)
	l.held[name] = until
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.held[name] == until { // still ours, not a later holder's
			delete(l.held, name)
		}
	}, true, nil
}
