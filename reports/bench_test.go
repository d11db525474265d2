package reports_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/booking/bookingtest"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/reports"
)

// BenchmarkReports works out a year's reports at regional scale: the
// region of bookingtest.SeedRegion (2,000 beds in 200 homes, 120 hosts, a
// year of stays at about 60% occupancy), on SQLite and, when DATABASE_URL
// names a test server, PostgreSQL. Each report is its own sub-benchmark,
// "all" is the full set one after another, which is what a commissioner's
// page asks for, and "all-one-month" the same for June alone;
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
	b.Run("all", func(b *testing.B) { run(b, year, reports.Names...) })
	// A month is what the commissioner's page shows first; it reads a
	// twelfth of the nights through booking_nights_night_idx.
	b.Run("all-one-month", func(b *testing.B) { run(b, month, reports.Names...) })
}
