package migrations_test

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/respite-uk/respite/migrations"
	"github.com/respite-uk/respite/migrations/dbtest"
)

// dataMapRow is a row of the data map's table in docs/data-protection.md:
// "| `table` | personal data | why | who | kept for |".
var dataMapRow = regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\|(.*)\\|$")

// TestDataMapListsEveryTable: the data map a council's data protection
// officer reads lists every table the migrations make, each saying what it
// holds, why, who reads it and how long it is kept; and lists no table
// that does not exist. A migration adding a table fails this until the map
// says what the table holds.
func TestDataMapListsEveryTable(t *testing.T) {
	doc, err := os.ReadFile("../docs/data-protection.md")
	if err != nil {
		t.Fatal(err)
	}
	mapped := map[string]bool{}
	for _, m := range dataMapRow.FindAllStringSubmatch(string(doc), -1) {
		cells := strings.Split(m[2], "|")
		if len(cells) != 4 {
			t.Errorf("the data map's row for %s has %d columns after the table's name, want 4 (personal data, why, who, kept for)", m[1], len(cells))
		}
		for i, c := range cells {
			if strings.TrimSpace(c) == "" {
				t.Errorf("the data map's row for %s has column %d empty", m[1], i+2)
			}
		}
		mapped[m[1]] = true
	}
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		tables, err := migrations.Tables(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range tables {
			if strings.HasPrefix(table, "bun_") {
				continue // the migrations' own bookkeeping
			}
			if !mapped[table] {
				t.Errorf("table %s is not in the data map in docs/data-protection.md: say what personal data it holds, why, who can read it and how long it is kept", table)
			}
		}
		for table := range mapped {
			if !slices.Contains(tables, table) {
				t.Errorf("the data map lists %s, which no migration makes", table)
			}
		}
	})
}
