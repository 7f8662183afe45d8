package pattern

import (
	"slices"
	"sync"
)

// timeIndex holds the sorted times of the index's live slots at one generation.
type timeIndex struct {
	mu    sync.Mutex
	gen   uint64
	built bool
	until []uint32 // valid_until, Unix seconds
	from  []uint32 // valid_from, Unix seconds
	added []int64  // date_added, microseconds
}

// Epoch returns a number that, together with Generation, changes whenever what f admits can
// have changed: it counts the indicators that have ended, begun, aged past f.MaxAge or come out
// of the reader's embargo by now. Blocklist ETags are made of it, so that a poller is answered
// "not modified" without a list being written as long as neither the index nor time changed
// anything for it.
func (x *Index) Epoch(f *Filter) uint64 {
	x.mu.RLock()
	f.prepare(x)
	gen := x.gen
	t := x.times
	x.mu.RUnlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.built || t.gen != gen {
		t.build(x, gen)
	}
	e := countUpTo(t.until, f.now)
	e = e*0x9e3779b97f4a7c15 + countUpTo(t.from, f.now)
	if f.after != 0 {
		e = e*0x9e3779b97f4a7c15 + countUpTo(t.added, f.after-1)
	}
	if f.View != nil && !f.View.Scope.AddedBy.IsZero() {
		e = e*0x9e3779b97f4a7c15 + countUpTo(t.added, f.View.Scope.AddedBy.UnixMicro())
	}
	return e
}

// countUpTo counts the values of the sorted s that are at most v.
func countUpTo[T uint32 | int64](s []T, v T) uint64 {
	i, _ := slices.BinarySearchFunc(s, v, func(e, v T) int {
		if e <= v {
			return -1
		}
		return 1
	})
	return uint64(i)
}

// build collects the times of the live slots; t.mu is held.
func (t *timeIndex) build(x *Index, gen uint64) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	t.until, t.from, t.added = t.until[:0], t.from[:0], t.added[:0]
	for i := 1; i < len(x.slots); i++ {
		s := &x.slots[i]
		if s.flags&slotDead != 0 {
			continue
		}
		if s.validUntil != 0 {
			t.until = append(t.until, s.validUntil)
		}
		if s.validFrom != 0 {
			t.from = append(t.from, s.validFrom)
		}
		t.added = append(t.added, s.added)
	}
	slices.Sort(t.until)
	slices.Sort(t.from)
	slices.Sort(t.added)
	t.gen, t.built = x.gen, true
}
