package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/entente/entente/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// BusyTimeout is how long a statement waits for another connection or process holding the
// write lock before it fails.
const BusyTimeout = 10 * time.Second

// Store is an SQLite database opened by Open. It implements store.Store and is safe for
// concurrent use.
type Store struct {
	w      *sql.DB // one connection: every write
	r      *sql.DB // query-only pool
	ckpt   *checkpointer
	logger *slog.Logger

	colls   sync.Map // collection id -> seq; collections are never deleted
	collIDs sync.Map // seq -> collection id
	now     func() time.Time

	objects     objectStore
	collections collectionStore
	orgs        orgStore
	tokens      tokenStore
	settings    settingStore
}

var _ store.Store = (*Store)(nil)

// Open opens the database file at path, creating it and its parent directory when missing, and
// brings its schema up to date.
func Open(ctx context.Context, path string, logger *slog.Logger) (*Store, error) {
	if path == "" {
		return nil, fmt.Errorf("open sqlite: empty path: %w", store.ErrInvalid)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("open sqlite: create directory: %w", err)
		}
	}
	w, err := openDB(path, 1, false)
	if err != nil {
		return nil, err
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	r, err := openDB(path, readers, true)
	if err != nil {
		w.Close()
		return nil, err
	}
	s := &Store{w: w, r: r, logger: logger, now: time.Now}
	s.objects = objectStore{s}
	s.collections = collectionStore{s}
	s.orgs = orgStore{s}
	s.tokens = tokenStore{s}
	s.settings = settingStore{s}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if s.ckpt, err = startCheckpointer(path, logger); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// openDB opens a pool of n connections with the pragmas every connection needs.
func openDB(path string, n int, readOnly bool) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Statement journals and temporary sorts stay in memory: a multi-row INSERT otherwise writes
	// every page it touches to a temporary file first.
	q.Add("_pragma", "temp_store(MEMORY)")
	// A page cache large enough for the hot parts of the object indexes: inserts with random
	// UUIDs touch pages all over the id index.
	q.Add("_pragma", fmt.Sprintf("cache_size(%d)", -cacheKiB(readOnly)))
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// Take the write lock when the transaction starts, so that a read-then-write transaction
		// waits for another writer instead of failing with SQLITE_BUSY when it upgrades.
		q.Set("_txlock", "immediate")
		// Checkpoints are the checkpointer's (checkpoint.go); the writer checkpoints only when
		// the log outgrows walHardPages, and a restarted log is cut back to walKeepBytes.
		q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walHardPages))
		q.Add("_pragma", fmt.Sprintf("journal_size_limit(%d)", walKeepBytes))
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	var db *sql.DB
	var err error
	if readOnly {
		db = sql.OpenDB(readConnector{dsn})
	} else if db, err = sql.Open("sqlite", dsn); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

// cacheKiB is the page cache of one connection: larger for the writer, which walks the indexes
// of every insert.
func cacheKiB(readOnly bool) int {
	if readOnly {
		return 16 << 10
	}
	return 64 << 10
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

// Close stops the checkpointer and closes the connection pools.
func (s *Store) Close() error {
	var err error
	if s.ckpt != nil {
		err = s.ckpt.close()
	}
	return errors.Join(err, s.r.Close(), s.w.Close())
}

// Checkpoint copies the write-ahead log into the database file and empties it. The background
// checkpointer does this by itself; Checkpoint is for a caller that wants the store settled now,
// such as the benchmark after a bulk import and index build left a log of up to 1 GiB.
func (s *Store) Checkpoint(ctx context.Context) error {
	return s.ckpt.flush(ctx)
}

// write runs fn in one write transaction (BEGIN IMMEDIATE) and commits when it returns nil.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if s.ckpt != nil {
		s.ckpt.nudge()
	}
	return nil
}

// isConstraint reports whether err is an SQLite constraint violation of the given extended code
// (sqlite3.SQLITE_CONSTRAINT_UNIQUE and the like).
func isConstraint(err error, codes ...int) bool {
	var e *msqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, c := range codes {
		if e.Code() == c {
			return true
		}
	}
	return false
}

// isUnique reports whether err violates a UNIQUE or PRIMARY KEY constraint.
func isUnique(err error) bool {
	return isConstraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// isForeignKey reports whether err violates a FOREIGN KEY constraint.
func isForeignKey(err error) bool {
	return isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// list runs a query on the read pool and scans every row with scan.
func list[T any](ctx context.Context, s *Store, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
