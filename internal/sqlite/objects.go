package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// latestSpec is the newest STIX spec version. Rows of this version are always their object's
// latest spec version, which spares the default match[spec_version] a lookup per row.
const latestSpec = "2.1"

// idChunk is how many ids one statement looks up, well under SQLite's limit on parameters.
const idChunk = 400

type objectStore struct{ s *Store }

// collection returns the seq and the last date_added of a collection, within tx.
func collectionForWrite(ctx context.Context, tx *sql.Tx, id string) (seq, last int64, err error) {
	err = tx.QueryRowContext(ctx, `SELECT seq, last_added FROM collections WHERE id = ?`, id).Scan(&seq, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("collection %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("collection %q: %w", id, err)
	}
	return seq, last, nil
}

// seq returns the internal key of a collection, cached since collections are never deleted.
func (s *Store) seq(ctx context.Context, id string) (int64, error) {
	if v, ok := s.colls.Load(id); ok {
		return v.(int64), nil
	}
	var seq int64
	err := s.r.QueryRowContext(ctx, `SELECT seq FROM collections WHERE id = ?`, id).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("collection %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("collection %q: %w", id, err)
	}
	s.colls.Store(id, seq)
	return seq, nil
}

// collectionID returns the id of the collection with this seq, cached like seq.
func (s *Store) collectionID(ctx context.Context, seq int64) (string, error) {
	if v, ok := s.collIDs.Load(seq); ok {
		return v.(string), nil
	}
	var id string
	if err := s.r.QueryRowContext(ctx, `SELECT id FROM collections WHERE seq = ?`, seq).Scan(&id); err != nil {
		return "", fmt.Errorf("collection %d: %w", seq, err)
	}
	s.collIDs.Store(seq, id)
	return id, nil
}

// checkObjects rejects a batch holding an entry without an object or with an empty share.
func checkObjects(objs []store.NewObject) error {
	for i, o := range objs {
		if o.Object == nil {
			return fmt.Errorf("object %d of the batch is nil: %w", i, store.ErrInvalid)
		}
		if err := store.CheckRecipients(o.Shares); err != nil {
			return fmt.Errorf("object %s: %w", o.Object.ID, err)
		}
	}
	return nil
}

// Add stores a batch in one write transaction: it reads the stored versions of the batch's ids,
// plans outcomes and flags in memory, clears the flags of rows that lose them, and inserts the
// accepted rows with one prepared statement.
func (o *objectStore) Add(ctx context.Context, collection string, objs []store.NewObject) ([]store.Outcome, error) {
	if err := checkObjects(objs); err != nil {
		return nil, fmt.Errorf("add to %q: %w", collection, err)
	}
	var plan store.AddPlan
	err := o.s.write(ctx, func(tx *sql.Tx) error {
		seq, last, err := collectionForWrite(ctx, tx, collection)
		if err != nil {
			return err
		}
		if len(objs) == 0 {
			return nil
		}
		stored, err := storedVersions(ctx, tx, seq, objs)
		if err != nil {
			return err
		}
		plan = store.PlanAdd(objs, stored, last, o.s.now().UnixMicro())
		if len(plan.Rows) == 0 {
			return nil
		}
		if err := clearFlag(ctx, tx, "is_latest", seq, plan.ClearLatest); err != nil {
			return err
		}
		if err := clearFlag(ctx, tx, "is_first", seq, plan.ClearFirst); err != nil {
			return err
		}
		if err := insertRows(ctx, tx, seq, objs, plan.Rows); err != nil {
			return err
		}
		if err := insertShares(ctx, tx, objs, plan.Rows); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE collections SET last_added = ?, num_objects = num_objects + ? WHERE seq = ?`,
			plan.LastAdded, len(plan.Rows), seq)
		if err != nil {
			return fmt.Errorf("update collection: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("add to %q: %w", collection, err)
	}
	if len(objs) == 0 {
		return []store.Outcome{}, nil
	}
	return plan.Outcomes, nil
}

// storedVersions reads, for every id in objs, its latest and first rows in the collection and any
// row whose version is one being added.
func storedVersions(ctx context.Context, tx *sql.Tx, seq int64, objs []store.NewObject) ([]store.StoredVersion, error) {
	versions := make(map[string][]int64, len(objs))
	ids := make([]string, 0, len(objs))
	for _, o := range objs {
		id := o.Object.ID
		if _, ok := versions[id]; !ok {
			ids = append(ids, id)
		}
		versions[id] = append(versions[id], o.Object.Version())
	}
	var out []store.StoredVersion
	for len(ids) > 0 {
		chunk := ids[:min(idChunk, len(ids))]
		ids = ids[len(chunk):]
		args := make([]any, 0, 1+len(chunk)*2)
		args = append(args, seq)
		for _, id := range chunk {
			args = append(args, id)
		}
		vs := 0
		for _, id := range chunk {
			for _, v := range versions[id] {
				args = append(args, v)
				vs++
			}
		}
		q := `SELECT id, version, date_added, is_latest, is_first FROM objects
			WHERE coll = ? AND id IN (` + marks(len(chunk)) + `)
			AND (is_latest OR is_first OR version IN (` + marks(vs) + `))`
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("read stored versions: %w", err)
		}
		for rows.Next() {
			var sv store.StoredVersion
			if err := rows.Scan(&sv.ID, &sv.Version, &sv.DateAdded, &sv.Latest, &sv.First); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read stored versions: %w", err)
			}
			out = append(out, sv)
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("read stored versions: %w", err)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read stored versions: %w", err)
		}
	}
	return out, nil
}

// clearFlag sets flag (is_latest or is_first) to false on the rows of the collection with the
// given date_added values.
func clearFlag(ctx context.Context, tx *sql.Tx, flag string, seq int64, added []int64) error {
	for len(added) > 0 {
		chunk := added[:min(idChunk, len(added))]
		added = added[len(chunk):]
		args := make([]any, 0, 1+len(chunk))
		args = append(args, seq)
		for _, a := range chunk {
			args = append(args, a)
		}
		q := `UPDATE objects SET ` + flag + ` = 0 WHERE coll = ? AND date_added IN (` + marks(len(chunk)) + `)`
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("clear %s: %w", flag, err)
		}
	}
	return nil
}

// insertChunk is how many rows one INSERT statement carries: fewer statements, less overhead per
// row, and 22 columns × 50 rows stays well under SQLite's limit on parameters.
const insertChunk = 50

// insertColumns are the columns Add writes, in the order of the arguments insertRows appends.
const insertColumns = `coll, date_added, id, type, spec_version, version, version_text, tlp, revoked, is_latest,
	is_first, created_by_ref, labels, origin_org, via, peer, received_at, signature, personal,
	granular_required, granular_optional, raw`

const insertValues = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// insertRows inserts the planned rows, insertChunk to a statement; the statement for full chunks
// is prepared once per batch.
func insertRows(ctx context.Context, tx *sql.Tx, seq int64, objs []store.NewObject, rows []store.PlannedRow) error {
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, insertChunk*22)
	for len(rows) > 0 {
		chunk := rows[:min(insertChunk, len(rows))]
		rows = rows[len(chunk):]
		args = args[:0]
		for _, r := range chunk {
			n := objs[r.Index]
			ob := n.Object
			labels, err := labelsJSON(ob.Labels)
			if err != nil {
				return fmt.Errorf("object %s: %w", ob.ID, err)
			}
			args = append(args, seq, r.DateAdded, ob.ID, ob.Type, store.SpecVersion(ob), ob.Version(),
				ob.VersionText(), int64(n.StoredTLP()), ob.Revoked, r.Latest, r.First, nullString(ob.CreatedByRef),
				labels, n.Origin.OrgID, n.Origin.Via, n.Origin.Peer, store.UnixMicro(n.Origin.ReceivedAt), n.Origin.Signature,
				n.Personal, n.GranularRequired, n.GranularOptional, ob.Raw)
		}
		q := `INSERT INTO objects (` + insertColumns + `) VALUES ` + insertValues + strings.Repeat(", "+insertValues, len(chunk)-1)
		var err error
		if len(chunk) == insertChunk {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, q); err != nil {
					return fmt.Errorf("prepare insert: %w", err)
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, q, args...)
		}
		if err != nil {
			return fmt.Errorf("insert objects: %w", err)
		}
	}
	return nil
}

// labelsJSON encodes labels as a JSON array for SQL filters (json_each), or NULL when none.
func labelsJSON(labels []string) (any, error) {
	if len(labels) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(labels)
	if err != nil {
		return nil, fmt.Errorf("encode labels: %w", err)
	}
	return string(b), nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// marks returns n comma-separated placeholders.
func marks(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}

// recordColumns are the columns scanRecord reads, raw last.
const recordColumns = `o.date_added, o.id, o.type, o.spec_version, o.version, o.version_text, o.tlp, o.revoked,
	o.origin_org, o.via, o.peer, o.received_at, o.signature, o.labels, o.personal, o.granular_required,
	o.granular_optional`

// leanColumns are recordColumns for a Lean filter: NULL where the caller needs nothing, so that
// recordOf reads both.
const leanColumns = `o.date_added, o.id, o.type, NULL, NULL, NULL, o.tlp, NULL,
	o.origin_org, NULL, NULL, NULL, NULL, o.labels, o.personal, o.granular_required,
	o.granular_optional`

// scanRecord reads one row of recordColumns (and raw when withRaw) into r.
func scanRecord(rows scanner, r *store.Record, withRaw bool, extra ...any) error {
	vals := make([]any, numRecordColumns+1)
	dest := make([]any, 0, len(vals)+len(extra))
	for i := range numRecordColumns {
		dest = append(dest, &vals[i])
	}
	if withRaw {
		dest = append(dest, &vals[numRecordColumns])
	}
	dest = append(dest, extra...)
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return recordOf(vals, r)
}

// numRecordColumns is how many columns recordColumns names.
const numRecordColumns = 17

// recordOf fills r from the values of one row of recordColumns, then raw (nil when not read), as
// the driver returns them: int64, string, []byte or nil. The byte slices are the driver's own
// copies, fresh for each row, and are kept without copying again.
func recordOf(v []any, r *store.Record) error {
	r.DateAdded, _ = v[0].(int64)
	r.ID, _ = v[1].(string)
	r.Type, _ = v[2].(string)
	r.SpecVersion, _ = v[3].(string)
	r.Version, _ = v[4].(int64)
	r.VersionText, _ = v[5].(string)
	tlp, _ := v[6].(int64)
	r.TLP = stix.TLP(tlp)
	revoked, _ := v[7].(int64)
	r.Revoked = revoked != 0
	r.Origin.OrgID, _ = v[8].(string)
	r.Origin.Via, _ = v[9].(string)
	r.Origin.Peer, _ = v[10].(string)
	received, _ := v[11].(int64)
	r.Origin.ReceivedAt = store.TimeFromMicro(received)
	r.Origin.Signature, _ = v[12].(string)
	personal, _ := v[14].(int64)
	r.Personal = uint8(personal)
	req, _ := v[15].(int64)
	r.GranularRequired = uint8(req)
	opt, _ := v[16].(int64)
	r.GranularOptional = uint8(opt)
	if len(v) > numRecordColumns {
		r.Raw, _ = v[numRecordColumns].([]byte)
	}
	if r.ID == "" || r.Type == "" {
		return fmt.Errorf("stored row at date_added %d lacks its id or type", r.DateAdded)
	}
	if labels, ok := v[13].(string); ok {
		var err error
		if r.Labels, err = store.DecodeLabels(labels); err != nil {
			return fmt.Errorf("object %s: decode labels: %w", r.ID, err)
		}
	}
	return nil
}

// Query builds one statement whose every filter maps onto an index: the partial indexes for
// last and first versions, (coll, type, date_added) for types on latest versions, (id, coll,
// version) for ids, (coll, version) for specific versions, and (coll, date_added) otherwise. It
// fetches Limit+1 rows to tell whether there are more. A large page of a plain walk in date_added
// order is read in two halves at once (querySplit).
func (o *objectStore) Query(ctx context.Context, f store.Filter) (store.Page, error) {
	if err := store.CheckFilter(f); err != nil {
		return store.Page{}, err
	}
	seq, err := o.s.seq(ctx, f.Collection)
	if err != nil {
		return store.Page{}, fmt.Errorf("query: %w", err)
	}
	if f.Scope != nil && (f.Scope.Nothing || len(f.Scope.Branches()) == 0) {
		// Nothing can be admitted; SQLite cannot plan a constant-false condition on a named
		// index, so do not ask it.
		return store.Page{Records: []store.Record{}}, nil
	}
	limit := min(f.Limit, store.MaxLimit)
	if splittable(f, limit) && o.s.r.Stats().InUse == 0 {
		p, done, err := o.querySplit(ctx, f, seq, limit)
		if err != nil {
			return store.Page{}, fmt.Errorf("query %q: %w", f.Collection, err)
		}
		if done {
			return p, nil
		}
	}
	p, err := o.queryPage(ctx, f, seq, limit)
	if err != nil {
		return store.Page{}, fmt.Errorf("query %q: %w", f.Collection, err)
	}
	return p, nil
}

// where writes the FROM and WHERE clauses of f's page, all but the spec version test, and
// returns their arguments.
func where(b *strings.Builder, f store.Filter, seq int64) []any {
	args := []any{seq, f.AddedAfter}
	b.WriteString(` FROM objects o` + indexFor(f) + ` WHERE o.coll = ? AND o.date_added > ?`)
	if f.AddedBefore > 0 {
		b.WriteString(` AND o.date_added < ?`)
		args = append(args, f.AddedBefore)
	}
	args = inList(b, args, "o.id", f.IDs)
	args = inList(b, args, "o.type", f.Types)
	args = versionCond(b, args, f.Versions)
	if f.Scope != nil {
		// Before the spec version test, which reads the table: the scope's tests on indexed
		// columns reject most rows without a seek.
		args = scopeCond(b, args, f.Scope)
	}
	return args
}

// queryPage reads one page of f in one statement.
func (o *objectStore) queryPage(ctx context.Context, f store.Filter, seq int64, limit int) (store.Page, error) {
	var b strings.Builder
	if f.Lean {
		b.WriteString(`SELECT ` + leanColumns)
	} else {
		b.WriteString(`SELECT ` + recordColumns)
	}
	if !f.MetadataOnly {
		b.WriteString(`, o.raw`)
	}
	args := where(&b, f, seq)
	if len(f.SpecVersions) > 0 {
		args = inList(&b, args, "o.spec_version", f.SpecVersions)
	} else {
		b.WriteString(` AND (o.spec_version = '` + latestSpec + `' OR NOT EXISTS (SELECT 1 FROM objects o2
			WHERE o2.id = o.id AND o2.coll = o.coll AND o2.spec_version > o.spec_version))`)
	}
	b.WriteString(` ORDER BY o.date_added LIMIT ?`)
	args = append(args, limit+1)

	p := store.Page{Records: make([]store.Record, 0, min(limit, 64))}
	ncols := numRecordColumns
	if !f.MetadataOnly {
		ncols++
	}
	err := o.s.queryValues(ctx, b.String(), args, ncols, func(vals []any) (bool, error) {
		if len(p.Records) == limit {
			p.More = true
			return false, nil
		}
		p.Records = append(p.Records, store.Record{Collection: f.Collection})
		return true, recordOf(vals, &p.Records[len(p.Records)-1])
	})
	if err != nil {
		return store.Page{}, err
	}
	return p, nil
}

// queryValues runs a query on a connection of the read pool (on its statement for q) and calls
// fn with each row's values as the driver returns them, until fn returns false or an error. It
// skips database/sql's conversion and copying of every value, which cost a third of a page of
// full records. vals is reused from row to row; the values in it are not (the driver allocates
// each).
func (s *Store) queryValues(ctx context.Context, q string, args []any, ncols int, fn func(vals []any) (bool, error)) error {
	conn, err := s.r.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*readConn)
		if !ok {
			return fmt.Errorf("sqlite connection %T is not of the read pool", dc)
		}
		named := make([]driver.NamedValue, len(args))
		for i, a := range args {
			v, err := driver.DefaultParameterConverter.ConvertValue(a)
			if err != nil {
				return fmt.Errorf("argument %d: %w", i+1, err)
			}
			named[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
		}
		rows, err := c.QueryContext(ctx, q, named)
		if err != nil {
			return err
		}
		defer rows.Close()
		if n := len(rows.Columns()); n != ncols {
			return fmt.Errorf("query returns %d columns, want %d", n, ncols)
		}
		dv := make([]driver.Value, ncols)
		vals := make([]any, max(ncols, numRecordColumns+1)) // past ncols stays nil: no raw unless read
		for {
			if err := rows.Next(dv); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			for i, v := range dv {
				vals[i] = v
			}
			more, err := fn(vals)
			if err != nil || !more {
				return err
			}
		}
	})
}

// splitMin is the smallest page querySplit reads in two halves: below it the second statement
// costs more than it saves.
const splitMin = 400

// splittable reports whether f's page is a walk in date_added order that querySplit may cut
// in two: no ids, types or specific versions (those select few rows through their own indexes).
func splittable(f store.Filter, limit int) bool {
	v := f.Versions
	return limit >= splitMin && len(f.IDs) == 0 && len(f.Types) == 0 && (len(v.At) == 0 || v.All)
}

// querySplit reads a large page as two halves at once, on two connections (SQLite's stepping
// is most of a page's cost, and a lone reader leaves the other core idle). An index-only
// statement finds the date_added X of the limit/2-th row that f's conditions admit, short of the
// spec version test; the first half is (after, X], the second what follows X; a third statement
// tops the page up when the spec version test dropped rows of the first half. It reports done
// false, with nothing read, when the collection holds too few rows after the cursor to split.
func (o *objectStore) querySplit(ctx context.Context, f store.Filter, seq int64, limit int) (store.Page, bool, error) {
	half := limit / 2
	var b strings.Builder
	b.WriteString(`SELECT o.date_added`)
	args := where(&b, f, seq)
	b.WriteString(` ORDER BY o.date_added LIMIT 1 OFFSET ?`)
	args = append(args, half-1)
	var x int64
	err := o.s.queryValues(ctx, b.String(), args, 1, func(vals []any) (bool, error) {
		x, _ = vals[0].(int64)
		return false, nil
	})
	if err != nil || x == 0 {
		return store.Page{}, false, err
	}
	first, second := f, f
	first.AddedBefore = x + 1
	if f.AddedBefore > 0 {
		first.AddedBefore = min(f.AddedBefore, x+1)
	}
	second.AddedAfter = x
	var a store.Page
	var aErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		a, aErr = o.queryPage(ctx, first, seq, half)
	}()
	bp, bErr := o.queryPage(ctx, second, seq, limit-half)
	<-done
	if err := errors.Join(aErr, bErr); err != nil {
		return store.Page{}, true, err
	}
	if a.More {
		// Rows of the first half appeared after the boundary was read (a concurrent change):
		// the first half alone is a correct page.
		return a, true, nil
	}
	p := store.Page{Records: append(a.Records, bp.Records...), More: bp.More}
	if len(a.Records) < half && bp.More {
		rest := f
		rest.AddedAfter = p.Records[len(p.Records)-1].DateAdded
		c, err := o.queryPage(ctx, rest, seq, limit-len(p.Records))
		if err != nil {
			return store.Page{}, true, err
		}
		p.Records, p.More = append(p.Records, c.Records...), c.More
	}
	return p, true, nil
}

// indexFor names the index a filter must use where SQLite, which keeps no statistics here,
// would otherwise walk (coll, date_added): a few ids or specific versions select few rows, and
// sorting those is far cheaper than scanning the collection for them; latest versions are best
// walked in the partial index of latest versions.
func indexFor(f store.Filter) string {
	v := f.Versions
	switch {
	case len(f.IDs) > 0:
		return ` INDEXED BY objects_id`
	case len(v.At) > 0 && !v.All && !v.First && !v.Last:
		return ` INDEXED BY objects_version`
	case len(f.Types) == 0 && !v.All && !v.First && len(v.At) == 0:
		// Latest versions: the partial index that holds every column a scope tests, so that
		// rows a recipient may not see are skipped without reading the table.
		return ` INDEXED BY objects_scope`
	}
	return ""
}

// inList appends "AND col IN (...)" for a non-empty list; one value becomes "col = ?" so that the
// planner can walk an index in date_added order.
func inList(b *strings.Builder, args []any, col string, vals []string) []any {
	switch len(vals) {
	case 0:
		return args
	case 1:
		b.WriteString(` AND ` + col + ` = ?`)
		return append(args, vals[0])
	}
	b.WriteString(` AND ` + col + ` IN (` + marks(len(vals)) + `)`)
	for _, v := range vals {
		args = append(args, v)
	}
	return args
}

// versionCond appends the match[version] condition.
func versionCond(b *strings.Builder, args []any, v store.VersionMatch) []any {
	cond := store.VersionCondition(v, func(at []int64) string {
		for _, a := range at {
			args = append(args, a)
		}
		return "o.version IN (" + marks(len(at)) + ")"
	})
	if cond != "" {
		b.WriteString(" AND " + cond)
	}
	return args
}

// latestQuery finds the highest version of an id in any collection with the (id, coll, version)
// index; the few rows of one id are sorted in memory.
const latestQuery = `SELECT ` + recordColumns + `, o.raw, o.coll FROM objects o WHERE o.id = ? AND o.is_latest
	ORDER BY o.version DESC, o.date_added DESC LIMIT 1`

// Latest finds the highest version of id; with collections named it adds a condition on their
// seqs.
func (o *objectStore) Latest(ctx context.Context, id string, collections ...string) (store.Record, error) {
	var row *sql.Row
	if len(collections) == 0 {
		row = o.s.r.QueryRowContext(ctx, latestQuery, id)
	} else {
		args := []any{id}
		for _, c := range collections {
			seq, err := o.s.seq(ctx, c)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return store.Record{}, fmt.Errorf("latest %q: %w", id, err)
			}
			args = append(args, seq)
		}
		if len(args) == 1 {
			return store.Record{}, fmt.Errorf("object %q: %w", id, store.ErrNotFound)
		}
		row = o.s.r.QueryRowContext(ctx, `SELECT `+recordColumns+`, o.raw, o.coll FROM objects o
			WHERE o.id = ? AND o.is_latest AND o.coll IN (`+marks(len(args)-1)+`)
			ORDER BY o.version DESC, o.date_added DESC LIMIT 1`, args...)
	}
	var r store.Record
	var seq int64
	err := scanRecord(row, &r, true, &seq)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Record{}, fmt.Errorf("object %q: %w", id, store.ErrNotFound)
	}
	if err == nil {
		r.Collection, err = o.s.collectionID(ctx, seq)
	}
	if err != nil {
		return store.Record{}, fmt.Errorf("latest %q: %w", id, err)
	}
	return r, nil
}

// Delete removes the selected versions and then sets is_latest and is_first again from what is
// left of the object.
func (o *objectStore) Delete(ctx context.Context, collection, id string, v store.VersionMatch) (int, error) {
	var n int64
	err := o.s.write(ctx, func(tx *sql.Tx) error {
		seq, _, err := collectionForWrite(ctx, tx, collection)
		if err != nil {
			return err
		}
		var b strings.Builder
		b.WriteString(`DELETE FROM objects AS o WHERE o.coll = ? AND o.id = ?`)
		args := versionCond(&b, []any{seq, id}, v)
		res, err := tx.ExecContext(ctx, b.String(), args...)
		if err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE objects SET
			is_latest = (version = (SELECT max(version) FROM objects WHERE id = ?2 AND coll = ?1)),
			is_first = (version = (SELECT min(version) FROM objects WHERE id = ?2 AND coll = ?1))
			WHERE id = ?2 AND coll = ?1`, seq, id)
		if err != nil {
			return fmt.Errorf("repair flags: %w", err)
		}
		if err := unindexDeleted(ctx, tx, seq, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE collections SET num_objects = num_objects - ? WHERE seq = ?`, n, seq)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete %s from %q: %w", id, collection, err)
	}
	return int(n), nil
}

// Count reads the count kept on the collection row.
func (o *objectStore) Count(ctx context.Context, collection string) (int64, error) {
	var n int64
	err := o.s.r.QueryRowContext(ctx, `SELECT num_objects FROM collections WHERE id = ?`, collection).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("count %q: %w", collection, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("count %q: %w", collection, err)
	}
	return n, nil
}

// SetFacts updates the policy columns of the named versions with one prepared statement, in one
// write transaction.
func (o *objectStore) SetFacts(ctx context.Context, collection string, facts []store.StoredFacts) error {
	seq, err := o.s.seq(ctx, collection)
	if err != nil {
		return fmt.Errorf("set facts in %q: %w", collection, err)
	}
	err = o.s.write(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `UPDATE objects SET tlp = ?, personal = ?, granular_required = ?,
			granular_optional = ? WHERE coll = ? AND date_added = ?`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, f := range facts {
			if _, err := st.ExecContext(ctx, int64(f.StoredTLP()), f.Personal, f.GranularRequired, f.GranularOptional,
				seq, f.DateAdded); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set facts in %q: %w", collection, err)
	}
	return nil
}
