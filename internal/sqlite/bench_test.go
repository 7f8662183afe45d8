package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/entente/entente/internal/sqlite"
	"github.com/entente/entente/internal/store/storetest"
)

func BenchmarkAdd(b *testing.B) {
	storetest.BenchAdd(b, open(b))
}

var bench struct {
	sync.Mutex
	s    *sqlite.Store
	tmp  string // a temporary directory to remove at the end
	coll string
	ids  []string
}

// benchDB opens the database the read benchmarks share, filled once per process. With
// ENTENTE_BENCH_DIR set it is kept there between runs, so that a 1M-object database
// (ENTENTE_BENCH_N=1000000) is built once.
func benchDB(b *testing.B) (*sqlite.Store, string, []string) {
	b.Helper()
	bench.Lock()
	defer bench.Unlock()
	if bench.s != nil {
		return bench.s, bench.coll, bench.ids
	}
	dir := os.Getenv("ENTENTE_BENCH_DIR")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "entente-bench-"); err != nil {
			b.Fatal(err)
		}
		bench.tmp = dir // TestMain removes it
	}
	s, err := sqlite.Open(context.Background(), filepath.Join(dir, "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	bench.s = s
	bench.coll, bench.ids = storetest.Fill(b, s, storetest.BenchSize(b))
	return bench.s, bench.coll, bench.ids
}

func BenchmarkLatest(b *testing.B) {
	s, _, ids := benchDB(b)
	storetest.BenchLatest(b, s, ids)
}

func BenchmarkQueryPage(b *testing.B) {
	s, coll, _ := benchDB(b)
	storetest.BenchQueryPage(b, s, coll)
}
