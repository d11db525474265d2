package reports

import (
	"context"
	"encoding/csv"
	"io"

	"github.com/respite-uk/respite/apperr"
)

// ErrUnknownReport is returned by Report for a name not in Names.
var ErrUnknownReport = apperr.New(apperr.NotFound, "There is no report by that name.")

// Names lists the reports by the names the API, pages and command line use,
// in the order they are shown.
var Names = []string{
	"block-use", "spot", "cancellations", "carers-reached", "emergencies",
	"shared-lives", "unmet-demand", "right-sizing", "feedback",
}

// Report works out the report called name (one of Names) over p, as a
// Table. It returns ErrUnknownReport, or an Invalid error naming from or
// to when p is not a valid period.
func (s *Service) Report(ctx context.Context, name string, p Period) (Table, error) {
	switch name {
	case "block-use":
		return s.BlockUse(ctx, p)
	case "spot":
		return s.Spot(ctx, p)
	case "cancellations":
		return s.Cancellations(ctx, p)
	case "carers-reached":
		return s.CarersReached(ctx, p)
	case "emergencies":
		return s.Emergencies(ctx, p)
	case "shared-lives":
		return s.SharedLives(ctx, p)
	case "unmet-demand":
		return s.UnmetDemand(ctx, p)
	case "right-sizing":
		return s.RightSizing(ctx, p)
	case "feedback":
		return s.Feedback(ctx, p)
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
