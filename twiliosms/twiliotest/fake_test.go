package twiliotest_test

import (
	"testing"

	"github.com/respite-uk/respite/twiliosms"
	"github.com/respite-uk/respite/twiliosms/twiliotest"
)

func TestSign_TwiliosDocumentedExample(t *testing.T) {
	params := map[string]string{"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234", "From": "+14158675309", "To": "+18005551212"}
	const url = "https://mycompany.com/myapp.php?foo=1&bar=2"
	got := twiliotest.Sign("12345", url, params)
	if got != "RSOYDt4T1cUTdK1PDd93/VVr8B8=" {
		t.Errorf("Sign = %q, want Twilio's RSOYDt4T1cUTdK1PDd93/VVr8B8=", got)
	}
	if !twiliosms.NewSignatureChecker("12345").Valid(url, params, got) {
		t.Error("the checker refuses the fake's signature")
	}
}
