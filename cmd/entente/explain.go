package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/store"
)

// explanation is one line of `entente explain`.
type explanation struct {
	Org      string `json:"org"`
	OrgID    string `json:"org_id,omitempty"`
	Kind     string `json:"kind"`
	Receives bool   `json:"receives"`
	Form     string `json:"form"`
	Rule     string `json:"rule"`
	Reason   string `json:"reason"`
}

func cmdExplain(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "explain", "OBJECT-ID")
	asJSON := f.Bool("json", false, "print JSON")
	return withNode(ctx, e, f, args, func(n *node) error {
		if len(f.positional) != 1 {
			return usageError("explain: give one OBJECT-ID")
		}
		out, err := n.explain(ctx, f.positional[0])
		if err != nil {
			return err
		}
		if *asJSON {
			b, _ := json.MarshalIndent(out, "", "  ")
			fmt.Fprintf(e.stdout, "%s\n", b)
			return nil
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ORGANISATION\tRECEIVES\tFORM\tRULE\tWHY")
		for _, x := range out {
			recv := "no"
			if x.Receives {
				recv = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", x.Org, recv, x.Form, x.Rule, x.Reason)
		}
		return tw.Flush()
	})
}

// explain decides the latest version of an object for every organisation the node knows, and for
// the public.
func (n *node) explain(ctx context.Context, id string) ([]explanation, error) {
	rec, err := n.store.Objects().Latest(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("explain: no object %s", id)
	}
	if err != nil {
		return nil, err
	}
	g := n.gate()
	orgs, err := n.store.Orgs().List(ctx)
	if err != nil {
		return nil, err
	}
	var out []explanation
	add := func(name, orgID string, r policy.Recipient) error {
		v, err := g.View(ctx, r)
		if err != nil {
			return err
		}
		f, err := v.FactsOfRecord(ctx, &rec)
		if err != nil {
			return err
		}
		d := policy.Decide(r, f, v.Agreement, v.Now)
		out = append(out, explanation{Org: name, OrgID: orgID, Kind: r.Kind.String(), Receives: d.Allow, Form: d.Form.String(), Rule: string(d.Rule), Reason: d.Reason})
		return nil
	}
	for _, o := range orgs {
		var r policy.Recipient
		name := o.Name
		if o.Self {
			r = policy.Recipient{Kind: policy.KindMember, Role: policy.RoleReader}
			name += " (own, readers)"
		} else {
			r = policy.Recipient{Kind: policy.KindPartner, OrgID: o.ID, IdentityID: o.IdentityID}
		}
		if err := add(name, o.ID, r); err != nil {
			return nil, err
		}
	}
	if err := add("public (open data)", "", policy.Recipient{Kind: policy.KindPublic}); err != nil {
		return nil, err
	}
	return out, nil
}
