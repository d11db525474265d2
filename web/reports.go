package web

import (
	"bytes"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/reports"
)

// reportRoutes: the commissioners' figures, one route per report so each
// is its own operation in the OpenAPI document. A name that is not a
// report is the router's 404.
func (s *Server) reportRoutes(api fiber.Router) {
	admin := s.staffOnly(accounts.RoleAdmin)
	for _, name := range reports.Names {
		api.Get("/reports/"+name, admin, s.showReport(name))
	}
}

// reportSummaries say what each report holds, for the OpenAPI document;
// the README defines every figure in a sentence.
var reportSummaries = map[string]string{
	"block-use":      "Block-bed use by contract, care home, bed type and month: contracted bed-nights, nights booked as planned and as emergency, nights held back for emergencies and how many were used, occupancy % and cost per occupied night.",
	"spot":           "Spot purchases: stays, nights, spend, and the average nightly rate against the block rate.",
	"cancellations":  "Cancellations: the share of booked nights cancelled, and how late.",
	"carers-reached": "Carers reached: distinct carers and cared-for people with at least one night, nights per carer (median, 90th percentile), allowance used %, children and adults.",
	"emergencies":    "Emergencies: carers holding an emergency plan, plans used, placements by tier, and the median time from card lookup to placement.",
	"shared-lives":   "Shared lives: host-nights offered and used, approved hosts, stale calendars and reviews overdue (host counts as of today).",
	"unmet-demand":   "Unmet demand: planned and emergency searches that found nothing, by month, postcode district, needs, requirements and length of stay; a repeat search for the same stay counts once.",
	"right-sizing":   "Right-sizing advice: for each area and bed type, the fewest block beds that would have covered the nights demanded on 90% and 95% of nights, and their cost as block against spot, with the assumptions stated.",
	"feedback":       "Feedback: replies to the day-after text received in the period, ratings (count, average and how many of each from 1 to 5) and how many came with a comment. Comments themselves are for staff only (GET /api/v1/feedback).",
}

var reportParams = []queryParam{
	{"from", "The first date of the report, YYYY-MM-DD (required).", "date", true, nil},
	{"to", "The last date of the report, YYYY-MM-DD, at most 3 years after from (required).", "date", true, nil},
	{"format", "json (the default) or csv; csv is the same as sending Accept: text/csv.", "string", false, []string{"json", "csv"}},
}

func init() {
	for _, name := range reports.Names {
		summary := reportSummaries[name]
		if summary == "" {
			summary = "The " + name + " report."
		}
		operations = append(operations, operation{
			method: "GET", path: "/api/v1/reports/" + name,
			summary: summary + " Nights count by the date they start, from and to both included. " +
				"As JSON: the header and rows as text, in the same columns as the CSV. With Accept: text/csv or format=csv: an RFC 4180 CSV file with a header row, " +
				"as an attachment named respite-" + name + "-FROM-to-TO.csv.",
			who: "admin", status: 200, response: reportJSON{}, csv: true, errors: []int{422}, query: reportParams,
		})
	}
}

// reportJSON is a report as JSON: the same header and rows as its CSV.
type reportJSON struct {
	Name   string        `json:"name"`
	From   calendar.Date `json:"from"`
	To     calendar.Date `json:"to"`
	Header []string      `json:"header"`
	Rows   [][]string    `json:"rows"`
}

// showReport answers with one report over ?from= and ?to=, as JSON or as a
// CSV attachment.
func (s *Server) showReport(name string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var f apperr.Fields
		p := reports.Period{
			From: parseDate(&f, "from", strings.Clone(c.Query("from"))),
			To:   parseDate(&f, "to", strings.Clone(c.Query("to"))),
		}
		asCSV := false
		switch format := c.Query("format"); format {
		case "csv":
			asCSV = true
		case "json":
		case "":
			asCSV = c.Accepts(fiber.MIMEApplicationJSON, "text/csv") == "text/csv"
		default:
			f.Add("format", "Choose json or csv; %q is neither.", strings.Clone(format))
		}
		if f.Has("format") {
			return f.Err()
		}
		if s.deps.Reports == nil {
			return reports.ErrUnknownReport // this server was built without reports
		}
		t, err := s.deps.Reports.Report(c.UserContext(), name, p)
		if err != nil {
			return withDateErrors(err, f)
		}
		if asCSV {
			var buf bytes.Buffer
			if err := reports.WriteCSV(&buf, t); err != nil {
				return err
			}
			c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
			c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+reportFilename(name, p)+`"`)
			c.Vary(fiber.HeaderAccept)
			return c.Send(buf.Bytes())
		}
		rows := t.Rows()
		if rows == nil {
			rows = [][]string{}
		}
		c.Vary(fiber.HeaderAccept)
		return c.JSON(reportJSON{Name: name, From: p.From, To: p.To, Header: t.Header(), Rows: rows})
	}
}

// reportFilename is the name a downloaded report is saved under:
// respite-block-use-2026-01-01-to-2026-12-31.csv.
func reportFilename(name string, p reports.Period) string {
	return "respite-" + name + "-" + p.From.String() + "-to-" + p.To.String() + ".csv"
}
