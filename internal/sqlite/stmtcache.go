package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"

	msqlite "modernc.org/sqlite"
)

// readConn is a connection of the read pool: the driver's connection with the statements its
// queries prepared on it, so that a query run again (the next page of a pass, a page of the same
// filter, a token or a setting) is not parsed and planned again; planning a scoped page costs
// SQLite over a millisecond. The statements live and die with the connection: Close finalizes them before
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

// QueryContext runs every query of the read pool, database/sql's and queryValues', on the
// connection's statement for q.
func (c *readConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	st, err := c.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.(driver.StmtQueryContext).QueryContext(ctx, args)
}

func (c *readConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *readConn) Ping(ctx context.Context) error { return c.conn.(driver.Pinger).Ping(ctx) }

func (c *readConn) ResetSession(ctx context.Context) error {
	return c.conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *readConn) IsValid() bool { return c.conn.(driver.Validator).IsValid() }
