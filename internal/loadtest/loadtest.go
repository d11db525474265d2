// Package loadtest drives Respite's HTTP API the way busy clients would, for
// the national-scale harness (scripts/bench.sh, and TestHarness in this
// package, which docs/benchmarks.md describes). It is deliberately plain:
// net/http with a pool of kept-alive connections, time.Since around each
// request, and a sort for the percentiles. A Run is many clients, each a
// goroutine calling one operation in a loop, for a time or a count; its
// Summary is the latencies and the throughput.
package loadtest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Summary is what a run measured: how many operations succeeded and failed,
// how long the run took from the first start to the last finish, and the
// latencies of the operations that succeeded.
type Summary struct {
	OK, Errors int
	// FirstErr is the first failure, to say what went wrong; nil if none.
	FirstErr error
	Elapsed  time.Duration
	// took are the successful operations' latencies, sorted.
	took []time.Duration
}

// Summarize sums up latencies (in any order; they are copied) from a run
// that took elapsed and had errors failures, the first of them firstErr.
func Summarize(latencies []time.Duration, errors int, firstErr error, elapsed time.Duration) Summary {
	took := slices.Clone(latencies)
	slices.Sort(took)
	return Summary{OK: len(took), Errors: errors, FirstErr: firstErr, Elapsed: elapsed, took: took}
}

// Combine sums up several runs, such as the rounds of one measurement that
// were interleaved with another's: their counts, latencies and time add up.
func Combine(runs ...Summary) Summary {
	var all []time.Duration
	var c Summary
	for _, r := range runs {
		all = append(all, r.took...)
		c.Errors += r.Errors
		c.Elapsed += r.Elapsed
		if c.FirstErr == nil {
			c.FirstErr = r.FirstErr
		}
	}
	return Summarize(all, c.Errors, c.FirstErr, c.Elapsed)
}

// Percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of the
// latencies: the smallest one that at least p% of them do not exceed. Of
// 200, the 99th is the second slowest. Zero when there are none.
func (s Summary) Percentile(p float64) time.Duration {
	if len(s.took) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(s.took))))
	return s.took[min(max(rank, 1), len(s.took))-1]
}

// Mean is the mean latency; zero when there are none.
func (s Summary) Mean() time.Duration {
	if len(s.took) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range s.took {
		sum += d
	}
	return sum / time.Duration(len(s.took))
}

// Max is the slowest latency; zero when there are none.
func (s Summary) Max() time.Duration {
	if len(s.took) == 0 {
		return 0
	}
	return s.took[len(s.took)-1]
}

// PerSecond is the successful operations per second of the run's time.
func (s Summary) PerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.OK) / s.Elapsed.Seconds()
}

// Err is nil when every operation succeeded, and otherwise says how many
// failed and how the first did.
func (s Summary) Err() error {
	if s.Errors == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d failed, the first: %w", s.Errors, s.Errors+s.OK, s.FirstErr)
}

// String is the summary in a line, for logs.
func (s Summary) String() string {
	line := fmt.Sprintf("%d in %v (%.0f/s), p50 %v p95 %v p99 %v max %v",
		s.OK, s.Elapsed.Round(time.Millisecond), s.PerSecond(), ms(s.Percentile(50)), ms(s.Percentile(95)), ms(s.Percentile(99)), ms(s.Max()))
	if s.Errors > 0 {
		line += fmt.Sprintf(", %d failed (first: %v)", s.Errors, s.FirstErr)
	}
	return line
}

func ms(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }

// Op is one operation of a run, by client number (0 to clients-1). It
// returns an error when the operation did not do what was asked; a run
// counts those apart and leaves their latency out.
type Op func(ctx context.Context, client int) error

// Run drives clients goroutines, each calling op again and again, until d
// has passed or, when count > 0, until count operations have been started
// in all (whichever comes first; d == 0 means no time limit). An operation
// under way when the time is up is finished and counted. Run stops early,
// with what it has, when ctx ends.
func Run(ctx context.Context, clients int, d time.Duration, count int, op Op) Summary {
	if d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	var (
		started  atomic.Int64
		mu       sync.Mutex
		all      []time.Duration
		errors   int
		firstErr error
		wg       sync.WaitGroup
	)
	begin := time.Now()
	for c := range clients {
		wg.Go(func() {
			var took []time.Duration
			var failed int
			var first error
			for ctx.Err() == nil && (count <= 0 || started.Add(1) <= int64(count)) {
				t0 := time.Now()
				// The operation is not given ctx: one that is under way when
				// the time is up finishes, rather than failing as cancelled.
				if err := op(context.WithoutCancel(ctx), c); err != nil {
					failed++
					if first == nil {
						first = err
					}
					continue
				}
				took = append(took, time.Since(t0))
			}
			mu.Lock()
			defer mu.Unlock()
			all = append(all, took...)
			errors += failed
			if firstErr == nil {
				firstErr = first
			}
		})
	}
	wg.Wait()
	return Summarize(all, errors, firstErr, time.Since(begin))
}
