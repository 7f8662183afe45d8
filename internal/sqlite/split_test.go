package sqlite

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
	"github.com/entente/entente/internal/store/storetest"
)

// TestSplitPagesEqualOnePass pages through a collection with versions, mixed TLPs and origins,
// once with Query (which reads large pages in two halves) and once in single statements, under
// several filters, and expects the same pages.
func TestSplitPagesEqualOnePass(t *testing.T) {
	ctx := context.Background()
	s, c := openWithCollection(t)
	const n = 2500
	var batch []store.NewObject
	for i := range n {
		typ := []string{"indicator", "malware", "tool"}[i%3]
		uuid := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		o := store.NewObject{Object: storetest.Obj(t, typ, uuid, 1, ""), TLP: stix.TLP(1 + i%4),
			Origin: store.Provenance{OrgID: []string{"org-a", "org-b", "org-c"}[i%3], Via: "import"}}
		if i%5 == 1 {
			// A STIX 2.0 first version: pages of the latest spec version leave it out, so a
			// first half can come back short and the page must be topped up.
			old, err := stix.Decode(bytes.Replace(o.Object.Raw, []byte(`"spec_version":"2.1"`), []byte(`"spec_version":"2.0"`), 1))
			if err != nil || old.SpecVersion != "2.0" {
				t.Fatalf("a 2.0 version: %v (%s)", err, old.Raw)
			}
			o.Object = old
			v2 := o
			v2.Object = storetest.Obj(t, typ, uuid, 2, "")
			batch = append(batch, o, v2)
			continue
		}
		batch = append(batch, o)
		if i%4 == 0 { // a later version, so that latest and first differ and flags move
			v2 := o
			v2.Object = storetest.Obj(t, typ, uuid, 2, "")
			batch = append(batch, v2)
		}
	}
	if _, err := s.Objects().Add(ctx, c.ID, batch); err != nil {
		t.Fatal(err)
	}
	seq, err := s.seq(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	partner := &store.Scope{Own: "org-own", OtherLevels: 1<<stix.TLPClear | 1<<stix.TLPGreen, ExcludeOrigin: "org-b"}
	filters := map[string]store.Filter{
		"latest":         {},
		"all versions":   {Versions: store.VersionMatch{All: true}},
		"first versions": {Versions: store.VersionMatch{First: true}},
		"scoped":         {Scope: partner},
		"scoped, all":    {Scope: partner, Versions: store.VersionMatch{All: true}},
		"lean, metadata": {Lean: true, MetadataOnly: true},
		"bounded above":  {AddedBefore: 1},
	}
	for name, f := range filters {
		for _, limit := range []int{splitMin, 1000} {
			f.Collection, f.Limit = c.ID, limit
			if name == "bounded above" {
				// Stop two thirds into the collection.
				all, err := s.objects.queryPage(ctx, store.Filter{Collection: c.ID, Versions: store.VersionMatch{All: true}, Limit: 5000}, seq, 5000)
				if err != nil {
					t.Fatal(err)
				}
				f.AddedBefore = all.Records[len(all.Records)*2/3].DateAdded
			}
			split, one := f, f
			for page := 0; ; page++ {
				a, err := s.Objects().Query(ctx, split)
				if err != nil {
					t.Fatal(err)
				}
				b, err := s.objects.queryPage(ctx, one, seq, limit)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := pageKey(a), pageKey(b); got != want {
					t.Fatalf("%s, limit %d, page %d: split and single statement differ:\n split %s\n  one  %s", name, limit, page, got, want)
				}
				if !b.More {
					break
				}
				split.AddedAfter = a.Records[len(a.Records)-1].DateAdded
				one.AddedAfter = split.AddedAfter
			}
		}
	}
}

func pageKey(p store.Page) string {
	k := fmt.Sprintf("more=%v n=%d", p.More, len(p.Records))
	if len(p.Records) > 0 {
		k += fmt.Sprintf(" first=%d last=%d", p.Records[0].DateAdded, p.Records[len(p.Records)-1].DateAdded)
	}
	sum := 0
	for _, r := range p.Records {
		sum = sum*31 + int(r.DateAdded%1000003) + len(r.Raw)
	}
	return k + fmt.Sprintf(" sum=%d", sum)
}
