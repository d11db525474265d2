package config_test

import (
	"errors"
	"testing"

	"github.com/respite-uk/respite/config"
)

func TestLoad_PostcodeLookupURL(t *testing.T) {
	c, err := config.Load(env(nil))
	if err != nil || c.PostcodeLookupURL != "" {
		t.Errorf("unset: PostcodeLookupURL = %q, %v; want none", c.PostcodeLookupURL, err)
	}
	c, err = config.Load(env(map[string]string{"RESPITE_POSTCODE_LOOKUP_URL": " https://api.postcodes.io/ "}))
	if err != nil || c.PostcodeLookupURL != "https://api.postcodes.io" {
		t.Errorf("set: PostcodeLookupURL = %q, %v", c.PostcodeLookupURL, err)
	}
	for _, bad := range []string{"api.postcodes.io", "ftp://postcodes.example.org", "https://", "https://api.postcodes.io?key=1"} {
		_, err := config.Load(env(map[string]string{"RESPITE_POSTCODE_LOOKUP_URL": bad}))
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Variable != "RESPITE_POSTCODE_LOOKUP_URL" {
			t.Errorf("Load(%q) = %v, want an error naming RESPITE_POSTCODE_LOOKUP_URL", bad, err)
		}
	}
}
