package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

func testAgreements(t *testing.T, s store.Store) {
	ctx := context.Background()
	as := s.Agreements()
	p1, err := s.Orgs().Create(ctx, store.Org{Name: "Partner One"})
	must(t, "Create org", err)
	p2, err := s.Orgs().Create(ctx, store.Org{Name: "Partner Two"})
	must(t, "Create org", err)

	wantErr(t, "Put for an unknown organisation", as.Put(ctx, store.Agreement{PartnerID: store.NewUUID()}), store.ErrNotFound)
	wantErr(t, "Put without partner", as.Put(ctx, store.Agreement{}), store.ErrInvalid)
	_, err = as.Get(ctx, p1.ID)
	wantErr(t, "Get before Put", err, store.ErrNotFound)
	wantErr(t, "Remove before Put", as.Remove(ctx, p1.ID), store.ErrNotFound)
	if l, err := as.List(ctx); err != nil || len(l) != 0 {
		t.Errorf("List of none: got %v, %v, want nothing", l, err)
	}

	at := time.Date(2026, 2, 3, 4, 5, 6, 789123000, time.UTC)
	full := store.Agreement{
		PartnerID: p1.ID, MaxTLP: stix.TLPAmber, ValidFrom: at, ValidUntil: at.AddDate(1, 0, 0),
		Types: []string{"indicator", "malware"}, ExcludeTypes: []string{"note"}, Labels: []string{"share"},
		ExcludeLabels: []string{"internal", "pii"}, Embargo: 36*time.Hour + 1, OnwardSharing: "community",
		PersonalData: "deny", UpdatedAt: at.Add(time.Minute),
	}
	must(t, "Put", as.Put(ctx, full))
	got, err := as.Get(ctx, p1.ID)
	must(t, "Get", err)
	if !sameAgreement(got, full) {
		t.Errorf("Get:\n got %+v\nwant %+v", got, full)
	}

	bare := store.Agreement{PartnerID: p2.ID, MaxTLP: stix.TLPGreen}
	must(t, "Put bare", as.Put(ctx, bare))
	got, err = as.Get(ctx, p2.ID)
	must(t, "Get bare", err)
	if got.UpdatedAt.IsZero() {
		t.Errorf("Get bare: UpdatedAt is zero, want the time of Put")
	}
	bare.UpdatedAt = got.UpdatedAt
	if !sameAgreement(got, bare) {
		t.Errorf("Get bare:\n got %+v\nwant %+v", got, bare)
	}

	changed := full
	changed.MaxTLP, changed.Types, changed.ValidUntil, changed.Embargo = stix.TLPClear, nil, time.Time{}, 0
	must(t, "Put again", as.Put(ctx, changed))
	list, err := as.List(ctx)
	must(t, "List", err)
	want := []store.Agreement{changed, bare}
	if p2.ID < p1.ID {
		want = []store.Agreement{bare, changed}
	}
	if len(list) != 2 || !sameAgreement(list[0], want[0]) || !sameAgreement(list[1], want[1]) {
		t.Errorf("List:\n got %+v\nwant %+v (replaced, by partner id)", list, want)
	}

	must(t, "Remove", as.Remove(ctx, p1.ID))
	_, err = as.Get(ctx, p1.ID)
	wantErr(t, "Get removed", err, store.ErrNotFound)
	wantErr(t, "Remove twice", as.Remove(ctx, p1.ID), store.ErrNotFound)
	if l, err := as.List(ctx); err != nil || len(l) != 1 || l[0].PartnerID != p2.ID {
		t.Errorf("List after Remove: got %+v, %v, want only %s", l, err, p2.ID)
	}
}

// sameAgreement compares agreements with times by instant and empty lists equal to nil.
func sameAgreement(a, b store.Agreement) bool {
	return a.PartnerID == b.PartnerID && a.MaxTLP == b.MaxTLP && a.ValidFrom.Equal(b.ValidFrom) &&
		a.ValidUntil.Equal(b.ValidUntil) && slices.Equal(a.Types, b.Types) && slices.Equal(a.ExcludeTypes, b.ExcludeTypes) &&
		slices.Equal(a.Labels, b.Labels) && slices.Equal(a.ExcludeLabels, b.ExcludeLabels) && a.Embargo == b.Embargo &&
		a.OnwardSharing == b.OnwardSharing && a.PersonalData == b.PersonalData && a.UpdatedAt.Equal(b.UpdatedAt)
}

func testShares(t *testing.T, s store.Store) {
	ctx := context.Background()
	ss := s.Shares()
	id := "indicator--" + store.NewUUID()
	wantShares := func(what, id string, want ...string) {
		t.Helper()
		got, err := ss.List(ctx, id)
		must(t, what+": List", err)
		if !slices.Equal(got, want) {
			t.Errorf("%s: got shares %v, want %v", what, got, want)
		}
	}
	wantShares("before any", id)
	must(t, "Add", ss.Add(ctx, id, []string{"org-b", "org-a"}))
	must(t, "Add again", ss.Add(ctx, id, []string{"org-b", "identity--c", "org-b"}))
	must(t, "Add none", ss.Add(ctx, id, nil))
	wantShares("after adds", id, "identity--c", "org-a", "org-b")
	wantErr(t, "Add empty recipient", ss.Add(ctx, id, []string{"org-d", ""}), store.ErrInvalid)
	wantErr(t, "Add without object", ss.Add(ctx, "", []string{"org-d"}), store.ErrInvalid)
	wantShares("after refused adds", id, "identity--c", "org-a", "org-b")

	// Shares named by the objects themselves join the list with the object, in its transaction.
	coll := newCollection(t, s)
	o1 := Obj(t, "malware", uuid("aaaa"), 1, "")
	o1v2 := Obj(t, "malware", o1.ID[len("malware--"):], 2, "")
	o2 := Obj(t, "malware", uuid("bbbb"), 1, "")
	must(t, "share before import", ss.Add(ctx, o1.ID, []string{"org-x"}))
	objs := add(o1, o2)
	objs[0].Shares = []string{"org-y", "org-x"}
	mustAdd(t, s, coll, objs, store.Accepted, store.Accepted)
	wantShares("object naming recipients", o1.ID, "org-x", "org-y")
	wantShares("object naming none", o2.ID)
	many, err := ss.ListMany(ctx, []string{o2.ID, o1.ID, id, o1.ID})
	must(t, "ListMany", err)
	wantMany := map[string][]string{o1.ID: {"org-x", "org-y"}, id: {"identity--c", "org-a", "org-b"}}
	if len(many) != len(wantMany) || !slices.Equal(many[o1.ID], wantMany[o1.ID]) || !slices.Equal(many[id], wantMany[id]) {
		t.Errorf("ListMany: got %v, want %v", many, wantMany)
	}
	if many, err := ss.ListMany(ctx, nil); err != nil || len(many) != 0 {
		t.Errorf("ListMany of none: got %v, %v", many, err)
	}
	ids := make([]string, 1000) // more than one statement's worth
	for i := range ids {
		ids[i] = "indicator--" + store.NewUUID()
	}
	ids[777] = o1.ID
	many, err = ss.ListMany(ctx, ids)
	must(t, "ListMany of 1000", err)
	if len(many) != 1 || !slices.Equal(many[o1.ID], wantMany[o1.ID]) {
		t.Errorf("ListMany of 1000: got %v", many)
	}

	dup := add(o1, o1v2)
	dup[0].Shares, dup[1].Shares = []string{"org-dup"}, []string{"org-v2"}
	mustAdd(t, s, coll, dup, store.Duplicate, store.Accepted)
	wantShares("duplicate and new version", o1.ID, "org-v2", "org-x", "org-y")

	broken := *Obj(t, "malware", uuid("cccc"), 1, "")
	broken.Raw = nil
	failing := add(Obj(t, "malware", uuid("dddd"), 1, ""), &broken)
	failing[0].Shares = []string{"org-z"}
	if _, err := s.Objects().Add(ctx, coll, failing); err == nil {
		t.Fatal("Add with an object the database refuses: got no error")
	}
	wantShares("failed batch", failing[0].Object.ID)

	bad := add(Obj(t, "malware", uuid("eeee"), 1, ""))
	bad[0].Shares = []string{""}
	_, err = s.Objects().Add(ctx, coll, bad)
	wantErr(t, "Add with an empty share", err, store.ErrInvalid)
}

// seal is a test seal function: SHA-256 over the previous hash and every field.
func seal(e *store.AuditEntry) {
	e.Hash = auditHash(*e)
}

func auditHash(e store.AuditEntry) []byte {
	h := sha256.New()
	h.Write(e.PrevHash)
	binary.Write(h, binary.BigEndian, e.Seq)
	binary.Write(h, binary.BigEndian, e.Time.UnixMicro())
	for _, f := range []string{e.Actor, e.Action, e.Path, e.Object, e.Decision, e.Detail} {
		fmt.Fprintf(h, "%d:%s", len(f), f)
	}
	return h.Sum(nil)
}

// scanAudit returns every entry after after.
func scanAudit(t *testing.T, s store.Store, after int64) []store.AuditEntry {
	t.Helper()
	var out []store.AuditEntry
	must(t, "Scan", s.Audit().Scan(context.Background(), after, func(e store.AuditEntry) error {
		out = append(out, e)
		return nil
	}))
	return out
}

// checkChain fails unless entries are 1…n without gaps, each sealed over the hash before it.
func checkChain(t *testing.T, entries []store.AuditEntry) {
	t.Helper()
	var prev []byte
	for i, e := range entries {
		if e.Seq != int64(i+1) {
			t.Fatalf("entry %d: got seq %d, want %d", i, e.Seq, i+1)
		}
		if !slices.Equal(e.PrevHash, prev) {
			t.Fatalf("entry %d: previous hash %x, want %x", e.Seq, e.PrevHash, prev)
		}
		if want := auditHash(e); !slices.Equal(e.Hash, want) {
			t.Fatalf("entry %d: hash %x does not match its content (%x)", e.Seq, e.Hash, want)
		}
		prev = e.Hash
	}
}

func testAudit(t *testing.T, s store.Store) {
	ctx := context.Background()
	al := s.Audit()
	if got := scanAudit(t, s, 0); len(got) != 0 {
		t.Errorf("Scan of an empty log: got %d entries", len(got))
	}
	at := time.Date(2026, 4, 5, 6, 7, 8, 123456789, time.UTC)
	var appended []store.AuditEntry
	for i, e := range []store.AuditEntry{
		{Time: at, Actor: "org:a token:b", Action: "read", Path: "taxii", Object: "indicator--1", Decision: "allow", Detail: `{"rule":"tlp-clear"}`},
		{Time: at.Add(time.Second), Actor: "cli", Action: "agreement.set", Path: "cli", Decision: "ok"},
		{Actor: "cli", Action: "share", Detail: "ünïcode ✓"},
	} {
		var saw store.AuditEntry
		got, err := al.Append(ctx, e, func(e *store.AuditEntry) { saw = *e; seal(e) })
		must(t, "Append", err)
		if saw.Seq != int64(i+1) || got.Seq != saw.Seq {
			t.Errorf("Append %d: seal saw seq %d, returned %d, want %d", i, saw.Seq, got.Seq, i+1)
		}
		if i > 0 && !slices.Equal(saw.PrevHash, appended[i-1].Hash) {
			t.Errorf("Append %d: seal saw previous hash %x, want %x", i, saw.PrevHash, appended[i-1].Hash)
		}
		if i == 0 && saw.PrevHash != nil {
			t.Errorf("first Append: seal saw previous hash %x, want none", saw.PrevHash)
		}
		if got.Time.IsZero() || got.Time.Nanosecond()%1000 != 0 {
			t.Errorf("Append %d: time %v, want set, in whole microseconds", i, got.Time)
		}
		appended = append(appended, got)
	}
	if head, err := s.Settings().Get(ctx, store.AuditHead); err != nil || head != "3" {
		t.Errorf("head after three appends: %q, %v; want 3", head, err)
	}
	stored := scanAudit(t, s, 0)
	checkChain(t, stored)
	if fmt.Sprint(stored) != fmt.Sprint(appended) {
		t.Errorf("Scan:\n got %+v\nwant what Append returned %+v", stored, appended)
	}
	if got := scanAudit(t, s, 2); len(got) != 1 || got[0].Seq != 3 {
		t.Errorf("Scan after 2: got %+v, want entry 3 alone", got)
	}
	stop := errors.New("stop")
	n := 0
	err := al.Scan(ctx, 0, func(store.AuditEntry) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Scan stopping at once: got %v after %d calls, want the callback's error after 1", err, n)
	}

	_, err = al.Append(ctx, store.AuditEntry{Actor: "x"}, nil)
	wantErr(t, "Append without seal", err, store.ErrInvalid)
	_, err = al.Append(ctx, store.AuditEntry{Actor: "x"}, func(*store.AuditEntry) {})
	wantErr(t, "Append with a seal that sets no hash", err, store.ErrInvalid)
	_, err = al.Append(ctx, store.AuditEntry{Actor: "x"}, func(e *store.AuditEntry) { seal(e); e.Seq = 1 })
	wantErr(t, "Append with a seal that moves the entry", err, store.ErrInvalid)
	if got := scanAudit(t, s, 0); len(got) != 3 {
		t.Errorf("after refused appends: got %d entries, want 3", len(got))
	}
	if head, err := s.Settings().Get(ctx, store.AuditHead); err != nil || head != "3" {
		t.Errorf("head after refused appends: %q, %v; want 3", head, err)
	}
}

// testAuditConcurrent appends from several goroutines at once, more entries than one page of
// Scan: the log must come out gap-free, in order, and chained.
func testAuditConcurrent(t *testing.T, s store.Store) {
	const workers, each = 4, 150
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				e := store.AuditEntry{Actor: fmt.Sprintf("worker %d", w), Action: "read", Detail: fmt.Sprint(i)}
				if _, err := s.Audit().Append(context.Background(), e, seal); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Append: %v", err)
	}
	got := scanAudit(t, s, 0)
	if len(got) != workers*each {
		t.Fatalf("Scan: got %d entries, want %d", len(got), workers*each)
	}
	checkChain(t, got)
}

// testSharedSince: entries Add makes are numbered in order and listed after a number, for the
// recipients asked; recipients an object names itself when stored are not listed.
func testSharedSince(t *testing.T, s store.Store) {
	ctx := context.Background()
	ss := s.Shares()
	p1, p2, p3 := store.NewUUID(), store.NewUUID(), store.NewUUID()
	x, y := "indicator--"+store.NewUUID(), "indicator--"+store.NewUUID()
	coll := newCollection(t, s)
	self := Obj(t, "indicator", uuid("eeee"), 1, "")
	mustAdd(t, s, coll, []store.NewObject{{Object: self, TLP: stix.TLPRed, Shares: []string{p1}}}, store.Accepted)
	if got, err := ss.SharedSince(ctx, []string{p1}, 0, 10); err != nil || len(got) != 0 {
		t.Errorf("a recipient the object named when stored: got %+v, %v; want none", got, err)
	}
	must(t, "Add", ss.Add(ctx, x, []string{p1, p2}))
	must(t, "Add", ss.Add(ctx, y, []string{p1}))
	must(t, "Add again", ss.Add(ctx, x, []string{p1})) // already there: no new entry
	must(t, "Add", ss.Add(ctx, y, []string{p3}))
	got, err := ss.SharedSince(ctx, []string{p1, p2}, 0, 10)
	must(t, "SharedSince", err)
	var pairs []string
	for i, e := range got {
		pairs = append(pairs, e.ObjectID+" "+e.Recipient)
		if i > 0 && e.Seq <= got[i-1].Seq {
			t.Errorf("numbers not increasing: %+v", got)
		}
	}
	if want := []string{x + " " + p1, x + " " + p2, y + " " + p1}; !slices.Equal(pairs, want) && !slices.Equal(pairs, []string{x + " " + p2, x + " " + p1, y + " " + p1}) {
		t.Errorf("SharedSince from the start: got %v, want %v", pairs, want)
	}
	if len(got) == 3 {
		rest, err := ss.SharedSince(ctx, []string{p1, p2}, got[1].Seq, 10)
		must(t, "SharedSince after", err)
		if len(rest) != 1 || rest[0].ObjectID != y {
			t.Errorf("SharedSince after the second: got %+v, want y's entry for p1", rest)
		}
		if one, _ := ss.SharedSince(ctx, []string{p1, p2}, 0, 1); len(one) != 1 || one[0] != got[0] {
			t.Errorf("SharedSince with limit 1: got %+v, want %+v", one, got[0])
		}
	}
	if got, err := ss.SharedSince(ctx, []string{p3}, 0, 10); err != nil || len(got) != 1 || got[0].ObjectID != y {
		t.Errorf("SharedSince for p3: got %+v, %v", got, err)
	}
}
