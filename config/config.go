// Package config reads Respite's configuration from the environment, once, into
// one struct, and checks it before anything starts. A bad value stops the
// service with one line naming the variable and what is wrong with it.
package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/respite-uk/respite/contact"
)

// Config is the whole configuration.
type Config struct {
	Addr        string // RESPITE_ADDR: listen address
	DatabaseURL string // DATABASE_URL: postgres://… or a SQLite file
	RedisURL    string // REDIS_URL: empty means in-process holds and job lock
	PublicURL   string // RESPITE_PUBLIC_URL: the base URL people and Twilio use

	ServiceName  string // RESPITE_SERVICE_NAME: what texts call the service
	ServicePhone string // RESPITE_SERVICE_PHONE: the number texts give for help
	// SharedLivesPhone (RESPITE_SHARED_LIVES_PHONE) is the shared-lives
	// team's number, shown to hosts and to carers whose stay is with a
	// host; unset, it is ServicePhone.
	SharedLivesPhone string

	SMSProvider               string // SMS_PROVIDER: "log" or "twilio"
	TwilioAccountSID          string
	TwilioAuthToken           string
	TwilioFrom                string
	TwilioMessagingServiceSID string

	HoldTTL      time.Duration // RESPITE_HOLD_TTL: how long a place is held while a booking is confirmed
	LeadDays     int           // RESPITE_BOOKING_LEAD_DAYS: a planned stay starts this many days ahead at the soonest
	MaxNights    int           // RESPITE_BOOKING_MAX_NIGHTS: the longest planned stay
	CancelCutoff time.Duration // RESPITE_CANCEL_CUTOFF: how long before arrival carers may cancel online
	// NightEndsAt (RESPITE_NIGHT_ENDS_AT, "HH:MM" London time, default
	// 10:00) is when the night under way ends: before it, an emergency
	// placement may start on the previous date. Kept as the time since
	// midnight.
	NightEndsAt time.Duration
	// ReleaseEmergencyDays (RESPITE_RELEASE_EMERGENCY_BEDS_DAYS): an
	// emergency bed still free this many days before a night may be booked
	// ahead for it; 0 (the default) never.
	ReleaseEmergencyDays int

	CodeKey        string         // RESPITE_CODE_KEY: secret for sign-in code hashes; unset: one stored in the database
	SessionTTL     time.Duration  // RESPITE_SESSION_TTL: how long a sign-in lasts
	LogLevel       slog.Level     // RESPITE_LOG_LEVEL: debug, info, warn, error
	TrustedProxies []netip.Prefix // RESPITE_TRUSTED_PROXIES: whose X-Forwarded-For to believe

	// StaffIdleTimeout (RESPITE_STAFF_IDLE_TIMEOUT) ends a staff sign-in
	// not used for this long; carers' and hosts' last SessionTTL.
	StaffIdleTimeout time.Duration

	// PostcodeLookupURL (RESPITE_POSTCODE_LOOKUP_URL) is a postcodes.io
	// API, such as https://api.postcodes.io or the council's own copy, that
	// fills in and checks where homes are; unset, positions are typed in.
	PostcodeLookupURL string

	// RetainInactive (RESPITE_RETAIN_INACTIVE, default 6 years): carers
	// and their people with no stay and no contact for this long are
	// anonymised by the daily data-retention job.
	RetainInactive Period
	// RetainMessages (RESPITE_RETAIN_MESSAGES, default 90 days): texts'
	// bodies are blanked this long after they were queued.
	RetainMessages Period
}

// Period is a length of time in the calendar's terms, as retention
// periods are written: "6 years", "18 months", "90 days", "2w".
type Period struct {
	Years, Months, Days int
}

// String writes the period as it was meant: "6 years", "90 days".
func (p Period) String() string {
	var parts []string
	for _, u := range []struct {
		n    int
		unit string
	}{{p.Years, "year"}, {p.Months, "month"}, {p.Days, "day"}} {
		switch {
		case u.n == 1:
			parts = append(parts, "1 "+u.unit)
		case u.n != 0:
			parts = append(parts, strconv.Itoa(u.n)+" "+u.unit+"s")
		}
	}
	if len(parts) == 0 {
		return "0 days"
	}
	return strings.Join(parts, " ")
}

// roughDays is the period's length near enough to check it against limits.
func (p Period) roughDays() int { return p.Years*365 + p.Months*30 + p.Days }

// Defaults, as documented in the README.
const (
	DefaultAddr        = ":8080"
	DefaultDatabaseURL = "file:respite.db"
	DefaultPublicURL   = "http://localhost:8080"
	DefaultSMSProvider = "log"
	DefaultSessionTTL  = 12 * time.Hour
	DefaultServiceName = "Respite short breaks"
	// DefaultServicePhone is from Ofcom's drama range: fine for the log
	// sender, and never reaching a real person. Real SMS need a real number.
	DefaultServicePhone = "0113 496 0999"
	// DefaultNightEndsAt matches booking.DefaultNightEndsAt.
	DefaultNightEndsAt = "10:00"
	// DefaultStaffIdleTimeout matches accounts.DefaultStaffIdleTimeout.
	DefaultStaffIdleTimeout = 30 * time.Minute
	// DefaultRetainInactive and DefaultRetainMessages match the privacy
	// package's defaults.
	DefaultRetainInactive = "6 years"
	DefaultRetainMessages = "90 days"
)

// Error is a bad configuration value.
type Error struct {
	Variable string
	Problem  string
}

func (e *Error) Error() string { return fmt.Sprintf("configuration: %s %s", e.Variable, e.Problem) }

// Load reads the configuration with getenv (os.Getenv in production) and
// returns the first problem found as an *Error.
func Load(getenv func(string) string) (Config, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		Addr:                      get("RESPITE_ADDR", DefaultAddr),
		DatabaseURL:               get("DATABASE_URL", DefaultDatabaseURL),
		RedisURL:                  get("REDIS_URL", ""),
		PublicURL:                 strings.TrimRight(get("RESPITE_PUBLIC_URL", DefaultPublicURL), "/"),
		ServiceName:               get("RESPITE_SERVICE_NAME", DefaultServiceName),
		ServicePhone:              get("RESPITE_SERVICE_PHONE", ""),
		SharedLivesPhone:          get("RESPITE_SHARED_LIVES_PHONE", ""),
		SMSProvider:               get("SMS_PROVIDER", DefaultSMSProvider),
		TwilioAccountSID:          get("TWILIO_ACCOUNT_SID", ""),
		TwilioAuthToken:           get("TWILIO_AUTH_TOKEN", ""),
		TwilioFrom:                get("TWILIO_FROM", ""),
		TwilioMessagingServiceSID: get("TWILIO_MESSAGING_SERVICE_SID", ""),
		CodeKey:                   get("RESPITE_CODE_KEY", ""),
		PostcodeLookupURL:         strings.TrimRight(get("RESPITE_POSTCODE_LOOKUP_URL", ""), "/"),
	}
	checks := []func() error{
		func() error { return checkAddr(c.Addr) },
		func() error { return checkDatabaseURL(c.DatabaseURL) },
		func() error { return checkRedisURL(c.RedisURL) },
		func() error { return checkPublicURL(c.PublicURL) },
		c.checkSMS,
		func() error {
			if c.SharedLivesPhone == "" {
				c.SharedLivesPhone = c.ServicePhone
				return nil
			}
			phone, err := contact.ParsePhone(c.SharedLivesPhone)
			if err != nil {
				return &Error{"RESPITE_SHARED_LIVES_PHONE", fmt.Sprintf("%q is not a phone number", c.SharedLivesPhone)}
			}
			c.SharedLivesPhone = contact.DisplayPhone(phone)
			return nil
		},
		func() error {
			if c.CodeKey != "" && len(c.CodeKey) < 32 {
				return &Error{"RESPITE_CODE_KEY", "must be at least 32 characters (try: openssl rand -base64 32), or unset"}
			}
			return nil
		},
		func() (err error) {
			c.SessionTTL, err = parseDuration("RESPITE_SESSION_TTL", get("RESPITE_SESSION_TTL", DefaultSessionTTL.String()), 5*time.Minute, 30*24*time.Hour)
			return err
		},
		func() (err error) {
			c.StaffIdleTimeout, err = parseDuration("RESPITE_STAFF_IDLE_TIMEOUT", get("RESPITE_STAFF_IDLE_TIMEOUT", DefaultStaffIdleTimeout.String()), 5*time.Minute, 24*time.Hour)
			return err
		},
		func() (err error) {
			c.HoldTTL, err = parseDuration("RESPITE_HOLD_TTL", get("RESPITE_HOLD_TTL", "10m"), time.Minute, time.Hour)
			return err
		},
		func() (err error) {
			c.CancelCutoff, err = parseDuration("RESPITE_CANCEL_CUTOFF", get("RESPITE_CANCEL_CUTOFF", "48h"), time.Minute, 30*24*time.Hour)
			return err
		},
		func() (err error) {
			c.LeadDays, err = parseInt("RESPITE_BOOKING_LEAD_DAYS", get("RESPITE_BOOKING_LEAD_DAYS", "1"), 1, 60)
			return err
		},
		func() (err error) {
			c.NightEndsAt, err = parseClockTime("RESPITE_NIGHT_ENDS_AT", get("RESPITE_NIGHT_ENDS_AT", DefaultNightEndsAt), time.Hour, 14*time.Hour)
			return err
		},
		func() (err error) {
			c.ReleaseEmergencyDays, err = parseInt("RESPITE_RELEASE_EMERGENCY_BEDS_DAYS", get("RESPITE_RELEASE_EMERGENCY_BEDS_DAYS", "0"), 0, 30)
			return err
		},
		func() (err error) {
			c.MaxNights, err = parseInt("RESPITE_BOOKING_MAX_NIGHTS", get("RESPITE_BOOKING_MAX_NIGHTS", "14"), 1, 90)
			return err
		},
		func() error {
			if err := c.LogLevel.UnmarshalText([]byte(get("RESPITE_LOG_LEVEL", "info"))); err != nil {
				return &Error{"RESPITE_LOG_LEVEL", "must be one of debug, info, warn, error"}
			}
			return nil
		},
		func() (err error) {
			c.TrustedProxies, err = parseProxies(get("RESPITE_TRUSTED_PROXIES", ""))
			return err
		},
		func() error { return checkPostcodeLookupURL(c.PostcodeLookupURL) },
		func() (err error) {
			// Shorter than a year would anonymise carers between one
			// year's break and the next.
			c.RetainInactive, err = parsePeriod("RESPITE_RETAIN_INACTIVE", get("RESPITE_RETAIN_INACTIVE", DefaultRetainInactive), Period{Years: 1}, Period{Years: 100})
			return err
		},
		func() (err error) {
			c.RetainMessages, err = parsePeriod("RESPITE_RETAIN_MESSAGES", get("RESPITE_RETAIN_MESSAGES", DefaultRetainMessages), Period{Days: 1}, Period{Years: 10})
			return err
		},
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return Config{}, err
		}
	}
	return c, nil
}

func checkAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return &Error{"RESPITE_ADDR", fmt.Sprintf("%q must be host:port or :port, like :8080", addr)}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return &Error{"RESPITE_ADDR", fmt.Sprintf("%q has no valid port (0 to 65535)", addr)}
	}
	if host != "" && net.ParseIP(host) == nil && strings.ContainsAny(host, " /") {
		return &Error{"RESPITE_ADDR", fmt.Sprintf("%q has no valid host", addr)}
	}
	return nil
}

func checkDatabaseURL(dsn string) error {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil || u.Host == "" {
			return &Error{"DATABASE_URL", "must be a URL like postgres://user:password@host:5432/respite"}
		}
		return nil
	}
	if strings.Contains(dsn, "://") {
		return &Error{"DATABASE_URL", "must start postgres:// for PostgreSQL, or name a SQLite file like file:respite.db"}
	}
	return nil
}

func checkRedisURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return &Error{"REDIS_URL", "must be a URL like redis://host:6379/0 (or rediss:// for TLS), or unset"}
	}
	return nil
}

func checkPublicURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return &Error{"RESPITE_PUBLIC_URL", fmt.Sprintf("%q must be an http or https URL like https://respite.example.org", raw)}
	}
	return nil
}

func checkPostcodeLookupURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return &Error{"RESPITE_POSTCODE_LOOKUP_URL", fmt.Sprintf("%q must be an http or https URL like https://api.postcodes.io, or unset", raw)}
	}
	return nil
}

func (c *Config) checkSMS() error {
	if c.ServicePhone != "" {
		phone, err := contact.ParsePhone(c.ServicePhone)
		if err != nil {
			return &Error{"RESPITE_SERVICE_PHONE", fmt.Sprintf("%q is not a phone number", c.ServicePhone)}
		}
		c.ServicePhone = contact.DisplayPhone(phone)
	}
	switch c.SMSProvider {
	case "log":
		if c.ServicePhone == "" {
			c.ServicePhone = DefaultServicePhone
		}
		return nil
	case "twilio":
		if c.TwilioAccountSID == "" {
			return &Error{"TWILIO_ACCOUNT_SID", "must be set when SMS_PROVIDER=twilio"}
		}
		if c.TwilioAuthToken == "" {
			return &Error{"TWILIO_AUTH_TOKEN", "must be set when SMS_PROVIDER=twilio"}
		}
		if c.TwilioFrom == "" && c.TwilioMessagingServiceSID == "" {
			return &Error{"TWILIO_FROM", "or TWILIO_MESSAGING_SERVICE_SID must be set when SMS_PROVIDER=twilio"}
		}
		if c.ServicePhone == "" {
			return &Error{"RESPITE_SERVICE_PHONE", "must be set when SMS_PROVIDER=twilio: texts tell people which number to call"}
		}
		return nil
	default:
		return &Error{"SMS_PROVIDER", fmt.Sprintf("%q must be log or twilio", c.SMSProvider)}
	}
}

var periodPattern = regexp.MustCompile(`^(\d{1,4})\s*(y|years?|mo|months?|w|weeks?|d|days?)$`)

// parsePeriod reads a whole number of years, months, weeks or days
// ("6 years", "6y", "18 months", "90d"), from lo to hi.
func parsePeriod(name, raw string, lo, hi Period) (Period, error) {
	bad := &Error{name, fmt.Sprintf("%q must be a number of years, months, weeks or days from %s to %s, like \"6 years\" or \"90 days\"", raw, lo, hi)}
	m := periodPattern.FindStringSubmatch(strings.ToLower(strings.TrimSpace(raw)))
	if m == nil {
		return Period{}, bad
	}
	n, _ := strconv.Atoi(m[1])
	var p Period
	switch {
	case m[2] == "mo" || strings.HasPrefix(m[2], "month"):
		p.Months = n
	case strings.HasPrefix(m[2], "y"):
		p.Years = n
	case strings.HasPrefix(m[2], "w"):
		p.Days = 7 * n
	default:
		p.Days = n
	}
	if p.roughDays() < lo.roughDays() || p.roughDays() > hi.roughDays() {
		return Period{}, bad
	}
	return p, nil
}

func parseDuration(name, raw string, lo, hi time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(raw)
	if err != nil || d < lo || d > hi {
		return 0, &Error{name, fmt.Sprintf("%q must be a duration between %s and %s, like 12h", raw, lo, hi)}
	}
	return d, nil
}

// parseClockTime reads a time of day written HH:MM (24-hour) as the time
// since midnight, from lo to hi.
func parseClockTime(name, raw string, lo, hi time.Duration) (time.Duration, error) {
	t, err := time.Parse("15:04", raw)
	d := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	if err != nil || d < lo || d > hi {
		return 0, &Error{name, fmt.Sprintf("%q must be a time of day from %s to %s, like 10:00", raw, clockWords(lo), clockWords(hi))}
	}
	return d, nil
}

func clockWords(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

func parseInt(name, raw string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, &Error{name, fmt.Sprintf("%q must be a whole number from %d to %d", raw, lo, hi)}
	}
	return n, nil
}

func parseProxies(raw string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			if a, err := netip.ParseAddr(part); err == nil {
				out = append(out, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, &Error{"RESPITE_TRUSTED_PROXIES", fmt.Sprintf("%q must be a comma-separated list of IP addresses or CIDR ranges", part)}
		}
		out = append(out, p)
	}
	return out, nil
}

// UsesPostgres reports whether the database is PostgreSQL.
func (c Config) UsesPostgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// LogValue writes the configuration for the start-up log line, with
// passwords and tokens masked.
func (c Config) LogValue() slog.Value {
	proxies := make([]string, len(c.TrustedProxies))
	for i, p := range c.TrustedProxies {
		proxies[i] = p.String()
	}
	return slog.GroupValue(
		slog.String("addr", c.Addr),
		slog.String("database_url", maskURL(c.DatabaseURL)),
		slog.String("redis_url", maskURL(c.RedisURL)),
		slog.String("public_url", c.PublicURL),
		slog.String("service_name", c.ServiceName),
		slog.String("service_phone", c.ServicePhone),
		slog.String("shared_lives_phone", c.SharedLivesPhone),
		slog.String("sms_provider", c.SMSProvider),
		slog.String("twilio_account_sid", c.TwilioAccountSID),
		slog.String("twilio_auth_token", mask(c.TwilioAuthToken)),
		slog.String("twilio_from", c.TwilioFrom),
		slog.String("twilio_messaging_service_sid", c.TwilioMessagingServiceSID),
		slog.String("code_key", mask(c.CodeKey)),
		slog.Duration("session_ttl", c.SessionTTL),
		slog.Duration("staff_idle_timeout", c.StaffIdleTimeout),
		slog.Duration("hold_ttl", c.HoldTTL),
		slog.Int("booking_lead_days", c.LeadDays),
		slog.Int("booking_max_nights", c.MaxNights),
		slog.Duration("cancel_cutoff", c.CancelCutoff),
		slog.Int("release_emergency_beds_days", c.ReleaseEmergencyDays),
		slog.String("night_ends_at", clockWords(c.NightEndsAt)),
		slog.String("log_level", c.LogLevel.String()),
		slog.String("trusted_proxies", strings.Join(proxies, ",")),
		slog.String("postcode_lookup_url", maskURL(c.PostcodeLookupURL)),
		slog.String("retain_inactive", c.RetainInactive.String()),
		slog.String("retain_messages", c.RetainMessages.String()),
	)
}

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "********"
}

// maskURL hides the password in a URL; SQLite file names pass unchanged.
func maskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "********")
	}
	return u.String()
}
