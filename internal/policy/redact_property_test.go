package policy

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entente/entente/internal/stix"
	"pgregory.net/rapid"
)

var (
	allMarkingIDs = []string{v1Clear, v1Green, v1Amber, v1Red, v2Clear, v2Green, v2Amber, v2Strict, v2Red, octiStrict, statementID, unknownID}
	genTexts      = []string{"plain text", "mail bob@example.org now", `esc bob\u0040example.org`, "ünïcode ✓"}
)

// drawObject draws the JSON of a valid STIX object with random markings (all id families, a
// statement, an unknown id), granular markings, and personal data in the places the policy
// knows. It also draws odd selectors (missing and malformed, which stix.Decode rejects) to add
// to the granular marking at the same index after decoding, see addOdd.
func drawObject(t *rapid.T) (string, [][]string) {
	typ := rapid.SampledFrom([]string{"indicator", "report", "note", "identity", "email-addr", "x-thing"}).Draw(t, "type")
	var m []string // members, in order
	add := func(k, rawValue string) { m = append(m, strconv.Quote(k)+":"+rawValue) }
	str := func(s string) string { return `"` + s + `"` }
	var paths []string // selectors that select something
	switch typ {
	case "email-addr":
		add("type", str(typ))
		add("id", str(emailRef))
		add("value", str("bob@example.org"))
		paths = append(paths, "value")
	default:
		add("type", str(typ))
		add("spec_version", str("2.1"))
		add("id", str(typ+"--6d3c1b2a-0f4e-4a5b-8c7d-9e0f1a2b3c4d"))
		add("created", str("2026-01-01T00:00:00.000Z"))
		add("modified", str("2026-01-01T00:00:00.000Z"))
		paths = append(paths, "id", "modified")
	}
	refs := []string{emailRef, accountRef, ind2Ref, identRef}
	switch typ {
	case "indicator":
		add("pattern", str(rapid.SampledFrom([]string{"[ipv4-addr:value = '198.51.100.1']", "[email-addr:value = 'bad@evil.example']"}).Draw(t, "pattern")))
		add("pattern_type", str("stix"))
		add("valid_from", str("2026-01-01T00:00:00Z"))
		paths = append(paths, "pattern")
	case "report", "note":
		if typ == "report" {
			add("name", str("r"))
			add("published", str("2026-01-01T00:00:00Z"))
		} else {
			add("content", str(rapid.SampledFrom(genTexts).Draw(t, "content")))
			if rapid.Bool().Draw(t, "authors") {
				add("authors", `["Bob Smith"]`)
				paths = append(paths, "authors")
			}
		}
		n := rapid.IntRange(1, 4).Draw(t, "refs")
		var l []string
		for i := range n {
			l = append(l, str(rapid.SampledFrom(refs).Draw(t, "ref")))
			paths = append(paths, "object_refs.["+strconv.Itoa(i)+"]")
		}
		add("object_refs", "["+strings.Join(l, ",")+"]")
	case "identity":
		add("name", str(rapid.SampledFrom([]string{"ACME", "Bob Smith", "cert@acme.example"}).Draw(t, "name")))
		add("identity_class", str(rapid.SampledFrom([]string{"organization", "individual"}).Draw(t, "class")))
		paths = append(paths, "name")
	}
	if typ != "email-addr" {
		if rapid.Bool().Draw(t, "description") {
			add("description", str(rapid.SampledFrom(genTexts).Draw(t, "description")))
			paths = append(paths, "description")
		}
		if rapid.Bool().Draw(t, "labels") {
			add("labels", `["a","b"]`)
			paths = append(paths, "labels", "labels.[1]")
		}
		if rapid.Bool().Draw(t, "external references") {
			add("external_references", `[{"source_name":"s","url":"https://x.example/?u=`+rapid.SampledFrom([]string{"a", "bob@example.org"}).Draw(t, "url")+`"}]`)
			paths = append(paths, "external_references.[0].url", "external_references")
		}
		if rapid.Bool().Draw(t, "custom") {
			add("x_custom", `{"n":1.000000000000000000001,"owner_ref":"`+rapid.SampledFrom(refs).Draw(t, "owner")+`","text":"`+rapid.SampledFrom(genTexts).Draw(t, "text")+`","seen_refs":["`+rapid.SampledFrom(refs).Draw(t, "seen")+`"]}`)
			paths = append(paths, "x_custom.n", "x_custom.owner_ref", "x_custom.seen_refs.[0]", "x_custom")
		}
		if rapid.Bool().Draw(t, "sample refs") {
			add("x_sample_refs", `["`+rapid.SampledFrom(refs).Draw(t, "sample 1")+`","`+rapid.SampledFrom(refs).Draw(t, "sample 2")+`"]`)
			paths = append(paths, "x_sample_refs.[0]", "x_sample_refs.[1]")
		}
		if rapid.Bool().Draw(t, "extension") {
			add("extensions", `{"x-ext":{"extension_type":"property-extension","who_ref":"`+rapid.SampledFrom(refs).Draw(t, "who")+`","note":"`+rapid.SampledFrom(genTexts).Draw(t, "note")+`"},"y-ext":{"extension_type":"property-extension","kind":1}}`)
			paths = append(paths, "extensions.x-ext.note", "extensions.y-ext.kind", "extensions")
		}
		if l := drawSubset(t, "markings", allMarkingIDs); len(l) > 0 {
			add("object_marking_refs", `["`+strings.Join(l, `","`)+`"]`)
		}
		if typ == "x-thing" || rapid.Bool().Draw(t, "recipients") {
			add(RecipientsProperty, `["`+orgA+`"]`)
		}
	}
	var odd [][]string
	if n := rapid.IntRange(0, 3).Draw(t, "granular"); n > 0 {
		var gms []string
		odd = make([][]string, n)
		for i := range n {
			sels := []string{rapid.SampledFrom(paths).Draw(t, "selector")}
			if rapid.IntRange(0, 5).Draw(t, "odd selector") == 0 {
				odd[i] = append(odd[i], rapid.SampledFrom([]string{"no_such", "a..b", "labels.[9]"}).Draw(t, "odd"))
			}
			sel, _ := json.Marshal(sels)
			if rapid.IntRange(0, 6).Draw(t, "lang") == 0 {
				gms = append(gms, `{"lang":"de","selectors":`+string(sel)+`}`)
				continue
			}
			gms = append(gms, `{"marking_ref":"`+rapid.SampledFrom(allMarkingIDs).Draw(t, "granular marking")+`","selectors":`+string(sel)+`}`)
		}
		add("granular_markings", "["+strings.Join(gms, ",")+"]")
	}
	return "{" + strings.Join(m, ",") + "}", odd
}

// addOdd adds the odd selectors drawObject drew to the decoded object's granular markings.
func addOdd(o *stix.Object, odd [][]string) {
	gms := slices.Clone(o.GranularMarkings)
	for i, sels := range odd {
		gms[i].Selectors = append(slices.Clip(gms[i].Selectors), sels...)
	}
	o.GranularMarkings = gms
}

// TestRedactProperty runs generated objects through FactsOf, Decide and Redact for several
// recipients and checks that what goes out is valid STIX, keeps its markings, and holds nothing
// the recipient may not see.
func TestRedactProperty(t *testing.T) {
	ag := testAgreements(t)
	recipients := []Recipient{
		{Kind: KindSelf}, {Kind: KindMember, Role: RoleReader}, {Kind: KindPublic},
		partner(orgA), partner(orgB), partner(orgC), partner(orgE),
	}
	rapid.Check(t, func(t *rapid.T) {
		raw, odd := drawObject(t)
		o, err := stix.Decode([]byte(raw))
		if err != nil {
			t.Fatalf("generated object does not decode: %v\n%s", err, raw)
		}
		addOdd(o, odd)
		cfg := Config{}
		if rapid.Bool().Draw(t, "statement known") {
			cfg.Statements = map[string]bool{statementID: true}
		}
		f := FactsOf(o, ownOrg, tNow.Add(-72*time.Hour), nil, cfg)
		if (f.Personal != PersonalNone) != ContainsPersonalData(o) {
			t.Fatalf("facts and ContainsPersonalData disagree")
		}
		for _, r := range recipients {
			d := Decide(r, f, ag, tNow)
			if !d.Allow {
				continue
			}
			out, err := Redact(o, d, cfg)
			if err != nil {
				t.Fatalf("%v allowed by %s (%s) but Redact fails: %v\n%s", r, d.Rule, d.Form, err, raw)
			}
			if d.Form == FormFull && !bytes.Equal(out, o.Raw) {
				t.Fatalf("full form differs from the stored bytes")
			}
			o2, err := stix.Decode(out)
			if err != nil {
				t.Fatalf("redacted form for %v is not valid STIX: %v\n%s\n%s", r, err, raw, out)
			}
			if got := cfg.EffectiveTLP(o2); got != f.TLP {
				t.Fatalf("redacted form is %s, was %s", got, f.TLP)
			}
			if d.Redactions&RedactPersonal != 0 && ContainsPersonalData(o2) {
				t.Fatalf("redacted form for %v holds personal data:\n%s", r, out)
			}
			checkGranular(t, o, o2, d, cfg, f.TLP)
		}
	})
}

// checkGranular fails when a part marked at a level the decision does not make visible is
// still there.
func checkGranular(t *rapid.T, o, o2 *stix.Object, d Decision, cfg Config, obj stix.TLP) {
	for _, gm := range o.GranularMarkings {
		l, ok := hidden(gm, cfg, obj, d.Visible)
		if !ok {
			continue
		}
		for _, sel := range gm.Selectors {
			segs, ok := parseSelector(sel)
			if ok && resolves(o.Props, segs) && resolves(o2.Props, segs) {
				t.Fatalf("%s marked %s is still there though only %v are visible:\n%s", sel, l, d.Visible.TLPs(), o2.Raw)
			}
		}
	}
	for _, gm := range o2.GranularMarkings {
		l, ok := hidden(gm, cfg, obj, d.Visible)
		if !ok {
			continue
		}
		for _, sel := range gm.Selectors {
			if segs, ok := parseSelector(sel); ok && resolves(o2.Props, segs) {
				t.Fatalf("a marking at invisible level %s still selects %s", l, sel)
			}
		}
	}
}

// FuzzRedact feeds arbitrary objects through FactsOf, Decide and Redact: no panic, and what is
// allowed out decodes as STIX again.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{personalReport, granularIndicator, indicatorWith(""), markedWith(v2Red, unknownID)} {
		f.Add([]byte(s))
	}
	ag := testAgreements(f)
	recipients := []Recipient{{Kind: KindPublic}, {Kind: KindMember, Role: RoleReader}, partner(orgA), partner(orgB), partner(orgC)}
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := stix.Decode(raw)
		if err != nil {
			return
		}
		facts := FactsOf(o, ownOrg, tNow.Add(-72*time.Hour), []string{orgA}, Config{})
		for _, r := range recipients {
			d := Decide(r, facts, ag, tNow)
			if !d.Allow {
				continue
			}
			out, err := Redact(o, d, Config{})
			if err != nil {
				t.Fatalf("allowed by %s but Redact fails: %v", d.Rule, err)
			}
			if _, err := stix.Decode(out); err != nil {
				t.Fatalf("form %s for %v does not decode: %v\n%s", d.Form, r, err, out)
			}
		}
	})
}
