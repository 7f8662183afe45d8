package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// Shares returns the share list store.
func (s *Store) Shares() store.ShareStore { return shareStore{s} }

// Agreements returns the agreement store.
func (s *Store) Agreements() store.AgreementStore { return agreementStore{s} }

type shareStore struct{ s *Store }

// Add names recipients on objectID; the primary key makes a second naming a no-op.
func (ss shareStore) Add(ctx context.Context, objectID string, recipients []string) error {
	if objectID == "" {
		return fmt.Errorf("share: empty object id: %w", store.ErrInvalid)
	}
	if err := store.CheckRecipients(recipients); err != nil {
		return fmt.Errorf("share %s: %w", objectID, err)
	}
	if len(recipients) == 0 {
		return nil
	}
	return ss.s.write(ctx, func(tx *sql.Tx) error {
		for _, r := range recipients {
			// The next number for an entry not there yet; one writer at a time keeps the
			// numbers in commit order.
			_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO object_shares (object_id, recipient, seq)
				VALUES (?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM object_shares WHERE seq > 0))`, objectID, r)
			if err != nil {
				return fmt.Errorf("share %s: %w", objectID, err)
			}
		}
		return nil
	})
}

// SharedSince reads the entries after the given number through the partial index of numbered
// entries.
func (ss shareStore) SharedSince(ctx context.Context, recipients []string, after int64, limit int) ([]store.Shared, error) {
	if len(recipients) == 0 || limit < 1 {
		return nil, nil
	}
	args := []any{max(after, 0)}
	for _, r := range recipients {
		args = append(args, r)
	}
	args = append(args, limit)
	out, err := list(ctx, ss.s, func(r scanner) (store.Shared, error) {
		var v store.Shared
		return v, r.Scan(&v.ObjectID, &v.Recipient, &v.Seq)
	}, `SELECT object_id, recipient, seq FROM object_shares WHERE seq > ? AND recipient IN (`+marks(len(recipients))+`)
		ORDER BY seq LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("shares made since %d: %w", after, err)
	}
	return out, nil
}

// List returns the recipients named on objectID, in order.
func (ss shareStore) List(ctx context.Context, objectID string) ([]string, error) {
	out, err := list(ctx, ss.s, func(r scanner) (string, error) {
		var v string
		return v, r.Scan(&v)
	}, `SELECT recipient FROM object_shares WHERE object_id = ? ORDER BY recipient`, objectID)
	if err != nil {
		return nil, fmt.Errorf("shares of %s: %w", objectID, err)
	}
	return out, nil
}

// ListMany returns the recipients of each of objectIDs that has any. The ids go in as one JSON
// array, so that the statement is the same for every page and is prepared once.
func (ss shareStore) ListMany(ctx context.Context, objectIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(objectIDs) == 0 {
		return out, nil
	}
	ids, err := json.Marshal(objectIDs)
	if err != nil {
		return nil, err
	}
	pairs, err := list(ctx, ss.s, func(r scanner) (p [2]string, err error) {
		return p, r.Scan(&p[0], &p[1])
	}, `SELECT DISTINCT object_id, recipient FROM object_shares
		WHERE object_id IN (SELECT value FROM json_each(?)) ORDER BY object_id, recipient`, string(ids))
	if err != nil {
		return nil, fmt.Errorf("shares of %d objects: %w", len(objectIDs), err)
	}
	for _, p := range pairs {
		out[p[0]] = append(out[p[0]], p[1])
	}
	return out, nil
}

type agreementStore struct{ s *Store }

const agreementColumns = `partner_id, max_tlp, valid_from, valid_until, types, exclude_types, labels,
	exclude_labels, embargo_ns, onward_sharing, personal_data, updated_at`

func scanAgreement(row scanner) (store.Agreement, error) {
	var a store.Agreement
	var tlp, from, until, embargo, updated int64
	var lists [4]string
	err := row.Scan(&a.PartnerID, &tlp, &from, &until, &lists[0], &lists[1], &lists[2], &lists[3], &embargo,
		&a.OnwardSharing, &a.PersonalData, &updated)
	if err != nil {
		return a, err
	}
	for i, dst := range []*[]string{&a.Types, &a.ExcludeTypes, &a.Labels, &a.ExcludeLabels} {
		if err := json.Unmarshal([]byte(lists[i]), dst); err != nil {
			return a, fmt.Errorf("agreement with %s: decode list: %w", a.PartnerID, err)
		}
		if len(*dst) == 0 {
			*dst = nil
		}
	}
	a.MaxTLP = stix.TLP(tlp)
	a.ValidFrom, a.ValidUntil = store.TimeFromMicro(from), store.TimeFromMicro(until)
	a.Embargo = time.Duration(embargo)
	a.UpdatedAt = store.TimeFromMicro(updated)
	return a, nil
}

// Put inserts or replaces the agreement; the foreign key to orgs turns an unknown partner into
// ErrNotFound.
func (as agreementStore) Put(ctx context.Context, a store.Agreement) error {
	if a.PartnerID == "" {
		return fmt.Errorf("put agreement: empty partner id: %w", store.ErrInvalid)
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = time.Now()
	}
	err := as.s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO agreements (`+agreementColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.PartnerID, int64(a.MaxTLP), store.UnixMicro(a.ValidFrom), store.UnixMicro(a.ValidUntil),
			jsonList(a.Types), jsonList(a.ExcludeTypes), jsonList(a.Labels), jsonList(a.ExcludeLabels),
			int64(a.Embargo), a.OnwardSharing, a.PersonalData, store.UnixMicro(a.UpdatedAt))
		if isForeignKey(err) {
			return fmt.Errorf("organisation %q: %w", a.PartnerID, store.ErrNotFound)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("put agreement with %q: %w", a.PartnerID, err)
	}
	return nil
}

// Get returns the agreement with partnerID.
func (as agreementStore) Get(ctx context.Context, partnerID string) (store.Agreement, error) {
	a, err := scanAgreement(as.s.r.QueryRowContext(ctx, `SELECT `+agreementColumns+` FROM agreements WHERE partner_id = ?`, partnerID))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("agreement with %q: %w", partnerID, store.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("agreement with %q: %w", partnerID, err)
	}
	return a, nil
}

// List returns every agreement ordered by partner id.
func (as agreementStore) List(ctx context.Context) ([]store.Agreement, error) {
	out, err := list(ctx, as.s, scanAgreement, `SELECT `+agreementColumns+` FROM agreements ORDER BY partner_id`)
	if err != nil {
		return nil, fmt.Errorf("list agreements: %w", err)
	}
	return out, nil
}

// Remove deletes the agreement with partnerID.
func (as agreementStore) Remove(ctx context.Context, partnerID string) error {
	if err := as.s.deleteOne(ctx, `DELETE FROM agreements WHERE partner_id = ?`, partnerID); err != nil {
		return fmt.Errorf("remove agreement with %q: %w", partnerID, err)
	}
	return nil
}

// deleteOne runs a DELETE of one row in a write transaction; deleting nothing is ErrNotFound.
func (s *Store) deleteOne(ctx context.Context, query string, arg any) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, arg)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, store.ErrNotFound)
		}
		return nil
	})
}
