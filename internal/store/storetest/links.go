package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// testLinks checks SearchStore.Linked: the objects whose indexed entry links to a target, newest
// first; a newer version's links replace the older one's; a delete takes them at once; an entry
// indexed without links gains them when indexed again at the same version.
func testLinks(t *testing.T, s store.Store) {
	ctx := context.Background()
	coll := newCollection(t, s)
	target, other, third := "malware--"+uuid("aaaa"), "malware--"+uuid("bbbb"), "malware--"+uuid("cccc")
	actor := "intrusion-set--" + uuid("dddd")
	rel := func(u string, n int, src, dst string) *stix.Object {
		return Obj(t, "relationship", u, n, fmt.Sprintf(`"relationship_type": "uses", "source_ref": %q, "target_ref": %q`, src, dst))
	}
	r1 := rel(uuid("1111"), 1, actor, target)
	r2 := rel(uuid("2222"), 1, target, other)
	s1 := Obj(t, "sighting", uuid("3333"), 1, fmt.Sprintf(`"sighting_of_ref": %q`, target))
	links := map[string][]string{r1.ID: {actor, target}, r2.ID: {target, other}, s1.ID: {target}}
	mustAdd(t, s, coll, add(r1, r2, s1), store.Accepted, store.Accepted, store.Accepted)

	// index indexes the latest versions, each with the links given for its id.
	index := func(links map[string][]string) {
		t.Helper()
		pg := query(t, s, store.Filter{Collection: coll, Limit: 1000})
		var docs []store.SearchDoc
		for _, r := range pg.Records {
			docs = append(docs, store.SearchDoc{ID: r.ID, DateAdded: r.DateAdded, Text: "x", Links: links[r.ID]})
		}
		p, err := s.Search().Progress(ctx, coll)
		must(t, "Progress", err)
		must(t, "Index", s.Search().Index(ctx, coll, docs, p.LastAdded))
	}
	linked := func(id string, limit int) []string {
		t.Helper()
		recs, err := s.Search().Linked(ctx, coll, id, limit)
		must(t, "Linked", err)
		for _, r := range recs {
			if len(r.Raw) == 0 || r.Collection != coll {
				t.Errorf("Linked %s: record %s without its JSON or collection", id, r.ID)
			}
		}
		return ids(recs)
	}
	want := func(what string, got []string, want ...string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}

	index(nil) // entries without links, as indexed before the links existed
	want("an entry indexed without links", linked(target, 10))
	index(links) // the same versions again, now with links: they gain them
	index(links) // idempotent
	want("linked to the target, newest first", linked(target, 10), s1.ID, r2.ID, r1.ID)
	want("with a limit", linked(target, 2), s1.ID, r2.ID)
	want("linked to the other", linked(other, 10), r2.ID)

	// A newer version of r1 points elsewhere: its links replace the old ones.
	r1v2 := rel(r1.ID[len("relationship--"):], 2, actor, third)
	mustAdd(t, s, coll, add(r1v2), store.Accepted)
	links[r1.ID] = []string{actor, third}
	index(links)
	want("after r1's new version, the target", linked(target, 10), s1.ID, r2.ID)
	recs, err := s.Search().Linked(ctx, coll, third, 10)
	must(t, "Linked", err)
	if len(recs) != 1 || recs[0].ID != r1.ID || recs[0].VersionText != ver(2) {
		t.Errorf("linked to the third: got %+v, want r1 at version 2", recs)
	}

	// A delete takes the entry's links within its transaction.
	if _, err := s.Objects().Delete(ctx, coll, s1.ID, all()); err != nil {
		t.Fatal(err)
	}
	want("after deleting the sighting", linked(target, 10), r2.ID)

	_, err = s.Search().Linked(ctx, coll, "", 10)
	wantErr(t, "Linked without target", err, store.ErrInvalid)
	_, err = s.Search().Linked(ctx, coll, target, 0)
	wantErr(t, "Linked with limit 0", err, store.ErrInvalid)
	_, err = s.Search().Linked(ctx, store.NewUUID(), target, 10)
	wantErr(t, "Linked in an unknown collection", err, store.ErrNotFound)
}
