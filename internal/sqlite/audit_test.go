package sqlite_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/entente/entente/internal/sqlite"
	"github.com/entente/entente/internal/store"
)

// TestAuditAppendOnly checks that the database itself refuses to change or remove audit entries,
// whoever asks: the store has no method for it, and another program on the file meets the
// triggers.
func TestAuditAppendOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "entente.db")
	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seal := func(e *store.AuditEntry) { h := sha256.Sum256([]byte(e.Actor)); e.Hash = h[:] }
	if _, err := s.Audit().Append(ctx, store.AuditEntry{Actor: "cli", Action: "test"}, seal); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`UPDATE audit_log SET actor = 'someone else'`,
		`DELETE FROM audit_log`,
	} {
		if _, err := db.ExecContext(ctx, q); err == nil {
			t.Errorf("%s: got no error, want the append-only trigger to refuse it", q)
		}
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE actor = 'cli'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("entries left: got %d, %v, want the one appended", n, err)
	}
}
