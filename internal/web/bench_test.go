package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
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

// benchShared is the benchmarks' one fixture: importing the corpus takes minutes at a million
// objects, so every benchmark of a run shares it. It lives until the process ends.
var benchShared struct {
	sync.Mutex
	f   *fixture
	c   *http.Client
	obj string // an object with a description, for BenchmarkObject
	hub string // the object most relationships and sightings point at, for BenchmarkObjectHub
	dir string // its database's directory
}

// TestMain removes the benchmarks' shared database when the run ends.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchShared.f != nil {
		benchShared.f.st.Close()
		os.RemoveAll(benchShared.dir)
	}
	os.Exit(code)
}

// benchTB hands the shared fixture a temporary directory and cleanups that outlive the
// benchmark that first asked for it.
type benchTB struct {
	testing.TB
	dir string
}

func (t *benchTB) TempDir() string  { return t.dir }
func (t *benchTB) Cleanup(f func()) {}

// importCorpus imports a synthetic corpus of n objects dated up to now into the default
// collection.
func importCorpus(tb testing.TB, f *fixture, n int) {
	tb.Helper()
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(gen.Write(context.Background(), pw, gen.Options{Objects: n, Seed: 1, Now: time.Now(), OwnIdentity: f.self.IdentityID}))
	}()
	coll, err := f.st.Collections().Get(context.Background(), "default")
	if err != nil {
		tb.Fatal(err)
	}
	in := &ingest.Ingester{Objects: f.st.Objects(), Policy: policy.Config{DefaultTLP: stix.TLPAmberStrict}}
	if _, err := in.Stream(context.Background(), coll.ID, pr, store.Provenance{OrgID: f.self.ID, Via: "import"}, nil); err != nil {
		tb.Fatal(err)
	}
}

// benchFixture is a fixture whose default collection holds a synthetic corpus dated up to now,
// counted and indexed, with the follower running as under serve.
func benchFixture(b *testing.B) (*fixture, *http.Client) {
	b.Helper()
	benchShared.Lock()
	defer benchShared.Unlock()
	if benchShared.f != nil {
		benchShared.f.t = b
		return benchShared.f, benchShared.c
	}
	dir, err := os.MkdirTemp("", "entente-web-bench")
	if err != nil {
		b.Fatal(err)
	}
	f := newFixture(&benchTB{TB: b, dir: dir})
	t0 := time.Now()
	importCorpus(b, f, benchObjects())
	t1 := time.Now()
	if err := f.ui.CatchUp(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d objects: imported in %s, counted and indexed in %s", benchObjects(), t1.Sub(t0).Round(time.Second), time.Since(t1).Round(time.Second))
	go f.ui.Follow(context.Background())
	c, _ := f.signIn()
	coll, err := f.st.Collections().Get(context.Background(), "default")
	if err != nil {
		b.Fatal(err)
	}
	pg, err := f.st.Search().Search(context.Background(), store.SearchQuery{Collection: coll.ID, Text: "phishing", Types: []string{"indicator"}, Limit: 1})
	if err != nil || len(pg.Records) == 0 {
		b.Fatalf("no indicator about phishing to open (%v)", err)
	}
	benchShared.f, benchShared.c, benchShared.obj, benchShared.dir = f, c, pg.Records[0].ID, dir
	return f, c
}

// benchPage renders path b.N times and reports the page's size.
func benchPage(b *testing.B, path string) {
	f, c := benchFixture(b)
	size := 0
	b.ResetTimer()
	for b.Loop() {
		resp, body := f.do(c, "GET", path, nil)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		size = len(body)
	}
	b.ReportMetric(float64(size), "bytes/page")
}

// BenchmarkDashboard renders the dashboard over the last 30 days from the follower's counts.
func BenchmarkDashboard(b *testing.B) { benchPage(b, "/") }

// BenchmarkSearchText renders one page of a full-text search for words no object holds.
func BenchmarkSearchText(b *testing.B) {
	benchPage(b, "/search?q="+url.QueryEscape("no such words anywhere"))
}

// BenchmarkSearchTextCommon renders the first page of a full-text search for a word that very
// many objects hold.
func BenchmarkSearchTextCommon(b *testing.B) { benchPage(b, "/search?q=phishing") }

// BenchmarkBrowse renders the first page of a type filter.
func BenchmarkBrowse(b *testing.B) { benchPage(b, "/search?type=indicator") }

// BenchmarkObject renders the page of one indicator.
func BenchmarkObject(b *testing.B) {
	benchFixture(b)
	benchPage(b, "/objects/"+benchShared.obj)
}

// BenchmarkObjectHub renders the page of the object that most relationships and sightings
// point at: the most links its page reads (at most linkedMax of them).
func BenchmarkObjectHub(b *testing.B) {
	f, _ := benchFixture(b)
	if benchShared.hub == "" {
		coll, err := f.st.Collections().Get(context.Background(), "default")
		if err != nil {
			b.Fatal(err)
		}
		n := map[string]int{}
		err = store.Scan(context.Background(), f.st.Objects(), store.Filter{Collection: coll.ID, Types: linkTypes},
			func(r *store.Record) error {
				for _, id := range linksOf(r.Type, r.Raw) {
					n[id]++
				}
				return nil
			})
		if err != nil {
			b.Fatal(err)
		}
		for id, c := range n { // the most pointed-at object the collection holds
			if c > n[benchShared.hub] {
				if _, err := f.st.Objects().Latest(context.Background(), id, coll.ID); err == nil {
					benchShared.hub = id
				}
			}
		}
		b.Logf("%s: %d relationships, sightings and containers point at it", benchShared.hub, n[benchShared.hub])
	}
	benchPage(b, "/objects/"+benchShared.hub)
}
