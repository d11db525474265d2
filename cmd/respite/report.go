package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/reports"
)

const reportUsage = "report NAME --from YYYY-MM-DD --to YYYY-MM-DD [--csv]"

// reportCmd prints one of the commissioners' reports: the same figures as
// GET /api/v1/reports/NAME, as an aligned table or as CSV. With no name it
// lists the reports.
func reportCmd(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintf(e.stdout, "Reports (respite %s):\n", reportUsage)
		for _, name := range reports.Names {
			fmt.Fprintf(e.stdout, "  %s\n", name)
		}
		return nil
	}
	name, args := args[0], args[1:]
	fs := newFlags(e, "report", reportUsage)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: respite %s\n\nPrints a report over the dates from and to, both included (nights count by the date they start).\nReports: %s\n\n",
			reportUsage, strings.Join(reports.Names, ", "))
		fs.PrintDefaults()
	}
	from := fs.String("from", "", "the first date, YYYY-MM-DD (required)")
	to := fs.String("to", "", "the last date, YYYY-MM-DD (required)")
	asCSV := fs.Bool("csv", false, "print RFC 4180 CSV with a header row instead of a table")
	if name == "-h" || name == "--help" || name == "help" {
		fs.Usage()
		return nil
	}
	if strings.HasPrefix(name, "-") {
		return &usageError{"say which report first: respite " + reportUsage + " (respite report lists them)"}
	}
	if !slices.Contains(reports.Names, name) {
		return &usageError{fmt.Sprintf("there is no report called %q; the reports are %s", name, strings.Join(reports.Names, ", "))}
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var p reports.Period
	var bad []string
	for _, d := range []struct {
		flag, raw string
		into      *calendar.Date
	}{{"from", *from, &p.From}, {"to", *to, &p.To}} {
		if d.raw == "" {
			continue // Validate says it is missing
		}
		v, err := calendar.Parse(d.raw)
		if err != nil {
			bad = append(bad, fmt.Sprintf("--%s: %q is not a date as YYYY-MM-DD", d.flag, d.raw))
		}
		*d.into = v
	}
	if len(bad) > 0 {
		return &usageError{strings.Join(bad, "; ")}
	}
	if err := p.Validate(); err != nil {
		return describe(err)
	}

	a, err := open(e)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.prepareSchema(ctx, false); err != nil {
		return err
	}
	t, err := a.reports.Report(ctx, name, p)
	if errors.Is(err, reports.ErrUnknownReport) {
		return &usageError{fmt.Sprintf("there is no report called %q", name)}
	}
	if err != nil {
		return describe(err)
	}
	if *asCSV {
		return reports.WriteCSV(e.stdout, t)
	}
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, strings.Join(t.Header(), "\t"))
	for _, row := range t.Rows() {
		fmt.Fprintln(w, strings.Join(row, "\t"))
	}
	return w.Flush()
}
