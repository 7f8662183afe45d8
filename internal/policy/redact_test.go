package policy

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entente/entente/internal/stix"
)

// personalReport has personal data in every place the redaction knows, in a member order that
// is not alphabetical, and a number that a float64 would not keep.
var personalReport = `{"type":"report","spec_version":"2.1","id":"report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",` + created + `,` +
	`"name":"r","published":"2026-01-01T00:00:00Z","description":"ask bob@example.org \u00e9",` +
	`"x_score":1.000000000000000000001,"object_refs":["` + emailRef + `","` + ind2Ref + `","` + accountRef + `","` + identRef + `"],` +
	`"authors":["Bob"],"created_by_ref":"` + identRef + `","x_owner_ref":"` + accountRef + `",` +
	`"extensions":{"x-ext":{"extension_type":"property-extension","who_ref":"` + emailRef + `"},"y-ext":{"extension_type":"property-extension","note":"a@b.example"}},` +
	`"x_list":[{"n":1e400,"who":"c@d.example"}],` +
	`"granular_markings":[{"marking_ref":"` + v2Green + `","selectors":["object_refs.[1]","object_refs.[2]","authors"]},` +
	`{"marking_ref":"` + v2Green + `","selectors":["authors"]},` +
	`{"selectors":["object_refs.[3]","description"],"lang":"en"}]}`

func TestRedactPersonal(t *testing.T) {
	o := decode(t, personalReport)
	d := Decision{Allow: true, Form: FormRedacted, Rule: RuleTLPClear, Redactions: RedactPersonal, Visible: AllLevels}
	got, err := Redact(o, d, Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"report","spec_version":"2.1","id":"report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",` + created + `,` +
		`"name":"r","published":"2026-01-01T00:00:00Z","description":"ask [redacted e-mail] é",` +
		`"x_score":1.000000000000000000001,"object_refs":["` + ind2Ref + `","` + identRef + `"],` +
		`"created_by_ref":"` + identRef + `",` +
		`"extensions":{"y-ext":{"extension_type":"property-extension","note":"[redacted e-mail]"}},` +
		`"x_list":[{"n":1e400,"who":"[redacted e-mail]"}],` +
		`"granular_markings":[{"marking_ref":"` + v2Green + `","selectors":["object_refs.[0]"]},` +
		`{"selectors":["object_refs.[1]","description"],"lang":"en"}]}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	o2 := decode(t, string(got))
	if ContainsPersonalData(o2) {
		t.Error("the redacted form still contains personal data")
	}
}

// granularIndicator is GREEN with parts marked above it.
var granularIndicator = indicatorWith(`,"object_marking_refs":["` + v2Green + `"],"description":"d","labels":["l1","l2"],` +
	`"external_references":[{"source_name":"a","url":"https://a.example/"},{"source_name":"b","external_id":"b-1"}],` +
	`"extensions":{"x-ext":{"extension_type":"property-extension","area":{"bay":1}},"z-ext":{"extension_type":"property-extension","count":2}},` +
	`"x_hashes":{"MD5":"m","SHA-256":"s"},"x_one":{"only":"o"},` +
	`"granular_markings":[` +
	`{"marking_ref":"` + v2Amber + `","selectors":["description","external_references.[1].source_name"]},` +
	`{"marking_ref":"` + v2Red + `","selectors":["extensions.x-ext.area.bay","x_hashes.SHA-256","x_one.only"]},` +
	`{"marking_ref":"` + v1Green + `","selectors":["labels.[1]"]},` +
	`{"marking_ref":"` + v2Amber + `","selectors":["external_references.[0].url"]}]`)

// unknownOnNothing marks at the most restrictive level a part no object has. stix.Decode
// rejects such a selector (TestDecodeRejectsOddSelectors), so tests add it to an object after
// decoding: the policy must still ignore it, as the package documentation promises.
var unknownOnNothing = stix.GranularMarking{MarkingRef: unknownID, Selectors: []string{"no_such"}}

// withGranular returns o with gms added to its decoded granular markings, standing for an
// object that did not pass through stix.Decode. The stored bytes are left alone.
func withGranular(o *stix.Object, gms ...stix.GranularMarking) *stix.Object {
	o.GranularMarkings = append(slices.Clip(o.GranularMarkings), gms...)
	return o
}

func TestRedactGranular(t *testing.T) {
	o := withGranular(decode(t, granularIndicator), unknownOnNothing)
	head := strings.TrimSuffix(indicatorWith(""), "}") + `,"object_marking_refs":["` + v2Green + `"]`
	tests := []struct {
		name    string
		visible Levels
		want    string
	}{
		{"green recipient", LevelsOf(stix.TLPClear, stix.TLPGreen), head + `,"labels":["l1","l2"],` +
			`"extensions":{"z-ext":{"extension_type":"property-extension","count":2}},"x_hashes":{"MD5":"m"},` +
			`"granular_markings":[{"marking_ref":"` + v1Green + `","selectors":["labels.[1]"]}]}`},
		{"green recipient named on red", LevelsOf(stix.TLPClear, stix.TLPGreen, stix.TLPRed), head + `,"labels":["l1","l2"],` +
			`"extensions":{"x-ext":{"extension_type":"property-extension","area":{"bay":1}},"z-ext":{"extension_type":"property-extension","count":2}},` +
			`"x_hashes":{"MD5":"m","SHA-256":"s"},"x_one":{"only":"o"},` +
			`"granular_markings":[{"marking_ref":"` + v2Red + `","selectors":["extensions.x-ext.area.bay","x_hashes.SHA-256","x_one.only"]},` +
			`{"marking_ref":"` + v1Green + `","selectors":["labels.[1]"]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decision{Allow: true, Form: FormRedacted, Rule: RuleGreenAgreement, Redactions: RedactGranular, Visible: tt.visible}
			got, err := Redact(o, d, Config{})
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			decode(t, string(got))
		})
	}
}

func TestRedactEndToEnd(t *testing.T) {
	ag := testAgreements(t)
	o := withGranular(decode(t, granularIndicator), unknownOnNothing)
	f := FactsOf(o, ownOrg, tNow.Add(-72*time.Hour), nil, Config{})
	d := Decide(partner(orgC), f, ag, tNow)
	if d.Form != FormRedacted || d.Redactions != RedactGranular {
		t.Fatalf("got %s (%s) by %s, want redacted (granular)", d.Form, d.Redactions, d.Rule)
	}
	got, err := Redact(o, d, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(got, []byte(`"description"`)) || bytes.Contains(got, []byte(`"SHA-256"`)) {
		t.Errorf("got %s, want description and SHA-256 removed", got)
	}
	full := Decide(Recipient{Kind: KindSelf}, f, ag, tNow)
	raw, err := Redact(o, full, Config{})
	if err != nil || &raw[0] != &o.Raw[0] {
		t.Errorf("full form: got %v, want the stored bytes themselves", err)
	}
}

func TestRedactWithholds(t *testing.T) {
	visibleGreen := Decision{Allow: true, Form: FormRedacted, Redactions: RedactGranular, Visible: LevelsOf(stix.TLPClear, stix.TLPGreen)}
	green := indicatorWith(`,"object_marking_refs":["` + v2Green + `"],"labels":["l1"]`)
	amberOn := func(sel string) []stix.GranularMarking {
		return []stix.GranularMarking{{MarkingRef: v2Amber, Selectors: []string{"labels", sel}}}
	}
	tests := []struct {
		name string
		raw  string
		add  []stix.GranularMarking // added after decoding: stix.Decode rejects these selectors
		d    Decision
	}{
		{"denied", indicatorWith(""), nil, Decision{Rule: RuleEcho}},
		{"allowed but withheld form", indicatorWith(""), nil, Decision{Allow: true}},
		{"required property marked", indicatorWith(`,"object_marking_refs":["` + v2Green + `"],"granular_markings":[{"marking_ref":"` + v2Amber + `","selectors":["pattern"]}]`), nil, visibleGreen},
		{"selector not understood", green, amberOn("[0]"), visibleGreen},
		{"selector with an empty segment", green, amberOn("labels..x"), visibleGreen},
		{"selector with a bad index", green, amberOn("labels.[x]"), visibleGreen},
		{"personal data object", `{"type":"email-addr","id":"` + emailRef + `","value":"bob@example.org"}`, nil, Decision{Allow: true, Form: FormRedacted, Redactions: RedactPersonal}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Redact(withGranular(decode(t, tt.raw), tt.add...), tt.d, Config{})
			if !errors.Is(err, ErrWithheld) || out != nil {
				t.Errorf("got %s, %v; want ErrWithheld", out, err)
			}
		})
	}
}

// TestDecodeRejectsOddSelectors documents that the policy's handling of selectors that do not
// resolve (ignored) or cannot be understood (the whole object is marked) is belt and braces:
// stix.Decode rejects such objects, so they reach the policy only when built some other way.
func TestDecodeRejectsOddSelectors(t *testing.T) {
	withSelector := func(sel string) string {
		return indicatorWith(`,"description":"d","labels":["l1","l2"],"granular_markings":[{"marking_ref":"` + v2Amber + `","selectors":["description",` + strconv.Quote(sel) + `]}]`)
	}
	decode(t, withSelector("labels.[1]")) // the same object with a selector that resolves is valid
	for _, sel := range []string{"no_such", "labels.[9]", "description.x", "a..b", "description..x", "[0]", "labels.[x]", "labels.[-1]", ""} {
		if _, err := stix.Decode([]byte(withSelector(sel))); err == nil || !strings.Contains(err.Error(), "selectors[1]") {
			t.Errorf("selector %q: got error %v, want one about selectors[1]", sel, err)
		}
	}
}
