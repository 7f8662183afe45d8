package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/entente/entente/internal/store"
)

// PutStatus stores or replaces a TAXII status resource.
func (s *Store) PutStatus(ctx context.Context, id, orgID string, created time.Time, body []byte) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO taxii_status (id, org_id, created_us, body) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET org_id = excluded.org_id, created_us = excluded.created_us, body = excluded.body`,
		id, orgID, created.UnixMicro(), body)
	if err != nil {
		return fmt.Errorf("put status %s: %w", id, err)
	}
	return nil
}

// Status returns a status resource and the organisation that owns it.
func (s *Store) Status(ctx context.Context, id string) ([]byte, string, error) {
	var body []byte
	var org string
	err := s.r.QueryRowContext(ctx, `SELECT body, org_id FROM taxii_status WHERE id = ?`, id).Scan(&body, &org)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", fmt.Errorf("status %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, "", fmt.Errorf("status %s: %w", id, err)
	}
	return body, org, nil
}

// PruneStatuses removes status resources created before the given time.
func (s *Store) PruneStatuses(ctx context.Context, before time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM taxii_status WHERE created_us < ?`, before.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("prune statuses: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
