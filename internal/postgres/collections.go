package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/entente/entente/internal/store"
)

type collectionStore struct{ s *Store }

const collectionColumns = `id, coalesce(alias, ''), title, description, media_types, read_orgs, write_orgs, created_at`

func scanCollection(row pgx.Row) (store.Collection, error) {
	var c store.Collection
	err := row.Scan(&c.ID, &c.Alias, &c.Title, &c.Description, &c.MediaTypes, &c.Read, &c.Write, &c.CreatedAt)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

// list returns l, or an empty list for nil: the columns are NOT NULL.
func orEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// nameTaken returns an ErrConflict error when name is the id or the alias of a collection other
// than self, so that Get by id or alias stays unambiguous. An empty name is never taken.
func nameTaken(ctx context.Context, tx pgx.Tx, self, name string) error {
	if name == "" {
		return nil
	}
	var taken bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM collections WHERE (alias = $1 OR id = $1) AND id <> $2)`, name, self).Scan(&taken)
	if err != nil {
		return err
	}
	if taken {
		return fmt.Errorf("%q is taken: %w", name, store.ErrConflict)
	}
	return nil
}

// lockNames serialises the writers of collection ids and aliases, so that the check of nameTaken
// and the write that follows it are one step for other processes too.
func lockNames(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock+1))
	return err
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Create stores c, generating its id when empty.
func (cs *collectionStore) Create(ctx context.Context, c store.Collection) (store.Collection, error) {
	store.Fill(&c.ID, &c.CreatedAt)
	err := pgx.BeginFunc(ctx, cs.s.pool, func(tx pgx.Tx) error {
		if err := lockNames(ctx, tx); err != nil {
			return err
		}
		if err := errors.Join(nameTaken(ctx, tx, "", c.ID), nameTaken(ctx, tx, "", c.Alias)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO collections (id, alias, title, description, media_types,
			read_orgs, write_orgs, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			c.ID, nullString(c.Alias), c.Title, c.Description, orEmpty(c.MediaTypes), orEmpty(c.Read),
			orEmpty(c.Write), c.CreatedAt)
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
	c, err := scanCollection(cs.s.pool.QueryRow(ctx, `SELECT `+collectionColumns+` FROM collections
		WHERE id = $1 OR alias = $1 ORDER BY id = $1 DESC LIMIT 1`, idOrAlias))
	if errors.Is(err, pgx.ErrNoRows) {
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
	err := pgx.BeginFunc(ctx, cs.s.pool, func(tx pgx.Tx) error {
		if err := lockNames(ctx, tx); err != nil {
			return err
		}
		if err := nameTaken(ctx, tx, c.ID, c.Alias); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE collections SET alias = $1, title = $2, description = $3,
			read_orgs = $4, write_orgs = $5 WHERE id = $6`,
			nullString(c.Alias), c.Title, c.Description, orEmpty(c.Read), orEmpty(c.Write), c.ID)
		if isUnique(err) {
			return fmt.Errorf("alias %q is taken: %w", c.Alias, store.ErrConflict)
		}
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update collection %q: %w", c.ID, err)
	}
	return nil
}
