package twiliosms_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"maps"
	"testing"

	"github.com/respite-uk/respite/twiliosms"
)

func TestSignatureChecker_Valid(t *testing.T) {
	// Twilio's documented example, also used by the official twilio-php and
	// twilio-csharp tests.
	const (
		token = "12345"
		url   = "https://mycompany.com/myapp.php?foo=1&bar=2"
		sig   = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
	)
	params := map[string]string{
		"CallSid": "CA1234567890ABCDE",
		"Caller":  "+14158675309",
		"Digits":  "1234",
		"From":    "+14158675309",
		"To":      "+18005551212",
	}
	changed := maps.Clone(params)
	changed["Digits"] = "1235"
	extra := maps.Clone(params)
	extra["Body"] = "STOP"

	tests := []struct {
		name   string
		token  string
		url    string
		params map[string]string
		sig    string
		want   bool
	}{
		{"documented example", token, url, params, sig, true},
		{"with the default port", token, "https://mycompany.com:443/myapp.php?foo=1&bar=2", params, sig, true},
		{"changed parameter", token, url, changed, sig, false},
		{"added parameter", token, url, extra, sig, false},
		{"other URL", token, "https://mycompany.com/myapp.php?foo=1&bar=3", params, sig, false},
		{"wrong signature", token, url, params, "RSOYDt4T1cUTdK1PDd93/VVr8B8X", false},
		{"other token", "54321", url, params, sig, false},
		{"empty signature", token, url, params, "", false},
		{"empty token", "", url, params, sig, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := twiliosms.NewSignatureChecker(tt.token)
			if got := c.Valid(tt.url, tt.params, tt.sig); got != tt.want {
				t.Errorf("Valid = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSignatureChecker_emptyToken(t *testing.T) {
	// With an empty key anyone can compute the HMAC; it must still fail.
	const hook = "https://example.org/hook"
	mac := hmac.New(sha1.New, nil)
	mac.Write([]byte(hook))
	emptyKeySig := base64.StdEncoding.EncodeToString(mac.Sum(nil))

	if twiliosms.NewSignatureChecker("").Valid(hook, nil, emptyKeySig) {
		t.Error("Valid = true with an empty auth token")
	}
	var nilChecker *twiliosms.SignatureChecker
	if nilChecker.Valid(hook, nil, emptyKeySig) {
		t.Error("Valid = true on a nil checker")
	}
}
