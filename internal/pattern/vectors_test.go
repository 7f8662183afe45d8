package pattern

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The official vectors live outside the repository (see ../shared/testdata/README.md and
// ../shared/conformance-data/README.md, relative to the project root).
var (
	testdataDir    = filepath.Join("..", "..", "..", "shared", "testdata")
	conformanceDir = filepath.Join("..", "..", "..", "shared", "conformance-data", "pattern")
)

type matchVector struct {
	Pattern       string            `json:"pattern"`
	StixVersion   string            `json:"stix_version"`
	Observations  []json.RawMessage `json:"observations"`
	Expected      string            `json:"expected"`
	MatchedSDOIDs []string          `json:"matched_sdo_ids"`
}

type syntaxVector struct {
	Pattern       string `json:"pattern"`
	StixVersion   string `json:"stix_version"`
	ExpectedValid bool   `json:"expected_valid"`
}

// vectorExceptions lists vectors whose expected outcome we believe to be wrong, keyed by
// "version|pattern", with the reason. A vector listed here must still disagree with us: the
// test fails if it starts to agree, so the table cannot go stale.
var vectorExceptions = map[string]string{}

// loadVectors reads the "vectors" array of every existing file, skipping the test when none
// exists.
func loadVectors[T any](t *testing.T, files ...string) []T {
	t.Helper()
	var all []T
	found := false
	for _, f := range files {
		data, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		found = true
		var doc struct {
			Vectors []T `json:"vectors"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		all = append(all, doc.Vectors...)
	}
	if !found {
		t.Skipf("pattern vectors not found (%v); they live in ../shared beside the project", files)
	}
	return all
}

// outcome runs one vector the way the reference suite does and names the result. Errors
// of kind KindInvalid and KindUnsupported count as match errors: the reference matcher
// raises them while matching, this package already while parsing.
func outcome(v matchVector) (string, Result, error) {
	p, err := ParseVersion(v.Pattern, Version(v.StixVersion))
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) && pe.Kind == KindSyntax {
			return "parse_error", Result{}, err
		}
		return "match_error", Result{}, err
	}
	raw, err := json.Marshal(v.Observations)
	if err != nil {
		return "", Result{}, err
	}
	obs, err := DecodeObservations(raw)
	if err != nil {
		return "match_error", Result{}, err
	}
	res, err := p.Match(obs, MatchOptions{})
	if err != nil {
		return "match_error", res, err
	}
	if res.Matched {
		return "match", res, nil
	}
	return "no_match", res, nil
}

// referenceIDs names the matched observations as the reference matcher reports them: STIX
// 2.0 observed-data by their ids, STIX 2.1 by the id of the bundle it merges all input
// bundles into, which is the last bundle's, once per observed-data.
func referenceIDs(v matchVector, res Result) []string {
	if v.StixVersion == "2.0" {
		return res.MatchedSDOIDs
	}
	last := ""
	for _, o := range v.Observations {
		var b struct{ Type, ID string }
		if json.Unmarshal(o, &b) == nil && b.Type == "bundle" && b.ID != "" {
			last = b.ID
		}
	}
	var ids []string
	for range res.Observations {
		ids = append(ids, last)
	}
	return ids
}

// TestMatchVectors runs the reference matching vectors. The file
// conformance-data/pattern/more-stix-pattern-vectors.json is deliberately not read: it describes
// itself as a held-out set not meant for developers, so it stays an independent check for others.
func TestMatchVectors(t *testing.T) {
	vectors := loadVectors[matchVector](t,
		filepath.Join(testdataDir, "stix-pattern-vectors.json"))
	agree, excepted := 0, 0
	for i, v := range vectors {
		got, res, err := outcome(v)
		problem := ""
		switch {
		case got != v.Expected:
			problem = "got " + got + ", want " + v.Expected
		case got == "match" && len(v.MatchedSDOIDs) > 0 && !slices.Equal(referenceIDs(v, res), v.MatchedSDOIDs):
			problem = "matched ids differ"
		}
		key := v.StixVersion + "|" + v.Pattern
		if reason, ok := vectorExceptions[key]; ok {
			excepted++
			if problem == "" {
				t.Errorf("vector %d (%s) is listed as an exception (%s) but now agrees: drop it from the table", i, key, reason)
			}
			continue
		}
		if problem != "" {
			t.Errorf("vector %d, STIX %s, %s: %s (err: %v; ids got %v, want %v)", i, v.StixVersion, v.Pattern,
				problem, err, referenceIDs(v, res), v.MatchedSDOIDs)
			continue
		}
		agree++
	}
	t.Logf("%d of %d match vectors agree, %d listed exceptions", agree, len(vectors), excepted)
}

func TestSyntaxVectors(t *testing.T) {
	vectors := loadVectors[syntaxVector](t,
		filepath.Join(testdataDir, "stix-pattern-syntax-vectors.json"),
		filepath.Join(conformanceDir, "more-stix-pattern-syntax-vectors.json"))
	for i, v := range vectors {
		err := CheckVersion(v.Pattern, Version(v.StixVersion))
		if got := err == nil; got != v.ExpectedValid {
			t.Errorf("vector %d, STIX %s, %s: valid = %v, want %v (err: %v)", i, v.StixVersion, v.Pattern, got, v.ExpectedValid, err)
		}
	}
	t.Logf("%d syntax vectors", len(vectors))
}
