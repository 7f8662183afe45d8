package web

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/store"
)

// followEvery is how often Follow looks for new objects.
const followEvery = 2 * time.Second

// indexBatch is how many versions one transaction of the full-text index takes.
const indexBatch = 1000

// inlineBudget bounds what a request catches up itself when no follower runs (tests, tools).
const inlineBudget = 2000

// Follow keeps the dashboard's counts and the full-text index current until ctx ends: it reads
// what was added since its last look every two seconds, in the background, so that no page
// waits for it. While it runs, pages never write or count themselves.
func (u *UI) Follow(ctx context.Context) {
	u.following.Store(true)
	defer u.following.Store(false)
	t := time.NewTicker(followEvery)
	defer t.Stop()
	for {
		if err := u.CatchUp(ctx); err != nil && ctx.Err() == nil {
			u.d.Logger.Warn("web: following the store failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CatchUp brings the counts and the full-text index up to what the store holds now.
func (u *UI) CatchUp(ctx context.Context) error {
	if _, err := u.counts.refresh(ctx, 0); err != nil {
		return err
	}
	_, err := u.index.catchUp(ctx, 0)
	return err
}

// freshen catches up a little on the request when no follower runs, so that a node without one
// (a test, a tool) still shows what was just added; with a follower it does nothing.
func (u *UI) freshen(ctx context.Context) {
	if u.following.Load() {
		return
	}
	if _, err := u.counts.refresh(ctx, inlineBudget); err != nil {
		u.d.Logger.Warn("web: counting", "err", err)
	}
	if _, err := u.index.catchUp(ctx, inlineBudget); err != nil {
		u.d.Logger.Warn("web: indexing", "err", err)
	}
}

// indexer fills the store's full-text index with the latest versions of every collection,
// from the store's cursor on, a batch a transaction. Several processes may do so at once
// (store.SearchStore.Index is idempotent); within one process it runs once at a time.
type indexer struct {
	st     store.Store
	ingest *ingest.Activity
	mu     sync.Mutex
}

// Ingest has the writer first: before each batch the background indexer waits while objects
// are being stored, until ingest has been quiet for ingestQuiet, but at most maxYield. A burst
// of envelopes or an import thus runs at full speed and the index catches up after it; under
// ingest that never pauses the index still takes a batch every maxYield.
const (
	ingestQuiet = 500 * time.Millisecond
	maxYield    = 10 * time.Second
)

// yield waits until ingest is quiet, at most maxYield.
func (x *indexer) yield(ctx context.Context) {
	deadline := time.Now().Add(maxYield)
	for x.ingest.Busy(ingestQuiet) && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// catchUp indexes what each collection gained since its cursor, at most budget versions per
// collection (0: no bound), and reports whether every collection is caught up.
func (x *indexer) catchUp(ctx context.Context, budget int) (bool, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	colls, err := x.st.Collections().List(ctx)
	if err != nil {
		return false, fmt.Errorf("search index: %w", err)
	}
	done := true
	for _, c := range colls {
		p, err := x.st.Search().Progress(ctx, c.ID)
		if err != nil {
			return false, err
		}
		cur, read := p.Cursor, 0
		for cur < p.LastAdded {
			if budget > 0 && read >= budget {
				done = false
				break
			}
			if budget == 0 {
				x.yield(ctx) // the follower, in the background; a request's budgeted catch-up does not wait
			}
			// Latest versions only, up to the last date_added read above: versions a newer one
			// replaced need no entry, and the cursor then moves to LastAdded even when the
			// collection ends with such versions.
			pg, err := x.st.Objects().Query(ctx, store.Filter{Collection: c.ID, AddedAfter: cur, AddedBefore: p.LastAdded + 1, Limit: indexBatch, Lean: true})
			if err != nil {
				return false, fmt.Errorf("search index of %s: %w", c.ID, err)
			}
			docs := make([]store.SearchDoc, 0, len(pg.Records))
			for _, r := range pg.Records {
				docs = append(docs, store.SearchDoc{ID: r.ID, DateAdded: r.DateAdded, Text: searchText(r.Raw), Links: linksOf(r.Type, r.Raw)})
			}
			next := p.LastAdded
			if pg.More {
				next = pg.Records[len(pg.Records)-1].DateAdded
			}
			if err := x.st.Search().Index(ctx, c.ID, docs, next); err != nil {
				return false, err
			}
			cur, read = next, read+len(pg.Records)
		}
	}
	return done, nil
}

// maxIndexWords bounds the words indexed of one object (a long report's first ones).
const maxIndexWords = 2000

// searchText is the human text of an object, as lower-case words: what full-text search finds
// it by.
func searchText(raw []byte) string {
	var o struct {
		Name, Description, Pattern, Value, Abstract, Content, Explanation, Objective, Opinion string
		Aliases, Labels, Goals, Roles, Sectors, Authors                                       []string
		MalwareTypes                                                                          []string `json:"malware_types"`
		ToolTypes                                                                             []string `json:"tool_types"`
		References                                                                            []struct {
			ExternalID string `json:"external_id"`
		} `json:"external_references"`
	}
	if json.Unmarshal(raw, &o) != nil {
		return ""
	}
	var b strings.Builder
	for _, s := range []string{o.Name, o.Description, o.Pattern, o.Value, o.Abstract, o.Content, o.Explanation, o.Objective, o.Opinion} {
		b.WriteString(s)
		b.WriteByte(' ')
	}
	for _, l := range [][]string{o.Aliases, o.Labels, o.Goals, o.Roles, o.Sectors, o.Authors, o.MalwareTypes, o.ToolTypes} {
		for _, s := range l {
			b.WriteString(s)
			b.WriteByte(' ')
		}
	}
	for _, r := range o.References {
		b.WriteString(r.ExternalID)
		b.WriteByte(' ')
	}
	words := store.SearchWords(b.String())
	if len(words) > maxIndexWords {
		words = words[:maxIndexWords]
	}
	return strings.Join(words, " ")
}
