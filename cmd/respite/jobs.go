package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/jobs"
)

const jobsUsage = "jobs list | jobs run NAME | jobs run data-retention --dry-run"

// jobsCmd lists the scheduled jobs or runs one by hand, with the same
// wrapping (lock, timeout, log line) as a scheduled run.
func jobsCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(e.stdout, "Usage: respite %s\n\n  list      show each job, its schedule (Europe/London), its next run and how its last run went\n  run NAME  run one job now, once\n  run data-retention --dry-run\n            list what the data-retention job would anonymise and blank, changing nothing\n", jobsUsage)
		if len(args) == 0 {
			return &usageError{"missing subcommand: list or run"}
		}
		return nil
	}
	dryRun := false
	switch args[0] {
	case "list":
		if len(args) > 1 {
			return &usageError{fmt.Sprintf("unexpected argument %q", args[1])}
		}
	case "run":
		var rest []string
		for _, a := range args[1:] {
			if a == "--dry-run" || a == "-dry-run" {
				dryRun = true
				continue
			}
			rest = append(rest, a)
		}
		if len(rest) != 1 {
			return &usageError{"say which job to run: respite jobs run NAME (see respite jobs list)"}
		}
		if dryRun && rest[0] != "data-retention" {
			return &usageError{"only data-retention has a dry run (--dry-run)"}
		}
		args = []string{"run", rest[0]}
	default:
		return &usageError{fmt.Sprintf("unknown subcommand %q; use list or run", args[0])}
	}
	a, err := open(e)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.prepareSchema(ctx, false); err != nil {
		return err
	}

	if args[0] == "list" {
		status, err := a.jobs.Status(ctx, time.Now())
		if err != nil {
			return err
		}
		const when = "Mon 2 Jan 15:04:05"
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tSCHEDULE\tNEXT RUN (LONDON)\tLAST RUN (LONDON)\tWHAT IT DOES")
		for _, j := range status {
			last := "never"
			if j.Last != nil {
				last = string(j.Last.Outcome) + " " + j.Last.StartedAt.In(calendar.London).Format(when)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", j.Name, j.Schedule, j.Next.In(calendar.London).Format(when), last, j.Description)
		}
		return w.Flush()
	}

	if dryRun {
		return retentionDryRun(ctx, e, a)
	}
	start := time.Now()
	outcome, err := a.jobs.RunNow(ctx, args[1])
	if errors.Is(err, jobs.ErrUnknownJob) {
		return &usageError{fmt.Sprintf("there is no job called %q (see respite jobs list)", args[1])}
	}
	fmt.Fprintf(e.stdout, "%s: %s in %s\n", args[1], outcome, time.Since(start).Round(time.Millisecond))
	if err != nil {
		return err
	}
	if outcome != jobs.OK {
		return fmt.Errorf("the job did not run: %s", outcome)
	}
	return nil
}

// retentionDryRun lists what the data-retention job would do now, changing
// nothing: the carers it would anonymise, and how many texts and unmet
// searches it would blank and unlink.
func retentionDryRun(ctx context.Context, e env, a *app) error {
	r, err := a.privacy.ApplyRetention(ctx, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Dry run: nothing has been changed. Periods: inactive %s, texts %s.\n", a.privacy.Options().Inactive, a.privacy.Options().Messages)
	if len(r.Carers) > 0 {
		w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "CARER ID\tNAME\tPEOPLE")
		for _, c := range r.Carers {
			fmt.Fprintf(w, "%d\t%s\t%d\n", c.ID, c.Name, c.People)
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "data-retention %s.\n", r.Summary())
	return nil
}
