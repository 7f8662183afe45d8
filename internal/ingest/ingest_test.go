package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/sqlite"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

func openStore(t *testing.T) (*sqlite.Store, string) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "i.db"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, err := st.Collections().Create(context.Background(), store.Collection{Title: "c", CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return st, c.ID
}

func note(i int, marking string) string {
	m := ""
	if marking != "" {
		m = `,"object_marking_refs":["` + marking + `"]`
	}
	return fmt.Sprintf(`{"type":"note","spec_version":"2.1","id":"note--%08d-0000-4000-8000-000000000000","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","content":"n %d","object_refs":["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]%s}`, i, i, m)
}

func TestStreamBatchesInOrder(t *testing.T) {
	st, coll := openStore(t)
	var objs []string
	for i := 1; i <= 2500; i++ {
		objs = append(objs, note(i, stix.TLP2Green))
		if i == 1200 {
			objs = append(objs, `{"type":"note"}`) // rejected, in the middle of the second batch
		}
	}
	objs = append(objs, note(7, stix.TLP2Green)) // a duplicate of an earlier object
	in := &Ingester{Objects: st.Objects(), BatchSize: 1000}
	var got []Result
	sum, err := in.Stream(context.Background(), coll, strings.NewReader(`{"type":"bundle","objects":[`+strings.Join(objs, ",")+`]}`),
		store.Provenance{OrgID: "org", Via: "import"}, func(r Result) { got = append(got, r) })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Accepted != 2500 || sum.Rejected != 1 || sum.Duplicates != 1 {
		t.Errorf("summary %+v, want 2500 accepted, 1 rejected, 1 duplicate", sum)
	}
	for i, r := range got {
		if r.Index != i+1 {
			t.Fatalf("result %d has index %d: results are not in input order", i, r.Index)
		}
	}
	if r := got[1200]; r.Outcome != Rejected || r.Err == nil {
		t.Errorf("object 1201: %+v, want a rejection with a reason", r)
	}
	if n, _ := st.Objects().Count(context.Background(), coll); n != 2500 {
		t.Errorf("stored %d, want 2500", n)
	}
}

func TestPolicyColumnsAreFilled(t *testing.T) {
	st, coll := openStore(t)
	in := &Ingester{Objects: st.Objects(), Policy: policy.Config{DefaultTLP: stix.TLPAmber}}
	res, err := in.Add(context.Background(), coll, [][]byte{[]byte(note(1, "")), []byte(note(2, stix.TLP2Red)), []byte(note(3, "marking-definition--00000000-0000-4000-8000-00000000abcd"))}, store.Provenance{OrgID: "org"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Outcome != Accepted {
			t.Fatalf("%+v", r)
		}
	}
	want := map[string]stix.TLP{
		"note--00000001-0000-4000-8000-000000000000": stix.TLPAmber,   // no marking: the configured default
		"note--00000002-0000-4000-8000-000000000000": stix.TLPRed,     // TLP 2.0 RED
		"note--00000003-0000-4000-8000-000000000000": stix.TLPUnknown, // an unresolvable marking is the most restrictive
	}
	for id, tlp := range want {
		rec, err := st.Objects().Latest(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if rec.TLP != tlp {
			t.Errorf("%s: stored TLP %v, want %v", id, rec.TLP, tlp)
		}
	}
}

func TestStoreFailureStoresNothingOfTheBatch(t *testing.T) {
	st, _ := openStore(t)
	in := &Ingester{Objects: st.Objects()}
	_, err := in.Stream(context.Background(), "no-such-collection", strings.NewReader(note(1, "")), store.Provenance{}, nil)
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("got %v, want a not-found error for the collection", err)
	}
}

func TestStreamErrorKeepsEarlierBatches(t *testing.T) {
	st, coll := openStore(t)
	var objs []string
	for i := 1; i <= 30; i++ {
		objs = append(objs, note(i, ""))
	}
	in := &Ingester{Objects: st.Objects(), BatchSize: 10}
	body := `[` + strings.Join(objs, ",") + `,{"type":"no`
	sum, err := in.Stream(context.Background(), coll, strings.NewReader(body), store.Provenance{}, nil)
	var se *stix.StreamError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a stream error", err)
	}
	if sum.Accepted != 30 {
		t.Errorf("accepted %d before the error, want 30", sum.Accepted)
	}
}
