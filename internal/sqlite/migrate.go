package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/entente/entente/internal/store"
)

// migrate applies the embedded migrations the database lacks. The write transaction of each
// migration holds SQLite's write lock, and the applied set is read again inside it, so two
// processes opening the same file at once apply each migration once.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := store.ReadMigrations(migrationFS, "migrations")
	if err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	if err := checkKnown(ctx, s.w, ms); err != nil {
		return err
	}
	for _, m := range ms {
		applied := false
		err := s.write(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			applied = true
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, time.Now().UnixMicro())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if applied {
			s.logger.InfoContext(ctx, "applied migration", "version", m.Version, "name", m.Name)
		}
	}
	return nil
}

// checkKnown refuses a database that a newer program has migrated further than this one knows:
// migrations only go forward, and this program would not know the schema.
func checkKnown(ctx context.Context, db *sql.DB, ms []store.Migration) error {
	var newest int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	return store.CheckSchemaVersion(newest, ms)
}
