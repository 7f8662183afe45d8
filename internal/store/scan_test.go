package store

import (
	"context"
	"errors"
	"testing"
)

// pagedObjects serves n records with date_added 1…n, counting its queries.
type pagedObjects struct {
	ObjectStore
	n, queries int
	fail       int // the query that fails (from 1), 0 for none
}

func (p *pagedObjects) Query(ctx context.Context, f Filter) (Page, error) {
	p.queries++
	if p.queries == p.fail {
		return Page{}, errors.New("store broke")
	}
	var pg Page
	for a := f.AddedAfter + 1; a <= int64(p.n); a++ {
		if len(pg.Records) == f.Limit {
			pg.More = true
			break
		}
		pg.Records = append(pg.Records, Record{DateAdded: a})
	}
	return pg, ctx.Err()
}

func TestScanPages(t *testing.T) {
	ctx := context.Background()
	n := ScanPageSize*3 + 7
	objs := &pagedObjects{n: n}
	var next int64 = 1
	err := ScanPages(ctx, objs, Filter{}, func(recs []Record) error {
		for _, r := range recs {
			if r.DateAdded != next {
				t.Fatalf("record %d where %d was due", r.DateAdded, next)
			}
			next++
		}
		return nil
	})
	if err != nil || next != int64(n)+1 {
		t.Fatalf("scan: err %v, reached %d of %d", err, next-1, n)
	}

	stop := errors.New("enough")
	objs = &pagedObjects{n: n}
	calls := 0
	err = ScanPages(ctx, objs, Filter{}, func([]Record) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("fn's error: got %v after %d calls, want it after 1", err, calls)
	}

	objs = &pagedObjects{n: n, fail: 2}
	calls = 0
	err = ScanPages(ctx, objs, Filter{}, func([]Record) error { calls++; return nil })
	if err == nil || calls != 1 {
		t.Errorf("store's error on the second page: got %v after %d pages, want an error after 1", err, calls)
	}

	cctx, cancel := context.WithCancel(ctx)
	objs = &pagedObjects{n: n}
	err = ScanPages(cctx, objs, Filter{}, func([]Record) error { cancel(); return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}
