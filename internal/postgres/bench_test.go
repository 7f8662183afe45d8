package postgres_test

import (
	"testing"

	"github.com/entente/entente/internal/store/storetest"
)

func BenchmarkAdd(b *testing.B) {
	storetest.BenchAdd(b, openIn(b, freshDatabase(b)))
}

func BenchmarkLatest(b *testing.B) {
	s := openIn(b, freshDatabase(b))
	_, ids := storetest.Fill(b, s, storetest.BenchSize(b))
	storetest.BenchLatest(b, s, ids)
}

func BenchmarkQueryPage(b *testing.B) {
	s := openIn(b, freshDatabase(b))
	coll, _ := storetest.Fill(b, s, storetest.BenchSize(b))
	storetest.BenchQueryPage(b, s, coll)
}
