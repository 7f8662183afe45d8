package gen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/entente/entente/internal/stix"
)

// generate returns the bundle for opts, failing the test on error.
func generate(tb testing.TB, opts Options) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := Write(context.Background(), &buf, opts); err != nil {
		tb.Fatalf("Write(%+v): %v", opts, err)
	}
	return buf.Bytes()
}

// stats is what check counts in a corpus.
type stats struct {
	types    map[string]int
	tlp      map[stix.TLP]int
	marked   int // objects with a TLP marking
	versions int // objects whose id appeared before
	revoked  int
	custom   int // objects with an x_ property
	patterns map[string]int
	objects  int
}

var (
	timestampRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	cveRE       = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)
	attackRE    = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)
)

var timestampProps = []string{"created", "modified", "valid_from", "valid_until", "first_seen", "last_seen",
	"first_observed", "last_observed", "published", "start_time", "stop_time"}

// required lists the properties STIX 2.1 requires per type (beyond the common ones stix.Decode
// checks), from the specification's property tables.
var required = map[string][]string{
	"marking-definition": {"name", "extensions"},
	"identity":           {"name"},
	"indicator":          {"pattern", "pattern_type", "valid_from"},
	"malware":            {"name", "is_family"},
	"threat-actor":       {"name"},
	"intrusion-set":      {"name"},
	"campaign":           {"name"},
	"attack-pattern":     {"name"},
	"vulnerability":      {"name"},
	"course-of-action":   {"name"},
	"report":             {"name", "published", "object_refs"},
	"note":               {"content", "object_refs"},
	"relationship":       {"relationship_type", "source_ref", "target_ref"},
	"sighting":           {"sighting_of_ref"},
	"observed-data":      {"first_observed", "last_observed", "number_observed", "object_refs"},
	"ipv4-addr":          {"value"},
	"domain-name":        {"value"},
	"file":               {"hashes", "name"},
}

// relationshipOK lists source type, relationship type and target type triples that the
// STIX 2.1 specification names in its relationship tables (section 4).
var relationshipOK = map[string]bool{}

func init() {
	for _, s := range []string{
		"indicator indicates malware", "indicator indicates threat-actor", "indicator indicates intrusion-set",
		"indicator indicates campaign", "indicator indicates attack-pattern", "indicator based-on observed-data",
		"malware uses attack-pattern", "malware exploits vulnerability", "malware variant-of malware",
		"threat-actor uses malware", "threat-actor uses attack-pattern", "threat-actor targets identity",
		"threat-actor targets vulnerability", "intrusion-set uses malware", "intrusion-set uses attack-pattern",
		"intrusion-set targets vulnerability", "intrusion-set targets identity", "intrusion-set attributed-to threat-actor",
		"campaign uses malware", "campaign uses attack-pattern", "campaign targets identity",
		"campaign targets vulnerability", "campaign attributed-to intrusion-set", "campaign attributed-to threat-actor",
		"course-of-action mitigates attack-pattern", "course-of-action mitigates vulnerability",
		"course-of-action mitigates malware", "course-of-action mitigates indicator",
	} {
		relationshipOK[s] = true
	}
}

var scoTypes = map[string]bool{"ipv4-addr": true, "domain-name": true, "file": true}

// check verifies everything a corpus promises and counts what it holds.
func check(data []byte, opts Options) (*stats, error) {
	var bundle map[string]json.RawMessage
	if err := json.Unmarshal(data, &bundle); err != nil {
		return nil, fmt.Errorf("the bundle is not valid JSON: %v", err)
	}
	var typ, id string
	if err := json.Unmarshal(bundle["type"], &typ); err != nil || typ != "bundle" {
		return nil, fmt.Errorf("bundle type is %s, want \"bundle\"", bundle["type"])
	}
	if err := json.Unmarshal(bundle["id"], &id); err != nil {
		return nil, fmt.Errorf("bundle id %s: %v", bundle["id"], err)
	}
	if t, _, err := stix.ParseID(id); err != nil || t != "bundle" {
		return nil, fmt.Errorf("bundle id %q is not a bundle id (%v)", id, err)
	}
	var objects []json.RawMessage
	if raw, ok := bundle["objects"]; ok {
		if err := json.Unmarshal(raw, &objects); err != nil {
			return nil, fmt.Errorf("objects: %v", err)
		}
		if len(objects) == 0 {
			return nil, errors.New("objects is an empty list, which STIX prohibits")
		}
	}
	if len(objects) != opts.Objects {
		return nil, fmt.Errorf("got %d objects, want %d", len(objects), opts.Objects)
	}
	st := &stats{types: map[string]int{}, tlp: map[stix.TLP]int{}, patterns: map[string]int{}, objects: len(objects)}
	type seenVersion struct {
		created, modified string
		revoked           bool
	}
	seen := map[string]*seenVersion{}
	if opts.OwnIdentity != "" {
		seen[opts.OwnIdentity] = &seenVersion{}
	}
	for n, raw := range objects {
		o, err := stix.Decode(raw)
		if err != nil {
			return nil, fmt.Errorf("object %d does not decode: %v\n%s", n, err, raw)
		}
		fail := func(format string, args ...any) error {
			return fmt.Errorf("object %d (%s): %s\n%s", n, o.ID, fmt.Sprintf(format, args...), raw)
		}
		st.types[o.Type]++
		p := o.Props
		for _, k := range required[o.Type] {
			if _, ok := p[k]; !ok {
				return nil, fail("required property %s is missing", k)
			}
		}
		if _, ok := required[o.Type]; !ok {
			return nil, fail("unexpected type %s", o.Type)
		}
		for _, k := range timestampProps {
			if v, ok := p[k]; ok {
				if s, _ := v.(string); !timestampRE.MatchString(s) {
					return nil, fail("%s %v is not a UTC timestamp with milliseconds", k, v)
				}
			}
		}
		for _, pair := range [][2]string{{"first_seen", "last_seen"}, {"first_observed", "last_observed"}, {"created", "modified"}} {
			a, _ := p[pair[0]].(string)
			b, _ := p[pair[1]].(string)
			if a != "" && b != "" && a > b {
				return nil, fail("%s %s is after %s %s", pair[0], a, pair[1], b)
			}
		}
		for _, pair := range [][2]string{{"valid_from", "valid_until"}, {"start_time", "stop_time"}} {
			a, _ := p[pair[0]].(string)
			b, _ := p[pair[1]].(string)
			if a != "" && b != "" && a >= b {
				return nil, fail("%s %s is not before %s %s", pair[0], a, pair[1], b)
			}
		}
		// References: every one points at an object written before, of the right type.
		for k, v := range p {
			if strings.HasPrefix(k, "x_") {
				st.custom++
				continue
			}
			if !strings.HasSuffix(k, "_ref") && !strings.HasSuffix(k, "_refs") {
				continue
			}
			var refs []string
			switch v := v.(type) {
			case string:
				refs = []string{v}
			case []any:
				for _, e := range v {
					s, _ := e.(string)
					refs = append(refs, s)
				}
			}
			for _, r := range refs {
				if seen[r] == nil {
					return nil, fail("%s %s does not point at an earlier object", k, r)
				}
				rt, _, _ := stix.ParseID(r)
				want := map[string]string{"created_by_ref": "identity", "object_marking_refs": "marking-definition",
					"sighting_of_ref": "indicator", "where_sighted_refs": "identity", "observed_data_refs": "observed-data"}[k]
				if o.Type == "observed-data" && k == "object_refs" && !scoTypes[rt] {
					return nil, fail("observed-data refers to %s, not an observable", r)
				}
				if want != "" && rt != want {
					return nil, fail("%s points at a %s, want a %s", k, rt, want)
				}
			}
		}
		if o.Type != "marking-definition" {
			if len(o.ObjectMarkingRefs) != 1 {
				return nil, fail("has %d markings, want one TLP marking", len(o.ObjectMarkingRefs))
			}
			level, ok := stix.MarkingTLP(o.ObjectMarkingRefs[0])
			if !ok {
				return nil, fail("marking %s is not a TLP marking", o.ObjectMarkingRefs[0])
			}
			if o.Type != "identity" {
				st.tlp[level]++
				st.marked++
			}
		}
		switch o.Type {
		case "relationship":
			src, _, _ := stix.ParseID(p["source_ref"].(string))
			dst, _, _ := stix.ParseID(p["target_ref"].(string))
			triple := src + " " + p["relationship_type"].(string) + " " + dst
			if !relationshipOK[triple] && p["relationship_type"] != "related-to" {
				return nil, fail("relationship %q is not one STIX 2.1 defines", triple)
			}
			if p["source_ref"] == p["target_ref"] {
				return nil, fail("relationship from an object to itself")
			}
		case "indicator":
			pat := p["pattern"].(string)
			if p["pattern_type"] != "stix" || !strings.HasPrefix(pat, "[") && !strings.HasPrefix(pat, "([") {
				return nil, fail("pattern %q is not a STIX pattern", pat)
			}
			for _, op := range []string{" AND ", " OR ", " FOLLOWEDBY ", " ISSUBSET ", "ipv6-addr", "'SHA-256'", "MD5", "'SHA-1'", "email-", "url:", "domain-name:"} {
				if strings.Contains(pat, op) {
					st.patterns[op]++
				}
			}
		case "vulnerability", "attack-pattern":
			refs, _ := p["external_references"].([]any)
			if len(refs) == 0 {
				return nil, fail("has no external reference")
			}
			ref := refs[0].(map[string]any)
			source, re := "cve", cveRE
			if o.Type == "attack-pattern" {
				source, re = "mitre-attack", attackRE
			}
			if ref["source_name"] != source || !re.MatchString(fmt.Sprint(ref["external_id"])) {
				return nil, fail("external reference %v is not a %s id", ref, source)
			}
		case "ipv4-addr", "domain-name", "file":
			if o.ID[len(o.ID)-22] != '5' {
				return nil, fail("observable id is not a UUIDv5")
			}
		}
		// Versions: the same id again only for versioned objects, later, never after a revocation.
		v := seen[o.ID]
		if v != nil {
			if o.Modified.IsZero() {
				return nil, fail("unversioned object written twice")
			}
			if v.revoked {
				return nil, fail("new version after a revocation")
			}
			if o.Created.Text != v.created || o.Modified.Text <= v.modified {
				return nil, fail("version (created %s, modified %s) does not follow (created %s, modified %s)",
					o.Created.Text, o.Modified.Text, v.created, v.modified)
			}
			st.versions++
		} else {
			v = &seenVersion{}
			seen[o.ID] = v
		}
		v.created, v.modified, v.revoked = o.Created.Text, o.Modified.Text, o.Revoked
		if o.Revoked {
			st.revoked++
		}
	}
	return st, nil
}

func TestWriteSameSeedSameBytes(t *testing.T) {
	opts := Options{Objects: 3000, Seed: 42}
	a, b := generate(t, opts), generate(t, opts)
	if !bytes.Equal(a, b) {
		t.Fatal("two runs with the same options gave different bytes")
	}
	opts.Seed = 43
	if c := generate(t, opts); bytes.Equal(a, c) {
		t.Fatal("seeds 42 and 43 gave the same bytes")
	}
	opts.Seed, opts.Now = 42, DefaultNow.Add(time.Hour)
	if c := generate(t, opts); bytes.Equal(a, c) {
		t.Fatal("a different reference time gave the same bytes")
	}
}

// TestWriteMix checks the corpus of 20 000 objects against the shares the brief asks for.
func TestWriteMix(t *testing.T) {
	opts := Options{Objects: 20000, Seed: 7}
	st, err := check(generate(t, opts), opts)
	if err != nil {
		t.Fatal(err)
	}
	pct := func(n, of int) float64 { return 100 * float64(n) / float64(of) }
	for _, c := range []struct {
		typ       string
		want, tol float64
	}{
		{"indicator", 55, 2},
		{"relationship", 18, 1.5},
		{"sighting", 4, 0.8},
		{"observed-data", 2, 0.5},
		{"malware", 2.5, 0.6},
		{"vulnerability", 2.5, 0.6},
		{"report", 2.5, 0.6},
		{"attack-pattern", 2, 0.5},
		{"note", 2, 0.5},
		{"course-of-action", 1.5, 0.5},
		{"threat-actor", 1, 0.4},
		{"intrusion-set", 1, 0.4},
		{"campaign", 1, 0.4},
	} {
		if got := pct(st.types[c.typ], st.objects); got < c.want-c.tol || got > c.want+c.tol {
			t.Errorf("%s: got %.2f %% of the objects, want %.1f ± %.1f", c.typ, got, c.want, c.tol)
		}
	}
	if got := pct(st.types["ipv4-addr"]+st.types["domain-name"]+st.types["file"], st.objects); got < 4 || got > 6 {
		t.Errorf("observables: got %.2f %%, want 5 ± 1", got)
	}
	for _, typ := range []string{"ipv4-addr", "domain-name", "file"} {
		if st.types[typ] == 0 {
			t.Errorf("no %s observable", typ)
		}
	}
	if n := st.types["identity"]; n < 4 || n > 10 {
		t.Errorf("got %d identities, want a handful", n)
	}
	if got := st.types["marking-definition"]; got != 5 {
		t.Errorf("got %d marking definitions, want the 5 TLP 2.0 ones", got)
	}
	for _, c := range []struct {
		tlp       stix.TLP
		want, tol float64
	}{
		{stix.TLPClear, 30, 2}, {stix.TLPGreen, 35, 2}, {stix.TLPAmber, 25, 2},
		{stix.TLPAmberStrict, 5, 1}, {stix.TLPRed, 5, 1},
	} {
		if got := pct(st.tlp[c.tlp], st.marked); got < c.want-c.tol || got > c.want+c.tol {
			t.Errorf("%s: got %.2f %% of the marked objects, want %.0f ± %.0f", c.tlp.Label(), got, c.want, c.tol)
		}
	}
	if got := pct(st.versions, st.objects); got < 4 || got > 6 {
		t.Errorf("later versions: got %.2f %%, want 5 ± 1", got)
	}
	if st.revoked == 0 || st.revoked > st.versions/4 {
		t.Errorf("got %d revoked versions of %d versions, want a few", st.revoked, st.versions)
	}
	if got := pct(st.custom, st.objects); got < 1 || got > 15 {
		t.Errorf("custom properties: got %.2f %% of the objects, want a few", got)
	}
	for _, p := range []string{" AND ", " OR ", " FOLLOWEDBY ", " ISSUBSET ", "ipv6-addr", "'SHA-256'", "MD5", "'SHA-1'", "email-", "url:", "domain-name:"} {
		if st.patterns[p] == 0 {
			t.Errorf("no indicator pattern with %q", p)
		}
	}
}

func TestWriteSmallCorpora(t *testing.T) {
	for n := 0; n <= 40; n++ {
		for _, own := range []string{"", "identity--0e6d1b5c-45a3-4ac5-9b8c-f2e0a0d3a1b7"} {
			opts := Options{Objects: n, Seed: int64(n), OwnIdentity: own}
			if _, err := check(generate(t, opts), opts); err != nil {
				t.Fatalf("%d objects, own identity %q: %v", n, own, err)
			}
		}
	}
}

// TestWriteAnyOptions: whatever the seed, size and own identity, the corpus keeps its promises.
func TestWriteAnyOptions(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		opts := Options{
			Objects: rapid.IntRange(0, 400).Draw(rt, "objects"),
			Seed:    rapid.Int64().Draw(rt, "seed"),
			Now:     time.UnixMilli(rapid.Int64Range(time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()).Draw(rt, "now")),
		}
		if rapid.Bool().Draw(rt, "own") {
			opts.OwnIdentity = "identity--0e6d1b5c-45a3-4ac5-9b8c-f2e0a0d3a1b7"
		}
		var buf bytes.Buffer
		if err := Write(context.Background(), &buf, opts); err != nil {
			rt.Fatalf("Write: %v", err)
		}
		if _, err := check(buf.Bytes(), opts); err != nil {
			rt.Fatal(err)
		}
	})
}

func TestWriteOwnIdentity(t *testing.T) {
	own := "identity--0e6d1b5c-45a3-4ac5-9b8c-f2e0a0d3a1b7"
	opts := Options{Objects: 2000, Seed: 3, OwnIdentity: own}
	data := generate(t, opts)
	if _, err := check(data, opts); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(`"id":"`+own+`"`)) {
		t.Error("the own identity was written, though the node already has it")
	}
	if got := bytes.Count(data, []byte(`"created_by_ref":"`+own+`"`)); got < 200 {
		t.Errorf("the own identity authored %d objects, want about a quarter of 2000", got)
	}
}

func TestWriteBadOptions(t *testing.T) {
	for _, c := range []struct {
		name string
		opts Options
		want string
	}{
		{"negative count", Options{Objects: -1}, "negative"},
		{"own identity not an id", Options{Objects: 1, OwnIdentity: "CERT-NM"}, "own identity"},
		{"own identity of another type", Options{Objects: 1, OwnIdentity: "indicator--0e6d1b5c-45a3-4ac5-9b8c-f2e0a0d3a1b7"}, "must be an identity"},
		{"reference time too early", Options{Objects: 1, Now: time.Date(1970, 6, 1, 0, 0, 0, 0, time.UTC)}, "reference time"},
		{"reference time too late", Options{Objects: 1, Now: time.Date(9999, 6, 1, 0, 0, 0, 0, time.UTC)}, "reference time"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Write(context.Background(), &buf, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got error %v, want one mentioning %q", err, c.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes before refusing the options", buf.Len())
			}
		})
	}
}

func TestWriteStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Write(ctx, io.Discard, Options{Objects: 1_000_000})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after -= len(p); w.after < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriteReportsWriteErrors(t *testing.T) {
	for _, after := range []int{0, 100_000} {
		err := Write(context.Background(), &failingWriter{after: after}, Options{Objects: 5000})
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("failing after %d bytes: got %v, want the writer's error", after, err)
		}
	}
}

// TestWriteEmpty: no objects gives a bundle without the objects property (empty lists are
// prohibited in STIX).
func TestWriteEmpty(t *testing.T) {
	got := string(generate(t, Options{Seed: 1}))
	if !strings.HasPrefix(got, `{"type":"bundle","id":"bundle--`) || strings.Contains(got, "objects") {
		t.Errorf("got %q, want a bundle with only type and id", got)
	}
}
