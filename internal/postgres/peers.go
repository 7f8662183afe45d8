package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/entente/entente/internal/store"
)

// Peers returns the federation peer store.
func (s *Store) Peers() store.PeerStore { return peerStore{s} }

type peerStore struct{ s *Store }

const peerColumns = `id, name, org_id, url, token, pull, push, collection, public_key, require_signatures,
	identity_id, created_at`

func scanPeer(row pgx.Row) (store.Peer, error) {
	var p store.Peer
	var pull string
	var created int64
	err := row.Scan(&p.ID, &p.Name, &p.OrgID, &p.URL, &p.Token, &pull, &p.Push, &p.Collection, &p.PublicKey,
		&p.RequireSignatures, &p.IdentityID, &created)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(pull), &p.Pull); err != nil {
		return p, fmt.Errorf("peer %s: decode pull list: %w", p.Name, err)
	}
	if len(p.Pull) == 0 {
		p.Pull = nil
	}
	p.CreatedAt = store.TimeFromMicro(created)
	return p, nil
}

// Create stores p; the foreign key to orgs turns an unknown organisation into ErrNotFound.
func (ps peerStore) Create(ctx context.Context, p store.Peer) (store.Peer, error) {
	if err := store.CheckPeer(p); err != nil {
		return store.Peer{}, fmt.Errorf("create peer: %w", err)
	}
	store.Fill(&p.ID, &p.CreatedAt)
	_, err := ps.s.pool.Exec(ctx, `INSERT INTO peers (`+peerColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		p.ID, p.Name, p.OrgID, p.URL, p.Token, jsonList(p.Pull), p.Push, p.Collection, p.PublicKey,
		p.RequireSignatures, p.IdentityID, store.UnixMicro(p.CreatedAt))
	switch {
	case isUnique(err):
		return store.Peer{}, fmt.Errorf("create peer %q: id or name taken: %w", p.Name, store.ErrConflict)
	case isForeignKey(err):
		return store.Peer{}, fmt.Errorf("create peer %q: organisation %q: %w", p.Name, p.OrgID, store.ErrNotFound)
	case err != nil:
		return store.Peer{}, fmt.Errorf("create peer %q: %w", p.Name, err)
	}
	return p, nil
}

// Get finds a peer by id, or else by name.
func (ps peerStore) Get(ctx context.Context, idOrName string) (store.Peer, error) {
	p, err := scanPeer(ps.s.pool.QueryRow(ctx, `SELECT `+peerColumns+` FROM peers
		WHERE id = $1 OR name = $1 ORDER BY id = $1 DESC LIMIT 1`, idOrName))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("peer %q: %w", idOrName, store.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("peer %q: %w", idOrName, err)
	}
	return p, nil
}

// List returns all peers by name.
func (ps peerStore) List(ctx context.Context) ([]store.Peer, error) {
	out, err := list(ctx, ps.s, scanPeer, `SELECT `+peerColumns+` FROM peers ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list peers: %w", err)
	}
	return out, nil
}

// Remove deletes the peer; its cursors and status go with it (ON DELETE CASCADE).
func (ps peerStore) Remove(ctx context.Context, id string) error {
	tag, err := ps.s.pool.Exec(ctx, `DELETE FROM peers WHERE id = $1`, id)
	if err == nil && tag.RowsAffected() == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("remove peer %q: %w", id, err)
	}
	return nil
}

// Cursor returns one cursor.
func (ps peerStore) Cursor(ctx context.Context, peerID, direction, collection string) (store.Cursor, error) {
	c := store.Cursor{PeerID: peerID, Direction: direction, Collection: collection}
	var updated int64
	err := ps.s.pool.QueryRow(ctx, `SELECT position, state, updated_at FROM peer_cursors
		WHERE peer_id = $1 AND direction = $2 AND collection = $3`, peerID, direction, collection).
		Scan(&c.Position, &c.State, &updated)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, fmt.Errorf("%s cursor of peer %s in %q: %w", direction, peerID, collection, store.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("%s cursor of peer %s in %q: %w", direction, peerID, collection, err)
	}
	c.UpdatedAt = store.TimeFromMicro(updated)
	return c, nil
}

// SetCursor creates or replaces a cursor.
func (ps peerStore) SetCursor(ctx context.Context, c store.Cursor) error {
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = time.Now()
	}
	_, err := ps.s.pool.Exec(ctx, `INSERT INTO peer_cursors (peer_id, direction, collection, position, state, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (peer_id, direction, collection) DO UPDATE SET position = excluded.position,
			state = excluded.state, updated_at = excluded.updated_at`,
		c.PeerID, c.Direction, c.Collection, c.Position, c.State, store.UnixMicro(c.UpdatedAt))
	if isForeignKey(err) {
		return fmt.Errorf("set cursor: peer %s: %w", c.PeerID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("set %s cursor of peer %s: %w", c.Direction, c.PeerID, err)
	}
	return nil
}

const peerStatusColumns = `last_success, last_error, last_error_at, pull_behind_since, push_behind_since,
	objects_in, objects_out, rejected, lease_holder, lease_until`

func scanPeerStatus(peerID string, row pgx.Row) (store.PeerStatus, error) {
	st := store.PeerStatus{PeerID: peerID}
	var ok, errAt, pull, push, lease int64
	err := row.Scan(&ok, &st.LastError, &errAt, &pull, &push, &st.ObjectsIn, &st.ObjectsOut, &st.Rejected, &st.LeaseHolder, &lease)
	st.LastSuccess, st.LastErrorAt = store.TimeFromMicro(ok), store.TimeFromMicro(errAt)
	st.PullBehindSince, st.PushBehindSince = store.TimeFromMicro(pull), store.TimeFromMicro(push)
	st.LeaseUntil = store.TimeFromMicro(lease)
	return st, err
}

// update reads the peer's status row (creating it when missing) locked FOR UPDATE, lets change
// modify it, and writes it back when change reports a change, all in one transaction.
func (ps peerStore) update(ctx context.Context, peerID string, change func(*store.PeerStatus) bool) error {
	return pgx.BeginFunc(ctx, ps.s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO peer_status (peer_id) VALUES ($1) ON CONFLICT DO NOTHING`, peerID)
		if isForeignKey(err) {
			return fmt.Errorf("peer %s: %w", peerID, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		st, err := scanPeerStatus(peerID, tx.QueryRow(ctx, `SELECT `+peerStatusColumns+` FROM peer_status WHERE peer_id = $1 FOR UPDATE`, peerID))
		if err != nil {
			return err
		}
		if !change(&st) {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE peer_status SET last_success = $1, last_error = $2, last_error_at = $3,
			pull_behind_since = $4, push_behind_since = $5, objects_in = $6, objects_out = $7, rejected = $8,
			lease_holder = $9, lease_until = $10 WHERE peer_id = $11`,
			store.UnixMicro(st.LastSuccess), st.LastError, store.UnixMicro(st.LastErrorAt), store.UnixMicro(st.PullBehindSince),
			store.UnixMicro(st.PushBehindSince), st.ObjectsIn, st.ObjectsOut, st.Rejected, st.LeaseHolder,
			store.UnixMicro(st.LeaseUntil), st.PeerID)
		return err
	})
}

// Record applies e to the peer's status.
func (ps peerStore) Record(ctx context.Context, peerID string, e store.PeerEvent) error {
	err := ps.update(ctx, peerID, func(st *store.PeerStatus) bool { st.Apply(e); return true })
	if err != nil {
		return fmt.Errorf("record %s round of peer %s: %w", e.Direction, peerID, err)
	}
	return nil
}

// Status returns the peer's status.
func (ps peerStore) Status(ctx context.Context, peerID string) (store.PeerStatus, error) {
	if _, err := ps.Get(ctx, peerID); err != nil {
		return store.PeerStatus{}, err
	}
	st, err := scanPeerStatus(peerID, ps.s.pool.QueryRow(ctx, `SELECT `+peerStatusColumns+` FROM peer_status WHERE peer_id = $1`, peerID))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.PeerStatus{PeerID: peerID}, nil
	}
	if err != nil {
		return st, fmt.Errorf("status of peer %s: %w", peerID, err)
	}
	return st, nil
}

// Lease takes or renews the lease under the row lock of the peer's status.
func (ps peerStore) Lease(ctx context.Context, peerID, holder string, now, until time.Time) (bool, error) {
	var got bool
	err := ps.update(ctx, peerID, func(st *store.PeerStatus) bool {
		if st.LeaseHolder != holder && st.LeaseUntil.After(now) {
			return false
		}
		st.LeaseHolder, st.LeaseUntil, got = holder, store.Micro(until), true
		return true
	})
	if err != nil {
		return false, fmt.Errorf("lease of peer %s: %w", peerID, err)
	}
	return got, nil
}

// Watermark returns the highest last_added of all collections plus the highest share list
// number: it changes whenever anything is added or shared.
func (ps peerStore) Watermark(ctx context.Context) (int64, error) {
	var w int64
	if err := ps.s.pool.QueryRow(ctx, `SELECT (SELECT coalesce(max(last_added), 0) FROM collections) +
		(SELECT coalesce(max(seq), 0) FROM object_shares WHERE seq > 0)`).Scan(&w); err != nil {
		return 0, fmt.Errorf("watermark: %w", err)
	}
	return w, nil
}
