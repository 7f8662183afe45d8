package store

import (
	"crypto/rand"
	"fmt"
	"time"

	"github.com/entente/entente/internal/stix"
)

// StoredVersion is what a backend read of one stored version of an object before an Add: enough
// to tell duplicates and to move the is_latest and is_first flags. A backend passes, for every id
// in the batch, at least the versions flagged latest or first and any version equal to one being
// added.
type StoredVersion struct {
	ID        string
	Version   int64
	DateAdded int64 // the row's key within its collection
	Latest    bool
	First     bool
}

// PlannedRow is one object of an Add batch that is to be inserted.
type PlannedRow struct {
	Index     int   // position in the batch given to Add
	DateAdded int64 // assigned date_added
	Latest    bool  // the highest version of its id in the collection after the batch
	First     bool  // the lowest version of its id in the collection after the batch
}

// AddPlan is what a backend must write for one Add batch.
type AddPlan struct {
	Outcomes    []Outcome    // one per object of the batch
	Rows        []PlannedRow // rows to insert, in batch order (so date_added ascends)
	ClearLatest []int64      // date_added of stored rows that lose is_latest
	ClearFirst  []int64      // date_added of stored rows that lose is_first
	LastAdded   int64        // the collection's last date_added after the batch
}

// versionRef points at the current latest or first version of an id: a stored row (row < 0) or
// a row planned in this batch (row = index into AddPlan.Rows).
type versionRef struct {
	version   int64
	dateAdded int64
	row       int
	set       bool
}

type idState struct {
	versions      map[int64]bool
	latest, first versionRef
}

// PlanAdd works out, in memory, what adding objs to a collection does, given the stored versions
// of their ids, the collection's last date_added and the current time in microseconds. Every
// accepted object gets date_added max(now, previous+1), so date_added stays strictly increasing
// even when the clock stands still or goes back. The work is linear in the batch and the stored
// versions given, so the flags never make Add quadratic.
func PlanAdd(objs []NewObject, stored []StoredVersion, lastAdded, now int64) AddPlan {
	states := make(map[string]*idState, len(objs))
	get := func(id string) *idState {
		s := states[id]
		if s == nil {
			s = &idState{versions: make(map[int64]bool, 1)}
			states[id] = s
		}
		return s
	}
	for _, sv := range stored {
		s := get(sv.ID)
		s.versions[sv.Version] = true
		if sv.Latest {
			s.latest = versionRef{version: sv.Version, dateAdded: sv.DateAdded, row: -1, set: true}
		}
		if sv.First {
			s.first = versionRef{version: sv.Version, dateAdded: sv.DateAdded, row: -1, set: true}
		}
	}
	p := AddPlan{Outcomes: make([]Outcome, len(objs)), Rows: make([]PlannedRow, 0, len(objs))}
	last := lastAdded
	for i, o := range objs {
		s := get(o.Object.ID)
		v := o.Object.Version()
		if s.versions[v] {
			p.Outcomes[i] = Duplicate
			continue
		}
		s.versions[v] = true
		p.Outcomes[i] = Accepted
		last = max(now, last+1)
		row := PlannedRow{Index: i, DateAdded: last}
		n := len(p.Rows)
		if !s.latest.set || v > s.latest.version {
			p.ClearLatest = p.unflag(s.latest, p.ClearLatest, func(r *PlannedRow) { r.Latest = false })
			s.latest = versionRef{version: v, dateAdded: last, row: n, set: true}
			row.Latest = true
		}
		if !s.first.set || v < s.first.version {
			p.ClearFirst = p.unflag(s.first, p.ClearFirst, func(r *PlannedRow) { r.First = false })
			s.first = versionRef{version: v, dateAdded: last, row: n, set: true}
			row.First = true
		}
		p.Rows = append(p.Rows, row)
	}
	p.LastAdded = last
	return p
}

// unflag takes a flag away from the version ref points at: from a planned row directly, or by
// listing a stored row's date_added in clear.
func (p *AddPlan) unflag(ref versionRef, clear []int64, off func(*PlannedRow)) []int64 {
	switch {
	case !ref.set:
	case ref.row >= 0:
		off(&p.Rows[ref.row])
	default:
		clear = append(clear, ref.dateAdded)
	}
	return clear
}

// NewUUID returns a random (version 4) UUID in canonical lowercase form, for ids the store
// generates.
func NewUUID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails since Go 1.24
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// SpecVersion returns the spec version to store for o: its own, or "2.1" for an object that
// states none (an SCO, where STIX 2.1 makes the property optional).
func SpecVersion(o *stix.Object) string {
	if o.SpecVersion == "" {
		return "2.1"
	}
	return o.SpecVersion
}

// Fill gives an empty id a new UUID and a zero creation time the current time, and brings the
// time to what every backend keeps: UTC, whole microseconds.
func Fill(id *string, created *time.Time) {
	if *id == "" {
		*id = NewUUID()
	}
	if created.IsZero() {
		*created = time.Now()
	}
	*created = Micro(*created)
}

// Micro returns t in UTC truncated to whole microseconds, the precision backends keep; the zero
// time stays zero.
func Micro(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}
