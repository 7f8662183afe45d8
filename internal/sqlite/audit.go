package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/entente/entente/internal/store"
)

// auditPage is how many entries Scan reads per query.
const auditPage = 500

// Audit returns the audit log.
func (s *Store) Audit() store.AuditStore { return auditStore{s} }

type auditStore struct{ s *Store }

const auditColumns = `seq, time, actor, action, path, object, decision, detail, prev_hash, hash`

// Append reads the last entry and inserts the new one, and the head, in one write transaction. SQLite has one
// writer per database file, and the transaction takes the write lock when it begins (BEGIN
// IMMEDIATE), so appends from every connection and process are serialised.
func (as auditStore) Append(ctx context.Context, e store.AuditEntry, seal func(e *store.AuditEntry)) (store.AuditEntry, error) {
	if seal == nil {
		return store.AuditEntry{}, fmt.Errorf("append audit entry: no seal function: %w", store.ErrInvalid)
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = store.Micro(e.Time)
	err := as.s.write(ctx, func(tx *sql.Tx) error {
		var seq int64
		var prev []byte
		err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
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
		_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Seq, store.UnixMicro(e.Time), e.Actor, e.Action, e.Path, e.Object, e.Decision, e.Detail,
			nonNil(e.PrevHash), e.Hash)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, store.AuditHead, strconv.FormatInt(e.Seq, 10))
		return err
	})
	if err != nil {
		return store.AuditEntry{}, fmt.Errorf("append audit entry: %w", err)
	}
	return e, nil
}

// nonNil returns b, or an empty slice for nil so that the NOT NULL column takes it.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// Scan reads the log in pages by seq, calling fn between queries, so that fn may take its time
// (or append) without holding a read transaction open.
func (as auditStore) Scan(ctx context.Context, after int64, fn func(store.AuditEntry) error) error {
	for {
		page, err := list(ctx, as.s, scanAudit, `SELECT `+auditColumns+` FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`,
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

func scanAudit(row scanner) (store.AuditEntry, error) {
	var e store.AuditEntry
	var t int64
	err := row.Scan(&e.Seq, &t, &e.Actor, &e.Action, &e.Path, &e.Object, &e.Decision, &e.Detail, &e.PrevHash, &e.Hash)
	e.Time = store.TimeFromMicro(t)
	if len(e.PrevHash) == 0 {
		e.PrevHash = nil
	}
	return e, err
}
