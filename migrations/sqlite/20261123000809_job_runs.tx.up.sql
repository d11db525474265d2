-- The last run of each scheduled job, whichever instance ran it, for the
-- administrators' jobs page. One row a job, overwritten after every run
-- (runs skipped because another was going are not written: that run
-- writes its own). error is the failure's text, cut short, with any
-- password in a URL removed; empty when the run succeeded.
CREATE TABLE job_runs (
    name        TEXT PRIMARY KEY,
    outcome     TEXT NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    duration_ms INTEGER NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    instance    TEXT NOT NULL DEFAULT ''
);
