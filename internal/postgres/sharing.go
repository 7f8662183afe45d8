package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

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
	err := pgx.BeginFunc(ctx, ss.s.pool, func(tx pgx.Tx) error {
		// One numbering transaction at a time, so that the numbers are given in commit order and
		// SharedSince never passes one that commits later.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, shareSeqLock); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO object_shares (object_id, recipient, seq)
			SELECT $1, r, (SELECT coalesce(max(seq), 0) FROM object_shares WHERE seq > 0) + row_number() OVER ()
			FROM unnest($2::text[]) AS r ON CONFLICT DO NOTHING`, objectID, recipients)
		return err
	})
	if err != nil {
		return fmt.Errorf("share %s: %w", objectID, err)
	}
	return nil
}

// shareSeqLock is the advisory lock that serialises the numbering of share list entries.
const shareSeqLock = 0x656e74656e7465 // "entente"

// SharedSince reads the entries after the given number through the partial index of numbered
// entries.
func (ss shareStore) SharedSince(ctx context.Context, recipients []string, after int64, limit int) ([]store.Shared, error) {
	if len(recipients) == 0 || limit < 1 {
		return nil, nil
	}
	rows, err := ss.s.pool.Query(ctx, `SELECT object_id, recipient, seq FROM object_shares
		WHERE seq > $1 AND recipient = ANY($2) ORDER BY seq LIMIT $3`, max(after, 0), recipients, limit)
	if err != nil {
		return nil, fmt.Errorf("shares made since %d: %w", after, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Shared, error) {
		var v store.Shared
		return v, r.Scan(&v.ObjectID, &v.Recipient, &v.Seq)
	})
	if err != nil {
		return nil, fmt.Errorf("shares made since %d: %w", after, err)
	}
	return out, nil
}

// List returns the recipients named on objectID, in order.
func (ss shareStore) List(ctx context.Context, objectID string) ([]string, error) {
	out, err := list(ctx, ss.s, func(r pgx.Row) (string, error) {
		var v string
		return v, r.Scan(&v)
	}, `SELECT recipient FROM object_shares WHERE object_id = $1 ORDER BY recipient`, objectID)
	if err != nil {
		return nil, fmt.Errorf("shares of %s: %w", objectID, err)
	}
	return out, nil
}

// ListMany returns the recipients of each of objectIDs that has any, in one query.
func (ss shareStore) ListMany(ctx context.Context, objectIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(objectIDs) == 0 {
		return out, nil
	}
	pairs, err := list(ctx, ss.s, func(r pgx.Row) (p [2]string, err error) {
		return p, r.Scan(&p[0], &p[1])
	}, `SELECT DISTINCT object_id, recipient FROM object_shares WHERE object_id = ANY($1) ORDER BY object_id, recipient`, objectIDs)
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

func scanAgreement(row pgx.Row) (store.Agreement, error) {
	var a store.Agreement
	var tlp int16
	var from, until *time.Time
	var embargo int64
	var lists [4]string
	err := row.Scan(&a.PartnerID, &tlp, &from, &until, &lists[0], &lists[1], &lists[2], &lists[3], &embargo,
		&a.OnwardSharing, &a.PersonalData, &a.UpdatedAt)
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
	a.ValidFrom, a.ValidUntil = timeOf(from), timeOf(until)
	a.Embargo = time.Duration(embargo)
	a.UpdatedAt = a.UpdatedAt.UTC()
	return a, nil
}

// jsonList encodes a list field as a JSON array, [] for none.
func jsonList(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l) // a []string always encodes
	return string(b)
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
	_, err := as.s.pool.Exec(ctx, `INSERT INTO agreements (`+agreementColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (partner_id) DO UPDATE SET max_tlp = excluded.max_tlp, valid_from = excluded.valid_from,
			valid_until = excluded.valid_until, types = excluded.types, exclude_types = excluded.exclude_types,
			labels = excluded.labels, exclude_labels = excluded.exclude_labels, embargo_ns = excluded.embargo_ns,
			onward_sharing = excluded.onward_sharing, personal_data = excluded.personal_data,
			updated_at = excluded.updated_at`,
		a.PartnerID, int16(a.MaxTLP), nullTime(a.ValidFrom), nullTime(a.ValidUntil), jsonList(a.Types),
		jsonList(a.ExcludeTypes), jsonList(a.Labels), jsonList(a.ExcludeLabels), int64(a.Embargo), a.OnwardSharing,
		a.PersonalData, a.UpdatedAt)
	if isForeignKey(err) {
		return fmt.Errorf("put agreement: organisation %q: %w", a.PartnerID, store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("put agreement with %q: %w", a.PartnerID, err)
	}
	return nil
}

// Get returns the agreement with partnerID.
func (as agreementStore) Get(ctx context.Context, partnerID string) (store.Agreement, error) {
	a, err := scanAgreement(as.s.pool.QueryRow(ctx, `SELECT `+agreementColumns+` FROM agreements WHERE partner_id = $1`, partnerID))
	if errors.Is(err, pgx.ErrNoRows) {
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
	tag, err := as.s.pool.Exec(ctx, `DELETE FROM agreements WHERE partner_id = $1`, partnerID)
	if err != nil {
		return fmt.Errorf("remove agreement with %q: %w", partnerID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("remove agreement with %q: %w", partnerID, store.ErrNotFound)
	}
	return nil
}
