package loadtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// The markers in docs/benchmarks.md between which the harness writes its
// table; everything outside them is left as it is.
const (
	StartMarker = "<!-- bench.sh:start -->"
	EndMarker   = "<!-- bench.sh:end -->"
)

// ReplaceBetweenMarkers returns doc with what lies between StartMarker and
// EndMarker (each on a line of its own) replaced by body. It is an error
// for either marker to be missing, out of order or there twice.
func ReplaceBetweenMarkers(doc, body string) (string, error) {
	start, end := strings.Index(doc, StartMarker), strings.Index(doc, EndMarker)
	switch {
	case start < 0 || end < 0:
		return "", fmt.Errorf("the document lacks the markers %s and %s", StartMarker, EndMarker)
	case end < start:
		return "", errors.New("the end marker comes before the start marker")
	case strings.Count(doc, StartMarker) > 1 || strings.Count(doc, EndMarker) > 1:
		return "", errors.New("the markers are in the document more than once")
	}
	head := doc[:start+len(StartMarker)]
	return head + "\n" + strings.TrimSpace(body) + "\n" + doc[end:], nil
}

// WriteBetweenMarkers replaces what is between the markers in the file at
// path with body (see ReplaceBetweenMarkers).
func WriteBetweenMarkers(path, body string) error {
	doc, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := ReplaceBetweenMarkers(string(doc), body)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(out), 0o644)
}

// Machine says what a run was measured on and at which commit.
type Machine struct {
	Commit   string // short hash, with "+ uncommitted changes" if the tree is dirty
	CPU      string // the model name in /proc/cpuinfo
	Cores    int
	Go       string
	Postgres string // SHOW server_version; empty without PostgreSQL
	Kernel   string
}

// DescribeMachine fills in a Machine, except Postgres, from git run in dir,
// /proc and the Go runtime. What cannot be found reads "unknown". Changes
// to the files in ignore (paths from the repository's root), such as the
// document the table goes in, do not make the tree dirty.
func DescribeMachine(ctx context.Context, dir string, ignore ...string) Machine {
	m := Machine{Commit: "unknown", CPU: "unknown", Cores: runtime.NumCPU(), Go: runtime.Version(), Kernel: "unknown"}
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		return strings.TrimSpace(string(out)), err
	}
	if hash, err := git("rev-parse", "--short", "HEAD"); err == nil {
		m.Commit = hash
		// New files count too: code not yet added to git is still code.
		args := []string{"status", "--porcelain", "--", ":/"}
		for _, path := range ignore {
			args = append(args, ":(top,exclude)"+path)
		}
		if st, err := git(args...); err == nil && st != "" {
			m.Commit += " + uncommitted changes"
		}
	}
	if info, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range bytes.Lines(info) {
			if k, v, ok := strings.Cut(string(line), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if v, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(v))
	}
	return m
}

// LoadAverage is the one-minute load average from /proc/loadavg, or "".
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return ""
}
