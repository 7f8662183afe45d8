package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/entente/entente/internal/sqlite"
	"github.com/entente/entente/internal/store/storetest"
)

func BenchmarkAdd(b *testing.B) {
	storetest.BenchAdd(b, open(b))
}

// benchDB opens the database the read benchmarks share. With ENTENTE_BENCH_DIR set it is kept
// there between runs, so that a 1M-object database (ENTENTE_BENCH_N=1000000) is built once.
func benchDB(b *testing.B) (*sqlite.Store, string, []string) {
	b.Helper()
	n := storetest.BenchSize(b)
	s := open(b)
	if dir := os.Getenv("ENTENTE_BENCH_DIR"); dir != "" {
		s.Close()
		var err error
		s, err = sqlite.Open(context.Background(), filepath.Join(dir, "bench.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
	}
	coll, ids := storetest.Fill(b, s, n)
	return s, coll, ids
}

func BenchmarkLatest(b *testing.B) {
	s, _, ids := benchDB(b)
	storetest.BenchLatest(b, s, ids)
}

func BenchmarkQueryPage(b *testing.B) {
	s, coll, _ := benchDB(b)
	storetest.BenchQueryPage(b, s, coll)
}
