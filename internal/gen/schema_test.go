package gen

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const schemaDir = "../../../shared/conformance-data/stix/schemas"

// TestWriteMatchesOASISSchemas validates every object of a corpus against the official STIX 2.1
// JSON schemas: an independent check of the properties each type requires and allows.
func TestWriteMatchesOASISSchemas(t *testing.T) {
	if _, err := os.Stat(schemaDir); err != nil {
		t.Skipf("the OASIS STIX 2.1 schemas are not at %s: %v", schemaDir, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	ids := map[string]string{} // file below schemaDir (without .json) → schema $id
	err := filepath.WalkDir(schemaDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			return err
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		rel, _ := filepath.Rel(schemaDir, path)
		ids[filepath.ToSlash(rel[:len(rel)-len(".json")])] = id
		return c.AddResource(id, doc)
	})
	if err != nil {
		t.Fatalf("loading the schemas: %v", err)
	}
	schemas := map[string]*jsonschema.Schema{}
	schemaFor := func(typ string) *jsonschema.Schema {
		t.Helper()
		if s, ok := schemas[typ]; ok {
			return s
		}
		var id string
		for _, dir := range []string{"sdos/", "sros/", "observables/", "common/"} {
			if id = ids[dir+typ]; id != "" {
				break
			}
		}
		if id == "" {
			t.Fatalf("no schema for type %s", typ)
		}
		s, err := c.Compile(id)
		if err != nil {
			t.Fatalf("compiling the schema of %s: %v", typ, err)
		}
		schemas[typ] = s
		return s
	}

	opts := Options{Objects: 3000, Seed: 11}
	var bundle struct{ Objects []json.RawMessage }
	if err := json.Unmarshal(generate(t, opts), &bundle); err != nil {
		t.Fatal(err)
	}
	for n, raw := range bundle.Objects {
		var head struct{ Type string }
		if err := json.Unmarshal(raw, &head); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if err := schemaFor(head.Type).Validate(inst); err != nil {
			t.Fatalf("object %d does not match the %s schema: %v\n%s", n, head.Type, err, raw)
		}
	}
	if len(schemas) < 15 {
		t.Errorf("checked %d types, want all the corpus uses", len(schemas))
	}
}
