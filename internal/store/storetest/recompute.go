package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// testRecompute stores unmarked objects under a TLP:CLEAR default, raises the default to
// AMBER+STRICT and recomputes: the stored TLP of the unmarked versions (and only theirs) must
// follow, and the public's scoped query, which reads the scope's index, must stop returning
// them. SetFacts skips a deleted version and refuses an unknown collection.
func testRecompute(t *testing.T, s store.Store) {
	ctx := context.Background()
	coll := newCollection(t, s)
	clear := policy.Config{DefaultTLP: stix.TLPClear}
	unmarked := uuid("aaaa")
	marked := uuid("bbbb")
	clearMark := `"object_marking_refs": ["` + stix.TLP2Clear + `"]`
	var objs []store.NewObject
	for _, o := range []*stix.Object{
		Obj(t, "indicator", unmarked, 1, ""),
		Obj(t, "indicator", unmarked, 2, ""),
		Obj(t, "indicator", marked, 1, clearMark),
	} {
		n := store.NewObject{Object: o, Origin: store.Provenance{Via: "import"}}
		clear.Fill(&n)
		objs = append(objs, n)
	}
	mustAdd(t, s, coll, objs, store.Accepted, store.Accepted, store.Accepted)

	public := func() []string {
		t.Helper()
		sc := policy.ScopeOf(policy.Recipient{Kind: policy.KindPublic}, nil, time.Now())
		var ids []string
		for _, r := range query(t, s, store.Filter{Collection: coll, Scope: sc.StoreScope()}).Records {
			ids = append(ids, r.ID)
		}
		slices.Sort(ids)
		return ids
	}
	if got, want := public(), []string{"indicator--" + unmarked, "indicator--" + marked}; !slices.Equal(got, want) {
		t.Fatalf("public under a CLEAR default: got %v, want %v", got, want)
	}

	amber := policy.Config{DefaultTLP: stix.TLPAmberStrict}
	var progress []int
	res, err := amber.Recompute(ctx, s, func(n int) { progress = append(progress, n) })
	must(t, "Recompute", err)
	if res != (policy.RecomputeResult{Checked: 3, Changed: 2}) || !slices.Equal(progress, []int{3}) {
		t.Errorf("Recompute: got %+v, progress %v; want 3 checked, 2 changed, progress [3]", res, progress)
	}
	for _, r := range query(t, s, store.Filter{Collection: coll, Versions: all()}).Records {
		want := stix.TLPAmberStrict
		if r.ID == "indicator--"+marked {
			want = stix.TLPClear
		}
		if r.TLP != want {
			t.Errorf("%s version %s after Recompute: TLP %v, want %v", r.ID, r.VersionText, r.TLP, want)
		}
	}
	if got, want := public(), []string{"indicator--" + marked}; !slices.Equal(got, want) {
		t.Errorf("public after raising the default: got %v, want %v", got, want)
	}
	res, err = amber.Recompute(ctx, s, nil)
	must(t, "Recompute again", err)
	if res != (policy.RecomputeResult{Checked: 3}) {
		t.Errorf("Recompute again: got %+v, want 3 checked, none changed", res)
	}

	// Lowering the default again brings the unmarked versions back to CLEAR.
	res, err = clear.Recompute(ctx, s, nil)
	must(t, "Recompute back", err)
	if res.Changed != 2 || len(public()) != 2 {
		t.Errorf("Recompute back to CLEAR: %+v, public %v", res, public())
	}

	// SetFacts on a version deleted meanwhile changes nothing and is no error.
	rec := query(t, s, store.Filter{Collection: coll, IDs: []string{"indicator--" + marked}}).Records[0]
	if _, err := s.Objects().Delete(ctx, coll, rec.ID, all()); err != nil {
		t.Fatal(err)
	}
	must(t, "SetFacts of a deleted version", s.Objects().SetFacts(ctx, coll, []store.StoredFacts{{DateAdded: rec.DateAdded, TLP: stix.TLPRed}}))
	if n, err := s.Objects().Count(ctx, coll); err != nil || n != 2 {
		t.Errorf("Count after SetFacts of a deleted version: %d, %v; want 2", n, err)
	}
	wantErr(t, "SetFacts in an unknown collection",
		s.Objects().SetFacts(ctx, store.NewUUID(), []store.StoredFacts{{DateAdded: 1}}), store.ErrNotFound)
}
