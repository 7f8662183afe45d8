package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/entente/entente/internal/store"
)

type collectionStore struct{ s *Store }

const collectionColumns = `id, coalesce(alias, ''), title, description, media_types, read_orgs, write_orgs, created_at`

func scanCollection(row scanner) (store.Collection, error) {
	var c store.Collection
	var media, read, write string
	var created int64
	if err := row.Scan(&c.ID, &c.Alias, &c.Title, &c.Description, &media, &read, &write, &created); err != nil {
		return c, err
	}
	for _, l := range []struct {
		text string
		dst  *[]string
	}{{media, &c.MediaTypes}, {read, &c.Read}, {write, &c.Write}} {
		if err := json.Unmarshal([]byte(l.text), l.dst); err != nil {
			return c, fmt.Errorf("collection %s: decode list: %w", c.ID, err)
		}
	}
	c.CreatedAt = store.TimeFromMicro(created)
	return c, nil
}

func jsonList(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l) // a []string always encodes
	return string(b)
}

// nameTaken returns an ErrConflict error when name is the id or the alias of a collection other
// than self, so that Get by id or alias stays unambiguous. An empty name is never taken.
func nameTaken(ctx context.Context, tx *sql.Tx, self, name string) error {
	if name == "" {
		return nil
	}
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM collections WHERE (alias = ?1 OR id = ?1) AND id <> ?2`, name, self).Scan(&n)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%q is taken: %w", name, store.ErrConflict)
	}
	return nil
}

// Create stores c, generating its id when empty.
func (cs *collectionStore) Create(ctx context.Context, c store.Collection) (store.Collection, error) {
	store.Fill(&c.ID, &c.CreatedAt)
	err := cs.s.write(ctx, func(tx *sql.Tx) error {
		if err := errors.Join(nameTaken(ctx, tx, "", c.ID), nameTaken(ctx, tx, "", c.Alias)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO collections (id, alias, title, description, media_types,
			read_orgs, write_orgs, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, nullString(c.Alias), c.Title, c.Description, jsonList(c.MediaTypes), jsonList(c.Read),
			jsonList(c.Write), store.UnixMicro(c.CreatedAt))
		if isUnique(err) {
			return fmt.Errorf("id or alias taken: %w", store.ErrConflict)
		}
		return err
	})
	if err != nil {
		return store.Collection{}, fmt.Errorf("create collection %q: %w", c.ID, err)
	}
	return c, nil
}

// Get finds a collection by id, or else by alias.
func (cs *collectionStore) Get(ctx context.Context, idOrAlias string) (store.Collection, error) {
	c, err := scanCollection(cs.s.r.QueryRowContext(ctx, `SELECT `+collectionColumns+` FROM collections
		WHERE id = ?1 OR alias = ?1 ORDER BY id = ?1 DESC LIMIT 1`, idOrAlias))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("collection %q: %w", idOrAlias, store.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("collection %q: %w", idOrAlias, err)
	}
	return c, nil
}

// List returns every collection in order of creation.
func (cs *collectionStore) List(ctx context.Context) ([]store.Collection, error) {
	out, err := list(ctx, cs.s, scanCollection, `SELECT `+collectionColumns+` FROM collections ORDER BY created_at, seq`)
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	return out, nil
}

// Update replaces the title, description, alias and access lists of the collection c.ID.
func (cs *collectionStore) Update(ctx context.Context, c store.Collection) error {
	err := cs.s.write(ctx, func(tx *sql.Tx) error {
		if err := nameTaken(ctx, tx, c.ID, c.Alias); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE collections SET alias = ?, title = ?, description = ?,
			read_orgs = ?, write_orgs = ? WHERE id = ?`,
			nullString(c.Alias), c.Title, c.Description, jsonList(c.Read), jsonList(c.Write), c.ID)
		if isUnique(err) {
			return fmt.Errorf("alias %q is taken: %w", c.Alias, store.ErrConflict)
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, store.ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update collection %q: %w", c.ID, err)
	}
	return nil
}
