package web_test

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/respite-uk/respite/migrations/dbtest"
)

// TestOpenAPI_MatchesRoutes fails when a route is registered under /api/v1
// without being in the OpenAPI document, or the document lists a route that
// does not exist.
func TestOpenAPI_MatchesRoutes(t *testing.T) {
	s := newTestServer(t, dbtest.SQLite(t))
	r := s.do(t, request{method: "GET", path: "/api/v1/openapi.json"})
	if r.status != 200 {
		t.Fatalf("openapi.json = %d", r.status)
	}
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}

	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	param := regexp.MustCompile(`:(\w+)`)
	seen := map[string]bool{}
	var registered []string
	for _, rt := range s.App().GetRoutes(true) {
		if !strings.HasPrefix(rt.Path, "/api/v1/") || rt.Method == "HEAD" || rt.Method == "USE" {
			continue
		}
		key := rt.Method + " " + param.ReplaceAllString(rt.Path, "{$1}")
		if !seen[key] {
			seen[key] = true
			registered = append(registered, key)
		}
	}
	sort.Strings(documented)
	sort.Strings(registered)
	if diff := cmp.Diff(registered, documented); diff != "" {
		t.Errorf("routes (-registered +documented):\n%s", diff)
	}

	// Every reference must lead to a schema in the document.
	refs := regexp.MustCompile(`"\$ref":\s*"#/components/schemas/([^"]+)"`).FindAllStringSubmatch(string(r.body), -1)
	if len(refs) == 0 {
		t.Error("the document references no schemas")
	}
	for _, m := range refs {
		if _, ok := doc.Components.Schemas[m[1]]; !ok {
			t.Errorf("$ref to missing schema %s", m[1])
		}
	}
	if strings.Contains(string(r.body), "#/$defs/") {
		t.Error("the document has JSON Schema $defs references that do not resolve inside OpenAPI")
	}

	// The vocabularies come from the domain, not copies.
	var provider struct {
		Properties map[string]struct {
			Items struct {
				Enum []string `json:"enum"`
			} `json:"items"`
		} `json:"properties"`
	}
	b, _ := json.Marshal(doc.Components.Schemas["ProviderRequest"])
	if err := json.Unmarshal(b, &provider); err != nil {
		t.Fatal(err)
	}
	if got := provider.Properties["bed_types"].Items.Enum; !cmp.Equal(got, []string{"residential", "residential_dementia", "nursing", "nursing_dementia"}) {
		t.Errorf("ProviderRequest.bed_types enum = %v", got)
	}
}
