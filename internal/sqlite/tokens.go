package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/entente/entente/internal/store"
)

type tokenStore struct{ s *Store }

const tokenColumns = `id, hash, org_id, role, label, created_at, expires_at, revoked_at`

func scanToken(row scanner) (store.Token, error) {
	var t store.Token
	var created, expires, revoked int64
	err := row.Scan(&t.ID, &t.Hash, &t.OrgID, &t.Role, &t.Label, &created, &expires, &revoked)
	t.CreatedAt, t.ExpiresAt, t.RevokedAt = store.TimeFromMicro(created), store.TimeFromMicro(expires), store.TimeFromMicro(revoked)
	return t, err
}

// Create stores t, generating its id when empty. A token of an unknown organisation is
// ErrInvalid.
func (ts *tokenStore) Create(ctx context.Context, t store.Token) (store.Token, error) {
	if len(t.Hash) == 0 {
		return store.Token{}, fmt.Errorf("create token: empty hash: %w", store.ErrInvalid)
	}
	store.Fill(&t.ID, &t.CreatedAt)
	t.ExpiresAt, t.RevokedAt = store.Micro(t.ExpiresAt), store.Micro(t.RevokedAt)
	_, err := ts.s.w.ExecContext(ctx, `INSERT INTO tokens (`+tokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Hash, t.OrgID, t.Role, t.Label, store.UnixMicro(t.CreatedAt), store.UnixMicro(t.ExpiresAt), store.UnixMicro(t.RevokedAt))
	switch {
	case isUnique(err):
		return store.Token{}, fmt.Errorf("create token: id or hash taken: %w", store.ErrConflict)
	case isForeignKey(err):
		return store.Token{}, fmt.Errorf("create token: organisation %q: %w", t.OrgID, store.ErrInvalid)
	case err != nil:
		return store.Token{}, fmt.Errorf("create token: %w", err)
	}
	return t, nil
}

// ByHash finds a token by the hash of its secret.
func (ts *tokenStore) ByHash(ctx context.Context, hash []byte) (store.Token, error) {
	t, err := scanToken(ts.s.r.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Token{}, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("token: %w", err)
	}
	return t, nil
}

// List returns the tokens of an organisation, or all with orgID "", oldest first.
func (ts *tokenStore) List(ctx context.Context, orgID string) ([]store.Token, error) {
	out, err := list(ctx, ts.s, scanToken, `SELECT `+tokenColumns+` FROM tokens WHERE ?1 = '' OR org_id = ?1
		ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// Revoke sets the revocation time of a token.
func (ts *tokenStore) Revoke(ctx context.Context, id string, at time.Time) error {
	if at.IsZero() {
		return fmt.Errorf("revoke token %q: zero time: %w", id, store.ErrInvalid)
	}
	res, err := ts.s.w.ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ?`, store.UnixMicro(at), id)
	if err != nil {
		return fmt.Errorf("revoke token %q: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("revoke token %q: %w", id, errors.Join(err, store.ErrNotFound))
	}
	return nil
}
