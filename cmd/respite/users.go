package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/respite-uk/respite/accounts"
	"github.com/respite-uk/respite/apperr"
)

const usersUsage = "users add --email E --name N --role admin|duty|coordinator --password-stdin"

func users(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(e.stdout, "Usage: respite %s\n\nAdds a member of staff. The password is read from the first line of standard input,\nso it never appears in the process list or shell history:\n\n  printf '%%s\\n' \"$PASSWORD\" | respite users add --email sam@example.org --name 'Sam Duty' --role duty --password-stdin\n", usersUsage)
		if len(args) == 0 {
			return &usageError{"missing subcommand: add"}
		}
		return nil
	}
	if args[0] != "add" {
		return &usageError{fmt.Sprintf("unknown subcommand %q; the only one is add", args[0])}
	}
	fs := newFlags(e, "users add", usersUsage)
	email := fs.String("email", "", "the person's email address (their sign-in name)")
	name := fs.String("name", "", "the person's name")
	role := fs.String("role", "", "admin, duty or coordinator")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input (required)")
	if err := parseFlags(fs, args[1:]); err != nil {
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
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return &usageError{"no password on standard input"}
	}
	password := strings.TrimRight(line, "\r\n")
	if err := a.prepareSchema(ctx, false); err != nil {
		return err
	}
	u, err := a.accounts.CreateUser(ctx, accounts.NewUser{Email: *email, Name: *name, Role: accounts.Role(*role), Password: password})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "Added %s (%s) as %s, with id %d.\n", u.Name, u.Email, u.Role, u.ID)
	return nil
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
