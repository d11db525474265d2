package calendar_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/respite-uk/respite/calendar"
)

func d(y int, m time.Month, day int) calendar.Date { return calendar.Date{Year: y, Month: m, Day: day} }

func TestParse(t *testing.T) {
	if got, err := calendar.Parse("2028-02-29"); err != nil || got != d(2028, 2, 29) {
		t.Errorf("Parse(2028-02-29) = %v, %v", got, err)
	}
	for _, bad := range []string{"2027-02-29", "2027-13-01", "2027-1-5", "05/01/2027", "", "2027-01-01T00:00:00Z"} {
		if _, err := calendar.Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted an impossible or badly written date", bad)
		}
	}
}

// TestParse_Range: dates are years 1 to 9999, which both databases hold
// and SQLite's text sorts in order; nothing outside gets in.
func TestParse_Range(t *testing.T) {
	for s, want := range map[string]calendar.Date{"0001-01-01": calendar.First, "9999-12-31": calendar.Last} {
		if got, err := calendar.Parse(s); err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, bad := range []string{"0000-01-01", "0000-12-31", "10000-01-01", "-0001-01-01", "4714-11-24 BC", "294277-01-01", "5874898-01-01", "+2027-01-01"} {
		if got, err := calendar.Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", bad, got)
		}
		var v struct{ On calendar.Date }
		if err := json.Unmarshal([]byte(`{"On":"`+bad+`"}`), &v); err == nil {
			t.Errorf("JSON %q was read as %v", bad, v.On)
		}
	}
	for _, out := range []calendar.Date{d(0, 12, 31), calendar.Last.AddDays(1), d(-1, 1, 1)} {
		if out.InRange() {
			t.Errorf("%v is in range", out)
		}
		if v, err := out.Value(); err == nil {
			t.Errorf("%v would be stored as %v", out, v)
		}
	}
	if !calendar.First.InRange() || !calendar.Last.InRange() || !d(2027, 4, 3).InRange() {
		t.Error("First, Last or a date between them is out of range")
	}
}

func TestParseInstant(t *testing.T) {
	for _, good := range []string{"2027-04-03T22:00:00Z", "2027-04-03T23:00:00+01:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00-01:00"} {
		if _, err := calendar.ParseInstant(good); err != nil {
			t.Errorf("ParseInstant(%q): %v", good, err)
		}
	}
	for _, bad := range []string{"", "2027-04-03", "2027-04-03 22:00:00", "0000-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "10000-01-01T00:00:00Z", "2027-04-03T25:00:00Z"} {
		if got, err := calendar.ParseInstant(bad); err == nil {
			t.Errorf("ParseInstant(%q) = %v, want an error", bad, got)
		}
	}
}

// TestDaysUntil_LongSpans: spans longer than time.Duration's 292 years are
// still counted right.
func TestDaysUntil_LongSpans(t *testing.T) {
	if got := calendar.First.DaysUntil(calendar.Last); got != 3652058 {
		t.Errorf("First to Last = %d days, want 3652058", got)
	}
	if got := calendar.Last.DaysUntil(calendar.First); got != -3652058 {
		t.Errorf("Last to First = %d days, want -3652058", got)
	}
	if !calendar.First.Before(calendar.Last) || !calendar.Last.After(calendar.First) {
		t.Error("First is not before Last")
	}
}

func TestNightsAcrossClockChanges(t *testing.T) {
	tests := []struct {
		name       string
		from, to   calendar.Date
		wantNights int
	}{
		{"clocks go forward (last Sunday of March)", d(2027, 3, 27), d(2027, 3, 29), 2},
		{"clocks go back (last Sunday of October)", d(2027, 10, 30), d(2027, 11, 1), 2},
		{"leap day", d(2028, 2, 28), d(2028, 3, 1), 2},
		{"a year", d(2027, 1, 1), d(2028, 1, 1), 365},
		{"backwards", d(2027, 1, 5), d(2027, 1, 1), -4},
	}
	for _, tt := range tests {
		if got := tt.from.DaysUntil(tt.to); got != tt.wantNights {
			t.Errorf("%s: %v to %v = %d nights, want %d", tt.name, tt.from, tt.to, got, tt.wantNights)
		}
		if got := tt.from.AddDays(tt.wantNights); got != tt.to {
			t.Errorf("%s: %v + %d days = %v, want %v", tt.name, tt.from, tt.wantNights, got, tt.to)
		}
	}
}

func TestToday_IsLondonsDate(t *testing.T) {
	tests := []struct {
		utc  time.Time
		want calendar.Date
	}{
		// 23:30 UTC in British Summer Time is 00:30 the next day in London.
		{time.Date(2027, 7, 14, 23, 30, 0, 0, time.UTC), d(2027, 7, 15)},
		// In winter London is on UTC.
		{time.Date(2027, 12, 14, 23, 30, 0, 0, time.UTC), d(2027, 12, 14)},
		// The instant the clocks go forward: 01:00 UTC is 02:00 BST, same day.
		{time.Date(2027, 3, 28, 1, 0, 0, 0, time.UTC), d(2027, 3, 28)},
	}
	for _, tt := range tests {
		if got := calendar.Today(calendar.Fixed(tt.utc)); got != tt.want {
			t.Errorf("Today at %v = %v, want %v", tt.utc, got, tt.want)
		}
	}
}

func TestJSONAndScan(t *testing.T) {
	var v struct {
		On  calendar.Date `json:"on"`
		Off calendar.Date `json:"off"`
	}
	if err := json.Unmarshal([]byte(`{"on":"2027-04-03","off":null}`), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"on":"2027-04-03","off":null}` {
		t.Errorf("round trip = %s", b)
	}
	if err := json.Unmarshal([]byte(`{"on":"2027-02-30"}`), &v); err == nil {
		t.Error("an impossible date was accepted from JSON")
	}
	if err := json.Unmarshal([]byte(`{"on":20270403}`), &v); err == nil {
		t.Error("a number was accepted as a date")
	}

	for _, src := range []any{"2027-04-03", []byte("2027-04-03"), "2027-04-03 00:00:00+00:00", time.Date(2027, 4, 3, 0, 0, 0, 0, time.UTC)} {
		var got calendar.Date
		if err := got.Scan(src); err != nil || got != d(2027, 4, 3) {
			t.Errorf("Scan(%#v) = %v, %v", src, got, err)
		}
	}
	var got calendar.Date
	if err := got.Scan(nil); err != nil || !got.IsZero() {
		t.Errorf("Scan(nil) = %v, %v", got, err)
	}
	if err := got.Scan(42); err == nil {
		t.Error("Scan(42) succeeded")
	}
	if s := d(2027, 4, 3).Long(); s != "Saturday 3 April 2027" {
		t.Errorf("Long = %q", s)
	}
	if s := d(2027, 4, 3).Short(); s != "Sat 3 Apr" {
		t.Errorf("Short = %q", s)
	}
}
