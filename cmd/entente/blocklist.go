package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/entente/entente/internal/api"
	"github.com/entente/entente/internal/blocklist"
	"github.com/entente/entente/internal/pattern"
	"github.com/entente/entente/internal/policy"
)

func cmdBlocklist(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "blocklist", "")
	format := f.String("format", "text", "text, rpz, hosts, suricata, zeek or nftables")
	forOrg := f.String("for", "", "write the list a partner ORG may receive (default: the own organisation's full view)")
	types := f.String("types", "", "only these kinds, comma-separated: ipv4-addr, ipv6-addr, domain-name, url, file-hash, email-addr")
	minConf := f.Int("min-confidence", 0, "only indicators stating at least this confidence (0 to 100)")
	maxAge := f.Duration("max-age", 0, "only indicators added within this duration (e.g. 720h)")
	invalid := f.Bool("include-invalid", false, "also indicators outside their valid_from/valid_until")
	partial := f.Bool("partial", false, "also values of patterns that ask for more than the value")
	allowFile := f.String("allowlist", "", "a file of more addresses and domains never to block, one a line")
	zone := f.String("zone", "", "RPZ zone name (default rpz.entente.local)")
	return withPolicyNode(ctx, e, f, args, func(n *node) error {
		if len(f.positional) > 0 {
			return usageError("blocklist takes no arguments, only flags")
		}
		o := blocklist.Options{Zone: *zone, Partial: *partial}
		var err error
		if o.Format, err = blocklist.ParseFormat(*format); err != nil {
			return usageError("blocklist: %v", err)
		}
		for _, t := range splitList(*types) {
			k, ok := pattern.ParseKind(t)
			if !ok {
				return usageError("blocklist: unknown type %q", t)
			}
			o.Kinds = append(o.Kinds, k)
		}
		allow, err := blocklist.NewAllowlist()
		if err != nil {
			return err
		}
		if *allowFile != "" {
			fh, err := os.Open(*allowFile)
			if err != nil {
				return err
			}
			err = allow.ReadAllowlist(fh)
			fh.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", *allowFile, err)
			}
		}
		r := policy.Recipient{Kind: policy.KindSelf}
		if *forOrg != "" {
			o, err := n.org(ctx, *forOrg)
			if err != nil {
				return err
			}
			if !o.Self {
				r = policy.Recipient{Kind: policy.KindPartner, OrgID: o.ID, IdentityID: o.IdentityID}
			}
		}
		start := time.Now()
		x, err := n.loadIndex(ctx)
		if err != nil {
			return err
		}
		v, err := n.gate().View(ctx, r)
		if err != nil {
			return err
		}
		flt := &pattern.Filter{View: v, MinConfidence: *minConf, MaxAge: *maxAge, Invalid: *invalid,
			Shares: n.sharesOf(ctx)}
		k, err := blocklist.Write(ctx, e.stdout, x, flt, o, allow)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "%d entries from %d indicators in %s\n", k, x.Len(), time.Since(start).Round(time.Millisecond))
		return nil
	})
}

// enableDetection loads the indicator index, keeps it following the store while ctx lasts, and
// adds the detection endpoints to the API. Call it from handler (serve.go). The index loads in
// the background, so that the node serves TAXII, the web UI and open data at once (a million
// objects' indicators take seconds); until it has loaded, the detection endpoints answer 503
// rather than hand a poller a partial blocklist, and /readyz says the node is not ready. A
// failed load is retried.
func (n *node) enableDetection(ctx context.Context, a *api.API) (*pattern.Index, error) {
	x := pattern.NewIndex()
	x.SetLoading(true)
	fl := &pattern.Follower{Index: x, Objects: n.store.Objects(), Collections: n.store.Collections(), Logger: n.log}
	go func() {
		start := time.Now()
		for {
			err := fl.Load(ctx)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return
			}
			n.log.Error("loading the indicator index failed; trying again in 5 s", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Second):
			}
		}
		x.SetLoading(false)
		n.log.Info("indicator index loaded", "indicators", x.Len(), "took", time.Since(start).Round(time.Millisecond))
		fl.Follow(ctx)
	}()
	return x, a.EnableDetection(api.Detection{Index: x, Gate: n.gate()})
}

// sharesOf returns the share lists of RED objects from the store, for pattern.Filter; a store
// error counts as no share (RED then stays home).
func (n *node) sharesOf(ctx context.Context) func(string) []string {
	return func(id string) []string {
		s, err := n.store.Shares().List(ctx, id)
		if err != nil {
			n.log.Warn("share list unavailable; the object stays home", "id", id, "err", err)
			return nil
		}
		return s
	}
}
