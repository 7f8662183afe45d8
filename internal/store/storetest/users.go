package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/entente/entente/internal/store"
)

func testUsers(t *testing.T, s store.Store) {
	ctx := context.Background()
	org, err := s.Orgs().Create(ctx, store.Org{Name: "A", Self: true})
	must(t, "Create org", err)
	us := s.Users()
	created := time.Date(2025, 3, 1, 12, 0, 0, 123456000, time.UTC)
	ann, err := us.Create(ctx, store.User{Name: "ann", OrgID: org.ID, Role: "analyst", PasswordHash: "h1", CreatedAt: created})
	must(t, "Create", err)
	_, err = us.Create(ctx, store.User{Name: "ann", OrgID: org.ID, Role: "reader", PasswordHash: "h2"})
	wantErr(t, "Create same name", err, store.ErrConflict)
	_, err = us.Create(ctx, store.User{Name: "bob", OrgID: "no-such-org", Role: "reader", PasswordHash: "h2"})
	wantErr(t, "Create unknown org", err, store.ErrInvalid)
	for _, u := range []store.User{
		{OrgID: org.ID, Role: "reader", PasswordHash: "h"},
		{Name: "x", OrgID: org.ID, Role: "reader"},
		{Name: "x", OrgID: org.ID, PasswordHash: "h"},
	} {
		_, err = us.Create(ctx, u)
		wantErr(t, "Create incomplete", err, store.ErrInvalid)
	}
	for _, key := range []string{ann.ID, "ann"} {
		got, err := us.Get(ctx, key)
		must(t, "Get", err)
		if got != ann {
			t.Errorf("Get(%q): got %+v, want %+v", key, got, ann)
		}
	}
	_, err = us.Get(ctx, "nobody")
	wantErr(t, "Get unknown", err, store.ErrNotFound)
	must(t, "SetPassword", us.SetPassword(ctx, ann.ID, "h3"))
	if got, _ := us.Get(ctx, "ann"); got.PasswordHash != "h3" {
		t.Errorf("after SetPassword: got hash %q, want h3", got.PasswordHash)
	}
	wantErr(t, "SetPassword unknown", us.SetPassword(ctx, "nobody", "h"), store.ErrNotFound)
	all, err := us.List(ctx)
	must(t, "List", err)
	if len(all) != 1 || all[0].Name != "ann" {
		t.Errorf("List: got %+v, want ann only", all)
	}

	live := store.Session{Hash: []byte("s1"), UserID: ann.ID, CSRF: "c1", Lang: "de", CreatedAt: created, ExpiresAt: created.Add(time.Hour)}
	old := store.Session{Hash: []byte("s2"), UserID: ann.ID, CSRF: "c2", CreatedAt: created, ExpiresAt: created.Add(time.Minute)}
	must(t, "CreateSession", us.CreateSession(ctx, live))
	must(t, "CreateSession", us.CreateSession(ctx, old))
	wantErr(t, "CreateSession same hash", us.CreateSession(ctx, live), store.ErrConflict)
	wantErr(t, "CreateSession unknown user", us.CreateSession(ctx, store.Session{Hash: []byte("s3"), UserID: "nobody", CreatedAt: created, ExpiresAt: created}), store.ErrInvalid)
	got, err := us.Session(ctx, []byte("s1"))
	must(t, "Session", err)
	if string(got.Hash) != "s1" || got.UserID != ann.ID || got.CSRF != "c1" || got.Lang != "de" || !got.CreatedAt.Equal(live.CreatedAt) || !got.ExpiresAt.Equal(live.ExpiresAt) {
		t.Errorf("Session: got %+v, want %+v", got, live)
	}
	n, err := us.PruneSessions(ctx, created.Add(30*time.Minute))
	must(t, "PruneSessions", err)
	if n != 1 {
		t.Errorf("PruneSessions: got %d removed, want 1", n)
	}
	_, err = us.Session(ctx, []byte("s2"))
	wantErr(t, "Session pruned", err, store.ErrNotFound)
	must(t, "DeleteSession", us.DeleteSession(ctx, []byte("s1")))
	must(t, "DeleteSession again", us.DeleteSession(ctx, []byte("s1")))
	_, err = us.Session(ctx, []byte("s1"))
	wantErr(t, "Session deleted", err, store.ErrNotFound)
}
