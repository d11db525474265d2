package web_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/uptrace/bun"
)

// Carers, people, hosts, care homes and beds: a GET answers with an ETag;
// a PATCH with that ETag in If-Match changes the record and answers with
// its new ETag; a PATCH with an older one answers 412 and changes nothing;
// a PATCH without If-Match works as it always has; an If-Match that is
// not an ETag is refused, naming the header.
func TestPatchWithIfMatch(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		admin, coordinator := s.signIn(t, "admin"), s.signIn(t, "coordinator")
		carer := createdID(t, s.do(t, request{method: "POST", path: "/api/v1/carers", token: admin, body: carerBody("Pat Jones", "07700 900123")}))
		person := createdID(t, s.do(t, request{method: "POST", path: fmt.Sprintf("/api/v1/carers/%d/people", carer), token: admin,
			body: map[string]any{"name": "Sam Jones", "date_of_birth": "1950-05-05", "needs": []string{}, "requirements": []string{}}}))
		w := newBookingWorld(t, s)
		host := createdID(t, s.do(t, request{method: "POST", path: "/api/v1/hosts", token: coordinator, body: hostBody("Ann Hargreaves", "07700 900301")}))

		for _, rec := range []struct {
			path         string
			token        string
			first, again map[string]any
			field        string
		}{
			{fmt.Sprintf("/api/v1/carers/%d", carer), admin, map[string]any{"name": "Pat Jones-Smith"}, map[string]any{"name": "Patricia Jones"}, "name"},
			{fmt.Sprintf("/api/v1/people/%d", person), admin, map[string]any{"name": "Samuel Jones"}, map[string]any{"name": "Sammy Jones"}, "name"},
			{fmt.Sprintf("/api/v1/hosts/%d", host), coordinator, map[string]any{"name": "Ann Hargreave"}, map[string]any{"name": "Annie Hargreaves"}, "name"},
			{fmt.Sprintf("/api/v1/providers/%d", w.home.ID), admin, map[string]any{"name": "Oakwood House Care"}, map[string]any{"name": "Oakwood"}, "name"},
			{fmt.Sprintf("/api/v1/beds/%d", w.beds[0].ID), admin, map[string]any{"label": "Room 1A"}, map[string]any{"label": "Room 1B"}, "label"},
		} {
			t.Run(rec.path, func(t *testing.T) {
				read := s.do(t, request{method: "GET", path: rec.path, token: rec.token})
				etag := read.header.Get("ETag")
				if read.status != 200 || etag == "" {
					t.Fatalf("GET = %d, ETag %q", read.status, etag)
				}
				// Someone changes it, with the ETag they read: made, and a new ETag.
				first := s.do(t, request{method: "PATCH", path: rec.path, token: rec.token, body: rec.first, headers: map[string]string{"If-Match": etag}})
				if first.status != 200 || first.header.Get("ETag") == "" || first.header.Get("ETag") == etag {
					t.Fatalf("PATCH with the current ETag = %d, ETag %q (was %q): %s", first.status, first.header.Get("ETag"), etag, first.body)
				}
				if again := s.do(t, request{method: "GET", path: rec.path, token: rec.token}); again.header.Get("ETag") != first.header.Get("ETag") {
					t.Errorf("GET after the change has ETag %q, the change answered %q", again.header.Get("ETag"), first.header.Get("ETag"))
				}
				// Someone else, still holding the first ETag: 412, nothing changed.
				s.do(t, request{method: "PATCH", path: rec.path, token: rec.token, body: rec.again, headers: map[string]string{"If-Match": etag}}).problem(t, 412)
				if got := s.do(t, request{method: "GET", path: rec.path, token: rec.token}).json(t)[rec.field]; got != rec.first[rec.field] {
					t.Errorf("after the refused change %s = %v, want %v", rec.field, got, rec.first[rec.field])
				}
				// Not an ETag at all: 422 naming the header.
				p := s.do(t, request{method: "PATCH", path: rec.path, token: rec.token, body: rec.again, headers: map[string]string{"If-Match": "yesterday"}}).problem(t, 422)
				if !slices.Contains(fieldNames(p), "If-Match") {
					t.Errorf("a bad If-Match = %+v, want If-Match named", p)
				}
				// Without If-Match, as before: the change is made.
				if r := s.do(t, request{method: "PATCH", path: rec.path, token: rec.token, body: rec.again}); r.status != 200 || r.json(t)[rec.field] != rec.again[rec.field] {
					t.Errorf("PATCH without If-Match = %d %s", r.status, r.body)
				}
			})
		}
	})
}

// Eight members of staff save the same carer at once, each with the ETag
// they read: exactly one change is made, and the other seven are told
// someone else changed the record first.
func TestPatchWithIfMatch_concurrent(t *testing.T) {
	both(t, func(t *testing.T, db *bun.DB) {
		s := newTestServer(t, db)
		admin := s.signIn(t, "admin")
		carer := createdID(t, s.do(t, request{method: "POST", path: "/api/v1/carers", token: admin, body: carerBody("Pat Jones", "07700 900123")}))
		path := fmt.Sprintf("/api/v1/carers/%d", carer)
		etag := s.do(t, request{method: "GET", path: path, token: admin}).header.Get("ETag")

		const editors = 8
		statuses := make(chan int, editors)
		var wg sync.WaitGroup
		for i := range editors {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := s.do(t, request{method: "PATCH", path: path, token: admin, body: map[string]any{"name": fmt.Sprintf("Pat Jones %d", i)},
					headers: map[string]string{"If-Match": etag}})
				statuses <- r.status
			}()
		}
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for st := range statuses {
			count[st]++
		}
		if count[200] != 1 || count[412] != editors-1 {
			t.Errorf("statuses = %v, want one 200 and %d 412s", count, editors-1)
		}
	})
}
