package contact_test

import (
	"errors"
	"testing"

	"github.com/respite-uk/respite/contact"
)

func TestParsePhone(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  error
	}{
		{"0113 496 0000", "+441134960000", nil},
		{"(0113) 4960000", "+441134960000", nil},
		{"+44 113 496 0000", "+441134960000", nil},
		{"07700 900123", "+447700900123", nil},
		{"+33 1 23 45 67 89", "+33123456789", nil},
		{"", "", contact.ErrPhoneInvalid},
		{"12345", "", contact.ErrPhoneInvalid},
		{"call me", "", contact.ErrPhoneInvalid},
	}
	for _, tt := range tests {
		got, err := contact.ParsePhone(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("ParsePhone(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseMobile(t *testing.T) {
	if got, err := contact.ParseMobile("07700 900123"); err != nil || got != "+447700900123" {
		t.Errorf("ParseMobile(mobile) = %q, %v", got, err)
	}
	if _, err := contact.ParseMobile("0113 496 0000"); !errors.Is(err, contact.ErrMobileRequired) {
		t.Errorf("ParseMobile(landline) err = %v, want ErrMobileRequired", err)
	}
}

func TestParseMobileForTexts(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr error
	}{
		{"07700 900501", "+447700900501", nil},
		{"0113 496 0000", "", contact.ErrLandline},
		{"+44 113 496 0000", "", contact.ErrLandline},
		{"0800 123 4567", "", contact.ErrMobileRequired}, // freephone: not a mobile, not a landline either
		{"call the office", "", contact.ErrPhoneInvalid},
	}
	for _, tt := range tests {
		got, err := contact.ParseMobileForTexts(tt.in)
		if got != tt.want || !errors.Is(err, tt.wantErr) {
			t.Errorf("ParseMobileForTexts(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	if want := "This is a landline; texts need a mobile number, starting 07."; contact.ErrLandline.Error() != want {
		t.Errorf("ErrLandline says %q, want %q", contact.ErrLandline, want)
	}
}

func TestDisplayPhone(t *testing.T) {
	for in, want := range map[string]string{"+441134960000": "0113 496 0000", "+447700900123": "07700 900123", "+33123456789": "+33 1 23 45 67 89"} {
		if got := contact.DisplayPhone(in); got != want {
			t.Errorf("DisplayPhone(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestParsePostcode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"ls1 4ap", "LS1 4AP", true},
		{"LS14AP", "LS1 4AP", true},
		{" sw1a  1aa ", "SW1A 1AA", true},
		{"M1 1AE", "M1 1AE", true},
		{"EC1A 1BB", "EC1A 1BB", true},
		{"GIR 0AA", "GIR 0AA", true},
		{"LS1", "", false},
		{"LS1 4CI", "", false}, // C and I are never used in the inward code
		{"12345", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := contact.ParsePostcode(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParsePostcode(%q) = %q, %v; want %q (ok=%v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
