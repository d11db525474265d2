package jobs

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// RunRecord is the last run of one job, as the runner that ran it wrote it.
type RunRecord struct {
	bun.BaseModel `bun:"table:job_runs"`

	Name       string    `bun:"name,pk"`
	Outcome    Outcome   `bun:"outcome,notnull"`
	StartedAt  time.Time `bun:"started_at,notnull"`
	FinishedAt time.Time `bun:"finished_at,notnull"`
	DurationMS int64     `bun:"duration_ms,notnull"`
	// Error is the failure's text made safe to show (see safeErrorText);
	// empty when the run succeeded.
	Error string `bun:"error,notnull"`
	// Instance is the host name of the instance that ran it.
	Instance string `bun:"instance,notnull"`
}

// Duration is how long the run took.
func (r RunRecord) Duration() time.Duration { return time.Duration(r.DurationMS) * time.Millisecond }

// RunLog keeps the last run of each job where every instance can read it.
//
// The runner writes only runs that happened: a run skipped because the
// previous one is still going, or because another instance holds the
// lock, is not written, since the run it gave way to writes its own
// outcome and a "skipped" written over it would hide that (or, landing
// after it, replace it). Skips are in the logs and in
// respite_job_runs_total.
type RunLog interface {
	// Record stores rec as the last run of rec.Name.
	Record(ctx context.Context, rec RunRecord) error
	// Runs returns the last run of every job that has one, by name.
	Runs(ctx context.Context) ([]RunRecord, error)
}

// BunRunLog is the RunLog in the job_runs table.
type BunRunLog struct{ db bun.IDB }

// NewBunRunLog returns the run log kept in db.
func NewBunRunLog(db bun.IDB) *BunRunLog { return &BunRunLog{db: db} }

// Record upserts rec: one row a job, the newest run's.
func (l *BunRunLog) Record(ctx context.Context, rec RunRecord) error {
	_, err := l.db.NewInsert().Model(&rec).
		On("CONFLICT (name) DO UPDATE").
		Set("outcome = EXCLUDED.outcome").
		Set("started_at = EXCLUDED.started_at").
		Set("finished_at = EXCLUDED.finished_at").
		Set("duration_ms = EXCLUDED.duration_ms").
		Set("error = EXCLUDED.error").
		Set("instance = EXCLUDED.instance").
		Exec(ctx)
	return err
}

// Runs returns every recorded run, by job name.
func (l *BunRunLog) Runs(ctx context.Context) ([]RunRecord, error) {
	var out []RunRecord
	err := l.db.NewSelect().Model(&out).Order("name").Scan(ctx)
	return out, err
}

// maxErrorText bounds the error kept for a run: enough for a driver's
// message, not a page of stack.
const maxErrorText = 500

// urlPassword matches the user and password of a URL ("postgres://u:pw@").
var urlPassword = regexp.MustCompile(`(://)[^/@\s]*:[^/@\s]*@`)

// safeErrorText is err's text as it may be kept and shown to
// administrators: any password in a URL (a DSN in a driver's message)
// removed, on one line, and cut short.
func safeErrorText(err error) string {
	if err == nil {
		return ""
	}
	s := urlPassword.ReplaceAllString(err.Error(), "${1}…@")
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxErrorText {
		return s
	}
	cut := maxErrorText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
