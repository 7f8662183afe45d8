package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// The write-ahead log is copied back into the database file (checkpointed) by a goroutine of its
// own, on a connection of its own, so that the writer does not stop for it: a checkpoint after a
// batch of random inserts rewrites thousands of index pages, and when the writer did it inside
// its commit (SQLite's autocheckpoint) it took 40 % of an import's time. In WAL mode a checkpoint
// runs beside the writer; the writer restarts the log from its beginning at the first write
// transaction after a checkpoint has copied every frame.
//
// walSoftBytes is the WAL size above which the checkpointer starts. journal_size_limit truncates
// the file to walKeepBytes, a quarter of it, when the log restarts, so a file past walSoftBytes
// holds at least that much written since the restart (a limit equal to the threshold would make
// every commit after a restart look like a full log, and checkpoint and fsync each time). A larger
// log absorbs more rewrites of the same pages (each is copied once per checkpoint, however often
// it was written). walHardPages is the writer's own autocheckpoint, the bound on the log when the
// checkpointer cannot keep up (1 GiB of 4 KiB pages). ckptPause spaces the checkpointer's runs
// while readers keep the log from restarting.
const (
	walSoftBytes = 128 << 20
	walKeepBytes = walSoftBytes / 4
	walHardPages = 1 << 18
	ckptPause    = time.Second
)

// checkpointer copies the WAL into the database in the background when the writer nudges it and
// the log has outgrown walSoftBytes.
type checkpointer struct {
	db     *sql.DB       // one connection, for checkpoints only
	wal    string        // path of the WAL file
	soft   atomic.Int64  // walSoftBytes; smaller in tests
	pause  time.Duration // ckptPause; shorter in tests
	logger *slog.Logger
	kick   chan struct{}
	stop   context.CancelFunc
	wg     sync.WaitGroup
}

func startCheckpointer(path string, logger *slog.Logger) (*checkpointer, error) {
	db, err := openDB(path, 1, false)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, wal: path + "-wal", logger: logger, kick: make(chan struct{}, 1), stop: cancel}
	c.soft.Store(walSoftBytes)
	c.pause = ckptPause
	c.wg.Add(1)
	go c.run(ctx)
	return c, nil
}

// nudge tells the checkpointer that a write transaction committed; it never blocks.
func (c *checkpointer) nudge() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run(ctx context.Context) {
	defer c.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.kick:
		}
		if fi, err := os.Stat(c.wal); err != nil || fi.Size() < c.soft.Load() {
			continue
		}
		c.catchUp(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(c.pause):
		}
	}
}

// catchUp checkpoints until every frame of the log is in the database (so that the writer can
// restart the log) or a pass copies nothing: a reader still on an old snapshot holds the rest
// back, and a later nudge tries again.
func (c *checkpointer) catchUp(ctx context.Context) {
	before := int64(-1)
	for ctx.Err() == nil {
		var busy, frames, copied int64
		err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
		if err != nil {
			if ctx.Err() == nil {
				c.logger.Warn("wal checkpoint", "err", err)
			}
			return
		}
		if busy != 0 || copied >= frames || copied == before {
			return
		}
		before = copied // frames copied so far from this log, not in this pass
	}
}

// flush copies the whole log into the database and truncates it, waiting for readers and the
// writer as long as the busy timeout allows.
func (c *checkpointer) flush(ctx context.Context) error {
	var busy, frames, copied int64
	if err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &copied); err != nil {
		return fmt.Errorf("wal checkpoint: %w", err)
	}
	if busy != 0 {
		return fmt.Errorf("wal checkpoint: %d of %d frames copied, the rest held by readers or the writer", copied, frames)
	}
	return nil
}

// close stops the checkpointer and closes its connection.
func (c *checkpointer) close() error {
	c.stop()
	c.wg.Wait()
	return c.db.Close()
}
