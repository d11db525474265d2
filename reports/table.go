package reports

import (
	"context"
	"encoding/csv"
	"io"

	"github.com/respite-uk/respite/apperr"
)

// ErrUnknownReport is returned by Report for a name not in Names.
var ErrUnknownReport = apperr.New(apperr.NotFound, "There is no report by that name.")

// reportsByName is every report, in the order they are shown: the one
// list both Names and Report come from, so they cannot disagree.
var reportsByName = []struct {
	name string
	run  func(*Service, context.Context, Period) (Table, error)
}{
	{"block-use", func(s *Service, ctx context.Context, p Period) (Table, error) { return s.BlockUse(ctx, p) }},
	{"spot", func(s *Service, ctx context.Context, p Period) (Table, error) { return s.Spot(ctx, p) }},
	{"cancellations", func(s *Service, ctx context.Context, p Period) (Table, error) { return s.Cancellations(ctx, p) }},
	{"carers-reached", func(s *Service, ctx context.Context, p Period) (Table, error) { return s.CarersReached(ctx, p) }},
	{"emergencies", func(s *Service, ctx context.Context, p Period) (Table, error) { return s.Emergencies(ctx, p) }},
	{"shared-lives", func(s *Service, ctx context.Context, p Period) (Table, error) { return s.SharedLives(ctx, p) }},
	{"unmet-demand", func(s *Service, ctx context.Context, p Period) (Table, error) { return s.UnmetDemand(ctx, p) }},
	{"right-sizing", func(s *Service, ctx context.Context, p Period) (Table, error) { return s.RightSizing(ctx, p) }},
	{"feedback", func(s *Service, ctx context.Context, p Period) (Table, error) { return s.Feedback(ctx, p) }},
}

// Names lists the reports by the names the API, pages and command line use,
// in the order they are shown.
var Names = func() []string {
	names := make([]string, len(reportsByName))
	for i, r := range reportsByName {
		names[i] = r.name
	}
	return names
}()

// Report works out the report called name (one of Names) over p, as a
// Table. It returns ErrUnknownReport, or an Invalid error naming from or
// to when p is not a valid period.
func (s *Service) Report(ctx context.Context, name string, p Period) (Table, error) {
	for _, r := range reportsByName {
		if r.name == name {
			return r.run(s, ctx, p)
		}
	}
	return nil, ErrUnknownReport
}

// WriteCSV writes t as RFC 4180 CSV: the header row, then every row, with
// CRLF line ends.
func WriteCSV(w io.Writer, t Table) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(t.Header()); err != nil {
		return err
	}
	if err := cw.WriteAll(t.Rows()); err != nil { // WriteAll flushes
		return err
	}
	return cw.Error()
}
