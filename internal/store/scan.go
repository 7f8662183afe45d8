package store

import "context"

// ScanPageSize is how many records Scan fetches per query.
const ScanPageSize = 2000

// Scan calls fn for every record matching f, in ascending date_added order, fetching pages of
// ScanPageSize so that memory stays bounded whatever the collection's size. f.Limit and
// f.AddedAfter are managed by Scan (AddedAfter is the starting point). fn may keep nothing of the
// record beyond its call except by copying. It stops at the first error from fn or the store.
func Scan(ctx context.Context, objs ObjectStore, f Filter, fn func(*Record) error) error {
	f.Limit = ScanPageSize
	for {
		p, err := objs.Query(ctx, f)
		if err != nil {
			return err
		}
		for i := range p.Records {
			if err := fn(&p.Records[i]); err != nil {
				return err
			}
		}
		if !p.More || len(p.Records) == 0 {
			return nil
		}
		f.AddedAfter = p.Records[len(p.Records)-1].DateAdded
	}
}
