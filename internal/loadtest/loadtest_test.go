package loadtest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/respite-uk/respite/calendar"
)

func durations(ms ...int) []time.Duration {
	out := make([]time.Duration, len(ms))
	for i, m := range ms {
		out[i] = time.Duration(m) * time.Millisecond
	}
	return out
}

func TestSummary_Percentile(t *testing.T) {
	// 1 to 200 ms, shuffled: the nearest rank of p is the ceil(p% of 200)-th.
	var ms []int
	for i := range 200 {
		ms = append(ms, (i*37)%200+1)
	}
	s := Summarize(durations(ms...), 0, nil, time.Second)
	for _, tt := range []struct {
		p    float64
		want time.Duration
	}{
		{50, 100 * time.Millisecond},
		{95, 190 * time.Millisecond},
		{99, 198 * time.Millisecond}, // of 200, the second slowest
		{99.9, 200 * time.Millisecond},
		{100, 200 * time.Millisecond},
		{0.1, time.Millisecond},
		{0, time.Millisecond},
	} {
		if got := s.Percentile(tt.p); got != tt.want {
			t.Errorf("Percentile(%v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got, want := s.Mean(), 100500*time.Microsecond; got != want {
		t.Errorf("Mean = %v, want %v", got, want)
	}
	if got, want := s.Max(), 200*time.Millisecond; got != want {
		t.Errorf("Max = %v, want %v", got, want)
	}
	if got, want := s.PerSecond(), 200.0; got != want {
		t.Errorf("PerSecond = %v, want %v", got, want)
	}
}

func TestSummary_Small(t *testing.T) {
	t.Run("none", func(t *testing.T) {
		var s Summary
		if s.Percentile(95) != 0 || s.Mean() != 0 || s.Max() != 0 || s.PerSecond() != 0 || s.Err() != nil {
			t.Errorf("an empty summary: p95 %v, mean %v, max %v, %v/s, err %v; want all zero", s.Percentile(95), s.Mean(), s.Max(), s.PerSecond(), s.Err())
		}
	})
	t.Run("one", func(t *testing.T) {
		s := Summarize(durations(7), 0, nil, 0)
		for _, p := range []float64{1, 50, 99} {
			if got := s.Percentile(p); got != 7*time.Millisecond {
				t.Errorf("Percentile(%v) of one = %v, want 7ms", p, got)
			}
		}
	})
	t.Run("does not change its input", func(t *testing.T) {
		in := durations(3, 1, 2)
		Summarize(in, 0, nil, 0)
		if diff := cmp.Diff(durations(3, 1, 2), in); diff != "" {
			t.Errorf("input changed (-want +got):\n%s", diff)
		}
	})
}

func TestCombine(t *testing.T) {
	boom := errors.New("boom")
	a := Summarize(durations(1, 2, 3), 0, nil, time.Second)
	b := Summarize(durations(10, 20), 2, boom, time.Second)
	c := Combine(a, b)
	if c.OK != 5 || c.Errors != 2 || c.Elapsed != 2*time.Second || !errors.Is(c.FirstErr, boom) {
		t.Errorf("Combine = %d ok, %d errors, %v, first %v; want 5, 2, 2s, boom", c.OK, c.Errors, c.Elapsed, c.FirstErr)
	}
	if got := c.Percentile(80); got != 10*time.Millisecond {
		t.Errorf("p80 of 1,2,3,10,20 ms = %v, want 10ms", got)
	}
	if got := c.PerSecond(); got != 2.5 {
		t.Errorf("PerSecond = %v, want 2.5", got)
	}
	if err := c.Err(); err == nil || !errors.Is(err, boom) || !strings.Contains(err.Error(), "2 of 7") {
		t.Errorf("Err = %v, want one saying 2 of 7 failed, wrapping boom", err)
	}
}

func TestRun(t *testing.T) {
	t.Run("count", func(t *testing.T) {
		var calls atomic.Int64
		var mu sync.Mutex
		seen := map[int]bool{}
		s := Run(context.Background(), 4, 0, 103, func(_ context.Context, client int) error {
			mu.Lock()
			seen[client] = true
			mu.Unlock()
			if calls.Add(1)%10 == 0 {
				return errors.New("every tenth fails")
			}
			return nil
		})
		if calls.Load() != 103 || s.OK != 93 || s.Errors != 10 {
			t.Errorf("%d calls, %d ok, %d failed; want 103, 93, 10", calls.Load(), s.OK, s.Errors)
		}
		for c := range seen {
			if c < 0 || c >= 4 {
				t.Errorf("an op ran as client %d, want 0 to 3", c)
			}
		}
	})
	t.Run("duration", func(t *testing.T) {
		s := Run(context.Background(), 2, 50*time.Millisecond, 0, func(context.Context, int) error {
			time.Sleep(time.Millisecond)
			return nil
		})
		if s.OK < 10 || s.Elapsed < 50*time.Millisecond || s.Elapsed > time.Second {
			t.Errorf("%d ops in %v; want some, in about 50ms", s.OK, s.Elapsed)
		}
	})
}

func TestClient_Race(t *testing.T) {
	// A service where the first hold on a place wins and the rest are
	// refused, as Respite's are.
	var mu sync.Mutex
	held := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/holds" || r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "unexpected", http.StatusBadRequest)
			return
		}
		mu.Lock()
		won := !held
		held = true
		mu.Unlock()
		if !won {
			w.WriteHeader(http.StatusConflict)
			return
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"h1"}`))
	}))
	defer srv.Close()
	c := NewClient(srv.URL, "tok", 10)
	defer c.Close()
	night := calendar.Date{Year: 2027, Month: 6, Day: 1}
	stays := make([]Stay, 10)
	for i := range stays {
		stays[i] = Stay{PersonID: int64(i + 1), PlaceKind: "bed", PlaceID: 7, Arrive: night, Depart: night.AddDays(2)}
	}
	r := c.Race(context.Background(), stays)
	if r.Winners != 1 || r.WinnerHold != "h1" || len(r.Losers) != 9 || len(r.Errors) != 0 {
		t.Errorf("race: %d winners (hold %q), %d losers, errors %v; want 1 (h1), 9, none", r.Winners, r.WinnerHold, len(r.Losers), r.Errors)
	}
}

func TestReplaceBetweenMarkers(t *testing.T) {
	doc := "# Title\n\nBefore.\n\n" + StartMarker + "\nold table\n" + EndMarker + "\n\nAfter.\n"
	got, err := ReplaceBetweenMarkers(doc, "\nnew table\n\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "# Title\n\nBefore.\n\n" + StartMarker + "\nnew table\n" + EndMarker + "\n\nAfter.\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Again on its own output: the same.
	if again, err := ReplaceBetweenMarkers(got, "new table"); err != nil || again != want {
		t.Errorf("replacing again: %v\n%s", err, again)
	}
	for name, bad := range map[string]string{
		"no markers":     "# Title\n",
		"no end":         StartMarker + "\n",
		"the wrong way":  EndMarker + "\n" + StartMarker + "\n",
		"a second start": StartMarker + "\n" + StartMarker + "\n" + EndMarker + "\n",
	} {
		if _, err := ReplaceBetweenMarkers(bad, "x"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParsePgbench(t *testing.T) {
	out := `pgbench (15.18 (Debian 15.18-0+deb12u1))
transaction type: <builtin: TPC-B (sort of)>
scaling factor: 10
number of clients: 8
number of threads: 2
duration: 3 s
number of transactions actually processed: 6569
number of failed transactions: 0 (0.000%)
latency average = 0.303 ms
initial connection time = 6.085 ms
tps = 2199.582465 (without initial connection time)
`
	got, err := ParsePgbench(out)
	if err != nil {
		t.Fatal(err)
	}
	if got.Scale != 10 || got.Transactions != 6569 || got.TPS != 2199.582465 {
		t.Errorf("ParsePgbench = %+v, want scale 10, 6569 transactions at 2199.582465 TPS", got)
	}
	if _, err := ParsePgbench("connection to server failed\n"); err == nil {
		t.Error("a report with no tps: no error")
	}
}

func TestLibpqURL(t *testing.T) {
	got, err := LibpqURL("postgres://postgres@127.0.0.1:5432/bench?sslmode=disable&default_query_exec_mode=exec&pool_max_conns=4")
	if err != nil {
		t.Fatal(err)
	}
	if want := "postgres://postgres@127.0.0.1:5432/bench?sslmode=disable"; got != want {
		t.Errorf("LibpqURL = %q, want %q", got, want)
	}
}
