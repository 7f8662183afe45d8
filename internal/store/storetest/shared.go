package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// RunShared checks two stores opened on the same database, as two processes would (the server
// and the CLI, or several stateless servers): adds through both at once keep date_added unique
// and increasing in the collection, a version added through one is a duplicate through the other,
// and what one writes the other reads.
func RunShared(t *testing.T, a, b store.Store) {
	ctx := context.Background()
	c, err := a.Collections().Create(ctx, store.Collection{Title: "shared"})
	must(t, "Create collection", err)
	if _, err := b.Collections().Get(ctx, c.ID); err != nil {
		t.Fatalf("Get through the second store: %v", err)
	}
	shared := Obj(t, "indicator", uuid("5555"), 1, "")
	const batches, size = 5, 20
	var wg sync.WaitGroup
	errs := make(chan error, 4*batches)
	for i, s := range []store.Store{a, b, a, b} {
		var work [][]store.NewObject
		for range batches {
			var objs []*stix.Object
			for range size - 1 {
				objs = append(objs, Obj(t, "indicator", store.NewUUID(), i, ""))
			}
			work = append(work, add(append(objs, shared)...))
		}
		wg.Go(func() {
			for _, objs := range work {
				if _, err := s.Objects().Add(ctx, c.ID, objs); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Add through two stores: %v", err)
	}
	for name, s := range map[string]store.Store{"first": a, "second": b} {
		var got []store.Record
		must(t, "Scan", store.Scan(ctx, s.Objects(), store.Filter{Collection: c.ID, Versions: all()},
			func(r *store.Record) error { got = append(got, *r); return nil }))
		if want := 4*batches*(size-1) + 1; len(got) != want {
			t.Errorf("%s store: got %d records, want %d (the shared object once)", name, len(got), want)
		}
		checkAscending(t, got)
		if n, err := s.Objects().Count(ctx, c.ID); err != nil || n != int64(len(got)) {
			t.Errorf("%s store: Count got %d, %v, want %d", name, n, err, len(got))
		}
		if _, err := s.Objects().Latest(ctx, shared.ID); err != nil {
			t.Errorf("%s store: Latest of the shared object: %v", name, err)
		}
	}
}
