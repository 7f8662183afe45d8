package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/entente/entente/internal/stix"
)

// The marking-definition ids of the three families, written out here rather than taken from
// package stix so that a wrong entry there shows up.
const (
	md          = "marking-definition--"
	v1Clear     = md + "613f2e26-407d-48c7-9eca-b8e91df99dc9"
	v1Green     = md + "34098fce-860f-48ae-8e50-ebd3cc5e41da"
	v1Amber     = md + "f88d31f6-486f-44da-b317-01333bde0b82"
	v1Red       = md + "5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
	v2Clear     = md + "94868c89-83c2-464b-929b-a1a8aa3c8487"
	v2Green     = md + "bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	v2Amber     = md + "55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	v2Strict    = md + "939a9414-2ddd-4d32-a0cd-375ea402b003"
	v2Red       = md + "e828b379-4e03-4974-9ac4-e53a884c97c1"
	octiStrict  = md + "826578e1-40ad-459f-bc73-ede076f81f37"
	statementID = md + "fa42a846-8d90-4e51-bc29-71d5b4802168"
	unknownID   = md + "00000000-0000-4000-8000-000000000000"
)

// decode decodes a test object, failing the test when it is not valid STIX.
func decode(tb testing.TB, raw string) *stix.Object {
	tb.Helper()
	o, err := stix.Decode([]byte(raw))
	if err != nil {
		tb.Fatalf("decode %s: %v", raw, err)
	}
	return o
}

// indicatorWith returns an indicator JSON with the given extra members (a JSON fragment
// starting with a comma, or "").
func indicatorWith(extra string) string {
	return `{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",` +
		`"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z",` +
		`"pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"` + extra + `}`
}

func markedWith(refs ...string) string {
	if len(refs) == 0 {
		return indicatorWith("")
	}
	return indicatorWith(`,"object_marking_refs":["` + strings.Join(refs, `","`) + `"]`)
}

func TestEffectiveTLP(t *testing.T) {
	cfg := Config{Statements: map[string]bool{statementID: true}}
	tests := []struct {
		name string
		refs []string
		cfg  Config
		want stix.TLP
	}{
		{"unmarked gets AMBER+STRICT by default", nil, cfg, stix.TLPAmberStrict},
		{"unmarked gets the configured default", nil, Config{DefaultTLP: stix.TLPGreen}, stix.TLPGreen},
		{"a bad default is unknown", nil, Config{DefaultTLP: 42}, stix.TLPUnknown},
		{"TLP 1.0 white is clear", []string{v1Clear}, cfg, stix.TLPClear},
		{"TLP 1.0 green", []string{v1Green}, cfg, stix.TLPGreen},
		{"TLP 1.0 amber", []string{v1Amber}, cfg, stix.TLPAmber},
		{"TLP 1.0 red", []string{v1Red}, cfg, stix.TLPRed},
		{"TLP 2.0 clear", []string{v2Clear}, cfg, stix.TLPClear},
		{"TLP 2.0 green", []string{v2Green}, cfg, stix.TLPGreen},
		{"TLP 2.0 amber", []string{v2Amber}, cfg, stix.TLPAmber},
		{"TLP 2.0 amber+strict", []string{v2Strict}, cfg, stix.TLPAmberStrict},
		{"TLP 2.0 red", []string{v2Red}, cfg, stix.TLPRed},
		{"OpenCTI amber+strict", []string{octiStrict}, cfg, stix.TLPAmberStrict},
		{"most restrictive across families", []string{v1Green, v2Amber, v2Clear}, cfg, stix.TLPAmber},
		{"amber+strict beats amber", []string{v1Amber, octiStrict}, cfg, stix.TLPAmberStrict},
		{"red beats amber+strict", []string{v2Strict, v1Red}, cfg, stix.TLPRed},
		{"unknown marking beats red", []string{v2Red, unknownID}, cfg, stix.TLPUnknown},
		{"unknown marking alone", []string{unknownID}, cfg, stix.TLPUnknown},
		{"known statement is ignored", []string{v2Green, statementID}, cfg, stix.TLPGreen},
		{"statement alone gets the default", []string{statementID}, cfg, stix.TLPAmberStrict},
		{"statement the node does not know is unknown", []string{v2Green, statementID}, Config{}, stix.TLPUnknown},
		{"upper-case UUID", []string{md + strings.ToUpper(strings.TrimPrefix(v2Green, md))}, cfg, stix.TLPGreen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := decode(t, markedWith(tt.refs...))
			if got := tt.cfg.EffectiveTLP(o); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	t.Run("function form knows no statements", func(t *testing.T) {
		o := decode(t, markedWith(v2Green, statementID))
		if got := EffectiveTLP(o, stix.TLPGreen); got != stix.TLPUnknown {
			t.Errorf("got %s, want unknown", got)
		}
		if got := EffectiveTLP(decode(t, markedWith()), stix.TLPClear); got != stix.TLPClear {
			t.Errorf("got %s for unmarked with CLEAR default, want clear", got)
		}
	})
	t.Run("TLP marking definitions are clear", func(t *testing.T) {
		o := decode(t, `{"type":"marking-definition","spec_version":"2.1","id":"`+v2Amber+`","created":"2022-10-01T00:00:00.000Z","name":"TLP:AMBER","extensions":{"`+stix.TLP2ExtensionID+`":{"extension_type":"property-extension","tlp_2_0":"amber"}}}`)
		if got := EffectiveTLP(o, 0); got != stix.TLPClear {
			t.Errorf("got %s, want clear", got)
		}
	})
}

func TestIsStatement(t *testing.T) {
	mitre := `{"type":"marking-definition","spec_version":"2.1","id":"` + statementID + `","created":"2017-06-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"Copyright 2017, The MITRE Corporation"}}`
	// stix.Decode rejects an empty statement; IsStatement must still not count one.
	emptyStatement := func(o *stix.Object) { o.Props["definition"] = map[string]any{"statement": ""} }
	tests := []struct {
		raw   string
		alter func(*stix.Object) // applied after decoding, or nil
		want  bool
	}{
		{mitre, nil, true},
		{mitre, emptyStatement, false},
		{`{"type":"marking-definition","spec_version":"2.1","id":"` + v1Green + `","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","definition":{"tlp":"green"}}`, nil, false},
		{indicatorWith(""), nil, false},
	}
	for _, tt := range tests {
		o := decode(t, tt.raw)
		if tt.alter != nil {
			tt.alter(o)
		}
		if got := IsStatement(o); got != tt.want {
			t.Errorf("IsStatement(%s, altered %v): got %v, want %v", tt.raw, tt.alter != nil, got, tt.want)
		}
	}
	if _, err := stix.Decode([]byte(strings.Replace(mitre, "Copyright 2017, The MITRE Corporation", "", 1))); err == nil {
		t.Error("stix.Decode accepts an empty statement; IsStatement's check for one is no longer belt and braces")
	}
}

func TestFactsOf(t *testing.T) {
	raw := indicatorWith(`,"labels":["phishing"],"object_marking_refs":["` + v2Green + `"],"description":"from bob@example.org",` +
		`"x_entente_recipients":["identity--1c3a2bfe-6bde-4f6d-9a37-0c3f7a06b1a8",7],` +
		`"granular_markings":[` +
		`{"marking_ref":"` + v2Amber + `","selectors":["description"]},` +
		`{"marking_ref":"` + v1Green + `","selectors":["labels"]},` +
		`{"marking_ref":"` + v2Red + `","selectors":["pattern"]},` +
		`{"marking_ref":"` + unknownID + `","selectors":["labels.[0]"]},` +
		`{"lang":"de","selectors":["description"]}]`)
	o := decode(t, raw)
	// Selectors stix.Decode rejects, added after decoding: one that selects nothing (ignored)
	// and one that cannot be understood (marks the whole object).
	o.GranularMarkings[3].Selectors = append(o.GranularMarkings[3].Selectors, "no_such_property")
	withGranular(o, stix.GranularMarking{MarkingRef: v2Strict, Selectors: []string{"description..x"}})
	added := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := FactsOf(o, orgA, added, []string{orgB}, Config{})
	if f.Type != "indicator" || f.TLP != stix.TLPGreen || f.Origin != orgA || !f.Added.Equal(added) {
		t.Errorf("got %+v", f)
	}
	if want := []string{orgB, "identity--1c3a2bfe-6bde-4f6d-9a37-0c3f7a06b1a8"}; !equalStrings(f.Shares, want) {
		t.Errorf("got shares %v, want %v", f.Shares, want)
	}
	if len(f.Labels) != 1 || f.Labels[0] != "phishing" {
		t.Errorf("got labels %v", f.Labels)
	}
	if f.Personal != PersonalEmbedded {
		t.Errorf("got personal %s, want embedded", f.Personal)
	}
	// AMBER on description and Unknown on labels.[0] are optional; RED on the pattern and
	// AMBER+STRICT on a selector that cannot be understood are required; GREEN adds nothing.
	if want := LevelsOf(stix.TLPAmber, stix.TLPUnknown); f.GranularOptional != want {
		t.Errorf("got optional %v, want %v", f.GranularOptional.TLPs(), want.TLPs())
	}
	if want := LevelsOf(stix.TLPRed, stix.TLPAmberStrict); f.GranularRequired != want {
		t.Errorf("got required %v, want %v", f.GranularRequired.TLPs(), want.TLPs())
	}
}

func equalStrings(a, b []string) bool { return slicesEqual(a, b) }

func TestParseSelector(t *testing.T) {
	tests := []struct {
		sel string
		ok  bool
	}{
		{"description", true},
		{"external_references.[0].url", true},
		{"kill_chain_phases.[12]", true},
		{"", false},
		{"a..b", false},
		{"[0]", false},
		{"a.[x]", false},
		{"a.[-1]", false},
		{"a.[]", false},
		{"a.[1", false},
		{"a.", false},
	}
	for _, tt := range tests {
		if _, ok := parseSelector(tt.sel); ok != tt.ok {
			t.Errorf("parseSelector(%q): got %v, want %v", tt.sel, ok, tt.ok)
		}
	}
}

func TestLevels(t *testing.T) {
	l := LevelsOf(stix.TLPGreen, stix.TLPRed, stix.TLPUnknown, 0)
	if got := l.TLPs(); len(got) != 3 || got[0] != stix.TLPGreen || got[1] != stix.TLPRed || got[2] != stix.TLPUnknown {
		t.Errorf("got %v", got)
	}
	if !l.Has(42) || l.Has(stix.TLPClear) {
		t.Error("a value that is no level must count as Unknown, and CLEAR is not in the set")
	}
	if got := upTo(stix.TLPAmber); got != LevelsOf(stix.TLPClear, stix.TLPGreen, stix.TLPAmber) {
		t.Errorf("upTo(amber): got %v", got.TLPs())
	}
}
