package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// BatchSize is the size of the batches the benchmarks add.
const BatchSize = 1000

// padding makes benchmark objects about 1 KB, the size of a typical indicator with a description.
var padding = strings.Repeat("lorem ipsum dolor sit amet ", 30)

// Objects returns n decoded indicators of about 1 KB with new ids, a tenth of them of type
// malware so that type filters have something to skip.
func Objects(n int) ([]store.NewObject, error) {
	out := make([]store.NewObject, n)
	for i := range out {
		typ := "indicator"
		if i%10 == 9 {
			typ = "malware"
		}
		o, err := stix.Decode(objJSON(typ, store.NewUUID(), i%100, fmt.Sprintf(`"description": "%s", "pattern": "[ipv4-addr:value = '10.%d.%d.%d']", "pattern_type": "stix", "valid_from": %q, "labels": ["benchmark"]`,
			padding, i>>16&255, i>>8&255, i&255, ver(0))))
		if err != nil {
			return nil, fmt.Errorf("decode test object: %w", err)
		}
		out[i] = store.NewObject{Object: o, TLP: stix.TLPGreen, Origin: store.Provenance{Via: "import", ReceivedAt: time.Now()}}
	}
	return out, nil
}

// BenchObjects is Objects for a test or benchmark.
func BenchObjects(tb testing.TB, n int) []store.NewObject {
	tb.Helper()
	objs, err := Objects(n)
	if err != nil {
		tb.Fatal(err)
	}
	return objs
}

// BenchAdd measures Add with batches of BatchSize new objects into one collection and reports
// objects/s.
func BenchAdd(b *testing.B, s store.Store) {
	ctx := context.Background()
	c, err := s.Collections().Create(ctx, store.Collection{Title: "bench add"})
	if err != nil {
		b.Fatal(err)
	}
	batches := make([][]store.NewObject, min(b.N, 8))
	for i := range batches {
		batches[i] = BenchObjects(b, BatchSize)
	}
	b.ResetTimer()
	var cpu time.Duration
	for i := range b.N {
		batch := batches[i%len(batches)]
		if i >= len(batches) {
			// Reuse the decoded objects under new ids: the cost under test is the store's.
			b.StopTimer()
			batch = renew(batch, i)
			b.StartTimer()
		}
		start := cpuTime()
		if _, err := s.Objects().Add(ctx, c.ID, batch); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - start
	}
	b.ReportMetric(float64(b.N*BatchSize)/b.Elapsed().Seconds(), "objects/s")
	if cpu > 0 {
		// CPU time of this process per object: steadier than objects/s on a busy machine, but
		// blind to a database server's own work.
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*BatchSize), "cpu-ns/object")
	}
}

// renew returns copies of objs with fresh ids.
func renew(objs []store.NewObject, round int) []store.NewObject {
	out := make([]store.NewObject, len(objs))
	for i, n := range objs {
		o := *n.Object
		o.ID = o.Type + "--" + store.NewUUID()
		n.Object = &o
		out[i] = n
	}
	_ = round
	return out
}

// BenchSize is the number of objects the read benchmarks load: env ENTENTE_BENCH_N, or 20 000 so
// that a default run stays short. Set ENTENTE_BENCH_N=1000000 for the figures in the docs.
func BenchSize(tb testing.TB) int {
	if v := os.Getenv("ENTENTE_BENCH_N"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < BatchSize {
			tb.Fatalf("ENTENTE_BENCH_N=%q: want a number of at least %d", v, BatchSize)
		}
		return n
	}
	return 20000
}

// Fill makes sure s holds a collection titled "bench" with n objects, every tenth of which has a
// second version, and returns the collection's id and the object ids. A store that already holds
// it (a database kept between runs) is used as it is.
func Fill(tb testing.TB, s store.Store, n int) (coll string, ids []string) {
	tb.Helper()
	ctx := context.Background()
	cs, err := s.Collections().List(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	for _, c := range cs {
		if c.Title == fmt.Sprintf("bench %d", n) {
			coll = c.ID
		}
	}
	if coll != "" {
		err := store.Scan(ctx, s.Objects(), store.Filter{Collection: coll, MetadataOnly: true}, func(r *store.Record) error {
			ids = append(ids, r.ID)
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
		return coll, ids
	}
	c, err := s.Collections().Create(ctx, store.Collection{Title: fmt.Sprintf("bench %d", n)})
	if err != nil {
		tb.Fatal(err)
	}
	template := BenchObjects(tb, BatchSize)
	start := time.Now()
	for done := 0; done < n; done += BatchSize {
		batch := renew(template, done)
		for i := range batch {
			ids = append(ids, batch[i].Object.ID)
		}
		if done%(10*BatchSize) == 0 && done > 0 {
			// Every tenth batch adds newer versions of the previous batch's objects.
			prev := batch[:0:0]
			for _, o := range renew(template, done) {
				ob := *o.Object
				ob.ID = ids[len(ids)-2*BatchSize+len(prev)]
				ob.Modified.Time = ob.Modified.Time.Add(time.Hour)
				o.Object = &ob
				prev = append(prev, o)
			}
			batch = prev
			ids = ids[:len(ids)-BatchSize]
		}
		if _, err := s.Objects().Add(ctx, c.ID, batch); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Logf("filled %d objects in %v", n, time.Since(start).Round(time.Millisecond))
	return c.ID, ids
}

// BenchLatest measures Latest of random ids across all collections.
func BenchLatest(b *testing.B, s store.Store, ids []string) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	for range b.N {
		if _, err := s.Objects().Latest(ctx, ids[r.IntN(len(ids))]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchQueryPage measures pages of 1000 latest versions with their JSON: the first page and a
// page deep in the collection.
func BenchQueryPage(b *testing.B, s store.Store, coll string) {
	ctx := context.Background()
	f := store.Filter{Collection: coll, Limit: 1000, Versions: store.VersionMatch{All: true}}
	var deep int64
	if err := store.Scan(ctx, s.Objects(), store.Filter{Collection: coll, MetadataOnly: true, Versions: f.Versions}, func(r *store.Record) error {
		deep = r.DateAdded // ends at the last record; the deep page starts 2000 before
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	var mid int64
	n := 0
	if err := store.Scan(ctx, s.Objects(), store.Filter{Collection: coll, MetadataOnly: true, Versions: f.Versions}, func(r *store.Record) error {
		n++
		if n == 1 || r.DateAdded < deep && n%1000 == 0 {
			mid = r.DateAdded
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		after int64
		v     store.VersionMatch
		types []string
	}{
		{"first/all", 0, store.VersionMatch{All: true}, nil},
		{"deep/all", mid, store.VersionMatch{All: true}, nil},
		{"first/last", 0, store.VersionMatch{}, nil},
		{"deep/last", mid, store.VersionMatch{}, nil},
		{"first/last/malware", 0, store.VersionMatch{}, []string{"malware"}},
		{"first/last/indicator+malware", 0, store.VersionMatch{}, []string{"indicator", "malware"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := f
			f.AddedAfter, f.Versions, f.Types = bc.after, bc.v, bc.types
			for range b.N {
				p, err := s.Objects().Query(ctx, f)
				if err != nil {
					b.Fatal(err)
				}
				if len(p.Records) == 0 {
					b.Fatal("empty page")
				}
			}
		})
	}
}
