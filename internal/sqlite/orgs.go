package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/entente/entente/internal/store"
)

type orgStore struct{ s *Store }

const orgColumns = `id, name, country, contact, identity_id, self, created_at`

func scanOrg(row scanner) (store.Org, error) {
	var o store.Org
	var created int64
	err := row.Scan(&o.ID, &o.Name, &o.Country, &o.Contact, &o.IdentityID, &o.Self, &created)
	o.CreatedAt = store.TimeFromMicro(created)
	return o, err
}

// Create stores o, generating its id when empty. The unique indexes on id, name and self turn a
// second organisation of the same name, or a second own one, into ErrConflict.
func (g *orgStore) Create(ctx context.Context, o store.Org) (store.Org, error) {
	if o.Name == "" {
		return store.Org{}, fmt.Errorf("create organisation: empty name: %w", store.ErrInvalid)
	}
	store.Fill(&o.ID, &o.CreatedAt)
	_, err := g.s.w.ExecContext(ctx, `INSERT INTO orgs (`+orgColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.Name, o.Country, o.Contact, o.IdentityID, o.Self, store.UnixMicro(o.CreatedAt))
	if isUnique(err) {
		return store.Org{}, fmt.Errorf("create organisation %q: id, name or own organisation taken: %w", o.Name, store.ErrConflict)
	}
	if err != nil {
		return store.Org{}, fmt.Errorf("create organisation %q: %w", o.Name, err)
	}
	return o, nil
}

func (g *orgStore) one(ctx context.Context, what, where string, args ...any) (store.Org, error) {
	o, err := scanOrg(g.s.r.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM orgs WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Org{}, fmt.Errorf("organisation %s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return store.Org{}, fmt.Errorf("organisation %s: %w", what, err)
	}
	return o, nil
}

// Get finds an organisation by id, or else by name.
func (g *orgStore) Get(ctx context.Context, idOrName string) (store.Org, error) {
	return g.one(ctx, fmt.Sprintf("%q", idOrName), `id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1`, idOrName)
}

// Self returns the own organisation.
func (g *orgStore) Self(ctx context.Context) (store.Org, error) {
	return g.one(ctx, "self", `self`)
}

// List returns the own organisation first, then the others by name.
func (g *orgStore) List(ctx context.Context) ([]store.Org, error) {
	out, err := list(ctx, g.s, scanOrg, `SELECT `+orgColumns+` FROM orgs ORDER BY self DESC, name`)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	return out, nil
}
