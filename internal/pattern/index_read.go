package pattern

import (
	"encoding/hex"
	"net/netip"
	"slices"
	"time"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
)

// Filter says what one reader may see of the index. Every read of the index takes one: what
// the sharing policy withholds from the reader is never reported, nor is an indicator the
// policy would only let through redacted (its pattern might be what redaction removes).
type Filter struct {
	// View is the reader's view of the policy (policy.Gate.View); required. A nil View sees
	// nothing.
	View *policy.View
	// Shares returns the recipients named on a TLP:RED object; nil means none, so RED reaches
	// only the own organisation.
	Shares func(id string) []string
	// Collections, when not nil, limits the reader to indicators in these collection ids.
	Collections []string
	// MinConfidence, when above 0, keeps only indicators stating at least this confidence.
	MinConfidence int
	// Invalid keeps indicators outside their validity (before valid_from, at or after
	// valid_until), which are left out otherwise.
	Invalid bool
	// CompleteOnly keeps only indicators whose pattern is matched by any one of its terms.
	CompleteOnly bool
	// MaxAge, when not zero, keeps only indicators added to the node within it.
	MaxAge time.Duration

	colls []bool // by interned string number; nil: all
	now   uint32 // Unix seconds
	after int64  // date_added micro lower bound (MaxAge)
}

// prepare readies the filter for the index; the caller holds the read lock.
func (f *Filter) prepare(x *Index) {
	now := time.Now()
	if f.View != nil {
		now = f.View.Now
	}
	f.now = unixSeconds(now.Unix())
	f.after = 0
	if f.MaxAge > 0 {
		f.after = now.Add(-f.MaxAge).UnixMicro()
	}
	f.colls = nil
	if f.Collections != nil {
		f.colls = make([]bool, len(x.strs))
		for _, c := range f.Collections {
			if i, ok := x.strIdx[c]; ok {
				f.colls[i] = true
			}
		}
	}
}

// admits decides slot n for the reader; the caller holds the read lock and called prepare.
func (f *Filter) admits(x *Index, n uint32) bool {
	s := &x.slots[n]
	switch {
	case f.View == nil, s.flags&slotDead != 0:
		return false
	case f.colls != nil && (int(s.coll) >= len(f.colls) || !f.colls[s.coll]):
		return false
	case f.MinConfidence > 0 && int(s.confidence) < f.MinConfidence:
		return false
	case !f.Invalid && (s.validUntil != 0 && s.validUntil <= f.now || s.validFrom > f.now):
		return false
	case f.CompleteOnly && s.flags&slotComplete == 0:
		return false
	case f.after != 0 && s.added < f.after:
		return false
	}
	facts := policy.Facts{
		Type: "indicator", TLP: s.tlp, Labels: x.labels[s.labels], Origin: x.strs[s.origin],
		Added: time.UnixMicro(s.added), Personal: policy.PersonalClass(s.personal),
		GranularRequired: levelsOf(s.granReq), GranularOptional: levelsOf(s.granOpt),
	}
	if facts.TLP == 0 {
		facts.TLP = stix.TLPUnknown
	}
	if f.Shares != nil && (s.tlp == stix.TLPRed || (s.granReq|s.granOpt)&(1<<stix.TLPRed) != 0) {
		facts.Shares = f.Shares(formatUUID("indicator", s.uuid))
	}
	d := policy.Decide(f.View.Recipient, facts, f.View.Agreement, f.View.Now)
	return d.Allow && d.Form == policy.FormFull
}

// levelsOf converts a store levels mask (bit t for TLP t, bit 7 unknown) to policy levels.
func levelsOf(l uint8) policy.Levels {
	var out policy.Levels
	for t := stix.TLPClear; t <= stix.TLPRed; t++ {
		if l&(1<<t) != 0 {
			out |= policy.LevelsOf(t)
		}
	}
	if l&(1<<7) != 0 {
		out |= policy.LevelsOf(stix.TLPUnknown)
	}
	return out
}

// indicator rebuilds the Indicator of slot n; the caller holds the read lock.
func (x *Index) indicator(n uint32) Indicator {
	s := &x.slots[n]
	ind := Indicator{
		ID: formatUUID("indicator", s.uuid), Collection: x.strs[s.coll], Version: s.version, Added: s.added,
		TLP: s.tlp, Origin: x.strs[s.origin], Source: x.strs[s.source], Labels: x.labels[s.labels],
		Confidence: int(s.confidence), Personal: s.personal, GranularRequired: s.granReq, GranularOptional: s.granOpt,
		Complete: s.flags&slotComplete != 0,
	}
	if s.validFrom != 0 {
		ind.ValidFrom = time.Unix(int64(s.validFrom), 0).UTC()
	}
	if s.validUntil != 0 {
		ind.ValidUntil = time.Unix(int64(s.validUntil), 0).UTC()
	}
	return ind
}

// Hit is an indexed value found, with an indicator that names it.
type Hit struct {
	// Term is the value as the indicator names it: for an address found inside a prefix the
	// prefix, for a domain found below a wildcard the wildcard's domain.
	Term      Term
	Indicator Indicator
}

// eachSlot calls fn for every slot of posting p; the caller holds the read lock.
func (x *Index) eachSlot(p uint32, fn func(n uint32)) {
	if p == 0 {
		return
	}
	if p&multi == 0 {
		fn(p)
		return
	}
	for _, n := range x.lists[p&^multi] {
		fn(n)
	}
}

// Lookup returns the indicators the reader may see that name t or contain it: for an address
// the address and every prefix holding it, for a prefix the same prefix and every wider one,
// for a domain the domain and every wildcard above it, for other kinds the same value (a
// KindOther term without a path matches that value under any path, and a domain is also
// looked up as such a value, since "a.exe" may be a file name). Each indicator is
// reported once per term, newest added first.
func (x *Index) Lookup(t Term, f *Filter) []Hit {
	x.mu.RLock()
	defer x.mu.RUnlock()
	f.prepare(x)
	var hits []Hit
	x.lookup(t, func(p uint32, matched Term) {
		x.eachSlot(p, func(n uint32) {
			if f.admits(x, n) {
				hits = append(hits, Hit{Term: matched, Indicator: x.indicator(n)})
			}
		})
	})
	slices.SortStableFunc(hits, func(a, b Hit) int {
		switch {
		case a.Indicator.Added > b.Indicator.Added:
			return -1
		case a.Indicator.Added < b.Indicator.Added:
			return 1
		}
		return 0
	})
	return hits
}

// lookup calls fn with every posting that t reaches and the term it was found under; the caller
// holds the read lock.
func (x *Index) lookup(t Term, fn func(p uint32, matched Term)) {
	switch t.Kind {
	case KindIPv4, KindIPv6:
		p, err := netip.ParsePrefix(t.Value)
		if err != nil {
			a, err := netip.ParseAddr(t.Value)
			if err != nil {
				return
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		x.lookupPrefix(p, fn)
	case KindHash:
		b, err := hex.DecodeString(t.Value)
		if err == nil {
			if p := x.hashPosting(b); p != 0 {
				fn(p, t)
			}
		}
	case KindDomain:
		x.lookupDomain(t.Value, t.Subdomains, fn)
		if !t.Subdomains {
			// A name with a dot may as well be a file name or another value.
			x.lookup(Term{Kind: KindOther, Value: t.Value}, fn)
		}
	case KindURL:
		if p := x.urls[t.Value]; p != 0 {
			fn(p, t)
		}
	case KindEmail:
		if p := x.emails[t.Value]; p != 0 {
			fn(p, t)
		}
	case KindOther:
		for path, m := range x.others {
			if t.Path != "" && t.Path != path {
				continue
			}
			if p := m[t.Value]; p != 0 {
				fn(p, Term{Kind: KindOther, Value: t.Value, Path: path})
			}
		}
	}
}

// lookupPrefix finds the address or prefix p itself and every indexed prefix that holds it.
func (x *Index) lookupPrefix(p netip.Prefix, fn func(uint32, Term)) {
	a, bits := p.Addr(), p.Bits()
	if a.Is4() {
		if bits == 32 {
			if q := x.v4[v4key(a)]; q != 0 {
				fn(q, addrTerm(a))
			}
		}
		for _, l := range x.lens4 {
			if int(l) > bits {
				continue
			}
			m := netip.PrefixFrom(a, int(l)).Masked()
			if q := x.pfx4[l][v4key(m.Addr())]; q != 0 {
				fn(q, Term{Kind: KindIPv4, Value: m.String()})
			}
		}
		return
	}
	if bits == 128 {
		if q := x.v6[a.As16()]; q != 0 {
			fn(q, addrTerm(a))
		}
	}
	for _, l := range x.lens6 {
		if int(l) > bits {
			continue
		}
		m := netip.PrefixFrom(a, int(l)).Masked()
		if q := x.pfx6[l][m.Addr().As16()]; q != 0 {
			fn(q, Term{Kind: KindIPv6, Value: m.String()})
		}
	}
}

func (x *Index) hashPosting(b []byte) uint32 {
	switch len(b) {
	case 16:
		return x.h16[[16]byte(b)]
	case 20:
		return x.h20[[20]byte(b)]
	case 32:
		return x.h32[[32]byte(b)]
	}
	return x.hOther[string(b)]
}

// lookupDomain finds domain d (unless only its subdomains are asked for) and every wildcard
// above it.
func (x *Index) lookupDomain(d string, subOnly bool, fn func(uint32, Term)) {
	if !subOnly {
		if p := x.domains[d]; p != 0 {
			fn(p, Term{Kind: KindDomain, Value: d})
		}
	} else if p := x.subs[d]; p != 0 {
		fn(p, Term{Kind: KindDomain, Value: d, Subdomains: true})
	}
	if len(x.subs) == 0 {
		return
	}
	for i := 0; i < len(d); i++ {
		if d[i] == '.' {
			if p := x.subs[d[i+1:]]; p != 0 {
				fn(p, Term{Kind: KindDomain, Value: d[i+1:], Subdomains: true})
			}
		}
	}
}

// Value is one indexed value with the indicators a reader may see that name it.
type Value struct {
	Term       Term
	Indicators []Indicator
}

// Each calls fn for every indexed value of the given kinds (all kinds when none are given) that
// at least one indicator the reader may see names, with those indicators. Values come in no
// particular order. fn must not call back into the index; the index is read-locked meanwhile.
// Each stops when fn returns false.
func (x *Index) Each(f *Filter, kinds []Kind, fn func(Value) bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	f.prepare(x)
	var inds []Indicator
	x.eachPosting(kinds, func(p uint32, t Term) bool {
		inds = inds[:0]
		x.eachSlot(p, func(n uint32) {
			if f.admits(x, n) {
				inds = append(inds, x.indicator(n))
			}
		})
		if len(inds) == 0 {
			return true
		}
		return fn(Value{Term: t, Indicators: inds})
	})
}

// Summary is what a list needs to know of the indicators naming one value.
type Summary struct {
	Term       Term
	Indicators int    // how many indicators the reader may see name it
	NewestID   string // the one added last
	Confidence int    // the highest confidence they state, -1 when none does
}

// EachSummary is Each for lists: it reports each value with a summary of its indicators
// instead of the indicators themselves, which makes it several times cheaper. The summary is
// reused between calls.
func (x *Index) EachSummary(f *Filter, kinds []Kind, fn func(*Summary) bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	f.prepare(x)
	var sum Summary
	x.eachPosting(kinds, func(p uint32, t Term) bool {
		sum = Summary{Term: t, Confidence: -1}
		var newest uint32
		x.eachSlot(p, func(n uint32) {
			if !f.admits(x, n) {
				return
			}
			s := &x.slots[n]
			sum.Indicators++
			sum.Confidence = max(sum.Confidence, int(s.confidence))
			if newest == 0 || s.added > x.slots[newest].added {
				newest = n
			}
		})
		if sum.Indicators == 0 {
			return true
		}
		sum.NewestID = formatUUID("indicator", x.slots[newest].uuid)
		return fn(&sum)
	})
}

// Count returns how many distinct values of the given kinds (all when none are given) the
// index holds, whoever may see them: an upper bound for what Each reports.
func (x *Index) Count(kinds ...Kind) int {
	st := x.Stats()
	n := 0
	for k, c := range st.Values {
		if len(kinds) == 0 || slices.Contains(kinds, k) {
			n += c
		}
	}
	return n
}

// eachPosting calls visit with every value of the given kinds and its posting, until visit
// returns false; the caller holds the read lock.
func (x *Index) eachPosting(kinds []Kind, visit func(p uint32, t Term) bool) {
	want := func(k Kind) bool { return len(kinds) == 0 || slices.Contains(kinds, k) }
	if want(KindIPv4) {
		for k, p := range x.v4 {
			if !visit(p, Term{Kind: KindIPv4, Value: v4addr(k).String()}) {
				return
			}
		}
		for _, l := range x.lens4 {
			for k, p := range x.pfx4[l] {
				if !visit(p, Term{Kind: KindIPv4, Value: netip.PrefixFrom(v4addr(k), int(l)).String()}) {
					return
				}
			}
		}
	}
	if want(KindIPv6) {
		for k, p := range x.v6 {
			if !visit(p, Term{Kind: KindIPv6, Value: netip.AddrFrom16(k).String()}) {
				return
			}
		}
		for _, l := range x.lens6 {
			for k, p := range x.pfx6[l] {
				if !visit(p, Term{Kind: KindIPv6, Value: netip.PrefixFrom(netip.AddrFrom16(k), int(l)).String()}) {
					return
				}
			}
		}
	}
	if want(KindDomain) {
		if !eachString(x.domains, KindDomain, false, visit) || !eachString(x.subs, KindDomain, true, visit) {
			return
		}
	}
	if want(KindURL) && !eachString(x.urls, KindURL, false, visit) {
		return
	}
	if want(KindEmail) && !eachString(x.emails, KindEmail, false, visit) {
		return
	}
	if want(KindHash) {
		for k, p := range x.h16 {
			if !visit(p, Term{Kind: KindHash, Value: hex.EncodeToString(k[:])}) {
				return
			}
		}
		for k, p := range x.h20 {
			if !visit(p, Term{Kind: KindHash, Value: hex.EncodeToString(k[:])}) {
				return
			}
		}
		for k, p := range x.h32 {
			if !visit(p, Term{Kind: KindHash, Value: hex.EncodeToString(k[:])}) {
				return
			}
		}
		for k, p := range x.hOther {
			if !visit(p, Term{Kind: KindHash, Value: hex.EncodeToString([]byte(k))}) {
				return
			}
		}
	}
	if want(KindOther) {
		for path, m := range x.others {
			for k, p := range m {
				if !visit(p, Term{Kind: KindOther, Value: k, Path: path}) {
					return
				}
			}
		}
	}
}

func eachString(m map[string]uint32, k Kind, sub bool, visit func(uint32, Term) bool) bool {
	for v, p := range m {
		if !visit(p, Term{Kind: k, Value: v, Subdomains: sub}) {
			return false
		}
	}
	return true
}

func v4addr(k uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(k >> 24), byte(k >> 16), byte(k >> 8), byte(k)})
}

// Stats counts what the index holds.
type Stats struct {
	Indicators int          // live indicator versions
	Values     map[Kind]int // distinct values per kind (prefixes and wildcards included)
}

// Stats counts the index's contents.
func (x *Index) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := Stats{Indicators: len(x.slots) - 1 - len(x.free) - x.dead, Values: map[Kind]int{}}
	s.Values[KindIPv4] = len(x.v4)
	for _, l := range x.lens4 {
		s.Values[KindIPv4] += len(x.pfx4[l])
	}
	s.Values[KindIPv6] = len(x.v6)
	for _, l := range x.lens6 {
		s.Values[KindIPv6] += len(x.pfx6[l])
	}
	s.Values[KindDomain] = len(x.domains) + len(x.subs)
	s.Values[KindURL] = len(x.urls)
	s.Values[KindEmail] = len(x.emails)
	s.Values[KindHash] = len(x.h16) + len(x.h20) + len(x.h32) + len(x.hOther)
	for _, m := range x.others {
		s.Values[KindOther] += len(m)
	}
	return s
}
