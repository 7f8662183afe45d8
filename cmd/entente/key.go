package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/entente/entente/internal/federation"
)

func cmdKey(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "show" {
		return usageError("key: use 'key show [--json]'")
	}
	f := newFlags(e, "key show", "")
	asJSON := f.Bool("json", false, "print the key with the own organisation's name and STIX identity, as JSON")
	return withNode(ctx, e, f, args[1:], func(n *node) error {
		k, err := federation.NodeKey(ctx, n.store.Settings())
		if err != nil {
			return err
		}
		if *asJSON {
			b, _ := json.MarshalIndent(map[string]string{
				"public_key": federation.PublicKey(k), "algorithm": "ed25519", "org": n.self.Name, "identity_id": n.self.IdentityID,
			}, "", "  ")
			fmt.Fprintln(e.stdout, string(b))
			return nil
		}
		fmt.Fprintln(e.stdout, federation.PublicKey(k))
		return nil
	})
}
