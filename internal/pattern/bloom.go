package pattern

import (
	"hash/maphash"
	"math/bits"
)

// bloom is a blocked Bloom filter over every value of the index (tagged by the map it is in),
// consulted by the log scanner before a map: a token of a log line is nearly always in no
// map, and a miss in a filter of a few bits per value, which stays in the processor's caches,
// costs far less than a miss in a map of a million entries, which does not. Two bits per key,
// both in one 64-bit word: one memory access per test. Removed values stay in the filter (a
// false positive only costs the map lookup) until the next rebuild.
type bloom struct {
	words []uint64
	mask  uint64 // len(words)-1
	keys  int    // keys added since the last rebuild
}

// bloomBits is the filter's size per key, at the moment it is rebuilt.
const bloomBits = 16

var bloomSeed = maphash.MakeSeed()

// Tags of the filter's keys: which map a key belongs to.
const (
	tagV4 byte = iota + 1
	tagV6
	tagHash
	tagDomain
	tagSub
	tagURL
	tagEmail
	tagPfx4 = 64  // + prefix length
	tagPfx6 = 128 // + prefix length (0 … 127)
)

func bloomHash(tag byte, b []byte) uint64 {
	h := maphash.Bytes(bloomSeed, b)
	return (h ^ uint64(tag)*0x9e3779b97f4a7c15) * 0xff51afd7ed558ccd
}

func bloomHashString(tag byte, s string) uint64 {
	h := maphash.String(bloomSeed, s)
	return (h ^ uint64(tag)*0x9e3779b97f4a7c15) * 0xff51afd7ed558ccd
}

func bloomHash32(tag byte, v uint32) uint64 {
	h := maphash.Comparable(bloomSeed, v)
	return (h ^ uint64(tag)*0x9e3779b97f4a7c15) * 0xff51afd7ed558ccd
}

func (f *bloom) add(h uint64) {
	if f.words == nil {
		return
	}
	f.words[h&f.mask] |= 1<<(h>>52&63) | 1<<(h>>58)
	f.keys++
}

// has reports whether the key of hash h may be in the index. An empty filter says yes.
func (f *bloom) has(h uint64) bool {
	if f.words == nil {
		return true
	}
	m := uint64(1)<<(h>>52&63) | uint64(1)<<(h>>58)
	return f.words[h&f.mask]&m == m
}

// full reports whether the filter holds so many keys that it should be rebuilt larger.
func (f *bloom) full() bool { return f.words != nil && f.keys*bloomBits > len(f.words)*64*2 }

// rebuildBloom sizes the filter for the index's values and adds them all; the caller holds the
// write lock.
func (x *Index) rebuildBloom() {
	n := len(x.v4) + len(x.v6) + len(x.h16) + len(x.h20) + len(x.h32) + len(x.hOther) +
		len(x.domains) + len(x.subs) + len(x.urls) + len(x.emails)
	for _, m := range x.pfx4 {
		n += len(m)
	}
	for _, m := range x.pfx6 {
		n += len(m)
	}
	if n < 4096 {
		x.bloom = bloom{} // small maps stay in the caches anyway
		return
	}
	words := 1 << bits.Len(uint(n*bloomBits/64))
	f := bloom{words: make([]uint64, words), mask: uint64(words - 1)}
	for k := range x.v4 {
		f.add(bloomHash32(tagV4, k))
	}
	for k := range x.v6 {
		f.add(bloomHash(tagV6, k[:]))
	}
	for l, m := range x.pfx4 {
		for k := range m {
			f.add(bloomHash32(tagPfx4+byte(l), k))
		}
	}
	for l, m := range x.pfx6 {
		for k := range m {
			f.add(bloomHash(tagPfx6+byte(l&127), k[:]))
		}
	}
	for k := range x.h16 {
		f.add(bloomHash(tagHash, k[:]))
	}
	for k := range x.h20 {
		f.add(bloomHash(tagHash, k[:]))
	}
	for k := range x.h32 {
		f.add(bloomHash(tagHash, k[:]))
	}
	for k := range x.hOther {
		f.add(bloomHashString(tagHash, k))
	}
	for _, s := range []struct {
		tag byte
		m   map[string]uint32
	}{{tagDomain, x.domains}, {tagSub, x.subs}, {tagURL, x.urls}, {tagEmail, x.emails}} {
		for k := range s.m {
			f.add(bloomHashString(s.tag, k))
		}
	}
	x.bloom = f
}
