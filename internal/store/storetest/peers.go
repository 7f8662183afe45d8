package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

func testPeers(t *testing.T, s store.Store) {
	ctx := context.Background()
	ps := s.Peers()
	org, err := s.Orgs().Create(ctx, store.Org{Name: "Partner"})
	must(t, "Create org", err)
	coll, err := s.Collections().Create(ctx, store.Collection{Title: "c"})
	must(t, "Create collection", err)

	invalid := []store.Peer{
		{OrgID: org.ID, URL: "http://x/"},
		{Name: "n", URL: "http://x/"},
		{Name: "n", OrgID: org.ID},
		{Name: "n", OrgID: org.ID, URL: "http://x/", RequireSignatures: true},
	}
	for i, p := range invalid {
		_, err := ps.Create(ctx, p)
		wantErr(t, "Create invalid peer "+string(rune('0'+i)), err, store.ErrInvalid)
	}
	_, err = ps.Create(ctx, store.Peer{Name: "n", OrgID: store.NewUUID(), URL: "http://x/"})
	wantErr(t, "Create with unknown organisation", err, store.ErrNotFound)

	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	full := store.Peer{
		Name: "alpha", OrgID: org.ID, URL: "https://alpha.example/taxii2/root/", Token: "secret",
		Pull: []string{"a", "b"}, Push: "inbox", Collection: coll.ID, PublicKey: "key", RequireSignatures: true,
		IdentityID: "identity--6f6a4e4c-3c89-4e5a-9a2c-0d1b1d7d7c1e", CreatedAt: at,
	}
	p, err := ps.Create(ctx, full)
	must(t, "Create", err)
	if p.ID == "" {
		t.Fatalf("Create: no id generated")
	}
	full.ID = p.ID
	for _, key := range []string{p.ID, "alpha"} {
		got, err := ps.Get(ctx, key)
		must(t, "Get "+key, err)
		if !reflect.DeepEqual(got, full) {
			t.Errorf("Get %s:\n got %+v\nwant %+v", key, got, full)
		}
	}
	_, err = ps.Create(ctx, store.Peer{Name: "alpha", OrgID: org.ID, URL: "http://x/"})
	wantErr(t, "Create with a taken name", err, store.ErrConflict)
	bare, err := ps.Create(ctx, store.Peer{Name: "beta", OrgID: org.ID, URL: "http://beta/"})
	must(t, "Create bare", err)
	if bare.Pull != nil || bare.CreatedAt.IsZero() {
		t.Errorf("Create bare: got pull %v, created %v, want nil and a time", bare.Pull, bare.CreatedAt)
	}
	l, err := ps.List(ctx)
	must(t, "List", err)
	if len(l) != 2 || l[0].Name != "alpha" || l[1].Name != "beta" {
		t.Errorf("List: got %d peers %v, want alpha and beta", len(l), l)
	}
	_, err = ps.Get(ctx, "gamma")
	wantErr(t, "Get unknown", err, store.ErrNotFound)

	// Cursors.
	_, err = ps.Cursor(ctx, p.ID, store.Pull, "a")
	wantErr(t, "Cursor before SetCursor", err, store.ErrNotFound)
	c := store.Cursor{PeerID: p.ID, Direction: store.Pull, Collection: "a", Position: 42, State: "s", UpdatedAt: at}
	must(t, "SetCursor", ps.SetCursor(ctx, c))
	c.Position = 43
	must(t, "SetCursor again", ps.SetCursor(ctx, c))
	must(t, "SetCursor push", ps.SetCursor(ctx, store.Cursor{PeerID: p.ID, Direction: store.Push, Collection: "a", Position: 7}))
	got, err := ps.Cursor(ctx, p.ID, store.Pull, "a")
	must(t, "Cursor", err)
	if got != c {
		t.Errorf("Cursor: got %+v, want %+v", got, c)
	}
	wantErr(t, "SetCursor of an unknown peer", ps.SetCursor(ctx, store.Cursor{PeerID: store.NewUUID(), Direction: store.Pull, Collection: "a"}), store.ErrNotFound)

	// Status.
	st, err := ps.Status(ctx, p.ID)
	must(t, "Status before rounds", err)
	if st != (store.PeerStatus{PeerID: p.ID}) {
		t.Errorf("Status before rounds: got %+v, want zero", st)
	}
	t1, t2, t3 := at.Add(time.Second), at.Add(2*time.Second), at.Add(3*time.Second)
	must(t, "Record pull", ps.Record(ctx, p.ID, store.PeerEvent{Direction: store.Pull, At: t1, In: 10, CaughtUp: false}))
	must(t, "Record push error", ps.Record(ctx, p.ID, store.PeerEvent{Direction: store.Push, At: t2, Err: "boom", Rejected: 1}))
	must(t, "Record push", ps.Record(ctx, p.ID, store.PeerEvent{Direction: store.Push, At: t3, Out: 5, CaughtUp: true}))
	st, err = ps.Status(ctx, p.ID)
	must(t, "Status", err)
	want := store.PeerStatus{PeerID: p.ID, LastSuccess: t3, LastError: "boom", LastErrorAt: t2, PullBehindSince: t1,
		ObjectsIn: 10, ObjectsOut: 5, Rejected: 1}
	if st != want {
		t.Errorf("Status:\n got %+v\nwant %+v", st, want)
	}
	wantErr(t, "Record for an unknown peer", ps.Record(ctx, store.NewUUID(), store.PeerEvent{Direction: store.Pull, At: t1}), store.ErrNotFound)
	_, err = ps.Status(ctx, store.NewUUID())
	wantErr(t, "Status of an unknown peer", err, store.ErrNotFound)

	// Leases.
	lease := []struct {
		holder     string
		now, until time.Time
		want       bool
	}{
		{"p1", t1, t1.Add(30 * time.Second), true},
		{"p2", t2, t2.Add(30 * time.Second), false}, // p1 holds it
		{"p1", t2, t2.Add(30 * time.Second), true},  // renewal
		{"p2", t2.Add(29 * time.Second), t2.Add(59 * time.Second), false},
		{"p2", t2.Add(32 * time.Second), t2.Add(62 * time.Second), true}, // expired
		{"p1", t2.Add(33 * time.Second), t2.Add(63 * time.Second), false},
	}
	for i, l := range lease {
		got, err := ps.Lease(ctx, p.ID, l.holder, l.now, l.until)
		must(t, "Lease", err)
		if got != l.want {
			t.Errorf("Lease %d by %s: got %v, want %v", i, l.holder, got, l.want)
		}
	}

	// Watermark follows Add.
	w0, err := ps.Watermark(ctx)
	must(t, "Watermark", err)
	o, err := stix.Decode([]byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '10.0.0.1']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}`))
	must(t, "Decode", err)
	_, err = s.Objects().Add(ctx, coll.ID, []store.NewObject{{Object: o}})
	must(t, "Add", err)
	w1, err := ps.Watermark(ctx)
	must(t, "Watermark after Add", err)
	if w1 <= w0 {
		t.Errorf("Watermark after Add: got %d, want more than %d", w1, w0)
	}
	// and follows the naming of a recipient on a stored object.
	must(t, "Shares.Add", s.Shares().Add(ctx, o.ID, []string{store.NewUUID()}))
	if w2, err := ps.Watermark(ctx); err != nil || w2 == w1 {
		t.Errorf("Watermark after a share: got %d, %v; want a change from %d", w2, err, w1)
	}

	// Remove takes cursors and status along.
	must(t, "Remove", ps.Remove(ctx, p.ID))
	wantErr(t, "Remove again", ps.Remove(ctx, p.ID), store.ErrNotFound)
	_, err = ps.Cursor(ctx, p.ID, store.Pull, "a")
	wantErr(t, "Cursor after Remove", err, store.ErrNotFound)
	_, err = ps.Get(ctx, p.ID)
	wantErr(t, "Get after Remove", err, store.ErrNotFound)
}
