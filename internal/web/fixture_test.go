package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entente/entente/internal/audit"
	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/pattern"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/sqlite"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

func init() {
	// Sign-ins in tests need not cost 64 MiB each; CheckPassword reads the parameters from the hash.
	argonMemory, argonTime, argonThreads = 1024, 1, 1
}

const testPassword = "correct horse battery"

// testHash is the hash of testPassword, computed once: argon2id is slow on purpose.
var testHash = sync.OnceValue(func() string {
	h, err := HashPassword(testPassword)
	if err != nil {
		panic(err)
	}
	return h
})

// fixture is a node with an own organisation, a partner, the default collection and an analyst
// "ann", served by httptest.
type fixture struct {
	t       testing.TB
	st      store.Store
	ui      *UI
	srv     *httptest.Server
	self    store.Org
	partner store.Org
	clock   *clock
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "entente.db"), nil)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	self, err := st.Orgs().Create(ctx, store.Org{Name: "CERT-Home", Self: true, IdentityID: stix.NewID("identity")})
	if err != nil {
		tb.Fatal(err)
	}
	partner, err := st.Orgs().Create(ctx, store.Org{Name: "CERT-Partner", Country: "FR", IdentityID: stix.NewID("identity")})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := st.Collections().Create(ctx, store.Collection{Alias: "default", Title: "Default"}); err != nil {
		tb.Fatal(err)
	}
	if _, err := st.Users().Create(ctx, store.User{Name: "ann", OrgID: self.ID, Role: "analyst", PasswordHash: testHash()}); err != nil {
		tb.Fatal(err)
	}
	cfg := policy.Config{DefaultTLP: stix.TLPAmberStrict}
	c := &clock{t: time.Now()}
	x := pattern.NewIndex()
	ui, err := New(Deps{Store: st, Gate: &policy.Gate{Store: st, Config: cfg, Own: self.ID},
		Ingester: &ingest.Ingester{Objects: st.Objects(), Policy: cfg}, Index: x, Audit: &audit.Log{Store: st}, Now: c.now})
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(ui)
	tb.Cleanup(srv.Close)
	return &fixture{t: tb, st: st, ui: ui, srv: srv, self: self, partner: partner, clock: c}
}

// client returns an HTTP client with its own cookie jar that does not follow redirects.
func (f *fixture) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// do sends a request and returns the response and its body.
func (f *fixture) do(c *http.Client, method, path string, form url.Values, header ...string) (*http.Response, string) {
	f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// signIn signs ann in and returns the client and the session's anti-forgery token.
func (f *fixture) signIn() (*http.Client, string) {
	f.t.Helper()
	c := f.client()
	resp, _ := f.do(c, "POST", "/signin", url.Values{"name": {"ann"}, "password": {testPassword}, "next": {"/search"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/search" {
		f.t.Fatalf("sign-in: got %d to %q, want 303 to /search", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := f.do(c, "GET", "/search", nil)
	return c, csrfOf(f.t, body)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t testing.TB, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no anti-forgery token in the page:\n%.500s", body)
	}
	return m[1]
}
