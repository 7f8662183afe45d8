package store

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migration is one numbered schema change of a backend, read from a file named NNNN_name.sql.
// Backends apply migrations in order, each in one transaction, and record the number in their
// schema_migrations table; they never go back.
type Migration struct {
	Version int
	Name    string // the file name
	SQL     string
}

// ReadMigrations reads the *.sql files of dir in fsys, checks that their numbers are unique and
// positive, and returns them in ascending order.
func ReadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []Migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and '_'", name)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s have the same number", other, name)
		}
		seen[v] = name
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// CheckSchemaVersion returns an error when a database's newest applied migration is beyond the
// migrations ms this program has: a newer program migrated it, and this one would not know the
// schema.
func CheckSchemaVersion(newest int, ms []Migration) error {
	known := 0
	if len(ms) > 0 {
		known = ms[len(ms)-1].Version
	}
	if newest > known {
		return fmt.Errorf("database schema is at migration %d, newer than this program's %d: use a newer program", newest, known)
	}
	return nil
}
