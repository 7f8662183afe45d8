package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/entente/entente/internal/audit"
	"github.com/entente/entente/internal/auth"
	"github.com/entente/entente/internal/pattern"
	"github.com/entente/entente/internal/store"
	"github.com/entente/entente/internal/web"
)

func cmdUser(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError("user: use 'user add --name NAME --org ORG --role admin|analyst|reader [--password-stdin]'")
	}
	f := newFlags(e, "user add", "")
	name := f.String("name", "", "the sign-in name")
	org := f.String("org", "", "organisation id, name, or self")
	role := f.String("role", "", "admin, analyst or reader")
	stdin := f.Bool("password-stdin", false, "read the password from the first line of standard input")
	return withNode(ctx, e, f, args[1:], func(n *node) error {
		if strings.TrimSpace(*name) == "" {
			return usageError("user add: --name is required")
		}
		if *role != auth.RoleAdmin && *role != auth.RoleAnalyst && *role != auth.RoleReader {
			return usageError("user add: --role must be admin, analyst or reader")
		}
		if *org == "" {
			return usageError("user add: --org is required")
		}
		o, err := n.org(ctx, *org)
		if err != nil {
			return err
		}
		pw, err := readPassword(e, *stdin)
		if err != nil {
			return err
		}
		hash, err := web.HashPassword(pw)
		if err != nil {
			return usageError("user add: %v", err)
		}
		u, err := n.store.Users().Create(ctx, store.User{Name: strings.TrimSpace(*name), OrgID: o.ID, Role: *role, PasswordHash: hash})
		if err != nil {
			return fmt.Errorf("user add: %w", err)
		}
		fmt.Fprintf(e.stdout, "user %s (%s) added to %s as %s\n", u.Name, u.ID, o.Name, u.Role)
		return nil
	})
}

// readPassword reads the password from standard input's first line, or asks for it twice on a
// terminal.
func readPassword(e *env, fromStdin bool) (string, error) {
	if !fromStdin {
		fh, ok := e.stdin.(*os.File)
		if !ok || !term.IsTerminal(int(fh.Fd())) {
			return "", usageError("user add: standard input is not a terminal; give the password with --password-stdin")
		}
		fmt.Fprint(e.stderr, "Password: ")
		a, err := term.ReadPassword(int(fh.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		fmt.Fprint(e.stderr, "Again: ")
		b, err := term.ReadPassword(int(fh.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		if string(a) != string(b) {
			return "", usageError("user add: the passwords differ")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", usageError("user add: no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// webUI builds the browser interface. The indicator index is the one the API's detection endpoints use (enableDetection).
func (n *node) webUI(ctx context.Context, x *pattern.Index) (*web.UI, error) {
	go n.pruneSessions(ctx)
	return web.New(web.Deps{Store: n.store, Gate: n.gate(), Ingester: n.ingester(), Ingest: &n.ingest, Index: x, Audit: &audit.Log{Store: n.store},
		Logger: n.log, Collection: DefaultCollection, SecureCookies: strings.HasPrefix(n.cfg.BaseURL, "https://")})
}

// pruneSessions removes expired web sessions, and failed sign-ins older than a day, every hour.
func (n *node) pruneSessions(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if k, err := n.store.Users().PruneSessions(ctx, time.Now()); err != nil && ctx.Err() == nil {
			n.log.Warn("pruning web sessions", "err", err)
		} else if k > 0 {
			n.log.Info("pruned web sessions", "count", k)
		}
		if _, err := n.store.Users().PruneSignInFailures(ctx, time.Now().Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
			n.log.Warn("pruning failed sign-ins", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
