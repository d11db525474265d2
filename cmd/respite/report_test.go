package main

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/respite-uk/respite/migrations/dbtest"
)

// TestRun_Report prints reports through run, on SQLite and PostgreSQL. The
// figures themselves are the reports package's to test; here, what the
// command line makes of them. On a new database the feedback report is all
// zeros, an answer known exactly.
func TestRun_Report(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		checkReport(t, sqliteEnv(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		_, dsn := dbtest.PostgresWithURL(t)
		checkReport(t, environ{"DATABASE_URL": dsn})
	})
}

func checkReport(t *testing.T, env environ) {
	if got := respite(t, env, "", "migrate"); got.code != exitOK {
		t.Fatalf("migrate: %s", got)
	}
	period := []string{"--from", "2027-03-01", "--to", "2027-03-31"}

	t.Run("with no name, lists the reports", func(t *testing.T) {
		got := respite(t, env, "", "report")
		if got.code != exitOK {
			t.Fatalf("%s", got)
		}
		for _, name := range []string{"block-use", "spot", "unmet-demand", "right-sizing", "feedback"} {
			if !strings.Contains(got.stdout, "  "+name+"\n") {
				t.Errorf("the list lacks %s:\n%s", name, got.stdout)
			}
		}
	})

	t.Run("an aligned table", func(t *testing.T) {
		got := respite(t, env, "", append([]string{"report", "feedback"}, period...)...)
		if got.code != exitOK {
			t.Fatalf("%s", got)
		}
		want := "" +
			"Measure                  Value\n" +
			"Stays with feedback      0\n" +
			"Replies                  0\n" +
			"Ratings                  0\n" +
			"Average rating (1 to 5)  \n" +
			"Rated 1                  0\n" +
			"Rated 2                  0\n" +
			"Rated 3                  0\n" +
			"Rated 4                  0\n" +
			"Rated 5                  0\n" +
			"With a comment           0\n"
		if diff := cmp.Diff(want, got.stdout); diff != "" {
			t.Errorf("stdout (-want +got):\n%s", diff)
		}
	})

	t.Run("CSV parses back", func(t *testing.T) {
		got := respite(t, env, "", append([]string{"report", "shared-lives", "--csv"}, period...)...)
		if got.code != exitOK {
			t.Fatalf("%s", got)
		}
		rows, err := csv.NewReader(strings.NewReader(got.stdout)).ReadAll()
		if err != nil {
			t.Fatalf("%v\n%s", err, got.stdout)
		}
		if len(rows) < 2 || !cmp.Equal(rows[0], []string{"Measure", "Value"}) || !cmp.Equal(rows[1], []string{"Host-nights offered", "0"}) {
			t.Errorf("CSV = %q", rows)
		}
		if !strings.HasSuffix(got.stdout, "\r\n") {
			t.Errorf("CSV lines do not end in CRLF")
		}
	})

	t.Run("mistakes exit 2 saying what is wrong", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want string // in stderr
		}{
			{[]string{"report", "nonsense", "--from", "2027-03-01", "--to", "2027-03-31"}, `there is no report called "nonsense"; the reports are block-use, spot`},
			{[]string{"report", "spot"}, "--from: Enter the first date of the report"},
			{[]string{"report", "spot", "--from", "2027-03-01"}, "--to: Enter the last date of the report"},
			{[]string{"report", "spot", "--from", "1 March", "--to", "2027-03-31"}, `--from: "1 March" is not a date as YYYY-MM-DD`},
			{[]string{"report", "spot", "--from", "2027-03-31", "--to", "2027-03-01"}, "--to: The last date must be the same as or after the first date"},
			{[]string{"report", "--from", "2027-03-01", "spot"}, "say which report first"},
			{[]string{"report", "spot", "--bogus"}, "-bogus"},
			{[]string{"report", "spot", "--from", "2027-03-01", "--to", "2027-03-31", "extra"}, `unexpected argument "extra"`},
		} {
			got := respite(t, env, "", tc.args...)
			if got.code != exitUsage {
				t.Errorf("%q: exit status = %d, want %d\n%s", tc.args, got.code, exitUsage, got)
			}
			if !strings.Contains(got.stderr, tc.want) {
				t.Errorf("%q: stderr does not say %q:\n%s", tc.args, tc.want, got.stderr)
			}
		}
	})

	t.Run("help", func(t *testing.T) {
		got := respite(t, env, "", "report", "--help")
		if got.code != exitOK || !strings.Contains(got.stdout, "Usage: respite report NAME") || !strings.Contains(got.stdout, "-csv") {
			t.Errorf("%s", got)
		}
	})
}
