package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// stmtCache keeps prepared statements per driver connection of the read pool, so that a query
// run again (a page of the same filter, the next page of a pass) is not parsed and planned again:
// planning a scoped page costs SQLite over a millisecond. Each connection is used by one goroutine
// at a time (inside sql.Conn.Raw), so its own map needs no lock; the lock guards the map of
// connections. A connection's statements are dropped when it holds maxCachedStmts, which bounds
// the cache when the SQL varies (IN lists of different lengths).
type stmtCache struct {
	mu    sync.Mutex
	conns map[driver.Conn]map[string]driver.Stmt
}

const maxCachedStmts = 64

// stmt returns the prepared statement for q on dc, preparing it on first use.
func (c *stmtCache) stmt(ctx context.Context, dc driver.Conn, q string) (driver.Stmt, error) {
	c.mu.Lock()
	if c.conns == nil {
		c.conns = map[driver.Conn]map[string]driver.Stmt{}
	}
	m := c.conns[dc]
	if m == nil {
		m = map[string]driver.Stmt{}
		c.conns[dc] = m
	}
	c.mu.Unlock()
	if st, ok := m[q]; ok {
		return st, nil
	}
	if len(m) >= maxCachedStmts {
		for k, st := range m {
			st.Close()
			delete(m, k)
		}
	}
	pc, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("sqlite driver connection %T cannot prepare", dc)
	}
	st, err := pc.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	m[q] = st
	return st, nil
}

// close closes every cached statement; call it before closing the pool.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	for _, m := range c.conns {
		for _, st := range m {
			err = errors.Join(err, st.Close())
		}
	}
	c.conns = nil
	return err
}

// preparedCache keeps the read pool's statements by SQL text: database/sql prepares a *sql.Stmt
// once per connection and reuses it, so a small query (a token, a setting, a collection) no
// longer pays SQLite's parsing on every request. SQL with a list of placeholders, whose text
// varies with the list's length, is not kept; nor anything once maxPrepared statements are.
type preparedCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

const maxPrepared = 256

func (c *preparedCache) get(ctx context.Context, db *sql.DB, q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[q]; ok {
		return st
	}
	if len(c.stmts) >= maxPrepared || strings.Contains(q, "IN (?") {
		return nil // full, or SQL whose shape varies with a list's length
	}
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil // running it unprepared reports the error
	}
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	c.stmts[q] = st
	return st
}

func (c *preparedCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	for _, st := range c.stmts {
		err = errors.Join(err, st.Close())
	}
	c.stmts = nil
	return err
}

// readRow runs a one-row query on the read pool, prepared once.
func (s *Store) readRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := s.prepared.get(ctx, s.r, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.r.QueryRowContext(ctx, q, args...)
}

// readRows runs a query on the read pool, prepared once.
func (s *Store) readRows(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := s.prepared.get(ctx, s.r, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.r.QueryContext(ctx, q, args...)
}
