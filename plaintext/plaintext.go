// Package plaintext is the one rule for text that comes in from outside,
// through the API or the pages: it must be UTF-8 with no control
// characters, except line breaks and tabs in the fields that take several
// lines. PostgreSQL cannot store a NUL character or bytes that are not
// UTF-8 (bun will not even write a NUL into SQL), and the other control
// characters have no place in a name or a note: they hide text, garble a
// screen or break an SMS. The web layer checks every string against this
// rule once, as a request comes in, so no handler or domain package needs
// to think about it.
package plaintext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// multiLine names the fields that take several lines: the ones the pages
// show as a textarea. Names are compared with "-" read as "_", so a form's
// "staff-notes" is the API's "staff_notes".
var multiLine = map[string]bool{
	"address":        true,
	"emergency_plan": true,
	"staff_notes":    true,
	"reason":         true,
	"cancel_reason":  true,
}

// MultiLine reports whether the field called name takes several lines.
// name may be a path ("ranges[0].reason"): its last part decides.
func MultiLine(name string) bool {
	if i := strings.LastIndexAny(name, ".]"); i >= 0 {
		name = name[i+1:]
	}
	return multiLine[strings.ReplaceAll(name, "-", "_")]
}

// Problem says what in s cannot be taken as the text of a field, in words
// that follow the field as their subject ("This holds a NUL character
// (U+0000), which cannot be stored."), or returns "" when s is fine. A
// multi-line field may hold line breaks (LF, or CRLF as browsers send them)
// and tabs.
func Problem(s string, multiLine bool) string {
	if !utf8.ValidString(s) {
		return "holds bytes that are not text (it is not valid UTF-8)"
	}
	for _, r := range s {
		if !unicode.IsControl(r) {
			continue
		}
		switch {
		case multiLine && (r == '\n' || r == '\r' || r == '\t'):
			continue
		case r == '\n' || r == '\r':
			return "holds a line break, but must be on one line"
		case r == 0:
			return "holds a NUL character (U+0000), which cannot be stored"
		}
		return fmt.Sprintf("holds a control character (%U), which cannot be stored", r)
	}
	return ""
}
