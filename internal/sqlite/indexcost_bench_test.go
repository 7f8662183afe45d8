package sqlite_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store/storetest"
)

// BenchmarkIndexCost measures what each index of the objects table costs an insert as the table
// grows, below the store (no decoding, no policy, SQL only), to show where import time goes:
// it fills a scratch table shaped like objects (a typed UUID id, a random version, 700 bytes of
// JSON) to ENTENTE_BENCH_N rows (default 20 000; the figures in docs/performance.md are at
// 1 000 000) in transactions of 5000 rows, each preceded by the duplicate lookup Add makes when
// an id index exists, and reports rows/s over the whole fill and over its last tenth (at least one transaction).
//
//	ENTENTE_BENCH_N=1000000 go test ./internal/sqlite -run X -bench IndexCost -benchtime 1x
func BenchmarkIndexCost(b *testing.B) {
	const (
		scope   = `CREATE INDEX objects_scope ON objects (coll, date_added, tlp, origin_org, type, personal) WHERE is_latest`
		ltype   = `CREATE INDEX objects_latest_type ON objects (coll, type, date_added) WHERE is_latest`
		first   = `CREATE INDEX objects_first ON objects (coll, date_added) WHERE is_first`
		id      = `CREATE UNIQUE INDEX objects_id ON objects (id, coll, version)`
		version = `CREATE INDEX objects_version ON objects (coll, version)`
	)
	for _, c := range []struct {
		name       string
		indexes    []string
		sequential bool // ids and versions in insertion order instead of random
	}{
		{"table+coll_added", nil, false},
		{"+scope,latest_type,first", []string{scope, ltype, first}, false},
		{"+version", []string{version}, false},
		{"+id", []string{id}, false},
		{"all", []string{scope, ltype, first, id, version}, false},
		{"all,sequential", []string{scope, ltype, first, id, version}, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				total, last := fillShape(b, storetest.BenchSize(b), c.indexes, c.sequential)
				b.ReportMetric(total, "rows/s")
				b.ReportMetric(last, "rows/s-last-tenth")
			}
		})
	}
}

// fillShape fills a new scratch table and returns its rows/s overall and over the last tenth.
func fillShape(b *testing.B, n int, indexes []string, sequential bool) (total, last float64) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(b.TempDir(), "shape.db")+
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-65536)&_txlock=immediate"+
		"&_pragma=wal_autocheckpoint(262144)") // the store's bound on the log (its checkpointer is not running here)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ddl := append([]string{
		`CREATE TABLE objects (coll INTEGER NOT NULL, date_added INTEGER NOT NULL, id TEXT NOT NULL,
			type TEXT NOT NULL, version INTEGER NOT NULL, tlp INTEGER NOT NULL, is_latest INTEGER NOT NULL,
			is_first INTEGER NOT NULL, origin_org TEXT NOT NULL, personal INTEGER NOT NULL, raw BLOB NOT NULL)`,
		`CREATE UNIQUE INDEX objects_coll_added ON objects (coll, date_added)`,
	}, indexes...)
	for _, q := range ddl {
		if _, err := db.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	lookup := strings.Contains(strings.Join(indexes, ";"), "objects_id")
	types := []string{"indicator", "malware", "relationship", "report", "identity", "attack-pattern", "sighting", "note"}
	raw := []byte(strings.Repeat(`{"type":"indicator","spec_version":"2.1","pattern":"[ipv4-addr:value = '192.0.2.1']"},`, 9)[:700])
	const batch, perInsert, cols = 5000, 50, 11
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	insert := `INSERT INTO objects VALUES ` + row + strings.Repeat(","+row, perInsert-1)
	start, lastStart, lastFrom := time.Now(), time.Time{}, 0
	for done := 0; done < n; done += batch {
		if lastStart.IsZero() && done >= n-max(n/10, batch) {
			lastStart, lastFrom = time.Now(), done
		}
		ids, versions := make([]string, batch), make([]int64, batch)
		for i := range ids {
			if sequential {
				ids[i] = fmt.Sprintf("indicator--%08x-0000-4000-8000-000000000000", done+i)
				versions[i] = int64(1_600_000_000_000_000 + done + i)
			} else {
				ids[i] = types[i%len(types)] + "--" + stix.NewUUID()
				var r [8]byte
				rand.Read(r[:])
				versions[i] = 1_600_000_000_000_000 + int64(binary.LittleEndian.Uint64(r[:])%(1<<46))
			}
		}
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		for c := 0; lookup && c < batch; c += 400 {
			args := []any{1}
			for _, id := range ids[c:min(c+400, batch)] {
				args = append(args, id)
			}
			rows, err := tx.Query(`SELECT version FROM objects WHERE coll = ? AND id IN (`+strings.TrimSuffix(strings.Repeat("?,", len(args)-1), ",")+`)`, args...)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			rows.Close()
		}
		stmt, err := tx.Prepare(insert)
		if err != nil {
			b.Fatal(err)
		}
		args := make([]any, 0, perInsert*cols)
		for c := 0; c < batch; c += perInsert {
			args = args[:0]
			for i := c; i < c+perInsert; i++ {
				typ, _, _ := strings.Cut(ids[i], "--")
				args = append(args, 1, done+i+1, ids[i], typ, versions[i], 2, 1, 1, "org", 0, raw)
			}
			if _, err := stmt.Exec(args...); err != nil {
				b.Fatal(err)
			}
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	end := time.Now()
	return float64(n) / end.Sub(start).Seconds(), float64(n-lastFrom) / end.Sub(lastStart).Seconds()
}
