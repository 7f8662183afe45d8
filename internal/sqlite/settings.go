package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/entente/entente/internal/store"
)

type settingStore struct{ s *Store }

// Get returns the value of key.
func (ss *settingStore) Get(ctx context.Context, key string) (string, error) {
	var v string
	err := ss.s.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("setting %q: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("setting %q: %w", key, err)
	}
	return v, nil
}

// Set writes key, replacing any value.
func (ss *settingStore) Set(ctx context.Context, key, value string) error {
	_, err := ss.s.w.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("set %q: %w", key, err)
	}
	return nil
}

// SetIfAbsent writes key unless it exists.
func (ss *settingStore) SetIfAbsent(ctx context.Context, key, value string) (bool, error) {
	res, err := ss.s.w.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, value)
	if err != nil {
		return false, fmt.Errorf("set %q if absent: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("set %q if absent: %w", key, err)
	}
	return n == 1, nil
}
