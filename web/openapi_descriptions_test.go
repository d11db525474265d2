package web

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

// TestOpenAPI_Descriptions fails for every schema property without a
// description, every operation without a summary and every parameter
// without a description, and for every entry of the description tables
// that no property uses, so that the tables cannot drift from the structs.
func TestOpenAPI_Descriptions(t *testing.T) {
	doc := openAPIDocument(t)

	used := map[string]bool{}
	var undescribed []string
	for _, p := range documentProperties(doc) {
		if p.description == "" {
			undescribed = append(undescribed, p.name())
		}
		// An entry is in use when it gave the property its description:
		// one a struct tag set first shadows it.
		if text, key := propertyDescription(p.schema, p.property); key != "" && text == p.description {
			used[key] = true
		}
	}
	sort.Strings(undescribed)
	for _, name := range undescribed {
		t.Errorf("property %s has no description: add one to descriptions or schemaDescriptions (openapi_descriptions.go)", name)
	}

	var unused []string
	for key := range descriptions {
		if !used[key] {
			unused = append(unused, key)
		}
	}
	for key := range schemaDescriptions {
		if !used[key] {
			unused = append(unused, key)
		}
	}
	sort.Strings(unused)
	for _, key := range unused {
		t.Errorf("description %q describes no property of the document (renamed, removed, or shadowed by another description)", key)
	}

	for _, op := range documentOperations(doc) {
		if strings.TrimSpace(op.Summary) == "" {
			t.Errorf("%s has no summary", op.name)
		}
		for _, p := range op.Parameters {
			if strings.TrimSpace(p.Description) == "" {
				t.Errorf("%s: %s parameter %q has no description", op.name, p.In, p.Name)
			}
		}
	}
}

// TestOpenAPI_DescriptionTables checks the tables' own words: each entry is
// a sentence, and a per-schema entry is keyed "Schema.property".
func TestOpenAPI_DescriptionTables(t *testing.T) {
	check := func(key, text string) {
		t.Helper()
		if strings.TrimSpace(text) == "" || !strings.HasSuffix(text, ".") || text != strings.TrimSpace(text) {
			t.Errorf("description %q = %q, want a sentence ending in a full stop", key, text)
		}
	}
	for key, text := range descriptions {
		if strings.Contains(key, ".") {
			t.Errorf("shared description %q: a shared key is a bare property name; put it in schemaDescriptions", key)
		}
		check(key, text)
	}
	for key, text := range schemaDescriptions {
		if !strings.Contains(key, ".") {
			t.Errorf("schema description %q: key it \"Schema.property\", or move it to descriptions", key)
		}
		check(key, text)
	}
}

// openAPIDocument is the document as a client reads it.
func openAPIDocument(t *testing.T) map[string]any {
	t.Helper()
	b, err := json.Marshal(buildOpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// documentProperty is one property of a schema in the document. schema
// names where it is: a component's name, or "Component.property" for an
// object written inline in one, as propertyDescription keys them.
type documentProperty struct {
	schema, property, description string
}

func (p documentProperty) name() string { return p.schema + "." + p.property }

// documentProperties lists every property of the document's component
// schemas, and of the objects written inline in them, as describeSchemas
// walks them.
func documentProperties(doc map[string]any) []documentProperty {
	components, _ := doc["components"].(map[string]any)
	schemas, _ := components["schemas"].(map[string]any)
	var out []documentProperty
	var walk func(name string, s map[string]any)
	walk = func(name string, s map[string]any) {
		if props, ok := s["properties"].(map[string]any); ok {
			for k, v := range props {
				p, _ := v.(map[string]any)
				d, _ := p["description"].(string)
				out = append(out, documentProperty{schema: name, property: k, description: d})
				walk(name+"."+k, p)
			}
		}
		if items, ok := s["items"].(map[string]any); ok {
			walk(name, items)
		}
		for _, key := range []string{"anyOf", "oneOf", "allOf"} {
			list, _ := s[key].([]any)
			for _, x := range list {
				if m, ok := x.(map[string]any); ok {
					walk(name, m)
				}
			}
		}
	}
	for name, s := range schemas {
		if m, ok := s.(map[string]any); ok {
			walk(name, m)
		}
	}
	return out
}

type documentOperation struct {
	name       string // "GET /api/v1/carers/{id}"
	Summary    string `json:"summary"`
	Parameters []struct {
		Name        string `json:"name"`
		In          string `json:"in"`
		Description string `json:"description"`
	} `json:"parameters"`
}

// documentOperations lists the document's operations, in path order.
func documentOperations(doc map[string]any) []documentOperation {
	paths, _ := doc["paths"].(map[string]any)
	var out []documentOperation
	for path, ops := range paths {
		b, _ := json.Marshal(ops)
		var byMethod map[string]documentOperation
		_ = json.Unmarshal(b, &byMethod)
		for method, op := range byMethod {
			op.name = strings.ToUpper(method) + " " + path
			out = append(out, op)
		}
	}
	sort.Slice(out, func(i, k int) bool { return out[i].name < out[k].name })
	return out
}
