package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// TestShared opens the same file twice, as the server and the CLI do.
func TestShared(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	var stores []store.Store
	for range 2 {
		s, err := sqlite.Open(context.Background(), path, nil)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
	}
	storetest.RunShared(t, stores[0], stores[1])
}

// TestOtherProcess writes from a child process while this one writes to the same file, the way
// the CLI imports while a server runs: neither may fail with a busy database, and date_added stays
// unique and increasing.
func TestOtherProcess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "two.db")
	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := s.Collections().Create(ctx, store.Collection{Title: "two processes"})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ENTENTE_SQLITE_CHILD="+path, "ENTENTE_SQLITE_COLLECTION="+c.ID)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := addBatches(s, c.ID); err != nil {
		t.Error(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child process: %v\n%s", err, out)
	}
	var prev int64
	n := 0
	err = store.Scan(ctx, s.Objects(), store.Filter{Collection: c.ID}, func(r *store.Record) error {
		if r.DateAdded <= prev {
			t.Errorf("date_added %d after %d", r.DateAdded, prev)
		}
		prev = r.DateAdded
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * childBatches * childBatchSize; n != want {
		t.Errorf("records: got %d, want %d", n, want)
	}
}

const childBatches, childBatchSize = 10, 50

// addBatches adds childBatches batches of new objects.
func addBatches(s store.Store, coll string) error {
	for range childBatches {
		objs, err := storetest.Objects(childBatchSize)
		if err != nil {
			return err
		}
		if _, err := s.Objects().Add(context.Background(), coll, objs); err != nil {
			return fmt.Errorf("Add: %w", err)
		}
	}
	return nil
}

// TestMain runs the child's side of TestOtherProcess when asked to.
func TestMain(m *testing.M) {
	if path := os.Getenv("ENTENTE_SQLITE_CHILD"); path != "" {
		s, err := sqlite.Open(context.Background(), path, nil)
		if err == nil {
			err = errors.Join(addBatches(s, os.Getenv("ENTENTE_SQLITE_COLLECTION")), s.Close())
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	code := m.Run()
	if bench.s != nil {
		bench.s.Close()
	}
	if bench.tmp != "" {
		os.RemoveAll(bench.tmp)
	}
	os.Exit(code)
}

// TestOpenPaths opens files whose names need escaping in an SQLite URI, in directories that do
// not exist yet.
func TestOpenPaths(t *testing.T) {
	for _, name := range []string{"with space/db file.db", "q?mark/a#b.db", "pct%20x/x.db"} {
		p := filepath.Join(t.TempDir(), name)
		s, err := sqlite.Open(context.Background(), p, nil)
		if err != nil {
			t.Errorf("Open %q: %v", name, err)
			continue
		}
		s.Close()
		if _, err := os.Stat(p); err != nil {
			t.Errorf("Open %q did not create that file: %v", name, err)
		}
	}
	if _, err := sqlite.Open(context.Background(), "", nil); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Open empty path: got %v, want ErrInvalid", err)
	}
}
