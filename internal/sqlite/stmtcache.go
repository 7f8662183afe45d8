package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	msqlite "modernc.org/sqlite"
	"strings"
	"sync"
)

// readConn is a connection of the read pool: the driver's connection with the statements
// queryValues prepared on it, so that a query run again (the next page of a pass, a page of the
// same filter) is not parsed and planned again; planning a scoped page costs SQLite over a
// millisecond. The statements live and die with the connection: Close finalizes them before
// the connection, which is the only safe order with this driver. A connection is used by one
// goroutine at a time, so the map needs no lock. When it holds maxCachedStmts statements they are
// all dropped, which bounds it when the SQL varies.
type readConn struct {
	conn  driver.Conn
	stmts map[string]driver.Stmt
}

const maxCachedStmts = 64

// readConnector opens the read pool's connections through the driver, wrapped.
type readConnector struct{ dsn string }

func (c readConnector) Connect(context.Context) (driver.Conn, error) {
	dc, err := (&msqlite.Driver{}).Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &readConn{conn: dc, stmts: map[string]driver.Stmt{}}, nil
}

func (readConnector) Driver() driver.Driver { return &msqlite.Driver{} }

// stmt returns the prepared statement for q, preparing it on first use.
func (c *readConn) stmt(ctx context.Context, q string) (driver.Stmt, error) {
	if st, ok := c.stmts[q]; ok {
		return st, nil
	}
	if len(c.stmts) >= maxCachedStmts {
		c.dropStmts()
	}
	st, err := c.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.stmts[q] = st
	return st, nil
}

func (c *readConn) dropStmts() error {
	var err error
	for k, st := range c.stmts {
		err = errors.Join(err, st.Close())
		delete(c.stmts, k)
	}
	return err
}

func (c *readConn) Close() error { return errors.Join(c.dropStmts(), c.conn.Close()) }

func (c *readConn) Prepare(q string) (driver.Stmt, error) { return c.conn.Prepare(q) }

func (c *readConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *readConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (c *readConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *readConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c *readConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *readConn) Ping(ctx context.Context) error { return c.conn.(driver.Pinger).Ping(ctx) }

func (c *readConn) ResetSession(ctx context.Context) error {
	return c.conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *readConn) IsValid() bool { return c.conn.(driver.Validator).IsValid() }

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
