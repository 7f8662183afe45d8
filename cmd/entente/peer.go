package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/entente/entente/internal/audit"
	"github.com/entente/entente/internal/federation"
	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/store"
	"github.com/entente/entente/internal/taxii"
)

func cmdPeer(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageError("peer: use 'peer add …', 'peer list', 'peer remove NAME' or 'peer status [--json]'")
	}
	switch args[0] {
	case "add":
		f := newFlags(e, "peer add", "")
		name := f.String("name", "", "peer name (unique)")
		org := f.String("org", "", "the partner organisation the peer belongs to (id or name)")
		u := f.String("url", "", "the peer's TAXII 2.1 API root, e.g. https://peer.example/taxii2/root/")
		token := f.String("token", "", "the token this node presents to the peer")
		pull := f.String("pull", "", "the peer's collections to pull (comma-separated ids or aliases)")
		push := f.String("push", "", "the peer's collection to push to")
		coll := f.String("collection", "", "local collection pulled objects go into and pushed ones come from (default: the default collection)")
		key := f.String("public-key", "", "the peer node's Ed25519 public key ('entente key show' there)")
		require := f.Bool("require-signatures", false, "refuse what the peer sends unless it is signed with --public-key")
		identity := f.String("identity", "", "the STIX identity id of the peer's organisation ('entente key show --json' there)")
		return withNode(ctx, e, f, args[1:], func(n *node) error {
			if *org == "" {
				return usageError("peer add: --org is required")
			}
			o, err := n.org(ctx, *org)
			if err != nil {
				return err
			}
			p, err := federation.AddPeer(ctx, n.store, federation.PeerInput{
				Name: *name, Org: o.ID, URL: *u, Token: *token, Pull: splitList(*pull), Push: strings.TrimSpace(*push),
				Collection: *coll, PublicKey: *key, RequireSignatures: *require, IdentityID: *identity,
			})
			switch {
			case errors.Is(err, federation.ErrInvalidPeer):
				return usageError("peer add: %v", err)
			case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict):
				return fmt.Errorf("peer add: %w", err)
			case err != nil:
				return err
			}
			if err := n.auditChange(ctx, "peer.add", p.ID, p.Name+" "+p.URL); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, p.ID)
			return nil
		})
	case "list":
		f := newFlags(e, "peer list", "")
		return withNode(ctx, e, f, args[1:], func(n *node) error {
			peers, err := n.store.Peers().List(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tORG\tURL\tPULL\tPUSH\tSIGNATURES")
			for _, p := range peers {
				org := p.OrgID
				if o, err := n.store.Orgs().Get(ctx, p.OrgID); err == nil {
					org = o.Name
				}
				sig := "unpinned"
				switch {
				case p.RequireSignatures:
					sig = "required"
				case p.PublicKey != "":
					sig = "verified when present"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Name, org, p.URL, dash(strings.Join(p.Pull, ",")), dash(p.Push), sig)
			}
			return tw.Flush()
		})
	case "remove":
		f := newFlags(e, "peer remove", "NAME|ID")
		return withNode(ctx, e, f, args[1:], func(n *node) error {
			if len(f.positional) != 1 {
				return usageError("peer remove: give the peer's name or id")
			}
			p, err := n.store.Peers().Get(ctx, f.positional[0])
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("peer remove: no peer %q (see 'entente peer list')", f.positional[0])
			} else if err != nil {
				return err
			}
			if err := n.store.Peers().Remove(ctx, p.ID); err != nil {
				return fmt.Errorf("peer remove: %w", err)
			}
			return n.auditChange(ctx, "peer.remove", p.ID, p.Name)
		})
	case "status":
		f := newFlags(e, "peer status", "")
		asJSON := f.Bool("json", false, "print JSON")
		return withNode(ctx, e, f, args[1:], func(n *node) error {
			sts, err := federation.Statuses(ctx, n.store, time.Now())
			if err != nil {
				return err
			}
			if *asJSON {
				if sts == nil {
					sts = []federation.Status{}
				}
				b, _ := json.MarshalIndent(sts, "", "  ")
				fmt.Fprintln(e.stdout, string(b))
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PEER\tORG\tLAST SUCCESS\tLAG\tIN\tOUT\tREJECTED\tLAST ERROR")
			for _, s := range sts {
				last := "never"
				if !s.LastSuccess.IsZero() {
					last = s.LastSuccess.Format(time.RFC3339)
				}
				lastErr := "-"
				if s.LastError != "" && s.LastErrorAt.After(s.LastSuccess) {
					lastErr = s.LastErrorAt.Format(time.RFC3339) + " " + s.LastError
				}
				lag := (time.Duration(s.LagSeconds * float64(time.Second))).Round(time.Second)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", s.Peer, s.Org, last, lag, s.ObjectsIn, s.ObjectsOut, s.Rejected, lastErr)
			}
			return tw.Flush()
		})
	}
	return usageError("peer: unknown subcommand %q (add, list, remove, status)", args[0])
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// federated is the node's federation as `entente serve` runs it: the workers and what the HTTP
// surfaces need of them.
type federated struct {
	fed      *federation.Federation
	signer   *taxii.Signer
	trust    *federation.Trust
	ingester *ingest.Ingester // the ingester of partners' objects: created_by_ref names their origin
	metrics  http.Handler     // /metrics
}

// federated loads the node key and assembles the federation and the metrics registry.
func (n *node) federated(ctx context.Context) (*federated, error) {
	key, err := federation.NodeKey(ctx, n.store.Settings())
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := federation.NewMetrics(reg)
	in := n.ingester()
	in.Origin = (&federation.Origins{Store: n.store}).Map
	signer := &taxii.Signer{Key: key}
	return &federated{
		fed: &federation.Federation{
			Store: n.store, Gate: n.gate(), Ingester: in, Signer: signer, Audit: &audit.Log{Store: n.store},
			Metrics: m, Log: n.log,
		},
		signer: signer, trust: &federation.Trust{Store: n.store, Metrics: m}, ingester: in,
		metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
	}, nil
}

// start runs the workers until ctx ends or the returned function is called, which waits for
// them to stop.
func (f *federated) start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.fed.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}
