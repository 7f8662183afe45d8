package pattern

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/entente/entente/internal/stix"
)

// Indicator is what the index keeps of one indicator version: enough to decide with the
// sharing policy whether a reader may see it, and to report a hit.
type Indicator struct {
	ID         string // indicator--UUID
	Collection string // the collection it is stored in
	Version    int64  // modified (or created) in microseconds; an older version never replaces a newer one
	Added      int64  // date_added in microseconds
	TLP        stix.TLP
	Origin     string // organisation the version came from (provenance)
	Source     string // created_by_ref, "" when absent
	Labels     []string
	Confidence int // 0 to 100, or -1 when the indicator states none
	ValidFrom  time.Time
	ValidUntil time.Time // zero for no end
	// Personal, GranularRequired and GranularOptional are the policy facts stored with the
	// record (see store.Record).
	Personal         uint8
	GranularRequired uint8
	GranularOptional uint8
	// Complete says the indicator's pattern matches exactly when one of its terms is seen
	// (see Pattern.Terms).
	Complete bool
}

// slot is one indicator version in the index. It is 56 bytes; ids are kept as their UUID.
type slot struct {
	uuid       [16]byte
	version    int64
	added      int64
	validFrom  uint32 // Unix seconds; 0 none
	validUntil uint32 // Unix seconds; 0 none
	origin     uint32
	source     uint32
	labels     uint32
	coll       uint16
	tlp        stix.TLP
	personal   uint8
	granReq    uint8
	granOpt    uint8
	confidence int8 // -1 unknown
	flags      uint8
}

const (
	slotDead uint8 = 1 << iota
	slotComplete
)

type slotKey struct {
	coll uint16
	uuid [16]byte
}

// multi marks a posting that is an index into Index.lists rather than one slot number.
const multi = 1 << 31

// Index is an in-memory index of indicator values: addresses (and prefixes, found by any
// address inside them), domains (and subdomain wildcards), URLs, hashes, e-mail addresses and
// other equality values, each pointing at the indicators that name it. It is safe for
// concurrent use: lookups share a read lock, changes take the write lock.
//
// Each value maps to a posting: one slot number, or (with the multi bit) a list of them. A
// new indicator version takes a new slot and marks the old one dead; dead slots are skipped by
// lookups and swept out of the postings by a compaction once they make up a quarter of the
// index. Values are kept compactly: IPv4 as uint32, IPv6 and hashes as fixed-size byte arrays,
// strings in shared arena blocks.
type Index struct {
	mu    sync.RWMutex
	gen   uint64
	when  time.Time // of the last change
	slots []slot
	free  []uint32
	byID  map[slotKey]uint32
	dead  int
	lists [][]uint32
	lfree []uint32

	strs   []string
	strIdx map[string]uint32
	labels [][]string
	lblIdx map[string]uint32

	v4      map[uint32]uint32
	v6      map[[16]byte]uint32
	pfx4    [33]map[uint32]uint32
	pfx6    [129]map[[16]byte]uint32
	lens4   []uint8 // prefix lengths in use, longest first
	lens6   []uint8
	h16     map[[16]byte]uint32
	h20     map[[20]byte]uint32
	h32     map[[32]byte]uint32
	hOther  map[string]uint32
	domains map[string]uint32
	subs    map[string]uint32
	urls    map[string]uint32
	emails  map[string]uint32
	others  map[string]map[string]uint32 // path → value → posting

	arena   arena
	bloom   bloom
	pending int        // values added while the bloom filter is empty
	times   *timeIndex // sorted times of the live slots, rebuilt lazily for Epoch

	loading atomic.Bool // being filled by its first Load: SetLoading
}

// SetLoading marks the index as being filled by its first load (true) or complete (false). A
// partial index must not answer for the whole one: a blocklist built from it would drop what
// the rest holds, and a firewall taking it would unblock those values. So while it loads, its
// users refuse to answer (503) instead; an index never marked answers at once.
func (x *Index) SetLoading(loading bool) { x.loading.Store(loading) }

// Loading reports whether the index is still being filled by its first load.
func (x *Index) Loading() bool { return x.loading.Load() }

// NewIndex returns an empty index.
func NewIndex() *Index {
	x := &Index{strIdx: map[string]uint32{"": 0}, strs: []string{""}, lblIdx: map[string]uint32{"": 0}, labels: [][]string{nil}}
	x.resetValues()
	x.byID = map[slotKey]uint32{}
	x.slots = []slot{{flags: slotDead}} // slot 0 is never used: posting 0 means none
	x.times = &timeIndex{}
	return x
}

func (x *Index) resetValues() {
	x.v4 = map[uint32]uint32{}
	x.v6 = map[[16]byte]uint32{}
	x.pfx4 = [33]map[uint32]uint32{}
	x.pfx6 = [129]map[[16]byte]uint32{}
	x.lens4, x.lens6 = nil, nil
	x.h16 = map[[16]byte]uint32{}
	x.h20 = map[[20]byte]uint32{}
	x.h32 = map[[32]byte]uint32{}
	x.hOther = map[string]uint32{}
	x.domains = map[string]uint32{}
	x.subs = map[string]uint32{}
	x.urls = map[string]uint32{}
	x.emails = map[string]uint32{}
	x.others = map[string]map[string]uint32{}
	x.lists, x.lfree = nil, nil
	x.arena = arena{}
	x.bloom, x.pending = bloom{}, 0
}

// Generation returns a number that changes whenever the index changes.
func (x *Index) Generation() uint64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.gen
}

// touch records a change; the caller holds the write lock.
func (x *Index) touch() {
	x.gen++
	x.when = time.Now()
}

// Changed returns when the index last changed (zero when it never did).
func (x *Index) Changed() time.Time {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.when
}

// Len returns the number of live indicator versions in the index.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.slots) - 1 - len(x.free) - x.dead
}

func (x *Index) intern(s string) uint32 {
	if i, ok := x.strIdx[s]; ok {
		return i
	}
	s = strings.Clone(s)
	x.strs = append(x.strs, s)
	x.strIdx[s] = uint32(len(x.strs) - 1)
	return uint32(len(x.strs) - 1)
}

func (x *Index) internLabels(l []string) uint32 {
	key := strings.Join(l, "\x00")
	if i, ok := x.lblIdx[key]; ok {
		return i
	}
	c := make([]string, len(l))
	for i, s := range l {
		c[i] = x.strs[x.intern(s)]
	}
	x.labels = append(x.labels, c)
	x.lblIdx[key] = uint32(len(x.labels) - 1)
	return uint32(len(x.labels) - 1)
}

// parseUUID reads the UUID of a STIX identifier.
func parseUUID(id string) ([16]byte, error) {
	var u [16]byte
	_, rest, ok := strings.Cut(id, "--")
	if !ok || len(rest) != 36 || rest[8] != '-' || rest[13] != '-' || rest[18] != '-' || rest[23] != '-' {
		return u, fmt.Errorf("identifier %q has no UUID", id)
	}
	h := rest[0:8] + rest[9:13] + rest[14:18] + rest[19:23] + rest[24:36]
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return u, fmt.Errorf("identifier %q has no UUID", id)
	}
	return u, nil
}

func formatUUID(typ string, u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return typ + "--" + string(b[:])
}

// Put adds an indicator version with its terms, replacing the version in the index when it is
// newer (or the same version, so that a repeated load is harmless). An older version is
// ignored. Put reports whether the index changed. An indicator without terms removes the
// version the index held.
func (x *Index) Put(ind Indicator, terms []Term) (bool, error) {
	u, err := parseUUID(ind.ID)
	if err != nil {
		return false, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	key := slotKey{coll: uint16(x.intern(ind.Collection)), uuid: u}
	if old, ok := x.byID[key]; ok {
		if x.slots[old].version > ind.Version {
			return false, nil
		}
		x.kill(old)
		delete(x.byID, key)
	}
	if len(x.strs) > 1<<16 {
		return false, fmt.Errorf("index: too many distinct collections, origins and sources")
	}
	x.touch()
	if len(terms) == 0 {
		x.maybeCompact()
		return true, nil
	}
	s := slot{
		uuid: u, version: ind.Version, added: ind.Added, coll: key.coll,
		origin: x.intern(ind.Origin), source: x.intern(ind.Source), labels: x.internLabels(ind.Labels),
		tlp: ind.TLP, personal: ind.Personal, granReq: ind.GranularRequired, granOpt: ind.GranularOptional,
		confidence: int8(max(min(ind.Confidence, 100), -1)),
	}
	if !ind.ValidFrom.IsZero() {
		s.validFrom = unixSeconds(ind.ValidFrom.Unix())
	}
	if !ind.ValidUntil.IsZero() {
		u := ind.ValidUntil.Unix()
		if ind.ValidUntil.Nanosecond() > 0 {
			u++ // round up: an indicator is never dropped before it ends
		}
		s.validUntil = unixSeconds(u)
	}
	if ind.Complete {
		s.flags |= slotComplete
	}
	var n uint32
	if k := len(x.free); k > 0 {
		n = x.free[k-1]
		x.free = x.free[:k-1]
		x.slots[n] = s
	} else {
		if len(x.slots) >= multi {
			return false, fmt.Errorf("index: full")
		}
		n = uint32(len(x.slots))
		x.slots = append(x.slots, s)
	}
	x.byID[key] = n
	for _, t := range terms {
		x.addTerm(t, n)
	}
	x.maybeCompact()
	return true, nil
}

// unixSeconds clamps a time in Unix seconds to what a slot keeps: 1970 to 2106.
func unixSeconds(t int64) uint32 {
	return uint32(min(max(t, 1), 1<<32-1))
}

// Remove takes an indicator out of the index (revoked, or deleted from its collection). It
// reports whether the index held it.
func (x *Index) Remove(collection, id string) bool {
	u, err := parseUUID(id)
	if err != nil {
		return false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	c, ok := x.strIdx[collection]
	if !ok {
		return false
	}
	key := slotKey{coll: uint16(c), uuid: u}
	n, ok := x.byID[key]
	if !ok {
		return false
	}
	delete(x.byID, key)
	x.kill(n)
	x.touch()
	x.maybeCompact()
	return true
}

// RemoveVersion takes an indicator out of the index unless the index holds a newer version than
// version: what a revocation does.
func (x *Index) RemoveVersion(collection, id string, version int64) bool {
	u, err := parseUUID(id)
	if err != nil {
		return false
	}
	x.mu.RLock()
	c, ok := x.strIdx[collection]
	var newer bool
	if ok {
		n, held := x.byID[slotKey{coll: uint16(c), uuid: u}]
		newer = held && x.slots[n].version > version
	}
	x.mu.RUnlock()
	if !ok || newer {
		return false
	}
	return x.Remove(collection, id)
}

func (x *Index) kill(n uint32) {
	x.slots[n].flags |= slotDead
	x.dead++
}

func (x *Index) maybeCompact() {
	if x.dead > 1024 && x.dead > (len(x.slots)-1-len(x.free))/4 {
		x.compact()
	}
}

func (x *Index) addTerm(t Term, n uint32) {
	switch t.Kind {
	case KindIPv4, KindIPv6:
		if strings.IndexByte(t.Value, '/') >= 0 {
			p, err := netip.ParsePrefix(t.Value)
			if err != nil {
				return
			}
			x.addPrefix(p, n)
			return
		}
		a, err := netip.ParseAddr(t.Value)
		if err != nil {
			return
		}
		if a.Is4() {
			k := v4key(a)
			x.v4[k] = x.post(x.v4[k], n)
			x.noteKey(bloomHash32(tagV4, k))
		} else {
			k := a.As16()
			x.v6[k] = x.post(x.v6[k], n)
			x.noteKey(bloomHash(tagV6, k[:]))
		}
	case KindHash:
		b, err := hex.DecodeString(t.Value)
		if err != nil {
			return
		}
		switch len(b) {
		case 16:
			k := [16]byte(b)
			x.h16[k] = x.post(x.h16[k], n)
		case 20:
			k := [20]byte(b)
			x.h20[k] = x.post(x.h20[k], n)
		case 32:
			k := [32]byte(b)
			x.h32[k] = x.post(x.h32[k], n)
		default:
			x.postString(x.hOther, string(b), n)
		}
		x.noteKey(bloomHash(tagHash, b))
	case KindDomain:
		if t.Subdomains {
			x.postString(x.subs, t.Value, n)
			x.noteKey(bloomHashString(tagSub, t.Value))
		} else {
			x.postString(x.domains, t.Value, n)
			x.noteKey(bloomHashString(tagDomain, t.Value))
		}
	case KindURL:
		x.postString(x.urls, t.Value, n)
		x.noteKey(bloomHashString(tagURL, t.Value))
	case KindEmail:
		x.postString(x.emails, t.Value, n)
		x.noteKey(bloomHashString(tagEmail, t.Value))
	case KindOther:
		m := x.others[t.Path]
		if m == nil {
			m = map[string]uint32{}
			x.others[x.strs[x.intern(t.Path)]] = m
		}
		x.postString(m, t.Value, n)
	}
}

// noteKey adds a value's hash to the bloom filter, building or growing the filter when it is
// due.
func (x *Index) noteKey(h uint64) {
	if x.bloom.words == nil {
		if x.pending++; x.pending >= 4096 {
			x.pending = 0
			x.rebuildBloom()
		}
		return
	}
	x.bloom.add(h)
	if x.bloom.full() {
		x.rebuildBloom()
	}
}

func v4key(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func (x *Index) addPrefix(p netip.Prefix, n uint32) {
	bits := p.Bits()
	if p.Addr().Is4() {
		if x.pfx4[bits] == nil {
			x.pfx4[bits] = map[uint32]uint32{}
			x.lens4 = insertLen(x.lens4, uint8(bits))
		}
		k := v4key(p.Addr())
		x.pfx4[bits][k] = x.post(x.pfx4[bits][k], n)
		x.noteKey(bloomHash32(tagPfx4+byte(bits), k))
		return
	}
	if x.pfx6[bits] == nil {
		x.pfx6[bits] = map[[16]byte]uint32{}
		x.lens6 = insertLen(x.lens6, uint8(bits))
	}
	k := p.Addr().As16()
	x.pfx6[bits][k] = x.post(x.pfx6[bits][k], n)
	x.noteKey(bloomHash(tagPfx6+byte(bits&127), k[:]))
}

func insertLen(lens []uint8, b uint8) []uint8 {
	lens = append(lens, b)
	slices.SortFunc(lens, func(a, b uint8) int { return int(b) - int(a) })
	return lens
}

// postString adds slot n to the posting of s in m, copying s into the arena when it is new.
func (x *Index) postString(m map[string]uint32, s string, n uint32) {
	if p, ok := m[s]; ok {
		m[s] = x.post(p, n)
		return
	}
	m[x.arena.str(s)] = n
}

// post returns posting p with slot n added; the zero posting is empty (slot 0 is never used).
func (x *Index) post(p uint32, n uint32) uint32 {
	if p == 0 {
		return n
	}
	if p&multi == 0 {
		if p == n {
			return p
		}
		var l uint32
		if k := len(x.lfree); k > 0 {
			l = x.lfree[k-1]
			x.lfree = x.lfree[:k-1]
			x.lists[l] = append(x.lists[l][:0], p, n)
		} else {
			l = uint32(len(x.lists))
			x.lists = append(x.lists, []uint32{p, n})
		}
		return l | multi
	}
	l := p &^ multi
	x.lists[l] = append(x.lists[l], n)
	return p
}
