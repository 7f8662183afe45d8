package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/entente/entente/internal/store"
)

// searchStore implements store.SearchStore with a tsvector column and its GIN index (see
// migration 0006).
type searchStore struct{ s *Store }

// Search returns the full-text index.
func (s *Store) Search() store.SearchStore { return searchStore{s} }

func (x searchStore) Progress(ctx context.Context, collection string) (store.SearchProgress, error) {
	var p store.SearchProgress
	err := x.s.pool.QueryRow(ctx, `SELECT c.last_added, coalesce(k.position, 0) FROM collections c
		LEFT JOIN search_cursors k ON k.coll = c.seq WHERE c.id = $1`, collection).Scan(&p.LastAdded, &p.Cursor)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("search progress %q: %w", collection, store.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("search progress %q: %w", collection, err)
	}
	return p, nil
}

// Index upserts the batch in one statement: a doc of a newer version than the entry's takes a
// new position; one of the same or an older version changes nothing, so that processes indexing
// the same objects at once agree. The links of the entries it replaced go; then every doc whose
// version is the entry's gets its links, those it has already kept (an entry indexed before
// migration 0007 gains them).
func (x searchStore) Index(ctx context.Context, collection string, docs []store.SearchDoc, cursor int64) error {
	seq, err := x.s.seq(ctx, collection)
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	ids, added, texts := make([]string, len(docs)), make([]int64, len(docs)), make([]string, len(docs))
	var sources, targets []string
	var linkAdded []int64
	for i, d := range docs {
		ids[i], added[i], texts[i] = d.ID, d.DateAdded, d.Text
		for _, t := range d.Links {
			sources, targets, linkAdded = append(sources, d.ID), append(targets, t), append(linkAdded, d.DateAdded)
		}
	}
	var written int64 // entries inserted or replaced; those already current are not
	err = pgx.BeginFunc(ctx, x.s.pool, func(tx pgx.Tx) error {
		if len(docs) > 0 {
			// A batch holds each object once at most (the follower reads latest versions), so
			// that one INSERT … ON CONFLICT never meets the same key twice.
			rows, err := tx.Query(ctx, `INSERT INTO search_docs (coll, id, pos, date_added, doc)
				SELECT $1, d.id, nextval('search_docs_pos'), d.added, to_tsvector('simple', d.text)
				FROM unnest($2::text[], $3::bigint[], $4::text[]) AS d (id, added, text) ORDER BY d.added
				ON CONFLICT (coll, id) DO UPDATE SET pos = excluded.pos, date_added = excluded.date_added, doc = excluded.doc
				WHERE search_docs.date_added < excluded.date_added
				RETURNING id`, seq, ids, added, texts)
			if err != nil {
				return err
			}
			upserted, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			written = int64(len(upserted))
			if _, err := tx.Exec(ctx, `DELETE FROM search_links WHERE coll = $1 AND source = ANY($2)`, seq, upserted); err != nil {
				return err
			}
		}
		if len(sources) > 0 {
			_, err := tx.Exec(ctx, `INSERT INTO search_links (coll, target, date_added, source)
				SELECT $1, l.target, l.added, l.source FROM unnest($2::text[], $3::text[], $4::bigint[]) AS l (source, target, added)
				JOIN search_docs d ON d.coll = $1 AND d.id = l.source AND d.date_added = l.added
				ON CONFLICT DO NOTHING`, seq, sources, targets, linkAdded)
			if err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO search_cursors (coll, position) VALUES ($1, $2)
			ON CONFLICT (coll) DO UPDATE SET position = greatest(search_cursors.position, excluded.position)`, seq, cursor)
		return err
	})
	if err != nil {
		return fmt.Errorf("search index %q: %w", collection, err)
	}
	x.s.grew("search_docs", int(written))
	return nil
}

// unindexDeleted keeps the full-text index right after a delete of (seq, id), inside its
// transaction: an entry that no longer points at the object's latest version (it pointed at a
// deleted one, or at an older one while the index was behind) goes, and when a version remains,
// the collection's cursor moves back to just before the latest, so that the follower indexes it
// again (Index passes over the entries it finds current, so the walk writes little).
func unindexDeleted(ctx context.Context, tx pgx.Tx, seq int32, id string) error {
	tag, err := tx.Exec(ctx, `DELETE FROM search_docs s WHERE s.coll = $1 AND s.id = $2
		AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.coll = s.coll AND o.date_added = s.date_added AND o.is_latest)`, seq, id)
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return nil // no entry, or one of the latest version
	}
	if _, err := tx.Exec(ctx, `DELETE FROM search_links WHERE coll = $1 AND source = $2`, seq, id); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	_, err = tx.Exec(ctx, `UPDATE search_cursors c SET position = least(c.position, o.date_added - 1)
		FROM objects o WHERE c.coll = $1 AND o.coll = $1 AND o.id = $2 AND o.is_latest`, seq, id)
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	return nil
}

// Search takes candidate positions from search_docs alone (the planner walks (coll, pos)
// backwards for a common word and the GIN index for a rare one), then joins the objects and
// applies the query's conditions to those.
func (x searchStore) Search(ctx context.Context, q store.SearchQuery) (store.SearchPage, error) {
	q, err := store.CheckSearch(q)
	if err != nil {
		return store.SearchPage{}, err
	}
	seq, err := x.s.seq(ctx, q.Collection)
	if err != nil {
		return store.SearchPage{}, fmt.Errorf("search: %w", err)
	}
	if q.Scope != nil && (q.Scope.Nothing || len(q.Scope.Branches()) == 0) {
		return store.SearchPage{Records: []store.Record{}}, nil
	}
	words := strings.Join(store.SearchWords(q.Text), " ")
	candidates := func(before int64) ([]int64, error) {
		if before == 0 {
			before = math.MaxInt64
		}
		rows, err := x.s.pool.Query(ctx, `SELECT pos FROM search_docs WHERE coll = $1 AND pos < $2
			AND doc @@ plainto_tsquery('simple', $3) ORDER BY pos DESC LIMIT $4`, seq, before, words, store.SearchChunk)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, pgx.RowTo[int64])
	}
	admitted := func(pos []int64, limit int) ([]store.Record, []int64, error) {
		var qq query
		qq.b.WriteString(`SELECT ` + recordColumns + `, o.raw, d.pos FROM search_docs d
			JOIN objects o ON o.coll = d.coll AND o.date_added = d.date_added
			WHERE d.coll = ` + qq.arg(seq) + ` AND o.is_latest AND d.pos = ANY(` + qq.arg(pos) + `)`)
		qq.in("o.type", q.Types)
		if len(q.TLPs) > 0 {
			tlps := make([]int16, len(q.TLPs))
			for i, t := range q.TLPs {
				tlps[i] = int16(t)
			}
			qq.b.WriteString(` AND o.tlp = ANY(` + qq.arg(tlps) + `)`)
		}
		if q.Origin != "" {
			qq.b.WriteString(` AND o.origin_org = ` + qq.arg(q.Origin))
		}
		if q.AddedAfter > 0 {
			qq.b.WriteString(` AND o.date_added > ` + qq.arg(q.AddedAfter))
		}
		if q.AddedBefore > 0 {
			qq.b.WriteString(` AND o.date_added < ` + qq.arg(q.AddedBefore))
		}
		if q.Scope != nil {
			qq.scope(q.Scope)
		}
		qq.b.WriteString(` ORDER BY d.pos DESC LIMIT ` + qq.arg(limit))
		rows, err := x.s.pool.Query(ctx, qq.b.String(), qq.args...)
		if err != nil {
			return nil, nil, err
		}
		defer rows.Close()
		return store.SearchRows(rows, q.Collection, func(r *store.Record, p *int64) error {
			return scanRecord(rows, r, true, p)
		})
	}
	p, err := store.SearchLoop(q, candidates, admitted)
	if err != nil {
		return store.SearchPage{}, fmt.Errorf("search %q: %w", q.Collection, err)
	}
	return p, nil
}

// Linked reads the newest links of target in key order, with their objects, in one statement.
func (x searchStore) Linked(ctx context.Context, collection, target string, limit int) ([]store.Record, error) {
	if err := store.CheckLinked(target, limit); err != nil {
		return nil, err
	}
	seq, err := x.s.seq(ctx, collection)
	if err != nil {
		return nil, fmt.Errorf("linked: %w", err)
	}
	rows, err := x.s.pool.Query(ctx, `SELECT `+recordColumns+`, o.raw FROM search_links l
		JOIN objects o ON o.coll = l.coll AND o.date_added = l.date_added
		WHERE l.coll = $1 AND l.target = $2 AND o.is_latest
		ORDER BY l.date_added DESC LIMIT $3`, seq, target, limit)
	if err != nil {
		return nil, fmt.Errorf("linked %q in %q: %w", target, collection, err)
	}
	defer rows.Close()
	recs, _, err := store.SearchRows(rows, collection, func(r *store.Record, _ *int64) error {
		return scanRecord(rows, r, true)
	})
	if err != nil {
		return nil, fmt.Errorf("linked %q in %q: %w", target, collection, err)
	}
	return recs, nil
}
