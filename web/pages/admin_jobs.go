package pages

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/jobs"
)

// The scheduled jobs, for administrators: each job's schedule, its next
// run, and how its last run went (on whichever instance ran it).

// JobSchedule is what the jobs page reads: every scheduled job with its
// next run after now and its last recorded run. *jobs.Runner is one.
type JobSchedule interface {
	Status(ctx context.Context, now time.Time) ([]jobs.Status, error)
}

type jobRow struct {
	jobs.Status
	// Tag is the last outcome in words, and TagColour its GOV.UK tag
	// colour; both empty before the first recorded run.
	Tag, TagColour string
}

type jobsView struct {
	layout
	Jobs []jobRow
}

// outcomeTags are each outcome's words and tag colour.
var outcomeTags = map[jobs.Outcome][2]string{
	jobs.OK:       {"Succeeded", "green"},
	jobs.Failed:   {"Failed", "red"},
	jobs.Panicked: {"Failed", "red"},
	jobs.TimedOut: {"Timed out", "red"},
}

// showJobs lists the scheduled jobs with their last run and outcome.
func (p *Pages) showJobs(c *fiber.Ctx) error {
	v := &jobsView{}
	v.Title = "Scheduled jobs"
	if p.deps.Jobs != nil {
		status, err := p.deps.Jobs.Status(ctx(c), p.deps.Clock())
		if err != nil {
			return err
		}
		v.Jobs = make([]jobRow, len(status))
		for i, s := range status {
			v.Jobs[i] = jobRow{Status: s}
			if s.Last != nil {
				tag, ok := outcomeTags[s.Last.Outcome]
				if !ok {
					tag = [2]string{words(string(s.Last.Outcome)), "grey"}
				}
				v.Jobs[i].Tag, v.Jobs[i].TagColour = tag[0], tag[1]
			}
		}
	}
	return p.render(c, fiber.StatusOK, "admin-jobs", v)
}
