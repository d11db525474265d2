package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
	"github.com/respite-uk/respite/paging"
)

// `respite users …` manages staff accounts from the server, as an admin
// does in the API: it is how the first admin is added. Changes are recorded
// in the audit log as the command line's (with the login name in $USER).

// userCommand is one `respite users` subcommand.
type userCommand struct {
	name, usage, summary, about string
	run                         func(ctx context.Context, e env, fs *flag.FlagSet, args []string) error
}

func userCommands() []userCommand {
	return []userCommand{
		{"list", "users list [--role R] [--status active|disabled]", "list staff accounts",
			"Lists staff accounts in id order: their role, whether they may sign in, whether they have an\nauthenticator app, and whether their password is a one-time one.", usersList},
		{"add", "users add --email E --name N --role admin|duty|coordinator --password-stdin", "add a member of staff, with a one-time password",
			"Adds a member of staff. The password is read from the first line of standard input, so it\nnever appears in the process list or shell history. It works once: at their first sign-in they\nchoose their own (and an admin then sets up their authenticator app).\n\n" +
				"  printf '%s\\n' \"$PASSWORD\" | respite users add --email sam@example.org --name 'Sam Duty' --role duty --password-stdin", usersAdd},
		{"disable", "users disable --email E [--reason TEXT]", "stop someone signing in; their sessions end at once",
			"Disables a staff account: its sessions end at once and it cannot sign in. The only active\nadmin cannot be disabled.", usersDisable},
		{"enable", "users enable --email E [--reason TEXT]", "let a disabled member of staff sign in again",
			"Lets a disabled member of staff sign in again.", usersEnable},
		{"set-role", "users set-role --email E --role admin|duty|coordinator [--reason TEXT]", "change someone's role",
			"Changes a member of staff's role. The only active admin keeps theirs. Someone made an admin\nwho has no authenticator app is signed out, and sets one up when they next sign in.", usersSetRole},
		{"reset-password", "users reset-password --email E --password-stdin [--reason TEXT]", "give someone a new one-time password",
			"Gives a member of staff a new one-time password, read from the first line of standard input.\nTheir sessions end; they choose their own password when they next sign in.", usersResetPassword},
		{"reset-2fa", "users reset-2fa --email E [--reason TEXT]", "remove someone's authenticator app (a lost phone)",
			"Removes a member of staff's authenticator app and recovery codes, and ends their sessions. An\nadmin must set up a new app when they next sign in; others sign in with their password alone\nuntil they choose to set one up.", usersResetSecondFactor},
	}
}

func userCommandNames() string {
	var names []string
	for _, c := range userCommands() {
		names = append(names, c.name)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func printUsersUsage(e env) {
	var names []string
	for _, c := range userCommands() {
		names = append(names, c.name)
	}
	fmt.Fprintf(e.stdout, "Usage: respite users %s [flags]\n\n", strings.Join(names, "|"))
	fmt.Fprintln(e.stdout, "Manages staff accounts, as admins do in the service. Each change is recorded in the audit log.")
	fmt.Fprintln(e.stdout, "\nCommands:")
	for _, c := range userCommands() {
		fmt.Fprintf(e.stdout, "  %-15s %s\n", c.name, c.summary)
		fmt.Fprintf(e.stdout, "  %-15s   respite %s\n", "", c.usage)
	}
	fmt.Fprintln(e.stdout, "\nPasswords are read from standard input (--password-stdin), never from arguments:")
	fmt.Fprintf(e.stdout, "\n  printf '%%s\\n' \"$PASSWORD\" | respite users add --email sam@example.org --name 'Sam Duty' --role duty --password-stdin\n")
	fmt.Fprintln(e.stdout, "\nRun 'respite users COMMAND --help' for a command's flags.")
}

func users(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsersUsage(e)
		if len(args) == 0 {
			return &usageError{"missing subcommand: " + userCommandNames()}
		}
		return nil
	}
	for _, c := range userCommands() {
		if c.name != args[0] {
			continue
		}
		fs := newFlags(e, "users "+c.name, c.usage)
		fs.Usage = func() {
			fmt.Fprintf(fs.Output(), "Usage: respite %s\n\n%s\n\n", c.usage, c.about)
			fs.PrintDefaults()
		}
		return c.run(ctx, e, fs, args[1:])
	}
	return &usageError{fmt.Sprintf("unknown subcommand %q; use %s", args[0], userCommandNames())}
}

// operator is who the command line acts as, for the audit log.
func operator(e env) accounts.Principal { return accounts.CommandLine(e.getenv("USER")) }

func usersList(ctx context.Context, e env, fs *flag.FlagSet, args []string) error {
	role := fs.String("role", "", "only this role: admin, duty or coordinator")
	status := fs.String("status", "", "only active or only disabled accounts")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := openUsers(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tEMAIL\tNAME\tROLE\tSTATUS\tAPP\tPASSWORD")
	req := paging.Request{Limit: paging.MaxLimit}
	for {
		page, err := a.accounts.ListUsers(ctx, operator(e), accounts.UserFilter{Role: accounts.Role(*role), Status: *status, Page: req})
		if err != nil {
			return describe(err)
		}
		for _, u := range page.Items {
			status, app, password := accounts.StatusActive, "no", "own"
			if !u.Active() {
				status = accounts.StatusDisabled
			}
			if u.HasSecondFactor() {
				app = "yes"
			}
			if u.MustChangePassword {
				password = "one-time"
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, u.Role, status, app, password)
		}
		if page.Next == 0 {
			break
		}
		req.After = page.Next
	}
	return w.Flush()
}

func usersAdd(ctx context.Context, e env, fs *flag.FlagSet, args []string) error {
	email := fs.String("email", "", "the person's email address (their sign-in name)")
	name := fs.String("name", "", "the person's name")
	role := fs.String("role", "", "admin, duty or coordinator")
	passwordStdin := fs.Bool("password-stdin", false, "read the one-time password from the first line of standard input (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !*passwordStdin {
		return &usageError{"--password-stdin is required: pass the password on standard input, never as an argument"}
	}
	// Open (and so check the configuration) before waiting on standard
	// input, so a mistake there is reported at once.
	a, err := open(e)
	if err != nil {
		return err
	}
	defer a.close()
	password, err := readPassword(e)
	if err != nil {
		return err
	}
	if err := a.prepareSchema(ctx, false); err != nil {
		return err
	}
	u, _, err := a.accounts.AddUser(ctx, operator(e), accounts.NewUser{Email: *email, Name: *name, Role: accounts.Role(*role), Password: password})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "Added %s (%s) as %s, with id %d.\n", u.Name, u.Email, u.Role, u.ID)
	fmt.Fprintf(e.stdout, "The password works once: %s.\n", firstSignIn(u))
	return nil
}

func usersDisable(ctx context.Context, e env, fs *flag.FlagSet, args []string) error {
	return changeUser(ctx, e, fs, args, accountChange{change: func(a *app, u accounts.User, reason, _ string) (string, error) {
		if !u.Active() {
			return fmt.Sprintf("%s (%s) was already disabled.", u.Name, u.Email), nil
		}
		if _, err := a.accounts.DisableUser(ctx, operator(e), u.ID, reason); err != nil {
			return "", err
		}
		return fmt.Sprintf("Disabled %s (%s): their sessions have ended and they cannot sign in.", u.Name, u.Email), nil
	}})
}

func usersEnable(ctx context.Context, e env, fs *flag.FlagSet, args []string) error {
	return changeUser(ctx, e, fs, args, accountChange{change: func(a *app, u accounts.User, reason, _ string) (string, error) {
		if u.Active() {
			return fmt.Sprintf("%s (%s) was not disabled.", u.Name, u.Email), nil
		}
		if _, err := a.accounts.EnableUser(ctx, operator(e), u.ID, reason); err != nil {
			return "", err
		}
		return fmt.Sprintf("Enabled %s (%s): they can sign in again.", u.Name, u.Email), nil
	}})
}

func usersSetRole(ctx context.Context, e env, fs *flag.FlagSet, args []string) error {
	role := fs.String("role", "", "the new role: admin, duty or coordinator")
	return changeUser(ctx, e, fs, args, accountChange{change: func(a *app, u accounts.User, reason, _ string) (string, error) {
		if u.Role == accounts.Role(*role) {
			return fmt.Sprintf("%s (%s) is already %s.", u.Name, u.Email, u.Role), nil
		}
		changed, err := a.accounts.SetRole(ctx, operator(e), u.ID, accounts.Role(*role), reason)
		if err != nil {
			return "", err
		}
		msg := fmt.Sprintf("%s (%s) is now %s (was %s).", u.Name, u.Email, changed.Role, u.Role)
		if changed.Role == accounts.RoleAdmin && !changed.HasSecondFactor() {
			msg += " They have been signed out, and set up an authenticator app when they next sign in."
		}
		return msg, nil
	}})
}

func usersResetPassword(ctx context.Context, e env, fs *flag.FlagSet, args []string) error {
	passwordStdin := fs.Bool("password-stdin", false, "read the one-time password from the first line of standard input (required)")
	return changeUser(ctx, e, fs, args, accountChange{passwordStdin: passwordStdin, change: func(a *app, u accounts.User, reason, password string) (string, error) {
		changed, _, err := a.accounts.ResetPassword(ctx, operator(e), u.ID, password, reason)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Reset the password of %s (%s); their sessions have ended. The new password works once: %s.", u.Name, u.Email, firstSignIn(changed)), nil
	}})
}

func usersResetSecondFactor(ctx context.Context, e env, fs *flag.FlagSet, args []string) error {
	return changeUser(ctx, e, fs, args, accountChange{change: func(a *app, u accounts.User, reason, _ string) (string, error) {
		changed, err := a.accounts.ResetSecondFactor(ctx, operator(e), u.ID, reason)
		if err != nil {
			return "", err
		}
		next := "they sign in with their password alone until they set up a new one"
		if changed.Role == accounts.RoleAdmin {
			next = "they set up a new one when they next sign in"
		}
		return fmt.Sprintf("Removed the authenticator app and recovery codes of %s (%s); their sessions have ended, and %s.", u.Name, u.Email, next), nil
	}})
}

// accountChange is what a subcommand does to the account named by --email.
type accountChange struct {
	// passwordStdin, when set, is the subcommand's --password-stdin flag,
	// which must be given: a password is read from standard input.
	passwordStdin *bool
	// change makes the change to u and says what it did.
	change func(a *app, u accounts.User, reason, password string) (string, error)
}

// changeUser runs a subcommand that changes the account named by --email: it
// adds --email and --reason to fs, parses args, opens the app (so a bad
// configuration is reported before waiting on standard input), reads a
// password if the change takes one, finds the account, and makes the
// change, printing what it says.
func changeUser(ctx context.Context, e env, fs *flag.FlagSet, args []string, ch accountChange) error {
	email := fs.String("email", "", "the email address of the member of staff (required)")
	reason := fs.String("reason", "", "why, for the audit log")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(*email) == "" {
		return &usageError{"--email is required: whose account to change"}
	}
	if ch.passwordStdin != nil && !*ch.passwordStdin {
		return &usageError{"--password-stdin is required: pass the password on standard input, never as an argument"}
	}
	a, err := open(e)
	if err != nil {
		return err
	}
	defer a.close()
	var password string
	if ch.passwordStdin != nil {
		if password, err = readPassword(e); err != nil {
			return err
		}
	}
	if err := a.prepareSchema(ctx, false); err != nil {
		return err
	}
	u, err := a.accounts.UserByEmail(ctx, *email)
	if errors.Is(err, accounts.ErrUserNotFound) {
		return fmt.Errorf("there is no member of staff with the email address %s", accounts.NormalizeEmail(*email))
	}
	if err != nil {
		return err
	}
	msg, err := ch.change(a, u, *reason, password)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintln(e.stdout, msg)
	return nil
}

// openUsers opens the app with the schema ready, for commands that only
// read.
func openUsers(ctx context.Context, e env) (*app, error) {
	a, err := open(e)
	if err != nil {
		return nil, err
	}
	if err := a.prepareSchema(ctx, false); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

// readPassword reads a password from the first line of standard input.
func readPassword(e env) (string, error) {
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", &usageError{"no password on standard input"}
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// firstSignIn says what u's next sign-in asks of them.
func firstSignIn(u accounts.User) string {
	if u.Role == accounts.RoleAdmin && !u.HasSecondFactor() {
		return "they choose their own when they next sign in, and then set up an authenticator app"
	}
	return "they choose their own when they next sign in"
}

// describe turns a domain error into a message for the command line, with a
// line for each bad field.
func describe(err error) error {
	ae, ok := apperr.As(err)
	if !ok || len(ae.Fields) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString(ae.Message)
	for _, f := range ae.Fields {
		flagName := f.Field
		if flagName == "password" {
			flagName = "password (standard input)"
		} else {
			flagName = "--" + flagName
		}
		fmt.Fprintf(&b, "\n  %s: %s", flagName, f.Message)
	}
	return &usageError{b.String()}
}
