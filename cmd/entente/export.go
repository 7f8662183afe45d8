package main

import (
	"bufio"
	"context"
	"fmt"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

func cmdExport(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "export", "")
	coll := f.String("collection", "", "collection id or alias (default: the default collection)")
	types := f.String("type", "", "only these object types (comma-separated)")
	after := f.String("added-after", "", "only objects added after this timestamp (RFC 3339)")
	latest := f.Bool("latest", false, "only the latest version of each object (default: every version)")
	forOrg := f.String("for", "", "export what this partner organisation (id or name), or \"public\", would receive (default: everything, as the own organisation)")
	return withPolicyNode(ctx, e, f, args, func(n *node) error {
		if len(f.positional) > 0 {
			return usageError("export takes no arguments, only flags")
		}
		c, err := n.collection(ctx, *coll)
		if err != nil {
			return err
		}
		flt := store.Filter{Collection: c.ID, Types: splitList(*types), Versions: store.VersionMatch{All: !*latest, Last: *latest}, Lean: true}
		if *after != "" {
			us, err := stix.ParseMicro(*after)
			if err != nil {
				return usageError("--added-after: %v", err)
			}
			flt.AddedAfter = us
		}
		for _, t := range flt.Types {
			if err := stix.CheckTypeName(t); err != nil {
				return usageError("--type: %v", err)
			}
		}
		r := policy.Recipient{Kind: policy.KindSelf}
		switch *forOrg {
		case "":
		case "public":
			r = policy.Recipient{Kind: policy.KindPublic}
		default:
			o, err := n.org(ctx, *forOrg)
			if err != nil {
				return err
			}
			if !o.Self {
				r = policy.Recipient{Kind: policy.KindPartner, OrgID: o.ID, IdentityID: o.IdentityID}
			}
		}
		view, err := n.gate().View(ctx, r)
		if err != nil {
			return err
		}
		view.Restrict(&flt)
		var sensitive int
		w := bufio.NewWriterSize(e.stdout, 256<<10)
		fmt.Fprintf(w, `{"type":"bundle","id":"%s","objects":[`, stix.NewID("bundle"))
		first := true
		err = store.ScanPages(ctx, n.store.Objects(), flt, func(recs []store.Record) error {
			if err := view.Prepare(ctx, recs); err != nil {
				return err
			}
			for i := range recs {
				rec := &recs[i]
				out, d, err := view.Deliver(ctx, rec)
				if err != nil {
					return err
				}
				if !d.Allow {
					continue
				}
				if rec.TLP >= stix.TLPAmber {
					sensitive++
				}
				if !first {
					w.WriteByte(',')
				}
				first = false
				w.WriteByte('\n')
				if _, err := w.Write(out); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("export: %w (the output is incomplete)", err)
		}
		w.WriteString("\n]}\n")
		if err := w.Flush(); err != nil {
			return err
		}
		if sensitive == 0 {
			return nil
		}
		who := "own organisation"
		if *forOrg != "" {
			who = *forOrg
		}
		return n.auditChange(ctx, "read", c.ID, fmt.Sprintf("export for %s: %d objects at TLP:AMBER or above", who, sensitive))
	})
}
