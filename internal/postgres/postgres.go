package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/entente/entente/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLock is the key of the advisory lock Open holds while it migrates ("entente" in
// ASCII).
const migrationLock = 0x656e74656e7465

// Store is a PostgreSQL database opened by Open. It implements store.Store and is safe for
// concurrent use.
type Store struct {
	pool   *pgxpool.Pool
	logger *slog.Logger
	colls  sync.Map // collection id -> seq; collections are never deleted
	now    func() time.Time

	objects     objectStore
	collections collectionStore
	orgs        orgStore
	tokens      tokenStore
	settings    settingStore
	analyze     analyzer // refreshes the statistics of bulk-filled tables (analyze.go)
}

var _ store.Store = (*Store)(nil)

// Open connects to the database dsn (a postgres:// URL or key=value string) and brings its
// schema up to date.
func Open(ctx context.Context, dsn string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		// The planner's cost of a page (a walk of an index with a subquery per row) passes
		// jit_above_cost, and compiling then takes longer than the page itself; the DSN may
		// still turn JIT on.
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	s := &Store{pool: pool, logger: logger, now: time.Now}
	s.objects = objectStore{s}
	s.collections = collectionStore{s}
	s.orgs = orgStore{s}
	s.tokens = tokenStore{s}
	s.settings = settingStore{s}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	return s, nil
}

// migrate applies the embedded migrations the database lacks, each in its own transaction, while
// holding an advisory lock on one connection.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := store.ReadMigrations(migrationFS, "migrations")
	if err != nil {
		return err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLock))
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	var newest int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("migrate: read schema_migrations: %w", err)
	}
	if err := store.CheckSchemaVersion(newest, ms); err != nil {
		return err
	}
	for _, m := range ms {
		if m.Version <= newest {
			continue // applied: the lock we hold means no one else is applying anything
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		s.logger.InfoContext(ctx, "applied migration", "version", m.Version, "name", m.Name)
	}
	return nil
}

// Objects returns the object store.
func (s *Store) Objects() store.ObjectStore { return &s.objects }

// Collections returns the collection store.
func (s *Store) Collections() store.CollectionStore { return &s.collections }

// Orgs returns the organisation store.
func (s *Store) Orgs() store.OrgStore { return &s.orgs }

// Tokens returns the token store.
func (s *Store) Tokens() store.TokenStore { return &s.tokens }

// Settings returns the settings store.
func (s *Store) Settings() store.SettingStore { return &s.settings }

// SetClock replaces the clock that date_added is taken from, for tests of clocks that stand
// still or go back. Call it before using the store.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Close closes the connection pool.
func (s *Store) Close() error {
	s.analyze.wait()
	s.pool.Close()
	return nil
}

// pgCode returns the SQLSTATE of a PostgreSQL error, or "".
func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// isUnique reports whether err violates a unique constraint.
func isUnique(err error) bool { return pgCode(err) == "23505" }

// isForeignKey reports whether err violates a foreign key.
func isForeignKey(err error) bool { return pgCode(err) == "23503" }

// list runs a query and collects every row with scan.
func list[T any](ctx context.Context, s *Store, scan func(pgx.Row) (T, error), q string, args ...any) ([]T, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
}

// nullTime turns the zero time into NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// timeOf is the inverse of nullTime, in UTC.
func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
