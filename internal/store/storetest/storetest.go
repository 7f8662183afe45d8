// Package storetest is the one test suite every store backend runs, so that SQLite and
// PostgreSQL behave the same. A backend's test calls Run with a function that opens a fresh,
// empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// Clocked is implemented by backends whose clock for date_added a test may replace. Run tests
// clocks that stand still or go back on backends that implement it.
type Clocked interface {
	SetClock(now func() time.Time)
}

// Run runs the whole suite. open must return a new empty store each time it is called and arrange
// for it to be closed (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Settings", func(t *testing.T) { testSettings(t, open(t)) })
	t.Run("Orgs", func(t *testing.T) { testOrgs(t, open(t)) })
	t.Run("Tokens", func(t *testing.T) { testTokens(t, open(t)) })
	t.Run("Collections", func(t *testing.T) { testCollections(t, open(t)) })
	t.Run("Add", func(t *testing.T) { testAdd(t, open(t)) })
	t.Run("AddAtomic", func(t *testing.T) { testAddAtomic(t, open(t)) })
	t.Run("DateAddedClock", func(t *testing.T) { testDateAddedClock(t, open(t)) })
	t.Run("AddConcurrent", func(t *testing.T) { testAddConcurrent(t, open(t)) })
	t.Run("RecordFields", func(t *testing.T) { testRecordFields(t, open(t)) })
	t.Run("Versions", func(t *testing.T) { testVersions(t, open(t)) })
	t.Run("Filters", func(t *testing.T) { testFilters(t, open(t)) })
	t.Run("SpecVersions", func(t *testing.T) { testSpecVersions(t, open(t)) })
	t.Run("Paging", func(t *testing.T) { testPaging(t, open(t)) })
	t.Run("Latest", func(t *testing.T) { testLatest(t, open(t)) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, open(t)) })
	t.Run("Model", func(t *testing.T) { RunModel(t, open(t)) })
	t.Run("Agreements", func(t *testing.T) { testAgreements(t, open(t)) })
	t.Run("Shares", func(t *testing.T) { testShares(t, open(t)) })
	t.Run("SharedSince", func(t *testing.T) { testSharedSince(t, open(t)) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, open(t)) })
	t.Run("AuditConcurrent", func(t *testing.T) { testAuditConcurrent(t, open(t)) })
	t.Run("Scope", func(t *testing.T) { testScope(t, open(t)) })
	t.Run("Peers", func(t *testing.T) { testPeers(t, open(t)) })
	t.Run("Users", func(t *testing.T) { testUsers(t, open(t)) })
	t.Run("SignInFailures", func(t *testing.T) { testSignInFailures(t, open(t)) })
	t.Run("Search", func(t *testing.T) { testSearch(t, open(t)) })
	t.Run("Links", func(t *testing.T) { testLinks(t, open(t)) })
	t.Run("Recompute", func(t *testing.T) { testRecompute(t, open(t)) })
}

// wantErr fails unless err is target (errors.Is).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

// must fails the test at once on err.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func testSettings(t *testing.T, s store.Store) {
	ctx := context.Background()
	st := s.Settings()
	_, err := st.Get(ctx, "missing")
	wantErr(t, "Get missing", err, store.ErrNotFound)

	must(t, "Set", st.Set(ctx, "k", "v1"))
	must(t, "Set again", st.Set(ctx, "k", "v2"))
	if got, err := st.Get(ctx, "k"); err != nil || got != "v2" {
		t.Errorf("Get k: got %q, %v, want v2", got, err)
	}
	wrote, err := st.SetIfAbsent(ctx, "k", "v3")
	if err != nil || wrote {
		t.Errorf("SetIfAbsent existing: got %v, %v, want false", wrote, err)
	}
	wrote, err = st.SetIfAbsent(ctx, "new", "n")
	if err != nil || !wrote {
		t.Errorf("SetIfAbsent new: got %v, %v, want true", wrote, err)
	}
	for key, want := range map[string]string{"k": "v2", "new": "n"} {
		if got, err := st.Get(ctx, key); err != nil || got != want {
			t.Errorf("Get %s: got %q, %v, want %q", key, got, err, want)
		}
	}
}

func testOrgs(t *testing.T, s store.Store) {
	ctx := context.Background()
	os := s.Orgs()
	_, err := os.Self(ctx)
	wantErr(t, "Self before any", err, store.ErrNotFound)

	self, err := os.Create(ctx, store.Org{Name: "Zeta CERT", Country: "DE", Contact: "cert@zeta.example", IdentityID: "identity--" + store.NewUUID(), Self: true})
	must(t, "Create self", err)
	if !stix.IsUUID(self.ID) || self.CreatedAt.IsZero() {
		t.Errorf("Create: got id %q created %v, want a generated UUID and time", self.ID, self.CreatedAt)
	}
	partner, err := os.Create(ctx, store.Org{ID: store.NewUUID(), Name: "Alpha CSIRT"})
	must(t, "Create partner", err)
	_, err = os.Create(ctx, store.Org{Name: "Beta"})
	must(t, "Create beta", err)

	_, err = os.Create(ctx, store.Org{Name: "Alpha CSIRT"})
	wantErr(t, "Create same name", err, store.ErrConflict)
	_, err = os.Create(ctx, store.Org{ID: partner.ID, Name: "Other"})
	wantErr(t, "Create same id", err, store.ErrConflict)
	_, err = os.Create(ctx, store.Org{Name: "Second self", Self: true})
	wantErr(t, "Create second self", err, store.ErrConflict)

	got, err := os.Self(ctx)
	must(t, "Self", err)
	if got != self {
		t.Errorf("Self: got %+v, want %+v", got, self)
	}
	for _, key := range []string{partner.ID, "Alpha CSIRT"} {
		got, err := os.Get(ctx, key)
		if err != nil || got != partner {
			t.Errorf("Get %q: got %+v, %v, want %+v", key, got, err, partner)
		}
	}
	_, err = os.Get(ctx, "nobody")
	wantErr(t, "Get unknown", err, store.ErrNotFound)

	list, err := os.List(ctx)
	must(t, "List", err)
	var names []string
	for _, o := range list {
		names = append(names, o.Name)
	}
	if want := "[Zeta CERT Alpha CSIRT Beta]"; fmt.Sprint(names) != want {
		t.Errorf("List: got %v, want %s (own first, then by name)", names, want)
	}
}

func testTokens(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, err := s.Orgs().Create(ctx, store.Org{Name: "A", Self: true})
	must(t, "Create org", err)
	b, err := s.Orgs().Create(ctx, store.Org{Name: "B"})
	must(t, "Create org", err)
	ts := s.Tokens()
	created := time.Date(2025, 3, 1, 12, 0, 0, 123456000, time.UTC)
	t1, err := ts.Create(ctx, store.Token{Hash: []byte("hash-1"), OrgID: a.ID, Role: "admin", Label: "first", CreatedAt: created})
	must(t, "Create", err)
	t2, err := ts.Create(ctx, store.Token{Hash: []byte("hash-2"), OrgID: b.ID, Role: "partner", CreatedAt: created.Add(time.Second), ExpiresAt: created.Add(time.Hour)})
	must(t, "Create", err)
	_, err = ts.Create(ctx, store.Token{Hash: []byte("hash-1"), OrgID: b.ID, Role: "reader"})
	wantErr(t, "Create same hash", err, store.ErrConflict)
	_, err = ts.Create(ctx, store.Token{ID: t1.ID, Hash: []byte("hash-3"), OrgID: b.ID, Role: "reader"})
	wantErr(t, "Create same id", err, store.ErrConflict)

	got, err := ts.ByHash(ctx, []byte("hash-2"))
	must(t, "ByHash", err)
	if !sameToken(got, t2) {
		t.Errorf("ByHash: got %+v, want %+v", got, t2)
	}
	_, err = ts.ByHash(ctx, []byte("nope"))
	wantErr(t, "ByHash unknown", err, store.ErrNotFound)

	all, err := ts.List(ctx, "")
	must(t, "List all", err)
	if len(all) != 2 {
		t.Errorf("List all: got %d tokens, want 2", len(all))
	}
	ofB, err := ts.List(ctx, b.ID)
	must(t, "List b", err)
	if len(ofB) != 1 || ofB[0].ID != t2.ID {
		t.Errorf("List b: got %+v, want only %s", ofB, t2.ID)
	}

	at := created.Add(2 * time.Hour)
	must(t, "Revoke", ts.Revoke(ctx, t1.ID, at))
	got, err = ts.ByHash(ctx, []byte("hash-1"))
	must(t, "ByHash revoked", err)
	if !got.RevokedAt.Equal(at) {
		t.Errorf("RevokedAt: got %v, want %v", got.RevokedAt, at)
	}
	wantErr(t, "Revoke unknown", ts.Revoke(ctx, store.NewUUID(), at), store.ErrNotFound)
}

func sameToken(a, b store.Token) bool {
	return a.ID == b.ID && string(a.Hash) == string(b.Hash) && a.OrgID == b.OrgID && a.Role == b.Role &&
		a.Label == b.Label && a.CreatedAt.Equal(b.CreatedAt) && a.ExpiresAt.Equal(b.ExpiresAt) &&
		a.RevokedAt.Equal(b.RevokedAt)
}

func testCollections(t *testing.T, s store.Store) {
	ctx := context.Background()
	cs := s.Collections()
	c1, err := cs.Create(ctx, store.Collection{Title: "Indicators", Alias: "ioc", Description: "d",
		MediaTypes: []string{"application/stix+json;version=2.1"}, Read: []string{"org-a"}, Write: []string{"org-b"}})
	must(t, "Create", err)
	if !stix.IsUUID(c1.ID) || c1.CreatedAt.IsZero() {
		t.Errorf("Create: got id %q created %v, want a generated UUID and time", c1.ID, c1.CreatedAt)
	}
	c2, err := cs.Create(ctx, store.Collection{ID: store.NewUUID(), Title: "Reports", CreatedAt: c1.CreatedAt.Add(time.Second)})
	must(t, "Create", err)

	_, err = cs.Create(ctx, store.Collection{Title: "x", Alias: "ioc"})
	wantErr(t, "Create same alias", err, store.ErrConflict)
	_, err = cs.Create(ctx, store.Collection{ID: c1.ID, Title: "x"})
	wantErr(t, "Create same id", err, store.ErrConflict)
	_, err = cs.Create(ctx, store.Collection{Title: "x", Alias: c2.ID})
	wantErr(t, "Create alias equal to an id", err, store.ErrConflict)

	for _, key := range []string{c1.ID, "ioc"} {
		got, err := cs.Get(ctx, key)
		must(t, "Get "+key, err)
		if fmt.Sprint(got) != fmt.Sprint(c1) || !got.CreatedAt.Equal(c1.CreatedAt) {
			t.Errorf("Get %q: got %+v, want %+v", key, got, c1)
		}
	}
	_, err = cs.Get(ctx, "nope")
	wantErr(t, "Get unknown", err, store.ErrNotFound)

	c2.Alias, c2.Title, c2.Read = "rep", "Reports 2", []string{"org-c"}
	must(t, "Update", cs.Update(ctx, c2))
	got, err := cs.Get(ctx, "rep")
	must(t, "Get updated", err)
	if got.Title != "Reports 2" || fmt.Sprint(got.Read) != "[org-c]" {
		t.Errorf("Get updated: got %+v, want title and read list changed", got)
	}
	c2.Alias = "ioc"
	wantErr(t, "Update to a taken alias", cs.Update(ctx, c2), store.ErrConflict)
	wantErr(t, "Update unknown", cs.Update(ctx, store.Collection{ID: store.NewUUID(), Title: "x"}), store.ErrNotFound)

	list, err := cs.List(ctx)
	must(t, "List", err)
	if len(list) != 2 || list[0].ID != c1.ID || list[1].ID != c2.ID {
		t.Errorf("List: got %+v, want c1 then c2", list)
	}
}
