package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/entente/entente/internal/postgres"
	"github.com/entente/entente/internal/store"
	"github.com/entente/entente/internal/store/storetest"
)

// testDSN returns the server to test against, from ENTENTE_TEST_POSTGRES, or skips; with
// ENTENTE_REQUIRE_POSTGRES=true (as in CI) a missing server fails the test instead.
func testDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("ENTENTE_TEST_POSTGRES")
	if dsn == "" && os.Getenv("ENTENTE_REQUIRE_POSTGRES") == "true" {
		tb.Fatal("ENTENTE_REQUIRE_POSTGRES=true but ENTENTE_TEST_POSTGRES is not set: " +
			"the PostgreSQL store tests must run (set ENTENTE_TEST_POSTGRES to a server's DSN)")
	}
	if dsn == "" {
		tb.Skip("ENTENTE_TEST_POSTGRES is not set: skipping the PostgreSQL store tests " +
			"(e.g. ENTENTE_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable')")
	}
	return dsn
}

// withDatabase returns dsn pointed at database name.
func withDatabase(dsn, name string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + name
		return u.String()
	}
	return dsn + " dbname=" + name
}

// withSearchPath returns dsn with the connections' search_path set to schema.
func withSearchPath(dsn, schema string) string {
	if strings.Contains(dsn, "://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + "search_path=" + schema
	}
	return dsn + " search_path=" + schema
}

// createDatabase creates a uniquely named database on the server dsn and returns its DSN and a
// function that drops it.
func createDatabase(ctx context.Context, dsn string) (string, func() error, error) {
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, fmt.Errorf("connect to ENTENTE_TEST_POSTGRES: %w", err)
	}
	name := "entente_test_" + strings.ReplaceAll(store.NewUUID(), "-", "")
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
		return "", nil, fmt.Errorf("create test database: %w", err)
	}
	drop := func() error {
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop test database %s: %w", name, err)
		}
		return nil
	}
	return withDatabase(dsn, name), drop, nil
}

// freshDatabase creates a uniquely named database for this test and drops it when the test ends,
// so that parallel runs never share tables. It returns the DSN of the new database.
func freshDatabase(tb testing.TB) string {
	tb.Helper()
	dsn, drop, err := createDatabase(context.Background(), testDSN(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := drop(); err != nil {
			tb.Error(err)
		}
	})
	return dsn
}

var schemas atomic.Int64

// openIn opens a store in a new schema of the database dsn; schemas are cheaper than databases,
// so every subtest of the suite gets its own.
func openIn(tb testing.TB, dsn string) *postgres.Store {
	tb.Helper()
	s, _ := openSchema(tb, dsn)
	return s
}

// openSchema is openIn that also returns the new schema's name.
func openSchema(tb testing.TB, dsn string) (*postgres.Store, string) {
	tb.Helper()
	ctx := context.Background()
	schema := fmt.Sprintf("s%d", schemas.Add(1))
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+schema)
	conn.Close(ctx)
	if err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	s, err := postgres.Open(ctx, withSearchPath(dsn, schema), nil)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, schema
}

// TestStatisticsAfterBulkAdd adds more objects than analyzeMin to a new table and expects the
// store to have refreshed its statistics by itself (the test server runs without autovacuum,
// as a production server may lag behind a bulk import): without them the planner takes the
// table for empty.
func TestStatisticsAfterBulkAdd(t *testing.T) {
	ctx := context.Background()
	dsn := freshDatabase(t)
	s, schema := openSchema(t, dsn)
	c, err := s.Collections().Create(ctx, store.Collection{Title: "bulk"})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := s.Objects().Add(ctx, c.ID, storetest.BenchObjects(t, 4000)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close() // waits for the statistics being refreshed
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows float64
	err = conn.QueryRow(ctx, `SELECT c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = 'objects'`, schema).Scan(&rows)
	if err != nil {
		t.Fatal(err)
	}
	if rows < 10000 {
		t.Errorf("objects table statistics say %.0f rows after 12 000 were added; want them refreshed", rows)
	}
}

// TestStatisticsAcrossProcesses: two stores on one database (as two processes) each add fewer
// rows than the threshold, together more. The second must refresh the statistics from the
// server's count of changes; neither's own count would reach it.
func TestStatisticsAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	dsn := freshDatabase(t)
	a, schema := openSchema(t, dsn)
	c, err := a.Collections().Create(ctx, store.Collection{Title: "bulk"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Objects().Add(ctx, c.ID, storetest.BenchObjects(t, 6000)); err != nil {
		t.Fatal(err)
	}
	a.Close() // its backends report their counts as they exit
	b, err := postgres.Open(ctx, withSearchPath(dsn, schema), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Objects().Add(ctx, c.ID, storetest.BenchObjects(t, 5000)); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, withSearchPath(dsn, schema))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Small batches while waiting, fewer rows in all than b's own count would need (it has 5000
	// of 10 000), so that b keeps asking the server, whose count lags behind by up to seconds.
	var rows float64
	for i := 0; i < 30 && rows < 10000; i++ {
		if _, err := b.Objects().Add(ctx, c.ID, storetest.BenchObjects(t, 100)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		if err := conn.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'objects'::regclass`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
	}
	if rows < 10000 {
		t.Errorf("objects table statistics say %.0f rows after two processes added 11 000 and more; want them refreshed", rows)
	}
}

func TestStore(t *testing.T) {
	dsn := freshDatabase(t)
	storetest.Run(t, func(t *testing.T) store.Store { return openIn(t, dsn) })
}

// TestOpenConcurrently opens one empty database from several goroutines at once: the advisory
// lock must let exactly one of them apply each migration.
func TestOpenConcurrently(t *testing.T) {
	dsn := freshDatabase(t)
	ctx := context.Background()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := postgres.Open(ctx, dsn, nil)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Open: %v", err)
		}
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = 1`).Scan(&n); err != nil || n != 1 {
		t.Errorf("schema_migrations rows for version 1: got %d, %v, want 1", n, err)
	}
}

// TestMigrationsMatchSQLite checks that both backends have the same migration numbers.
func TestMigrationsMatchSQLite(t *testing.T) {
	pg, err := store.ReadMigrations(os.DirFS("migrations"), ".")
	if err != nil {
		t.Fatal(err)
	}
	lite, err := store.ReadMigrations(os.DirFS("../sqlite/migrations"), ".")
	if err != nil {
		t.Fatal(err)
	}
	var a, b []int
	for _, m := range pg {
		a = append(a, m.Version)
	}
	for _, m := range lite {
		b = append(b, m.Version)
	}
	if fmt.Sprint(a) != fmt.Sprint(b) || len(a) == 0 {
		t.Errorf("migration numbers: postgres %v, sqlite %v, want the same", a, b)
	}
}

// TestShared opens one database twice, as several stateless processes do.
func TestShared(t *testing.T) {
	dsn := freshDatabase(t)
	var stores []store.Store
	for range 2 {
		s, err := postgres.Open(context.Background(), dsn, nil)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
	}
	storetest.RunShared(t, stores[0], stores[1])
}
