package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/entente/entente/internal/auth"
	"github.com/entente/entente/internal/config"
	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/opendata"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/postgres"
	"github.com/entente/entente/internal/sqlite"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
	"github.com/entente/entente/internal/web"
)

// DefaultCollection is the alias of the collection created on first start, used when a command
// names none.
const DefaultCollection = "default"

// node is an opened data directory and store, bootstrapped.
type node struct {
	cfg   config.Config
	log   *slog.Logger
	store store.Store
	self  store.Org
	// newAdminToken is the first admin token when this start created it, "" otherwise.
	newAdminToken string
	// ui is the web interface once handler built it; its follower keeps the dashboard's counts
	// and the full-text index.
	ui *web.UI
	// od is the open data handler once handler built it; its follower keeps the statistics.
	od *opendata.Handler
	// ingest tracks every ingester's stores, so that the full-text indexer gives way to them.
	ingest ingest.Activity
	// stale holds why this process must not classify objects (watchPolicy), nil when it may.
	stale atomic.Pointer[error]
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openNode opens the configured store, applying migrations, and on first start creates the own
// organisation, the default collection and the first admin token.
func openNode(ctx context.Context, cfg config.Config, log *slog.Logger) (*node, error) {
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	var st store.Store
	var err error
	if path, ok := cfg.SQLitePath(); ok {
		st, err = sqlite.Open(ctx, path, log)
	} else {
		st, err = postgres.Open(ctx, cfg.DB, log)
	}
	if err != nil {
		return nil, fmt.Errorf("opening the database: %w", err)
	}
	n := &node{cfg: cfg, log: log, store: st}
	if err := n.bootstrap(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("first start: %w", err)
	}
	return n, nil
}

func (n *node) Close() error { return n.store.Close() }

func (n *node) bootstrap(ctx context.Context) error {
	self, err := n.store.Orgs().Self(ctx)
	if errors.Is(err, store.ErrNotFound) {
		self, err = n.store.Orgs().Create(ctx, store.Org{
			Name: n.cfg.OrgName, Self: true, IdentityID: stix.NewID("identity"), CreatedAt: time.Now().UTC(),
		})
		if errors.Is(err, store.ErrConflict) { // another process started at the same moment
			self, err = n.store.Orgs().Self(ctx)
		}
	}
	if err != nil {
		return fmt.Errorf("own organisation: %w", err)
	}
	n.self = self
	if _, err := n.store.Collections().Get(ctx, DefaultCollection); errors.Is(err, store.ErrNotFound) {
		_, err = n.store.Collections().Create(ctx, store.Collection{
			Alias: DefaultCollection, Title: "Default collection",
			Description: "Objects imported or created without naming a collection.",
			CreatedAt:   time.Now().UTC(),
		})
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("default collection: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("default collection: %w", err)
	}
	secret := strings.TrimSpace(n.cfg.AdminToken)
	if secret == "" {
		secret = auth.NewSecret()
	}
	first, err := n.store.Settings().SetIfAbsent(ctx, "bootstrap.admin_token", time.Now().UTC().Format(time.RFC3339))
	if err != nil {
		return fmt.Errorf("admin token: %w", err)
	}
	if !first {
		return nil
	}
	if _, err := n.store.Tokens().Create(ctx, store.Token{
		Hash: auth.Hash(secret), OrgID: self.ID, Role: auth.RoleAdmin, Label: "first admin token", CreatedAt: time.Now().UTC(),
	}); err != nil {
		return fmt.Errorf("admin token: %w", err)
	}
	if err := os.WriteFile(filepath.Join(n.cfg.Data, "admin.token"), []byte(secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("writing admin.token: %w", err)
	}
	n.newAdminToken = secret
	return nil
}

func (n *node) defaultTLP() stix.TLP {
	t, ok := stix.ParseTLP(n.cfg.DefaultTLP)
	if !ok {
		return stix.TLPAmberStrict
	}
	return t
}

func (n *node) ingester() *ingest.Ingester {
	return &ingest.Ingester{Objects: n.store.Objects(), Policy: n.policyConfig(), Logger: n.log, Activity: &n.ingest, Guard: n.policyErr}
}

// policyErr is the reason this process must not classify objects, nil when it may: set by
// watchPolicy when the node's objects are classified under another configuration than this
// process's (another process on the same database reclassified them).
func (n *node) policyErr() error {
	if p := n.stale.Load(); p != nil {
		return *p
	}
	return nil
}

// watchPolicy compares, every interval until ctx ends, the configuration the node's objects are
// classified under with this process's. While they differ, the process stores nothing (its
// ingesters' Guard) and /readyz says why, so that a load balancer stops sending it work: a
// process still running an old default TLP would otherwise store unmarked objects under it
// after another process reclassified everything under the new one.
func (n *node) watchPolicy(ctx context.Context, interval time.Duration) {
	want := n.policyConfig().Fingerprint()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		had, err := n.store.Settings().Get(ctx, policy.ConfigSetting)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				n.log.Warn("reading the node's policy configuration", "err", err)
			}
		case had == want:
			if n.stale.Swap(nil) != nil {
				n.log.Info("the node's objects are classified under this process's policy configuration again", "config", want)
			}
		default:
			err := fmt.Errorf("the node's objects are classified under %q, this process runs with %q: restart it with the node's default TLP", had, want)
			if n.stale.Swap(&err) == nil {
				n.log.Error("this process stores nothing until it runs with the node's policy configuration", "node", had, "process", want)
			}
		}
	}
}

// policyConfig is the sharing policy's configuration: the TLP of unmarked objects.
func (n *node) policyConfig() policy.Config {
	return policy.Config{DefaultTLP: n.defaultTLP()}
}

// reclassifying prefixes the policy configuration setting while serve reclassifies the stored
// objects under the configuration that follows it.
const reclassifying = "reclassifying to "

// syncPolicy makes sure the stored facts of every object version (effective TLP, granular
// levels) were computed under this process's policy configuration, which the setting
// policy.ConfigSetting records. When no configuration is recorded (a new store, or one written
// before the setting existed) it classifies every stored version and records it. When another
// one is recorded, serve (mayChange) reclassifies every version before it delivers anything:
// with a raised default, an unmarked object stored as TLP:CLEAR would otherwise go on reaching
// the public and every partner. Other commands refuse instead, so that a command run with a
// different --default-tlp than the node's never reclassifies the objects a running node serves;
// they also refuse while a reclassification is under way or was interrupted, which only serve
// finishes.
func (n *node) syncPolicy(ctx context.Context, mayChange bool) error {
	cfg := n.policyConfig()
	want := cfg.Fingerprint()
	had, err := n.store.Settings().Get(ctx, policy.ConfigSetting)
	if errors.Is(err, store.ErrNotFound) {
		had = ""
	} else if err != nil {
		return fmt.Errorf("policy configuration: %w", err)
	}
	if had == want {
		return nil
	}
	pending, interrupted := strings.CutPrefix(had, reclassifying)
	switch {
	case interrupted && !mayChange:
		return usageError("the node's stored objects are being reclassified under %q, or were when it stopped: "+
			"start `entente serve`, which finishes it before it serves", pending)
	case had != "" && !mayChange:
		return usageError("the node's stored objects are classified under %q, this command runs with %q: "+
			"give it the node's --default-tlp, or restart `entente serve` with the new one, which reclassifies every stored object before it serves", had, want)
	}
	start := time.Now()
	if had != "" {
		n.log.Warn("the sharing policy's configuration changed: reclassifying every stored object version before serving",
			"from", had, "to", want)
		// Until the end, the setting names no configuration: a process stopped half way
		// through leaves some versions classified under each, and whatever configuration the
		// next start has, it must classify all of them again.
		if err := n.store.Settings().Set(ctx, policy.ConfigSetting, reclassifying+want); err != nil {
			return fmt.Errorf("policy configuration: %w", err)
		}
	}
	last := start
	res, err := cfg.Recompute(ctx, n.store, func(checked int) {
		if time.Since(last) >= 10*time.Second {
			last = time.Now()
			n.log.Info("reclassifying stored objects", "checked", checked)
		}
	})
	if err != nil {
		return fmt.Errorf("reclassifying stored objects under %q: %w", want, err)
	}
	if err := n.store.Settings().Set(ctx, policy.ConfigSetting, want); err != nil {
		return fmt.Errorf("policy configuration: %w", err)
	}
	if res.Checked > 0 {
		lvl := slog.LevelInfo
		if res.Changed > 0 || res.Undecodable > 0 {
			lvl = slog.LevelWarn
		}
		n.log.Log(ctx, lvl, "stored objects classified under the sharing policy's configuration", "config", want,
			"checked", res.Checked, "changed", res.Changed, "undecodable", res.Undecodable,
			"took", time.Since(start).Round(time.Millisecond).String())
	}
	return nil
}

// withPolicyNode is withNode for a command that classifies or delivers objects: it runs fn only
// when the stored facts were computed under the command's policy configuration (syncPolicy).
func withPolicyNode(ctx context.Context, e *env, f *flagSet, args []string, fn func(n *node) error) error {
	return withNode(ctx, e, f, args, func(n *node) error {
		if err := n.syncPolicy(ctx, false); err != nil {
			return err
		}
		return fn(n)
	})
}

// gate is the policy decision point of every read path.
func (n *node) gate() *policy.Gate {
	return &policy.Gate{Store: n.store, Config: n.policyConfig(), Own: n.self.ID}
}

// collection resolves a collection given by id or alias, or the default one.
func (n *node) collection(ctx context.Context, idOrAlias string) (store.Collection, error) {
	if idOrAlias == "" {
		idOrAlias = DefaultCollection
	}
	c, err := n.store.Collections().Get(ctx, idOrAlias)
	if errors.Is(err, store.ErrNotFound) {
		return c, fmt.Errorf("no collection %q (see 'entente collection list')", idOrAlias)
	}
	return c, err
}

// org resolves ORG as the contract defines it: an id, a unique name, or "self".
func (n *node) org(ctx context.Context, ref string) (store.Org, error) {
	if ref == "self" {
		return n.self, nil
	}
	o, err := n.store.Orgs().Get(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return o, fmt.Errorf("no organisation %q (see 'entente org list')", ref)
	}
	return o, err
}

// withNode parses flags, opens the node and runs fn with it.
func withNode(ctx context.Context, e *env, f *flagSet, args []string, fn func(n *node) error) error {
	cfg, err := f.parse(args)
	if err != nil {
		return err
	}
	// Commands other than serve say only what goes wrong, unless asked for more.
	if cfg.LogLevel == "info" {
		cfg.LogLevel = "warn"
	}
	n, err := openNode(ctx, cfg, newLogger(cfg, e.stderr))
	if err != nil {
		return err
	}
	defer n.Close()
	if n.newAdminToken != "" {
		fmt.Fprintf(e.stderr, "First start: created the own organisation %q and the first admin token (also in %s):\n%s\n",
			n.self.Name, filepath.Join(cfg.Data, "admin.token"), n.newAdminToken)
	}
	return fn(n)
}
