package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/respite-uk/respite/config"
)

func TestLoad_RetentionPeriods(t *testing.T) {
	c, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.RetainInactive != (config.Period{Years: 6}) || c.RetainMessages != (config.Period{Days: 90}) {
		t.Errorf("defaults: inactive %v, messages %v; want 6 years and 90 days", c.RetainInactive, c.RetainMessages)
	}
	good := []struct {
		inactive, messages string
		want               [2]config.Period
	}{
		{"7y", "30d", [2]config.Period{{Years: 7}, {Days: 30}}},
		{"18 months", "2 weeks", [2]config.Period{{Months: 18}, {Days: 14}}},
		{"1 Year", "1 day", [2]config.Period{{Years: 1}, {Days: 1}}},
		{"10years", "6mo", [2]config.Period{{Years: 10}, {Months: 6}}},
	}
	for _, tt := range good {
		c, err := config.Load(env(map[string]string{"RESPITE_RETAIN_INACTIVE": tt.inactive, "RESPITE_RETAIN_MESSAGES": tt.messages}))
		if err != nil {
			t.Errorf("%q, %q: %v", tt.inactive, tt.messages, err)
			continue
		}
		if got := [2]config.Period{c.RetainInactive, c.RetainMessages}; got != tt.want {
			t.Errorf("%q, %q = %v, want %v", tt.inactive, tt.messages, got, tt.want)
		}
	}
	bad := []struct{ variable, value string }{
		{"RESPITE_RETAIN_INACTIVE", "forever"},
		{"RESPITE_RETAIN_INACTIVE", "6"},
		{"RESPITE_RETAIN_INACTIVE", "2160h"},
		{"RESPITE_RETAIN_INACTIVE", "11 months"}, // under a year
		{"RESPITE_RETAIN_INACTIVE", "-6y"},
		{"RESPITE_RETAIN_MESSAGES", "0d"},
		{"RESPITE_RETAIN_MESSAGES", "11y"},
		{"RESPITE_RETAIN_MESSAGES", "90 dayz"},
	}
	for _, tt := range bad {
		_, err := config.Load(env(map[string]string{tt.variable: tt.value}))
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Variable != tt.variable || !strings.Contains(ce.Problem, "like \"6 years\" or \"90 days\"") {
			t.Errorf("%s=%q: %v, want a clear error naming %s", tt.variable, tt.value, err, tt.variable)
		}
	}
}
