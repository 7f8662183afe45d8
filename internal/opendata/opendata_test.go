package opendata

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/entente/entente/internal/stix"
)

func TestDownloadsCarryOnlyClear(t *testing.T) {
	f := newFixture(t, Deps{})
	f.add(t, 0, f.self.ID,
		indicator(1, stix.TLPClear, "clear, \"quoted\"\nline"),
		indicator(2, stix.TLPGreen, "green secret"),
		indicator(3, 0, "unmarked secret"),
		indicator(4, stix.TLPRed, "red secret"))
	f.add(t, 1, f.partner.ID, indicator(1, stix.TLPClear, "clear, \"quoted\"\nline"), indicator(5, stix.TLPClear, "second"))

	csvBody := f.mustGet(t, "/opendata/download/indicators.csv")
	recs, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, csvBody)
	}
	if got, want := strings.Join(recs[0], ","), "id,name,description,pattern_type,pattern,indicator_types,valid_from,valid_until,confidence,labels,created,modified"; got != want {
		t.Errorf("CSV header: got %s, want %s", got, want)
	}
	if got, want := len(recs), 3; got != want {
		t.Fatalf("CSV rows: got %d, want %d (header, two CLEAR indicators once each):\n%s", got, want, csvBody)
	}
	if got, want := recs[1][1], "clear, \"quoted\"\nline"; got != want {
		t.Errorf("quoted cell: got %q, want %q", got, want)
	}
	if !strings.Contains(csvBody, "\r\n") {
		t.Error("CSV lines do not end in CRLF")
	}
	for _, p := range []string{"/opendata/download/indicators.csv", "/opendata/download/indicators.json", "/opendata/download/indicators.stix.json"} {
		body := f.mustGet(t, p)
		if strings.Contains(body, "secret") {
			t.Errorf("%s holds non-CLEAR content:\n%s", p, body)
		}
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(f.mustGet(t, "/opendata/download/indicators.json")), &rows); err != nil || len(rows) != 2 {
		t.Errorf("JSON rows: got %d (%v), want 2", len(rows), err)
	}
	var bundle struct {
		Type    string            `json:"type"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal([]byte(f.mustGet(t, "/opendata/download/indicators.stix.json")), &bundle); err != nil || bundle.Type != "bundle" || len(bundle.Objects) != 2 {
		t.Errorf("STIX bundle: got type %q with %d objects (%v), want a bundle of 2", bundle.Type, len(bundle.Objects), err)
	}
}

func TestDownloadValidatorsAndGzip(t *testing.T) {
	f := newFixture(t, Deps{})
	f.add(t, 0, f.self.ID, indicator(1, stix.TLPClear, "one"))
	code, h, _ := f.get(t, "/opendata/download/indicators.csv", "Accept-Encoding", "gzip")
	if code != 200 || h.Get("Content-Encoding") != "gzip" || h.Get("ETag") == "" || h.Get("Last-Modified") == "" {
		t.Fatalf("got status %d, encoding %q, etag %q, last-modified %q; want 200, gzip and both validators",
			code, h.Get("Content-Encoding"), h.Get("ETag"), h.Get("Last-Modified"))
	}
	etag := h.Get("ETag")
	if code, _, _ := f.get(t, "/opendata/download/indicators.csv", "If-None-Match", etag); code != http.StatusNotModified {
		t.Errorf("If-None-Match with the current ETag: got %d, want 304", code)
	}
	f.add(t, 0, f.self.ID, indicator(2, stix.TLPClear, "two"))
	code, h, _ = f.get(t, "/opendata/download/indicators.csv", "If-None-Match", etag)
	if code != 200 || h.Get("ETag") == etag {
		t.Errorf("after an addition: got status %d with ETag %s, want 200 and a new ETag", code, h.Get("ETag"))
	}
}

func TestCatalogPagingAndModifiedSince(t *testing.T) {
	f := newFixture(t, Deps{PageSize: 3})
	f.add(t, 0, f.self.ID, indicator(1, stix.TLPClear, "one"))
	page1 := f.mustGet(t, "/opendata/catalog.ttl")
	if !strings.Contains(page1, "hydra:next <"+testBase+"/opendata/catalog.ttl?page=2>") {
		t.Errorf("page 1 of 4 datasets at 3 per page has no hydra:next to page 2:\n%s", page1)
	}
	if got := strings.Count(page1, "a dcat:Dataset"); got != 3 {
		t.Errorf("page 1: got %d datasets, want 3", got)
	}
	page2 := f.mustGet(t, "/opendata/catalog.ttl?page=2")
	if strings.Contains(page2, "hydra:next ") || strings.Count(page2, "a dcat:Dataset") != 1 {
		t.Errorf("page 2 should hold the last dataset and no hydra:next:\n%s", page2)
	}
	tests := []struct {
		path string
		want int
	}{
		{"/opendata/catalog.ttl?page=3", 404},
		{"/opendata/catalog.ttl?page=x", 400},
		{"/opendata/catalog.ttl?modified_since=yesterday", 400},
		{"/opendata/catalog.jsonld?modified_since=2025-13-45", 400},
		{"/opendata/catalog.rdf?modified_since=2025-01-01T00:00:00Z", 200},
		{"/opendata/catalog.jsonld?modified_since=2999-01-01", 200},
		{"/opendata/catalog.ttl?bogus=1", 400},
		{"/opendata/dataset/indicators.ttl", 200},
		{"/opendata/dataset/indicators.html", 200},
		{"/opendata/dataset/statistics", 200},
		{"/opendata/dataset/nothing.ttl", 404},
		{"/opendata/download/statistics.stix.json", 404},
		{"/opendata/download/indicators.csv-metadata.json", 200},
		{"/opendata/download/indicators.schema.json", 200},
		{"/opendata/", 200},
		{"/opendata/nothing", 404},
	}
	for _, tc := range tests {
		if code, _, body := f.get(t, tc.path); code != tc.want {
			t.Errorf("GET %s: got %d, want %d: %s", tc.path, code, tc.want, body)
		}
	}
	future := f.mustGet(t, "/opendata/catalog.ttl?modified_since=2999-01-01")
	if strings.Contains(future, "a dcat:Dataset") || !strings.Contains(future, "a dcat:Catalog") {
		t.Errorf("modified_since in the future: want a catalogue without datasets:\n%s", future)
	}
}

func TestSuppress(t *testing.T) {
	tests := []struct {
		name  string
		cells map[string]int64
		want  map[string]bool // suppressed
	}{
		{"nothing small", map[string]int64{"a": 10, "b": 7}, map[string]bool{}},
		{"one small takes the next smallest with it", map[string]int64{"a": 10, "b": 7, "c": 2}, map[string]bool{"b": true, "c": true}},
		{"small cells that together reach the threshold", map[string]int64{"a": 10, "b": 3, "c": 2}, map[string]bool{"b": true, "c": true}},
		{"all small", map[string]int64{"a": 1, "b": 1}, map[string]bool{"a": true, "b": true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range suppress("type", tc.cells, 5) {
				if r.Suppressed != tc.want[r.Value] {
					t.Errorf("%s: got suppressed %v, want %v", r.Value, r.Suppressed, tc.want[r.Value])
				}
				if r.Suppressed && r.Count != 0 {
					t.Errorf("%s: suppressed cell shows count %d", r.Value, r.Count)
				}
			}
		})
	}
}

func TestStatisticsCountEverythingButShowOnlyCounts(t *testing.T) {
	f := newFixture(t, Deps{})
	var objs []string
	for i := range 12 {
		objs = append(objs, indicator(i, stix.TLPAmber, "amber secret"))
	}
	for i := range 6 {
		objs = append(objs, indicator(50+i, stix.TLPGreen, "green secret"))
	}
	objs = append(objs, indicator(100, stix.TLPRed, "red secret"))
	f.add(t, 0, f.self.ID, objs...)
	body := f.mustGet(t, "/opendata/download/statistics.csv")
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, r := range recs[1:] {
		got[r[0]+"/"+r[1]] = r[2:]
	}
	if c := got["tlp/amber"]; len(c) != 2 || c[0] != "12" || c[1] != "false" {
		t.Errorf("tlp/amber: got %v, want count 12, not suppressed", c)
	}
	for _, k := range []string{"tlp/red", "tlp/green"} { // green goes too, or red = total - amber - green
		if c := got[k]; len(c) != 2 || c[0] != "" || c[1] != "true" {
			t.Errorf("%s: got %v, want suppressed without a count", k, c)
		}
	}
	if strings.Contains(body, "secret") || strings.Contains(body, "indicator--") {
		t.Errorf("statistics show more than counts:\n%s", body)
	}
	if _, ok := got["origin/CERT Beispiel"]; !ok {
		t.Errorf("the own organisation is not named among the origins: %v", got)
	}
}

// harvestCKAN pages through package_search the way ckanext-harvest's CKAN harvester does:
// rows=100&start=N&sort=id asc (with fq when incremental) until an empty page, failing on two
// identical pages in a row. It returns the names harvested.
func harvestCKAN(t *testing.T, f *fixture, fq string) []string {
	t.Helper()
	var names []string
	var prev string
	for start := 0; ; start += 100 {
		path := "/opendata/api/3/action/package_search?rows=100&sort=id+asc&start=" + strconv.Itoa(start)
		if fq != "" {
			path += "&fq=" + url.QueryEscape(fq)
		}
		body := f.mustGet(t, path)
		var env struct {
			Success bool `json:"success"`
			Result  struct {
				Count   int `json:"count"`
				Results []struct {
					ID, Name string
				} `json:"results"`
			} `json:"result"`
		}
		if err := json.Unmarshal([]byte(body), &env); err != nil || !env.Success {
			t.Fatalf("%s: got %s (%v), want a successful envelope", path, body, err)
		}
		if len(env.Result.Results) == 0 {
			return names
		}
		var ids []string
		for _, p := range env.Result.Results {
			ids = append(ids, p.ID)
			names = append(names, p.Name)
		}
		page := strings.Join(ids, ",")
		if page == prev {
			t.Fatalf("two identical pages in a row at start=%d", start)
		}
		prev = page
		if start > 10000 {
			t.Fatal("the harvest does not end")
		}
	}
}

func TestCKANHarvest(t *testing.T) {
	var many []Dataset
	for i := range 250 {
		d := DefaultDatasets()[0]
		d.Slug = fmt.Sprintf("ioc-%03d", i)
		many = append(many, d)
	}
	f := newFixture(t, Deps{Metadata: Metadata{Datasets: many}})
	f.add(t, 0, f.self.ID, indicator(1, stix.TLPClear, "one"))
	got := harvestCKAN(t, f, "")
	if len(got) != 250 {
		t.Fatalf("harvested %d datasets, want 250", len(got))
	}
	seen := map[string]bool{}
	for _, n := range got {
		if seen[n] {
			t.Errorf("dataset %s harvested twice", n)
		}
		seen[n] = true
	}
	if got := harvestCKAN(t, f, "metadata_modified:[2000-01-01T00:00:00.000000Z TO *]"); len(got) != 250 {
		t.Errorf("incremental harvest since 2000: got %d datasets, want 250", len(got))
	}
	if got := harvestCKAN(t, f, "metadata_modified:[2999-01-01T00:00:00Z TO *]"); len(got) != 0 {
		t.Errorf("incremental harvest since 2999: got %d datasets, want none", len(got))
	}
	for path, want := range map[string]string{
		"/opendata/api/3/action/package_show?id=nothing":            `"__type":"Not Found Error"`,
		"/opendata/api/3/action/package_show":                       `"__type":"Validation Error"`,
		"/opendata/api/3/action/package_search?rows=x":              `"__type":"Validation Error"`,
		"/opendata/api/3/action/package_search?fq=title:foo":        `"__type":"Search Query Error"`,
		"/opendata/api/3/action/package_search?sort=nonsense":       `"__type":"Search Query Error"`,
		"/opendata/api/3/action/no_such_action":                     `"__type":"Bad Request"`,
		"/opendata/api/3/action/package_show?id=ioc-007":            `"success":true`,
		"/opendata/api/3/action/organization_show?id=cert-beispiel": `"success":true`,
		"/opendata/api/3/action/package_search?q=indicators&rows=1": `"count":250`,
	} {
		_, _, body := f.get(t, path)
		if !strings.Contains(body, want) {
			t.Errorf("GET %s: got %s, want it to contain %s", path, clip(body), want)
		}
	}
}

func TestParseRowAgreesWithUnmarshal(t *testing.T) {
	for _, in := range []string{
		indicator(7, stix.TLPClear, "x \"y\" \\ z ü"),
		`{"type":"report","id":"report--1","labels":["a","b"],"confidence":85,"external_references":[{"source_name":"cve","external_id":"CVE-1","url":"https://x"}],"x":{"y":[1,{"z":"]"}]},"description":"line\nbreak"}`,
		`{ "name" : "spaced" , "labels" : [ ] }`,
		`{}`,
	} {
		got, err := parseRow([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		var want row
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("%s:\ngot  %s\nwant %s", in, g, w)
		}
	}
}

func FuzzParseRow(f *testing.F) {
	f.Add([]byte(indicator(1, stix.TLPClear, "a")))
	f.Add([]byte(`{"labels":["a"],"confidence":1,"x":[{"a":"}"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var want row
		// json.Unmarshal matches member names regardless of case, which STIX does not: an
		// "LABELS" member is a custom property. Compare only where case cannot matter.
		if json.Unmarshal(b, &want) != nil || strings.ToLower(string(b)) != string(b) {
			return
		}
		got, err := parseRow(b)
		if err != nil {
			t.Fatalf("%q: parseRow fails where json.Unmarshal does not: %v", b, err)
		}
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("%q:\ngot  %s\nwant %s", b, g, w)
		}
	})
}
