package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/entente/entente/internal/store"
)

func cmdShare(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "share", "OBJECT-ID --with ORG,…")
	with := f.String("with", "", "organisations (ids or names) that may receive the object's RED content")
	return withNode(ctx, e, f, args, func(n *node) error {
		if len(f.positional) != 1 || *with == "" {
			return usageError("share: give one OBJECT-ID and --with ORG,…")
		}
		id := f.positional[0]
		if _, err := n.store.Objects().Latest(ctx, id); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("share: no object %s", id)
		} else if err != nil {
			return err
		}
		ids, err := n.orgIDs(ctx, *with)
		if err != nil {
			return err
		}
		for _, oid := range ids {
			if oid == n.self.ID {
				return usageError("share: the own organisation always has its objects; name partners")
			}
		}
		if err := n.store.Shares().Add(ctx, id, ids); err != nil {
			return fmt.Errorf("share: %w", err)
		}
		return n.auditChange(ctx, "share", id, "with "+strings.Join(ids, ","))
	})
}
