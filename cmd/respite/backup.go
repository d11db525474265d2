package main

import (
	"context"
	"errors"
)

// backupCmd writes a consistent copy of the database: respite backup FILE.
func backupCmd(ctx context.Context, e env, args []string) error {
	return errors.New("not built yet")
}

// restoreCheckCmd opens a backup and checks it: respite restore-check FILE.
func restoreCheckCmd(ctx context.Context, e env, args []string) error {
	return errors.New("not built yet")
}
