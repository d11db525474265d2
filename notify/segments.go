package notify

import "unicode/utf16"

// The GSM 03.38 default alphabet (3GPP TS 23.038), which every phone can show
// and which costs 7 bits a character. gsm7Basic is the basic table without
// its escape code; gsm7Extension holds the characters reached through that
// escape, so each of them costs two septets.
const (
	gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Extension = "\f^{}\\[]~|€"
)

// septets maps every GSM-7 character to the septets it takes.
var septets = func() map[rune]int {
	m := make(map[rune]int, 137)
	for _, r := range gsm7Basic {
		m[r] = 1
	}
	for _, r := range gsm7Extension {
		m[r] = 2
	}
	return m
}()

// Segment sizes. A text that does not fit in one SMS is sent as several,
// each giving up room to a header that tells the phone how to join them.
const (
	gsm7Single = 160 // septets in a lone SMS
	gsm7Multi  = 153 // septets in each part of a longer one
	ucs2Single = 70  // UTF-16 code units in a lone SMS
	ucs2Multi  = 67  // UTF-16 code units in each part of a longer one
)

// IsGSM7 reports whether body can be sent in the GSM 7-bit alphabet. One
// character outside it (a curly apostrophe, an emoji) makes the whole text
// UCS-2, which fits fewer than half as many characters in a segment.
func IsGSM7(body string) bool {
	for _, r := range body {
		if septets[r] == 0 {
			return false
		}
	}
	return true
}

// Segments returns how many SMS segments body needs, which is what the
// provider charges for; 0 for an empty body. A character is never split
// between two segments: an extension character's two septets, or the two
// UTF-16 units of a character outside the Basic Multilingual Plane, move
// whole to the next segment, as the providers send them.
func Segments(body string) int {
	if body == "" {
		return 0
	}
	if IsGSM7(body) {
		return count(body, gsm7Single, gsm7Multi, func(r rune) int { return septets[r] })
	}
	// Providers send non-GSM text as UTF-16 (UCS-2 extended with surrogate
	// pairs), so a character outside the BMP takes two units.
	return count(body, ucs2Single, ucs2Multi, utf16.RuneLen)
}

// count packs body's characters, each of size(r) units, into segments.
func count(body string, single, multi int, size func(rune) int) int {
	total := 0
	for _, r := range body {
		total += size(r)
	}
	if total <= single {
		return 1
	}
	n, used := 1, 0
	for _, r := range body {
		s := size(r)
		if used+s > multi {
			n++
			used = 0
		}
		used += s
	}
	return n
}
