package config_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/respite-uk/respite/config"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoad_Defaults(t *testing.T) {
	c, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DatabaseURL != "file:respite.db" || c.RedisURL != "" || c.SMSProvider != "log" ||
		c.PublicURL != "http://localhost:8080" || c.SessionTTL != 12*time.Hour || c.UsesPostgres() ||
		c.HoldTTL != 10*time.Minute || c.LeadDays != 1 || c.MaxNights != 14 || c.CancelCutoff != 48*time.Hour {
		t.Errorf("defaults = %+v", c)
	}
}

func TestLoad_Bad(t *testing.T) {
	tests := []struct {
		env      map[string]string
		variable string
	}{
		{map[string]string{"RESPITE_ADDR": "8080"}, "RESPITE_ADDR"},
		{map[string]string{"RESPITE_ADDR": ":http-ish"}, "RESPITE_ADDR"},
		{map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		{map[string]string{"DATABASE_URL": "postgres://"}, "DATABASE_URL"},
		{map[string]string{"REDIS_URL": "localhost:6379"}, "REDIS_URL"},
		{map[string]string{"RESPITE_PUBLIC_URL": "respite.example.org"}, "RESPITE_PUBLIC_URL"},
		{map[string]string{"SMS_PROVIDER": "carrier-pigeon"}, "SMS_PROVIDER"},
		{map[string]string{"SMS_PROVIDER": "twilio"}, "TWILIO_ACCOUNT_SID"},
		{map[string]string{"SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}, "TWILIO_FROM"},
		{map[string]string{"SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM": "+447700900001"}, "RESPITE_SERVICE_PHONE"},
		{map[string]string{"RESPITE_SERVICE_PHONE": "call us"}, "RESPITE_SERVICE_PHONE"},
		{map[string]string{"RESPITE_SESSION_TTL": "forever"}, "RESPITE_SESSION_TTL"},
		{map[string]string{"RESPITE_SESSION_TTL": "1s"}, "RESPITE_SESSION_TTL"},
		{map[string]string{"RESPITE_LOG_LEVEL": "loud"}, "RESPITE_LOG_LEVEL"},
		{map[string]string{"RESPITE_HOLD_TTL": "2d"}, "RESPITE_HOLD_TTL"},
		{map[string]string{"RESPITE_CODE_KEY": "short"}, "RESPITE_CODE_KEY"},
		{map[string]string{"RESPITE_BOOKING_MAX_NIGHTS": "0"}, "RESPITE_BOOKING_MAX_NIGHTS"},
		{map[string]string{"RESPITE_BOOKING_LEAD_DAYS": "soon"}, "RESPITE_BOOKING_LEAD_DAYS"},
		{map[string]string{"RESPITE_CANCEL_CUTOFF": "-1h"}, "RESPITE_CANCEL_CUTOFF"},
		{map[string]string{"RESPITE_TRUSTED_PROXIES": "10.0.0.0/8,nope"}, "RESPITE_TRUSTED_PROXIES"},
	}
	for _, tt := range tests {
		_, err := config.Load(env(tt.env))
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Variable != tt.variable {
			t.Errorf("Load(%v) = %v, want an error naming %s", tt.env, err, tt.variable)
			continue
		}
		if strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "configuration: "+tt.variable) {
			t.Errorf("error %q is not one line starting with the variable", err)
		}
	}
}

func TestConfig_LogValueMasksSecrets(t *testing.T) {
	c, err := config.Load(env(map[string]string{
		"DATABASE_URL":       "postgres://respite:db-secret@db:5432/respite",
		"REDIS_URL":          "redis://:redis-secret@cache:6379/0",
		"SMS_PROVIDER":       "twilio",
		"TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": "twilio-secret", "TWILIO_FROM": "+447700900001",
		"RESPITE_SERVICE_PHONE":   "+44 113 496 0123",
		"RESPITE_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", c)
	out := buf.String()
	for _, secret := range []string{"db-secret", "redis-secret", "twilio-secret", "code-secret"} {
		if strings.Contains(out, secret) {
			t.Errorf("log line shows %q: %s", secret, out)
		}
	}
	for _, shown := range []string{"db:5432", "AC123", "10.0.0.1/32,192.168.0.0/16", "0113 496 0123"} {
		if !strings.Contains(out, shown) {
			t.Errorf("log line lacks %q: %s", shown, out)
		}
	}
}
