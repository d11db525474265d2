package reports_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/respite-uk/respite/booking/bookingtest"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/reports"
)

// addReportsHistory gives the region what its searches and bookings
// benchmarks do not need but reports read: every 25th home's contract
// bought spot, every 17th stay cancelled (from 3 weeks to a day before it
// began), and every 13th stay looked for and not found first (a tenth of
// them in an emergency), with feedback on every 9th. It works in a few
// set-based statements, as the seed's own COPY-style inserts do.
func addReportsHistory(b testing.TB, db *bun.DB) {
	b.Helper()
	ctx := context.Background()
	cancelledAt := "datetime(arrive, '-' || (id % 21) || ' days', '+10 hours')"
	if db.Dialect().Name() == dialect.PG {
		cancelledAt = "arrive - (id % 21) * INTERVAL '1 day' + INTERVAL '10 hours'"
	}
	now := bookingtest.RegionNow.UTC()
	for _, stmt := range []struct {
		sql  string
		args []any
	}{
		{sql: "UPDATE contracts SET kind = 'spot' WHERE id % 25 = 0"},
		{sql: "UPDATE bookings SET status = 'cancelled', cancelled_at = " + cancelledAt + ", cancel_reason = 'Benchmark' WHERE id % 17 = 0"},
		{sql: "DELETE FROM booking_nights WHERE booking_id % 17 = 0"},
		{sql: `INSERT INTO unmet_searches (searched_at, arrive, depart, needs, requirements, age_group, area, person_id, carer_id, kind)
SELECT ?, arrive, depart, '["dementia"]', '[]', 'adults', 'LS' || (id % 29 + 1), person_id, carer_id,
       CASE WHEN id % 10 = 0 THEN 'emergency' ELSE 'planned' END
FROM bookings WHERE id % 13 = 0`, args: []any{now}},
		{sql: `INSERT INTO stay_feedback (booking_id, carer_id, rating, comment, replies, received_at, last_reply_at)
SELECT id, carer_id, 1 + id % 5, '', 1, ?, ? FROM bookings WHERE id % 9 = 0 AND status = 'confirmed'`, args: []any{now, now}},
	} {
		if _, err := db.ExecContext(ctx, stmt.sql, stmt.args...); err != nil {
			b.Fatalf("adding report history: %v\n%s", err, stmt.sql)
		}
	}
}

// BenchmarkReports works out a year's reports at regional scale: the
// region of bookingtest.SeedRegion (2,000 beds in 200 homes, 120 hosts, a
// year of stays at about 60% occupancy), on SQLite and, when DATABASE_URL
// names a test server, PostgreSQL. Each report is its own sub-benchmark,
// "all" is the full set worked out at once (Service.Reports), "all-one-by-one"
// the same in turn, "page" what the commissioner's page asks for, and
// "all-one-month" the full set for June alone;
// docs/benchmarks.md has the figures.
//
//	go test -run '^$' -bench BenchmarkReports -benchtime 5x ./reports/
func BenchmarkReports(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchReports(b, dbtest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchReports(b, dbtest.Postgres(b)) }) // skipped without DATABASE_URL
}

func benchReports(b *testing.B, db *bun.DB) {
	start := time.Now()
	region := bookingtest.SeedRegion(b, db)
	addReportsHistory(b, db)
	b.Logf("seeded %d stays, %d nights in %s", region.Bookings, region.Nights, time.Since(start).Round(time.Second))
	svc := reports.NewService(db, calendar.Fixed(bookingtest.RegionNow))
	year := reports.Period{From: bookingtest.RegionFirstNight, To: bookingtest.RegionFirstNight.AddDays(bookingtest.RegionNights - 1)}
	ctx := context.Background()
	month := reports.Period{From: calendar.Date{Year: 2027, Month: time.June, Day: 1}, To: calendar.Date{Year: 2027, Month: time.June, Day: 30}}
	run := func(b *testing.B, p reports.Period, names ...string) {
		for b.Loop() {
			for _, name := range names {
				if _, err := svc.Report(ctx, name, p); err != nil {
					b.Fatalf("%s: %v", name, err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed())/float64(time.Millisecond)/float64(b.N), "ms/op")
	}
	for _, name := range reports.Names {
		b.Run(name, func(b *testing.B) { run(b, year, name) })
	}
	// Sets of reports are worked out at once (Service.Reports), as the
	// commissioner's page does; "one-by-one" is the same nine in turn.
	together := func(b *testing.B, p reports.Period, names ...string) {
		for b.Loop() {
			if _, err := svc.Reports(ctx, names, p); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed())/float64(time.Millisecond)/float64(b.N), "ms/op")
	}
	b.Run("all", func(b *testing.B) { together(b, year, reports.Names...) })
	b.Run("all-one-by-one", func(b *testing.B) { run(b, year, reports.Names...) })
	// The commissioner's page (web/pages/reports.go) opens on the
	// headline figures of these five.
	b.Run("page", func(b *testing.B) {
		together(b, year, "block-use", "spot", "carers-reached", "emergencies", "unmet-demand")
	})
	// A month is what the commissioner's page shows first; it reads a
	// twelfth of the stays through bookings_report_idx.
	b.Run("all-one-month", func(b *testing.B) { together(b, month, reports.Names...) })
}
