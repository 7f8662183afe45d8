package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/entente/entente/internal/audit"
)

func cmdAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageError("audit: use 'audit verify' or 'audit export [--after SEQ]'")
	}
	switch args[0] {
	case "verify":
		f := newFlags(e, "audit verify", "")
		return withNode(ctx, e, f, args[1:], func(n *node) error {
			l := &audit.Log{Store: n.store}
			count, head, err := l.Verify(ctx)
			var ve *audit.VerifyError
			if errors.As(err, &ve) {
				fmt.Fprintf(e.stdout, "BROKEN: %v\n", ve)
				return &exitError{code: 1}
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "audit log intact: %d entries, head %s\n", count, hex.EncodeToString(head))
			return nil
		})
	case "export":
		f := newFlags(e, "audit export", "")
		after := f.Int64("after", 0, "only entries after this sequence number")
		return withNode(ctx, e, f, args[1:], func(n *node) error {
			w := bufio.NewWriter(e.stdout)
			if err := (&audit.Log{Store: n.store}).Export(ctx, w, *after); err != nil {
				return err
			}
			return w.Flush()
		})
	}
	return usageError("audit: unknown subcommand %q (verify, export)", args[0])
}
