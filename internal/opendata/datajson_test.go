package opendata

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/entente/entente/internal/stix"
)

// podPattern stands in for the ECMA/Python regular expressions of the DCAT-US schemas, which
// RE2 cannot compile: back-references to an optional separator ((-?) … \3, (:?) … \17) are
// expanded into one RE2 expression per choice, which is exact; the two negative look-aheads
// ((?!\d{2}\b) after a four-digit year, (?!:) after a fraction) are dropped, which is weaker —
// TestPODPatternsStillReject shows the dates that matter are still told apart.
type podPattern struct {
	src      string
	variants []*regexp.Regexp
}

func (p *podPattern) MatchString(s string) bool {
	for _, re := range p.variants {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

func (p *podPattern) String() string { return p.src }

var (
	backref   = regexp.MustCompile(`\\(\d+)`)
	lookahead = regexp.MustCompile(`\(\?!(\\d\{2\}\\b|:)\)`)
)

func compilePOD(src string) (jsonschema.Regexp, error) {
	if re, err := regexp.Compile(src); err == nil {
		return &podPattern{src: src, variants: []*regexp.Regexp{re}}, nil
	}
	s := lookahead.ReplaceAllString(src, "")
	variants := []string{s}
	for _, opt := range []struct{ group, fixed string }{{"(-?)", "-"}, {"(:?)", ":"}} {
		var next []string
		for _, v := range variants {
			i := strings.Index(v, opt.group)
			if i < 0 {
				next = append(next, v)
				continue
			}
			num := strings.Count(v[:i], "(") - strings.Count(v[:i], "(?") - strings.Count(v[:i], `\(`) + 1
			for _, choice := range []string{regexp.QuoteMeta(opt.fixed), ""} {
				w := v[:i] + "(" + choice + ")" + v[i+len(opt.group):]
				w = backref.ReplaceAllStringFunc(w, func(m string) string {
					if m[1:] == itoa(num) {
						return choice
					}
					return m
				})
				next = append(next, w)
			}
		}
		variants = next
	}
	p := &podPattern{src: src}
	for _, v := range variants {
		// What other back-references remain point at groups the expansion fixed already.
		v = backref.ReplaceAllString(v, "")
		re, err := regexp.Compile(v)
		if err != nil {
			return nil, err
		}
		p.variants = append(p.variants, re)
	}
	return p, nil
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func loadPODSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "conformance-data", "opendata", "dcat-us", "non-federal-v1.1")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no DCAT-US schemas at %s: %v", dir, err)
	}
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(compilePOD)
	c.AssertFormat()
	for _, name := range []string{"catalog.json", "dataset-non-federal.json"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("https://project-open-data.cio.gov/v1.1/schema/"+name, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("https://project-open-data.cio.gov/v1.1/schema/catalog.json")
	if err != nil {
		t.Fatalf("compiling the DCAT-US schema: %v", err)
	}
	return s
}

func TestPODPatternsStillReject(t *testing.T) {
	const date = `^([\+-]?\d{4}(?!\d{2}\b))((-?)((0[1-9]|1[0-2])(\3([12]\d|0[1-9]|3[01]))?|W([0-4]\d|5[0-2])(-?[1-7])?|(00[1-9]|0[1-9]\d|[12]\d{2}|3([0-5]\d|6[1-6])))([T\s]((([01]\d|2[0-3])((:?)[0-5]\d)?|24\:?00)([\.,]\d+(?!:))?)?(\17[0-5]\d([\.,]\d+)?)?([zZ]|([\+-])([01]\d|2[0-3]):?([0-5]\d)?)?)?)?$`
	re, err := compilePOD(date)
	if err != nil {
		t.Fatal(err)
	}
	for s, want := range map[string]bool{
		"2025-06-01": true, "2025-06-01T10:00:00Z": true, "20250601": true, "2025-06-01T10:00:00+02:00": true,
		"2025-13-45": false, "20250601x": false, "2025-0601": false, "2025-06-01T10:0000Z": false,
	} {
		if got := re.MatchString(s); got != want {
			t.Errorf("%q: got match %v, want %v", s, got, want)
		}
	}
}

func TestDataJSONValidates(t *testing.T) {
	schema := loadPODSchema(t)
	f := newFixture(t, Deps{})
	f.add(t, 0, f.self.ID, indicator(1, stix.TLPClear, "one"))
	body := f.mustGet(t, "/opendata/data.json")
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("data.json does not validate: %v\n%s", err, body)
	}
	var cat struct {
		ConformsTo string           `json:"conformsTo"`
		Dataset    []map[string]any `json:"dataset"`
	}
	if err := json.Unmarshal([]byte(body), &cat); err != nil {
		t.Fatal(err)
	}
	if cat.ConformsTo != "https://project-open-data.cio.gov/v1.1/schema" || len(cat.Dataset) != len(DefaultDatasets()) {
		t.Errorf("got conformsTo %q and %d datasets, want the v1.1 schema and %d", cat.ConformsTo, len(cat.Dataset), len(DefaultDatasets()))
	}
	// The harvester validates every dataset on its own, too.
	bad := strings.Replace(body, `"accessLevel": "public"`, `"accessLevel": "secret"`, 1)
	doc, _ = jsonschema.UnmarshalJSON(strings.NewReader(bad))
	if schema.Validate(doc) == nil {
		t.Error("a wrong accessLevel validates: the schema check cannot fail")
	}
}
