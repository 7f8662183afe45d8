package web

import (
	"context"
	"testing"
	"time"

	"github.com/entente/entente/internal/ingest"
)

// TestIndexerYieldsToIngest checks that the background indexer waits while objects are being
// stored and goes on once ingest is quiet.
func TestIndexerYieldsToIngest(t *testing.T) {
	var a ingest.Activity
	x := &indexer{ingest: &a}
	x.yield(context.Background()) // nothing stored yet: no wait

	a.Begin()
	done := make(chan struct{})
	go func() {
		x.yield(context.Background())
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("the indexer went on while a store was running")
	case <-time.After(300 * time.Millisecond):
	}
	a.End()
	select {
	case <-done:
	case <-time.After(maxYield):
		t.Fatal("the indexer still waited once ingest had ended")
	}

	a.Begin() // a store that never ends: the indexer waits for its context
	defer a.End()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	x.yield(ctx)
}
