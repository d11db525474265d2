package pages_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/calendar"
	"github.com/respite-uk/respite/migrations/dbtest"
	"github.com/respite-uk/respite/reports"
	"github.com/respite-uk/respite/web"
	"github.com/respite-uk/respite/web/pages/browsertest"
)

// TestCommissionerReadsTheReports: an administrator opens the
// commissioner's page (the last 12 whole months at first), asks for the
// months around the fixture's stays, reads the headline figures and both
// charts' text alternatives, gets the dates the wrong way round, downloads
// block-bed use as CSV and reads it back, and opens every report's table.
func TestCommissionerReadsTheReports(t *testing.T) {
	db := dbtest.SQLite(t)
	s := newSite(t, db, func(d *web.Deps) { d.Reports = reports.NewService(db, nil) })
	// Margaret wants Room 2 while Tom has it: Room 1 is kept for
	// emergencies and Ann's calendar has ended, so nothing suits her, and
	// the search is recorded as unmet demand.
	tom := s.tomsStay
	options, err := s.booking.Availability(context.Background(), s.duty, booking.Search{PersonID: s.margaret.ID, Arrive: tom.Arrive, Depart: tom.Depart})
	if err != nil || len(options) != 0 {
		t.Fatalf("Margaret's search while Tom has Room 2 = %d options, %v; want none", len(options), err)
	}

	alex := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	alex.signInAdmin("admin@example.test")
	alex.wantStatus(alex.Click(`nav a[href="/reports"]`), 200)
	first := calendar.Date{Year: s.today.Year, Month: s.today.Month, Day: 1}
	alex.sees("Commissioners' reports", calendar.Date{Year: first.Year - 1, Month: first.Month, Day: 1}.Long()+" to "+first.AddDays(-1).Long(),
		"Occupancy of block beds by month", "Searches that found nothing, by month")

	// From the contract's first night (30 days ago) for 90 days: two beds,
	// 180 contracted bed-nights, of which Tom's 4 are used.
	from, to := s.today.AddDays(-30), s.today.AddDays(59)
	alex.fillDate("from", from)
	alex.fillDate("to", to)
	alex.wantStatus(alex.Submit("Show figures"), 200)
	alex.sees(from.Long()+" to "+to.Long(),
		"2.2%", "4 nights used of 180 contracted bed-nights",
		"£6412.50", // 180 × £142.50 ÷ 4
		"2 cared-for people had at least one night", // Tom and Joan
		"1 planned, 0 emergency",
	)
	for label, want := range map[string]string{
		"Occupancy of block beds": "2.2%", "Cost per occupied night": "£6412.50", "Spot spend": "£0.00",
		"Carers reached": "2", "Emergency placements": "0", "Searches that found nothing": "1",
	} {
		if got := alex.headline(label); got != want {
			t.Errorf("headline %q = %q, want %q", label, got, want)
		}
	}

	// Each month's occupancy, worked out here night by night.
	type use struct{ contracted, used int }
	var months []string
	byMonth := map[string]*use{}
	for d := from; !d.After(to); d = d.AddDays(1) {
		m := monthName(d)
		if byMonth[m] == nil {
			months = append(months, m)
			byMonth[m] = &use{}
		}
		byMonth[m].contracted += 2
		if !d.Before(tom.Arrive) && d.Before(tom.Depart) {
			byMonth[m].used++
		}
	}
	hi, lo := months[0], months[0]
	for _, m := range months {
		u := byMonth[m]
		pct := strconv.FormatFloat(float64(u.used)*100/float64(u.contracted), 'f', 1, 64) + "%"
		if row := alex.monthRow(m); !cmp.Equal(row, []string{strconv.Itoa(u.used) + " of " + strconv.Itoa(u.contracted), pct}) {
			t.Errorf("occupancy in %s = %q, want %d contracted, %d used, %s", m, row, u.contracted, u.used, pct)
		}
		rate := func(m string) float64 { return float64(byMonth[m].used) / float64(byMonth[m].contracted) }
		if rate(m) > rate(hi) {
			hi = m
		}
		if rate(m) < rate(lo) {
			lo = m
		}
	}
	pctOf := func(m string) string {
		return strconv.FormatFloat(float64(byMonth[m].used)*100/float64(byMonth[m].contracted), 'f', 1, 64) + "%"
	}
	span := months[0] + " to " + months[len(months)-1]
	alex.sees(fmt.Sprintf("Occupancy of block beds by month, %s: highest %s in %s, lowest %s in %s.", span, pctOf(hi), hi, pctOf(lo), lo))
	unmetMonth := monthName(tom.Arrive)
	lowUnmet := months[0]
	if lowUnmet == unmetMonth {
		lowUnmet = months[1]
	}
	alex.sees(fmt.Sprintf("Searches that found nothing, by month, %s: highest 1 in %s, lowest 0 in %s.", span, unmetMonth, lowUnmet))
	for _, id := range []string{"occupancy-chart", "unmet-chart"} {
		page := alex.HTML()
		if !strings.Contains(page, `<svg role="img" aria-labelledby="`+id+`-title `+id+`-desc"`) || !strings.Contains(page, `<desc id="`+id+`-desc">`) {
			t.Errorf("no %s image named by its title and description", id)
		}
	}
	alex.Screenshot(screenshotPath(t, "commissioner-reports.png"))

	// The dates the wrong way round.
	alex.fillDate("from", to)
	alex.fillDate("to", from)
	alex.wantStatus(alex.Submit("Show figures"), 422)
	alex.seesErrors("The last date must be the same as or after the first date")
	if !strings.Contains(alex.HTML(), `href="#to-day"`) {
		t.Errorf("the error summary does not link to the last date's day box")
	}
	alex.fillDate("to", to)
	alex.fillDate("from", from)
	alex.wantStatus(alex.Submit("Show figures"), 200)

	// Block-bed use as CSV, read back.
	body, name := alex.Download("#occupancy-csv")
	if want := "respite-block-use-" + from.String() + "-to-" + to.String() + ".csv"; name != want {
		t.Errorf("CSV file name = %q, want %q", name, want)
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("reading the CSV: %v\n%s", err, body)
	}
	if diff := cmp.Diff(reports.BlockUse{}.Header(), rows[0]); diff != "" {
		t.Errorf("CSV header (-want +got):\n%s", diff)
	}
	total := rows[len(rows)-1]
	if total[0] != "Total" || total[5] != "180" || total[6] != "4" || total[10] != "2.2" || total[13] != "6412.50" {
		t.Errorf("CSV total = %q; want 180 contracted bed-nights, 4 planned, 2.2%%, 6412.50", total)
	}
	if !bytes.Contains(body, []byte("\r\n")) {
		t.Errorf("CSV lines do not end CRLF")
	}

	// Every report has a page with its table.
	for _, r := range []struct{ link, sees string }{
		{"Block-bed use", "LCC-BLK-1"}, {"Spot purchases", "Average block rate"}, {"Cancellations", "Cancellations,"},
		{"Carers reached", "Nights per carer, median"}, {"Emergencies", "Carers holding an emergency plan"},
		{"Shared lives", "Shared lives,"}, {"Unmet demand", "LS8"}, {"Right-sizing advice", "What this advice assumes"},
		{"Carers' feedback", "Stays with feedback"},
	} {
		alex.wantStatus(alex.Visit("/reports?from="+from.String()+"&to="+to.String()), 200)
		alex.wantStatus(alex.FollowLink(r.link), 200)
		alex.sees(r.link, r.sees, from.Long()+" to "+to.Long(), "Download as CSV")
	}
	// A made-up link with a date that is not one: the report's form says so.
	alex.wantStatus(alex.Visit("/reports/spot?from=2026-02-30&to="+to.String()), 422)
	alex.seesErrors("The first date must be a real date")
	alex.wantStatus(alex.Visit("/reports/bed-use"), 404)
}

// TestCommissionerReportsOnAPhone: the commissioner's page, its charts and
// their tables, fits a 320-pixel screen.
func TestCommissionerReportsOnAPhone(t *testing.T) {
	db := dbtest.SQLite(t)
	s := newSite(t, db, func(d *web.Deps) { d.Reports = reports.NewService(db, nil) })
	alex := newVisitor(t, s, browsertest.MobileWidth, browsertest.MobileHeight)
	alex.signInAdmin("admin@example.test")
	alex.wantStatus(alex.Visit("/reports?from="+s.today.AddDays(-30).String()+"&to="+s.today.AddDays(59).String()), 200)
	alex.sees("2.2%", "Occupancy of block beds by month")
	alex.fitsScreen(browsertest.MobileWidth)
	// Three years, the longest a report may cover, are charted by quarter.
	alex.wantStatus(alex.Visit("/reports?from="+s.today.AddDays(-3*365).String()+"&to="+s.today.String()), 200)
	alex.sees("Occupancy of block beds by quarter", "Searches that found nothing, by quarter")
	alex.fitsScreen(browsertest.MobileWidth)
	// A report's own table is wider than a phone (block-bed use has 14
	// columns): it scrolls sideways in its own box, which takes focus, and
	// the page itself still fits.
	alex.wantStatus(alex.Visit("/reports/block-use"), 200)
	alex.fitsScreen(browsertest.MobileWidth)
}

// TestCommissionerReadsCarersComments: the feedback report counts ratings,
// and under it staff read what carers wrote, newest first; a period with
// no words says so.
func TestCommissionerReadsCarersComments(t *testing.T) {
	db := dbtest.SQLite(t)
	s := newSite(t, db, func(d *web.Deps) { d.Reports = reports.NewService(db, nil) })
	tom := s.tomsStay
	rating, at := 4, tom.Depart.StartIn(calendar.London).Add(10*time.Hour)
	fb := booking.Feedback{BookingID: tom.ID, CarerID: tom.CarerID, Rating: &rating, Comment: "Staff were lovely & Dad slept well",
		Replies: 2, ReceivedAt: at, LastReplyAt: at}
	if _, err := db.NewInsert().Model(&fb).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}

	alex := newVisitor(t, s, browsertest.DesktopWidth, browsertest.DesktopHeight)
	alex.signInAdmin("admin@example.test")
	from, to := s.today.AddDays(-30), s.today.AddDays(59)
	alex.wantStatus(alex.Visit("/reports/feedback?from="+from.String()+"&to="+to.String()), 200)
	alex.sees("What carers said", tom.Reference, "4 out of 5", "Staff were lovely & Dad slept well", dateTimeText(at))
	alex.doesNotSee("Older comments")

	// Before the stay, nobody had written anything.
	early := s.today.AddDays(-300)
	alex.wantStatus(alex.Visit("/reports/feedback?from="+early.String()+"&to="+early.AddDays(30).String()), 200)
	alex.sees("No replies with words in them from " + early.Long() + " to " + early.AddDays(30).Long() + ".")
	alex.doesNotSee("Staff were lovely")
}

// dateTimeText is how the pages write an instant: "10:00am on 5 March 2027".
func dateTimeText(t time.Time) string {
	l := t.In(calendar.London)
	return strings.ToLower(l.Format("3:04PM")) + " on " + calendar.Of(l).Long()
}

var headlineRow = regexp.MustCompile(`(?s)<dt class="govuk-summary-list__key">(.*?)</dt>\s*<dd class="govuk-summary-list__value"><span[^>]*>(.*?)</span>`)

// headline is the figure the summary list shows for label.
func (v *visitor) headline(label string) string {
	v.t.Helper()
	for _, m := range headlineRow.FindAllStringSubmatch(v.HTML(), -1) {
		if html.UnescapeString(m[1]) == label {
			return html.UnescapeString(m[2])
		}
	}
	v.t.Fatalf("no headline %q on %s", label, v.URL())
	return ""
}

var monthRowCells = regexp.MustCompile(`(?s)<tr class="govuk-table__row">\s*<th scope="row"[^>]*>(.*?)</th>(.*?)</tr>`)

// monthRow is the cells after the row header of the first table row
// headed month: the occupancy table's, which comes first.
func (v *visitor) monthRow(month string) []string {
	v.t.Helper()
	for _, r := range monthRowCells.FindAllStringSubmatch(v.HTML(), -1) {
		if strings.TrimSpace(r[1]) != month {
			continue
		}
		var cells []string
		for _, c := range tableCell.FindAllStringSubmatch(r[2], -1) {
			cells = append(cells, strings.TrimSpace(html.UnescapeString(tag.ReplaceAllString(c[1], ""))))
		}
		return cells
	}
	v.t.Fatalf("no table row on %s is headed %q", v.URL(), month)
	return nil
}
