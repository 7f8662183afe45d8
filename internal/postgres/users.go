package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/entente/entente/internal/store"
)

// Users returns the user and session store.
func (s *Store) Users() store.UserStore { return userStore{s} }

type userStore struct{ s *Store }

const userColumns = `id, name, org_id, role, password_hash, created_at`

func scanUser(row pgx.Row) (store.User, error) {
	var u store.User
	err := row.Scan(&u.ID, &u.Name, &u.OrgID, &u.Role, &u.PasswordHash, &u.CreatedAt)
	u.CreatedAt = u.CreatedAt.UTC()
	return u, err
}

// Create stores u, generating its id when empty.
func (us userStore) Create(ctx context.Context, u store.User) (store.User, error) {
	if err := store.CheckUser(u); err != nil {
		return store.User{}, err
	}
	store.Fill(&u.ID, &u.CreatedAt)
	_, err := us.s.pool.Exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		u.ID, u.Name, u.OrgID, u.Role, u.PasswordHash, u.CreatedAt)
	switch {
	case isUnique(err):
		return store.User{}, fmt.Errorf("create user %q: name or id taken: %w", u.Name, store.ErrConflict)
	case isForeignKey(err):
		return store.User{}, fmt.Errorf("create user %q: organisation %q: %w", u.Name, u.OrgID, store.ErrInvalid)
	case err != nil:
		return store.User{}, fmt.Errorf("create user %q: %w", u.Name, err)
	}
	return u, nil
}

// Get finds a user by id or name.
func (us userStore) Get(ctx context.Context, idOrName string) (store.User, error) {
	u, err := scanUser(us.s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1 OR name = $1
		ORDER BY id = $1 DESC LIMIT 1`, idOrName))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.User{}, fmt.Errorf("user %q: %w", idOrName, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, fmt.Errorf("user %q: %w", idOrName, err)
	}
	return u, nil
}

// List returns every user by name.
func (us userStore) List(ctx context.Context) ([]store.User, error) {
	out, err := list(ctx, us.s, scanUser, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// SetPassword replaces a user's password hash.
func (us userStore) SetPassword(ctx context.Context, id, hash string) error {
	if hash == "" {
		return fmt.Errorf("set password of %q: empty hash: %w", id, store.ErrInvalid)
	}
	tag, err := us.s.pool.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, id)
	if err != nil {
		return fmt.Errorf("set password of %q: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set password of %q: %w", id, store.ErrNotFound)
	}
	return nil
}

// CreateSession stores a session.
func (us userStore) CreateSession(ctx context.Context, s store.Session) error {
	if len(s.Hash) == 0 {
		return fmt.Errorf("create session: empty hash: %w", store.ErrInvalid)
	}
	_, err := us.s.pool.Exec(ctx, `INSERT INTO sessions (hash, user_id, csrf, lang, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, s.Hash, s.UserID, s.CSRF, s.Lang, store.Micro(s.CreatedAt), store.Micro(s.ExpiresAt))
	switch {
	case isUnique(err):
		return fmt.Errorf("create session: %w", store.ErrConflict)
	case isForeignKey(err):
		return fmt.Errorf("create session: user %q: %w", s.UserID, store.ErrInvalid)
	case err != nil:
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session finds a session by the hash of its secret.
func (us userStore) Session(ctx context.Context, hash []byte) (store.Session, error) {
	var s store.Session
	err := us.s.pool.QueryRow(ctx, `SELECT hash, user_id, csrf, lang, created_at, expires_at FROM sessions WHERE hash = $1`, hash).
		Scan(&s.Hash, &s.UserID, &s.CSRF, &s.Lang, &s.CreatedAt, &s.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Session{}, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("session: %w", err)
	}
	s.CreatedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC()
	return s, nil
}

// DeleteSession removes a session.
func (us userStore) DeleteSession(ctx context.Context, hash []byte) error {
	if _, err := us.s.pool.Exec(ctx, `DELETE FROM sessions WHERE hash = $1`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// PruneSessions removes sessions that expired before the given time.
func (us userStore) PruneSessions(ctx context.Context, before time.Time) (int, error) {
	tag, err := us.s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("prune sessions: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// SignInFailed counts a failure in one upsert.
func (us userStore) SignInFailed(ctx context.Context, key string, at time.Time, window time.Duration) (int, error) {
	var n int
	err := us.s.pool.QueryRow(ctx, `INSERT INTO signin_failures (key, n, last) VALUES ($1, 1, $2)
		ON CONFLICT (key) DO UPDATE SET n = CASE WHEN $2 - signin_failures.last >= $3 THEN 1 ELSE signin_failures.n + 1 END,
			last = greatest(signin_failures.last, $2)
		RETURNING n`, key, store.UnixMicro(at), window.Microseconds()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count a failed sign-in: %w", err)
	}
	return n, nil
}

func (us userStore) SignInFailures(ctx context.Context, key string) (int, time.Time, error) {
	var n int
	var last int64
	err := us.s.pool.QueryRow(ctx, `SELECT n, last FROM signin_failures WHERE key = $1`, key).Scan(&n, &last)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("failed sign-ins: %w", err)
	}
	return n, store.TimeFromMicro(last), nil
}

func (us userStore) ClearSignInFailures(ctx context.Context, key string) error {
	if _, err := us.s.pool.Exec(ctx, `DELETE FROM signin_failures WHERE key = $1`, key); err != nil {
		return fmt.Errorf("clear failed sign-ins: %w", err)
	}
	return nil
}

func (us userStore) PruneSignInFailures(ctx context.Context, before time.Time) (int, error) {
	tag, err := us.s.pool.Exec(ctx, `DELETE FROM signin_failures WHERE last < $1`, store.UnixMicro(before))
	if err != nil {
		return 0, fmt.Errorf("prune failed sign-ins: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
