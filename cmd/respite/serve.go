package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/audit"
	"github.com/respite-uk/respite/booking"
	"github.com/respite-uk/respite/config"
	"github.com/respite-uk/respite/contact"
	"github.com/respite-uk/respite/jobs"
	"github.com/respite-uk/respite/logging"
	"github.com/respite-uk/respite/migrations"
	"github.com/respite-uk/respite/notify"
	"github.com/respite-uk/respite/postcodes"
	"github.com/respite-uk/respite/privacy"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/redisstore"
	"github.com/respite-uk/respite/reports"
	"github.com/respite-uk/respite/sharedlives"
	"github.com/respite-uk/respite/twiliosms"
	"github.com/respite-uk/respite/web"
	"github.com/respite-uk/respite/web/pages"
)

// bcryptCost is the password hashing cost; zero means the accounts
// package's default. Only tests change it, to the minimum, so that running
// the whole command many times stays quick.
var bcryptCost int

// shutdownGrace is how long in-flight requests get to finish after SIGTERM.
const shutdownGrace = 25 * time.Second

// app is everything a command may need, opened from the configuration.
type app struct {
	cfg       config.Config
	log       *slog.Logger
	db        *bun.DB
	rdb       *redis.Client // nil without REDIS_URL
	metrics   *prometheus.Registry
	accounts  *accounts.Service
	providers *providers.Service
	notify    *notify.Service
	booking   *booking.Service
	hosts     *sharedlives.Service
	reports   *reports.Service
	privacy   *privacy.Service
	jobs      *jobs.Runner
	// retained counts what the data-retention job anonymised and blanked.
	retained *prometheus.CounterVec
}

// open reads the configuration and opens the database (and Redis, if
// configured). Call close when done.
func open(e env) (*app, error) {
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return nil, err
	}
	log := logging.New(e.stderr, cfg.LogLevel)
	db, err := migrations.Open(cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: log, db: db}
	if cfg.RedisURL != "" {
		// redisstore.Options adds the dial, read, write and pool timeouts
		// and honours each call's deadline, so a frozen Redis means a quick
		// 503, not a hung request.
		opts, err := redisstore.Options(cfg.RedisURL)
		if err != nil {
			_ = db.Close()
			return nil, &config.Error{Variable: "REDIS_URL", Problem: "is not a valid Redis URL: " + err.Error()}
		}
		// go-redis logs (failed dials, pool trouble) to the process's
		// stderr in its own format; send them through our JSON log instead.
		redis.SetLogger(redisLogger{log})
		a.rdb = redis.NewClient(opts)
	}
	a.metrics = prometheus.NewRegistry()
	a.metrics.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.DB, "respite"),
	)
	a.accounts = accounts.NewService(db, accounts.Options{SessionTTL: cfg.SessionTTL, StaffIdleTimeout: cfg.StaffIdleTimeout, Issuer: cfg.ServiceName, BcryptCost: bcryptCost})
	// Without a lookup, positions are typed in; a nil interface, not a nil
	// *postcodes.Client, says so.
	var locator contact.Locator
	if cfg.PostcodeLookupURL != "" {
		c, err := postcodes.New(cfg.PostcodeLookupURL, postcodes.Options{Logger: log})
		if err != nil {
			a.close()
			return nil, &config.Error{Variable: "RESPITE_POSTCODE_LOOKUP_URL", Problem: err.Error()}
		}
		locator = c
	}
	a.providers = providers.NewServiceWith(db, providers.Options{Locator: locator})
	sender, err := a.smsSender()
	if err != nil {
		a.close()
		return nil, err
	}
	a.notify = notify.NewService(db, sender, notify.Options{Logger: log, ServiceName: cfg.ServiceName, ServicePhone: cfg.ServicePhone})
	var holds booking.HoldStore = booking.NewLocalHoldStore()
	if a.rdb != nil {
		holds = redisstore.NewHoldStore(a.rdb, "respite:hold:")
	}
	a.booking = booking.NewService(db, a.providers, a.notify, holds, booking.Options{
		Logger: log, HoldTTL: cfg.HoldTTL, LeadDays: cfg.LeadDays, MaxNights: cfg.MaxNights, CancelCutoff: cfg.CancelCutoff,
		ReleaseEmergencyDays: cfg.ReleaseEmergencyDays, NightEndsAt: cfg.NightEndsAt,
		// Carers prove a new mobile number with a code, as they sign in.
		Codes:   a.accounts,
		Locator: locator,
	})
	a.hosts = sharedlives.NewService(db, a.notify, sharedlives.Options{Logger: log, Locator: locator})
	a.reports = reports.NewService(db, nil)
	a.privacy = privacy.NewServiceWith(db, nil, privacy.Options{
		Inactive: privacy.Period(cfg.RetainInactive), Messages: privacy.Period(cfg.RetainMessages),
	})
	// Texts people send us, in turn: a host's YES to the monthly nudge
	// confirms their calendar; otherwise a reply to the day-after text is
	// feedback on the stay (a rating of 1 to 5, or words for staff).
	a.notify.SetInboundHook(func(ctx context.Context, from, body string) (string, bool, error) {
		if reply, handled, err := a.hosts.HandleReply(ctx, from, body); err != nil || handled {
			return reply, handled, err
		}
		return a.booking.HandleFeedbackReply(ctx, from, body)
	})
	a.accounts.SetCodeSignIn(
		// Carers and shared-lives hosts sign in with the mobile on their record.
		func(ctx context.Context, phone string) (accounts.SubjectKind, int64, bool, error) {
			c, found, err := a.booking.CarerByMobile(ctx, phone)
			if err != nil || found {
				return accounts.SubjectCarer, c.ID, found, err
			}
			h, found, err := a.hosts.HostByMobile(ctx, phone)
			if err != nil || !found || h.Status == sharedlives.StatusLeft {
				return "", 0, false, err
			}
			return accounts.SubjectHost, h.ID, true, nil
		},
		func(ctx context.Context, db bun.IDB, phone, code, dedupeKey string) error {
			return a.notify.Enqueue(ctx, db, notify.Outgoing{DedupeKey: dedupeKey, To: phone, Template: notify.TemplateSignInCode, Data: notify.Data{Code: code}})
		},
	)
	if err := a.scheduleJobs(); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

// useCodeKey sets the secret sign-in codes are hashed with: RESPITE_CODE_KEY,
// or else one the database keeps for every instance. It needs the schema.
func (a *app) useCodeKey(ctx context.Context) error {
	if a.cfg.CodeKey != "" {
		if err := a.accounts.SetCodeKey([]byte(a.cfg.CodeKey)); err != nil {
			return &config.Error{Variable: "RESPITE_CODE_KEY", Problem: err.Error()}
		}
		return nil
	}
	return a.accounts.UseStoredCodeKey(ctx)
}

// smsSender is the log sender, or Twilio when SMS_PROVIDER=twilio.
func (a *app) smsSender() (notify.Sender, error) {
	if a.cfg.SMSProvider != "twilio" {
		return notify.NewLogSender(a.log), nil
	}
	s, err := twiliosms.New(twiliosms.Config{
		AccountSID: a.cfg.TwilioAccountSID, AuthToken: a.cfg.TwilioAuthToken,
		From: a.cfg.TwilioFrom, MessagingServiceSID: a.cfg.TwilioMessagingServiceSID,
		StatusCallbackURL: a.cfg.PublicURL + "/webhooks/twilio/status",
	})
	if err != nil {
		return nil, &config.Error{Variable: "TWILIO_*", Problem: err.Error()}
	}
	return s, nil
}

// scheduleJobs registers every scheduled job. They start with serve; `respite
// jobs run NAME` runs one by hand. Texts are not a job: each instance runs a
// dispatcher of its own (see serve), which needs no lock.
func (a *app) scheduleJobs() error {
	var locker jobs.Locker = jobs.NewLocalLocker()
	if a.rdb != nil {
		locker = redisstore.NewJobLocker(a.rdb, "respite:lock:")
	}
	a.jobs = jobs.NewRunner(locker, a.log, a.metrics)
	a.retained = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "respite_retention_applied_total",
		Help: "What the data-retention job did: carers and people anonymised, text bodies blanked, unmet searches unlinked.",
	}, []string{"what"})
	a.metrics.MustRegister(a.retained)
	a.jobs.SetRunLog(jobs.NewBunRunLog(a.db))
	for _, j := range []jobs.Job{
		{
			Name: "booking-reminders", Schedule: "0 9 * * *", Timeout: 10 * time.Minute,
			Description: "queue reminders a week and a day before each stay, and a follow-up the day after",
			Run:         a.booking.SendReminders,
		},
		{
			// Before the morning shift's handover; it is about today, so it
			// goes at once rather than waiting for 08:00.
			Name: "home-arrivals", Schedule: "30 7 * * *", Timeout: 10 * time.Minute,
			Description: "text each care home with a notifications mobile the references of the stays arriving and leaving today",
			Run:         a.booking.TellHomesTheDay,
		},
		{
			Name: "host-nudges", Schedule: "0 10 * * *", Timeout: 10 * time.Minute,
			Description: "ask hosts whose calendar has gone a month unconfirmed whether it is still right (once a month each)",
			Run:         a.hosts.SendNudges,
		},
		{
			Name: "sessions-cleanup", Schedule: "17 * * * *", Timeout: time.Minute,
			Description: "delete expired sign-in sessions, sign-in codes and holds",
			Run: func(ctx context.Context) error {
				sessions, err := a.accounts.DeleteExpiredSessions(ctx)
				if err != nil {
					return err
				}
				codes, err := a.accounts.DeleteExpiredCodes(ctx)
				if err != nil {
					return err
				}
				holds, err := a.booking.DeleteExpiredHolds(ctx)
				if sessions+codes+holds > 0 {
					a.log.InfoContext(ctx, "expired sign-ins and holds deleted", "sessions", sessions, "codes", codes, "holds", holds)
				}
				return err
			},
		},
		{
			// Early, before anyone is about, and away from the hour the
			// clocks change.
			Name: "data-retention", Schedule: "15 3 * * *", Timeout: 30 * time.Minute,
			Description: fmt.Sprintf("anonymise carers with no stay or contact for %s; blank texts' bodies after %s; unlink unmet searches after a year",
				a.privacy.Options().Inactive, a.privacy.Options().Messages),
			Run: a.applyRetention,
		},
	} {
		if err := a.jobs.Add(j); err != nil {
			return err
		}
	}
	return nil
}

// applyRetention is the data-retention job: it applies the retention
// periods, and its log line and metric say what it did.
func (a *app) applyRetention(ctx context.Context) error {
	r, err := a.privacy.ApplyRetention(ctx, false)
	a.retained.WithLabelValues("carers").Add(float64(len(r.Carers)))
	a.retained.WithLabelValues("people").Add(float64(r.People))
	a.retained.WithLabelValues("texts").Add(float64(r.TextsBlanked))
	a.retained.WithLabelValues("unmet_searches").Add(float64(r.UnmetUnlinked))
	a.log.InfoContext(ctx, "data retention applied", "summary", r.Summary(),
		"carers", len(r.Carers), "people", r.People, "texts_blanked", r.TextsBlanked, "unmet_unlinked", r.UnmetUnlinked)
	return err
}

// redisLogger passes go-redis's own log lines to slog.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, fmt.Sprintf(format, v...), "component", "redis")
}

func (a *app) close() {
	if a.rdb != nil {
		_ = a.rdb.Close()
	}
	_ = a.db.Close()
}

// prepareSchema brings the schema up to date when asked to (or always on
// SQLite, where there is only ever one instance), and otherwise refuses to
// serve on an old schema.
func (a *app) prepareSchema(ctx context.Context, migrate bool) error {
	if migrate || !a.cfg.UsesPostgres() {
		applied, err := migrations.Migrate(ctx, a.db)
		if err != nil {
			return err
		}
		if len(applied) > 0 {
			a.log.InfoContext(ctx, "database migrated", "applied", applied)
		}
		return nil
	}
	pending, err := migrations.Pending(ctx, a.db)
	if err != nil {
		return fmt.Errorf("checking the database schema: %w", err)
	}
	if len(pending) > 0 {
		return fmt.Errorf("the database schema is behind this version (%d migrations pending): run 'respite migrate' or 'respite serve --migrate'", len(pending))
	}
	return nil
}

func serve(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "serve", "serve [--migrate] [--demo]")
	migrate := fs.Bool("migrate", false, "apply database migrations before serving (always done on SQLite)")
	withDemo := fs.Bool("demo", false, "load the demo data and print the demo sign-ins before serving")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := open(e)
	if err != nil {
		return err
	}
	defer a.close()
	a.log.InfoContext(ctx, "starting", "config", a.cfg)

	if err := a.prepareSchema(ctx, *migrate || *withDemo); err != nil {
		return err
	}
	if err := a.useCodeKey(ctx); err != nil {
		return err
	}
	if *withDemo {
		if err := loadDemo(ctx, a, e.stdout); err != nil {
			return err
		}
	}
	if a.rdb != nil {
		if err := a.rdb.Ping(ctx).Err(); err != nil {
			// Not fatal: /readyz reports it, and what needs Redis answers
			// 503 until it is back.
			a.log.WarnContext(ctx, "Redis does not answer at start", "err", err)
		}
	}

	srv, err := web.New(a.webDeps())
	if err != nil {
		return fmt.Errorf("building the web service: %w", err)
	}
	a.jobs.Start()
	// The SMS dispatcher runs on every instance, with no lock: messages are
	// claimed row by row, so a dead instance holds up nothing but its own
	// claims, for one lease. On shutdown it finishes the sends in flight.
	// It starts once the address is ours, and every way out of serve
	// waits for it, so nothing it logs or writes outlives serve.
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", a.cfg.Addr, err)
	}
	dispatchCtx, stopDispatch := context.WithCancel(context.WithoutCancel(ctx))
	defer stopDispatch()
	dispatched := make(chan struct{})
	go func() { a.notify.Run(dispatchCtx); close(dispatched) }()
	fmt.Fprintf(e.stdout, "Respite is running at %s (listening on %s). Press Ctrl+C to stop.\n", localURL(ln.Addr()), ln.Addr())
	a.log.InfoContext(ctx, "listening", "addr", ln.Addr().String())

	served := make(chan error, 1)
	go func() { served <- srv.App().Listener(ln) }()
	select {
	case err := <-served:
		stopDispatch()
		<-dispatched // sends in flight end within the SMS send timeout
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down: finishing requests, jobs and texts in flight", "grace", shutdownGrace)
	stopDispatch()
	jobsDone := make(chan struct{})
	go func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		a.jobs.Stop(stopCtx)
		// Sends in flight end within the SMS send timeout, well inside the
		// grace; one that does not is checked by another instance later.
		select {
		case <-dispatched:
		case <-stopCtx.Done():
		}
		close(jobsDone)
	}()
	if err := srv.App().ShutdownWithTimeout(shutdownGrace); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	<-jobsDone
	if err := <-served; err != nil {
		return err
	}
	a.log.Info("stopped")
	return nil
}

// webDeps builds what the HTTP layer needs.
func (a *app) webDeps() web.Deps {
	d := web.Deps{
		Logger:    a.log,
		Accounts:  a.accounts,
		Providers: a.providers,
		Notify:    a.notify,
		Booking:   a.booking,
		Hosts:     a.hosts,
		Audit:     audit.NewService(a.db),
		Reports:   a.reports,
		Privacy:   a.privacy,
		Jobs:      a.jobs,
		PublicURL: a.cfg.PublicURL,
		Metrics:   a.metrics,
		Pages: &pages.Deps{
			ServiceName:      a.cfg.ServiceName,
			BookingLine:      a.cfg.ServicePhone,
			SharedLivesPhone: a.cfg.SharedLivesPhone,
		},
		Ready: []web.Check{{Name: "database", Check: func(ctx context.Context) error {
			return a.db.PingContext(ctx)
		}}},
	}
	if a.cfg.TwilioAuthToken != "" {
		d.Signatures = twiliosms.NewSignatureChecker(a.cfg.TwilioAuthToken)
	}
	for _, p := range a.cfg.TrustedProxies {
		d.TrustedProxies = append(d.TrustedProxies, p.String())
	}
	if a.rdb != nil {
		d.Ready = append(d.Ready, web.Check{Name: "redis", Check: func(ctx context.Context) error {
			return a.rdb.Ping(ctx).Err()
		}})
		d.LimiterStorage = redisstore.NewLimiterStorage(a.rdb, "respite:limiter:", a.log)
	}
	return d
}

// localURL turns a listening address into a URL to open in a browser.
func localURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "http://" + host + ":" + port
}

func migrateCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "migrate", "migrate")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := open(e)
	if err != nil {
		return err
	}
	defer a.close()
	applied, err := migrations.Migrate(ctx, a.db)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(e.stdout, "The database is up to date; nothing to apply.")
		return nil
	}
	for _, name := range applied {
		fmt.Fprintf(e.stdout, "applied %s\n", name)
	}
	if len(applied) == 1 {
		fmt.Fprintln(e.stdout, "Applied 1 migration.")
	} else {
		fmt.Fprintf(e.stdout, "Applied %d migrations.\n", len(applied))
	}
	return nil
}

// healthcheck asks the running service's /healthz, for container health
// checks in images with no shell or curl.
func healthcheck(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "healthcheck", "healthcheck")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(cfg.Addr)
	if host == "" || net.ParseIP(host).IsUnspecified() {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("the service does not answer: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("the service answered " + resp.Status)
	}
	fmt.Fprintln(e.stdout, "ok")
	return nil
}
