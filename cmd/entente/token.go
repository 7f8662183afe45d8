package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/entente/entente/internal/auth"
	"github.com/entente/entente/internal/store"
)

func cmdToken(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageError("token: use 'token create --org ORG --role ROLE [--expires D]', 'token list' or 'token revoke ID'")
	}
	switch args[0] {
	case "create":
		f := newFlags(e, "token create", "")
		org := f.String("org", "", "organisation id, name, or self")
		role := f.String("role", "", "admin, analyst, reader or partner")
		expires := f.String("expires", "", "lifetime, e.g. 720h or 90d (default: no expiry)")
		label := f.String("label", "", "what the token is for")
		return withNode(ctx, e, f, args[1:], func(n *node) error {
			if !auth.ValidRole(*role) {
				return usageError("token create: --role must be admin, analyst, reader or partner")
			}
			if *org == "" {
				return usageError("token create: --org is required")
			}
			o, err := n.org(ctx, *org)
			if err != nil {
				return err
			}
			if *role == auth.RolePartner && o.Self {
				return usageError("token create: a partner token belongs to a partner organisation, not the own one")
			}
			if *role != auth.RolePartner && !o.Self {
				return usageError("token create: a partner organisation's token has the role partner")
			}
			t := store.Token{Hash: nil, OrgID: o.ID, Role: *role, Label: *label, CreatedAt: time.Now().UTC()}
			if *expires != "" {
				d, err := parseDuration(*expires)
				if err != nil || d <= 0 {
					return usageError("token create: --expires %q is not a positive duration (e.g. 720h, 90d)", *expires)
				}
				t.ExpiresAt = t.CreatedAt.Add(d)
			}
			secret := auth.NewSecret()
			t.Hash = auth.Hash(secret)
			if _, err := n.store.Tokens().Create(ctx, t); err != nil {
				return fmt.Errorf("token create: %w", err)
			}
			fmt.Fprintln(e.stdout, secret)
			return nil
		})
	case "list":
		f := newFlags(e, "token list", "")
		org := f.String("org", "", "only this organisation's tokens")
		return withNode(ctx, e, f, args[1:], func(n *node) error {
			orgID := ""
			if *org != "" {
				o, err := n.org(ctx, *org)
				if err != nil {
					return err
				}
				orgID = o.ID
			}
			ts, err := n.store.Tokens().List(ctx, orgID)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tORG\tROLE\tCREATED\tEXPIRES\tSTATE\tLABEL")
			now := time.Now()
			for _, t := range ts {
				state := "valid"
				switch {
				case !t.RevokedAt.IsZero():
					state = "revoked"
				case !t.ExpiresAt.IsZero() && now.After(t.ExpiresAt):
					state = "expired"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.OrgID, t.Role, t.CreatedAt.Format(time.DateOnly), dateOrDash(t.ExpiresAt), state, t.Label)
			}
			return tw.Flush()
		})
	case "revoke":
		f := newFlags(e, "token revoke", "ID")
		return withNode(ctx, e, f, args[1:], func(n *node) error {
			if len(f.positional) != 1 {
				return usageError("token revoke: name one token ID (see 'entente token list')")
			}
			if err := n.store.Tokens().Revoke(ctx, f.positional[0], time.Now().UTC()); err != nil {
				return fmt.Errorf("token revoke: %w", err)
			}
			return nil
		})
	}
	return usageError("token: unknown subcommand %q (create, list, revoke)", args[0])
}

func dateOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.DateOnly)
}

// parseDuration accepts Go durations and whole days ("90d").
func parseDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil {
			return 0, err
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}
