package postgres_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/entente/entente/internal/postgres"
	"github.com/entente/entente/internal/store/storetest"
)

func BenchmarkAdd(b *testing.B) {
	storetest.BenchAdd(b, openIn(b, freshDatabase(b)))
}

var bench struct {
	sync.Mutex
	s    *postgres.Store
	drop func() error // drops the benchmark database; TestMain calls it
	coll string
	ids  []string
}

// benchDB returns the database the read benchmarks share, created and filled once per process
// (ENTENTE_BENCH_N objects).
func benchDB(b *testing.B) (*postgres.Store, string, []string) {
	b.Helper()
	bench.Lock()
	defer bench.Unlock()
	if bench.s != nil {
		return bench.s, bench.coll, bench.ids
	}
	ctx := context.Background()
	dsn, drop, err := createDatabase(ctx, testDSN(b))
	if err != nil {
		b.Fatal(err)
	}
	bench.drop = drop
	if bench.s, err = postgres.Open(ctx, dsn, nil); err != nil {
		b.Fatal(err)
	}
	bench.coll, bench.ids = storetest.Fill(b, bench.s, storetest.BenchSize(b))
	// Give the planner the statistics autovacuum would have gathered by now.
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
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

// TestMain drops the benchmark database after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if bench.s != nil {
		bench.s.Close()
	}
	if bench.drop != nil {
		if err := bench.drop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}
