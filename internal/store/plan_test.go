package store

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/entente/entente/internal/stix"
)

// row is one stored version in the in-memory model of a collection.
type row struct {
	id            string
	version       int64
	latest, first bool
}

// TestPlanAdd applies random batches through PlanAdd to an in-memory collection and checks the
// rules every backend relies on: duplicates change nothing, date_added strictly increases
// whatever the clock does, and each id has exactly one latest (highest) and one first (lowest)
// version.
func TestPlanAdd(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rows := map[int64]*row{} // by date_added
		seen := map[string]bool{}
		var last int64
		now := rapid.Int64Range(0, 1000).Draw(t, "start")
		for b := range rapid.IntRange(1, 6).Draw(t, "batches") {
			now += rapid.Int64Range(-50, 50).Draw(t, fmt.Sprintf("clock step %d", b))
			n := rapid.IntRange(0, 8).Draw(t, "batch size")
			objs := make([]NewObject, n)
			for i := range objs {
				id := fmt.Sprintf("x--%d", rapid.IntRange(0, 3).Draw(t, "id"))
				v := rapid.Int64Range(1, 5).Draw(t, "version")
				objs[i] = NewObject{Object: &stix.Object{ID: id, Modified: stix.Timestamp{Text: "t", Time: timeMicro(v)}}}
			}
			var stored []StoredVersion
			for da, r := range rows {
				stored = append(stored, StoredVersion{ID: r.id, Version: r.version, DateAdded: da, Latest: r.latest, First: r.first})
			}
			p := PlanAdd(objs, stored, last, now)
			for i, o := range objs {
				key := fmt.Sprint(o.Object.ID, o.Object.Version())
				want := Accepted
				if seen[key] {
					want = Duplicate
				}
				seen[key] = true
				if p.Outcomes[i] != want {
					t.Fatalf("object %d (%s): got %v, want %v", i, key, p.Outcomes[i], want)
				}
			}
			for _, da := range p.ClearLatest {
				rows[da].latest = false
			}
			for _, da := range p.ClearFirst {
				rows[da].first = false
			}
			for _, r := range p.Rows {
				if r.DateAdded <= last || r.DateAdded < now && last < now {
					t.Fatalf("date_added %d after %d at clock %d", r.DateAdded, last, now)
				}
				last = r.DateAdded
				o := objs[r.Index].Object
				rows[r.DateAdded] = &row{id: o.ID, version: o.Version(), latest: r.Latest, first: r.First}
			}
			if p.LastAdded != last {
				t.Fatalf("LastAdded: got %d, want %d", p.LastAdded, last)
			}
			checkFlags(t, rows)
		}
	})
}

func checkFlags(t *rapid.T, rows map[int64]*row) {
	hi, lo := map[string]int64{}, map[string]int64{}
	for _, r := range rows {
		if v, ok := hi[r.id]; !ok || r.version > v {
			hi[r.id] = r.version
		}
		if v, ok := lo[r.id]; !ok || r.version < v {
			lo[r.id] = r.version
		}
	}
	for da, r := range rows {
		if r.latest != (r.version == hi[r.id]) || r.first != (r.version == lo[r.id]) {
			t.Fatalf("row %d %+v: latest %v first %v, want latest iff version %d, first iff %d", da, r, r.latest, r.first, hi[r.id], lo[r.id])
		}
	}
}

func timeMicro(us int64) time.Time { return time.UnixMicro(us) }

func TestDecodeLabels(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{``, nil}, {`[]`, nil}, {`null`, nil},
		{`["a"]`, []string{"a"}},
		{`["phishing","apt-28"]`, []string{"phishing", "apt-28"}},
		{`["a", "b"]`, []string{"a", "b"}},
		{`["with \"quote\"","x"]`, []string{`with "quote"`, "x"}},
		{`["comma,inside","y"]`, []string{"comma,inside", "y"}},
		{`["ü\u00fc"]`, []string{"üü"}},
	}
	for _, tt := range tests {
		got, err := DecodeLabels(tt.in)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) || len(got) != len(tt.want) {
			t.Errorf("DecodeLabels(%s) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
