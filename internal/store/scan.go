package store

import "context"

// ScanPageSize is how many records Scan fetches per query.
const ScanPageSize = 2000

// Scan calls fn for every record matching f, in ascending date_added order, fetching pages of
// ScanPageSize so that memory stays bounded whatever the collection's size. f.Limit and
// f.AddedAfter are managed by Scan (AddedAfter is the starting point). fn may keep nothing of the
// record beyond its call except by copying. It stops at the first error from fn or the store.
func Scan(ctx context.Context, objs ObjectStore, f Filter, fn func(*Record) error) error {
	return ScanPages(ctx, objs, f, func(recs []Record) error {
		for i := range recs {
			if err := fn(&recs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// ScanPages is Scan a page at a time. The next page is read while fn works on the current one
// (the store on one core, the caller on another), so at most three pages are in memory. fn may
// keep nothing of a page beyond its call except by copying.
func ScanPages(ctx context.Context, objs ObjectStore, f Filter, fn func([]Record) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		recs []Record
		err  error
	}
	pages := make(chan result, 1)
	go func() {
		defer close(pages)
		f.Limit = ScanPageSize
		for {
			p, err := objs.Query(ctx, f)
			select {
			case pages <- result{p.Records, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || !p.More || len(p.Records) == 0 {
				return
			}
			f.AddedAfter = p.Records[len(p.Records)-1].DateAdded
		}
	}()
	for p := range pages {
		if p.err != nil {
			return p.err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(p.recs) == 0 {
			continue
		}
		if err := fn(p.recs); err != nil {
			return err
		}
	}
	return ctx.Err()
}
