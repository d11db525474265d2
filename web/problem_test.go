package web

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/respite-uk/respite/apperr"
)

// TestProblemFor_Unavailable: a dependency that does not answer is a 503
// that says to try again, never a 500; everything else keeps its status.
func TestProblemFor_Unavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantFault  bool
	}{
		{"connection refused, wrapped", fmt.Errorf("reading session: %w", refused), 503, false},
		{"a dead pooled connection", fmt.Errorf("inserting carer: %w", driver.ErrBadConn), 503, false},
		{"PostgreSQL shutting down", &pgconn.PgError{Code: "57P01"}, 503, false},
		{"an Internal error caused by an outage", apperr.New(apperr.Internal, "x").Because(refused), 503, false},
		{"a domain 503 keeps its own message", apperr.New(apperr.Unavailable, "Holds are not answering."), 503, false},
		{"a unique violation is not an outage", &pgconn.PgError{Code: "23505"}, 500, true},
		{"any other fault", errors.New("boom"), 500, true},
		{"a domain error", apperr.New(apperr.Conflict, "Taken."), 409, false},
		{"a deadlock PostgreSQL broke is a clash to try again", fmt.Errorf("moving stay: %w", &pgconn.PgError{Code: "40P01"}), 409, false},
		{"a serialization failure too", &pgconn.PgError{Code: "40001"}, 409, false},
	}
	for _, tt := range tests {
		p, fault := problemFor(tt.err)
		if p.Status != tt.wantStatus || fault != tt.wantFault {
			t.Errorf("%s: problemFor = %d (fault %v), want %d (fault %v)", tt.name, p.Status, fault, tt.wantStatus, tt.wantFault)
		}
		if p.Status == 503 && p.Type != "urn:respite:problem:unavailable" {
			t.Errorf("%s: type = %q", tt.name, p.Type)
		}
	}
	if p, _ := problemFor(refused); p.Detail != errDependencyDown.Message {
		t.Errorf("detail = %q, want %q", p.Detail, errDependencyDown.Message)
	}
	if p, _ := problemFor(apperr.New(apperr.Unavailable, "Holds are not answering.")); p.Detail != "Holds are not answering." {
		t.Errorf("a domain 503's detail = %q, want its own message", p.Detail)
	}
}
