package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/entente/entente/internal/store"
)

// execer is a pool or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// insertShares adds the shares the accepted objects name to their share lists, in one statement.
func insertShares(ctx context.Context, tx pgx.Tx, objs []store.NewObject, rows []store.PlannedRow) error {
	var ids, recipients []string
	for _, r := range rows {
		n := objs[r.Index]
		for _, s := range n.Shares {
			ids, recipients = append(ids, n.Object.ID), append(recipients, s)
		}
	}
	return addShares(ctx, tx, ids, recipients)
}

// addShares adds the pairs (ids[i], recipients[i]) to the share lists; pairs already there stay
// as they are.
func addShares(ctx context.Context, db execer, ids, recipients []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := db.Exec(ctx, `INSERT INTO object_shares (object_id, recipient)
		SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`, ids, recipients)
	if err != nil {
		return fmt.Errorf("add shares: %w", err)
	}
	return nil
}

// scope writes the conditions of sc (see store.Scope); the caller handles sc.Nothing. TLP lists
// and granular masks are integer literals: they come from bitmasks, never from input text, and
// literals let the planner see them. Conditions on columns come before the label and share
// tests, which read arrays and another table.
func (q *query) scope(sc *store.Scope) {
	if sc.ExcludeOrigin != "" {
		q.b.WriteString(` AND o.origin_org <> ` + q.arg(sc.ExcludeOrigin))
	}
	branches := sc.Branches()
	if len(branches) == 0 {
		q.b.WriteString(` AND false`)
		return
	}
	q.b.WriteString(` AND (`)
	for i, br := range branches {
		if i > 0 {
			q.b.WriteString(` OR `)
		}
		var tlps []string
		for _, t := range store.LevelTLPs(br.Levels) {
			tlps = append(tlps, strconv.Itoa(t))
		}
		q.b.WriteString(`(o.tlp IN (` + strings.Join(tlps, ", ") + `)`)
		if f := store.GranularForbidden(br.Levels); f != 0 {
			// The planner has no statistics for the masked expression and would guess it
			// admits 0.5 % of the rows, and then sort the whole collection rather than walk it in
			// date_added order; "= 0 OR" lets it see from granular_required's own statistics
			// that almost every row passes.
			q.b.WriteString(` AND (o.granular_required = 0 OR (o.granular_required & ` + strconv.Itoa(int(f)) + `) = 0)`)
		}
		switch {
		case len(br.Orgs) == 0:
		case br.NotIn:
			q.b.WriteString(` AND o.origin_org <> ALL(` + q.arg(br.Orgs) + `)`)
		default:
			q.b.WriteString(` AND o.origin_org = ANY(` + q.arg(br.Orgs) + `)`)
		}
		if len(br.Named) > 0 {
			q.b.WriteString(` AND EXISTS (SELECT 1 FROM object_shares s WHERE s.object_id = o.id AND s.recipient = ANY(` +
				q.arg(br.Named) + `))`)
		}
		q.b.WriteString(`)`)
	}
	q.b.WriteString(`)`)
	q.in("o.type", sc.Types)
	if len(sc.ExcludeTypes) > 0 {
		q.b.WriteString(` AND o.type <> ALL(` + q.arg(sc.ExcludeTypes) + `)`)
	}
	q.b.WriteString(` AND o.personal <= ` + q.arg(int16(sc.PersonalMax)))
	if sc.AddedBy != 0 {
		q.b.WriteString(` AND o.date_added <= ` + q.arg(sc.AddedBy))
	}
	if len(sc.Labels) > 0 {
		q.b.WriteString(` AND o.labels && ` + q.arg(sc.Labels) + `::text[]`)
	}
	if len(sc.ExcludeLabels) > 0 {
		q.b.WriteString(` AND NOT coalesce(o.labels && ` + q.arg(sc.ExcludeLabels) + `::text[], false)`)
	}
}
