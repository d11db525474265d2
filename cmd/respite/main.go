// Command respite runs Respite, the short-break and respite booking service,
// and its maintenance tasks. It is the only place where the parts are wired
// together: configuration, database, Redis, services and HTTP.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Europe/London must be known even on images with no zoneinfo

	"github.com/respite-uk/respite/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal starts a graceful shutdown, let a second
		// one end the process at once, as people expect of Ctrl+C.
		<-ctx.Done()
		stop()
	}()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK    = 0
	exitFault = 1 // something failed while running
	exitUsage = 2 // bad command line or configuration
)

// env is what a command needs from its surroundings; tests give their own.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the web service (the default)", serve},
		{"migrate", "apply database migrations and exit", migrateCmd},
		{"users", "manage staff accounts: users list|add|disable|enable|set-role|reset-password|reset-2fa", users},
		{"demo", "load the demo data (idempotent) and print the demo sign-ins", demo},
		{"jobs", "list the scheduled jobs, or run one now: jobs list | jobs run NAME", jobsCmd},
		{"report", "print a commissioners' report: report NAME --from --to [--csv]; report alone lists them", reportCmd},
		{"export", "print everything held about a carer and the people they care for, as JSON: export carer ID", exportCmd},
		{"backup", "write a consistent copy of the SQLite database while the service runs: backup FILE", backupCmd},
		{"restore-check", "open a backup, check its schema and count its rows: restore-check FILE", restoreCheckCmd},
		{"healthcheck", "exit 0 if the service on RESPITE_ADDR answers /healthz (for container health checks)", healthcheck},
	}
}

// usageError is a mistake on the command line: it is printed with a hint
// and the process exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// run executes the command line and returns the exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	name := "serve"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		printUsage(stdout)
		return exitOK
	}
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, e, args)
		var ue *usageError
		var ce *config.Error
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "respite %s: %s\nRun 'respite %s --help' for usage.\n", name, ue.msg, name)
			return exitUsage
		case errors.As(err, &ce):
			fmt.Fprintf(stderr, "respite: %s\n", ce)
			return exitUsage
		default:
			fmt.Fprintf(stderr, "respite %s: %v\n", name, err)
			return exitFault
		}
	}
	fmt.Fprintf(stderr, "respite: unknown command %q\n", name)
	printUsage(stderr)
	return exitUsage
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Respite: short-break and respite booking for a carers service.")
	fmt.Fprintln(w, "\nUsage: respite [command] [flags]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nConfiguration comes from environment variables (see the README):")
	fmt.Fprintln(w, "  RESPITE_ADDR, DATABASE_URL, REDIS_URL, RESPITE_PUBLIC_URL, SMS_PROVIDER, TWILIO_*,")
	fmt.Fprintln(w, "  RESPITE_SESSION_TTL, RESPITE_LOG_LEVEL, RESPITE_TRUSTED_PROXIES,")
	fmt.Fprintln(w, "  RESPITE_RETAIN_INACTIVE, RESPITE_RETAIN_MESSAGES")
	fmt.Fprintln(w, "\nRun 'respite COMMAND --help' for a command's flags.")
}

// newFlags returns a flag set that prints its usage to the command's output
// and reports mistakes as usage errors.
func newFlags(e env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stdout)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: respite %s\n\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, turning flag mistakes into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard) // the usage error below says what was wrong
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(out)
		fs.Usage()
		return err
	}
	if err != nil {
		return &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}
