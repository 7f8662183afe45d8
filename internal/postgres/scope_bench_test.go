package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/entente/entente/internal/postgres"
	"github.com/entente/entente/internal/store/storetest"
)

// BenchmarkScopedPage measures pages of 1000 for a partner who may see a tenth of the collection
// (ENTENTE_BENCH_N objects, 20 000 unless set), after ANALYZE as autovacuum would run it.
func BenchmarkScopedPage(b *testing.B) {
	ctx := context.Background()
	dsn := freshDatabase(b)
	s, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	coll, scope := storetest.FillScoped(b, s, storetest.BenchSize(b))
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE objects"); err != nil {
		b.Fatal(err)
	}
	storetest.BenchScopedPage(b, s, coll, scope)
}
