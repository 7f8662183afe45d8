package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/entente/entente/internal/store"
)

func cmdExplain(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "explain", "OBJECT-ID")
	asJSON := f.Bool("json", false, "print JSON")
	return withPolicyNode(ctx, e, f, args, func(n *node) error {
		if len(f.positional) != 1 {
			return usageError("explain: give one OBJECT-ID")
		}
		id := f.positional[0]
		rec, err := n.store.Objects().Latest(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("explain: no object %s", id)
		}
		if err != nil {
			return err
		}
		out, err := n.gate().ExplainRecord(ctx, &rec)
		if err != nil {
			return err
		}
		if *asJSON {
			b, _ := json.MarshalIndent(map[string]any{"object": id, "version": rec.VersionText, "tlp": rec.TLP.String(), "recipients": out}, "", "  ")
			fmt.Fprintf(e.stdout, "%s\n", b)
			return nil
		}
		fmt.Fprintf(e.stdout, "%s (%s, version %s)\n", id, rec.TLP.Label(), rec.VersionText)
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
