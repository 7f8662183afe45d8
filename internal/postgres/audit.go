package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/entente/entente/internal/store"
)

// auditLock is the key of the transaction-scoped advisory lock that serialises Append ("audit" in
// ASCII). Advisory locks are per database: stores in several schemas of one database share it,
// which only makes their appends wait for each other.
const auditLock = 0x6175646974

// auditPage is how many entries Scan reads per query.
const auditPage = 500

// Audit returns the audit log.
func (s *Store) Audit() store.AuditStore { return auditStore{s} }

type auditStore struct{ s *Store }

const auditColumns = `seq, time, actor, action, path, object, decision, detail, prev_hash, hash`

// Append takes the advisory lock, then reads the last entry and inserts the new one, and the
// head, in the same transaction. The lock is held until commit, so every other Append, from any connection or
// process, reads the log only once this entry is in it (each statement of a READ COMMITTED
// transaction sees what was committed before it began).
func (as auditStore) Append(ctx context.Context, e store.AuditEntry, seal func(e *store.AuditEntry)) (store.AuditEntry, error) {
	if seal == nil {
		return store.AuditEntry{}, fmt.Errorf("append audit entry: no seal function: %w", store.ErrInvalid)
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = store.Micro(e.Time)
	err := pgx.BeginFunc(ctx, as.s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(auditLock)); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		var seq int64
		var prev []byte
		err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("read last entry: %w", err)
		}
		if len(prev) == 0 {
			prev = nil
		}
		e.Seq, e.PrevHash = seq+1, prev
		seal(&e)
		if err := store.CheckSealed(&e, seq+1, prev); err != nil {
			return err
		}
		prevHash := e.PrevHash
		if prevHash == nil {
			prevHash = []byte{}
		}
		_, err = tx.Exec(ctx, `INSERT INTO audit_log (`+auditColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			e.Seq, e.Time, e.Actor, e.Action, e.Path, e.Object, e.Decision, e.Detail, prevHash, e.Hash)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, store.AuditHead, strconv.FormatInt(e.Seq, 10))
		return err
	})
	if err != nil {
		return store.AuditEntry{}, fmt.Errorf("append audit entry: %w", err)
	}
	return e, nil
}

// Scan reads the log in pages by seq, calling fn between queries, so that fn holds no connection
// and may take its time (or append).
func (as auditStore) Scan(ctx context.Context, after int64, fn func(store.AuditEntry) error) error {
	for {
		page, err := list(ctx, as.s, scanAudit, `SELECT `+auditColumns+` FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`,
			after, auditPage)
		if err != nil {
			return fmt.Errorf("scan audit log after %d: %w", after, err)
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(page) < auditPage {
			return nil
		}
		after = page[len(page)-1].Seq
	}
}

func scanAudit(row pgx.Row) (store.AuditEntry, error) {
	var e store.AuditEntry
	err := row.Scan(&e.Seq, &e.Time, &e.Actor, &e.Action, &e.Path, &e.Object, &e.Decision, &e.Detail, &e.PrevHash, &e.Hash)
	e.Time = e.Time.UTC()
	if len(e.PrevHash) == 0 {
		e.PrevHash = nil
	}
	return e, err
}
