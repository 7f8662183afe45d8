package sqlite_test

import (
	"testing"

	"github.com/entente/entente/internal/store/storetest"
)

// BenchmarkScopedPage measures pages of 1000 for a partner who may see a tenth of the collection
// (ENTENTE_BENCH_N objects, 20 000 unless set).
func BenchmarkScopedPage(b *testing.B) {
	s := open(b)
	coll, scope := storetest.FillScoped(b, s, storetest.BenchSize(b))
	storetest.BenchScopedPage(b, s, coll, scope)
}
