package pages

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/reports"
)

func TestNewBarChart(t *testing.T) {
	// Percentages on a 0–100 axis: the plot is 240 units tall, so 50% is
	// a bar 120 tall standing on the axis at y = 24 + 240 = 264.
	points := []chartPoint{
		{Short: "Jan", Long: "January 2026", Value: 50, Text: "50.0%"},
		{Short: "Feb", Long: "February 2026", Value: 100, Text: "100.0%"},
		{Short: "Mar", Long: "March 2026", NoData: true},
		{Short: "Apr", Long: "April 2026", Value: 12.5, Text: "12.5%"},
	}
	c := newBarChart("occ", "Occupancy by month", "Occupancy %", "January 2026 to April 2026", points, 100)

	var heights, tops []float64
	var months, years, values []string
	for _, b := range c.Bars {
		heights = append(heights, b.H)
		tops = append(tops, b.Y)
		months, years, values = append(months, b.Month), append(years, b.Year), append(values, b.Value)
	}
	if diff := cmp.Diff([]float64{120, 240, 0, 30}, heights); diff != "" {
		t.Errorf("bar heights (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{144, 24, 264, 234}, tops); diff != "" {
		t.Errorf("bar tops (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Jan", "Feb", "Mar", "Apr"}, months); diff != "" {
		t.Errorf("month labels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"2026", "", "", ""}, years); diff != "" {
		t.Errorf("year labels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"50.0%", "100.0%", "", "12.5%"}, values); diff != "" {
		t.Errorf("value labels (-want +got):\n%s", diff)
	}
	var ticks []string
	for _, tk := range c.Ticks {
		ticks = append(ticks, tk.Label)
	}
	if diff := cmp.Diff([]string{"0", "25", "50", "75", "100"}, ticks); diff != "" {
		t.Errorf("axis ticks (-want +got):\n%s", diff)
	}
	// Four bars share 576 units: slots of 144, bars 70% of a slot.
	if b := c.Bars[1]; b.X != 56+144+21.6 || b.W != 100.8 || b.LabelX != 56+144+72 {
		t.Errorf("second bar at x %v, width %v, label %v; want 221.6, 100.8, 272", b.X, b.W, b.LabelX)
	}
	want := "Occupancy by month, January 2026 to April 2026: highest 100.0% in February 2026, lowest 12.5% in April 2026."
	if c.Desc != want {
		t.Errorf("desc = %q, want %q", c.Desc, want)
	}
}

func TestNewBarChart_counts(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		ticks  []string
		desc   string
	}{
		{"none", []float64{0, 0}, []string{"0", "1", "2", "3", "4"}, "Unmet, May 2026 to June 2026: 0 in every month with a figure."},
		{"a few", []float64{3, 1}, []string{"0", "1", "2", "3", "4"}, "Unmet, May 2026 to June 2026: highest 3 in May 2026, lowest 1 in June 2026."},
		{"many", []float64{0, 37}, []string{"0", "10", "20", "30", "40"}, "Unmet, May 2026 to June 2026: highest 37 in June 2026, lowest 0 in May 2026."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			points := []chartPoint{
				{Short: "May", Long: "May 2026", Value: tt.values[0], Text: number(tt.values[0])},
				{Short: "Jun", Long: "June 2026", Value: tt.values[1], Text: number(tt.values[1])},
			}
			c := newBarChart("u", "Unmet", "Searches", "May 2026 to June 2026", points, 0)
			var ticks []string
			for _, tk := range c.Ticks {
				ticks = append(ticks, tk.Label)
			}
			if diff := cmp.Diff(tt.ticks, ticks); diff != "" {
				t.Errorf("ticks (-want +got):\n%s", diff)
			}
			if c.Desc != tt.desc {
				t.Errorf("desc = %q, want %q", c.Desc, tt.desc)
			}
			top := 4 * max(1, niceStep(max(tt.values[0], tt.values[1])/4))
			for i, b := range c.Bars {
				if want := round1(tt.values[i] / top * chartPlotHeight); b.H != want {
					t.Errorf("bar %d height = %v, want %v", i, b.H, want)
				}
			}
		})
	}
}

// TestBarChartTemplate draws a chart through the page's template: an
// image with its title and description as its name, and no inline style
// or script, which the content security policy would refuse.
func TestBarChartTemplate(t *testing.T) {
	ts, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	c := newBarChart("occ", "Occupancy by month", "Occupancy %", "May 2026", []chartPoint{{Short: "May", Long: "May 2026", Value: 40, Text: "40.0%"}}, 100)
	var buf bytes.Buffer
	if err := ts["reports"].ExecuteTemplate(&buf, "bar-chart", c); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	for _, want := range []string{
		`<svg role="img" aria-labelledby="occ-title occ-desc"`,
		`<title id="occ-title">Occupancy by month</title>`,
		`<desc id="occ-desc">Occupancy by month, May 2026: 40.0% in every month with a figure.</desc>`,
		`<g fill="#1d70b8"><rect x="142.4" y="168" width="403.2" height="96"/>`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %s:\n%s", want, svg)
		}
	}
	for _, never := range []string{"style=", "<script", "<style"} {
		if strings.Contains(svg, never) {
			t.Errorf("chart has %s:\n%s", never, svg)
		}
	}
}

// TestReportsPageSize: a year, and the longest period a report may cover
// (3 years), with something in every month (every bar drawn and labelled,
// every table row filled) stays inside the pages' 30 KB budget
// (maxPageBytes in journey_test.go).
func TestReportsPageSize(t *testing.T) {
	ts, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for _, months := range []int{12, reports.MaxPeriodDays / 365 * 12} {
		v := &reportsView{Reports: reportInfos}
		v.Title, v.ServiceName = "Commissioners' reports", "Leeds Carers Respite"
		v.Nav = navFor(accounts.Principal{Kind: accounts.SubjectStaff, ID: 1, Role: accounts.RoleAdmin}, "/reports")
		v.Words = "Saturday 1 November 2025 to Saturday 31 October 2026"
		v.Query = "from=2025-11-01&to=2026-10-31"
		for i := range 6 {
			v.Headlines = append(v.Headlines, headline{"Occupancy of block beds", "87.5%", "1,234 nights used of 12,345 contracted bed-nights" + strconv.Itoa(i)})
		}
		// As fillReports lays them out: a bar and a row a month, or a
		// quarter over 18 months.
		var all []reports.Month
		for m := range months {
			all = append(all, reports.Month(time.Date(2025, time.November+time.Month(m), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")))
		}
		v.Per = "month"
		if months > chartMonthsAtMost {
			v.Per = "quarter"
		}
		var occ, un []chartPoint
		for _, b := range chartBuckets(all) {
			occ = append(occ, chartPoint{Short: b.short, Long: b.long, Value: 88.8, Text: "88.8%"})
			un = append(un, chartPoint{Short: b.short, Long: b.long, Value: 123, Text: "123"})
			v.OccupancyRows = append(v.OccupancyRows, monthRow{Month: b.long, Cells: []string{"12,345 of 23,456", "88.8%"}})
			v.UnmetRows = append(v.UnmetRows, monthRow{Month: b.long, Cells: []string{"123", "1,234"}})
		}
		v.OccupancyTotals = []string{"123,456 of 234,567", "88.8%"}
		v.Occupancy = newBarChart("occupancy-chart", "Occupancy of block beds by month", "Occupancy %", "November 2025 to October 2026", occ, 100)
		v.Unmet = newBarChart("unmet-chart", "Searches that found nothing, by month", "Searches", "November 2025 to October 2026", un, 0)
		var buf bytes.Buffer
		if err := ts["reports"].ExecuteTemplate(&buf, "layout", v); err != nil {
			t.Fatal(err)
		}
		if n := buf.Len(); n > 30<<10 {
			t.Errorf("%d months' page is %d bytes of HTML, more than %d", months, n, 30<<10)
		} else {
			t.Logf("%d months' page is %d bytes of HTML", months, n)
		}
	}
}

// TestChartBuckets: up to 18 months are charted a month a bar; longer
// periods a calendar quarter a bar, the first and last possibly part
// quarters.
func TestChartBuckets(t *testing.T) {
	months := func(first string, n int) []reports.Month {
		start, _ := time.Parse("2006-01", first)
		var out []reports.Month
		for i := range n {
			out = append(out, reports.Month(start.AddDate(0, i, 0).Format("2006-01")))
		}
		return out
	}
	longs := func(bs []chartBucket) (out []string) {
		for _, b := range bs {
			out = append(out, b.short+"|"+b.long)
		}
		return out
	}
	if got := chartBuckets(months("2025-11", 18)); len(got) != 18 || got[17].long != "April 2027" {
		t.Errorf("18 months = %q, want one bar a month", longs(got))
	}
	got := longs(chartBuckets(months("2025-11", 20)))
	want := []string{"Nov|November to December 2025", "Jan|January to March 2026", "Apr|April to June 2026", "Jul|July to September 2026",
		"Oct|October to December 2026", "Jan|January to March 2027", "Apr|April to June 2027"}
	if !slices.Equal(got, want) {
		t.Errorf("20 months from November 2025 = %q, want %q", got, want)
	}
}
