package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// Pgbench runs PostgreSQL's own benchmark, TPC-B-like (its default
// script), against a database of its own: the reference for what the
// PostgreSQL cluster can commit on this machine, next to which Respite's
// bookings per second are read.
type Pgbench struct {
	// Path is the pgbench program; URL the database it fills and runs in,
	// which it may do with as it likes.
	Path, URL string
}

// FindPgbench returns the pgbench program on PATH or, failing that, the
// newest under /usr/lib/postgresql/*/bin (where Debian puts it).
func FindPgbench() (string, error) {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	if len(found) == 0 {
		return "", errors.New("no pgbench on PATH or under /usr/lib/postgresql/*/bin")
	}
	// By version, numerically: 9.6 < 10 < 15.
	slices.SortFunc(found, func(a, b string) int { return pgMajor(a) - pgMajor(b) })
	return found[len(found)-1], nil
}

func pgMajor(path string) int {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(filepath.Dir(path))), 64)
	return int(v * 100)
}

// LibpqURL is dsn with only what libpq understands: pgx takes query
// parameters of its own (default_query_exec_mode, pool sizes) that libpq
// tools refuse. sslmode is kept.
func LibpqURL(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	q := url.Values{}
	if m := u.Query().Get("sslmode"); m != "" {
		q.Set("sslmode", m)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Init creates and fills pgbench's tables at the scale (100,000 accounts
// each), replacing any there.
func (p Pgbench) Init(ctx context.Context, scale int) error {
	out, err := exec.CommandContext(ctx, p.Path, "-i", "-q", "-s", strconv.Itoa(scale), p.URL).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgbench -i: %w\n%s", err, out)
	}
	return nil
}

// PgbenchResult is what one pgbench run reports.
type PgbenchResult struct {
	Scale        int // the scaling factor of the tables it ran on
	Transactions int
	// TPS excludes the time spent connecting, as pgbench reports it.
	TPS     float64
	Elapsed time.Duration
}

// Run runs the TPC-B-like script with clients connections (on as many
// threads, up to two) for the given whole seconds, without vacuuming first.
func (p Pgbench) Run(ctx context.Context, clients, seconds int) (PgbenchResult, error) {
	start := time.Now()
	args := []string{"-n", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(min(clients, 2)), "-T", strconv.Itoa(seconds), p.URL}
	out, err := exec.CommandContext(ctx, p.Path, args...).CombinedOutput()
	if err != nil {
		return PgbenchResult{}, fmt.Errorf("pgbench: %w\n%s", err, out)
	}
	r, err := ParsePgbench(string(out))
	r.Elapsed = time.Since(start)
	return r, err
}

var (
	pgbenchTPS   = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)
	pgbenchTx    = regexp.MustCompile(`(?m)^number of transactions actually processed: (\d+)`)
	pgbenchScale = regexp.MustCompile(`(?m)^scaling factor: (\d+)`)
)

// ParsePgbench reads the scale, transactions and TPS from pgbench's report.
func ParsePgbench(out string) (PgbenchResult, error) {
	tps, tx, scale := pgbenchTPS.FindStringSubmatch(out), pgbenchTx.FindStringSubmatch(out), pgbenchScale.FindStringSubmatch(out)
	if tps == nil || tx == nil || scale == nil {
		return PgbenchResult{}, fmt.Errorf("pgbench's report lacks its scale, tps or transaction count:\n%s", out)
	}
	var r PgbenchResult
	r.TPS, _ = strconv.ParseFloat(tps[1], 64)
	r.Transactions, _ = strconv.Atoi(tx[1])
	r.Scale, _ = strconv.Atoi(scale[1])
	return r, nil
}
