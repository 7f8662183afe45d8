package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/entente/entente/internal/store"
)

// testSignInFailures: failures count up within the window and start again after it, survive
// another process's view (the same store), are cleared per key and pruned by age.
func testSignInFailures(t *testing.T, s store.Store) {
	ctx := context.Background()
	us := s.Users()
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	window := 15 * time.Minute
	fail := func(key string, at time.Time) int {
		t.Helper()
		n, err := us.SignInFailed(ctx, key, at, window)
		must(t, "SignInFailed", err)
		return n
	}
	if n, last, err := us.SignInFailures(ctx, "name:ann"); err != nil || n != 0 || !last.IsZero() {
		t.Errorf("failures of a key never seen: %d %v %v", n, last, err)
	}
	for i := 1; i <= 3; i++ {
		if n := fail("name:ann", at.Add(time.Duration(i)*time.Minute)); n != i {
			t.Errorf("failure %d: count %d", i, n)
		}
	}
	if n, last, err := us.SignInFailures(ctx, "name:ann"); err != nil || n != 3 || !last.Equal(at.Add(3*time.Minute)) {
		t.Errorf("after three failures: %d %v %v", n, last, err)
	}
	if n := fail("addr:192.0.2.1", at); n != 1 {
		t.Errorf("another key's first failure: count %d", n)
	}
	if n := fail("name:ann", at.Add(3*time.Minute+window)); n != 1 {
		t.Errorf("a failure a window after the last: count %d, want 1", n)
	}
	must(t, "ClearSignInFailures", us.ClearSignInFailures(ctx, "name:ann"))
	if n, _, err := us.SignInFailures(ctx, "name:ann"); err != nil || n != 0 {
		t.Errorf("after clearing: %d %v", n, err)
	}
	fail("name:bob", at.Add(time.Hour))
	n, err := us.PruneSignInFailures(ctx, at.Add(time.Minute))
	must(t, "PruneSignInFailures", err)
	if n != 1 {
		t.Errorf("PruneSignInFailures: %d removed, want the address's one", n)
	}
	if n, _, _ := us.SignInFailures(ctx, "name:bob"); n != 1 {
		t.Errorf("a recent failure was pruned")
	}
}
