package plaintext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestProblem(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		multiLine bool
		want      string // part of the message; "" for none
	}{
		{"plain", "Pat Jones", false, ""},
		{"accents and emoji", "Zoë 😀 – “quoted”", false, ""},
		{"empty", "", false, ""},
		{"NUL", "a\x00b", false, "NUL"},
		{"NUL in a note", "a\x00b", true, "NUL"},
		{"bell", "a\x07", false, "U+0007"},
		{"escape", "\x1b[2J", true, "U+001B"},
		{"delete", "\x7f", false, "U+007F"},
		{"C1 next line", "a\u0085b", true, "U+0085"},
		{"newline on one line", "a\nb", false, "line break"},
		{"carriage return on one line", "a\rb", false, "line break"},
		{"tab on one line", "a\tb", false, "U+0009"},
		{"lines in a note", "a\r\nb\n\tc", true, ""},
		{"not UTF-8", "a\xffb", true, "UTF-8"},
		{"a lone surrogate's bytes", "\xed\xa0\x80", false, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Problem(tt.in, tt.multiLine)
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("Problem(%q, %v) = %q, want one mentioning %q", tt.in, tt.multiLine, got, tt.want)
			}
		})
	}
}

func TestMultiLine(t *testing.T) {
	for name, want := range map[string]bool{
		"staff_notes": true, "staff-notes": true, "reason": true, "place.reason": true, "ranges[0].reason": true,
		"emergency_plan": true, "emergency-plan": true, "address": true,
		"name": false, "reasons": false, "reason.name": false, "": false,
	} {
		if got := MultiLine(name); got != want {
			t.Errorf("MultiLine(%q) = %v, want %v", name, got, want)
		}
	}
}

// FuzzProblem: whatever Problem accepts is valid UTF-8 with no control
// characters but the line breaks and tabs a note may hold.
func FuzzProblem(f *testing.F) {
	for _, s := range []string{"Pat", "a\x00b", "a\nb", "\xff", "\u0085", "a\r\n\tb"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, multiLine bool) {
		if Problem(s, multiLine) != "" {
			return
		}
		if !utf8.ValidString(s) {
			t.Fatalf("accepted %q, which is not UTF-8", s)
		}
		for _, r := range s {
			if r < 0x20 && !(multiLine && (r == '\n' || r == '\r' || r == '\t')) || r >= 0x7f && r <= 0x9f {
				t.Fatalf("accepted %q with %U", s, r)
			}
		}
	})
}
