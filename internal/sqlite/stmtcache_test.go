package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/entente/entente/internal/store"
	"github.com/entente/entente/internal/store/storetest"
)

// TestStmtCacheBounded queries with more distinct statements than the cache keeps (id lists of
// every length up to 100) and expects right answers throughout and the cache within its bound.
func TestStmtCacheBounded(t *testing.T) {
	ctx := context.Background()
	s, c := openWithCollection(t)
	objs := storetest.BenchObjects(t, 100)
	if _, err := s.Objects().Add(ctx, c.ID, objs); err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		for n := 1; n <= len(objs); n++ {
			var ids []string
			for _, o := range objs[:n] {
				ids = append(ids, o.Object.ID)
			}
			pg, err := s.Objects().Query(ctx, store.Filter{Collection: c.ID, IDs: ids, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if len(pg.Records) != n {
				t.Fatalf("round %d, %d ids: %d records", round, n, len(pg.Records))
			}
		}
	}
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	for _, m := range s.stmts.conns {
		if len(m) > maxCachedStmts {
			t.Errorf("a connection caches %d statements, more than %d", len(m), maxCachedStmts)
		}
	}
}

// openWithCollection opens a store in a temporary directory with one new collection.
func openWithCollection(t *testing.T) (*Store, store.Collection) {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "entente.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c, err := s.Collections().Create(context.Background(), store.Collection{Title: "test " + store.NewUUID()})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}
