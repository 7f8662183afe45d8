package taxii

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entente/entente/internal/audit"
	"github.com/entente/entente/internal/auth"
	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/sqlite"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// fixture is a node with one API root served over real HTTP, with organisations and tokens:
// admin (own organisation), partner A (reads and writes coll), partner B (reads coll only) and
// partner C (no access).
type fixture struct {
	t      *testing.T
	srv    *httptest.Server
	st     *sqlite.Store
	coll   string
	tokens map[string]string
	orgs   map[string]string
	clock  *time.Time // the policy's clock; nil means the real time
	in     *ingest.Ingester
}

func newFixture(t *testing.T, maxContent int64) *fixture {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	self, err := st.Orgs().Create(ctx, store.Org{Name: "Own", Self: true, IdentityID: stix.NewID("identity"), CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, st: st, tokens: map[string]string{}}
	orgs := map[string]string{"admin": self.ID}
	for _, name := range []string{"A", "B", "C"} {
		o, err := st.Orgs().Create(ctx, store.Org{Name: "Partner " + name, IdentityID: stix.NewID("identity"), CreatedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		orgs[name] = o.ID
	}
	for who, org := range orgs {
		role := auth.RolePartner
		if who == "admin" {
			role = auth.RoleAdmin
		}
		secret := auth.NewSecret()
		if _, err := st.Tokens().Create(ctx, store.Token{Hash: auth.Hash(secret), OrgID: org, Role: role, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		f.tokens[who] = secret
	}
	c, err := st.Collections().Create(ctx, store.Collection{Title: "Shared", Alias: "shared", Read: []string{orgs["A"], orgs["B"]}, Write: []string{orgs["A"]}, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	f.coll = c.ID
	a := &auth.Authenticator{Tokens: st.Tokens(), SelfOrg: self.ID}
	in := &ingest.Ingester{Objects: st.Objects(), Logger: log}
	f.orgs, f.in = orgs, in
	gate := &policy.Gate{Store: st, Own: self.ID, Now: func() time.Time {
		if f.clock != nil {
			return *f.clock
		}
		return time.Now()
	}}
	s := NewServer(st, gate, &audit.Log{Store: st}, a, in, []byte("0123456789abcdef0123456789abcdef"), Config{MaxContentLength: maxContent}, log)
	f.srv = httptest.NewServer(s.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, r.body)
	}
	return m
}

// req sends a request as who ("" for no credentials) and checks the invariant of every TAXII
// response: its media type.
func (f *fixture) req(method, path, who string, body []byte, hdr ...string) response {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	r.Header.Set("Accept", MediaType)
	if body != nil {
		r.Header.Set("Content-Type", MediaType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	if who != "" {
		r.SetBasicAuth("user", f.tokens[who])
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if got := resp.Header.Get("Content-Type"); got != MediaType {
		f.t.Errorf("%s %s: Content-Type %q, want %q", method, path, got, MediaType)
	}
	return response{resp.StatusCode, resp.Header, b}
}

func (f *fixture) objects(path string) string {
	return Root + "collections/" + f.coll + "/" + path
}

func indicator(i int, modified string) string {
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08d-0000-4000-8000-000000000000","created":"2026-01-01T00:00:00.000Z","modified":"%s","pattern":"[ipv4-addr:value = '198.51.100.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["`+stix.TLP2Clear+`"]}`, i, modified, i%250)
}

func envelopeOf(objs ...string) []byte {
	return []byte(`{"objects":[` + strings.Join(objs, ",") + `]}`)
}

func (f *fixture) post(who string, objs ...string) response {
	f.t.Helper()
	return f.req("POST", f.objects("objects/"), who, envelopeOf(objs...))
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t, 0)
	for _, p := range []string{"/taxii2/", Root, Root + "collections/", f.objects("objects/")} {
		r := f.req("GET", p, "", nil)
		if r.status != 401 || r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("GET %s without token: status %d, WWW-Authenticate %q; want 401 with a challenge", p, r.status, r.header.Get("WWW-Authenticate"))
		}
	}
	r, _ := http.NewRequest("GET", f.srv.URL+"/taxii2/", nil)
	r.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("Bearer token: got %d, want 200", resp.StatusCode)
	}
	f.tokens["bogus"] = "ent_not-a-token"
	if r := f.req("GET", "/taxii2/", "bogus", nil); r.status != 401 {
		t.Errorf("unknown token: got %d, want 401", r.status)
	}
}

func TestRevokedAndExpiredTokens(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	ts, _ := f.st.Tokens().List(ctx, "")
	var aID string
	for _, tk := range ts {
		if bytes.Equal(tk.Hash, auth.Hash(f.tokens["A"])) {
			aID = tk.ID
		}
	}
	if r := f.req("GET", f.objects("objects/"), "A", nil); r.status != 200 {
		t.Fatalf("before revocation: got %d", r.status)
	}
	if err := f.st.Tokens().Revoke(ctx, aID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if r := f.req("GET", f.objects("objects/"), "A", nil); r.status != 401 {
		t.Errorf("revoked token: got %d, want 401", r.status)
	}
	self, _ := f.st.Orgs().Self(ctx)
	secret := auth.NewSecret()
	f.st.Tokens().Create(ctx, store.Token{Hash: auth.Hash(secret), OrgID: self.ID, Role: auth.RoleAdmin, CreatedAt: time.Now().Add(-time.Hour), ExpiresAt: time.Now().Add(-time.Minute)})
	f.tokens["expired"] = secret
	if r := f.req("GET", "/taxii2/", "expired", nil); r.status != 401 {
		t.Errorf("expired token: got %d, want 401", r.status)
	}
}

func TestDiscoveryAndAPIRoot(t *testing.T) {
	f := newFixture(t, 0)
	d := f.req("GET", "/taxii2/", "admin", nil).json(t)
	if d["title"] == "" || d["default"] == nil {
		t.Errorf("discovery lacks title or default: %v", d)
	}
	roots, _ := d["api_roots"].([]any)
	if len(roots) == 0 || roots[0] != d["default"] {
		t.Errorf("default %v is not in api_roots %v", d["default"], roots)
	}
	a := f.req("GET", Root, "admin", nil).json(t)
	vs, _ := a["versions"].([]any)
	if len(vs) != 1 || vs[0] != MediaType {
		t.Errorf("api root versions: got %v, want [%s]", vs, MediaType)
	}
	if n, _ := a["max_content_length"].(float64); n <= 0 {
		t.Errorf("max_content_length: got %v", a["max_content_length"])
	}
	if a["title"] == "" {
		t.Errorf("api root lacks a title")
	}
}

func TestMediaTypes(t *testing.T) {
	f := newFixture(t, 0)
	for _, accept := range []string{"application/taxii+json", "application/taxii+json;version=2.1", "application/taxii+json; version=2.1", "*/*", "text/html, application/taxii+json;q=0.9"} {
		if r := f.req("GET", "/taxii2/", "admin", nil, "Accept", accept); r.status != 200 {
			t.Errorf("Accept %q: got %d, want 200", accept, r.status)
		}
	}
	for _, accept := range []string{"application/xml", "application/taxii+json;version=2.0", "text/html"} {
		if r := f.req("GET", "/taxii2/", "admin", nil, "Accept", accept); r.status != 406 {
			t.Errorf("Accept %q: got %d, want 406", accept, r.status)
		}
	}
	for _, ct := range []string{"application/taxii+json", "application/taxii+json;version=2.1"} {
		if r := f.req("POST", f.objects("objects/"), "admin", envelopeOf(indicator(1, "2026-01-01T00:00:00.000Z")), "Content-Type", ct); r.status != 202 {
			t.Errorf("Content-Type %q: got %d, want 202: %s", ct, r.status, r.body)
		}
	}
	for _, ct := range []string{"application/json", "text/plain", "application/taxii+json;version=2.0", "garbage;;"} {
		if r := f.req("POST", f.objects("objects/"), "admin", envelopeOf(indicator(1, "2026-01-01T00:00:00.000Z")), "Content-Type", ct); r.status != 415 {
			t.Errorf("Content-Type %q: got %d, want 415", ct, r.status)
		}
	}
}

func TestCollections(t *testing.T) {
	f := newFixture(t, 0)
	m := f.req("GET", Root+"collections/", "A", nil).json(t)
	cs, _ := m["collections"].([]any)
	if len(cs) != 1 {
		t.Fatalf("partner A sees %d collections, want 1", len(cs))
	}
	c := cs[0].(map[string]any)
	if c["id"] != f.coll || c["title"] != "Shared" || c["can_read"] != true || c["can_write"] != true {
		t.Errorf("collection for A: %v", c)
	}
	if m := f.req("GET", Root+"collections/", "C", nil).json(t); len(m) != 0 {
		t.Errorf("partner C: got %v, want {} (empty list omitted)", m)
	}
	b := f.req("GET", Root+"collections/"+f.coll+"/", "B", nil).json(t)
	if b["can_read"] != true || b["can_write"] != false {
		t.Errorf("collection for B: %v", b)
	}
	if r := f.req("GET", Root+"collections/"+f.coll+"/", "C", nil); r.status != 404 {
		t.Errorf("collection for C: got %d, want 404", r.status)
	}
	if r := f.req("GET", Root+"collections/shared/", "A", nil); r.status != 200 {
		t.Errorf("collection by alias: got %d", r.status)
	}
}

func TestPostStatusAndDuplicates(t *testing.T) {
	f := newFixture(t, 0)
	bad := `{"type":"indicator","spec_version":"2.1","id":"indicator--bad"}`
	r := f.post("A", indicator(1, "2026-01-01T00:00:00.000Z"), indicator(2, "2026-01-01T00:00:00.000Z"), bad)
	if r.status != 202 {
		t.Fatalf("POST: got %d: %s", r.status, r.body)
	}
	st := r.json(t)
	if st["status"] != "complete" || st["total_count"] != 3.0 || st["success_count"] != 2.0 || st["failure_count"] != 1.0 || st["pending_count"] != 0.0 {
		t.Errorf("status: %s", r.body)
	}
	fails := st["failures"].([]any)
	if msg := fails[0].(map[string]any)["message"].(string); !strings.Contains(msg, "id") {
		t.Errorf("failure message does not name the problem: %q", msg)
	}
	id := st["id"].(string)
	got := f.req("GET", Root+"status/"+id+"/", "A", nil)
	if got.status != 200 || got.json(t)["id"] != id {
		t.Errorf("GET status: %d %s", got.status, got.body)
	}
	if r := f.req("GET", Root+"status/"+id+"/", "B", nil); r.status != 404 {
		t.Errorf("another organisation's status: got %d, want 404", r.status)
	}
	if r := f.req("GET", Root+"status/"+stix.NewUUID()+"/", "A", nil); r.status != 404 {
		t.Errorf("unknown status: got %d, want 404", r.status)
	}
	again := f.post("A", indicator(1, "2026-01-01T00:00:00.000Z")).json(t)
	if again["success_count"] != 1.0 || again["failure_count"] != 0.0 {
		t.Errorf("duplicate POST: %v; want a success", again)
	}
}

// load posts n indicators, versions of some of them, and returns the ids in order.
func (f *fixture) load(n int) {
	f.t.Helper()
	var objs []string
	for i := 1; i <= n; i++ {
		objs = append(objs, indicator(i, "2026-01-01T00:00:00.000Z"))
	}
	if r := f.post("admin", objs...); r.status != 202 {
		f.t.Fatalf("load: %d %s", r.status, r.body)
	}
}

func envelopeObjects(t *testing.T, r response) []map[string]any {
	t.Helper()
	var env struct {
		More    bool             `json:"more"`
		Next    string           `json:"next"`
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("not an envelope: %s", r.body)
	}
	return env.Objects
}

func TestPagingWithNextAndAddedAfter(t *testing.T) {
	f := newFixture(t, 0)
	f.load(25)
	seen := map[string]bool{}
	next := ""
	pages := 0
	for {
		q := "objects/?limit=10"
		if next != "" {
			q += "&next=" + url.QueryEscape(next)
		}
		r := f.req("GET", f.objects(q), "B", nil)
		if r.status != 200 {
			t.Fatalf("page %d: %d %s", pages, r.status, r.body)
		}
		for _, h := range []string{"X-TAXII-Date-Added-First", "X-TAXII-Date-Added-Last"} {
			if _, err := stix.ParseMicro(r.header.Get(h)); err != nil || len(r.header.Get(h)) != 27 {
				t.Errorf("%s: %q is not a microsecond timestamp", h, r.header.Get(h))
			}
		}
		objs := envelopeObjects(t, r)
		if len(objs) > 10 {
			t.Fatalf("limit 10 exceeded: %d objects", len(objs))
		}
		for _, o := range objs {
			seen[o["id"].(string)] = true
		}
		m := r.json(t)
		pages++
		if m["more"] != true {
			break
		}
		next, _ = m["next"].(string)
		if next == "" {
			t.Fatal("more without next")
		}
	}
	if len(seen) != 25 || pages != 3 {
		t.Errorf("paged %d objects in %d pages, want 25 in 3", len(seen), pages)
	}
	// Paging by added_after = X-TAXII-Date-Added-Last gives the same objects.
	seen2 := map[string]bool{}
	after := ""
	for i := 0; i < 10; i++ {
		q := "objects/?limit=7"
		if after != "" {
			q += "&added_after=" + url.QueryEscape(after)
		}
		r := f.req("GET", f.objects(q), "B", nil)
		for _, o := range envelopeObjects(t, r) {
			seen2[o["id"].(string)] = true
		}
		if r.json(t)["more"] != true {
			break
		}
		after = r.header.Get("X-TAXII-Date-Added-Last")
	}
	if len(seen2) != 25 {
		t.Errorf("added_after paging saw %d objects, want 25", len(seen2))
	}
}

func TestForgedNextIsRejected(t *testing.T) {
	f := newFixture(t, 0)
	f.load(5)
	r := f.req("GET", f.objects("objects/?limit=2"), "A", nil)
	next := r.json(t)["next"].(string)
	b := []byte(next)
	b[5] ^= 1
	for name, tc := range map[string]struct{ who, q string }{
		"altered":           {"A", "objects/?limit=2&next=" + url.QueryEscape(string(b))},
		"garbage":           {"A", "objects/?next=%25%25%25"},
		"other org":         {"B", "objects/?limit=2&next=" + url.QueryEscape(next)},
		"other filters":     {"A", "objects/?limit=2&match[type]=malware&next=" + url.QueryEscape(next)},
		"other endpoint":    {"A", "manifest/?limit=2&next=" + url.QueryEscape(next)},
		"empty next":        {"A", "objects/?next="},
		"valid (same org)":  {"A", "objects/?limit=2&next=" + url.QueryEscape(next)},
		"valid, new limit ": {"A", "objects/?limit=3&next=" + url.QueryEscape(next)},
	} {
		r := f.req("GET", f.objects(tc.q), tc.who, nil)
		want := 400
		if strings.HasPrefix(name, "valid") {
			want = 200
		}
		if r.status != want {
			t.Errorf("%s: got %d, want %d: %s", name, r.status, want, r.body)
		}
	}
}

func TestFilters(t *testing.T) {
	f := newFixture(t, 0)
	f.load(3)
	// Versions of indicator 1, and a malware object.
	f.post("admin", indicator(1, "2026-02-01T00:00:00.000Z"), indicator(1, "2026-03-01T00:00:00.000Z"),
		`{"type":"malware","spec_version":"2.1","id":"malware--00000001-0000-4000-8000-000000000000","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"X","is_family":true,"object_marking_refs":["`+stix.TLP2Clear+`"]}`)
	id1 := "indicator--00000001-0000-4000-8000-000000000000"
	count := func(q string) int {
		t.Helper()
		r := f.req("GET", f.objects(q), "admin", nil)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", q, r.status, r.body)
		}
		return len(envelopeObjects(t, r))
	}
	tests := []struct {
		q    string
		want int
	}{
		{"objects/", 4},
		{"objects/?match[type]=indicator", 3},
		{"objects/?match[type]=indicator,malware", 4},
		{"objects/?match[id]=" + id1, 1},
		{"objects/?match[id]=" + id1 + "&match[version]=all", 3},
		{"objects/?match[id]=" + id1 + "&match[version]=first", 1},
		{"objects/?match[id]=" + id1 + "&match[version]=first,last", 2},
		{"objects/?match[id]=" + id1 + "&match[version]=2026-02-01T00:00:00.000Z", 1},
		{"objects/?match[id]=" + id1 + "&match[type]=malware", 0},
		{"objects/?match[version]=all", 6},
		{"objects/?match[spec_version]=2.1", 4},
		{"objects/?match[spec_version]=2.0", 0},
		{"objects/" + id1 + "/", 1},
		{"objects/" + id1 + "/?match[version]=all", 3},
	}
	for _, tt := range tests {
		if got := count(tt.q); got != tt.want {
			t.Errorf("%s: got %d objects, want %d", tt.q, got, tt.want)
		}
	}
	v := f.req("GET", f.objects("objects/"+id1+"/versions/"), "admin", nil).json(t)
	vs, _ := v["versions"].([]any)
	if len(vs) != 3 || vs[0] != "2026-01-01T00:00:00.000Z" || vs[2] != "2026-03-01T00:00:00.000Z" {
		t.Errorf("versions: %v", v)
	}
	mf := f.req("GET", f.objects("manifest/?match[type]=malware"), "admin", nil)
	entries := envelopeObjects(t, mf)
	if len(entries) != 1 || entries[0]["media_type"] != STIXMediaType || entries[0]["version"] != "2026-01-01T00:00:00.000Z" || entries[0]["date_added"] == nil {
		t.Errorf("manifest: %s", mf.body)
	}
	if mf.header.Get("X-TAXII-Date-Added-First") == "" {
		t.Errorf("manifest lacks X-TAXII-Date-Added-First")
	}
	if r := f.req("GET", f.objects("objects/indicator--00000099-0000-4000-8000-000000000000/"), "admin", nil); r.status != 404 {
		t.Errorf("unknown object: got %d, want 404", r.status)
	}
}

func TestMalformedParameters(t *testing.T) {
	f := newFixture(t, 0)
	for _, q := range []string{
		"objects/?added_after=yesterday", "objects/?added_after=2026-13-01T00:00:00Z", "objects/?limit=0", "objects/?limit=-5",
		"objects/?limit=ten", "objects/?match[version]=newest", "objects/?match[id]=nope", "objects/?match[type]=Bad_Type",
		"objects/?match[spec_version]=3.0", "objects/?match[foo]=bar", "objects/?limit=1&limit=2", "objects/?match[type]=",
		"manifest/?added_after=x", "objects/indicator--00000001-0000-4000-8000-000000000000/?match[type]=indicator",
		"objects/not-an-id/",
	} {
		r := f.req("GET", f.objects(q), "admin", nil)
		if r.status != 400 {
			t.Errorf("%s: got %d, want 400", q, r.status)
			continue
		}
		if d, _ := r.json(t)["description"].(string); d == "" {
			t.Errorf("%s: the error does not say what is wrong: %s", q, r.body)
		}
	}
	if r := f.req("PUT", f.objects("objects/"), "admin", nil); r.status != 405 {
		t.Errorf("PUT: got %d, want 405", r.status)
	}
	if r := f.req("GET", "/taxii2/nowhere/", "admin", nil); r.status != 404 {
		t.Errorf("unknown path: got %d, want 404", r.status)
	}
}

func TestPermissions(t *testing.T) {
	f := newFixture(t, 0)
	f.load(1)
	id := "indicator--00000001-0000-4000-8000-000000000000"
	tests := []struct {
		method, path, who string
		want              int
	}{
		{"POST", "objects/", "B", 403}, // read only
		{"POST", "objects/", "C", 404}, // no access at all
		{"GET", "objects/", "C", 404},
		{"GET", "manifest/", "C", 404},
		{"GET", "objects/" + id + "/", "C", 404},
		{"GET", "objects/" + id + "/versions/", "C", 404},
		{"DELETE", "objects/" + id + "/", "C", 404},
		{"DELETE", "objects/" + id + "/", "B", 403},
		{"GET", "objects/", "B", 200},
	}
	for _, tt := range tests {
		var body []byte
		if tt.method == "POST" {
			body = envelopeOf(indicator(9, "2026-01-01T00:00:00.000Z"))
		}
		if r := f.req(tt.method, f.objects(tt.path), tt.who, body); r.status != tt.want {
			t.Errorf("%s %s as %s: got %d, want %d", tt.method, tt.path, tt.who, r.status, tt.want)
		}
	}
}

func TestDelete(t *testing.T) {
	f := newFixture(t, 0)
	f.load(3)
	id := "indicator--00000002-0000-4000-8000-000000000000"
	if r := f.req("DELETE", f.objects("objects/"+id+"/"), "A", nil); r.status != 200 {
		t.Fatalf("DELETE: %d %s", r.status, r.body)
	}
	if r := f.req("GET", f.objects("objects/"+id+"/"), "A", nil); r.status != 404 {
		t.Errorf("GET after DELETE: got %d, want 404", r.status)
	}
	for _, p := range []string{"objects/?match[version]=all", "manifest/?match[version]=all"} {
		for _, o := range envelopeObjects(t, f.req("GET", f.objects(p), "A", nil)) {
			if o["id"] == id {
				t.Errorf("%s still lists the deleted object", p)
			}
		}
	}
	if r := f.req("DELETE", f.objects("objects/"+id+"/"), "A", nil); r.status != 404 {
		t.Errorf("second DELETE: got %d, want 404", r.status)
	}
}

func TestContentLength(t *testing.T) {
	f := newFixture(t, 4000)
	small := envelopeOf(indicator(1, "2026-01-01T00:00:00.000Z"))
	if r := f.req("POST", f.objects("objects/"), "admin", small); r.status != 202 {
		t.Errorf("small body: got %d", r.status)
	}
	var objs []string
	for i := 0; i < 20; i++ {
		objs = append(objs, indicator(i+10, "2026-01-01T00:00:00.000Z"))
	}
	if r := f.req("POST", f.objects("objects/"), "admin", envelopeOf(objs...)); r.status != 413 {
		t.Errorf("large body: got %d, want 413", r.status)
	}
}

func TestTruncatedPostStoresWholeObjects(t *testing.T) {
	f := newFixture(t, 0)
	body := string(envelopeOf(indicator(1, "2026-01-01T00:00:00.000Z"), indicator(2, "2026-01-01T00:00:00.000Z")))
	body = body[:len(body)-60]
	r := f.req("POST", f.objects("objects/"), "admin", []byte(body))
	if r.status != 202 {
		t.Fatalf("truncated POST: got %d %s", r.status, r.body)
	}
	st := r.json(t)
	if st["success_count"] != 1.0 || st["failure_count"] != 1.0 {
		t.Errorf("status of a truncated POST: %s", r.body)
	}
	if got := len(envelopeObjects(t, f.req("GET", f.objects("objects/"), "admin", nil))); got != 1 {
		t.Errorf("stored %d objects, want the 1 whole one", got)
	}
	if r := f.req("POST", f.objects("objects/"), "admin", []byte("not json")); r.status != 400 {
		t.Errorf("non-JSON body: got %d, want 400", r.status)
	}
}

func greenNote(i int) string {
	return fmt.Sprintf(`{"type":"note","spec_version":"2.1","id":"note--%08d-0000-4000-8000-000000000000","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","content":"n","object_refs":["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"],"object_marking_refs":["%s"]}`, i, stix.TLP2Green)
}

// TestAgreementExpiresWhilePaging: the policy is asked again for every page, so a partner whose
// agreement ends between two pages receives nothing more of what needed it.
func TestAgreementExpiresWhilePaging(t *testing.T) {
	f := newFixture(t, 0)
	end := time.Now().Add(time.Hour)
	err := f.st.Agreements().Put(context.Background(), policy.ToStore(policy.Agreement{Partner: f.orgs["A"], MaxTLP: stix.TLPGreen, ValidUntil: end}, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	var objs []string
	for i := 1; i <= 10; i++ {
		objs = append(objs, greenNote(i))
	}
	if r := f.post("admin", objs...); r.status != 202 {
		t.Fatal(r.status)
	}
	before := end.Add(-time.Minute)
	f.clock = &before
	r := f.req("GET", f.objects("objects/?limit=4"), "A", nil)
	if got := len(envelopeObjects(t, r)); got != 4 {
		t.Fatalf("first page while the agreement is in force: %d objects, want 4", got)
	}
	next := r.json(t)["next"].(string)
	after := end // ValidUntil is exclusive
	f.clock = &after
	r = f.req("GET", f.objects("objects/?limit=4&next="+url.QueryEscape(next)), "A", nil)
	if r.status != 200 {
		t.Fatalf("next page: %d %s", r.status, r.body)
	}
	if got := len(envelopeObjects(t, r)); got != 0 {
		t.Errorf("after the agreement ended: %d GREEN objects received, want 0", got)
	}
	if r := f.req("GET", f.objects("objects/note--00000009-0000-4000-8000-000000000000/"), "A", nil); r.status != 404 {
		t.Errorf("single object after the agreement ended: %d, want 404", r.status)
	}
}

// TestPartnerSeesOnlyWhatItMay: a partner with a GREEN agreement receives CLEAR and GREEN, not
// AMBER; the admin receives everything; reads of AMBER are audited.
func TestPartnerSeesOnlyWhatItMay(t *testing.T) {
	f := newFixture(t, 0)
	f.st.Agreements().Put(context.Background(), policy.ToStore(policy.Agreement{Partner: f.orgs["A"], MaxTLP: stix.TLPGreen}, time.Now()))
	amber := strings.Replace(greenNote(3), stix.TLP2Green, stix.TLP2Amber, 1)
	f.post("admin", indicator(1, "2026-01-01T00:00:00.000Z"), greenNote(2), amber)
	if got := len(envelopeObjects(t, f.req("GET", f.objects("objects/"), "A", nil))); got != 2 {
		t.Errorf("partner A: %d objects, want CLEAR and GREEN", got)
	}
	if got := len(envelopeObjects(t, f.req("GET", f.objects("manifest/"), "A", nil))); got != 2 {
		t.Errorf("partner A manifest: %d entries, want 2", got)
	}
	if got := len(envelopeObjects(t, f.req("GET", f.objects("objects/"), "B", nil))); got != 1 {
		t.Errorf("partner B without agreement: %d objects, want only CLEAR", got)
	}
	if got := len(envelopeObjects(t, f.req("GET", f.objects("objects/"), "admin", nil))); got != 3 {
		t.Errorf("admin: %d objects, want 3", got)
	}
	var reads int
	f.st.Audit().Scan(context.Background(), 0, func(e store.AuditEntry) error {
		if e.Action == "read" && strings.Contains(e.Object, "note--00000003") {
			reads++
		}
		return nil
	})
	if reads != 1 {
		t.Errorf("audit holds %d reads of the AMBER note, want 1 (the admin's)", reads)
	}
}

// TestPostRefusedByTheNode: when the node refuses to store (a process whose policy configuration
// is not the node's), a POST is answered 503 with the reason and stores nothing.
func TestPostRefusedByTheNode(t *testing.T) {
	f := newFixture(t, 1<<20)
	f.in.Guard = func() error { return errors.New("this process runs with another default TLP") }
	r := f.post("admin", indicator(1, "2026-01-01T00:00:00.000Z"))
	if r.status != http.StatusServiceUnavailable || !strings.Contains(string(r.body), "another default TLP") {
		t.Errorf("POST while refused: got %d %s, want 503 with the reason", r.status, r.body)
	}
	if n, _ := f.st.Objects().Count(context.Background(), f.coll); n != 0 {
		t.Errorf("stored %d objects while refused", n)
	}
	f.in.Guard = nil
	if r := f.post("admin", indicator(1, "2026-01-01T00:00:00.000Z")); r.status != http.StatusAccepted {
		t.Errorf("POST after: got %d %s", r.status, r.body)
	}
}
