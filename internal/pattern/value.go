package pattern

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Kind is the kind of an indicator value in the index: what sort of token in a log or which
// property of an observable it stands for.
type Kind uint8

// Kinds of indexed values.
const (
	KindIPv4   Kind = iota + 1 // an IPv4 address or prefix
	KindIPv6                   // an IPv6 address or prefix
	KindDomain                 // a domain name, and with Subdomains its subdomains only
	KindURL                    // a URL, normalised by NormalizeURL
	KindHash                   // a file hash of any algorithm, as lower-case hex
	KindEmail                  // an e-mail address, lower case
	KindOther                  // any other string a pattern tests for equality, with its path
)

var kindNames = [...]string{
	KindIPv4: "ipv4-addr", KindIPv6: "ipv6-addr", KindDomain: "domain-name", KindURL: "url",
	KindHash: "file-hash", KindEmail: "email-addr", KindOther: "other",
}

// String names the kind as the STIX type it mostly comes from ("ipv4-addr", "file-hash", …).
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}

// ParseKind returns the kind named by s (as String writes it), and false for anything else.
func ParseKind(s string) (Kind, bool) {
	for k, n := range kindNames {
		if n != "" && n == s {
			return Kind(k), true
		}
	}
	return 0, false
}

// Term is one value an indicator's pattern looks for, normalised for the index.
type Term struct {
	Kind Kind
	// Value is the normalised value: an address or a masked prefix ("192.0.2.0/24"), a
	// lower-case domain without trailing dot, a URL as NormalizeURL writes it, lower-case hex,
	// a lower-case e-mail address, or for KindOther the string exactly as in the pattern.
	Value string
	// Subdomains means a KindDomain term matches every strict subdomain of Value and not Value
	// itself (from LIKE '%.example.com').
	Subdomains bool
	// Path is the object path a KindOther value was compared with: "file:name".
	Path string
}

// Display writes the term as it is shown to people: "*.example.com" for subdomains.
func (t Term) Display() string {
	if t.Subdomains {
		return "*." + t.Value
	}
	return t.Value
}

// termOf classifies one observable value the pattern compares a path with for equality.
func termOf(typ, path, v string) (Term, bool) {
	other := Term{Kind: KindOther, Value: v, Path: typ + ":" + path}
	if v == "" {
		return Term{}, false
	}
	switch {
	case path == "value" && (typ == "ipv4-addr" || typ == "ipv6-addr"):
		if t, ok := ipTerm(v); ok {
			return t, true
		}
		return other, true
	case path == "value" && typ == "domain-name":
		if d, ok := normalizeDomain(v); ok {
			return Term{Kind: KindDomain, Value: d}, true
		}
		return other, true
	case path == "value" && typ == "url":
		if u, ok := NormalizeURL(v); ok {
			return Term{Kind: KindURL, Value: u}, true
		}
		return other, true
	case path == "value" && typ == "email-addr":
		if e, ok := normalizeEmail(v); ok {
			return Term{Kind: KindEmail, Value: e}, true
		}
		return other, true
	case strings.HasPrefix(path, "hashes."):
		if h, ok := normalizeHash(v); ok {
			return Term{Kind: KindHash, Value: h}, true
		}
		return other, true
	case strings.HasSuffix(path, "_ref.value") || strings.HasSuffix(path, "_refs[*].value"):
		// A reference's type is not in the path: the value's shape tells.
		if t, ok := ipTerm(v); ok {
			return t, true
		}
		if e, ok := normalizeEmail(v); ok {
			return Term{Kind: KindEmail, Value: e}, true
		}
		if d, ok := normalizeDomain(v); ok {
			return Term{Kind: KindDomain, Value: d}, true
		}
	}
	return other, true
}

// ipTerm reads an address or a prefix. A prefix is masked; a full-length prefix is an address.
func ipTerm(v string) (Term, bool) {
	if strings.IndexByte(v, '/') >= 0 {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return Term{}, false
		}
		p = p.Masked()
		if p.Addr().Is4In6() {
			return Term{}, false
		}
		if p.IsSingleIP() {
			return addrTerm(p.Addr()), true
		}
		k := KindIPv4
		if p.Addr().Is6() {
			k = KindIPv6
		}
		return Term{Kind: k, Value: p.String()}, true
	}
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return Term{}, false
	}
	return addrTerm(a.Unmap()), true
}

func addrTerm(a netip.Addr) Term {
	if a.Is4() {
		return Term{Kind: KindIPv4, Value: a.String()}
	}
	return Term{Kind: KindIPv6, Value: a.String()}
}

// hostByte reports the bytes that may appear in a host name as found in the wild (underscores
// included, as in service records).
var hostByte = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['-'], t['_'], t['.'] = true, true, true
	return t
}()

// normalizeDomain lower-cases a domain name and drops one trailing dot. A name in Unicode (an
// internationalised name, as in homograph phishing) becomes its ASCII form (IDNA with the UTS #46
// mapping: "bücher.example" is "xn--bcher-kva.example"), the form DNS carries, and so resolvers,
// logs and blocklists. It refuses names with characters outside letters, digits, '-', '_' and
// '.', empty labels, no dot at all, or Unicode that IDNA refuses: such a value is kept as an
// "other" value instead.
func normalizeDomain(v string) (string, bool) {
	v = strings.TrimSuffix(v, ".")
	if len(v) == 0 || len(v) > 253 || strings.IndexByte(v, '.') < 0 {
		return "", false
	}
	upper := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !hostByte[c] {
			if c >= utf8.RuneSelf {
				return asciiDomain(v)
			}
			return "", false
		}
		if c == '.' && (i == 0 || v[i-1] == '.') {
			return "", false
		}
		upper = upper || ('A' <= c && c <= 'Z')
	}
	if upper {
		v = strings.ToLower(v)
	}
	return v, true
}

// asciiDomain normalises a domain name in Unicode through its ASCII form.
func asciiDomain(v string) (string, bool) {
	a, err := idna.Lookup.ToASCII(v)
	if err != nil || a == v {
		return "", false
	}
	return normalizeDomain(a)
}

// normalizeEmail lower-cases an address of the form local@domain.
func normalizeEmail(v string) (string, bool) {
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 || strings.ContainsAny(v, " \t\r\n<>\"") {
		return "", false
	}
	if _, ok := normalizeDomain(v[at+1:]); !ok {
		return "", false
	}
	return strings.ToLower(v), true
}

// normalizeHash lower-cases a hexadecimal hash of 16 to 64 bytes.
func normalizeHash(v string) (string, bool) {
	if len(v) < 32 || len(v) > 128 || len(v)%2 != 0 {
		return "", false
	}
	for i := 0; i < len(v); i++ {
		if !isHexDigit(v[i]) {
			return "", false
		}
	}
	return strings.ToLower(v), true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// NormalizeURL brings a URL to the form the index keeps, so that spellings of the same URL
// meet: scheme and host in lower case, the host's trailing dot and the scheme's default port
// dropped, an empty path written "/", the fragment removed, percent-escapes of unreserved
// characters decoded and the others written in upper case. It returns false for text that is
// not an absolute URL with a host.
func NormalizeURL(v string) (string, bool) {
	sep := strings.Index(v, "://")
	if sep <= 0 || len(v) > 8192 {
		return "", false
	}
	scheme := v[:sep]
	for i := 0; i < len(scheme); i++ {
		c := scheme[i] | 0x20
		if !('a' <= c && c <= 'z') && !(i > 0 && (isDigit(scheme[i]) || scheme[i] == '+' || scheme[i] == '-' || scheme[i] == '.')) {
			return "", false
		}
	}
	rest := v[sep+3:]
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	userinfo := ""
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		userinfo, authority = authority[:at+1], authority[at+1:]
	}
	host, port := authority, ""
	if strings.HasPrefix(host, "[") {
		i := strings.IndexByte(host, ']')
		if i < 0 {
			return "", false
		}
		host, port = host[:i+1], host[i+1:]
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host, port = host[:i], host[i:]
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" || strings.ContainsAny(host, " \t\r\n\"<>") {
		return "", false
	}
	scheme = strings.ToLower(scheme)
	if port != "" {
		if port == ":" || strings.Trim(port[1:], "0123456789") != "" {
			return "", false
		}
		if (scheme == "http" && port == ":80") || (scheme == "https" && port == ":443") || (scheme == "ftp" && port == ":21") {
			port = ""
		}
	}
	if tail == "" || tail[0] == '?' {
		tail = "/" + tail
	}
	var b strings.Builder
	b.Grow(len(v))
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(userinfo)
	b.WriteString(strings.ToLower(host))
	b.WriteString(port)
	writeEscapes(&b, tail)
	return b.String(), true
}

// writeEscapes writes s with percent-escapes of unreserved characters decoded and the hex
// digits of the others in upper case (RFC 3986, section 6.2.2).
func writeEscapes(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' || i+2 >= len(s) || !isHexDigit(s[i+1]) || !isHexDigit(s[i+2]) {
			b.WriteByte(c)
			continue
		}
		d := unhex(s[i+1])<<4 | unhex(s[i+2])
		if unreserved(d) {
			b.WriteByte(d)
		} else {
			b.WriteByte('%')
			b.WriteByte(upperHex(s[i+1]))
			b.WriteByte(upperHex(s[i+2]))
		}
		i += 2
	}
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

func upperHex(c byte) byte {
	if 'a' <= c && c <= 'f' {
		return c - 'a' + 'A'
	}
	return c
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~'
}

// ParseTerm reads a value given by a person or a log, as the index keeps it: an address or
// prefix, a URL, an e-mail address, a hash, or a domain; anything else is a KindOther value
// with no path. It is what correlation by value looks up.
func ParseTerm(v string) (Term, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return Term{}, false
	}
	if t, ok := ipTerm(v); ok {
		return t, true
	}
	if u, ok := NormalizeURL(v); ok {
		return Term{Kind: KindURL, Value: u}, true
	}
	if e, ok := normalizeEmail(v); ok {
		return Term{Kind: KindEmail, Value: e}, true
	}
	if h, ok := normalizeHash(v); ok {
		return Term{Kind: KindHash, Value: h}, true
	}
	if strings.HasPrefix(v, "*.") {
		if d, ok := normalizeDomain(v[2:]); ok {
			return Term{Kind: KindDomain, Value: d, Subdomains: true}, true
		}
	}
	if d, ok := normalizeDomain(v); ok {
		return Term{Kind: KindDomain, Value: d}, true
	}
	return Term{Kind: KindOther, Value: v}, true
}
