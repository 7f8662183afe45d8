package postgres

import (
	"context"
	"sync"
	"time"
)

// PostgreSQL plans queries from table statistics, which autovacuum refreshes after enough rows
// changed; where autovacuum is off, or lags behind a bulk import, the statistics still describe
// the empty table, and the planner then prefers, for a batch's duplicate check, to filter every
// row of the collection over 1000 probes into the id index (1.1 s instead of 19 ms at a million
// objects, measured). So the store refreshes the statistics of the tables it bulk-fills itself,
// in the background, when a table has grown by a fifth (and at least analyzeMin rows) since the
// last ANALYZE. Growth is what this process added, or what the server counts changed by every
// process (pg_stat_user_tables.n_mod_since_analyze), whichever is more: several processes
// sharing the database each add a part, and none alone may reach the threshold. The server's
// count lags by up to seconds (backends report when idle), so the process's own count still
// decides when it alone adds; the server is asked every checkEvery rows this process adds.
const (
	analyzeMin = 10000
	checkEvery = 1000
)

// analyzer tracks the rows this process added to each bulk-filled table since its last ANALYZE.
type analyzer struct {
	mu      sync.Mutex
	added   map[string]int64 // rows added since the last ANALYZE, by table
	unasked map[string]int64 // rows added since the server's count was last asked, by table
	base    map[string]int64 // rows the table held at the last ANALYZE (its estimate), by table
	running map[string]bool
	wg      sync.WaitGroup
}

// grew records n rows added to table and, when they amount to a fifth of what the table held at
// the last ANALYZE, or every checkEvery rows when the server counts that many changes, starts
// one in the background (one per table at a time).
func (s *Store) grew(table string, n int) {
	a := &s.analyze
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.added == nil {
		a.added, a.unasked, a.base, a.running = map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]bool{}
	}
	a.added[table] += int64(n)
	a.unasked[table] += int64(n)
	if a.running[table] {
		return
	}
	own := a.added[table] >= max(analyzeMin, a.base[table]/5)
	if !own && a.unasked[table] < checkEvery {
		return
	}
	a.running[table], a.unasked[table] = true, 0
	at := a.added[table] // what an ANALYZE started now covers of this process's rows
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		run, rows, err := own, float64(0), error(nil)
		if !run {
			var mods int64
			err = s.pool.QueryRow(ctx, `SELECT s.n_mod_since_analyze, c.reltuples FROM pg_stat_user_tables s
				JOIN pg_class c ON c.oid = s.relid WHERE s.relid = $1::regclass`, table).Scan(&mods, &rows)
			run = err == nil && mods >= max(analyzeMin, int64(rows)/5)
		}
		if run {
			if _, err = s.pool.Exec(ctx, `ANALYZE `+table); err == nil {
				err = s.pool.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = $1::regclass`, table).Scan(&rows)
			}
		}
		if err != nil {
			s.logger.Warn("postgres: refreshing table statistics", "table", table, "err", err)
		}
		a.mu.Lock()
		a.running[table] = false
		if run && err == nil {
			a.added[table] -= at
			if rows > 0 {
				a.base[table] = int64(rows)
			}
		}
		a.mu.Unlock()
	}()
}

// wait waits for the ANALYZE runs under way.
func (a *analyzer) wait() { a.wg.Wait() }
