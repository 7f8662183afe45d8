package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// modelRow is one object version in the in-memory model of a collection, in date_added order.
type modelRow struct {
	id      string
	typ     string
	version int // test version number (see ver)
}

// model is what a collection must hold after a sequence of Adds and Deletes.
type model struct{ rows []modelRow }

func (m *model) has(id string, v int) bool {
	return slices.ContainsFunc(m.rows, func(r modelRow) bool { return r.id == id && r.version == v })
}

// bounds returns the lowest and highest version of id.
func (m *model) bounds(id string) (lo, hi int) {
	lo, hi = 1<<30, -1
	for _, r := range m.rows {
		if r.id == id {
			lo, hi = min(lo, r.version), max(hi, r.version)
		}
	}
	return lo, hi
}

// selects reports whether v picks row r.
func (m *model) selects(v store.VersionMatch, r modelRow) bool {
	if v.All {
		return true
	}
	if v.IsZero() {
		v.Last = true
	}
	lo, hi := m.bounds(r.id)
	return v.Last && r.version == hi || v.First && r.version == lo || slices.Contains(v.At, verMicro(r.version))
}

// query returns the keys of the rows f selects (f's collection and paging aside).
func (m *model) query(f store.Filter) []string {
	var out []string
	for _, r := range m.rows {
		if len(f.IDs) > 0 && !slices.Contains(f.IDs, r.id) || len(f.Types) > 0 && !slices.Contains(f.Types, r.typ) ||
			!m.selects(f.Versions, r) {
			continue
		}
		out = append(out, fmt.Sprintf("%s@%d", r.id, r.version))
	}
	return out
}

// RunModel adds and deletes random object versions and checks, after every step, that paged
// queries with random filters return exactly what an in-memory model of the collection holds.
// It is the property behind the is_latest and is_first flags: whatever the order of adds and
// deletes, last and first select the right versions.
func RunModel(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := make([]string, 4)
	types := []string{"indicator", "malware", "indicator", "tool"}
	for i := range ids {
		ids[i] = types[i] + "--" + store.NewUUID()
	}
	drawVersions := func(t *rapid.T, label string) store.VersionMatch {
		switch rapid.IntRange(0, 4).Draw(t, label) {
		case 0:
			return store.VersionMatch{}
		case 1:
			return store.VersionMatch{All: true}
		case 2:
			return store.VersionMatch{First: true}
		case 3:
			return store.VersionMatch{First: true, Last: true}
		}
		at := rapid.SliceOfN(rapid.IntRange(0, 5), 1, 2).Draw(t, label+" at")
		v := store.VersionMatch{}
		for _, n := range at {
			v.At = append(v.At, verMicro(n))
		}
		return v
	}
	subset := func(t *rapid.T, all []string, label string) []string {
		if !rapid.Bool().Draw(t, label) {
			return nil
		}
		return rapid.SliceOfNDistinct(rapid.SampledFrom(all), 1, 2, rapid.ID[string]).Draw(t, label+" values")
	}
	rapid.Check(t, func(rt *rapid.T) {
		c, err := s.Collections().Create(ctx, store.Collection{Title: "model"})
		if err != nil {
			rt.Fatalf("create collection: %v", err)
		}
		var m model
		for step := range rapid.IntRange(1, 6).Draw(rt, "steps") {
			if rapid.IntRange(0, 3).Draw(rt, fmt.Sprintf("step %d kind", step)) > 0 {
				n := rapid.IntRange(1, 5).Draw(rt, "batch size")
				var batch []store.NewObject
				var want []store.Outcome
				for range n {
					i := rapid.IntRange(0, len(ids)-1).Draw(rt, "object")
					v := rapid.IntRange(0, 5).Draw(rt, "version")
					o, err := stix.Decode(objJSON(types[i], ids[i][len(types[i])+2:], v, ""))
					if err != nil {
						rt.Fatalf("decode: %v", err)
					}
					batch = append(batch, store.NewObject{Object: o})
					if m.has(ids[i], v) {
						want = append(want, store.Duplicate)
					} else {
						want = append(want, store.Accepted)
						m.rows = append(m.rows, modelRow{id: ids[i], typ: types[i], version: v})
					}
				}
				got, err := s.Objects().Add(ctx, c.ID, batch)
				if err != nil || !slices.Equal(got, want) {
					rt.Fatalf("Add: got %v, %v, want %v", got, err, want)
				}
			} else {
				id := rapid.SampledFrom(ids).Draw(rt, "delete id")
				v := drawVersions(rt, "delete versions")
				var keep []modelRow
				for _, r := range m.rows {
					if r.id != id || !m.selects(v, r) {
						keep = append(keep, r)
					}
				}
				n, err := s.Objects().Delete(ctx, c.ID, id, v)
				if err != nil || n != len(m.rows)-len(keep) {
					rt.Fatalf("Delete %+v: got %d, %v, want %d", v, n, err, len(m.rows)-len(keep))
				}
				m.rows = keep
			}
			f := store.Filter{Collection: c.ID, Limit: rapid.IntRange(1, 4).Draw(rt, "limit"),
				Versions: drawVersions(rt, "query versions"), IDs: subset(rt, ids, "ids"),
				Types: subset(rt, []string{"indicator", "malware", "tool"}, "types"), MetadataOnly: true}
			var got []string
			for pages := 0; ; pages++ {
				p, err := s.Objects().Query(ctx, f)
				if err != nil || len(p.Records) > f.Limit || pages > len(m.rows)+1 {
					rt.Fatalf("Query %+v: %d records, %v", f, len(p.Records), err)
				}
				for _, r := range p.Records {
					got = append(got, fmt.Sprintf("%s@%d", r.ID, (r.Version-base.UnixMicro())/60e6))
				}
				if !p.More {
					break
				}
				f.AddedAfter = p.Records[len(p.Records)-1].DateAdded
			}
			f.AddedAfter = 0
			if want := m.query(f); !slices.Equal(got, want) {
				rt.Fatalf("Query %+v:\n got %v\nwant %v", f, got, want)
			}
			if n, err := s.Objects().Count(ctx, c.ID); err != nil || n != int64(len(m.rows)) {
				rt.Fatalf("Count: got %d, %v, want %d", n, err, len(m.rows))
			}
		}
	})
}
