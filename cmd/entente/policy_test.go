package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/entente/entente/internal/config"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/store"
)

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
	cfg := config.Default()
	cfg.Data, cfg.DefaultTLP = t.TempDir(), "clear"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	n, err := openNode(ctx, cfg, newLogger(cfg, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	c, err := n.collection(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := n.syncPolicy(ctx, true); err != nil {
		t.Fatal(err)
	}
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
