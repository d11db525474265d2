package privacy

import (
	"testing"
	"time"

	"github.com/respite-uk/respite/calendar"
)

func TestNeutralBirthDate(t *testing.T) {
	dob := calendar.Date{Year: 2009, Month: time.August, Day: 20} // 18 on 20 August 2027
	d := func(y int, m time.Month, day int) calendar.Date { return calendar.Date{Year: y, Month: m, Day: day} }
	tests := []struct {
		name     string
		arrivals []calendar.Date
		want     calendar.Date
	}{
		{"no stays: the year", nil, d(2009, time.January, 1)},
		{"stays far from 18: the year", []calendar.Date{d(2020, time.May, 1), d(2030, time.May, 1)}, d(2009, time.January, 1)},
		{"a stay in the year they turned 18, before the month: the month", []calendar.Date{d(2027, time.March, 1)}, d(2009, time.August, 1)},
		{"a stay in the month they turned 18, before the day: the day", []calendar.Date{d(2027, time.August, 10)}, dob},
		{"a stay from their 18th birthday: an adult either way, so the year", []calendar.Date{d(2027, time.August, 20)}, d(2009, time.January, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := neutralBirthDate(dob, tt.arrivals); got != tt.want {
				t.Errorf("neutralBirthDate = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStayDates(t *testing.T) {
	if got := stayDates(calendar.Date{Year: 2027, Month: time.March, Day: 3}, calendar.Date{Year: 2027, Month: time.March, Day: 6}); got != "3 March to 6 March 2027" {
		t.Errorf("got %q", got)
	}
	if got := stayDates(calendar.Date{Year: 2026, Month: time.December, Day: 30}, calendar.Date{Year: 2027, Month: time.January, Day: 2}); got != "30 December 2026 to 2 January 2027" {
		t.Errorf("got %q", got)
	}
}
