package config_test

import (
	"errors"
	"testing"
	"time"

	"github.com/respite-uk/respite/config"
)

func TestLoad_NightEndsAt(t *testing.T) {
	c, err := config.Load(env(nil))
	if err != nil || c.NightEndsAt != 10*time.Hour {
		t.Errorf("default = %v, %v; want 10h", c.NightEndsAt, err)
	}
	c, err = config.Load(env(map[string]string{"RESPITE_NIGHT_ENDS_AT": "07:30"}))
	if err != nil || c.NightEndsAt != 7*time.Hour+30*time.Minute {
		t.Errorf("07:30 = %v, %v", c.NightEndsAt, err)
	}
	for _, bad := range []string{"10", "25:00", "00:30", "15:00", "ten"} {
		_, err := config.Load(env(map[string]string{"RESPITE_NIGHT_ENDS_AT": bad}))
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Variable != "RESPITE_NIGHT_ENDS_AT" {
			t.Errorf("RESPITE_NIGHT_ENDS_AT=%s: %v, want an error naming it", bad, err)
		}
	}
}
