package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/entente/entente/internal/sqlite"
	"github.com/entente/entente/internal/store"
	"github.com/entente/entente/internal/store/storetest"
)

// open opens a new database in a temporary directory (which does not exist yet, so that Open
// must create it).
func open(tb testing.TB) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "data", "entente.db"), nil)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
}
