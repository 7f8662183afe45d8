package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entente/entente/internal/audit"
	"github.com/entente/entente/internal/auth"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/sqlite"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

type apiFixture struct {
	t      *testing.T
	srv    *httptest.Server
	tokens map[string]string
}

func newAPI(t *testing.T) *apiFixture {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "a.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	self, _ := st.Orgs().Create(ctx, store.Org{Name: "Own", Self: true, IdentityID: stix.NewID("identity"), CreatedAt: time.Now()})
	partner, _ := st.Orgs().Create(ctx, store.Org{Name: "Partner", IdentityID: stix.NewID("identity"), CreatedAt: time.Now()})
	f := &apiFixture{t: t, tokens: map[string]string{}}
	for who, tk := range map[string]store.Token{
		"admin":   {OrgID: self.ID, Role: auth.RoleAdmin},
		"reader":  {OrgID: self.ID, Role: auth.RoleReader},
		"partner": {OrgID: partner.ID, Role: auth.RolePartner},
	} {
		secret := auth.NewSecret()
		tk.Hash, tk.CreatedAt = auth.Hash(secret), time.Now()
		if _, err := st.Tokens().Create(ctx, tk); err != nil {
			t.Fatal(err)
		}
		f.tokens[who] = secret
	}
	a := New(Deps{Store: st, Auth: &auth.Authenticator{Tokens: st.Tokens(), SelfOrg: self.ID}, Gate: &policy.Gate{Store: st, Own: self.ID}, Audit: &audit.Log{Store: st}, Logger: log})
	f.srv = httptest.NewServer(a)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *apiFixture) do(method, path, who, body string) (int, map[string]any) {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, _ := http.NewRequest(method, f.srv.URL+path, rd)
	if who != "" {
		r.Header.Set("Authorization", "Bearer "+f.tokens[who])
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			f.t.Fatalf("%s %s: not JSON: %s", method, path, b)
		}
	}
	if ct := resp.Header.Get("Content-Type"); len(b) > 0 && ct != "application/json" {
		f.t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	return resp.StatusCode, m
}

func TestCollectionsAPI(t *testing.T) {
	f := newAPI(t)
	code, m := f.do("POST", "/api/v1/collections", "admin", `{"title":"IOCs","alias":"iocs","read":["Partner"]}`)
	if code != 201 || m["id"] == nil || m["alias"] != "iocs" {
		t.Fatalf("create: %d %v", code, m)
	}
	if code, _ := f.do("POST", "/api/v1/collections", "admin", `{"title":"Again","alias":"iocs"}`); code != 409 {
		t.Errorf("duplicate alias: got %d, want 409", code)
	}
	if code, _ := f.do("POST", "/api/v1/collections", "reader", `{"title":"X"}`); code != 403 {
		t.Errorf("reader creates: got %d, want 403", code)
	}
	if code, _ := f.do("POST", "/api/v1/collections", "", `{"title":"X"}`); code != 401 {
		t.Errorf("no token: got %d, want 401", code)
	}
	for _, bad := range []string{`{"title":""}`, `{"title":5}`, `{"title":"x","colour":"red"}`, `not json`, ``, `{"title":"x","read":["Nobody"]}`} {
		code, m := f.do("POST", "/api/v1/collections", "admin", bad)
		e, _ := m["error"].(map[string]any)
		if code != 400 || e == nil || e["message"] == "" {
			t.Errorf("body %q: got %d %v, want 400 with a message", bad, code, m)
		}
	}
	_, m = f.do("GET", "/api/v1/collections", "partner", "")
	if cs := m["collections"].([]any); len(cs) != 1 {
		t.Errorf("partner sees %d collections, want 1", len(cs))
	}
	if code, _ := f.do("GET", "/api/v1/collections/iocs", "partner", ""); code != 200 {
		t.Errorf("get by alias: %d", code)
	}
}

func TestTokensAndOrgsAPI(t *testing.T) {
	f := newAPI(t)
	code, m := f.do("POST", "/api/v1/orgs", "admin", `{"name":"CERT-X","country":"de"}`)
	if code != 201 || m["country"] != "DE" {
		t.Fatalf("create org: %d %v", code, m)
	}
	code, m = f.do("POST", "/api/v1/tokens", "admin", `{"org":"CERT-X","role":"partner","expires":"24h"}`)
	secret, _ := m["token"].(string)
	if code != 201 || !strings.HasPrefix(secret, auth.TokenPrefix) {
		t.Fatalf("create token: %d %v", code, m)
	}
	f.tokens["new"] = secret
	if code, _ := f.do("GET", "/api/v1/collections", "new", ""); code != 200 {
		t.Errorf("new token works: got %d", code)
	}
	if code, _ := f.do("DELETE", "/api/v1/tokens/"+m["id"].(string), "admin", ""); code != 204 {
		t.Errorf("revoke: got %d", code)
	}
	if code, _ := f.do("GET", "/api/v1/collections", "new", ""); code != 401 {
		t.Errorf("revoked token: got %d, want 401", code)
	}
	_, m = f.do("GET", "/api/v1/tokens", "admin", "")
	for _, tk := range m["tokens"].([]any) {
		if tk.(map[string]any)["token"] != nil {
			t.Errorf("a listing shows a token secret")
		}
	}
	if code, _ := f.do("POST", "/api/v1/tokens", "admin", `{"org":"self-less","role":"partner"}`); code != 400 {
		t.Errorf("unknown org: got %d", code)
	}
	if code, _ := f.do("GET", "/api/v1/orgs", "partner", ""); code != 403 {
		t.Errorf("partner lists orgs: got %d, want 403", code)
	}
	if code, _ := f.do("GET", "/api/v1/nothing", "admin", ""); code != 404 {
		t.Errorf("unknown path: got %d", code)
	}
}

// TestOpenAPIDescribesEveryRoute keeps routes.go and openapi.json in step.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	re := regexp.MustCompile(`"(GET|POST|PUT|PATCH|DELETE) /api/v1(/[^"]*)"`)
	routes := re.FindAllStringSubmatch(string(src), -1)
	if len(routes) < 5 {
		t.Fatalf("found only %d routes in routes.go", len(routes))
	}
	for _, m := range routes {
		if _, ok := doc.Paths[m[2]][strings.ToLower(m[1])]; !ok {
			t.Errorf("%s %s is not in openapi.json", m[1], m[2])
		}
	}
}

func TestOpendataMetadataAPI(t *testing.T) {
	f := newAPI(t)
	code, m := f.do("GET", "/api/v1/opendata/metadata", "reader", "")
	if code != 200 || m["datasets"] == nil {
		t.Fatalf("get defaults: %d %v", code, m)
	}
	m["publisher"] = "LSI Stuttgart"
	b, _ := json.Marshal(m)
	if code, _ := f.do("PUT", "/api/v1/opendata/metadata", "reader", string(b)); code != 403 {
		t.Errorf("reader sets metadata: %d, want 403", code)
	}
	if code, m := f.do("PUT", "/api/v1/opendata/metadata", "admin", string(b)); code != 204 {
		t.Fatalf("set: %d %v", code, m)
	}
	if _, m := f.do("GET", "/api/v1/opendata/metadata", "admin", ""); m["publisher"] != "LSI Stuttgart" {
		t.Errorf("after set: publisher %v", m["publisher"])
	}
	m["licence"] = "gpl"
	b, _ = json.Marshal(m)
	if code, m := f.do("PUT", "/api/v1/opendata/metadata", "admin", string(b)); code != 400 || !strings.Contains(fmt.Sprint(m), "licence") {
		t.Errorf("bad licence: %d %v", code, m)
	}
}
