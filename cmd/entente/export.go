package main

import (
	"bufio"
	"context"
	"fmt"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

func cmdExport(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "export", "")
	coll := f.String("collection", "", "collection id or alias (default: the default collection)")
	types := f.String("type", "", "only these object types (comma-separated)")
	after := f.String("added-after", "", "only objects added after this timestamp (RFC 3339)")
	latest := f.Bool("latest", false, "only the latest version of each object (default: every version)")
	return withNode(ctx, e, f, args, func(n *node) error {
		if len(f.positional) > 0 {
			return usageError("export takes no arguments, only flags")
		}
		c, err := n.collection(ctx, *coll)
		if err != nil {
			return err
		}
		flt := store.Filter{Collection: c.ID, Types: splitList(*types), Versions: store.VersionMatch{All: !*latest, Last: *latest}}
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
		w := bufio.NewWriterSize(e.stdout, 256<<10)
		fmt.Fprintf(w, `{"type":"bundle","id":"%s","objects":[`, stix.NewID("bundle"))
		first := true
		err = store.Scan(ctx, n.store.Objects(), flt, func(r *store.Record) error {
			if !first {
				w.WriteByte(',')
			}
			first = false
			w.WriteByte('\n')
			_, err := w.Write(r.Raw)
			return err
		})
		if err != nil {
			return fmt.Errorf("export: %w (the output is incomplete)", err)
		}
		w.WriteString("\n]}\n")
		return w.Flush()
	})
}
