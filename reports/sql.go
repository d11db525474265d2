package reports

import (
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// Reports count a stay's nights from its own dates (arrive up to, not
// including, depart): its night rows hold the same nights, since ending a
// stay early or moving it changes both together, and reading one row a
// stay instead of one a night is what keeps a year's reports under a
// second (docs/benchmarks.md). bookings_report_idx covers the columns
// these queries read, so SQLite never opens the bookings rows themselves.
//
// The helpers below write the few expressions that differ between
// PostgreSQL and SQLite. SQLite holds dates as ISO text, which compares in
// date order, so MIN and MAX of dates work on both.

// sqlDialect writes dialect-specific SQL.
type sqlDialect struct{ pg bool }

func dialectOf(db bun.IDB) sqlDialect { return sqlDialect{pg: db.Dialect().Name() == dialect.PG} }

// greatest is the largest of its arguments (all dates or all numbers).
func (d sqlDialect) greatest(xs ...string) string {
	if d.pg {
		return "GREATEST(" + strings.Join(xs, ", ") + ")"
	}
	return "MAX(" + strings.Join(xs, ", ") + ")"
}

// least is the smallest of its arguments.
func (d sqlDialect) least(xs ...string) string {
	if d.pg {
		return "LEAST(" + strings.Join(xs, ", ") + ")"
	}
	return "MIN(" + strings.Join(xs, ", ") + ")"
}

// daysFrom is the whole days from the date first to the date after, which
// may be negative.
func (d sqlDialect) daysFrom(first, after string) string {
	if d.pg {
		return "(" + after + " - " + first + ")"
	}
	return "CAST(julianday(" + after + ") - julianday(" + first + ") AS INTEGER)"
}

// nightsWithin is the nights of a stay from the date arrive up to depart
// that fall from the date first up to after: never negative.
func (d sqlDialect) nightsWithin(arrive, depart, first, after string) string {
	return d.greatest("0", d.daysFrom(d.greatest(arrive, first), d.least(depart, after)))
}

// spansWith is a common table expression "spans (label, first, after)",
// one row for each of spans: the dates from first up to (not including)
// after, labelled. Its arguments follow it.
func (d sqlDialect) spansWith(spans []monthSpan) (string, []any) {
	row := "(?, ?, ?)"
	if d.pg {
		row = "(CAST(? AS TEXT), CAST(? AS DATE), CAST(? AS DATE))"
	}
	var b strings.Builder
	args := make([]any, 0, 3*len(spans))
	b.WriteString("spans (label, first, after) AS (VALUES ")
	for i, s := range spans {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
		args = append(args, string(s.Month), s.From, s.To.AddDays(1))
	}
	b.WriteString(")")
	return b.String(), args
}

// wholePeriod is p as a single span, labelled "".
func wholePeriod(p Period) []monthSpan { return []monthSpan{{From: p.From, To: p.To}} }

// param is a placeholder for a date argument.
func (d sqlDialect) param() string {
	if d.pg {
		return "CAST(? AS DATE)"
	}
	return "?"
}

// indexedBy tells SQLite which index to read a table through, where its
// planner, without statistics, would pick bookings_report_idx for covering
// the query over an index that finds a few places' stays directly.
// PostgreSQL keeps its statistics and needs no such hint.
func (d sqlDialect) indexedBy(index string) string {
	if d.pg {
		return ""
	}
	return " INDEXED BY " + index
}
