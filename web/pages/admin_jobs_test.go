package pages_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/jobs"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/web"
)

func TestJobsPage(t *testing.T) {
	db := dbtest.SQLite(t)
	runner := jobs.NewRunner(jobs.NewLocalLocker(), slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	runner.SetRunLog(jobs.NewBunRunLog(db))
	for _, j := range []jobs.Job{
		{Name: "sms-dispatch", Schedule: "@every 5s", Description: "send the texts that are due",
			Run: func(context.Context) error { return errors.New("twilio: 401 authenticate") }},
		{Name: "booking-reminders", Schedule: "0 9 * * *", Description: "queue reminders",
			Run: func(context.Context) error { return nil }},
		{Name: "host-nudges", Schedule: "0 10 * * *", Description: "nudge hosts",
			Run: func(context.Context) error { return nil }},
	} {
		if err := runner.Add(j); err != nil {
			t.Fatal(err)
		}
	}
	runner.RunNow(context.Background(), "sms-dispatch")
	runner.RunNow(context.Background(), "booking-reminders")
	s := newSite(t, db, func(d *web.Deps) { d.Jobs = runner })

	t.Run("an admin sees each job's last run and outcome", func(t *testing.T) {
		b := newBrowser(t, s)
		b.startSession(accounts.SubjectStaff, s.admin.ID)
		p := b.get("/admin/jobs")
		if p.status != 200 {
			t.Fatalf("GET /admin/jobs = %d: %s", p.status, p.body)
		}
		row := func(job string) string {
			t.Helper()
			_, after, ok := strings.Cut(p.body, ">"+job+"<")
			if !ok {
				t.Fatalf("no row for %s:\n%s", job, p.body)
			}
			r, _, _ := strings.Cut(after, "</tr>")
			return r
		}
		for _, tt := range []struct {
			job  string
			want []string
		}{
			{"sms-dispatch", []string{"<code>@every 5s</code>", `<strong class="govuk-tag govuk-tag--red">Failed</strong>`, "twilio: 401 authenticate", " on "}},
			{"booking-reminders", []string{"<code>0 9 * * *</code>", `<strong class="govuk-tag govuk-tag--green">Succeeded</strong>`, "9:00am on "}},
			{"host-nudges", []string{"No runs recorded yet", "10:00am on "}},
		} {
			r := row(tt.job)
			for _, want := range tt.want {
				if !strings.Contains(r, want) {
					t.Errorf("%s's row lacks %q:\n%s", tt.job, want, r)
				}
			}
		}
		if !strings.Contains(p.body, `href="/admin/jobs"`) {
			t.Error("the navigation has no link to the jobs page")
		}
	})

	t.Run("other staff are refused", func(t *testing.T) {
		for name, who := range map[string]int64{"duty": s.duty.ID, "coordinator": s.coordinator.ID} {
			b := newBrowser(t, s)
			b.startSession(accounts.SubjectStaff, who)
			if p := b.get("/admin/jobs"); p.status != 403 || strings.Contains(p.body, "twilio") {
				t.Errorf("GET /admin/jobs as %s = %d, want 403", name, p.status)
			}
		}
	})
}

func TestJobsPage_WithoutJobs(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	b := newBrowser(t, s)
	b.startSession(accounts.SubjectStaff, s.admin.ID)
	if p := b.get("/admin/jobs"); p.status != 200 || !strings.Contains(p.body, "No runs recorded yet.") {
		t.Errorf("GET /admin/jobs with no jobs = %d, want 200 saying no runs are recorded:\n%s", p.status, p.body)
	}
}
