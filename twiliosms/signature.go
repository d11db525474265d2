package twiliosms

import "github.com/twilio/twilio-go/client"

// SignatureChecker checks X-Twilio-Signature on webhook requests, so that
// only Twilio can post delivery receipts and replies. It is safe for
// concurrent use.
type SignatureChecker struct {
	validator client.RequestValidator
	enabled   bool
}

// NewSignatureChecker returns a checker for signatures made with authToken.
// With an empty token nothing is ever valid: an HMAC keyed with "" is one
// anybody can compute.
func NewSignatureChecker(authToken string) *SignatureChecker {
	return &SignatureChecker{
		validator: client.NewRequestValidator(authToken),
		enabled:   authToken != "",
	}
}

// Valid reports whether signature is Twilio's signature of the request to
// fullURL with the form parameters params (first value of each key). fullURL
// must be the exact public URL Twilio called, query string included, as seen
// from outside any proxy. An empty signature is never valid.
func (c *SignatureChecker) Valid(fullURL string, params map[string]string, signature string) bool {
	if c == nil || !c.enabled || signature == "" {
		return false
	}
	return c.validator.Validate(fullURL, params, signature)
}
