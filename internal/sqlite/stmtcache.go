package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
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
