package opendata

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// benchObjects is how many TLP:CLEAR indicators the benchmarks store: ENTENTE_BENCH_OBJECTS, or
// 100 000 (the figures in docs/opendata.md were measured with 1 000 000).
func benchObjects() int {
	if n, err := strconv.Atoi(os.Getenv("ENTENTE_BENCH_OBJECTS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// benchFixture is a node holding n CLEAR indicators, with the statistics counted once.
func benchFixture(b *testing.B, n int) *fixture {
	b.Helper()
	// As `entente serve` runs it: statistics refreshed in the background, never on a request.
	f := newFixture(b, Deps{RefreshEvery: 5 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	pr, pw := io.Pipe()
	go func() {
		io.WriteString(pw, `{"type":"bundle","id":"bundle--6b1c3d5e-2f4a-4b8c-9d0e-1f2a3b4c5d6e","objects":[`)
		for i := range n {
			if i > 0 {
				io.WriteString(pw, ",")
			}
			io.WriteString(pw, indicator(i, stix.TLPClear, fmt.Sprintf("Indicator %d of a benchmark", i)))
		}
		io.WriteString(pw, "]}")
		pw.Close()
	}()
	start := time.Now()
	sum, err := f.in.Stream(context.Background(), f.colls[0], pr, store.Provenance{OrgID: f.self.ID, Via: "import"}, nil)
	if err != nil || sum.Accepted != n {
		b.Fatalf("ingest: %v, %d accepted of %d", err, sum.Accepted, n)
	}
	b.Logf("stored %d objects in %v", n, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	f.mustGet(b, "/opendata/api/3/action/status_show") // counts the statistics once
	b.Logf("counted the statistics from scratch in %v", time.Since(start).Round(time.Millisecond))
	go f.h.Follow(ctx)
	return f
}

// BenchmarkCSVDistribution streams the indicators CSV over HTTP and reports rows per second and
// the highest heap in use while it streams.
func BenchmarkCSVDistribution(b *testing.B) {
	n := benchObjects()
	f := benchFixture(b, n)
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}
	}()
	b.ResetTimer()
	var rows int64
	for b.Loop() {
		resp, err := f.srv.Client().Get(f.srv.URL + "/opendata/download/indicators.csv")
		if err != nil {
			b.Fatal(err)
		}
		nl, err := countLines(resp.Body)
		resp.Body.Close()
		if err != nil || nl != n+1 {
			b.Fatalf("got %d lines (%v), want %d", nl, err, n+1)
		}
		rows += int64(n)
	}
	b.StopTimer()
	close(stop)
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
}

func countLines(r io.Reader) (int, error) {
	buf := make([]byte, 64<<10)
	n := 0
	for {
		k, err := r.Read(buf)
		for _, c := range buf[:k] {
			if c == '\n' {
				n++
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// BenchmarkCatalogFirstByte measures the time to the first byte of a catalogue page, and of the
// CKAN package_search a harvester calls, with the store full and a few new objects to count
// incrementally before each request.
func BenchmarkCatalogFirstByte(b *testing.B) {
	n := benchObjects()
	f := benchFixture(b, n)
	for _, path := range []string{"/opendata/catalog.ttl", "/opendata/catalog.jsonld", "/opendata/api/3/action/package_search?rows=100&start=0&sort=id+asc", "/opendata/data.json"} {
		b.Run(path, func(b *testing.B) {
			var worst time.Duration
			i := n
			for b.Loop() {
				b.StopTimer()
				i++
				f.add(b, 0, f.self.ID, indicator(i, stix.TLPClear, "new"))
				b.StartTimer()
				start := time.Now()
				resp, err := f.srv.Client().Get(f.srv.URL + path)
				if err != nil {
					b.Fatal(err)
				}
				one := make([]byte, 1)
				if _, err := resp.Body.Read(one); err != nil || resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d, %v", resp.StatusCode, err)
				}
				worst = max(worst, time.Since(start))
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			b.ReportMetric(float64(worst.Microseconds())/1000, "worst-first-byte-ms")
		})
	}
}
