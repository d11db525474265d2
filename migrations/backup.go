package migrations

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// ErrBackupNeedsPgDump is Backup's answer on PostgreSQL, whose own tools
// make consistent copies of a running server (README, "Backups").
var ErrBackupNeedsPgDump = errors.New("respite backup copies a SQLite database; for PostgreSQL use pg_dump (see the README, \"Backups\")")

// Backup writes a consistent copy of a SQLite database to path while the
// service goes on using it. VACUUM INTO reads inside one transaction, so
// the copy is the database as it stood at one instant: every stay
// confirmed before it began, and no half of anything written during it.
// Writers are not blocked (WAL). The copy is compacted, and a file that
// already exists is never overwritten.
func Backup(ctx context.Context, db *bun.DB, path string) error {
	if db.Dialect().Name() == dialect.PG {
		return ErrBackupNeedsPgDump
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s already exists; give a new file name, so that no backup is overwritten", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			return fmt.Errorf("the folder %s does not exist", dir)
		}
	}
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		_ = os.Remove(path) // never leave half a backup that looks whole
		return fmt.Errorf("backing up to %s: %w", path, err)
	}
	return nil
}

// BackupCheck is what CheckBackup found in a restored database.
type BackupCheck struct {
	// Tables counts each table's rows, by name, in name order.
	Tables []TableRows
	// Pending lists migrations this version has that the backup has not
	// applied: it came from an older version, and migrating after the
	// restore brings it up to date.
	Pending []string
	// Unknown lists migrations the backup has applied that this version
	// does not know: it came from a newer version of Respite.
	Unknown []string
	// Problems lists what makes the backup unusable: damage SQLite finds,
	// rows whose references point nowhere, migrations from a newer version.
	// Empty when the backup can be restored.
	Problems []string
}

// TableRows is one table's row count.
type TableRows struct {
	Table string
	Rows  int64
}

// OK reports whether the backup can be restored.
func (c BackupCheck) OK() bool { return len(c.Problems) == 0 }

// CheckBackup checks a database restored from a backup, reading only: that
// it is whole (SQLite's integrity and foreign-key checks), which of this
// version's migrations it has, and how many rows each table holds. It
// returns an error only when the database cannot be read at all; what is
// wrong with a readable one is in Problems.
func CheckBackup(ctx context.Context, db *bun.DB) (BackupCheck, error) {
	var out BackupCheck
	pg := db.Dialect().Name() == dialect.PG
	if !pg {
		var results []string
		if err := db.NewRaw("PRAGMA integrity_check").Scan(ctx, &results); err != nil {
			return out, fmt.Errorf("reading the backup (is it a SQLite database?): %w", err)
		}
		if len(results) != 1 || results[0] != "ok" {
			out.Problems = append(out.Problems, "SQLite finds damage: "+strings.Join(results, "; "))
		}
		var broken []struct {
			Table  string `bun:"table"`
			RowID  int64  `bun:"rowid"`
			Parent string `bun:"parent"`
		}
		if err := db.NewRaw("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check").Scan(ctx, &broken); err != nil {
			return out, fmt.Errorf("checking the backup's references: %w", err)
		}
		if len(broken) > 0 {
			out.Problems = append(out.Problems, fmt.Sprintf("%d rows refer to rows that are missing (the first: %s row %d, to %s)",
				len(broken), broken[0].Table, broken[0].RowID, broken[0].Parent))
		}
	}

	tables, err := Tables(ctx, db)
	if err != nil {
		return out, err
	}
	if !slices.Contains(tables, "bun_migrations") {
		out.Problems = append(out.Problems, "it has no migrations table: it is not a Respite database")
		return out, nil
	}
	var applied []string
	if err := db.NewRaw("SELECT name FROM bun_migrations").Scan(ctx, &applied); err != nil {
		return out, fmt.Errorf("reading the backup's migrations: %w", err)
	}
	known := map[string]bool{}
	for _, m := range ForDialect(db.Dialect().Name()).Sorted() {
		known[m.Name] = true
		if !slices.Contains(applied, m.Name) {
			out.Pending = append(out.Pending, m.Name+"_"+m.Comment)
		}
	}
	for _, name := range applied {
		if !known[name] {
			out.Unknown = append(out.Unknown, name)
		}
	}
	if len(out.Unknown) > 0 {
		out.Problems = append(out.Problems, fmt.Sprintf("it was made by a newer version of Respite (%d migrations this version does not know, such as %s): restore it with that version",
			len(out.Unknown), out.Unknown[0]))
	}

	for _, t := range tables {
		if strings.HasPrefix(t, "bun_") {
			continue
		}
		var n int64
		if err := db.NewRaw("SELECT COUNT(*) FROM ?", bun.Ident(t)).Scan(ctx, &n); err != nil {
			return out, fmt.Errorf("counting the rows of %s: %w", t, err)
		}
		out.Tables = append(out.Tables, TableRows{Table: t, Rows: n})
	}
	return out, nil
}

// Tables lists the database's own tables (not SQLite's, nor PostgreSQL's
// catalogues), in name order.
func Tables(ctx context.Context, db bun.IDB) ([]string, error) {
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
	if db.Dialect().Name() == dialect.PG {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
	}
	var names []string
	if err := db.NewRaw(q).Scan(ctx, &names); err != nil {
		return nil, fmt.Errorf("listing the tables: %w", err)
	}
	return names, nil
}

// CopyFile copies the file at from to a new file at to (which must not
// exist), for checking a backup without touching it.
func CopyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		_ = dst.Close()
		return err
	}
	return dst.Close()
}
