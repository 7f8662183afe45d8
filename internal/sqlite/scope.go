package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/entente/entente/internal/store"
)

// insertShares adds the shares the accepted objects name to their share lists.
func insertShares(ctx context.Context, tx *sql.Tx, objs []store.NewObject, rows []store.PlannedRow) error {
	for _, r := range rows {
		n := objs[r.Index]
		if err := addShares(ctx, tx, n.Object.ID, n.Shares); err != nil {
			return err
		}
	}
	return nil
}

// addShares adds recipients to the share list of objectID; names already on it stay as they are.
func addShares(ctx context.Context, tx *sql.Tx, objectID string, recipients []string) error {
	for len(recipients) > 0 {
		chunk := recipients[:min(idChunk, len(recipients))]
		recipients = recipients[len(chunk):]
		args := make([]any, 0, 2*len(chunk))
		for _, r := range chunk {
			args = append(args, objectID, r)
		}
		q := `INSERT OR IGNORE INTO object_shares (object_id, recipient) VALUES (?, ?)` + strings.Repeat(", (?, ?)", len(chunk)-1)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("share %s: %w", objectID, err)
		}
	}
	return nil
}

// intList writes the TLP values of levels as an SQL list of integer literals.
func intList(levels uint8) string {
	var parts []string
	for _, t := range store.LevelTLPs(levels) {
		parts = append(parts, strconv.Itoa(t))
	}
	return strings.Join(parts, ", ")
}

// scopeCond appends the conditions of sc (see store.Scope) to b; the caller handles sc.Nothing.
// The level and granular tests are integer literals: they come from bitmasks, never from input
// text, and literals let the planner see them.
func scopeCond(b *strings.Builder, args []any, sc *store.Scope) []any {
	if sc.ExcludeOrigin != "" {
		b.WriteString(` AND o.origin_org <> ?`)
		args = append(args, sc.ExcludeOrigin)
	}
	branches := sc.Branches()
	if len(branches) == 0 {
		b.WriteString(` AND 0`)
		return args
	}
	b.WriteString(` AND (`)
	for i, br := range branches {
		if i > 0 {
			b.WriteString(` OR `)
		}
		b.WriteString(`(o.tlp IN (` + intList(br.Levels) + `)`)
		if f := store.GranularForbidden(br.Levels); f != 0 {
			b.WriteString(` AND (o.granular_required & ` + strconv.Itoa(int(f)) + `) = 0`)
		}
		switch {
		case len(br.Orgs) == 0:
		case br.NotIn:
			b.WriteString(` AND o.origin_org NOT IN (` + marks(len(br.Orgs)) + `)`)
		default:
			b.WriteString(` AND o.origin_org IN (` + marks(len(br.Orgs)) + `)`)
		}
		for _, o := range br.Orgs {
			args = append(args, o)
		}
		if len(br.Named) > 0 {
			b.WriteString(` AND EXISTS (SELECT 1 FROM object_shares s WHERE s.object_id = o.id AND s.recipient IN (` +
				marks(len(br.Named)) + `))`)
			for _, n := range br.Named {
				args = append(args, n)
			}
		}
		b.WriteString(`)`)
	}
	b.WriteString(`)`)
	args = inList(b, args, "o.type", sc.Types)
	if len(sc.ExcludeTypes) > 0 {
		b.WriteString(` AND o.type NOT IN (` + marks(len(sc.ExcludeTypes)) + `)`)
		for _, t := range sc.ExcludeTypes {
			args = append(args, t)
		}
	}
	args = append(args, sc.PersonalMax)
	b.WriteString(` AND o.personal <= ?`)
	if sc.AddedBy != 0 {
		b.WriteString(` AND o.date_added <= ?`)
		args = append(args, sc.AddedBy)
	}
	args = labelCond(b, args, "EXISTS", sc.Labels)
	return labelCond(b, args, "NOT EXISTS", sc.ExcludeLabels)
}

// labelCond appends "AND [NOT] EXISTS (a label of the object in labels)" for a non-empty list.
func labelCond(b *strings.Builder, args []any, exists string, labels []string) []any {
	if len(labels) == 0 {
		return args
	}
	b.WriteString(` AND ` + exists + ` (SELECT 1 FROM json_each(o.labels) l WHERE l.value IN (` + marks(len(labels)) + `))`)
	for _, l := range labels {
		args = append(args, l)
	}
	return args
}
