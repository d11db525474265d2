package pages

import (
	"bytes"
	"context"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/sync/errgroup"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/reports"
)

// The commissioner's page, for administrators: the headline figures for a
// period, charts of occupancy and of unmet demand by month (SVG drawn on
// the server, each with its data table), and every report as its own page
// and as a CSV file. The figures are the reports package's own; nothing is
// counted here, only added up by month for the charts.

// reportInfo is a report's name in words and what it shows.
type reportInfo struct {
	Name, Heading, About string
}

// reportInfos is reports.Catalogue as the pages show it.
var reportInfos = func() []reportInfo {
	out := make([]reportInfo, len(reports.Catalogue))
	for i, r := range reports.Catalogue {
		out[i] = reportInfo{Name: r.Name, Heading: r.Title, About: r.Summary}
	}
	return out
}()

func reportInfoFor(name string) (reportInfo, bool) {
	for _, r := range reportInfos {
		if r.Name == name {
			return r, true
		}
	}
	return reportInfo{}, false
}

// periodForm is the report period as typed, and the period it means once
// it has been read without errors.
type periodForm struct {
	// Action is where the period's form is sent: the page it is on.
	Action   string
	From, To dateForm
	Period   reports.Period
	// Words is the period written out; Query is it as from= and to= for
	// links ("from=2025-11-01&to=2026-10-31").
	Words string
	Query template.URL
}

// readPeriod reads the period from the query: from= and to= as
// YYYY-MM-DD (the pages' own links), else the date boxes, else the last 12
// whole months. The domain's Validate decides whether it is allowed.
func (p *Pages) readPeriod(c *fiber.Ctx) (periodForm, formErrors) {
	f := periodForm{Action: strings.Clone(c.Path())} // the form asks its own page again
	var errs formErrors
	if from, to := query(c, "from"), query(c, "to"); from != "" || to != "" {
		var e formErrors
		f.Period.From, f.From, errs = isoDate(from, "from", "first")
		f.Period.To, f.To, e = isoDate(to, "to", "last")
		errs = append(errs, e...)
	} else {
		f.From, f.To = readDate(c, "from"), readDate(c, "to")
		if f.From == (dateForm{}) && f.To == (dateForm{}) {
			f.Period = lastTwelveMonths(calendar.Today(p.deps.Clock))
			f.From, f.To = dateFormOf(f.Period.From), dateFormOf(f.Period.To)
		} else {
			var e formErrors
			if f.Period.From, e = f.From.parse("from", "from", "the first date"); len(e) > 0 {
				errs = append(errs, e...)
			}
			if f.Period.To, e = f.To.parse("to", "to", "the last date"); len(e) > 0 {
				errs = append(errs, e...)
			}
		}
	}
	if len(errs) > 0 {
		return f, errs
	}
	if err := f.Period.Validate(); err != nil {
		e, ok := errorsFrom(err, "from-day", map[string]string{"from": "from-day", "to": "to-day"})
		if !ok {
			return f, formErrors{{Href: "#from-day", Message: "Check the dates."}}
		}
		for _, fe := range e { // the whole date is wrong: mark all its boxes
			bad := &f.From
			if fe.Field == "to" {
				bad = &f.To
			}
			bad.DayBad, bad.MonthBad, bad.YearBad = true, true, true
		}
		return f, e
	}
	f.Words = f.Period.From.Long() + " to " + f.Period.To.Long()
	f.Query = template.URL(url.Values{"from": {f.Period.From.String()}, "to": {f.Period.To.String()}}.Encode()) // made by Encode, so safe in an href
	return f, nil
}

// isoDate reads a YYYY-MM-DD date from a link; "" is no date, for
// Validate to ask for.
func isoDate(s, field, which string) (calendar.Date, dateForm, formErrors) {
	if s == "" {
		return calendar.Date{}, dateForm{}, nil
	}
	d, err := calendar.Parse(s)
	if err != nil {
		return calendar.Date{}, dateForm{DayBad: true, MonthBad: true, YearBad: true},
			pageError(field, field+"-day", "The "+which+" date must be a real date, like 27 3 2027.")
	}
	return d, dateFormOf(d), nil
}

// lastTwelveMonths is the 12 whole months before the month of today.
func lastTwelveMonths(today calendar.Date) reports.Period {
	first := calendar.Date{Year: today.Year, Month: today.Month, Day: 1}
	return reports.Period{From: calendar.Date{Year: first.Year - 1, Month: first.Month, Day: 1}, To: first.AddDays(-1)}
}

type headline struct {
	Label, Value, Hint string
}

// monthRow is one month of a chart's data table.
type monthRow struct {
	Month string
	Cells []string
}

type reportsView struct {
	layout
	periodForm
	Headlines       []headline
	Occupancy       barChart
	OccupancyRows   []monthRow
	Unmet           barChart
	UnmetRows       []monthRow
	Reports         []reportInfo
	UnmetTotal      int64
	OccupancyTotals []string
	// Per is what each bar and table row covers: "month", or "quarter"
	// for periods too long to chart month by month.
	Per string
}

// showReports shows the headline figures and charts for the period the
// GET form asks for (the last 12 whole months at first).
func (p *Pages) showReports(c *fiber.Ctx) error {
	if p.deps.Reports == nil {
		return errNoSuchPage
	}
	v := &reportsView{Reports: reportInfos}
	v.Title = "Commissioners' reports"
	var errs formErrors
	v.periodForm, errs = p.readPeriod(c)
	if len(errs) > 0 {
		v.Errors = errs
		return p.render(c, fiber.StatusUnprocessableEntity, "reports", v)
	}
	if err := p.fillReports(ctx(c), v); err != nil {
		return err
	}
	return p.render(c, fiber.StatusOK, "reports", v)
}

// fillReports asks the reports service for the page's figures and lays
// out its charts.
func (p *Pages) fillReports(cx context.Context, v *reportsView) error {
	svc, period := p.deps.Reports, v.Period
	// The five read separately, each on a connection of its own, so they
	// are worked out at once (as reports.Service.Reports does), the
	// slowest first.
	var (
		block       reports.BlockUse
		spot        reports.Spot
		carers      reports.CarersReached
		emergencies reports.Emergencies
		unmet       reports.UnmetDemand
	)
	g, gcx := errgroup.WithContext(cx)
	g.Go(func() (err error) { block, err = svc.BlockUse(gcx, period); return err })
	g.Go(func() (err error) { carers, err = svc.CarersReached(gcx, period); return err })
	g.Go(func() (err error) { spot, err = svc.Spot(gcx, period); return err })
	g.Go(func() (err error) { emergencies, err = svc.Emergencies(gcx, period); return err })
	g.Go(func() (err error) { unmet, err = svc.UnmetDemand(gcx, period); return err })
	if err := g.Wait(); err != nil {
		return err
	}

	t := block.Total
	occupancy, cost := "No beds contracted", "No nights used"
	if pct := t.OccupancyPercent(); pct != "" {
		occupancy = pct + "%"
	}
	if pence, ok := t.CostPerOccupiedNightPence(); ok {
		cost = pounds(pence)
	}
	v.Headlines = []headline{
		{"Occupancy of block beds", occupancy, plural(int(t.BookedNights()), "night", "nights") + " used of " + plural(int(t.ContractedNights), "contracted bed-night", "contracted bed-nights")},
		{"Cost per occupied night", cost, "Block cost " + pounds(t.BlockCostPence) + " divided by the nights used"},
		{"Spot spend", pounds(spot.Total.SpendPence), plural(int(spot.Total.Stays), "spot stay", "spot stays") + ", " + plural(int(spot.Total.Nights), "night", "nights")},
		{"Carers reached", itoa(carers.Carers), plural(int(carers.People), "cared-for person", "cared-for people") + " had at least one night"},
		{"Emergency placements", itoa(emergencies.Placements), plural(int(emergencies.PlansHeld), "carer holds", "carers hold") + " an emergency plan"},
		{"Searches that found nothing", itoa(unmet.Total.Planned + unmet.Total.Emergency), itoa(unmet.Total.Planned) + " planned, " + itoa(unmet.Total.Emergency) + " emergency"},
	}

	months := monthsIn(period)
	buckets := chartBuckets(months)
	v.Per = "month"
	if len(months) > chartMonthsAtMost {
		v.Per = "quarter"
	}
	type use struct{ contracted, booked int64 }
	byMonth := map[reports.Month]use{}
	for _, l := range block.Lines {
		u := byMonth[l.Month]
		u.contracted += l.ContractedNights
		u.booked += l.BookedNights()
		byMonth[l.Month] = u
	}
	words := bucketsWords(buckets)
	var occ []chartPoint
	for _, b := range buckets {
		var u use
		for _, m := range b.months {
			u.contracted += byMonth[m].contracted
			u.booked += byMonth[m].booked
		}
		pt := chartPoint{Short: b.short, Long: b.long}
		row := monthRow{Month: pt.Long, Cells: []string{itoa(u.booked) + " of " + itoa(u.contracted), "No beds contracted"}}
		if u.contracted == 0 {
			pt.NoData = true
		} else {
			pt.Value = float64(u.booked) * 100 / float64(u.contracted)
			pt.Text = strconv.FormatFloat(pt.Value, 'f', 1, 64) + "%"
			row.Cells[1] = pt.Text
		}
		occ = append(occ, pt)
		v.OccupancyRows = append(v.OccupancyRows, row)
	}
	v.OccupancyTotals = []string{itoa(t.BookedNights()) + " of " + itoa(t.ContractedNights), occupancy}
	v.Occupancy = newBarChart("occupancy-chart", "Occupancy of block beds by "+v.Per, "Occupancy %", words, occ, 100)

	unmetBy := map[string]reports.UnmetLine{}
	for _, l := range unmet.Lines {
		if l.By == reports.ByMonth {
			unmetBy[l.Value] = l
		}
	}
	var un []chartPoint
	for _, b := range buckets {
		var searches, nights int64
		for _, m := range b.months {
			l := unmetBy[string(m)]
			searches += l.Planned + l.Emergency
			nights += l.Nights
		}
		un = append(un, chartPoint{Short: b.short, Long: b.long, Value: float64(searches), Text: itoa(searches)})
		v.UnmetRows = append(v.UnmetRows, monthRow{Month: b.long, Cells: []string{itoa(searches), itoa(nights)}})
	}
	v.UnmetTotal = unmet.Total.Planned + unmet.Total.Emergency
	v.Unmet = newBarChart("unmet-chart", "Searches that found nothing, by "+v.Per, "Searches", words, un, 0)
	return nil
}

// chartBucket is the months one bar of a chart, and one row of its table,
// adds up: a month, or the months of a calendar quarter in the period.
type chartBucket struct {
	months      []reports.Month
	short, long string // "Jan" and "January 2026", or "Jan" and "January to March 2026"
}

// chartMonthsAtMost is the longest period charted month by month; a
// longer one (up to the 3 years a report may cover) is charted by
// calendar quarter, which keeps its bars readable and the page inside its
// size budget.
const chartMonthsAtMost = 18

// chartBuckets groups months into the bars of a chart.
func chartBuckets(months []reports.Month) []chartBucket {
	var out []chartBucket
	for _, m := range months {
		if len(months) <= chartMonthsAtMost {
			out = append(out, chartBucket{months: []reports.Month{m}, short: monthShort(m), long: monthLong(m)})
			continue
		}
		t := monthTime(m)
		if n := len(out); n > 0 {
			last := monthTime(out[n-1].months[0])
			if last.Year() == t.Year() && (last.Month()-1)/3 == (t.Month()-1)/3 {
				b := &out[n-1]
				b.months = append(b.months, m)
				b.long = last.Format("January") + " to " + t.Format("January 2006")
				continue
			}
		}
		out = append(out, chartBucket{months: []reports.Month{m}, short: monthShort(m), long: monthLong(m)})
	}
	return out
}

// bucketsWords is the span of a chart in words: "November 2025 to
// October 2026", or one month's name.
func bucketsWords(buckets []chartBucket) string {
	if len(buckets) == 0 {
		return ""
	}
	first, last := buckets[0].months[0], buckets[len(buckets)-1].months
	if end := last[len(last)-1]; end != first {
		return monthsWords([]reports.Month{first, end})
	}
	return monthLong(first)
}

// monthsIn lists the months p touches, first to last.
func monthsIn(p reports.Period) []reports.Month {
	var out []reports.Month
	for d := (calendar.Date{Year: p.From.Year, Month: p.From.Month, Day: 1}); !d.After(p.To); {
		out = append(out, reports.Month(d.String()[:7]))
		if d.Month == time.December {
			d = calendar.Date{Year: d.Year + 1, Month: time.January, Day: 1}
		} else {
			d = calendar.Date{Year: d.Year, Month: d.Month + 1, Day: 1}
		}
	}
	return out
}

func monthTime(m reports.Month) time.Time {
	t, _ := time.Parse("2006-01", string(m))
	return t
}

func monthShort(m reports.Month) string { return monthTime(m).Format("Jan") }
func monthLong(m reports.Month) string  { return monthTime(m).Format("January 2006") }

// monthsWords is the months of a chart in words: "November 2025 to
// October 2026", or one month's name.
func monthsWords(months []reports.Month) string {
	switch len(months) {
	case 0:
		return ""
	case 1:
		return monthLong(months[0])
	}
	return monthLong(months[0]) + " to " + monthLong(months[len(months)-1])
}

type reportTableView struct {
	layout
	periodForm
	reportInfo
	Header      []string
	Rows        [][]string
	Assumptions []string
	// Comments is, on the feedback report, a page of what carers wrote,
	// newest first; OlderComments links to the next page.
	Comments      []booking.Feedback
	OlderComments string
}

// commentsPerPage keeps a page of carers' comments inside the pages' size
// budget.
const commentsPerPage = 20

// showReport shows one report as a table, for the period the GET form asks
// for, with a link to it as CSV.
func (p *Pages) showReport(c *fiber.Ctx) error {
	info, ok := reportInfoFor(param(c, "name"))
	if !ok || p.deps.Reports == nil {
		return errNoSuchPage
	}
	v := &reportTableView{reportInfo: info}
	v.Title = info.Heading
	v.BackLink = "/reports"
	var errs formErrors
	v.periodForm, errs = p.readPeriod(c)
	if len(errs) > 0 {
		v.Errors = errs
		return p.render(c, fiber.StatusUnprocessableEntity, "reports-table", v)
	}
	v.BackLink = "/reports?" + string(v.Query)
	t, err := p.deps.Reports.Report(ctx(c), info.Name, v.Period)
	if err != nil {
		return err
	}
	v.Header, v.Rows = t.Header(), t.Rows()
	if a, ok := t.(interface{ Assumptions() []string }); ok {
		v.Assumptions = a.Assumptions()
	}
	if info.Name == "feedback" && p.deps.Booking != nil {
		// The figures count ratings; the words are what a service learns
		// from, and only staff may read them.
		page := pageAfter(c)
		page.Limit = commentsPerPage
		got, err := p.deps.Booking.ListFeedback(ctx(c), signedInAs(c), booking.FeedbackFilter{
			From: v.Period.From, To: v.Period.To, WithComment: true, Page: page,
		})
		if err != nil {
			return err
		}
		v.Comments = got.Items
		if got.Next != 0 {
			v.OlderComments = "/reports/feedback?" + queryWith(c, "after", itoa(got.Next)) + "#comments"
		}
	}
	return p.render(c, fiber.StatusOK, "reports-table", v)
}

// downloadReport sends one report as an RFC 4180 CSV file: the pages'
// own route to what the API serves, on the staff member's session rather
// than a bearer token.
func (p *Pages) downloadReport(c *fiber.Ctx) error {
	info, ok := reportInfoFor(param(c, "name"))
	if !ok || p.deps.Reports == nil {
		return errNoSuchPage
	}
	f, errs := p.readPeriod(c)
	if len(errs) > 0 {
		// A link to a file has no form to show the mistake in; the
		// report's page does.
		return redirect(c, "/reports/"+info.Name+"?"+string(c.Request().URI().QueryString()))
	}
	t, err := p.deps.Reports.Report(ctx(c), info.Name, f.Period)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := reports.WriteCSV(&buf, t); err != nil {
		return err
	}
	name := "respite-" + info.Name + "-" + f.Period.From.String() + "-to-" + f.Period.To.String() + ".csv"
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Send(buf.Bytes())
}
