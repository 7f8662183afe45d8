package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// indexAll indexes every latest version of coll with the text of its description, as the web
// interface's follower does, and returns the records in date_added order.
func indexAll(t *testing.T, s store.Store, coll string) []store.Record {
	t.Helper()
	ctx := context.Background()
	pg, err := s.Objects().Query(ctx, store.Filter{Collection: coll, Limit: 1000})
	must(t, "Query", err)
	var docs []store.SearchDoc
	for _, r := range pg.Records {
		docs = append(docs, store.SearchDoc{ID: r.ID, DateAdded: r.DateAdded, Text: strings.ToLower(string(r.Raw))})
	}
	p, err := s.Search().Progress(ctx, coll)
	must(t, "Progress", err)
	must(t, "Index", s.Search().Index(ctx, coll, docs, p.LastAdded))
	return pg.Records
}

func ids(recs []store.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func testSearch(t *testing.T, s store.Store) {
	ctx := context.Background()
	coll := newCollection(t, s)
	_, err := s.Search().Progress(ctx, "no-such-collection")
	wantErr(t, "Progress of a missing collection", err, store.ErrNotFound)
	a := Obj(t, "indicator", uuid("aaaa"), 0, `"description": "Phishing wave against harbour authorities"`)
	b := Obj(t, "malware", uuid("bbbb"), 0, `"description": "Loader seen in the phishing wave"`)
	c := Obj(t, "indicator", uuid("cccc"), 0, `"description": "Unrelated scanning"`)
	objs := add(a, b, c)
	objs[2].TLP = stix.TLPRed
	mustAdd(t, s, coll, objs, store.Accepted, store.Accepted, store.Accepted)
	if p, err := s.Search().Progress(ctx, coll); err != nil || !p.Behind() {
		t.Errorf("Progress before indexing: got %+v, %v, want behind", p, err)
	}
	indexAll(t, s, coll)
	indexAll(t, s, coll) // twice: idempotent
	if p, err := s.Search().Progress(ctx, coll); err != nil || p.Behind() {
		t.Errorf("Progress after indexing: got %+v, %v, want caught up", p, err)
	}

	search := func(q store.SearchQuery) store.SearchPage {
		t.Helper()
		q.Collection = coll
		if q.Limit == 0 {
			q.Limit = 10
		}
		p, err := s.Search().Search(ctx, q)
		must(t, "Search", err)
		return p
	}
	if got := ids(search(store.SearchQuery{Text: "PHISHING wave"}).Records); !slices.Equal(got, []string{b.ID, a.ID}) {
		t.Errorf("search phishing wave: got %v, want newest first %v", got, []string{b.ID, a.ID})
	}
	if got := search(store.SearchQuery{Text: "phishing scanning"}).Records; len(got) != 0 {
		t.Errorf("search for words no object holds together: got %v", ids(got))
	}
	if got := ids(search(store.SearchQuery{Text: "phishing", Types: []string{"indicator"}}).Records); !slices.Equal(got, []string{a.ID}) {
		t.Errorf("search with a type: got %v, want %v", got, []string{a.ID})
	}
	if got := ids(search(store.SearchQuery{Text: "scanning", TLPs: []int{int(stix.TLPGreen)}}).Records); len(got) != 0 {
		t.Errorf("search with a TLP the match lacks: got %v", got)
	}
	green := &store.Scope{OwnLevels: 1 << stix.TLPGreen, OnwardLevels: 1 << stix.TLPGreen, OtherLevels: 1 << stix.TLPGreen, PersonalMax: 2}
	if got := search(store.SearchQuery{Text: "scanning", Scope: green}).Records; len(got) != 0 {
		t.Errorf("search in a scope without RED found the RED object: %v", ids(got))
	}
	if got := search(store.SearchQuery{Text: "phishing", Scope: &store.Scope{Nothing: true}}).Records; len(got) != 0 {
		t.Errorf("search in an empty scope: got %v", ids(got))
	}

	// Paging: one record a page, continued from Next.
	p1 := search(store.SearchQuery{Text: "phishing", Limit: 1})
	if !p1.More || len(p1.Records) != 1 || p1.Records[0].ID != b.ID || p1.Records[0].Raw == nil {
		t.Fatalf("first page: got %v more=%v, want %s and more", ids(p1.Records), p1.More, b.ID)
	}
	p2 := search(store.SearchQuery{Text: "phishing", Limit: 1, Before: p1.Next})
	if len(p2.Records) != 1 || p2.Records[0].ID != a.ID {
		t.Errorf("second page: got %v, want %s", ids(p2.Records), a.ID)
	}

	// A new version replaces the old one's entry; until it is indexed, the old entry finds
	// nothing (it is no longer the latest version).
	a2 := Obj(t, "indicator", a.ID[len("indicator--"):], 1, `"description": "Harbour campaign, second wave"`)
	mustAdd(t, s, coll, add(a2), store.Accepted)
	if got := ids(search(store.SearchQuery{Text: "phishing"}).Records); !slices.Equal(got, []string{b.ID}) {
		t.Errorf("search after a new version, before indexing it: got %v, want %v", got, []string{b.ID})
	}
	indexAll(t, s, coll)
	if got := ids(search(store.SearchQuery{Text: "harbour"}).Records); !slices.Equal(got, []string{a.ID}) {
		t.Errorf("search for the new version's words: got %v, want %v", got, []string{a.ID})
	}
	if got := ids(search(store.SearchQuery{Text: "authorities"}).Records); len(got) != 0 {
		t.Errorf("search for the old version's words: got %v", got)
	}

	// Deleting the latest version: its entry goes, and the version before it, the latest again,
	// is found once the follower has walked again from before it (the cursor moved back).
	if n, err := s.Objects().Delete(ctx, coll, a.ID, store.VersionMatch{At: []int64{a2.Version()}}); err != nil || n != 1 {
		t.Fatalf("Delete of the latest version: %d, %v", n, err)
	}
	if p, err := s.Search().Progress(ctx, coll); err != nil || !p.Behind() {
		t.Errorf("Progress after deleting a latest version: got %+v, %v, want behind (the older version to index)", p, err)
	}
	if got := search(store.SearchQuery{Text: "harbour"}).Records; len(got) != 0 {
		t.Errorf("search for the deleted version's words: got %v", ids(got))
	}
	indexAll(t, s, coll)
	if got := ids(search(store.SearchQuery{Text: "authorities"}).Records); !slices.Equal(got, []string{a.ID}) {
		t.Errorf("search for the words of the version that is the latest again: got %v, want %v", got, []string{a.ID})
	}
	// Deleting an object whole: its entry goes, and nothing is left to index.
	if n, err := s.Objects().Delete(ctx, coll, b.ID, store.VersionMatch{All: true}); err != nil || n != 1 {
		t.Fatalf("Delete of an object: %d, %v", n, err)
	}
	if p, err := s.Search().Progress(ctx, coll); err != nil || p.Behind() {
		t.Errorf("Progress after deleting a whole object: got %+v, %v, want caught up", p, err)
	}
	if got := search(store.SearchQuery{Text: "loader"}).Records; len(got) != 0 {
		t.Errorf("search for a deleted object's words: got %v", ids(got))
	}

	_, err = s.Search().Search(ctx, store.SearchQuery{Collection: coll, Text: " - ", Limit: 10})
	wantErr(t, "Search without words", err, store.ErrInvalid)
}
