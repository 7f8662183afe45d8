package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/entente/entente/internal/config"
	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/store"
)

// policyNode opens a node in a new data directory with the given default TLP, its objects
// classified under it, and returns it with its default collection.
func policyNode(t *testing.T, defaultTLP string) (*node, store.Collection) {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Data, cfg.DefaultTLP = t.TempDir(), defaultTLP
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	n, err := openNode(ctx, cfg, newLogger(cfg, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	if err := n.syncPolicy(ctx, true); err != nil {
		t.Fatal(err)
	}
	c, err := n.collection(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	return n, c
}

// failingFacts is a store whose SetFacts fails, as a process stopped half way through.
type failingFacts struct{ store.Store }

func (s failingFacts) Objects() store.ObjectStore { return failingObjects{s.Store.Objects()} }

type failingObjects struct{ store.ObjectStore }

func (failingObjects) SetFacts(context.Context, string, []store.StoredFacts) error {
	return errors.New("stopped")
}

// TestReclassificationMarksItsStart: while serve reclassifies, the setting names no
// configuration, so that a reclassification that fails (or a process that stops) half way is
// done again at the next start whatever its configuration, and the old setting is never left
// describing rows already rewritten.
func TestReclassificationMarksItsStart(t *testing.T) {
	ctx := context.Background()
	n, c := policyNode(t, "clear")
	if _, err := n.ingester().Add(ctx, c.ID, [][]byte{[]byte(validIndicator)}, store.Provenance{OrgID: n.self.ID}); err != nil {
		t.Fatal(err)
	}

	n.cfg.DefaultTLP = "amber+strict"
	real := n.store
	n.store = failingFacts{real}
	if err := n.syncPolicy(ctx, true); err == nil {
		t.Fatal("syncPolicy succeeded although SetFacts failed")
	}
	n.store = real
	got, err := real.Settings().Get(ctx, policy.ConfigSetting)
	if err != nil || !strings.HasPrefix(got, reclassifying) {
		t.Fatalf("setting after a failed reclassification: %q, %v; want it to name none", got, err)
	}
	n.cfg.DefaultTLP = "clear" // even back under the first configuration, everything is classified again
	if err := n.syncPolicy(ctx, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := real.Settings().Get(ctx, policy.ConfigSetting); got != "default_tlp=clear" {
		t.Errorf("setting after finishing: %q", got)
	}
}

// TestStaleProcessStoresNothing: when another process reclassified the node's objects under
// another configuration, this one notices, stores nothing and says why, until the node's
// configuration is its own again.
func TestStaleProcessStoresNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, c := policyNode(t, "amber+strict")
	go n.watchPolicy(ctx, 10*time.Millisecond)
	until := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting until %s", what)
			}
		}
	}
	if err := n.store.Settings().Set(ctx, policy.ConfigSetting, "default_tlp=clear"); err != nil {
		t.Fatal(err)
	}
	until("the process notices", func() bool { return n.policyErr() != nil })
	_, err := n.ingester().Add(ctx, c.ID, [][]byte{[]byte(validIndicator)}, store.Provenance{OrgID: n.self.ID})
	if !errors.Is(err, ingest.ErrRefused) || !strings.Contains(err.Error(), "default_tlp=clear") {
		t.Errorf("Add while stale: %v, want a refusal naming the node's configuration", err)
	}
	if k, _ := n.store.Objects().Count(ctx, c.ID); k != 0 {
		t.Errorf("stored %d objects while stale", k)
	}
	if err := n.store.Settings().Set(ctx, policy.ConfigSetting, n.policyConfig().Fingerprint()); err != nil {
		t.Fatal(err)
	}
	until("the process stores again", func() bool { return n.policyErr() == nil })
	if _, err := n.ingester().Add(ctx, c.ID, [][]byte{[]byte(validIndicator)}, store.Provenance{OrgID: n.self.ID}); err != nil {
		t.Errorf("Add after: %v", err)
	}
}
