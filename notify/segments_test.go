package notify_test

import (
	"strings"
	"testing"

	"github.com/respite-uk/respite/notify"
)

func TestSegments(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name string
		body string
		want int
	}{
		{"empty", "", 0},
		{"one character", "a", 1},

		// GSM-7: 160 septets alone, 153 a segment once concatenated.
		{"160 GSM fits one", a(160), 1},
		{"161 GSM needs two", a(161), 2},
		{"306 GSM fits two", a(306), 2},
		{"307 GSM needs three", a(307), 3},
		{"459 GSM fits three", a(459), 3},
		{"pound sign is GSM", strings.Repeat("£", 160), 1},
		{"newlines are GSM", strings.Repeat("\n", 160), 1},

		// Extension characters cost two septets.
		{"158 plus euro is 160 septets", a(158) + "€", 1},
		{"159 plus euro is 161 septets", a(159) + "€", 2},
		{"80 braces are 160 septets", strings.Repeat("{", 80), 1},
		{"81 braces are 162 septets", strings.Repeat("{", 81), 2},
		{"every extension character", strings.Repeat("^{}\\[]~|€\f", 8), 1}, // 160 septets
		{"every extension character and one more", strings.Repeat("^{}\\[]~|€\f", 8) + "a", 2},
		// 306 septets, but the euro's escape and code may not be split, so
		// the first segment carries 152 and the rest spill into a third.
		{"extension character not split across segments", a(152) + "€" + a(152), 3},
		{"extension character at a segment start", a(153) + "€" + a(151), 2},

		// One non-GSM character makes the whole text UCS-2: 70 alone, 67 a segment.
		{"70 UCS-2 fits one", strings.Repeat("’", 70), 1},
		{"71 UCS-2 needs two", strings.Repeat("’", 71), 2},
		{"GSM text with one curly apostrophe", a(69) + "’", 1},
		{"GSM text with one curly apostrophe over 70", a(70) + "’", 2},
		{"134 UCS-2 fits two", a(133) + "’", 2},
		{"135 UCS-2 needs three", a(134) + "’", 3},
		{"accented letter outside GSM", "Siobh\u00e1n" + a(64), 2}, // á is not GSM; 71 units

		// Characters outside the BMP take two UTF-16 units and are not split.
		{"35 emoji fit one", strings.Repeat("😀", 35), 1},
		{"36 emoji need two", strings.Repeat("😀", 36), 2},
		{"emoji not split across segments", a(66) + "😀" + a(66), 3},
		{"emoji at a segment start", a(67) + "😀" + a(65), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := notify.Segments(tt.body); got != tt.want {
				t.Errorf("Segments(%d runes %.20q…) = %d, want %d", len([]rune(tt.body)), tt.body, got, tt.want)
			}
		})
	}
}

func TestIsGSM7(t *testing.T) {
	tests := []struct {
		name string
		body string
		want bool
	}{
		{"empty", "", true},
		{"plain English", "Reference K7M-4QX. Call 0113 496 0000.", true},
		{"every basic character", "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
			"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà", true},
		{"every extension character", "^{}\\[]~|€\f", true},
		{"pound sign", "£10", true},
		{"straight apostrophe", "St Mary's", true},
		// Templates must use straight apostrophes: this one costs a UCS-2 text.
		{"curly apostrophe", "St Mary’s", false},
		{"curly quotes", "“Rose”", false},
		{"en dash", "3–5 Apr", false},
		{"em dash", "Oakwood — annexe", false},
		{"non-breaking space", "0113\u00a0496", false},
		{"backtick", "`", false},
		{"acute a", "Siobh\u00e1n", false},
		{"Welsh circumflex", "T\u0177 Gwyn", false},
		{"emoji", "😀", false},
		{"tab", "\t", false},
		{"invalid UTF-8", "\xff", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := notify.IsGSM7(tt.body); got != tt.want {
				t.Errorf("IsGSM7(%q) = %v, want %v", tt.body, got, tt.want)
			}
		})
	}
}
