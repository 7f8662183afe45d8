package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// fill adds count CLEAR indicators to n in batches.
func fill(tb testing.TB, n *testNode, count int) {
	tb.Helper()
	for done := 0; done < count; {
		raws := make([][]byte, 0, 1000)
		for ; len(raws) < cap(raws) && done < count; done++ {
			raws = append(raws, n.indicator(stix.TLPClear, done))
		}
		n.add(raws...)
	}
}

// BenchmarkInitialSync measures a first pull of a whole collection from one node into another,
// over HTTP with signed responses, through the ordinary ingest. Objects:
// ENTENTE_BENCH_SYNC_OBJECTS (default 20 000).
func BenchmarkInitialSync(b *testing.B) {
	count := envInt("ENTENTE_BENCH_SYNC_OBJECTS", 20000)
	a := newTestNode(b, "A")
	fill(b, a, count)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		dst := newTestNode(b, "B")
		a.know(dst)
		dst.know(a)
		dst.peer(a, true, false, true)
		b.StartTimer()
		start := time.Now()
		dst.start(Options{PageSize: 1000})
		for {
			n, err := dst.st.Objects().Count(context.Background(), dst.coll.ID)
			if err != nil {
				b.Fatal(err)
			}
			if n >= int64(count) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		el := time.Since(start)
		b.StopTimer()
		dst.stop()
		b.ReportMetric(float64(count)/el.Seconds(), "objects/s")
		b.ReportMetric(el.Seconds(), "s/sync")
	}
}

// arrivals records when each object POSTed to a node arrived.
type arrivals struct {
	next http.Handler
	mu   sync.Mutex
	at   map[string]time.Time
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		a.next.ServeHTTP(w, r)
		var env struct{ Objects []struct{ ID string } }
		json.Unmarshal(body, &env)
		now := time.Now()
		a.mu.Lock()
		for _, o := range env.Objects {
			if _, ok := a.at[o.ID]; !ok {
				a.at[o.ID] = now
			}
		}
		a.mu.Unlock()
		return
	}
	a.next.ServeHTTP(w, r)
}

// BenchmarkPropagation measures how long a new object takes to reach a partner by push while
// objects are added at 100 per second, for ENTENTE_BENCH_PROPAGATION_SECONDS (default 10) seconds,
// with the default worker timings.
func BenchmarkPropagation(b *testing.B) {
	secs := envInt("ENTENTE_BENCH_PROPAGATION_SECONDS", 10)
	for range b.N {
		a, dst := newTestNode(b, "A"), newTestNode(b, "B")
		arr := &arrivals{next: dst.srv.Config.Handler, at: map[string]time.Time{}}
		dst.srv.Config.Handler = arr
		a.know(dst)
		dst.know(a)
		a.peer(dst, false, true, false)
		dst.peer(a, false, false, true)
		a.start(Options{})
		time.Sleep(time.Second) // the workers are up
		added := map[string]time.Time{}
		tick := time.NewTicker(10 * time.Millisecond)
		for i := range secs * 100 {
			<-tick.C
			id := a.add(a.indicator(stix.TLPClear, i))[0]
			added[id] = time.Now()
		}
		tick.Stop()
		deadline := time.Now().Add(30 * time.Second)
		for {
			arr.mu.Lock()
			n := len(arr.at)
			arr.mu.Unlock()
			if n >= len(added) || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		arr.mu.Lock()
		var lat []time.Duration
		for id, t0 := range added {
			if t1, ok := arr.at[id]; ok {
				lat = append(lat, t1.Sub(t0))
			}
		}
		arr.mu.Unlock()
		a.stop()
		if len(lat) != len(added) {
			b.Fatalf("%d of %d objects arrived", len(lat), len(added))
		}
		slices.Sort(lat)
		b.ReportMetric(lat[len(lat)/2].Seconds()*1000, "p50-ms")
		b.ReportMetric(lat[len(lat)*99/100].Seconds()*1000, "p99-ms")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIdleTenPeers measures the CPU an idle node with 10 peers uses (pull and push to each,
// the default timings) over ENTENTE_BENCH_IDLE_SECONDS (default 30) seconds. The peers are plain
// TAXII servers in the same process, so their share is included.
func BenchmarkIdleTenPeers(b *testing.B) {
	secs := envInt("ENTENTE_BENCH_IDLE_SECONDS", 30)
	for range b.N {
		a := newTestNode(b, "A")
		for i := range 10 {
			srv := httptest.NewServer(&plainTAXII{})
			b.Cleanup(srv.Close)
			name := "P" + strconv.Itoa(i)
			if _, err := a.st.Orgs().Create(context.Background(), store.Org{Name: name}); err != nil {
				b.Fatal(err)
			}
			if _, err := AddPeer(context.Background(), a.st, PeerInput{Name: name, Org: name, URL: srv.URL + "/root/", Token: "x", Pull: []string{"c"}, Push: "c"}); err != nil {
				b.Fatal(err)
			}
		}
		a.start(Options{})
		time.Sleep(5 * time.Second) // first rounds done; the pull intervals have grown
		c0, t0 := cpuTime(), time.Now()
		time.Sleep(time.Duration(secs) * time.Second)
		used, el := cpuTime()-c0, time.Since(t0)
		a.stop()
		b.ReportMetric(100*used.Seconds()/el.Seconds(), "%core")
	}
}
