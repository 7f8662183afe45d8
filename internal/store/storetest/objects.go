package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// base is the time the versions of test objects count from.
var base = time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)

// ver returns the STIX timestamp text of test version n (n minutes after base, with
// milliseconds so that the text differs from the microsecond form).
func ver(n int) string {
	return base.Add(time.Duration(n) * time.Minute).Format("2006-01-02T15:04:05.000Z")
}

// verMicro is ver(n) in microseconds.
func verMicro(n int) int64 { return base.Add(time.Duration(n) * time.Minute).UnixMicro() }

// requiredProps are properties STIX 2.1 requires of the types the tests use; objJSON adds those
// that extra does not set, so that stix.Decode accepts the object.
var requiredProps = map[string][]string{
	"indicator": {`"pattern": "[ipv4-addr:value = '198.51.100.1']"`, `"pattern_type": "stix"`, `"valid_from": "2024-05-01T08:00:00.000Z"`},
	"malware":   {`"is_family": false`},
}

// objJSON is the JSON of an object of type typ with id typ--uuid at version n, with the extra
// JSON properties (`"k": v, ...`, may be empty).
func objJSON(typ, uuid string, n int, extra string) []byte {
	props := fmt.Sprintf(`"type": %q, "spec_version": "2.1", "id": "%s--%s", "created": %q, "modified": %q, "name": "test object %d"`,
		typ, typ, uuid, ver(0), ver(n), n)
	for _, p := range requiredProps[typ] {
		if key, _, _ := strings.Cut(p, ":"); !strings.Contains(extra, key+":") {
			props += ", " + p
		}
	}
	if extra != "" {
		props += ", " + extra
	}
	return []byte("{" + props + "}")
}

// Obj builds an object of type typ with id typ--uuid at version n (n minutes after a fixed
// time), adds the extra JSON properties (`"k": v, ...`, may be empty) and decodes it with
// stix.Decode.
func Obj(tb testing.TB, typ, uuid string, n int, extra string) *stix.Object {
	tb.Helper()
	o, err := stix.Decode(objJSON(typ, uuid, n, extra))
	if err != nil {
		tb.Fatalf("decode test object: %v", err)
	}
	return o
}

// add wraps objects as NewObjects with a test provenance.
func add(objs ...*stix.Object) []store.NewObject {
	out := make([]store.NewObject, len(objs))
	for i, o := range objs {
		out[i] = store.NewObject{Object: o, TLP: stix.TLPGreen, Origin: store.Provenance{Via: "import"}}
	}
	return out
}

// newCollection creates a collection and returns its id.
func newCollection(t *testing.T, s store.Store) string {
	t.Helper()
	c, err := s.Collections().Create(context.Background(), store.Collection{Title: "test " + store.NewUUID()})
	must(t, "create collection", err)
	return c.ID
}

// mustAdd adds objs and fails unless the outcomes are want.
func mustAdd(t *testing.T, s store.Store, coll string, objs []store.NewObject, want ...store.Outcome) {
	t.Helper()
	got, err := s.Objects().Add(context.Background(), coll, objs)
	must(t, "Add", err)
	if !slices.Equal(got, want) {
		t.Fatalf("Add: got outcomes %v, want %v", got, want)
	}
}

// query runs f and fails on error.
func query(t *testing.T, s store.Store, f store.Filter) store.Page {
	t.Helper()
	if f.Limit == 0 {
		f.Limit = 1000
	}
	p, err := s.Objects().Query(context.Background(), f)
	must(t, "Query", err)
	return p
}

// keys describes records as id@version-number for comparisons (version n of ver(n)).
func keys(rs []store.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = fmt.Sprintf("%s@%d", r.ID[len(r.Type)+2:][:4], (r.Version-base.UnixMicro())/time.Minute.Microseconds())
	}
	return out
}

// checkAscending fails unless the records' date_added strictly increase.
func checkAscending(t *testing.T, rs []store.Record) {
	t.Helper()
	for i := 1; i < len(rs); i++ {
		if rs[i].DateAdded <= rs[i-1].DateAdded {
			t.Fatalf("date_added not strictly increasing at %d: %d after %d", i, rs[i].DateAdded, rs[i-1].DateAdded)
		}
	}
}

// uuid returns a UUID whose first four characters are p, so that keys() output stays readable.
func uuid(p string) string { return p + store.NewUUID()[4:] }

func all() store.VersionMatch { return store.VersionMatch{All: true} }

func testAdd(t *testing.T, s store.Store) {
	ctx := context.Background()
	os := s.Objects()
	coll := newCollection(t, s)
	a1, a2 := Obj(t, "indicator", uuid("aaaa"), 1, ""), Obj(t, "indicator", uuid("bbbb"), 1, "")
	a1v2 := Obj(t, "indicator", a1.ID[len("indicator--"):], 2, "")

	mustAdd(t, s, coll, add(a1, a2, a1), store.Accepted, store.Accepted, store.Duplicate)
	mustAdd(t, s, coll, add(a2, a1v2, a1v2), store.Duplicate, store.Accepted, store.Duplicate)
	before := query(t, s, store.Filter{Collection: coll, Versions: all()})
	mustAdd(t, s, coll, add(a1, a2, a1v2), store.Duplicate, store.Duplicate, store.Duplicate)
	after := query(t, s, store.Filter{Collection: coll, Versions: all()})
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("a batch of duplicates changed the collection:\n got %v\nwant %v", after, before)
	}
	if n, err := os.Count(ctx, coll); err != nil || n != 3 {
		t.Errorf("Count: got %d, %v, want 3", n, err)
	}

	// The same version in another collection is a new record there.
	other := newCollection(t, s)
	mustAdd(t, s, other, add(a1), store.Accepted)

	got, err := os.Add(ctx, coll, nil)
	if err != nil || len(got) != 0 {
		t.Errorf("Add empty batch: got %v, %v, want no outcomes", got, err)
	}
	_, err = os.Add(ctx, "no-such-collection", add(a1))
	wantErr(t, "Add to unknown collection", err, store.ErrNotFound)
	_, err = os.Add(ctx, "no-such-collection", nil)
	wantErr(t, "Add empty batch to unknown collection", err, store.ErrNotFound)
	_, err = os.Add(ctx, coll, []store.NewObject{{}})
	wantErr(t, "Add nil object", err, store.ErrInvalid)
	_, err = os.Count(ctx, "no-such-collection")
	wantErr(t, "Count unknown collection", err, store.ErrNotFound)
}

// testAddAtomic makes the backend fail in the middle of a batch (an object without JSON violates
// the schema) and checks that nothing of the batch stayed, not even the date_added it used.
func testAddAtomic(t *testing.T, s store.Store) {
	ctx := context.Background()
	coll := newCollection(t, s)
	first := Obj(t, "malware", uuid("aaaa"), 1, "")
	mustAdd(t, s, coll, add(first), store.Accepted)
	p := query(t, s, store.Filter{Collection: coll})
	lastBefore := p.Records[0].DateAdded

	good := Obj(t, "malware", uuid("bbbb"), 1, "")
	newer := Obj(t, "malware", first.ID[len("malware--"):], 2, "")
	broken := *Obj(t, "malware", uuid("cccc"), 1, "")
	broken.Raw = nil
	if _, err := s.Objects().Add(ctx, coll, add(good, newer, &broken)); err == nil {
		t.Fatal("Add with an object the database refuses: got no error")
	}
	if n, err := s.Objects().Count(ctx, coll); err != nil || n != 1 {
		t.Errorf("Count after failed Add: got %d, %v, want 1", n, err)
	}
	p = query(t, s, store.Filter{Collection: coll, Versions: all()})
	if got := keys(p.Records); fmt.Sprint(got) != "[aaaa@1]" {
		t.Errorf("after failed Add: got %v, want [aaaa@1] with is_latest intact", got)
	}
	p = query(t, s, store.Filter{Collection: coll}) // last versions: the flag must not have moved
	if got := keys(p.Records); fmt.Sprint(got) != "[aaaa@1]" {
		t.Errorf("latest after failed Add: got %v, want [aaaa@1]", got)
	}
	mustAdd(t, s, coll, add(good), store.Accepted)
	p = query(t, s, store.Filter{Collection: coll, Versions: all()})
	if len(p.Records) != 2 || p.Records[1].DateAdded <= lastBefore {
		t.Errorf("Add after failed Add: got %+v, want a second record after %d", p.Records, lastBefore)
	}
}

// testDateAddedClock checks that date_added strictly increases when the clock stands still and
// when it goes back. It needs a backend whose clock can be set.
func testDateAddedClock(t *testing.T, s store.Store) {
	c, ok := s.(Clocked)
	if !ok {
		t.Skip("backend does not implement storetest.Clocked")
	}
	var mu sync.Mutex
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	setNow := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }

	coll := newCollection(t, s)
	var objs []*stix.Object
	for i := range 6 {
		objs = append(objs, Obj(t, "indicator", store.NewUUID(), i, ""))
	}
	mustAdd(t, s, coll, add(objs[0], objs[1]), store.Accepted, store.Accepted) // clock stands still
	mustAdd(t, s, coll, add(objs[2]), store.Accepted)
	setNow(now.Add(-time.Hour)) // clock goes back
	mustAdd(t, s, coll, add(objs[3], objs[4]), store.Accepted, store.Accepted)
	setNow(now.Add(2 * time.Hour)) // and forward again
	mustAdd(t, s, coll, add(objs[5]), store.Accepted)

	p := query(t, s, store.Filter{Collection: coll})
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	want := []int64{start, start + 1, start + 2, start + 3, start + 4, time.Date(2030, 1, 1, 1, 0, 0, 0, time.UTC).UnixMicro()}
	var got []int64
	for _, r := range p.Records {
		got = append(got, r.DateAdded)
	}
	if !slices.Equal(got, want) {
		t.Errorf("date_added: got %v, want %v", got, want)
	}
}

// testAddConcurrent adds from several goroutines into one collection and checks that every
// accepted object got its own date_added, in order.
func testAddConcurrent(t *testing.T, s store.Store) {
	const workers, batches, size = 4, 5, 20
	coll := newCollection(t, s)
	var wg sync.WaitGroup
	errs := make(chan error, workers*batches)
	shared := Obj(t, "indicator", uuid("5555"), 1, "")
	for range workers {
		var work [][]store.NewObject
		for range batches {
			var objs []*stix.Object
			for range size - 1 {
				objs = append(objs, Obj(t, "indicator", store.NewUUID(), 1, ""))
			}
			work = append(work, add(append(objs, shared)...)) // every batch also tries one shared object
		}
		wg.Go(func() {
			for _, objs := range work {
				if _, err := s.Objects().Add(context.Background(), coll, objs); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Add: %v", err)
	}
	var got []store.Record
	must(t, "Scan", store.Scan(context.Background(), s.Objects(), store.Filter{Collection: coll, Versions: all()},
		func(r *store.Record) error { got = append(got, *r); return nil }))
	if want := workers*batches*(size-1) + 1; len(got) != want {
		t.Errorf("records: got %d, want %d (the shared object once)", len(got), want)
	}
	checkAscending(t, got)
}

func testRecordFields(t *testing.T, s store.Store) {
	ctx := context.Background()
	coll := newCollection(t, s)
	o := Obj(t, "indicator", uuid("aaaa"), 3, `"revoked": true, "labels": ["x", "y"], "created_by_ref": "identity--`+store.NewUUID()+`"`)
	sco, err := stix.Decode([]byte(`{"type": "ipv4-addr", "id": "ipv4-addr--` + store.NewUUID() + `", "value": "198.51.100.7"}`))
	must(t, "decode SCO", err)
	received := time.Date(2025, 1, 2, 3, 4, 5, 678901000, time.UTC)
	origin := store.Provenance{OrgID: store.NewUUID(), Via: "federation", Peer: "peer-1", ReceivedAt: received, Signature: "ed25519:abc"}
	_, err = s.Objects().Add(ctx, coll, []store.NewObject{
		{Object: o, TLP: stix.TLPAmberStrict, Origin: origin, Personal: 1, GranularRequired: 1 << 5, GranularOptional: 1<<4 | 1<<6},
		{Object: sco}, // no TLP: stored as unknown
	})
	must(t, "Add", err)

	p := query(t, s, store.Filter{Collection: coll})
	if len(p.Records) != 2 {
		t.Fatalf("Query: got %d records, want 2", len(p.Records))
	}
	r := p.Records[0]
	want := store.Record{Collection: coll, ID: o.ID, Type: "indicator", SpecVersion: "2.1", Version: verMicro(3),
		VersionText: ver(3), DateAdded: r.DateAdded, TLP: stix.TLPAmberStrict, Revoked: true, Origin: origin,
		Labels: []string{"x", "y"}, Personal: 1, GranularRequired: 1 << 5, GranularOptional: 1<<4 | 1<<6, Raw: o.Raw}
	if fmt.Sprint(r) != fmt.Sprint(want) || !r.Origin.ReceivedAt.Equal(received) {
		t.Errorf("record:\n got %+v\nwant %+v", r, want)
	}
	if string(r.Raw) != string(o.Raw) {
		t.Errorf("raw: got %s, want %s", r.Raw, o.Raw)
	}
	r = p.Records[1]
	if r.TLP != stix.TLPUnknown || r.Version != 0 || r.VersionText != "" || r.SpecVersion != "2.1" || r.Type != "ipv4-addr" ||
		r.Labels != nil || r.Personal != 0 || r.GranularRequired != 0 || r.GranularOptional != 0 {
		t.Errorf("SCO record: got %+v, want TLP unknown, version 0, spec 2.1, no labels, no policy facts", r)
	}
	if !r.Origin.ReceivedAt.IsZero() {
		t.Errorf("SCO received_at: got %v, want zero", r.Origin.ReceivedAt)
	}

	p = query(t, s, store.Filter{Collection: coll, MetadataOnly: true})
	for _, r := range p.Records {
		if r.Raw != nil {
			t.Errorf("MetadataOnly: got raw %s, want nil", r.Raw)
		}
	}

	// A lean record has everything delivering it needs, whatever the store leaves out.
	p = query(t, s, store.Filter{Collection: coll, Lean: true})
	if len(p.Records) != 2 {
		t.Fatalf("Lean: got %d records, want 2", len(p.Records))
	}
	r = p.Records[0]
	if r.ID != want.ID || r.Type != want.Type || r.DateAdded != want.DateAdded || r.TLP != want.TLP ||
		r.Origin.OrgID != origin.OrgID || fmt.Sprint(r.Labels) != fmt.Sprint(want.Labels) || r.Personal != want.Personal ||
		r.GranularRequired != want.GranularRequired || r.GranularOptional != want.GranularOptional ||
		string(r.Raw) != string(o.Raw) || r.Collection != coll {
		t.Errorf("Lean record:\n got %+v\nwant (in these fields) %+v", r, want)
	}
	if r := p.Records[1]; r.Type != "ipv4-addr" || r.TLP != stix.TLPUnknown || r.Labels != nil {
		t.Errorf("Lean SCO record: got %+v", r)
	}
}

// versionFixture stores three versions of object aaaa (added in the order 2, 1, 3, the last two in
// one batch), one version of bbbb, and two of cccc, and returns the collection.
func versionFixture(t *testing.T, s store.Store) string {
	coll := newCollection(t, s)
	a, b, c := uuid("aaaa"), uuid("bbbb"), uuid("cccc")
	mustAdd(t, s, coll, add(Obj(t, "indicator", a, 2, ""), Obj(t, "malware", b, 5, "")), store.Accepted, store.Accepted)
	mustAdd(t, s, coll, add(Obj(t, "indicator", a, 1, ""), Obj(t, "indicator", c, 1, "")), store.Accepted, store.Accepted)
	mustAdd(t, s, coll, add(Obj(t, "indicator", a, 3, ""), Obj(t, "indicator", c, 4, ""), Obj(t, "indicator", a, 3, "")),
		store.Accepted, store.Accepted, store.Duplicate)
	return coll
}

func testVersions(t *testing.T, s store.Store) {
	coll := versionFixture(t, s)
	tests := []struct {
		name string
		v    store.VersionMatch
		want string
	}{
		{"default is last", store.VersionMatch{}, "[bbbb@5 aaaa@3 cccc@4]"},
		{"last", store.VersionMatch{Last: true}, "[bbbb@5 aaaa@3 cccc@4]"},
		{"first", store.VersionMatch{First: true}, "[bbbb@5 aaaa@1 cccc@1]"},
		{"all", all(), "[aaaa@2 bbbb@5 aaaa@1 cccc@1 aaaa@3 cccc@4]"},
		{"all wins", store.VersionMatch{All: true, First: true}, "[aaaa@2 bbbb@5 aaaa@1 cccc@1 aaaa@3 cccc@4]"},
		{"first and last", store.VersionMatch{First: true, Last: true}, "[bbbb@5 aaaa@1 cccc@1 aaaa@3 cccc@4]"},
		{"at", store.VersionMatch{At: []int64{verMicro(2), verMicro(4)}}, "[aaaa@2 cccc@4]"},
		{"at and first", store.VersionMatch{First: true, At: []int64{verMicro(2)}}, "[aaaa@2 bbbb@5 aaaa@1 cccc@1]"},
		{"at nothing", store.VersionMatch{At: []int64{verMicro(9)}}, "[]"},
	}
	for _, tt := range tests {
		p := query(t, s, store.Filter{Collection: coll, Versions: tt.v})
		if got := fmt.Sprint(keys(p.Records)); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
		checkAscending(t, p.Records)
	}
}

func testFilters(t *testing.T, s store.Store) {
	coll := versionFixture(t, s)
	p := query(t, s, store.Filter{Collection: coll, Versions: all()})
	da := make([]int64, len(p.Records))
	var aID, bID string
	for i, r := range p.Records {
		da[i] = r.DateAdded
		switch keys(p.Records[i : i+1])[0][:4] {
		case "aaaa":
			aID = r.ID
		case "bbbb":
			bID = r.ID
		}
	}
	tests := []struct {
		name string
		f    store.Filter
		want string
	}{
		{"one type", store.Filter{Types: []string{"malware"}}, "[bbbb@5]"},
		{"types", store.Filter{Types: []string{"malware", "indicator"}}, "[bbbb@5 aaaa@3 cccc@4]"},
		{"type, all versions", store.Filter{Types: []string{"indicator"}, Versions: all()}, "[aaaa@2 aaaa@1 cccc@1 aaaa@3 cccc@4]"},
		{"unknown type", store.Filter{Types: []string{"report"}}, "[]"},
		{"one id", store.Filter{IDs: []string{aID}}, "[aaaa@3]"},
		{"ids, all versions", store.Filter{IDs: []string{aID, bID}, Versions: all()}, "[aaaa@2 bbbb@5 aaaa@1 aaaa@3]"},
		{"id and type", store.Filter{IDs: []string{aID}, Types: []string{"malware"}}, "[]"},
		{"id, first", store.Filter{IDs: []string{aID}, Versions: store.VersionMatch{First: true}}, "[aaaa@1]"},
		{"added after", store.Filter{AddedAfter: da[2], Versions: all()}, "[cccc@1 aaaa@3 cccc@4]"},
		{"added before", store.Filter{AddedBefore: da[2], Versions: all()}, "[aaaa@2 bbbb@5]"},
		{"added between", store.Filter{AddedAfter: da[0], AddedBefore: da[3], Versions: all()}, "[bbbb@5 aaaa@1]"},
		{"spec version", store.Filter{SpecVersions: []string{"2.1"}}, "[bbbb@5 aaaa@3 cccc@4]"},
		{"other spec version", store.Filter{SpecVersions: []string{"2.0"}}, "[]"},
	}
	for _, tt := range tests {
		tt.f.Collection = coll
		p := query(t, s, tt.f)
		if got := fmt.Sprint(keys(p.Records)); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}

	ctx := context.Background()
	for _, f := range []store.Filter{{Limit: 1}, {Collection: coll}, {Collection: coll, Limit: -1}} {
		_, err := s.Objects().Query(ctx, f)
		wantErr(t, fmt.Sprintf("Query %+v", f), err, store.ErrInvalid)
	}
	_, err := s.Objects().Query(ctx, store.Filter{Collection: "no-such-collection", Limit: 1})
	wantErr(t, "Query unknown collection", err, store.ErrNotFound)
}

// testSpecVersions checks the default of match[spec_version]: every object's latest spec version.
func testSpecVersions(t *testing.T, s store.Store) {
	coll := newCollection(t, s)
	mixed := uuid("aaaa")
	old := func(n int) *stix.Object {
		o, err := stix.Decode(fmt.Appendf(nil, `{"type": "indicator", "spec_version": "2.0", "id": "indicator--%s", "created": %q, "modified": %q}`,
			mixed, ver(0), ver(n)))
		must(t, "decode 2.0 object", err)
		return o
	}
	only20 := uuid("bbbb")
	o20, err := stix.Decode(fmt.Appendf(nil, `{"type": "indicator", "spec_version": "2.0", "id": "indicator--%s", "created": %q, "modified": %q}`,
		only20, ver(0), ver(1)))
	must(t, "decode 2.0 object", err)
	mustAdd(t, s, coll, add(old(1), old(2), o20, Obj(t, "indicator", mixed, 3, "")), store.Accepted, store.Accepted, store.Accepted, store.Accepted)

	tests := []struct {
		name string
		f    store.Filter
		want string
	}{
		{"default, all versions", store.Filter{Versions: all()}, "[bbbb@1 aaaa@3]"},
		{"default, first", store.Filter{Versions: store.VersionMatch{First: true}}, "[bbbb@1]"},
		{"2.0, all versions", store.Filter{Versions: all(), SpecVersions: []string{"2.0"}}, "[aaaa@1 aaaa@2 bbbb@1]"},
		{"2.0 and 2.1", store.Filter{Versions: all(), SpecVersions: []string{"2.0", "2.1"}}, "[aaaa@1 aaaa@2 bbbb@1 aaaa@3]"},
	}
	for _, tt := range tests {
		tt.f.Collection = coll
		p := query(t, s, tt.f)
		if got := fmt.Sprint(keys(p.Records)); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

func testPaging(t *testing.T, s store.Store) {
	coll := newCollection(t, s)
	const n = 25
	var objs []*stix.Object
	for range n {
		objs = append(objs, Obj(t, "indicator", store.NewUUID(), 1, ""))
	}
	_, err := s.Objects().Add(context.Background(), coll, add(objs...))
	must(t, "Add", err)

	for _, limit := range []int{1, 5, 10, 24, 25, 26, 100} {
		var got []store.Record
		f := store.Filter{Collection: coll, Limit: limit}
		pages := 0
		for {
			p := query(t, s, f)
			pages++
			if len(p.Records) > limit {
				t.Fatalf("limit %d: page of %d records", limit, len(p.Records))
			}
			got = append(got, p.Records...)
			if !p.More {
				break
			}
			if len(p.Records) != limit {
				t.Fatalf("limit %d: More on a short page of %d", limit, len(p.Records))
			}
			f.AddedAfter = p.Records[len(p.Records)-1].DateAdded
			if pages > n+1 {
				t.Fatalf("limit %d: paging does not end", limit)
			}
		}
		if len(got) != n {
			t.Errorf("limit %d: got %d records over %d pages, want %d", limit, len(got), pages, n)
		}
		if wantPages := (n + limit - 1) / limit; pages != wantPages {
			t.Errorf("limit %d: got %d pages, want %d (More must be false on the last full page)", limit, pages, wantPages)
		}
		checkAscending(t, got)
		for i, r := range got {
			if r.ID != objs[i].ID {
				t.Fatalf("limit %d: record %d is %s, want %s (the order of the batch)", limit, i, r.ID, objs[i].ID)
			}
		}
	}
}

func testLatest(t *testing.T, s store.Store) {
	ctx := context.Background()
	c1, c2 := newCollection(t, s), newCollection(t, s)
	id := uuid("aaaa")
	mustAdd(t, s, c1, add(Obj(t, "indicator", id, 2, ""), Obj(t, "indicator", id, 1, "")), store.Accepted, store.Accepted)
	mustAdd(t, s, c2, add(Obj(t, "indicator", id, 3, "")), store.Accepted)
	full := "indicator--" + id

	tests := []struct {
		colls    []string
		wantVer  int
		wantColl string
	}{
		{nil, 3, c2},
		{[]string{c1}, 2, c1},
		{[]string{c1, c2}, 3, c2},
	}
	for _, tt := range tests {
		r, err := s.Objects().Latest(ctx, full, tt.colls...)
		must(t, "Latest", err)
		if r.Version != verMicro(tt.wantVer) || r.Collection != tt.wantColl || len(r.Raw) == 0 {
			t.Errorf("Latest in %v: got version %d in %s (raw %d bytes), want version %d in %s with raw",
				tt.colls, r.Version, r.Collection, len(r.Raw), verMicro(tt.wantVer), tt.wantColl)
		}
	}
	_, err := s.Objects().Latest(ctx, "indicator--"+store.NewUUID())
	wantErr(t, "Latest unknown id", err, store.ErrNotFound)
	_, err = s.Objects().Latest(ctx, full, newCollection(t, s))
	wantErr(t, "Latest in a collection without it", err, store.ErrNotFound)
}

func testDelete(t *testing.T, s store.Store) {
	ctx := context.Background()
	tests := []struct {
		name      string
		v         store.VersionMatch
		n         int
		wantAll   string
		wantLast  string
		wantFirst string
	}{
		{"default deletes last", store.VersionMatch{}, 1, "[aaaa@2 bbbb@5 aaaa@1 cccc@1 cccc@4]", "[aaaa@2 bbbb@5 cccc@4]", "[bbbb@5 aaaa@1 cccc@1]"},
		{"last", store.VersionMatch{Last: true}, 1, "[aaaa@2 bbbb@5 aaaa@1 cccc@1 cccc@4]", "[aaaa@2 bbbb@5 cccc@4]", "[bbbb@5 aaaa@1 cccc@1]"},
		{"first", store.VersionMatch{First: true}, 1, "[aaaa@2 bbbb@5 cccc@1 aaaa@3 cccc@4]", "[bbbb@5 aaaa@3 cccc@4]", "[aaaa@2 bbbb@5 cccc@1]"},
		{"first and last", store.VersionMatch{First: true, Last: true}, 2, "[aaaa@2 bbbb@5 cccc@1 cccc@4]", "[aaaa@2 bbbb@5 cccc@4]", "[aaaa@2 bbbb@5 cccc@1]"},
		{"middle", store.VersionMatch{At: []int64{verMicro(2)}}, 1, "[bbbb@5 aaaa@1 cccc@1 aaaa@3 cccc@4]", "[bbbb@5 aaaa@3 cccc@4]", "[bbbb@5 aaaa@1 cccc@1]"},
		{"all", all(), 3, "[bbbb@5 cccc@1 cccc@4]", "[bbbb@5 cccc@4]", "[bbbb@5 cccc@1]"},
		{"none matching", store.VersionMatch{At: []int64{verMicro(9)}}, 0, "[aaaa@2 bbbb@5 aaaa@1 cccc@1 aaaa@3 cccc@4]", "[bbbb@5 aaaa@3 cccc@4]", "[bbbb@5 aaaa@1 cccc@1]"},
	}
	for _, tt := range tests {
		coll := versionFixture(t, s)
		p := query(t, s, store.Filter{Collection: coll, Types: []string{"indicator"}})
		id := p.Records[0].ID // aaaa
		n, err := s.Objects().Delete(ctx, coll, id, tt.v)
		must(t, tt.name, err)
		if n != tt.n {
			t.Errorf("%s: deleted %d, want %d", tt.name, n, tt.n)
		}
		for _, c := range []struct {
			v    store.VersionMatch
			want string
		}{{all(), tt.wantAll}, {store.VersionMatch{Last: true}, tt.wantLast}, {store.VersionMatch{First: true}, tt.wantFirst}} {
			p := query(t, s, store.Filter{Collection: coll, Versions: c.v})
			if got := fmt.Sprint(keys(p.Records)); got != c.want {
				t.Errorf("%s: then %+v: got %s, want %s", tt.name, c.v, got, c.want)
			}
		}
		if cnt, err := s.Objects().Count(ctx, coll); err != nil || cnt != int64(6-tt.n) {
			t.Errorf("%s: Count got %d, %v, want %d", tt.name, cnt, err, 6-tt.n)
		}
	}

	coll := versionFixture(t, s)
	_, err := s.Objects().Delete(ctx, "no-such-collection", "indicator--"+store.NewUUID(), all())
	wantErr(t, "Delete in unknown collection", err, store.ErrNotFound)
	n, err := s.Objects().Delete(ctx, coll, "indicator--"+store.NewUUID(), all())
	if err != nil || n != 0 {
		t.Errorf("Delete unknown id: got %d, %v, want 0, nil", n, err)
	}

	// A new version after deleting the latest becomes latest again; an older one does not.
	p := query(t, s, store.Filter{Collection: coll, Types: []string{"indicator"}})
	aID := p.Records[0].ID
	_, err = s.Objects().Delete(ctx, coll, aID, store.VersionMatch{Last: true})
	must(t, "Delete", err)
	uuidA := aID[len("indicator--"):]
	mustAdd(t, s, coll, add(Obj(t, "indicator", uuidA, 0, ""), Obj(t, "indicator", uuidA, 7, "")), store.Accepted, store.Accepted)
	p = query(t, s, store.Filter{Collection: coll, IDs: []string{aID}, Versions: store.VersionMatch{First: true, Last: true}})
	if got, want := fmt.Sprint(keys(p.Records)), "[aaaa@0 aaaa@7]"; got != want {
		t.Errorf("first and last after re-adding: got %s, want %s", got, want)
	}
}
