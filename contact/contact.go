// Package contact checks and tidies the contact details people type: UK
// phone numbers (stored in E.164, so SMS can be sent to them), UK
// postcodes, and where homes are on the map (location.go).
package contact

import (
	"errors"
	"regexp"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// defaultRegion is assumed for numbers written without a country code.
const defaultRegion = "GB"

// Errors explain, in words a person can act on, why a value was refused.
var (
	ErrPhoneInvalid    = errors.New("Enter a UK phone number, like 0113 496 0000 or 07700 900123, or an international number starting with +.")
	ErrMobileRequired  = errors.New("Enter a mobile number, like 07700 900123, so text messages can reach it.")
	ErrPostcodeInvalid = errors.New("Enter a real UK postcode, like LS1 4AP.")
	// ErrLandline is ParseMobileForTexts' answer to a landline: staff
	// typing a care home's number reach first for its main line.
	ErrLandline = errors.New("This is a landline; texts need a mobile number, starting 07.")
)

// ParsePhone reads a phone number as people write it ("0113 496 0000",
// "+44 113 496 0000", "(0113) 4960000") and returns it in E.164 form
// ("+441134960000").
func ParsePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ErrPhoneInvalid
	}
	n, err := phonenumbers.Parse(s, defaultRegion)
	if err != nil {
		return "", ErrPhoneInvalid
	}
	e164 := phonenumbers.Format(n, phonenumbers.E164)
	if !phonenumbers.IsValidNumber(n) && !isDramaMobile(e164) {
		return "", ErrPhoneInvalid
	}
	return e164, nil
}

// isDramaMobile reports whether e164 is in the range Ofcom keeps for drama
// and testing (07700 900000 to 07700 900999). libphonenumber calls these
// invalid, but demo data and tests use them precisely because no real
// person can be texted on them.
func isDramaMobile(e164 string) bool {
	return len(e164) == 13 && strings.HasPrefix(e164, "+447700900")
}

// ParseMobile is ParsePhone for numbers that must receive SMS: landlines are
// refused.
func ParseMobile(s string) (string, error) {
	e164, err := ParsePhone(s)
	if err != nil {
		return "", err
	}
	if isDramaMobile(e164) {
		return e164, nil
	}
	n, _ := phonenumbers.Parse(e164, defaultRegion)
	switch phonenumbers.GetNumberType(n) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
		return e164, nil
	}
	return "", ErrMobileRequired
}

// ParseMobileForTexts is ParseMobile, except that a UK landline is refused
// with ErrLandline, which says what is wrong with it, rather than
// ErrMobileRequired. It is for the numbers staff type for a place, such as a
// care home's notifications mobile, where the home's main line is the
// likely mistake.
func ParseMobileForTexts(s string) (string, error) {
	e164, err := ParseMobile(s)
	if !errors.Is(err, ErrMobileRequired) {
		return e164, err
	}
	fixed, _ := ParsePhone(s) // valid: ParseMobile got past it
	n, _ := phonenumbers.Parse(fixed, defaultRegion)
	if phonenumbers.GetRegionCodeForNumber(n) == defaultRegion && phonenumbers.GetNumberType(n) == phonenumbers.FIXED_LINE {
		return "", ErrLandline
	}
	return "", err
}

// DisplayPhone writes an E.164 number for people: national form for UK
// numbers ("0113 496 0000"), international otherwise.
func DisplayPhone(e164 string) string {
	if isDramaMobile(e164) {
		return "0" + e164[3:7] + " " + e164[7:]
	}
	n, err := phonenumbers.Parse(e164, defaultRegion)
	if err != nil {
		return e164
	}
	if phonenumbers.GetRegionCodeForNumber(n) == defaultRegion {
		return phonenumbers.Format(n, phonenumbers.NATIONAL)
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}

// postcodePattern is the UK postcode format (outward code, then inward code
// of a digit and two letters), written without the space; GIR 0AA is
// Girobank's historic special case.
var postcodePattern = regexp.MustCompile(`^(GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2})$`)

// ParsePostcode checks a UK postcode's format and returns it upper-case with
// a single space before the inward code ("ls14ap" → "LS1 4AP").
func ParsePostcode(s string) (string, error) {
	compact := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if !postcodePattern.MatchString(compact) {
		return "", ErrPostcodeInvalid
	}
	return compact[:len(compact)-3] + " " + compact[len(compact)-3:], nil
}
