package ingest

import (
	"sync/atomic"
	"time"
)

// Activity tracks a node's ingest across its Ingesters, so that background writers (the web
// UI's full-text indexer) can give way to it: SQLite has one writer, and a request that stores
// an envelope should not queue behind an index transaction. A nil *Activity tracks nothing.
type Activity struct {
	running atomic.Int64
	last    atomic.Int64 // Unix nanoseconds when a store of a batch last ended
}

// Begin marks the start of a store of objects; End its end.
func (a *Activity) Begin() {
	if a != nil {
		a.running.Add(1)
	}
}

// End marks the end of a store that Begin marked.
func (a *Activity) End() {
	if a != nil {
		a.last.Store(time.Now().UnixNano())
		a.running.Add(-1)
	}
}

// Busy reports whether a batch is being stored now or one ended less than quiet ago.
func (a *Activity) Busy(quiet time.Duration) bool {
	if a == nil {
		return false
	}
	return a.running.Load() > 0 || time.Since(time.Unix(0, a.last.Load())) < quiet
}
