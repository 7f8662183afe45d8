package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/entente/entente/internal/store"
)

func cmdCollection(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageError("collection: use 'collection create --title T [--alias A] [--read ORG,…] [--write ORG,…]' or 'collection list'")
	}
	switch args[0] {
	case "create":
		f := newFlags(e, "collection create", "")
		title := f.String("title", "", "title")
		alias := f.String("alias", "", "short unique name")
		desc := f.String("description", "", "description")
		read := f.String("read", "", "organisations (ids or names) that may read, comma-separated")
		write := f.String("write", "", "organisations (ids or names) that may write, comma-separated")
		return withNode(ctx, e, f, args[1:], func(n *node) error {
			if strings.TrimSpace(*title) == "" {
				return usageError("collection create: --title is required")
			}
			c := store.Collection{Title: *title, Alias: *alias, Description: *desc, CreatedAt: time.Now().UTC()}
			var err error
			if c.Read, err = n.orgIDs(ctx, *read); err != nil {
				return err
			}
			if c.Write, err = n.orgIDs(ctx, *write); err != nil {
				return err
			}
			c, err = n.store.Collections().Create(ctx, c)
			if err != nil {
				return fmt.Errorf("collection create: %w", err)
			}
			fmt.Fprintln(e.stdout, c.ID)
			return nil
		})
	case "list":
		f := newFlags(e, "collection list", "")
		return withNode(ctx, e, f, args[1:], func(n *node) error {
			cs, err := n.store.Collections().List(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tALIAS\tTITLE\tOBJECTS")
			for _, c := range cs {
				cnt, err := n.store.Objects().Count(ctx, c.ID)
				if err != nil {
					return err
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", c.ID, c.Alias, c.Title, cnt)
			}
			return tw.Flush()
		})
	}
	return usageError("collection: unknown subcommand %q (create, list)", args[0])
}

func (n *node) orgIDs(ctx context.Context, list string) ([]string, error) {
	var ids []string
	for _, ref := range splitList(list) {
		o, err := n.org(ctx, ref)
		if err != nil {
			return nil, err
		}
		ids = append(ids, o.ID)
	}
	return ids, nil
}
