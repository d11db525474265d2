package migrations

import "testing"

// TestWithExecMode: PostgreSQL connections send each query in one round
// trip ("exec") unless the URL chooses a mode itself.
func TestWithExecMode(t *testing.T) {
	for _, tc := range []struct{ dsn, want string }{
		{"postgres://u@db:5432/respite", "postgres://u@db:5432/respite?default_query_exec_mode=exec"},
		{"postgres://u@db/respite?sslmode=disable", "postgres://u@db/respite?default_query_exec_mode=exec&sslmode=disable"},
		{"postgres://u@db/respite?default_query_exec_mode=simple_protocol", "postgres://u@db/respite?default_query_exec_mode=simple_protocol"},
	} {
		if got := withExecMode(tc.dsn); got != tc.want {
			t.Errorf("withExecMode(%q) = %q, want %q", tc.dsn, got, tc.want)
		}
	}
}
