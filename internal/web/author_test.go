package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

var idRE = regexp.MustCompile(`[a-z-]+--[0-9a-f-]{36}`)

// create posts an authoring form and returns the new object's id.
func (f *fixture) create(c *http.Client, typ string, form url.Values) string {
	f.t.Helper()
	resp, body := f.do(c, "POST", "/new/"+typ, form)
	if resp.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("create %s: got %d, want 303:\n%.600s", typ, resp.StatusCode, body)
	}
	return idRE.FindString(resp.Header.Get("Location"))
}

func TestAuthorVersionsAndRevocation(t *testing.T) {
	f := newFixture(t)
	c, token := f.signIn()
	ind := f.create(c, "indicator", url.Values{"csrf": {token}, "name": {"Relay"}, "pattern": {"[domain-name:value = 'relay.example']"}, "tlp": {"green"}})
	rep := f.create(c, "report", url.Values{"csrf": {token}, "name": {"Weekly"}, "description": {"**Patch** now: <script>x</script>"},
		"object_refs": {ind}, "tlp": {"green"}})
	_, body := f.do(c, "GET", "/objects/"+rep, nil)
	if !strings.Contains(body, "<strong>Patch</strong> now: &lt;script&gt;") {
		t.Errorf("the report's description is not rendered as safe Markdown")
	}
	if !strings.Contains(body, `href="/objects/`+ind+`"`) {
		t.Errorf("the report page does not link the indicator it refers to")
	}
	note := f.create(c, "note", url.Values{"csrf": {token}, "content": {"- step one\n- step two"}, "object_refs": {ind}, "tlp": {"clear"}})
	coa := f.create(c, "course-of-action", url.Values{"csrf": {token}, "name": {"Block the relay"}, "tlp": {"amber"}})
	for _, id := range []string{note, coa} {
		if resp, _ := f.do(c, "GET", "/objects/"+id, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: got %d, want 200", id, resp.StatusCode)
		}
	}

	// A report without the objects it refers to is refused with a reason.
	resp, body := f.do(c, "POST", "/new/report", url.Values{"csrf": {token}, "name": {"Empty"}, "tlp": {"green"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Objects referred to: required") {
		t.Errorf("report without refs: got %d, want 422 naming the field", resp.StatusCode)
	}

	// The edit form holds the current values; saving makes a new version.
	_, body = f.do(c, "GET", "/objects/"+ind+"/edit", nil)
	if !strings.Contains(body, "relay.example") {
		t.Errorf("the edit form does not hold the current pattern")
	}
	resp, _ = f.do(c, "POST", "/objects/"+ind+"/edit", url.Values{"csrf": {token}, "name": {"Relay, renamed"},
		"pattern": {"[domain-name:value = 'relay.example']"}, "tlp": {"amber"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("new version: got %d, want 303", resp.StatusCode)
	}
	versions := func() []store.Record {
		t.Helper()
		coll, _ := f.st.Collections().Get(context.Background(), "default")
		pg, err := f.st.Objects().Query(context.Background(), store.Filter{Collection: coll.ID, IDs: []string{ind}, Versions: store.VersionMatch{All: true}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return pg.Records
	}
	if vs := versions(); len(vs) != 2 || vs[1].TLP.String() != "amber" {
		t.Fatalf("after editing: got %d versions, want 2, the newest AMBER", len(vs))
	}
	resp, _ = f.do(c, "POST", "/objects/"+ind+"/revoke", url.Values{"csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: got %d, want 303", resp.StatusCode)
	}
	if vs := versions(); len(vs) != 3 || !vs[2].Revoked {
		t.Errorf("after revoking: got %d versions, want 3, the newest revoked", len(vs))
	}
	if resp, _ := f.do(c, "GET", "/objects/"+ind+"/edit", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("editing a revoked object: got %d, want 403", resp.StatusCode)
	}
}

func TestObjectLinks(t *testing.T) {
	f := newFixture(t)
	c, token := f.signIn()
	ind := f.create(c, "indicator", url.Values{"csrf": {token}, "name": {"Relay"}, "pattern": {"[domain-name:value = 'relay.example']"}, "tlp": {"green"}})
	coa := f.create(c, "course-of-action", url.Values{"csrf": {token}, "name": {"Block the relay"}, "tlp": {"green"}})
	now := stixTime(f.clock.now())
	green := `"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]`
	raws := [][]byte{
		[]byte(`{"type":"relationship","spec_version":"2.1","id":"relationship--6b1b6c2e-4c3e-4c8e-9f5e-0d1f1a2b3c4d","created":"` + now + `","modified":"` + now + `","relationship_type":"mitigates","source_ref":"` + coa + `","target_ref":"` + ind + `",` + green + `}`),
		[]byte(`{"type":"sighting","spec_version":"2.1","id":"sighting--7c2c7d3f-5d4f-4d9f-8a6f-1e2f2b3c4d5e","created":"` + now + `","modified":"` + now + `","sighting_of_ref":"` + ind + `","count":42,` + green + `}`),
	}
	coll, _ := f.st.Collections().Get(context.Background(), "default")
	res, err := f.ui.d.Ingester.Add(context.Background(), coll.ID, raws, store.Provenance{OrgID: f.partner.ID, Via: "import"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("ingest %s: %v", r.ID, r.Err)
		}
	}
	_, body := f.do(c, "GET", "/objects/"+ind, nil)
	for _, want := range []string{`id="sightings"`, ">42<", "← mitigates", `href="/objects/` + coa + `"`, `<svg class="graph"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the indicator's page lacks %q", want)
		}
	}
}

// TestObjectLinksFromTheIndex: an object's page lists the relationships pointing at it through
// the index of links, however many versions were added around them (one before the object, one
// after thousands of others), and says when that index is too far behind to be complete.
func TestObjectLinksFromTheIndex(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, _ := f.signIn()
	coll, _ := f.st.Collections().Get(ctx, "default")
	now := stixTime(f.clock.now())
	green := `"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]`
	rel := func(src, dst string) []byte {
		return []byte(`{"type":"relationship","spec_version":"2.1","id":"` + stix.NewID("relationship") + `","created":"` + now +
			`","modified":"` + now + `","relationship_type":"indicates","source_ref":"` + src + `","target_ref":"` + dst + `",` + green + `}`)
	}
	ingest := func(raws ...[]byte) {
		t.Helper()
		res, err := f.ui.d.Ingester.Add(ctx, coll.ID, raws, store.Provenance{OrgID: f.partner.ID, Via: "import"})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatalf("ingest %s: %v", r.ID, r.Err)
			}
		}
	}
	mal := "malware--5d0b4b0e-1c51-4f6b-9a3e-0e0f3c1a2b3d"
	before, after := stix.NewID("indicator"), stix.NewID("indicator")
	ingest(rel(before, mal)) // pointing at the malware before it is stored, as federation may deliver
	ingest([]byte(`{"type":"malware","spec_version":"2.1","id":"` + mal + `","created":"` + now + `","modified":"` + now +
		`","name":"Relay loader","is_family":true,` + green + `}`))
	var others [][]byte
	for range 3 * linkBudget {
		others = append(others, rel(stix.NewID("indicator"), stix.NewID("malware")))
	}
	ingest(others...)
	ingest(rel(after, mal))

	// The page's own catch-up indexes a little; thousands of versions still wait.
	_, body := f.do(c, "GET", "/objects/"+mal, nil)
	if !strings.Contains(body, `id="links-partial"`) {
		t.Error("with the index thousands of versions behind, the page does not say relationships may be missing")
	}
	if err := f.ui.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	_, body = f.do(c, "GET", "/objects/"+mal, nil)
	for _, want := range []string{before, after, "← indicates"} {
		if !strings.Contains(body, want) {
			t.Errorf("the malware's page lacks %q", want)
		}
	}
	if strings.Contains(body, `id="links-partial"`) {
		t.Error("with the index caught up, the page still says relationships may be missing")
	}
}

// TestReadsAudited: an AMBER object's page, and a listing that names AMBER objects, are reads
// of AMBER the audit log records, as TAXII's are; a GREEN object's page is not.
func TestReadsAudited(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, token := f.signIn()
	amber := f.create(c, "indicator", url.Values{"csrf": {token}, "name": {"Relay"}, "pattern": {"[domain-name:value = 'relay.example']"}, "tlp": {"amber"}})
	green := f.create(c, "indicator", url.Values{"csrf": {token}, "name": {"Beacon"}, "pattern": {"[domain-name:value = 'beacon.example']"}, "tlp": {"green"}})
	reads := func() []string {
		t.Helper()
		var out []string
		err := f.st.Audit().Scan(ctx, 0, func(e store.AuditEntry) error {
			if e.Action == "read" {
				out = append(out, e.Detail+" "+e.Object)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	f.do(c, "GET", "/objects/"+green, nil)
	if got := reads(); len(got) != 0 {
		t.Errorf("after a GREEN object's page: reads %q, want none", got)
	}
	f.do(c, "GET", "/objects/"+amber, nil)
	if got := reads(); len(got) != 1 || got[0] != "object page "+amber {
		t.Errorf("after an AMBER object's page: reads %q", got)
	}
	f.do(c, "GET", "/search?type=indicator", nil)
	if got := reads(); len(got) != 2 || got[1] != "search "+amber {
		t.Errorf("after a listing naming the AMBER object: reads %q", got)
	}
	f.do(c, "GET", "/search?q=relay.example&type=note", nil) // the value's indicator, no listed row
	if got := reads(); len(got) != 3 || got[2] != "search "+amber {
		t.Errorf("after a search by the AMBER indicator's value: reads %q", got)
	}
}

// TestObjectMentionedIn: an object's page lists the reports and notes that name it in their
// object_refs, before and after the index of links has taken them in, and not a report that
// names another object.
func TestObjectMentionedIn(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, token := f.signIn()
	ind := f.create(c, "indicator", url.Values{"csrf": {token}, "name": {"Relay"}, "pattern": {"[domain-name:value = 'relay.example']"}, "tlp": {"green"}})
	now := stixTime(f.clock.now())
	green := `"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]`
	report := func(name, ref string) []byte {
		return []byte(`{"type":"report","spec_version":"2.1","id":"` + stix.NewID("report") + `","created":"` + now + `","modified":"` + now +
			`","name":"` + name + `","published":"` + now + `","object_refs":["` + ref + `"],` + green + `}`)
	}
	note := []byte(`{"type":"note","spec_version":"2.1","id":"` + stix.NewID("note") + `","created":"` + now + `","modified":"` + now +
		`","content":"Seen again at the harbour","object_refs":["` + ind + `"],` + green + `}`)
	coll, _ := f.st.Collections().Get(ctx, "default")
	if _, err := f.ui.d.Ingester.Add(ctx, coll.ID, [][]byte{report("Harbour wave", ind), report("Unrelated", stix.NewID("malware")), note},
		store.Provenance{OrgID: f.partner.ID, Via: "import"}); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		_, body := f.do(c, "GET", "/objects/"+ind, nil)
		for _, want := range []string{`id="mentions"`, "Harbour wave", "Seen again at the harbour"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the indicator's page lacks %q", when, want)
			}
		}
		if strings.Contains(body, "Unrelated") {
			t.Errorf("%s: the page lists a report that names another object", when)
		}
	}
	check("before the index")
	if err := f.ui.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	check("through the index")
}
