package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/entente/entente/internal/gen"
	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// benchObjects is the size of the benchmarks' collection: ENTENTE_BENCH_OBJECTS, or 20 000 so
// that an ordinary run stays short. The pages read bounded slices of it, so their cost should
// not grow with it.
func benchObjects() int {
	if n, err := strconv.Atoi(os.Getenv("ENTENTE_BENCH_OBJECTS")); err == nil && n > 0 {
		return n
	}
	return 20000
}

// benchFixture is a fixture whose default collection holds a synthetic corpus dated up to now.
func benchFixture(b *testing.B) (*fixture, *http.Client) {
	b.Helper()
	f := newFixture(b)
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(gen.Write(context.Background(), pw, gen.Options{Objects: benchObjects(), Seed: 1, Now: time.Now(), OwnIdentity: f.self.IdentityID}))
	}()
	coll, err := f.st.Collections().Get(context.Background(), "default")
	if err != nil {
		b.Fatal(err)
	}
	in := &ingest.Ingester{Objects: f.st.Objects(), Policy: policy.Config{DefaultTLP: stix.TLPAmberStrict}}
	if _, err := in.Stream(context.Background(), coll.ID, pr, store.Provenance{OrgID: f.self.ID, Via: "import"}, nil); err != nil {
		b.Fatal(err)
	}
	c, _ := f.signIn()
	return f, c
}

func benchPage(b *testing.B, path string) {
	f, c := benchFixture(b)
	b.ResetTimer()
	for b.Loop() {
		resp, _ := f.do(c, "GET", path, nil)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
	}
}

// BenchmarkDashboard renders the dashboard over the last 30 days (at most dashBudget records).
func BenchmarkDashboard(b *testing.B) { benchPage(b, "/") }

// BenchmarkSearchText renders one page of a full-text search (at most scanBudget records read).
func BenchmarkSearchText(b *testing.B) {
	benchPage(b, "/search?q="+url.QueryEscape("no such words anywhere"))
}

// BenchmarkBrowse renders the first page of a type filter.
func BenchmarkBrowse(b *testing.B) { benchPage(b, "/search?type=indicator") }
