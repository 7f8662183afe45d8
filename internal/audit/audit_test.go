package audit

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/entente/entente/internal/sqlite"
	"github.com/entente/entente/internal/store"
)

// logWith opens a SQLite store with n audit entries and returns the log and the database file.
func logWith(t *testing.T, n int) (*Log, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "a.db")
	st, err := sqlite.Open(context.Background(), path, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	l := &Log{Store: st}
	for i := 0; i < n; i++ {
		if err := l.Record(context.Background(), store.AuditEntry{Actor: "cli", Action: "read", Path: "taxii", Object: "indicator--x", Decision: "allow"}); err != nil {
			t.Fatal(err)
		}
	}
	return l, path
}

// tamper changes the database behind the store's back, as someone with the file would: the
// triggers that refuse changes to audit_log are dropped first.
func tamper(t *testing.T, path, stmt string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'`)
	if err != nil {
		t.Fatal(err)
	}
	var triggers []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		triggers = append(triggers, n)
	}
	rows.Close()
	for _, tr := range triggers {
		if _, err := db.Exec(`DROP TRIGGER ` + tr); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

func TestVerifyIntactLog(t *testing.T) {
	l, _ := logWith(t, 25)
	n, head, err := l.Verify(context.Background())
	if err != nil || n != 25 || len(head) != 32 {
		t.Fatalf("got %d entries, head %x, error %v; want 25 and no error", n, head, err)
	}
	var b strings.Builder
	if err := l.Export(context.Background(), &b, 20); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(b.String(), "\n"); lines != 5 {
		t.Errorf("export after 20: %d lines, want 5", lines)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name string
		stmt string
		seq  int64
		want string
	}{
		{"edited decision", `UPDATE audit_log SET decision = 'deny' WHERE seq = 7`, 7, "edited"},
		{"edited actor", `UPDATE audit_log SET actor = 'someone else' WHERE seq = 1`, 1, "edited"},
		{"deleted in the middle", `DELETE FROM audit_log WHERE seq = 12`, 12, "missing"},
		{"cut off the end", `DELETE FROM audit_log WHERE seq >= 18`, 18, "removed from the end"},
		{"rehashed entry", `UPDATE audit_log SET hash = X'00' WHERE seq = 5`, 5, "edited"},
	}
	for _, tt := range tests {
		l, path := logWith(t, 20)
		tamper(t, path, tt.stmt)
		_, _, err := l.Verify(context.Background())
		var ve *VerifyError
		if !errors.As(err, &ve) {
			t.Errorf("%s: got %v, want a VerifyError", tt.name, err)
			continue
		}
		if ve.Seq != tt.seq || !strings.Contains(ve.Reason, tt.want) {
			t.Errorf("%s: got %v, want entry %d, %q", tt.name, ve, tt.seq, tt.want)
		}
	}
}
