package booking_test

import (
	"testing"

	"github.com/respite-uk/respite/booking"
)

func TestPerson_IsChild(t *testing.T) {
	tests := []struct {
		born, on string
		child    bool
	}{
		{"2009-06-15", "2027-06-14", true},
		{"2009-06-15", "2027-06-15", false},
		// Born on 29 February 2008: 18 on 1 March 2026 (no 29 February that year).
		{"2008-02-29", "2026-02-28", true},
		{"2008-02-29", "2026-03-01", false},
		// Born on 29 February 2012: 2030 has none either.
		{"2012-02-29", "2030-02-28", true},
	}
	for _, tt := range tests {
		p := booking.Person{DateOfBirth: d(tt.born)}
		if got := p.IsChild(d(tt.on)); got != tt.child {
			t.Errorf("born %s, on %s: child = %v, want %v", tt.born, tt.on, got, tt.child)
		}
	}
}
