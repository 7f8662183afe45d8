package pattern

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// seedPatterns adds the official vectors' patterns to a fuzz corpus when they are present.
func seedPatterns(f *testing.F, add func(pattern string, obs []byte)) {
	f.Helper()
	for _, name := range []string{
		filepath.Join(testdataDir, "stix-pattern-vectors.json"),
		filepath.Join(testdataDir, "stix-pattern-syntax-vectors.json"),
	} {
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		var doc struct {
			Vectors []struct {
				Pattern      string          `json:"pattern"`
				Observations json.RawMessage `json:"observations"`
			} `json:"vectors"`
		}
		if json.Unmarshal(data, &doc) != nil {
			continue
		}
		for i, v := range doc.Vectors {
			if i%4 == 0 { // a sample keeps the corpus small
				add(v.Pattern, v.Observations)
			}
		}
	}
}

var fuzzSeeds = []string{
	"[file:hashes.'SHA-256' = 'aa' OR file:size > 5] REPEATS 2 TIMES WITHIN 3.5 SECONDS",
	"([a:b[*].c_refs[0].d LIKE 'x%'] AND [a:b NOT IN (1, 2.5)]) FOLLOWEDBY [a:c MATCHES '^(?i)x\\\\d$']",
	"[a:b = t'2020-01-01T00:00:00Z'] START t'2020-01-01T00:00:00Z' STOP t'2020-01-02T00:00:00Z'",
	"[a:b = h'00ff' OR a:c = b'AAEC' OR EXISTS a:d] // c",
	"[a:b ISSUBSET '10.0.0.0/8' AND a:c NOT ISSUPERSET '::1']",
}

// FuzzParse checks that parsing never panics, that errors say where they are, and that a
// parsed pattern prints to text that parses back to the same text.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, false)
	}
	seedPatterns(f, func(p string, _ []byte) { f.Add(p, false); f.Add(p, true) })
	f.Fuzz(func(t *testing.T, s string, v20 bool) {
		v := V21
		if v20 {
			v = V20
		}
		p, err := ParseVersion(s, v)
		_ = CheckVersion(s, v)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("ParseVersion(%q) error %v is not an *Error", s, err)
			}
			if pe.Offset < 0 || pe.Offset > len(s) || pe.Line < 1 || pe.Column < 1 {
				t.Fatalf("ParseVersion(%q) error has a bad position: %+v", s, pe)
			}
			return
		}
		s1 := p.String()
		p2, err := ParseVersion(s1, v)
		if err != nil {
			t.Fatalf("ParseVersion(%q) ok, but its String %q does not parse: %v", s, s1, err)
		}
		if s2 := p2.String(); s2 != s1 {
			t.Fatalf("String is not stable for %q:\nfirst  %q\nsecond %q", s, s1, s2)
		}
		_, _ = p.Observables()
	})
}

// FuzzMatch checks that evaluation never panics and stays within its budget, whatever the
// pattern and the observations.
func FuzzMatch(f *testing.F) {
	obs := []byte(`[{"type":"observed-data","first_observed":"2020-01-01T00:00:00Z","last_observed":"2020-01-01T00:00:01Z",
		"number_observed":2,"objects":{"0":{"type":"a","b":[1,{"c_refs":["1"]}],"c":"x1","d_hex":"00ff"},"1":{"type":"a","d":"x"}}}]`)
	for _, s := range fuzzSeeds {
		f.Add(s, obs)
	}
	seedPatterns(f, func(p string, o []byte) {
		if len(o) > 0 {
			f.Add(p, []byte(o))
		}
	})
	f.Fuzz(func(t *testing.T, s string, data []byte) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		list, err := DecodeObservations(data)
		if err != nil {
			return
		}
		r1, err1 := p.Match(list, MatchOptions{MaxSteps: 20000})
		r2, err2 := p.Match(list, MatchOptions{MaxSteps: 20000})
		if (err1 == nil) != (err2 == nil) || r1.Matched != r2.Matched {
			t.Fatalf("Match is not deterministic: %v %v / %v %v", r1.Matched, err1, r2.Matched, err2)
		}
		for _, i := range r1.Observations {
			if i < 0 || i >= len(list) {
				t.Fatalf("Match reports observation %d of %d", i, len(list))
			}
		}
		var me *MatchError
		if err1 != nil && !errors.As(err1, &me) {
			t.Fatalf("Match error %v is not a *MatchError", err1)
		}
	})
}
