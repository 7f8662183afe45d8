package sqlite

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/entente/entente/internal/store/storetest"
)

// TestCheckpointerCopiesTheLog writes more than the checkpointer's threshold and expects the
// database file, not only the log, to hold the pages soon after: the writer's own autocheckpoint
// (at walHardPages) never fires at this size, so only the checkpointer can have copied them.
func TestCheckpointerCopiesTheLog(t *testing.T) {
	ctx := context.Background()
	s, c := openWithCollection(t)
	path := dbPath(s)
	s.ckpt.soft.Store(256 << 10)
	before := fileSize(t, path)
	for range 8 {
		if _, err := s.Objects().Add(ctx, c.ID, storetest.BenchObjects(t, 500)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for fileSize(t, path) < before+2<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes, log %d bytes: the log was not checkpointed", fileSize(t, path), fileSize(t, path+"-wal"))
		}
		s.ckpt.nudge()
		time.Sleep(20 * time.Millisecond)
	}
}

// dbPath is the database file of s: its log's path without "-wal".
func dbPath(s *Store) string { return strings.TrimSuffix(s.ckpt.wal, "-wal") }

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestCheckpointEmptiesTheLog writes below the checkpointer's threshold, so that the log keeps
// the pages, and expects Checkpoint to leave them in the database file and the log empty.
func TestCheckpointEmptiesTheLog(t *testing.T) {
	ctx := context.Background()
	s, c := openWithCollection(t)
	path := dbPath(s)
	if _, err := s.Objects().Add(ctx, c.ID, storetest.BenchObjects(t, 2000)); err != nil {
		t.Fatal(err)
	}
	if wal := fileSize(t, path+"-wal"); wal < 1<<20 {
		t.Fatalf("log of %d bytes after 2000 objects; the test needs them in the log", wal)
	}
	before := fileSize(t, path)
	if err := s.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if wal := fileSize(t, path+"-wal"); wal != 0 {
		t.Errorf("log of %d bytes after Checkpoint, want 0", wal)
	}
	if after := fileSize(t, path); after < before+1<<20 {
		t.Errorf("database file %d bytes before Checkpoint, %d after: the pages were not copied", before, after)
	}
	if n, err := s.Objects().Count(ctx, c.ID); err != nil || n != 2000 {
		t.Errorf("after Checkpoint: %d objects, %v; want 2000", n, err)
	}
}
