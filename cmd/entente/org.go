package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

func cmdOrg(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageError("org: use 'org add --name N [--country CC]' or 'org list'")
	}
	switch args[0] {
	case "add":
		f := newFlags(e, "org add", "")
		name := f.String("name", "", "organisation name (unique)")
		country := f.String("country", "", "ISO 3166-1 alpha-2 country code")
		contact := f.String("contact", "", "contact (e-mail address)")
		return withNode(ctx, e, f, args[1:], func(n *node) error {
			if strings.TrimSpace(*name) == "" {
				return usageError("org add: --name is required")
			}
			cc := strings.ToUpper(strings.TrimSpace(*country))
			if cc != "" && (len(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z') {
				return usageError("org add: --country %q is not a two-letter ISO 3166-1 code", *country)
			}
			o, err := n.store.Orgs().Create(ctx, store.Org{
				Name: strings.TrimSpace(*name), Country: cc, Contact: *contact,
				IdentityID: stix.NewID("identity"), CreatedAt: time.Now().UTC(),
			})
			if err != nil {
				return fmt.Errorf("org add: %w", err)
			}
			fmt.Fprintln(e.stdout, o.ID)
			return nil
		})
	case "list":
		f := newFlags(e, "org list", "")
		return withNode(ctx, e, f, args[1:], func(n *node) error {
			orgs, err := n.store.Orgs().List(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tCOUNTRY\tOWN")
			for _, o := range orgs {
				own := ""
				if o.Self {
					own = "yes"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.ID, o.Name, o.Country, own)
			}
			return tw.Flush()
		})
	}
	return usageError("org: unknown subcommand %q (add, list)", args[0])
}
