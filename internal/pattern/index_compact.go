package pattern

import "unsafe"

// compact sweeps dead slots out of every posting, drops values no live slot holds, copies the
// strings still in use into fresh arena blocks, and frees the dead slots for reuse.
func (x *Index) compact() {
	live := func(n uint32) bool { return x.slots[n].flags&slotDead == 0 }
	old := x.lists
	x.lists, x.lfree = nil, nil
	remap := func(p uint32) uint32 {
		if p&multi == 0 {
			if live(p) {
				return p
			}
			return 0
		}
		var out uint32
		for _, n := range old[p&^multi] {
			if live(n) {
				out = x.post(out, n)
			}
		}
		return out
	}
	compactMap(x.v4, remap)
	compactMap(x.v6, remap)
	compactMap(x.h16, remap)
	compactMap(x.h20, remap)
	compactMap(x.h32, remap)
	for b, m := range x.pfx4 {
		if m != nil && compactMap(m, remap) == 0 {
			x.pfx4[b] = nil
		}
	}
	for b, m := range x.pfx6 {
		if m != nil && compactMap(m, remap) == 0 {
			x.pfx6[b] = nil
		}
	}
	x.lens4, x.lens6 = x.lens4[:0], x.lens6[:0]
	for b := len(x.pfx4) - 1; b >= 0; b-- {
		if x.pfx4[b] != nil {
			x.lens4 = append(x.lens4, uint8(b))
		}
	}
	for b := len(x.pfx6) - 1; b >= 0; b-- {
		if x.pfx6[b] != nil {
			x.lens6 = append(x.lens6, uint8(b))
		}
	}
	var fresh arena
	x.hOther = compactStrings(x.hOther, remap, &fresh)
	x.domains = compactStrings(x.domains, remap, &fresh)
	x.subs = compactStrings(x.subs, remap, &fresh)
	x.urls = compactStrings(x.urls, remap, &fresh)
	x.emails = compactStrings(x.emails, remap, &fresh)
	for path, m := range x.others {
		if m = compactStrings(m, remap, &fresh); len(m) == 0 {
			delete(x.others, path)
		} else {
			x.others[path] = m
		}
	}
	x.arena = fresh
	x.rebuildBloom()
	for i := 1; i < len(x.slots); i++ {
		if s := &x.slots[i]; s.flags&slotDead != 0 && s.flags&slotFree == 0 {
			s.flags |= slotFree
			x.free = append(x.free, uint32(i))
		}
	}
	x.dead = 0
}

// slotFree marks a dead slot that is on the free list.
const slotFree uint8 = 1 << 7

func compactMap[K comparable](m map[K]uint32, remap func(uint32) uint32) int {
	for k, p := range m {
		if q := remap(p); q == 0 {
			delete(m, k)
		} else if q != p {
			m[k] = q
		}
	}
	return len(m)
}

func compactStrings(m map[string]uint32, remap func(uint32) uint32, a *arena) map[string]uint32 {
	out := make(map[string]uint32, len(m))
	for k, p := range m {
		if q := remap(p); q != 0 {
			out[a.str(k)] = q
		}
	}
	return out
}

// arenaBlock is the size of the blocks strings are copied into.
const arenaBlock = 64 << 10

// arena keeps many small strings in few large blocks, so that a million values cost a million
// map entries and a few hundred allocations rather than a million more. Strings taken from it
// are immutable: a block is only ever appended to.
type arena struct{ buf []byte }

func (a *arena) str(s string) string {
	if s == "" {
		return ""
	}
	if cap(a.buf)-len(a.buf) < len(s) {
		a.buf = make([]byte, 0, max(arenaBlock, len(s)))
	}
	i := len(a.buf)
	a.buf = append(a.buf, s...)
	return unsafe.String(&a.buf[i], len(s))
}
