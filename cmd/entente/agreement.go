package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/entente/entente/internal/audit"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

func cmdAgreement(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageError("agreement: use 'agreement set --partner ORG …', 'agreement list' or 'agreement remove --partner ORG'")
	}
	switch args[0] {
	case "set":
		f := newFlags(e, "agreement set", "")
		partner := f.String("partner", "", "partner organisation (id or name)")
		maxTLP := f.String("max-tlp", "green", "highest TLP the partner receives: clear, green, amber, amber+strict")
		from := f.String("valid-from", "", "first day in force (YYYY-MM-DD or RFC 3339; default: now)")
		until := f.String("valid-until", "", "day the agreement ends, exclusive (YYYY-MM-DD or RFC 3339; default: open-ended)")
		types := f.String("types", "", "only these object types (comma-separated)")
		exTypes := f.String("exclude-types", "", "never these object types")
		labels := f.String("labels", "", "only objects with one of these labels")
		exLabels := f.String("exclude-labels", "", "never objects with any of these labels")
		embargo := f.String("embargo", "", "delay before objects go to the partner, e.g. 24h or 2d")
		onward := f.String("onward-sharing", "none", "may the partner pass GREEN on to its community: none or community")
		personal := f.String("personal-data", "redact", "personal data: redact, deny or allow")
		return withNode(ctx, e, f, args[1:], func(n *node) error {
			if *partner == "" {
				return usageError("agreement set: --partner is required")
			}
			o, err := n.org(ctx, *partner)
			if err != nil {
				return err
			}
			if o.Self {
				return usageError("agreement set: an agreement is with a partner, not the own organisation")
			}
			a := policy.Agreement{Partner: o.ID, Types: splitList(*types), ExcludeTypes: splitList(*exTypes), Labels: splitList(*labels), ExcludeLabels: splitList(*exLabels)}
			t, ok := stix.ParseTLP(*maxTLP)
			if !ok || t == stix.TLPRed {
				return usageError("agreement set: --max-tlp must be clear, green, amber or amber+strict (RED is shared per object with 'entente share')")
			}
			a.MaxTLP = t
			if a.ValidFrom, err = parseDay(*from); err != nil {
				return usageError("agreement set: --valid-from: %v", err)
			}
			if *from == "" {
				a.ValidFrom = time.Now().UTC().Truncate(time.Second)
			}
			if a.ValidUntil, err = parseDay(*until); err != nil {
				return usageError("agreement set: --valid-until: %v", err)
			}
			if *embargo != "" {
				if a.Embargo, err = parseDuration(*embargo); err != nil || a.Embargo < 0 {
					return usageError("agreement set: --embargo %q is not a duration such as 24h or 2d", *embargo)
				}
			}
			if a.Onward, err = policy.ParseOnwardSharing(*onward); err != nil {
				return usageError("agreement set: --onward-sharing: %v", err)
			}
			if a.PersonalData, err = policy.ParsePersonalData(*personal); err != nil {
				return usageError("agreement set: --personal-data: %v", err)
			}
			for _, t := range append(append([]string{}, a.Types...), a.ExcludeTypes...) {
				if err := stix.CheckTypeName(t); err != nil {
					return usageError("agreement set: %v", err)
				}
			}
			if err := a.Validate(); err != nil {
				return usageError("agreement set: %v", err)
			}
			if err := n.store.Agreements().Put(ctx, policy.ToStore(a, time.Now().UTC())); err != nil {
				return fmt.Errorf("agreement set: %w", err)
			}
			return n.auditChange(ctx, "agreement.set", o.ID, describeAgreement(a))
		})
	case "list":
		f := newFlags(e, "agreement list", "")
		return withNode(ctx, e, f, args[1:], func(n *node) error {
			list, err := n.store.Agreements().List(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PARTNER\tMAX TLP\tVALID FROM\tVALID UNTIL\tIN FORCE\tTERMS")
			now := time.Now()
			for _, sa := range list {
				a, err := policy.FromStore(sa)
				if err != nil {
					return err
				}
				name := a.Partner
				if o, err := n.store.Orgs().Get(ctx, a.Partner); err == nil {
					name = o.Name
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\n", name, a.MaxTLP.Label(), dateOrDash(a.ValidFrom), dateOrDash(a.ValidUntil), a.InForce(now), describeAgreement(a))
			}
			return tw.Flush()
		})
	case "remove":
		f := newFlags(e, "agreement remove", "")
		partner := f.String("partner", "", "partner organisation (id or name)")
		return withNode(ctx, e, f, args[1:], func(n *node) error {
			o, err := n.org(ctx, *partner)
			if err != nil {
				return err
			}
			if err := n.store.Agreements().Remove(ctx, o.ID); errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("agreement remove: there is no agreement with %s", o.Name)
			} else if err != nil {
				return err
			}
			return n.auditChange(ctx, "agreement.remove", o.ID, "")
		})
	}
	return usageError("agreement: unknown subcommand %q (set, list, remove)", args[0])
}

func describeAgreement(a policy.Agreement) string {
	var parts []string
	if len(a.Types) > 0 {
		parts = append(parts, "types="+strings.Join(a.Types, ","))
	}
	if len(a.ExcludeTypes) > 0 {
		parts = append(parts, "exclude-types="+strings.Join(a.ExcludeTypes, ","))
	}
	if len(a.Labels) > 0 {
		parts = append(parts, "labels="+strings.Join(a.Labels, ","))
	}
	if len(a.ExcludeLabels) > 0 {
		parts = append(parts, "exclude-labels="+strings.Join(a.ExcludeLabels, ","))
	}
	if a.Embargo > 0 {
		parts = append(parts, "embargo="+a.Embargo.String())
	}
	parts = append(parts, "max-tlp="+a.MaxTLP.String(), "onward-sharing="+a.Onward.String(), "personal-data="+a.PersonalData.String())
	return strings.Join(parts, " ")
}

// parseDay reads YYYY-MM-DD (midnight UTC) or an RFC 3339 time; "" is the zero time.
func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD) or an RFC 3339 time", s)
	}
	return t.UTC(), nil
}

// auditChange records a policy change made from the command line.
func (n *node) auditChange(ctx context.Context, action, object, detail string) error {
	l := &audit.Log{Store: n.store}
	path := "cli"
	if action == "read" {
		path = "export"
	}
	return l.Record(ctx, store.AuditEntry{Actor: "cli", Action: action, Path: path, Object: object, Decision: "done", Detail: detail})
}
