package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// FillScoped makes a collection of n objects of which a partner may see a tenth, and returns the
// collection and that partner's scope. Half the objects are the own organisation's, a quarter
// the partner's own (never sent back), a quarter of unknown origin; the partner's agreement
// allows up to GREEN, and one object in twenty is own GREEN, one in twenty CLEAR of unknown
// origin, the rest AMBER or CLEAR from the partner itself.
func FillScoped(tb testing.TB, s store.Store, n int) (coll string, scope *store.Scope) {
	tb.Helper()
	ctx := context.Background()
	own, err := s.Orgs().Create(ctx, store.Org{Name: "bench own", Self: true})
	if err != nil {
		tb.Fatal(err)
	}
	partner, err := s.Orgs().Create(ctx, store.Org{Name: "bench partner"})
	if err != nil {
		tb.Fatal(err)
	}
	c, err := s.Collections().Create(ctx, store.Collection{Title: "bench scope"})
	if err != nil {
		tb.Fatal(err)
	}
	template := BenchObjects(tb, BatchSize)
	start := time.Now()
	for done := 0; done < n; done += BatchSize {
		batch := renew(template, done)
		for i := range batch {
			k := done + i
			batch[i].TLP = stix.TLPAmber
			switch k % 4 {
			case 0, 2:
				batch[i].Origin.OrgID = own.ID
			case 1:
				batch[i].Origin.OrgID = partner.ID
			}
			switch k % 20 {
			case 0:
				batch[i].TLP = stix.TLPGreen // own: admitted
			case 1:
				batch[i].TLP = stix.TLPClear // the partner's own: not sent back
			case 3:
				batch[i].TLP = stix.TLPClear // unknown origin: admitted
			}
		}
		if _, err := s.Objects().Add(ctx, c.ID, batch); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Logf("filled %d objects in %v", n, time.Since(start).Round(time.Millisecond))
	ag, err := policy.NewAgreements(own.ID, policy.Agreement{Partner: partner.ID, MaxTLP: stix.TLPGreen})
	if err != nil {
		tb.Fatal(err)
	}
	r := policy.Recipient{Kind: policy.KindPartner, OrgID: partner.ID}
	sc := policy.ScopeOf(r, ag, time.Now())
	return c.ID, sc.StoreScope()
}

// BenchScopedPage measures pages of 1000 latest versions with their JSON for the scope
// FillScoped made, from the start and from the middle of the collection, beside the same pages
// without a scope.
func BenchScopedPage(b *testing.B, s store.Store, coll string, scope *store.Scope) {
	ctx := context.Background()
	var mid int64
	n, admitted := 0, 0
	err := store.Scan(ctx, s.Objects(), store.Filter{Collection: coll, MetadataOnly: true}, func(*store.Record) error {
		n++
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// The middle of the collection: where the second half starts.
	half := 0
	err = store.Scan(ctx, s.Objects(), store.Filter{Collection: coll, MetadataOnly: true}, func(r *store.Record) error {
		if half++; half == n/2 {
			mid = r.DateAdded
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	err = store.Scan(ctx, s.Objects(), store.Filter{Collection: coll, MetadataOnly: true, Scope: scope}, func(*store.Record) error {
		admitted++
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d of %d latest versions admitted (%.1f %%)", admitted, n, 100*float64(admitted)/float64(n))
	for _, bc := range []struct {
		name  string
		after int64
		scope *store.Scope
	}{
		{"scoped/first", 0, scope},
		{"scoped/deep", mid, scope},
		{"unscoped/first", 0, nil},
		{"unscoped/deep", mid, nil},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := store.Filter{Collection: coll, Limit: 1000, AddedAfter: bc.after, Scope: bc.scope}
			for range b.N {
				p, err := s.Objects().Query(ctx, f)
				if err != nil {
					b.Fatal(err)
				}
				if len(p.Records) != 1000 {
					b.Fatalf("page of %d records, want 1000", len(p.Records))
				}
			}
		})
	}
}
