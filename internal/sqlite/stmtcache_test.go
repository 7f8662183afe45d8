package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
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
	conns := make([]*sql.Conn, s.r.Stats().MaxOpenConnections)
	var err error
	for i := range conns {
		if conns[i], err = s.r.Conn(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, conn := range conns {
		conn.Raw(func(dc any) error {
			if n := len(dc.(*readConn).stmts); n > maxCachedStmts {
				t.Errorf("a connection caches %d statements, more than %d", n, maxCachedStmts)
			}
			return nil
		})
		conn.Close()
	}
}

// TestDiscardedConnection caches a statement on a connection that database/sql then throws
// away, and closes the store: the statement must be finalized with its connection, not after it
// (which crashes this driver).
func TestDiscardedConnection(t *testing.T) {
	ctx := context.Background()
	s, c := openWithCollection(t)
	if _, err := s.Objects().Add(ctx, c.ID, storetest.BenchObjects(t, 10)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Objects().Query(ctx, store.Filter{Collection: c.ID, Limit: 5}); err != nil {
		t.Fatal(err)
	}
	conn, err := s.r.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = conn.Raw(func(dc any) error {
		if _, err := dc.(*readConn).stmt(ctx, `SELECT count(*) FROM objects`); err != nil {
			return err
		}
		return driver.ErrBadConn // database/sql closes the connection
	})
	if !errors.Is(err, driver.ErrBadConn) {
		t.Fatalf("Raw: %v", err)
	}
	conn.Close()
	if _, err := s.Objects().Query(ctx, store.Filter{Collection: c.ID, Limit: 5}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
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
