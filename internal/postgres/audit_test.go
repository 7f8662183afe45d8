package postgres_test

import (
	"context"
	"crypto/sha256"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/entente/entente/internal/postgres"
	"github.com/entente/entente/internal/store"
)

// TestAuditAppendOnly checks that the database itself refuses to change or remove audit entries:
// the store has no method for it, and another client meets the trigger. (A superuser can still
// disable the trigger; the hash chain is what shows such a change.)
func TestAuditAppendOnly(t *testing.T) {
	ctx := context.Background()
	dsn := freshDatabase(t)
	s, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seal := func(e *store.AuditEntry) { h := sha256.Sum256([]byte(e.Actor)); e.Hash = h[:] }
	if _, err := s.Audit().Append(ctx, store.AuditEntry{Actor: "cli", Action: "test"}, seal); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		`UPDATE audit_log SET actor = 'someone else'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
	} {
		if _, err := conn.Exec(ctx, q); err == nil {
			t.Errorf("%s: got no error, want the append-only trigger to refuse it", q)
		}
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE actor = 'cli'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("entries left: got %d, %v, want the one appended", n, err)
	}
}
