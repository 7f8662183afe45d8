package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/entente/entente/internal/opendata"
)

// cmdOpendata shows and sets the open data metadata: publisher, contact, licence, datasets.
func cmdOpendata(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageError("opendata: use 'opendata show' or 'opendata set FILE' (- for standard input)")
	}
	switch args[0] {
	case "show":
		f := newFlags(e, "opendata show", "")
		return withNode(ctx, e, f, args[1:], func(n *node) error {
			m, ok, err := opendata.LoadMetadata(ctx, n.store.Settings())
			if err != nil {
				return err
			}
			if !ok {
				m = opendata.Metadata{Datasets: opendata.DefaultDatasets()}
				fmt.Fprintln(e.stderr, "(the defaults: no metadata has been set; the publisher and contact come from the own organisation)")
			}
			b, err := json.MarshalIndent(m, "", "  ")
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s\n", b)
			return nil
		})
	case "set":
		f := newFlags(e, "opendata set", "FILE")
		return withNode(ctx, e, f, args[1:], func(n *node) error {
			if len(f.positional) != 1 {
				return usageError("opendata set: name one FILE (- for standard input)")
			}
			in, closeIn, err := openInput(e, f.positional[0])
			if err != nil {
				return err
			}
			defer closeIn()
			b, err := io.ReadAll(io.LimitReader(in, 1<<20))
			if err != nil {
				return err
			}
			m, err := opendata.ParseMetadata(b)
			if err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			if err := opendata.SaveMetadata(ctx, n.store.Settings(), m); err != nil {
				return &exitError{code: 1, msg: err.Error()}
			}
			return n.auditChange(ctx, "opendata.metadata", "", fmt.Sprintf("%d datasets", len(m.Datasets)))
		})
	}
	return usageError("opendata: unknown subcommand %q (show, set)", args[0])
}
