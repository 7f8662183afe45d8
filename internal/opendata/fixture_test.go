package opendata

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/sqlite"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

const testBase = "https://cti.example.org"

// tester is what the helpers need of *testing.T and *rapid.T alike.
type tester interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
}

// fixture is a node with a SQLite store, an own and a partner organisation, two collections and
// the open data surface served over real HTTP.
type fixture struct {
	st      *sqlite.Store
	self    store.Org
	partner store.Org
	colls   []string
	in      *ingest.Ingester
	h       *Handler
	srv     *httptest.Server
}

func newFixture(tb testing.TB, d Deps) *fixture {
	tb.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	st, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "t.db"), log)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	self, err := st.Orgs().Create(ctx, store.Org{Name: "CERT Beispiel", Self: true, IdentityID: stix.NewID("identity"), Contact: "cert@example.org", CreatedAt: created})
	if err != nil {
		tb.Fatal(err)
	}
	partner, err := st.Orgs().Create(ctx, store.Org{Name: "Partner", IdentityID: stix.NewID("identity"), CreatedAt: created})
	if err != nil {
		tb.Fatal(err)
	}
	f := &fixture{st: st, self: self, partner: partner}
	for _, alias := range []string{"default", "second"} {
		c, err := st.Collections().Create(ctx, store.Collection{Alias: alias, Title: alias, CreatedAt: created})
		if err != nil {
			tb.Fatal(err)
		}
		f.colls = append(f.colls, c.ID)
	}
	f.in = &ingest.Ingester{Objects: st.Objects(), Policy: policy.Config{DefaultTLP: stix.TLPAmberStrict}, Logger: log}
	d.Store = st
	d.Gate = &policy.Gate{Store: st, Config: f.in.Policy, Own: self.ID}
	if d.BaseURL == "" {
		d.BaseURL = testBase
	}
	d.Logger = log
	f.h = New(d)
	f.srv = httptest.NewServer(f.h)
	tb.Cleanup(f.srv.Close)
	return f
}

// add ingests objects (JSON texts) into collection i from origin.
func (f *fixture) add(tb tester, coll int, origin string, objs ...string) {
	tb.Helper()
	bundle := `{"type":"bundle","id":"bundle--6b1c3d5e-2f4a-4b8c-9d0e-1f2a3b4c5d6e","objects":[` + strings.Join(objs, ",") + `]}`
	sum, err := f.in.Stream(context.Background(), f.colls[coll], strings.NewReader(bundle), store.Provenance{OrgID: origin, Via: "import"}, func(r ingest.Result) {
		if r.Outcome == ingest.Rejected {
			tb.Errorf("object %d rejected: %v", r.Index, r.Err)
		}
	})
	if err != nil {
		tb.Fatal(err)
	}
	_ = sum
}

// get fetches path over HTTP and returns the status, headers and (decompressed) body.
func (f *fixture) get(tb tester, path string, header ...string) (int, http.Header, string) {
	tb.Helper()
	req, err := http.NewRequest("GET", f.srv.URL+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			tb.Fatalf("GET %s: gzip: %v", path, err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		tb.Fatalf("GET %s: reading: %v", path, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func (f *fixture) mustGet(tb tester, path string) string {
	tb.Helper()
	code, _, body := f.get(tb, path)
	if code != http.StatusOK {
		tb.Fatalf("GET %s: got status %d, want 200: %s", path, code, body)
	}
	return body
}

var tlpMarking = map[stix.TLP]string{
	stix.TLPClear: stix.TLP2Clear, stix.TLPGreen: stix.TLP2Green, stix.TLPAmber: stix.TLP2Amber,
	stix.TLPAmberStrict: stix.TLP2AmberStrict, stix.TLPRed: stix.TLP2Red,
}

// indicator returns an indicator marked tlp (0: unmarked) with a name.
func indicator(n int, tlp stix.TLP, name string) string {
	marks := ""
	if m, ok := tlpMarking[tlp]; ok {
		marks = `,"object_marking_refs":["` + m + `"]`
	}
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08d-0000-4000-8000-000000000000","created":"2025-01-01T00:00:00Z","modified":"2025-01-01T00:00:00Z","name":%q,"pattern":"[ipv4-addr:value = '198.51.100.%d']","pattern_type":"stix","valid_from":"2025-01-01T00:00:00Z"%s}`,
		n, name, n%250, marks)
}
