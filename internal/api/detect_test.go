package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entente/entente/internal/audit"
	"github.com/entente/entente/internal/auth"
	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/pattern"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/sqlite"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// detectObjects are stored in a collection the partner may read: a CLEAR and an AMBER
// indicator sharing an address, and observed-data seeing that address.
const detectObjects = `
{"type":"indicator","spec_version":"2.1","id":"indicator--11111111-1111-4111-8111-111111111111","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '203.0.113.9' OR domain-name:value = 'evil.example']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","confidence":90,"object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]}
{"type":"indicator","spec_version":"2.1","id":"indicator--22222222-2222-4222-8222-222222222222","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '203.0.113.0/24']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]}
{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--33333333-3333-4333-8333-333333333333","value":"203.0.113.9","object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]}
{"type":"observed-data","spec_version":"2.1","id":"observed-data--44444444-4444-4444-8444-444444444444","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","first_observed":"2024-01-01T00:00:00Z","last_observed":"2024-01-01T00:00:00Z","number_observed":1,"object_refs":["ipv4-addr--33333333-3333-4333-8333-333333333333"],"object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]}
`

type detectFixture struct {
	t      *testing.T
	srv    *httptest.Server
	tokens map[string]string
	x      *pattern.Index
	st     store.Store
}

func newDetectAPI(t *testing.T) *detectFixture {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	self, _ := st.Orgs().Create(ctx, store.Org{Name: "Own", Self: true, IdentityID: stix.NewID("identity"), CreatedAt: time.Now()})
	partner, _ := st.Orgs().Create(ctx, store.Org{Name: "Partner", IdentityID: stix.NewID("identity"), CreatedAt: time.Now()})
	stranger, _ := st.Orgs().Create(ctx, store.Org{Name: "Stranger", IdentityID: stix.NewID("identity"), CreatedAt: time.Now()})
	c, err := st.Collections().Create(ctx, store.Collection{Title: "shared", Read: []string{partner.ID}, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	in := &ingest.Ingester{Objects: st.Objects(), Policy: policy.Config{DefaultTLP: stix.TLPAmberStrict}, Logger: log}
	if sum, err := in.Stream(ctx, c.ID, strings.NewReader(detectObjects), store.Provenance{OrgID: self.ID, Via: "import"}, nil); err != nil || sum.Accepted != 4 {
		t.Fatalf("ingest: %+v %v", sum, err)
	}
	x := pattern.NewIndex()
	if err := (&pattern.Follower{Index: x, Objects: st.Objects(), Collections: st.Collections()}).Load(ctx); err != nil {
		t.Fatal(err)
	}
	f := &detectFixture{t: t, tokens: map[string]string{}, x: x, st: st}
	for who, tk := range map[string]store.Token{
		"admin":    {OrgID: self.ID, Role: auth.RoleAdmin},
		"partner":  {OrgID: partner.ID, Role: auth.RolePartner},
		"stranger": {OrgID: stranger.ID, Role: auth.RolePartner},
	} {
		secret := auth.NewSecret()
		tk.Hash, tk.CreatedAt = auth.Hash(secret), time.Now()
		if _, err := st.Tokens().Create(ctx, tk); err != nil {
			t.Fatal(err)
		}
		f.tokens[who] = secret
	}
	a := New(Deps{Store: st, Auth: &auth.Authenticator{Tokens: st.Tokens(), SelfOrg: self.ID}, Audit: &audit.Log{Store: st}, Logger: log})
	if err := a.EnableDetection(Detection{Index: x, Gate: &policy.Gate{Store: st, Config: in.Policy, Own: self.ID}}); err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(a)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *detectFixture) do(method, path, who, body string, hdr ...string) (*http.Response, string) {
	f.t.Helper()
	r, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if who != "" {
		r.Header.Set("Authorization", "Bearer "+f.tokens[who])
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func indicatorIDs(t *testing.T, body string) []string {
	t.Helper()
	var m struct {
		Indicators  []struct{ ID string }
		Observables []struct{ Indicators []struct{ ID string } }
	}
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	var ids []string
	for _, o := range m.Observables {
		m.Indicators = append(m.Indicators, o.Indicators...)
	}
	for _, i := range m.Indicators {
		ids = append(ids, i.ID[len(i.ID)-4:])
	}
	slices.Sort(ids)
	return ids
}

func TestCorrelationThroughThePolicy(t *testing.T) {
	f := newDetectAPI(t)
	tests := []struct {
		who, path string
		code      int
		want      []string
	}{
		{"admin", "/api/v1/correlations?value=203.0.113.9", 200, []string{"1111", "2222"}},
		{"admin", "/api/v1/correlations?value=EVIL.example", 200, []string{"1111"}},
		{"admin", "/api/v1/correlations?value=203.0.113.9&min_confidence=50", 200, []string{"1111"}},
		// No agreement (the agreement store may still be a stub): a partner sees CLEAR only.
		{"partner", "/api/v1/correlations?value=203.0.113.9", 200, []string{"1111"}},
		// A partner without access to the collection sees nothing of it.
		{"stranger", "/api/v1/correlations?value=203.0.113.9", 200, nil},
		{"admin", "/api/v1/objects/observed-data--44444444-4444-4444-8444-444444444444/correlations", 200, []string{"1111", "2222"}},
		{"admin", "/api/v1/objects/indicator--11111111-1111-4111-8111-111111111111/correlations", 200, []string{"2222"}},
		{"partner", "/api/v1/objects/indicator--11111111-1111-4111-8111-111111111111/correlations", 200, nil},
		{"partner", "/api/v1/objects/indicator--22222222-2222-4222-8222-222222222222/correlations", 404, nil},
		{"stranger", "/api/v1/objects/ipv4-addr--33333333-3333-4333-8333-333333333333/correlations", 404, nil},
		{"admin", "/api/v1/correlations", 400, nil},
		{"admin", "/api/v1/correlations?value=x&min_confidence=200", 400, nil},
		{"", "/api/v1/correlations?value=x", 401, nil},
	}
	for _, tt := range tests {
		resp, body := f.do("GET", tt.path, tt.who, "")
		if resp.StatusCode != tt.code {
			t.Errorf("%s %s: got %d %s, want %d", tt.who, tt.path, resp.StatusCode, body, tt.code)
			continue
		}
		if tt.code == 200 {
			if got := indicatorIDs(t, body); !slices.Equal(got, tt.want) {
				t.Errorf("%s %s: got %q, want %q", tt.who, tt.path, got, tt.want)
			}
		}
	}
}

func TestMatchAPI(t *testing.T) {
	f := newDetectAPI(t)
	resp, body := f.do("POST", "/api/v1/match?format=text", "partner", "x 203.0.113.9 y\nevil.example\nnothing\n")
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" || len(lines) != 3 {
		t.Fatalf("match: got %d %q %s, want 200 with two hits and a summary", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if !strings.Contains(lines[0], `"line":1`) || !strings.Contains(lines[0], "indicator--1111") || !strings.Contains(lines[1], `"line":2`) ||
		!strings.Contains(lines[2], `"summary":{"binary_lines":0,"format":"text","hits":2,"lines":3,"long_lines":0}`) {
		t.Errorf("match: got\n%s", body)
	}
	if resp, _ := f.do("POST", "/api/v1/match?format=csv", "admin", "x"); resp.StatusCode != 400 {
		t.Errorf("bad format: got %d, want 400", resp.StatusCode)
	}
}

func TestBlocklistAPI(t *testing.T) {
	f := newDetectAPI(t)
	resp, body := f.do("GET", "/api/v1/blocklists/text", "admin", "")
	if resp.StatusCode != 200 || body != "203.0.113.0/24\n203.0.113.9\nevil.example\n" {
		t.Fatalf("admin list: got %d %q", resp.StatusCode, body)
	}
	etag := resp.Header.Get("ETag")
	if resp, body := f.do("GET", "/api/v1/blocklists/text", "admin", "", "If-None-Match", etag); resp.StatusCode != 304 || body != "" {
		t.Errorf("If-None-Match: got %d %q, want 304 and nothing", resp.StatusCode, body)
	}
	resp, body = f.do("GET", "/api/v1/blocklists/text?types=domain-name", "partner", "", "If-None-Match", etag)
	if resp.StatusCode != 200 || body != "evil.example\n" {
		t.Errorf("partner list: got %d %q", resp.StatusCode, body)
	}
	if resp, _ := f.do("GET", "/api/v1/blocklists/csv", "admin", ""); resp.StatusCode != 404 {
		t.Errorf("unknown format: got %d, want 404", resp.StatusCode)
	}
	if resp, _ := f.do("GET", "/api/v1/blocklists/text?types=frob", "admin", ""); resp.StatusCode != 400 {
		t.Errorf("unknown type: got %d, want 400", resp.StatusCode)
	}
	if resp, body := f.do("GET", "/api/v1/blocklists/rpz", "stranger", ""); resp.StatusCode != 200 || strings.Contains(body, "rpz-ip") {
		t.Errorf("stranger rpz: got %d %q, want a zone without entries", resp.StatusCode, body)
	}
}

// audited returns the audit log's entries after seq: "path object detail" each.
func (f *detectFixture) audited(after int64) (lines []string, last int64) {
	f.t.Helper()
	last = after
	err := f.st.Audit().Scan(context.Background(), after, func(e store.AuditEntry) error {
		lines, last = append(lines, e.Path+" "+e.Object+" "+e.Detail), e.Seq
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return lines, last
}

// TestDetectionReadsAudited: what the detection endpoints deliver of AMBER or above is in the
// audit log, as TAXII reads are: the indicators a correlation or a log match names, each list
// delivered (not a 304). Reads of CLEAR alone are not recorded.
func TestDetectionReadsAudited(t *testing.T) {
	f := newDetectAPI(t)
	amber := "indicator--22222222-2222-4222-8222-222222222222"
	var seq int64
	check := func(what string, want ...string) {
		t.Helper()
		var got []string
		got, seq = f.audited(seq)
		if len(got) != len(want) {
			t.Errorf("%s: audit entries %q, want %d", what, got, len(want))
			return
		}
		for i, w := range want {
			if !strings.HasPrefix(got[i], w) {
				t.Errorf("%s: audit entry %q, want it to start %q", what, got[i], w)
			}
		}
	}
	f.do("GET", "/api/v1/correlations?value=203.0.113.9", "admin", "")
	check("correlation naming an AMBER indicator", "api correlations "+amber)
	f.do("GET", "/api/v1/correlations?value=203.0.113.9", "partner", "")
	check("correlation the partner sees CLEAR only of")
	f.do("GET", "/api/v1/objects/indicator--11111111-1111-4111-8111-111111111111/correlations", "admin", "")
	check("object correlation", "api correlations "+amber)
	f.do("POST", "/api/v1/match?format=text", "admin", "x 203.0.113.9 y\n203.0.113.77\n")
	check("log match", "api match "+amber)
	resp, _ := f.do("GET", "/api/v1/blocklists/text", "admin", "")
	check("blocklist", "api blocklist  text list, ETag "+resp.Header.Get("ETag"))
	f.do("GET", "/api/v1/blocklists/text", "admin", "", "If-None-Match", resp.Header.Get("ETag"))
	check("blocklist not modified")
}

// TestDetectionWhileIndexLoads checks that no detection endpoint answers from an index that is
// still loading: each says 503 with Retry-After and an error naming the cause, and answers once
// the index has loaded.
func TestDetectionWhileIndexLoads(t *testing.T) {
	f := newDetectAPI(t)
	f.x.SetLoading(true)
	calls := []struct{ method, path, body string }{
		{"GET", "/api/v1/correlations?value=203.0.113.9", ""},
		{"GET", "/api/v1/objects/observed-data--44444444-4444-4444-8444-444444444444/correlations", ""},
		{"POST", "/api/v1/match?format=text", "x 203.0.113.9 y\n"},
		{"GET", "/api/v1/blocklists/text", ""},
	}
	for _, c := range calls {
		resp, body := f.do(c.method, c.path, "admin", c.body)
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, `"unavailable"`) || !strings.Contains(body, "still loading") {
			t.Errorf("%s %s while loading: %d, Retry-After %q, %s; want 503 with Retry-After and the cause", c.method, c.path, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	}
	f.x.SetLoading(false)
	for _, c := range calls {
		if resp, body := f.do(c.method, c.path, "admin", c.body); resp.StatusCode != 200 {
			t.Errorf("%s %s once loaded: %d %s, want 200", c.method, c.path, resp.StatusCode, body)
		}
	}
}
