package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/entente/entente/internal/store"
)

// searchStore implements store.SearchStore with FTS5 (see migration 0006).
type searchStore struct{ s *Store }

// Search returns the full-text index.
func (s *Store) Search() store.SearchStore { return searchStore{s} }

func (x searchStore) Progress(ctx context.Context, collection string) (store.SearchProgress, error) {
	var p store.SearchProgress
	err := x.s.r.QueryRowContext(ctx, `SELECT c.last_added, coalesce(k.position, 0) FROM collections c
		LEFT JOIN search_cursors k ON k.coll = c.seq WHERE c.id = ?`, collection).Scan(&p.LastAdded, &p.Cursor)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("search progress %q: %w", collection, store.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("search progress %q: %w", collection, err)
	}
	return p, nil
}

// Index replaces each object's entry only when the doc is of a newer version: the old row of
// search_docs, its FTS entry and its links go, a new row (with a new, higher rowid) comes. An
// entry of the doc's own version is given the links it lacks (one indexed before migration 0007).
func (x searchStore) Index(ctx context.Context, collection string, docs []store.SearchDoc, cursor int64) error {
	seq, err := x.s.seq(ctx, collection)
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	err = x.s.write(ctx, func(tx *sql.Tx) error {
		// Each statement is prepared once for the batch, not once a document.
		var st [7]*sql.Stmt
		var err error
		for i, q := range []string{
			`SELECT rowid, date_added FROM search_docs WHERE coll = ? AND id = ?`,
			`DELETE FROM search_fts WHERE rowid = ?`,
			`DELETE FROM search_docs WHERE rowid = ?`,
			`INSERT INTO search_docs (coll, id, date_added) VALUES (?, ?, ?)`,
			`INSERT INTO search_fts (rowid, text) VALUES (?, ?)`,
			`DELETE FROM search_links WHERE coll = ? AND source = ?`,
			`INSERT OR IGNORE INTO search_links (coll, target, date_added, source) VALUES (?, ?, ?, ?)`,
		} {
			if st[i], err = tx.PrepareContext(ctx, q); err != nil {
				return err
			}
			defer st[i].Close()
		}
		find, delText, delDoc, addDoc, addText, delLinks, addLink := st[0], st[1], st[2], st[3], st[4], st[5], st[6]
		link := func(d store.SearchDoc) error {
			for _, target := range d.Links {
				if _, err := addLink.ExecContext(ctx, seq, target, d.DateAdded, d.ID); err != nil {
					return err
				}
			}
			return nil
		}
		for _, d := range docs {
			var old, added int64
			err := find.QueryRowContext(ctx, seq, d.ID).Scan(&old, &added)
			switch {
			case err == nil && added > d.DateAdded:
				continue
			case err == nil && added == d.DateAdded:
				if err := link(d); err != nil {
					return err
				}
				continue
			case err == nil:
				if _, err := delText.ExecContext(ctx, old); err != nil {
					return err
				}
				if _, err := delDoc.ExecContext(ctx, old); err != nil {
					return err
				}
				if _, err := delLinks.ExecContext(ctx, seq, d.ID); err != nil {
					return err
				}
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
			res, err := addDoc.ExecContext(ctx, seq, d.ID, d.DateAdded)
			if err != nil {
				return err
			}
			row, err := res.LastInsertId()
			if err != nil {
				return err
			}
			if _, err := addText.ExecContext(ctx, row, d.Text); err != nil {
				return err
			}
			if err := link(d); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO search_cursors (coll, position) VALUES (?, ?)
			ON CONFLICT (coll) DO UPDATE SET position = max(position, excluded.position)`, seq, cursor)
		return err
	})
	if err != nil {
		return fmt.Errorf("search index %q: %w", collection, err)
	}
	return nil
}

// unindexDeleted keeps the full-text index right after a delete of (seq, id), inside its
// transaction: an entry that no longer points at the object's latest version (it pointed at a
// deleted one, or at an older one while the index was behind) goes, and when a version remains,
// the collection's cursor moves back to just before the latest, so that the follower indexes it
// again (Index passes over the entries it finds current, so the walk writes little).
func unindexDeleted(ctx context.Context, tx *sql.Tx, seq int64, id string) error {
	var row int64
	err := tx.QueryRowContext(ctx, `SELECT s.rowid FROM search_docs s WHERE s.coll = ? AND s.id = ?
		AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.coll = s.coll AND o.date_added = s.date_added AND o.is_latest)`, seq, id).Scan(&row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // no entry, or one of the latest version
	}
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_fts WHERE rowid = ?`, row); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_docs WHERE rowid = ?`, row); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_links WHERE coll = ? AND source = ?`, seq, id); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE search_cursors SET position = min(position,
			(SELECT date_added - 1 FROM objects WHERE coll = ?1 AND id = ?2 AND is_latest))
		WHERE coll = ?1 AND EXISTS (SELECT 1 FROM objects WHERE coll = ?1 AND id = ?2 AND is_latest)`, seq, id)
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	return nil
}

// ftsQuery writes the words as FTS5 strings, all of which must match.
func ftsQuery(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
	}
	return strings.Join(q, " ")
}

// Search walks the FTS5 matches backwards by rowid (newest indexed first, cheap for FTS5) a
// chunk at a time and keeps those whose object passes the query's conditions.
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
	match := ftsQuery(store.SearchWords(q.Text))
	candidates := func(before int64) ([]int64, error) {
		if before == 0 {
			before = math.MaxInt64
		}
		rows, err := x.s.r.QueryContext(ctx, `SELECT rowid FROM search_fts WHERE search_fts MATCH ? AND rowid < ?
			ORDER BY rowid DESC LIMIT ?`, match, before, store.SearchChunk)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var r int64
			if err := rows.Scan(&r); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, rows.Err()
	}
	admitted := func(pos []int64, limit int) ([]store.Record, []int64, error) {
		var b strings.Builder
		args := []any{seq}
		// The entries by rowid, then their objects: "+d.coll" and CROSS JOIN keep the planner
		// from walking every entry of the collection by (coll, id) instead (300 ms at a million).
		b.WriteString(`SELECT ` + recordColumns + `, o.raw, d.rowid FROM search_docs d
			CROSS JOIN objects o ON o.coll = d.coll AND o.date_added = d.date_added
			WHERE +d.coll = ? AND o.is_latest AND d.rowid IN (`)
		for i, p := range pos {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(p, 10))
		}
		b.WriteString(`)`)
		args = inList(&b, args, "o.type", q.Types)
		if len(q.TLPs) > 0 {
			b.WriteString(` AND o.tlp IN (` + marks(len(q.TLPs)) + `)`)
			for _, t := range q.TLPs {
				args = append(args, t)
			}
		}
		if q.Origin != "" {
			b.WriteString(` AND o.origin_org = ?`)
			args = append(args, q.Origin)
		}
		if q.AddedAfter > 0 {
			b.WriteString(` AND o.date_added > ?`)
			args = append(args, q.AddedAfter)
		}
		if q.AddedBefore > 0 {
			b.WriteString(` AND o.date_added < ?`)
			args = append(args, q.AddedBefore)
		}
		if q.Scope != nil {
			args = scopeCond(&b, args, q.Scope)
		}
		b.WriteString(` ORDER BY d.rowid DESC LIMIT ?`)
		args = append(args, limit)
		rows, err := x.s.r.QueryContext(ctx, b.String(), args...)
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
	rows, err := x.s.r.QueryContext(ctx, `SELECT `+recordColumns+`, o.raw FROM search_links l
		JOIN objects o ON o.coll = l.coll AND o.date_added = l.date_added
		WHERE l.coll = ? AND l.target = ? AND o.is_latest
		ORDER BY l.date_added DESC LIMIT ?`, seq, target, limit)
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
