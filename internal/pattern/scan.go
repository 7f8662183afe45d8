package pattern

import (
	"bytes"
	"net/netip"
	"strings"
	"unsafe"
)

// Byte classes of the log scanner.
const (
	cWord   uint8 = 1 << iota // may be part of a token: letters, digits, . - _ @ + :
	cHex                      // 0-9 a-f A-F
	cDigit                    // 0-9
	cUpper                    // A-Z
	cAlpha                    // a-z A-Z
	cURLEnd                   // ends a URL: white space, quotes, < > and control bytes
)

var class = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		switch {
		case '0' <= b && b <= '9':
			t[c] = cWord | cHex | cDigit
		case 'a' <= b && b <= 'f':
			t[c] = cWord | cHex | cAlpha
		case 'A' <= b && b <= 'F':
			t[c] = cWord | cHex | cUpper | cAlpha
		case 'g' <= b && b <= 'z':
			t[c] = cWord | cAlpha
		case 'G' <= b && b <= 'Z':
			t[c] = cWord | cUpper | cAlpha
		case b == '.' || b == '-' || b == '_' || b == '@' || b == '+' || b == ':':
			t[c] = cWord
		case b <= ' ' || b == '"' || b == '\'' || b == '<' || b == '>' || b == '`' || b == 0x7f || b == '\\' || b == '|' || b == '^' || b == '{' || b == '}':
			t[c] = cURLEnd
		}
	}
	return t
}()

// maxToken is the longest token looked up (the longest domain name, with room); longer runs
// are skipped as a whole.
const maxToken = 512

// scanner finds indicator values in lines. It holds the index's read lock while scanning (the
// caller takes it) and allocates only when it finds something.
type scanner struct {
	x     *Index
	lower [maxToken]byte
	hits  []found
	// field, when fields are known (Zeek), is the number of the field being scanned.
	field int
}

// found is a value found in a line: the posting of the index it reached, the term it was found
// under, and the value as it appeared (normalised).
type found struct {
	p     uint32
	term  Term
	value string
	field int
}

func (s *scanner) emit(p uint32, t Term, value []byte) {
	for i := range s.hits {
		if h := &s.hits[i]; h.p == p && h.term == t && h.value == string(value) {
			return
		}
	}
	s.hits = append(s.hits, found{p: p, term: t, value: string(value), field: s.field})
}

// scanText finds every address, domain, URL, hash and e-mail address of the index in b.
func (s *scanner) scanText(b []byte) {
	n := len(b)
	for i := 0; i < n; {
		if class[b[i]]&cWord == 0 {
			i++
			continue
		}
		j := i
		for j < n && class[b[j]]&cWord != 0 {
			j++
		}
		if j-i <= maxToken {
			s.run(b, i, j)
		}
		i = j
	}
}

// run classifies the token b[i:j]: a URL when it is a scheme followed by "://", an IPv6
// address, or pieces separated by colons.
func (s *scanner) run(b []byte, i, j int) {
	tok := b[i:j]
	colon := bytes.IndexByte(tok, ':')
	if colon < 0 {
		s.piece(tok)
		return
	}
	if j+1 < len(b) && b[j] == '/' && b[j+1] == '/' && tok[len(tok)-1] == ':' && len(s.x.urls) > 0 {
		s.url(b, i, j)
	}
	if bytes.Count(tok, colonSep) >= 2 && s.ipv6(tok) {
		return
	}
	for len(tok) > 0 {
		k := bytes.IndexByte(tok, ':')
		if k < 0 {
			s.piece(tok)
			return
		}
		s.piece(tok[:k])
		tok = tok[k+1:]
	}
}

var colonSep = []byte{':'}

// url looks up the URL starting at b[i] (its scheme ends at b[j-1] == ':').
func (s *scanner) url(b []byte, i, j int) {
	end := j + 2
	for end < len(b) && class[b[end]]&cURLEnd == 0 {
		end++
	}
	raw := b[i:end]
	// Trailing punctuation of prose is not part of the URL.
	for len(raw) > 0 && (raw[len(raw)-1] == '.' || raw[len(raw)-1] == ',' || raw[len(raw)-1] == ')' || raw[len(raw)-1] == ';') {
		raw = raw[:len(raw)-1]
	}
	u := unsafe.String(unsafe.SliceData(raw), len(raw))
	if !urlIsNormal(raw) {
		var ok bool
		if u, ok = NormalizeURL(u); !ok {
			return
		}
	}
	if !s.x.bloom.has(bloomHashString(tagURL, u)) {
		return
	}
	if p := s.x.urls[u]; p != 0 {
		s.emit(p, Term{Kind: KindURL, Value: strings.Clone(u)}, []byte(u))
	}
}

// urlIsNormal reports whether raw is already as NormalizeURL would write it, for the common
// case: a lower-case scheme and host, a path, no port, no escapes, no fragment.
func urlIsNormal(raw []byte) bool {
	i := bytes.Index(raw, []byte("://"))
	if i <= 0 {
		return false
	}
	for _, c := range raw[:i] {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	host := raw[i+3:]
	slash := bytes.IndexByte(host, '/')
	if slash <= 0 || host[slash-1] == '.' {
		return false
	}
	for _, c := range host[:slash] {
		if class[c]&cUpper != 0 || c == ':' || c == '@' || c == '[' {
			return false
		}
	}
	return bytes.IndexByte(raw, '%') < 0 && bytes.IndexByte(raw, '#') < 0
}

// ipv6 tries tok as an IPv6 address and reports whether it was one.
func (s *scanner) ipv6(tok []byte) bool {
	colons, group := 0, 0
	for _, c := range tok {
		switch {
		case c == ':':
			colons++
			group = 0
		case class[c]&cHex != 0:
			if group++; group > 4 {
				return false
			}
		case c != '.':
			return false
		}
	}
	// Without "::" an address has all eight groups (or six and an IPv4 address); times of
	// day ("10:00:00") have fewer and are no address.
	if colons < 6 && !bytes.Contains(tok, []byte("::")) {
		return false
	}
	a, err := netip.ParseAddr(unsafe.String(unsafe.SliceData(tok), len(tok)))
	if err != nil {
		return false
	}
	if a.Is4In6() {
		s.ipv4(a.Unmap())
		return true
	}
	if len(s.x.v6) == 0 && len(s.x.lens6) == 0 {
		return true
	}
	k := a.As16()
	if s.x.bloom.has(bloomHash(tagV6, k[:])) {
		if p := s.x.v6[k]; p != 0 {
			s.emit(p, addrTerm(a), []byte(a.String()))
		}
	}
	for _, l := range s.x.lens6 {
		m := netip.PrefixFrom(a, int(l)).Masked()
		mk := m.Addr().As16()
		if !s.x.bloom.has(bloomHash(tagPfx6+byte(l&127), mk[:])) {
			continue
		}
		if p := s.x.pfx6[l][mk]; p != 0 {
			s.emit(p, Term{Kind: KindIPv6, Value: m.String()}, []byte(a.String()))
		}
	}
	return true
}

func (s *scanner) ipv4(a netip.Addr) {
	k := v4key(a)
	if s.x.bloom.has(bloomHash32(tagV4, k)) {
		if p := s.x.v4[k]; p != 0 {
			s.emit(p, addrTerm(a), []byte(a.String()))
		}
	}
	for _, l := range s.x.lens4 {
		mk := k &^ (1<<(32-uint(l)) - 1)
		if l == 0 {
			mk = 0
		}
		if !s.x.bloom.has(bloomHash32(tagPfx4+l, mk)) {
			continue
		}
		if p := s.x.pfx4[l][mk]; p != 0 {
			s.emit(p, Term{Kind: KindIPv4, Value: netip.PrefixFrom(a, int(l)).Masked().String()}, []byte(a.String()))
		}
	}
}

// piece classifies a token without colons: an e-mail address, an IPv4 address, a hash or a
// domain name.
func (s *scanner) piece(tok []byte) {
	// Punctuation around a token belongs to the prose, not the value.
	for len(tok) > 0 && isTrim(tok[0]) {
		tok = tok[1:]
	}
	for len(tok) > 0 && isTrim(tok[len(tok)-1]) {
		tok = tok[:len(tok)-1]
	}
	if len(tok) < 3 {
		return
	}
	var all uint8 = 0xff
	var any uint8
	dots := 0
	at := -1
	for k, c := range tok {
		cl := class[c]
		all &= cl
		any |= cl
		switch c {
		case '.':
			dots++
		case '@':
			at = k
		}
	}
	if at >= 0 {
		s.email(tok, at)
		return
	}
	if all&cHex != 0 { // hexadecimal digits only
		if len(tok) >= 32 && len(tok)%2 == 0 {
			s.hash(tok)
		}
		return
	}
	if dots == 0 {
		return
	}
	if any&cAlpha == 0 {
		if dots == 3 {
			if k, ok := parseV4(tok); ok {
				s.ipv4(v4addr(k))
			}
		}
		return
	}
	s.domain(tok, any&cUpper != 0)
}

func isTrim(c byte) bool { return c == '.' || c == '-' || c == '_' || c == '+' }

// parseV4 reads a dotted-quad IPv4 address without leading zeros.
func parseV4(b []byte) (uint32, bool) {
	var v, part uint32
	digits, parts := 0, 0
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == '.' {
			if digits == 0 || parts == 4 {
				return 0, false
			}
			v = v<<8 | part
			parts++
			part, digits = 0, 0
			continue
		}
		if digits > 0 && part == 0 {
			return 0, false // leading zero
		}
		part = part*10 + uint32(b[i]-'0')
		digits++
		if part > 255 {
			return 0, false
		}
	}
	return v, parts == 4
}

func (s *scanner) hash(tok []byte) {
	var buf [64]byte
	n := len(tok) / 2
	if n > len(buf) {
		return
	}
	for k := 0; k < n; k++ {
		buf[k] = unhex(tok[2*k]|0x20)<<4 | unhex(tok[2*k+1]|0x20)
	}
	if !s.x.bloom.has(bloomHash(tagHash, buf[:n])) {
		return
	}
	if p := s.x.hashPosting(buf[:n]); p != 0 {
		v := bytes.ToLower(tok)
		s.emit(p, Term{Kind: KindHash, Value: string(v)}, v)
	}
}

// lowered returns tok in lower case, in the scanner's buffer when it needs changing.
func (s *scanner) lowered(tok []byte, upper bool) []byte {
	if !upper {
		return tok
	}
	d := s.lower[:len(tok)]
	for k, c := range tok {
		if class[c]&cUpper != 0 {
			c += 'a' - 'A'
		}
		d[k] = c
	}
	return d
}

// domain looks up a host name and every wildcard above it.
func (s *scanner) domain(tok []byte, upper bool) {
	if len(s.x.domains) == 0 && len(s.x.subs) == 0 {
		return
	}
	if bytes.Contains(tok, dotdot) {
		return
	}
	d := s.lowered(tok, upper)
	if s.x.bloom.has(bloomHash(tagDomain, d)) {
		if p := s.x.domains[string(d)]; p != 0 {
			s.emit(p, Term{Kind: KindDomain, Value: string(d)}, d)
		}
	}
	if len(s.x.subs) == 0 {
		return
	}
	for k := 0; k < len(d); k++ {
		if d[k] == '.' {
			if !s.x.bloom.has(bloomHash(tagSub, d[k+1:])) {
				continue
			}
			if p := s.x.subs[string(d[k+1:])]; p != 0 {
				s.emit(p, Term{Kind: KindDomain, Value: string(d[k+1:]), Subdomains: true}, d)
			}
		}
	}
}

var dotdot = []byte("..")

func (s *scanner) email(tok []byte, at int) {
	if at == 0 || at == len(tok)-1 {
		return
	}
	host := tok[at+1:]
	if bytes.IndexByte(host, '@') >= 0 || bytes.IndexByte(host, '.') < 0 {
		return
	}
	upper := false
	for _, c := range tok {
		upper = upper || class[c]&cUpper != 0
	}
	if len(s.x.emails) > 0 {
		e := s.lowered(tok, upper)
		if s.x.bloom.has(bloomHash(tagEmail, e)) {
			if p := s.x.emails[string(e)]; p != 0 {
				s.emit(p, Term{Kind: KindEmail, Value: string(e)}, e)
			}
		}
	}
	s.domain(host, upper)
}

// other looks up a whole field (a Zeek field, a JSON string, a quoted part of a web server
// log) among the values of other kinds.
func (s *scanner) other(v []byte) {
	if len(v) == 0 {
		return
	}
	for path, m := range s.x.others {
		if p := m[string(v)]; p != 0 {
			s.emit(p, Term{Kind: KindOther, Value: string(v), Path: path}, v)
		}
	}
}
