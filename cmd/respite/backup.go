package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/respite-uk/respite/config"
	"github.com/respite-uk/respite/migrations"
)

const (
	backupUsage       = "backup FILE"
	restoreCheckUsage = "restore-check FILE | restore-check postgres://…"
)

// backupCmd writes a consistent copy of the SQLite database named by
// DATABASE_URL to a new file, while the service goes on serving.
func backupCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "backup", backupUsage)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: respite %s\n\nWrites a consistent copy of the SQLite database (DATABASE_URL) to FILE, a new file, while the service runs.\n"+
			"For PostgreSQL, use pg_dump: see the README, \"Backups\".\nCheck a backup with: respite restore-check FILE\n", backupUsage)
	}
	path, err := fileArgument(fs, args, "say where to write the backup: respite "+backupUsage)
	if err != nil {
		return err
	}
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return err
	}
	if cfg.UsesPostgres() {
		return migrations.ErrBackupNeedsPgDump
	}
	db, err := migrations.Open(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	started := time.Now()
	if err := migrations.Backup(ctx, db, path); err != nil {
		return err
	}
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Backed up to %s (%.1f MB) in %s.\nCheck it with: respite restore-check %s\n",
		path, float64(info.Size())/(1<<20), time.Since(started).Round(time.Millisecond), path)
	return nil
}

// restoreCheckCmd checks a backup: a SQLite file, copied to a scratch file
// so the backup itself is never touched, or a PostgreSQL database a pg_dump
// was restored into. It prints each table's rows and what is wrong, and
// fails when the backup could not be restored.
func restoreCheckCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "restore-check", restoreCheckUsage)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: respite %s\n\nRestores a backup to a scratch copy (SQLite) or reads a database a pg_dump was restored into (PostgreSQL),\n"+
			"checks it is whole and which migrations it has, and counts each table's rows. Exits 1 if it could not be restored.\n", restoreCheckUsage)
	}
	source, err := fileArgument(fs, args, "say which backup to check: respite "+restoreCheckUsage)
	if err != nil {
		return err
	}
	dsn := source
	if !migrations.IsPostgres(source) {
		if _, err := os.Stat(source); err != nil {
			return fmt.Errorf("cannot read the backup %s: %w", source, err)
		}
		scratch, err := os.MkdirTemp("", "respite-restore-check-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(scratch)
		dsn = filepath.Join(scratch, "restored.db")
		if err := migrations.CopyFile(source, dsn); err != nil {
			return fmt.Errorf("copying the backup to check it: %w", err)
		}
	}
	db, err := migrations.Open(dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	check, err := migrations.CheckBackup(ctx, db)
	if err != nil {
		return err
	}

	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "TABLE\tROWS\t")
	for _, t := range check.Tables {
		fmt.Fprintf(w, "%s\t%d\t\n", t.Table, t.Rows)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(check.Pending) > 0 {
		fmt.Fprintf(e.stdout, "The backup is from an older version: %d migrations will be applied when it is restored and the service starts (or by respite migrate).\n", len(check.Pending))
	}
	if !check.OK() {
		for _, p := range check.Problems {
			fmt.Fprintf(e.stdout, "Problem: %s\n", p)
		}
		return errors.New("the backup could not be restored: " + check.Problems[0])
	}
	fmt.Fprintf(e.stdout, "The backup %s restores: it is whole, and its %d tables are listed above.\n", source, len(check.Tables))
	return nil
}

// fileArgument reads a command's one argument, a file, given before any
// flags (there are only -h and --help).
func fileArgument(fs *flag.FlagSet, args []string, missing string) (string, error) {
	file, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, rest = args[0], args[1:]
	}
	if err := parseFlags(fs, rest); err != nil {
		return "", err
	}
	if file == "" {
		return "", &usageError{missing}
	}
	return file, nil
}
