package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// latestSpec is the newest STIX spec version. Rows of this version are always their object's
// latest spec version, which spares the default match[spec_version] a lookup per row.
const latestSpec = "2.1"

type objectStore struct{ s *Store }

// insertColumns are the columns Add writes with COPY, in the order of copyRow.
var insertColumns = []string{"coll", "date_added", "id", "type", "spec_version", "version", "version_text",
	"tlp", "revoked", "is_latest", "is_first", "created_by_ref", "labels", "origin_org", "via", "peer",
	"received_at", "signature", "personal", "granular_required", "granular_optional", "raw"}

// lockCollection locks the collection's row for the transaction and returns its seq and last
// date_added. Every writer of objects takes this lock first.
func lockCollection(ctx context.Context, tx pgx.Tx, id string) (seq int32, last int64, err error) {
	err = tx.QueryRow(ctx, `SELECT seq, last_added FROM collections WHERE id = $1 FOR UPDATE`, id).Scan(&seq, &last)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, fmt.Errorf("collection %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("collection %q: %w", id, err)
	}
	return seq, last, nil
}

// seq returns the internal key of a collection, cached since collections are never deleted.
func (s *Store) seq(ctx context.Context, id string) (int32, error) {
	if v, ok := s.colls.Load(id); ok {
		return v.(int32), nil
	}
	var seq int32
	err := s.pool.QueryRow(ctx, `SELECT seq FROM collections WHERE id = $1`, id).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("collection %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("collection %q: %w", id, err)
	}
	s.colls.Store(id, seq)
	return seq, nil
}

// Add stores a batch in one transaction holding the collection's row lock: it reads the stored
// versions of the batch's ids, plans outcomes and flags in memory, clears the flags of rows that
// lose them, and copies the accepted rows in with COPY.
func (o *objectStore) Add(ctx context.Context, collection string, objs []store.NewObject) ([]store.Outcome, error) {
	for i, n := range objs {
		if n.Object == nil {
			return nil, fmt.Errorf("add to %q: object %d of the batch is nil: %w", collection, i, store.ErrInvalid)
		}
		if err := store.CheckRecipients(n.Shares); err != nil {
			return nil, fmt.Errorf("add to %q: object %s: %w", collection, n.Object.ID, err)
		}
	}
	var plan store.AddPlan
	err := pgx.BeginFunc(ctx, o.s.pool, func(tx pgx.Tx) error {
		seq, last, err := lockCollection(ctx, tx, collection)
		if err != nil || len(objs) == 0 {
			return err
		}
		stored, err := storedVersions(ctx, tx, seq, objs)
		if err != nil {
			return err
		}
		plan = store.PlanAdd(objs, stored, last, o.s.now().UnixMicro())
		if len(plan.Rows) == 0 {
			return nil
		}
		b := &pgx.Batch{}
		if len(plan.ClearLatest) > 0 {
			b.Queue(`UPDATE objects SET is_latest = false WHERE coll = $1 AND date_added = ANY($2)`, seq, plan.ClearLatest)
		}
		if len(plan.ClearFirst) > 0 {
			b.Queue(`UPDATE objects SET is_first = false WHERE coll = $1 AND date_added = ANY($2)`, seq, plan.ClearFirst)
		}
		b.Queue(`UPDATE collections SET last_added = $1, num_objects = num_objects + $2 WHERE seq = $3`,
			plan.LastAdded, len(plan.Rows), seq)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("update flags: %w", err)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"objects"}, insertColumns, &rowSource{seq: seq, objs: objs, rows: plan.Rows}); err != nil {
			return fmt.Errorf("copy objects: %w", err)
		}
		return insertShares(ctx, tx, objs, plan.Rows)
	})
	if err != nil {
		return nil, fmt.Errorf("add to %q: %w", collection, err)
	}
	if len(objs) == 0 {
		return []store.Outcome{}, nil
	}
	o.s.grew("objects", len(plan.Rows))
	return plan.Outcomes, nil
}

// storedVersions reads, for every id in objs, its latest and first rows in the collection and any
// row whose version is one being added.
func storedVersions(ctx context.Context, tx pgx.Tx, seq int32, objs []store.NewObject) ([]store.StoredVersion, error) {
	ids := make([]string, 0, len(objs))
	versions := make([]int64, 0, len(objs))
	seen := make(map[string]bool, len(objs))
	for _, n := range objs {
		if !seen[n.Object.ID] {
			seen[n.Object.ID] = true
			ids = append(ids, n.Object.ID)
		}
		versions = append(versions, n.Object.Version())
	}
	// One probe into the id index per id, whatever the statistics say: given "id = ANY($2)", or
	// a join it may flatten, a planner that believes the collection small (statistics not yet
	// refreshed after a bulk import) filters every row of it instead, 1.1 s at a million objects
	// against 19-39 ms. OFFSET 0 keeps the subquery a per-id lookup.
	rows, err := tx.Query(ctx, `SELECT o.id, o.version, o.date_added, o.is_latest, o.is_first
		FROM unnest($2::text[]) AS q (id)
		CROSS JOIN LATERAL (SELECT * FROM objects o WHERE o.id = q.id AND o.coll = $1
			AND (o.is_latest OR o.is_first OR o.version = ANY($3)) OFFSET 0) o`, seq, ids, versions)
	if err != nil {
		return nil, fmt.Errorf("read stored versions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.StoredVersion, error) {
		var sv store.StoredVersion
		err := r.Scan(&sv.ID, &sv.Version, &sv.DateAdded, &sv.Latest, &sv.First)
		return sv, err
	})
	if err != nil {
		return nil, fmt.Errorf("read stored versions: %w", err)
	}
	return out, nil
}

// rowSource feeds the planned rows to COPY.
type rowSource struct {
	seq  int32
	objs []store.NewObject
	rows []store.PlannedRow
	i    int
	vals []any
}

func (r *rowSource) Next() bool {
	r.i++
	return r.i <= len(r.rows)
}

func (r *rowSource) Values() ([]any, error) {
	p := r.rows[r.i-1]
	n := r.objs[p.Index]
	ob := n.Object
	var createdBy *string
	if ob.CreatedByRef != "" {
		createdBy = &ob.CreatedByRef
	}
	var labels []string
	if len(ob.Labels) > 0 {
		labels = ob.Labels
	}
	r.vals = append(r.vals[:0], r.seq, p.DateAdded, ob.ID, ob.Type, store.SpecVersion(ob), ob.Version(),
		ob.VersionText(), int16(n.StoredTLP()), ob.Revoked, p.Latest, p.First, createdBy, labels,
		n.Origin.OrgID, n.Origin.Via, n.Origin.Peer, store.UnixMicro(n.Origin.ReceivedAt), n.Origin.Signature,
		int16(n.Personal), int16(n.GranularRequired), int16(n.GranularOptional), ob.Raw)
	return r.vals, nil
}

func (r *rowSource) Err() error { return nil }

// recordColumns are the columns scanRecord reads, raw last.
const recordColumns = `o.date_added, o.id, o.type, o.spec_version, o.version, o.version_text, o.tlp, o.revoked,
	o.origin_org, o.via, o.peer, o.received_at, o.signature, o.labels, o.personal, o.granular_required,
	o.granular_optional`

// leanColumns are recordColumns for a Lean filter: constants where the caller needs nothing, so
// that scanRecord reads both.
const leanColumns = `o.date_added, o.id, o.type, ''::text, 0::bigint, ''::text, o.tlp, false,
	o.origin_org, ''::text, ''::text, 0::bigint, ''::text, o.labels, o.personal, o.granular_required,
	o.granular_optional`

// scanRecord reads one row of recordColumns (and raw when withRaw) into r.
func scanRecord(row pgx.Row, r *store.Record, withRaw bool, extra ...any) error {
	var tlp, personal, required, optional int16
	var received int64
	dest := []any{&r.DateAdded, &r.ID, &r.Type, &r.SpecVersion, &r.Version, &r.VersionText, &tlp, &r.Revoked,
		&r.Origin.OrgID, &r.Origin.Via, &r.Origin.Peer, &received, &r.Origin.Signature, &r.Labels, &personal,
		&required, &optional}
	if withRaw {
		dest = append(dest, &r.Raw)
	}
	dest = append(dest, extra...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	r.TLP = stix.TLP(tlp)
	r.Origin.ReceivedAt = store.TimeFromMicro(received)
	r.Personal, r.GranularRequired, r.GranularOptional = uint8(personal), uint8(required), uint8(optional)
	return nil
}

// query accumulates SQL text and its $n arguments.
type query struct {
	b    strings.Builder
	args []any
}

// arg adds v as the next argument and returns its placeholder.
func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// in writes "AND col = $n" for one value or "AND col = ANY($n)" for several.
func (q *query) in(col string, vals []string) {
	switch len(vals) {
	case 0:
	case 1:
		q.b.WriteString(` AND ` + col + ` = ` + q.arg(vals[0]))
	default:
		q.b.WriteString(` AND ` + col + ` = ANY(` + q.arg(vals) + `)`)
	}
}

// versions writes the match[version] condition.
func (q *query) versions(v store.VersionMatch) {
	cond := store.VersionCondition(v, func(at []int64) string { return "o.version = ANY(" + q.arg(at) + ")" })
	if cond != "" {
		q.b.WriteString(" AND " + cond)
	}
}

// Query builds one statement whose filters map onto the indexes and fetches Limit+1 rows to tell
// whether there are more.
func (o *objectStore) Query(ctx context.Context, f store.Filter) (store.Page, error) {
	if err := store.CheckFilter(f); err != nil {
		return store.Page{}, err
	}
	seq, err := o.s.seq(ctx, f.Collection)
	if err != nil {
		return store.Page{}, fmt.Errorf("query: %w", err)
	}
	limit := min(f.Limit, store.MaxLimit)
	var q query
	if f.Lean {
		q.b.WriteString(`SELECT ` + leanColumns)
	} else {
		q.b.WriteString(`SELECT ` + recordColumns)
	}
	if !f.MetadataOnly {
		q.b.WriteString(`, o.raw`)
	}
	q.b.WriteString(` FROM objects o WHERE o.coll = ` + q.arg(seq) + ` AND o.date_added > ` + q.arg(f.AddedAfter))
	if f.AddedBefore > 0 {
		q.b.WriteString(` AND o.date_added < ` + q.arg(f.AddedBefore))
	}
	q.in("o.id", f.IDs)
	q.in("o.type", f.Types)
	q.versions(f.Versions)
	if f.Scope != nil {
		if f.Scope.Nothing || len(f.Scope.Branches()) == 0 {
			return store.Page{Records: []store.Record{}}, nil
		}
		q.scope(f.Scope)
	}
	if len(f.SpecVersions) > 0 {
		q.in("o.spec_version", f.SpecVersions)
	} else {
		q.b.WriteString(` AND (o.spec_version = '` + latestSpec + `' OR NOT EXISTS (SELECT 1 FROM objects o2
			WHERE o2.id = o.id AND o2.coll = o.coll AND o2.spec_version > o.spec_version))`)
	}
	q.b.WriteString(` ORDER BY o.date_added LIMIT ` + q.arg(limit+1))

	rows, err := o.s.pool.Query(ctx, q.b.String(), q.args...)
	if err != nil {
		return store.Page{}, fmt.Errorf("query %q: %w", f.Collection, err)
	}
	defer rows.Close()
	p := store.Page{Records: make([]store.Record, 0, min(limit, 64))}
	for rows.Next() {
		if len(p.Records) == limit {
			p.More = true
			break
		}
		r := store.Record{Collection: f.Collection}
		if err := scanRecord(rows, &r, !f.MetadataOnly); err != nil {
			return store.Page{}, fmt.Errorf("query %q: %w", f.Collection, err)
		}
		p.Records = append(p.Records, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return store.Page{}, fmt.Errorf("query %q: %w", f.Collection, err)
	}
	return p, nil
}

// Latest finds the highest version of id with the (id, coll, version) index.
func (o *objectStore) Latest(ctx context.Context, id string, collections ...string) (store.Record, error) {
	var q query
	q.b.WriteString(`SELECT ` + recordColumns + `, o.raw, c.id FROM objects o JOIN collections c ON c.seq = o.coll
		WHERE o.id = ` + q.arg(id) + ` AND o.is_latest`)
	if len(collections) > 0 {
		q.b.WriteString(` AND c.id = ANY(` + q.arg(collections) + `)`)
	}
	q.b.WriteString(` ORDER BY o.version DESC, o.date_added DESC LIMIT 1`)
	var r store.Record
	err := scanRecord(o.s.pool.QueryRow(ctx, q.b.String(), q.args...), &r, true, &r.Collection)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Record{}, fmt.Errorf("object %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Record{}, fmt.Errorf("latest %q: %w", id, err)
	}
	return r, nil
}

// Delete removes the selected versions under the collection's lock and sets is_latest and
// is_first again from what is left of the object.
func (o *objectStore) Delete(ctx context.Context, collection, id string, v store.VersionMatch) (int, error) {
	var n int64
	err := pgx.BeginFunc(ctx, o.s.pool, func(tx pgx.Tx) error {
		seq, _, err := lockCollection(ctx, tx, collection)
		if err != nil {
			return err
		}
		var q query
		q.b.WriteString(`DELETE FROM objects o WHERE o.coll = ` + q.arg(seq) + ` AND o.id = ` + q.arg(id))
		q.versions(v)
		tag, err := tx.Exec(ctx, q.b.String(), q.args...)
		if err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		if n = tag.RowsAffected(); n == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE objects o SET is_latest = o.version = m.hi, is_first = o.version = m.lo
			FROM (SELECT max(version) AS hi, min(version) AS lo FROM objects WHERE id = $2 AND coll = $1) m
			WHERE o.id = $2 AND o.coll = $1 AND (o.is_latest <> (o.version = m.hi) OR o.is_first <> (o.version = m.lo))`, seq, id)
		if err != nil {
			return fmt.Errorf("repair flags: %w", err)
		}
		if err := unindexDeleted(ctx, tx, seq, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE collections SET num_objects = num_objects - $1 WHERE seq = $2`, n, seq)
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
	err := o.s.pool.QueryRow(ctx, `SELECT num_objects FROM collections WHERE id = $1`, collection).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("count %q: %w", collection, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("count %q: %w", collection, err)
	}
	return n, nil
}

// SetFacts updates the policy columns of the named versions in one statement.
func (o *objectStore) SetFacts(ctx context.Context, collection string, facts []store.StoredFacts) error {
	seq, err := o.s.seq(ctx, collection)
	if err != nil {
		return fmt.Errorf("set facts in %q: %w", collection, err)
	}
	added := make([]int64, len(facts))
	tlp := make([]int16, len(facts))
	personal := make([]int16, len(facts))
	required := make([]int16, len(facts))
	optional := make([]int16, len(facts))
	for i, f := range facts {
		added[i], tlp[i] = f.DateAdded, int16(f.StoredTLP())
		personal[i], required[i], optional[i] = int16(f.Personal), int16(f.GranularRequired), int16(f.GranularOptional)
	}
	_, err = o.s.pool.Exec(ctx, `UPDATE objects o SET tlp = u.tlp, personal = u.personal,
			granular_required = u.required, granular_optional = u.optional
		FROM unnest($2::bigint[], $3::smallint[], $4::smallint[], $5::smallint[], $6::smallint[])
			AS u (date_added, tlp, personal, required, optional)
		WHERE o.coll = $1 AND o.date_added = u.date_added`, seq, added, tlp, personal, required, optional)
	if err != nil {
		return fmt.Errorf("set facts in %q: %w", collection, err)
	}
	return nil
}
