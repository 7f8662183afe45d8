package pattern

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/entente/entente/internal/stix"
)

// benchValues is how many indicator values the benchmarks load.
const benchValues = 1_000_000

// benchTerm draws the i-th value of the benchmark index: 40 % IPv4 addresses, 2 % IPv4
// prefixes, 30 % domains, 13 % URLs and 15 % hashes.
func benchTerm(r *rand.Rand, i int) Term {
	switch k := i % 100; {
	case k < 40:
		return Term{Kind: KindIPv4, Value: v4addr(r.Uint32()).String()}
	case k < 42:
		return Term{Kind: KindIPv4, Value: fmt.Sprintf("%d.%d.%d.0/24", 1+r.IntN(223), r.IntN(256), r.IntN(256))}
	case k < 72:
		return Term{Kind: KindDomain, Value: benchDomain(r)}
	case k < 85:
		return Term{Kind: KindURL, Value: "http://" + benchDomain(r) + "/" + fmt.Sprint(r.Uint32()) + "/x.php"}
	default:
		b := make([]byte, 32)
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		return Term{Kind: KindHash, Value: hex.EncodeToString(b)}
	}
}

var benchWords = []string{"cdn", "login", "secure", "update", "mail", "api", "static", "portal", "verify", "account", "cloud", "shop"}
var benchTLDs = []string{"com", "net", "org", "info", "ru", "de", "xyz", "top", "io"}

func benchDomain(r *rand.Rand) string {
	return fmt.Sprintf("%s-%s%d.%s", benchWords[r.IntN(len(benchWords))], benchWords[r.IntN(len(benchWords))], r.IntN(100000), benchTLDs[r.IntN(len(benchTLDs))])
}

var (
	benchOnce  sync.Once
	benchX     *Index
	benchTerms []Term
	benchBytes float64
)

// benchIndex builds the benchmark index once: one value per indicator, so that the memory per
// value counts the indicator's own record too.
func benchIndex(b *testing.B) *Index {
	benchOnce.Do(func() {
		r := rand.New(rand.NewPCG(1, 2))
		benchTerms = make([]Term, benchValues)
		for i := range benchTerms {
			benchTerms[i] = benchTerm(r, i)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		x := NewIndex()
		for i, t := range benchTerms {
			ind := testIndicator(i+1, stix.TLPGreen, ownOrg)
			ind.ID = fmt.Sprintf("indicator--%08x-0000-4000-8000-000000000000", i+1)
			if _, err := x.Put(ind, []Term{t}); err != nil {
				panic(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		benchBytes = float64(after.HeapAlloc-before.HeapAlloc) / benchValues
		benchX = x
	})
	return benchX
}

// benchLines writes typical web server and DNS log lines, one in fifty naming an indicator
// value.
func benchLines(n int) []byte {
	r := rand.New(rand.NewPCG(3, 4))
	var buf bytes.Buffer
	for i := range n {
		hit := i%50 == 0
		ip := v4addr(r.Uint32()).String()
		host := benchDomain(r)
		if hit {
			t := benchTerms[r.IntN(len(benchTerms))]
			switch t.Kind {
			case KindIPv4:
				if p, err := netipPrefix(t.Value); err == nil {
					ip = p
				} else {
					ip = t.Value
				}
			case KindDomain:
				host = t.Value
			}
		}
		if i%2 == 0 {
			fmt.Fprintf(&buf, "%s - - [01/Jun/2024:10:%02d:%02d +0000] \"GET /static/app.%d.js HTTP/1.1\" 200 %d \"https://%s/index.html\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 Safari/537.36\"\n",
				ip, r.IntN(60), r.IntN(60), r.IntN(1000), r.IntN(100000), host)
		} else {
			fmt.Fprintf(&buf, "Jun  1 10:%02d:%02d resolver named[812]: client @0x7f3a 10.1.%d.%d#%d (%s): query: %s IN A + (%s)\n",
				r.IntN(60), r.IntN(60), r.IntN(256), r.IntN(256), 1024+r.IntN(60000), host, host, ip)
		}
	}
	return buf.Bytes()
}

func netipPrefix(v string) (string, error) {
	if i := bytes.IndexByte([]byte(v), '/'); i >= 0 {
		return v[:i-1] + "7", nil
	}
	return "", fmt.Errorf("no prefix")
}

// BenchmarkLogMatch scans web and DNS log lines against 1 000 000 indicator values and reports
// lines per second and the index's heap bytes per value. With ENTENTE_BENCH_DIR set it also
// writes values.txt and lines.txt there, for comparing with grep -F -f values.txt lines.txt.
func BenchmarkLogMatch(b *testing.B) {
	x := benchIndex(b)
	const nLines = 200_000
	lines := benchLines(nLines)
	if dir := os.Getenv("ENTENTE_BENCH_DIR"); dir != "" {
		writeBenchFiles(b, dir, lines)
	}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			m := &LogMatcher{Index: x, Filter: &Filter{View: selfView()}, Workers: workers, Format: FormatText}
			hits := 0
			b.SetBytes(int64(len(lines)))
			for b.Loop() {
				hits = 0
				if _, err := m.Scan(context.Background(), bytes.NewReader(lines), func(*LogHit) error { hits++; return nil }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(nLines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
			b.ReportMetric(benchBytes, "index-B/value")
			if hits < nLines/60 {
				b.Fatalf("got %d hits, want about %d", hits, nLines/50)
			}
		})
	}
}

func writeBenchFiles(b *testing.B, dir string, lines []byte) {
	if err := os.WriteFile(filepath.Join(dir, "lines.txt"), lines, 0o644); err != nil {
		b.Fatal(err)
	}
	fh, err := os.Create(filepath.Join(dir, "values.txt"))
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(fh)
	for _, t := range benchTerms {
		v := t.Value
		if i := bytes.IndexByte([]byte(v), '/'); i >= 0 && t.Kind == KindIPv4 {
			v = v[:i-1] // grep has no prefixes: the /24's first three octets and a dot
		}
		fmt.Fprintln(w, v)
	}
	w.Flush()
	fh.Close()
}

// BenchmarkCorrelate looks one value up in the 1 000 000-value index through the policy.
func BenchmarkCorrelate(b *testing.B) {
	x := benchIndex(b)
	f := &Filter{View: selfView()}
	terms := []Term{benchTerms[1], benchTerms[50], benchTerms[90], {Kind: KindIPv4, Value: "192.0.2.1"}}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		x.Lookup(terms[i%len(terms)], f)
		i++
	}
}
