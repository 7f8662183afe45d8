package opendata

import (
	"flag"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"pgregory.net/rapid"

	"github.com/entente/entente/internal/stix"
)

// Tokens planted in generated objects. Whatever carries a withheld token must never appear on
// any open data path; a public token must appear in the downloads of its dataset.
const (
	secretToken   = "SECRETTOKEN"   // in objects that are not TLP:CLEAR
	granularToken = "GRANULARTOKEN" // in parts granular-marked above CLEAR
	mailDomain    = "mailbox.example.com"
)

var serial atomic.Int64

type genObject struct {
	json     string
	public   string // token that must appear in the dataset's CSV, "" when nothing is promised
	datasets string
}

var levels = []string{"none", "clear", "white", "green", "amber", "amber+strict", "red", "unknown"}

var markingOf = map[string]string{
	"clear": stix.TLP2Clear, "white": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
	"green": stix.TLP2Green, "amber": stix.TLP2Amber, "amber+strict": stix.TLP2AmberStrict, "red": stix.TLP2Red,
	"unknown": "marking-definition--1d8bd1a2-6c8e-4b6c-9c4b-0f8a1e2d3c4b",
}

// drawObject draws an object of a published type with random object-level and granular
// markings and random personal data.
func drawObject(t *rapid.T) genObject {
	n := serial.Add(1)
	level := rapid.SampledFrom(levels).Draw(t, "level")
	clear := level == "clear" || level == "white"
	id := fmt.Sprintf("%08x-1111-4222-8333-%012x", n, n)
	tok := fmt.Sprintf("PUBLICTOKEN%d", n)
	if !clear {
		tok = fmt.Sprintf("%s%d", secretToken, n)
	}
	name := tok
	desc := "Seen in campaign " + tok
	switch rapid.IntRange(0, 2).Draw(t, "personal") {
	case 1:
		desc += fmt.Sprintf(" reported by analyst%d@%s", n, mailDomain)
	case 2: // the same, spelt with a JSON escape
		desc += fmt.Sprintf(" reported by analyst%d\\u0040%s", n, mailDomain)
	}
	var extra []string
	if m, ok := markingOf[level]; ok {
		extra = append(extra, `"object_marking_refs":["`+m+`"]`)
	}
	granular := rapid.SampledFrom([]string{"", "green", "amber", "red", "unknown", "clear"}).Draw(t, "granular")
	if granular != "" {
		if granular != "clear" { // a CLEAR granular marking hides nothing
			desc += " " + granularToken
		}
		extra = append(extra, `"granular_markings":[{"marking_ref":"`+markingOf[granular]+`","selectors":["description"]}]`)
	}
	if rapid.Bool().Draw(t, "authors") {
		extra = append(extra, fmt.Sprintf(`"x_authors_note":"see %s", "authors":["Erika Mustermann %s"]`, "nobody", tok+"AUTHOR"))
	}
	common := fmt.Sprintf(`"spec_version":"2.1","created":"2025-02-03T04:05:06Z","modified":"2025-02-03T04:05:06Z","name":%q,"description":"%s"`, name, desc)
	if len(extra) > 0 {
		common += "," + strings.Join(extra, ",")
	}
	typ := rapid.SampledFrom([]string{"indicator", "report", "course-of-action", "vulnerability"}).Draw(t, "type")
	var body, dataset string
	switch typ {
	case "indicator":
		body = `"pattern":"[domain-name:value = 'x.example']","pattern_type":"stix","valid_from":"2025-01-01T00:00:00Z"`
		dataset = "indicators"
	case "report":
		body = `"published":"2025-02-03T04:05:06Z","object_refs":["indicator--0a3c4e5f-1111-4222-8333-000000000001"]`
		dataset = "advisories"
	case "course-of-action":
		body = ""
		dataset = "advisories"
	case "vulnerability":
		body = `"external_references":[{"source_name":"cve","external_id":"CVE-2024-0001"}]`
		dataset = "vulnerabilities"
	}
	js := `{"type":"` + typ + `","id":"` + typ + `--` + id + `",` + common
	if body != "" {
		js += "," + body
	}
	js += "}"
	g := genObject{json: js, datasets: dataset}
	// A CLEAR object whose granular marking hides nothing required is promised in full.
	if clear && (granular == "" || granular == "clear") {
		g.public = tok
	}
	return g
}

// openDataPaths lists every path the property test reads.
func openDataPaths() []string {
	paths := []string{
		"/opendata/", "/opendata/catalog.ttl", "/opendata/catalog.jsonld", "/opendata/catalog.rdf", "/opendata/data.json",
		"/opendata/api/3/action/package_search?rows=100", "/opendata/api/3/action/package_list",
		"/opendata/api/3/action/organization_list?all_fields=true", "/opendata/api/3/action/status_show",
	}
	for _, d := range DefaultDatasets() {
		paths = append(paths, "/opendata/dataset/"+d.Slug+".html", "/opendata/dataset/"+d.Slug+".ttl",
			"/opendata/download/"+d.Slug+".csv", "/opendata/download/"+d.Slug+".json",
			"/opendata/api/3/action/package_show?id="+d.Slug)
		if d.Kind == KindObjects {
			paths = append(paths, "/opendata/download/"+d.Slug+".stix.json")
		}
	}
	return paths
}

// TestOnlyClearLeaves imports random objects through ingest (random TLP, unknown markings,
// granular markings, personal data) and reads every open data path over HTTP: nothing that is
// not TLP:CLEAR may appear, personal data must be redacted, and CLEAR objects must be there.
func TestOnlyClearLeaves(t *testing.T) {
	fewerChecks(30)
	f := newFixture(t, Deps{})
	paths := openDataPaths()
	rapid.Check(t, func(rt *rapid.T) {
		objs := rapid.SliceOfN(rapid.Custom(drawObject), 1, 6).Draw(rt, "objects")
		coll := rapid.IntRange(0, 1).Draw(rt, "collection")
		origin := rapid.SampledFrom([]string{f.self.ID, f.partner.ID, ""}).Draw(rt, "origin")
		raws := make([]string, len(objs))
		for i, o := range objs {
			raws[i] = o.json
		}
		f.add(rt, coll, origin, raws...)
		for _, p := range paths {
			body := f.mustGet(rt, p)
			for _, bad := range []string{secretToken, granularToken, mailDomain, "AUTHOR", "Mustermann"} {
				if i := strings.Index(body, bad); i >= 0 {
					rt.Fatalf("%s shows %q: …%s…", p, bad, body[max(0, i-200):min(len(body), i+100)])
				}
			}
		}
		for _, o := range objs {
			if o.public == "" {
				continue
			}
			if csv := f.mustGet(rt, "/opendata/download/"+o.datasets+".csv"); !strings.Contains(csv, o.public) {
				rt.Fatalf("the CLEAR object %s is missing from %s.csv:\n%s", o.public, o.datasets, o.json)
			}
		}
	})
}

// fewerChecks lowers rapid's number of checks to n unless -rapid.checks was given: every check
// reads some forty paths over HTTP.
func fewerChecks(n int) {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "rapid.checks" })
	if f := flag.Lookup("rapid.checks"); f != nil && !given {
		f.Value.Set(fmt.Sprint(n))
	}
}
