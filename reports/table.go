package reports

import (
	"context"
	"encoding/csv"
	"io"
	"runtime"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/respite-uk/respite/apperr"
)

// ErrUnknownReport is returned by Report for a name not in Names.
var ErrUnknownReport = apperr.New(apperr.NotFound, "There is no report by that name.")

// reportsByName is every report, in the order they are shown: the one
// list Names, Catalogue and Report come from, so they cannot disagree.
var reportsByName = []struct {
	About
	run func(*Service, context.Context, Period) (Table, error)
}{
	{About{"block-use", "Block-bed use", "Contracted bed-nights, nights used, occupancy and cost per occupied night, by month, contract and bed type."},
		func(s *Service, ctx context.Context, p Period) (Table, error) { return s.BlockUse(ctx, p) }},
	{About{"spot", "Spot purchases", "Spot stays, nights and spend by month, and the average spot rate against the block rate."},
		func(s *Service, ctx context.Context, p Period) (Table, error) { return s.Spot(ctx, p) }},
	{About{"cancellations", "Cancellations", "The share of booked nights cancelled, and how late."},
		func(s *Service, ctx context.Context, p Period) (Table, error) { return s.Cancellations(ctx, p) }},
	{About{"carers-reached", "Carers reached", "Carers and cared-for people with at least one night, nights per carer and allowance used."},
		func(s *Service, ctx context.Context, p Period) (Table, error) { return s.CarersReached(ctx, p) }},
	{About{"emergencies", "Emergencies", "Emergency plans held and used, placements by tier, and time from card lookup to placement."},
		func(s *Service, ctx context.Context, p Period) (Table, error) { return s.Emergencies(ctx, p) }},
	{About{"shared-lives", "Shared lives", "Host-nights offered and used, approved hosts, stale calendars and overdue reviews."},
		func(s *Service, ctx context.Context, p Period) (Table, error) { return s.SharedLives(ctx, p) }},
	{About{"unmet-demand", "Unmet demand", "Searches that found nothing, by month, postcode district, needs, requirements and length of stay."},
		func(s *Service, ctx context.Context, p Period) (Table, error) { return s.UnmetDemand(ctx, p) }},
	{About{"right-sizing", "Right-sizing advice", "The fewest block beds that would have covered demand on 90% and 95% of nights, and what they would cost."},
		func(s *Service, ctx context.Context, p Period) (Table, error) { return s.RightSizing(ctx, p) }},
	{About{"feedback", "Carers' feedback", "Replies to the day-after text: stays rated, the ratings, and comments, which staff read under the figures."},
		func(s *Service, ctx context.Context, p Period) (Table, error) { return s.Feedback(ctx, p) }},
}

// About names and describes a report, for lists of them.
type About struct {
	// Name is what the API, pages and command line call it.
	Name string
	// Title is its heading, and Summary one sentence on what it counts.
	Title, Summary string
}

// Catalogue lists every report, in the order they are shown.
var Catalogue = func() []About {
	out := make([]About, len(reportsByName))
	for i, r := range reportsByName {
		out[i] = r.About
	}
	return out
}()

// Names lists the reports by the names the API, pages and command line use,
// in the order they are shown.
var Names = func() []string {
	names := make([]string, len(reportsByName))
	for i, r := range reportsByName {
		names[i] = r.Name
	}
	return names
}()

// Report works out the report called name (one of Names) over p, as a
// Table. It returns ErrUnknownReport, or an Invalid error naming from or
// to when p is not a valid period.
func (s *Service) Report(ctx context.Context, name string, p Period) (Table, error) {
	for _, r := range reportsByName {
		if r.Name == name {
			return r.run(s, ctx, p)
		}
	}
	return nil, ErrUnknownReport
}

// Reports works out the reports called names (each one of Names) over p at
// the same time, and returns their tables in the order of names. Reports
// only read, each on a connection of its own, so a set of them (the
// commissioner's page, or every report) takes about as long as its slowest
// few rather than the sum of all: on two cores, about half. At most one
// report a core runs at once, leaving the pool's other connections to the
// service's other requests. It returns the first error any report met.
func (s *Service) Reports(ctx context.Context, names []string, p Period) ([]Table, error) {
	out := make([]Table, len(names))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(2, runtime.GOMAXPROCS(0)))
	// The slowest start first, so that the rest fit beside them rather
	// than leave them running alone at the end.
	order := make([]int, len(names))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return slowness(names[b]) - slowness(names[a]) })
	for _, i := range order {
		name := names[i]
		g.Go(func() error {
			t, err := s.Report(ctx, name, p)
			out[i] = t
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// slowness ranks the reports that take longest for a long period
// (docs/benchmarks.md): right-sizing and block use read and sort every stay
// on a bed, and carers reached every stay; the rest read far less.
func slowness(name string) int {
	switch name {
	case "right-sizing":
		return 3
	case "block-use":
		return 2
	case "carers-reached":
		return 1
	}
	return 0
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
