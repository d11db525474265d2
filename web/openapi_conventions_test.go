package web_test

import (
	"encoding/json"
	"testing"

	"github.com/respite-uk/respite/migrations/dbtest"
)

// The document names its server and its areas, tags every operation with
// one of them, declares Location on every 201, 413 and 415 wherever a body
// is taken, and the Idempotency-Key header where bookings take it.
func TestOpenAPI_TagsHeadersAndBodies(t *testing.T) {
	s := newTestServer(t, dbtest.SQLite(t))
	r := s.do(t, request{method: "GET", path: "/api/v1/openapi.json"})
	var doc struct {
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
		Tags []struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"tags"`
		Paths map[string]map[string]struct {
			Tags        []string `json:"tags"`
			RequestBody any      `json:"requestBody"`
			Parameters  []struct {
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
			Responses map[string]struct {
				Headers map[string]any `json:"headers"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL == "" {
		t.Errorf("servers = %+v, want the one service", doc.Servers)
	}
	tags := map[string]bool{}
	for _, tg := range doc.Tags {
		if tg.Description == "" {
			t.Errorf("tag %q has no description", tg.Name)
		}
		tags[tg.Name] = true
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			name := method + " " + path
			if len(op.Tags) != 1 || !tags[op.Tags[0]] {
				t.Errorf("%s: tags %v, want one of the document's areas", name, op.Tags)
			}
			if created, ok := op.Responses["201"]; ok && created.Headers["Location"] == nil {
				t.Errorf("%s: its 201 does not declare Location", name)
			}
			if op.RequestBody != nil {
				for _, st := range []string{"413", "415"} {
					if _, ok := op.Responses[st]; !ok {
						t.Errorf("%s takes a body but does not declare %s", name, st)
					}
				}
			}
			for _, st := range []string{"429", "503"} {
				if resp, ok := op.Responses[st]; ok && resp.Headers["Retry-After"] == nil {
					t.Errorf("%s: its %s does not declare Retry-After", name, st)
				}
			}
		}
	}
	idem := false
	for _, p := range doc.Paths["/api/v1/bookings"]["post"].Parameters {
		idem = idem || (p.Name == "Idempotency-Key" && p.In == "header")
	}
	if !idem {
		t.Errorf("POST /api/v1/bookings does not declare the Idempotency-Key header")
	}
}
