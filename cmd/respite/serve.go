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
	"github.com/respite-uk/respite/config"
	"github.com/respite-uk/respite/logging"
	"github.com/respite-uk/respite/migrations"
	"github.com/respite-uk/respite/providers"
	"github.com/respite-uk/respite/redisstore"
	"github.com/respite-uk/respite/web"
)

// shutdownGrace is how long in-flight requests get to finish after SIGTERM.
const shutdownGrace = 25 * time.Second

// app is everything a command may need, opened from the configuration.
type app struct {
	cfg       config.Config
	log       *slog.Logger
	db        *bun.DB
	rdb       *redis.Client // nil without REDIS_URL
	accounts  *accounts.Service
	providers *providers.Service
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
		opts, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			_ = db.Close()
			return nil, &config.Error{Variable: "REDIS_URL", Problem: "is not a valid Redis URL: " + err.Error()}
		}
		a.rdb = redis.NewClient(opts)
	}
	a.accounts = accounts.NewService(db, accounts.Options{SessionTTL: cfg.SessionTTL})
	a.providers = providers.NewService(db, nil)
	return a, nil
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

	srv := web.New(a.webDeps())
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", a.cfg.Addr, err)
	}
	fmt.Fprintf(e.stdout, "Respite is running at %s (listening on %s). Press Ctrl+C to stop.\n", localURL(ln.Addr()), ln.Addr())
	a.log.InfoContext(ctx, "listening", "addr", ln.Addr().String())

	served := make(chan error, 1)
	go func() { served <- srv.App().Listener(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down: finishing requests in flight", "grace", shutdownGrace)
	if err := srv.App().ShutdownWithTimeout(shutdownGrace); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-served; err != nil {
		return err
	}
	a.log.Info("stopped")
	return nil
}

// webDeps builds what the HTTP layer needs.
func (a *app) webDeps() web.Deps {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(a.db.DB, "respite"),
	)
	d := web.Deps{
		Logger:    a.log,
		Accounts:  a.accounts,
		Providers: a.providers,
		Metrics:   reg,
		Ready: []web.Check{{Name: "database", Check: func(ctx context.Context) error {
			return a.db.PingContext(ctx)
		}}},
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
	fmt.Fprintf(e.stdout, "Applied %d migrations.\n", len(applied))
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
