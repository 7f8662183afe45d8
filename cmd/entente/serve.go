package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/entente/entente/internal/api"
	"github.com/entente/entente/internal/audit"
	"github.com/entente/entente/internal/auth"
	"github.com/entente/entente/internal/opendata"
	"github.com/entente/entente/internal/server"
	"github.com/entente/entente/internal/taxii"
)

func cmdServe(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "serve", "")
	cfg, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(f.positional) > 0 {
		return usageError("serve takes no arguments, only flags")
	}
	if err := cfg.CheckListen(); err != nil {
		return usageError("%v", err)
	}
	log := newLogger(cfg, e.stderr)
	n, err := openNode(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer n.Close()
	if n.newAdminToken != "" {
		fmt.Fprintf(e.stdout, "First start: created the own organisation %q.\nThe first admin token is shown this once (also written to %s):\n%s\n",
			n.self.Name, filepath.Join(cfg.Data, "admin.token"), n.newAdminToken)
	}
	if err := n.syncPolicy(ctx, true); err != nil {
		return err
	}
	fed, err := n.federated(ctx)
	if err != nil {
		return err
	}
	h, err := n.handler(ctx, fed)
	if err != nil {
		return err
	}
	go n.housekeeping(ctx)
	defer fed.start(ctx)() // federation workers, stopped before the store closes
	return server.Serve(ctx, h, server.Options{
		Addr: cfg.Addr, TLSCert: cfg.TLSCert, TLSKey: cfg.TLSKey, ShutdownTimeout: cfg.ShutdownTimeout, Logger: log,
	})
}

// policyWatchEvery is how often serve checks that the node's objects are still classified under
// its policy configuration (watchPolicy).
const policyWatchEvery = 10 * time.Second

// handler assembles the node's HTTP surfaces.
func (n *node) handler(ctx context.Context, fed *federated) (http.Handler, error) {
	key, err := n.secret(ctx, "taxii.cursor_key")
	if err != nil {
		return nil, err
	}
	authn := &auth.Authenticator{Tokens: n.store.Tokens(), SelfOrg: n.self.ID}
	ts := taxii.NewServer(n.store, n.gate(), &audit.Log{Store: n.store}, authn, fed.ingester, key, taxii.Config{
		Title:            n.self.Name + " (Entente)",
		Description:      "Threat intelligence shared under TLP 2.0 and the partners' sharing agreements.",
		Contact:          n.self.Contact,
		BaseURL:          n.cfg.BaseURL,
		MaxContentLength: n.cfg.MaxContentLength,
	}, n.log)
	ts.SetFederation(fed.signer, fed.trust)
	apiH := api.New(api.Deps{Store: n.store, Auth: authn, Gate: n.gate(), Audit: &audit.Log{Store: n.store}, Logger: n.log})
	index, err := n.enableDetection(ctx, apiH)
	if err != nil {
		return nil, err
	}
	ui, err := n.webUI(ctx, index)
	if err != nil {
		return nil, err
	}
	n.ui = ui
	go ui.Follow(ctx)
	od := opendata.New(opendata.Deps{Store: n.store, Gate: n.gate(), BaseURL: n.cfg.BaseURL, PageSize: n.cfg.OpenDataPageSize, Logger: n.log, RefreshEvery: 5 * time.Second})
	n.od = od
	go od.Follow(ctx)
	go n.watchPolicy(ctx, policyWatchEvery)
	ready := func() error {
		if index.Loading() {
			return errors.New("the indicator index is still loading")
		}
		return n.policyErr()
	}
	return server.Handler(server.Deps{Store: n.store, Logger: n.log, Ready: ready, Mounts: map[string]http.Handler{
		"/":        ui,
		"/taxii2/": ts.Handler(),
		"/api/v1/": apiH,

		"/opendata/": od,
		"/metrics":   server.BearerOnly(n.cfg.MetricsToken, fed.metrics),
	}}), nil
}

// secret returns a node-wide random secret, creating it once; every process on the same database
// shares it.
func (n *node) secret(ctx context.Context, name string) ([]byte, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	if _, err := n.store.Settings().SetIfAbsent(ctx, name, hex.EncodeToString(b[:])); err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	v, err := n.store.Settings().Get(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	return hex.DecodeString(v)
}

// housekeeping prunes what the node keeps only for a while: TAXII status resources after 48 hours.
func (n *node) housekeeping(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if k, err := n.store.PruneStatuses(ctx, time.Now().Add(-48*time.Hour)); err != nil && !errors.Is(err, context.Canceled) {
			n.log.Warn("pruning TAXII statuses", "err", err)
		} else if k > 0 {
			n.log.Info("pruned TAXII statuses", "count", k)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
