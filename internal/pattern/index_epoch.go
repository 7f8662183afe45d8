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
	until []int64 // valid_until, Unix seconds
	from  []int64 // valid_from, Unix seconds
	added []int64 // date_added, microseconds
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
	count := func(s []int64, v int64) uint64 {
		i, _ := slices.BinarySearch(s, v+1)
		return uint64(i)
	}
	e := count(t.until, f.now)
	e = e*0x9e3779b97f4a7c15 + count(t.from, f.now)
	if f.after != 0 {
		e = e*0x9e3779b97f4a7c15 + count(t.added, f.after-1)
	}
	if f.View != nil && !f.View.Scope.AddedBy.IsZero() {
		e = e*0x9e3779b97f4a7c15 + count(t.added, f.View.Scope.AddedBy.UnixMicro())
	}
	return e
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
