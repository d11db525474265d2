package pages

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Bar charts for the commissioner's page, drawn on the server as SVG by a
// template (reports.html's "bar-chart" block) from the geometry worked out
// here. No script and no inline style: colours are SVG presentation
// attributes from the GOV.UK palette, and the chart's <title> and <desc>
// are its text alternative, with the data table beside it.

// The chart's frame, in SVG user units (the viewBox): the plot sits inside
// the margins, with the value axis on the left and the months below.
const (
	chartWidth        = 640
	chartHeight       = 320
	chartMarginLeft   = 56
	chartMarginRight  = 8
	chartMarginTop    = 24
	chartMarginBottom = 56
	chartPlotHeight   = chartHeight - chartMarginTop - chartMarginBottom
	chartPlotWidth    = chartWidth - chartMarginLeft - chartMarginRight
	// chartTicks is how many steps the value axis is divided into.
	chartTicks = 4
	// chartMaxLabels is the most month labels written under the bars; a
	// longer period labels every second or third month.
	chartMaxLabels = 12
)

// chartPoint is one bar's data: the month (short and long), its value, and
// the value as written. NoData is a month with no figure (no beds were
// contracted), which has no bar and is left out of the summary.
type chartPoint struct {
	Short, Long string
	Value       float64
	Text        string
	NoData      bool
}

// barChart is everything the template draws.
type barChart struct {
	ID             string // prefix of the ids of its title and description
	Title, Desc    string
	Width, Height  int
	AxisX0, AxisX1 float64 // the ends of the month axis
	AxisY          float64 // where the month axis is drawn (the value 0)
	AxisLabel      string  // what the values are, written up the value axis
	Ticks          []chartTick
	Bars           []chartBar
}

type chartTick struct {
	Y     float64
	Label string
}

type chartBar struct {
	X, Y, W, H float64
	// LabelX is the middle of the bar, where its month and value go.
	LabelX float64
	// Month and Year label the bar below the axis ("" to leave it out);
	// Value is written above the bar when there is room.
	Month, Year, Value string
	ValueY             float64
	NoData             bool
}

// newBarChart lays out points as bars. title names the series ("Occupancy
// by month"), axis the values ("Occupancy %"), and top is the value at the
// top of the axis: 0 picks a round number at or above the largest value.
// period ("November 2025 to October 2026") goes into the description.
func newBarChart(id, title, axis, period string, points []chartPoint, top float64) barChart {
	c := barChart{ID: id, Title: title, Width: chartWidth, Height: chartHeight, AxisLabel: axis,
		AxisX0: chartMarginLeft, AxisX1: chartWidth - chartMarginRight, AxisY: chartMarginTop + chartPlotHeight}
	if top <= 0 {
		largest := 0.0
		for _, p := range points {
			largest = math.Max(largest, p.Value)
		}
		step := math.Max(1, niceStep(largest/chartTicks))
		top = step * chartTicks
	}
	for i := 0; i <= chartTicks; i++ {
		v := top * float64(i) / chartTicks
		c.Ticks = append(c.Ticks, chartTick{Y: round1(c.AxisY - v/top*chartPlotHeight), Label: number(v)})
	}
	if len(points) == 0 {
		c.Desc = title + ", " + period + ": no months to show."
		return c
	}
	slot := float64(chartPlotWidth) / float64(len(points))
	every := (len(points) + chartMaxLabels - 1) / chartMaxLabels
	for i, p := range points {
		h := round1(math.Min(p.Value, top) / top * chartPlotHeight)
		if p.NoData || h < 0 {
			h = 0
		}
		x := chartMarginLeft + slot*float64(i)
		b := chartBar{X: round1(x + slot*0.15), W: round1(slot * 0.7), H: h, Y: round1(c.AxisY - h),
			LabelX: round1(x + slot/2), NoData: p.NoData, ValueY: round1(c.AxisY - h - 6)}
		if i%every == 0 {
			b.Month = p.Short
			if i == 0 || strings.HasPrefix(p.Long, "January") {
				b.Year = p.Long[strings.LastIndex(p.Long, " ")+1:]
			}
		}
		if len(points) <= chartMaxLabels && !p.NoData {
			b.Value = p.Text
		}
		c.Bars = append(c.Bars, b)
	}
	c.Desc = describe(title, period, points)
	return c
}

// describe is the chart's text alternative: the series, the period, and
// its highest and lowest months (the first of them, when months tie).
func describe(title, period string, points []chartPoint) string {
	hi, lo := -1, -1
	for i, p := range points {
		if p.NoData {
			continue
		}
		if hi < 0 || p.Value > points[hi].Value {
			hi = i
		}
		if lo < 0 || p.Value < points[lo].Value {
			lo = i
		}
	}
	switch {
	case hi < 0:
		return fmt.Sprintf("%s, %s: no figures for any month.", title, period)
	case points[hi].Value == points[lo].Value:
		return fmt.Sprintf("%s, %s: %s in every month with a figure.", title, period, points[hi].Text)
	}
	return fmt.Sprintf("%s, %s: highest %s in %s, lowest %s in %s.", title, period,
		points[hi].Text, points[hi].Long, points[lo].Text, points[lo].Long)
}

// niceStep is the smallest of 1, 2 or 5 times a power of ten at or above x.
func niceStep(x float64) float64 {
	if x <= 0 {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= x {
			return m * mag
		}
	}
	return 10 * mag
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// number writes v with at most one decimal ("25", "12.5").
func number(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0")
}
