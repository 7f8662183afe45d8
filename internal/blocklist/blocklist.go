package blocklist

import (
	"bufio"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/entente/entente/internal/pattern"
)

// Format is a blocklist format.
type Format string

// Blocklist formats.
const (
	Text     Format = "text"     // one value a line: addresses, prefixes, domains (*.wildcards), URLs without scheme
	RPZ      Format = "rpz"      // a DNS response policy zone: domains, wildcards and rpz-ip address triggers
	Hosts    Format = "hosts"    // a hosts file sending domains to 0.0.0.0
	Suricata Format = "suricata" // Suricata rules: addresses, DNS queries and TLS SNI, HTTP host and URI
	Zeek     Format = "zeek"     // a Zeek Intel framework file: addresses, subnets, domains, URLs, hashes, e-mail
	NFTables Format = "nftables" // an nftables table with IPv4 and IPv6 interval sets
)

// Formats lists every format.
var Formats = []Format{Text, RPZ, Hosts, Suricata, Zeek, NFTables}

// ParseFormat reads a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown blocklist format %q: want text, rpz, hosts, suricata, zeek or nftables", s)
}

// kinds are the value kinds each format can express.
var kinds = map[Format][]pattern.Kind{
	Text:     {pattern.KindIPv4, pattern.KindIPv6, pattern.KindDomain, pattern.KindURL},
	RPZ:      {pattern.KindIPv4, pattern.KindIPv6, pattern.KindDomain},
	Hosts:    {pattern.KindDomain},
	Suricata: {pattern.KindIPv4, pattern.KindIPv6, pattern.KindDomain, pattern.KindURL},
	Zeek:     {pattern.KindIPv4, pattern.KindIPv6, pattern.KindDomain, pattern.KindURL, pattern.KindHash, pattern.KindEmail},
	NFTables: {pattern.KindIPv4, pattern.KindIPv6},
}

// ContentType is the media type a list is served with.
func (f Format) ContentType() string { return "text/plain; charset=utf-8" }

// Options choose what a list holds and how it is written.
type Options struct {
	Format Format
	// Kinds, when not empty, keeps only these kinds of values (of those the format can express).
	Kinds []pattern.Kind
	// Partial includes the values of indicators whose pattern asks for more than the value
	// (other comparisons, qualifiers); left out by default, since blocking on them would block
	// more than the indicator describes.
	Partial bool
	// Zone is the RPZ zone name; default "rpz.entente.local".
	Zone string
	// Name names the nftables table and sets, and the source in Zeek files; default "entente".
	Name string
}

func (o *Options) name() string {
	if o.Name == "" {
		return "entente"
	}
	return o.Name
}

// entry is one value of a list with the indicator it is written for.
type entry struct {
	term pattern.Term
	id   string // the newest indicator naming the value
}

// collect reads the values the filter admits, leaves out the allowlisted ones, and sorts them
// by kind and value.
func collect(x *pattern.Index, f *pattern.Filter, o *Options, allow *Allowlist) []entry {
	want := kinds[o.Format]
	if len(o.Kinds) > 0 {
		want = slices.DeleteFunc(slices.Clone(want), func(k pattern.Kind) bool { return !slices.Contains(o.Kinds, k) })
		if len(want) == 0 {
			return nil
		}
	}
	g := *f
	g.CompleteOnly = !o.Partial
	out := make([]entry, 0, x.Count(want...))
	x.EachSummary(&g, want, func(s *pattern.Summary) bool {
		if allow != nil && allow.Excludes(s.Term) {
			return true
		}
		out = append(out, entry{term: s.Term, id: s.NewestID})
		return true
	})
	slices.SortFunc(out, func(a, b entry) int {
		if c := cmp.Compare(a.term.Kind, b.term.Kind); c != 0 {
			return c
		}
		if c := cmp.Compare(a.term.Value, b.term.Value); c != 0 {
			return c
		}
		switch {
		case a.term.Subdomains == b.term.Subdomains:
			return 0
		case a.term.Subdomains:
			return 1
		}
		return -1
	})
	return out
}

// ETag names the state of the list o would write for filter f: it changes when the index
// changes, when time changes what the filter admits (an indicator ends or begins, an embargo
// passes), or when the options, the reader's view or the allowlist differ.
func ETag(x *pattern.Index, f *pattern.Filter, o Options, allow *Allowlist) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%d\x00%+v\x00", x.Generation(), x.Epoch(f), o)
	fmt.Fprintf(h, "%+v\x00%v\x00%d\x00%v\x00%v\x00%v\x00", f.Collections, f.MinConfidence, f.MaxAge, f.Invalid, f.CompleteOnly, f.Shares != nil)
	if f.View != nil {
		fmt.Fprintf(h, "%+v\x00%+v\x00", f.View.Recipient, f.View.Scope)
		if f.View.Agreement != nil {
			fmt.Fprintf(h, "%+v", *f.View.Agreement)
		}
	}
	if allow != nil {
		h.Write([]byte(allow.hash))
	}
	return `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
}

// Write writes the list to w and returns how many values it holds. It stops when ctx is done.
func Write(ctx context.Context, w io.Writer, x *pattern.Index, f *pattern.Filter, o Options, allow *Allowlist) (int, error) {
	if _, ok := kinds[o.Format]; !ok {
		return 0, fmt.Errorf("blocklist: unknown format %q", o.Format)
	}
	entries := collect(x, f, &o, allow)
	bw := bufio.NewWriterSize(w, 64<<10)
	lw := &lineWriter{w: bw}
	switch o.Format {
	case Text:
		writeText(ctx, lw, entries)
	case RPZ:
		writeRPZ(ctx, lw, entries, &o, x.Changed())
	case Hosts:
		writeHosts(ctx, lw, entries)
	case Suricata:
		writeSuricata(ctx, lw, entries)
	case Zeek:
		writeZeek(ctx, lw, entries, &o)
	case NFTables:
		writeNFT(ctx, lw, entries, &o)
	}
	if lw.err == nil {
		lw.err = bw.Flush()
	}
	if lw.err == nil {
		lw.err = ctx.Err()
	}
	if lw.err != nil {
		return lw.n, fmt.Errorf("writing the blocklist: %w", lw.err)
	}
	return lw.n, nil
}

// lineWriter keeps the first write error, so that the writers stay plain.
type lineWriter struct {
	w   *bufio.Writer
	err error
	n   int // values written
}

func (l *lineWriter) printf(format string, args ...any) {
	if l.err == nil {
		_, l.err = fmt.Fprintf(l.w, format, args...)
	}
}

func (l *lineWriter) line(parts ...string) {
	if l.err != nil {
		return
	}
	for _, p := range parts {
		l.w.WriteString(p)
	}
	l.err = l.w.WriteByte('\n')
}

// stop reports whether writing should stop, checking ctx every 4096 values.
func (l *lineWriter) stop(ctx context.Context, i int) bool {
	if l.err != nil {
		return true
	}
	if i%4096 == 0 && ctx.Err() != nil {
		l.err = ctx.Err()
		return true
	}
	return false
}

// urlWithoutScheme writes a URL as firewalls' URL lists and Zeek want it: host and path.
func urlWithoutScheme(u string) string {
	if _, rest, ok := strings.Cut(u, "://"); ok {
		return rest
	}
	return u
}

func writeText(ctx context.Context, l *lineWriter, es []entry) {
	for i, e := range es {
		if l.stop(ctx, i) {
			return
		}
		v := e.term.Display()
		if e.term.Kind == pattern.KindURL {
			v = urlWithoutScheme(v)
		}
		l.line(v)
		l.n++
	}
}

func writeHosts(ctx context.Context, l *lineWriter, es []entry) {
	l.line("# Entente blocklist: domains named by indicators, sent nowhere.")
	for i, e := range es {
		if l.stop(ctx, i) {
			return
		}
		if e.term.Subdomains { // a hosts file has no wildcards
			continue
		}
		l.line("0.0.0.0 ", e.term.Value)
		l.n++
	}
}

func writeRPZ(ctx context.Context, l *lineWriter, es []entry, o *Options, changed time.Time) {
	zone := o.Zone
	if zone == "" {
		zone = "rpz.entente.local"
	}
	serial := uint32(changed.Unix())
	if changed.IsZero() {
		serial = 1
	}
	l.printf("$TTL 300\n@ SOA localhost. hostmaster.localhost. %d 3600 600 86400 300\n@ NS localhost.\n; %s: response policy zone written by Entente\n", serial, zone)
	for i, e := range es {
		if l.stop(ctx, i) {
			return
		}
		switch e.term.Kind {
		case pattern.KindDomain:
			l.line(e.term.Display(), " CNAME .")
		case pattern.KindIPv4, pattern.KindIPv6:
			l.line(rpzIP(e.term.Value), ".rpz-ip CNAME .")
		}
		l.n++
	}
}

// rpzIP writes an address or prefix as an RPZ IP trigger owner name: the prefix length, then
// the address reversed (IPv4 octets; IPv6 groups with the longest run of zero groups as "zz").
func rpzIP(v string) string {
	p, err := netip.ParsePrefix(v)
	if err != nil {
		a, _ := netip.ParseAddr(v)
		p = netip.PrefixFrom(a, a.BitLen())
	}
	a := p.Addr()
	if a.Is4() {
		b := a.As4()
		out := make([]byte, 0, 20)
		out = strconv.AppendInt(out, int64(p.Bits()), 10)
		for i := 3; i >= 0; i-- {
			out = strconv.AppendInt(append(out, '.'), int64(b[i]), 10)
		}
		return string(out)
	}
	parts := []string{strconv.Itoa(p.Bits())}
	b := a.As16()
	groups := make([]string, 8)
	for i := range groups {
		groups[i] = fmt.Sprintf("%x", uint16(b[2*i])<<8|uint16(b[2*i+1]))
	}
	// The longest run of two or more zero groups becomes "zz".
	best, bestLen := -1, 1
	for i := 0; i < 8; {
		j := i
		for j < 8 && groups[j] == "0" {
			j++
		}
		if j-i > bestLen {
			best, bestLen = i, j-i
		}
		i = max(j, i+1)
	}
	if best >= 0 {
		groups = slices.Replace(groups, best, best+bestLen, "zz")
	}
	slices.Reverse(groups)
	return strings.Join(append(parts, groups...), ".")
}

// sidBase is where the Suricata rules' signature ids start (the range for local rules).
const sidBase = 9_100_000

func writeSuricata(ctx context.Context, l *lineWriter, es []entry) {
	l.line("# Entente blocklist as Suricata rules; signature ids follow the sorted values and change when the list does.")
	sid := sidBase
	for i, e := range es {
		if l.stop(ctx, i) {
			return
		}
		msg := "Entente indicator " + e.id
		switch e.term.Kind {
		case pattern.KindIPv4, pattern.KindIPv6:
			l.printf("alert ip [%s] any <> any any (msg:\"%s\"; sid:%d; rev:1;)\n", e.term.Value, msg, sid)
			sid++
		case pattern.KindDomain:
			match := "content:\"" + e.term.Value + "\"; nocase; startswith; endswith;"
			if e.term.Subdomains {
				match = "content:\"." + e.term.Value + "\"; nocase; endswith;"
			}
			l.printf("alert dns any any -> any any (msg:\"%s\"; dns.query; %s sid:%d; rev:1;)\n", msg, match, sid)
			l.printf("alert tls any any -> any any (msg:\"%s\"; tls.sni; %s sid:%d; rev:1;)\n", msg, match, sid+1)
			sid += 2
		case pattern.KindURL:
			hostPath := urlWithoutScheme(e.term.Value)
			host, path, _ := strings.Cut(hostPath, "/")
			l.printf("alert http any any -> any any (msg:\"%s\"; http.host; content:\"%s\"; nocase; startswith; endswith; http.uri; content:\"/%s\"; startswith; endswith; sid:%d; rev:1;)\n",
				msg, suricataEscape(host), suricataEscape(path), sid)
			sid++
		default:
			continue
		}
		l.n++
	}
}

// suricataEscape escapes what a Suricata content string cannot hold as such.
func suricataEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', ';', '\\', '|':
			fmt.Fprintf(&b, "|%02X|", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

var zeekTypes = map[pattern.Kind]string{
	pattern.KindIPv4: "Intel::ADDR", pattern.KindIPv6: "Intel::ADDR", pattern.KindDomain: "Intel::DOMAIN",
	pattern.KindURL: "Intel::URL", pattern.KindHash: "Intel::FILE_HASH", pattern.KindEmail: "Intel::EMAIL",
}

func writeZeek(ctx context.Context, l *lineWriter, es []entry, o *Options) {
	l.line("#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc")
	for i, e := range es {
		if l.stop(ctx, i) {
			return
		}
		if e.term.Subdomains { // the Intel framework matches names exactly
			continue
		}
		typ := zeekTypes[e.term.Kind]
		v := e.term.Value
		switch {
		case e.term.Kind == pattern.KindURL:
			v = urlWithoutScheme(v)
		case strings.Contains(v, "/"):
			typ = "Intel::SUBNET"
		}
		if strings.ContainsAny(v, "\t\n") {
			continue
		}
		l.line(v, "\t", typ, "\t", o.name(), "\t", e.id)
		l.n++
	}
}

func writeNFT(ctx context.Context, l *lineWriter, es []entry, o *Options) {
	name := o.name()
	l.printf("table inet %s {\n", name)
	for _, fam := range []struct {
		kind pattern.Kind
		set  string
		typ  string
	}{{pattern.KindIPv4, "blocklist_v4", "ipv4_addr"}, {pattern.KindIPv6, "blocklist_v6", "ipv6_addr"}} {
		l.printf("\tset %s {\n\t\ttype %s\n\t\tflags interval\n\t\tauto-merge\n", fam.set, fam.typ)
		first := true
		for i, e := range es {
			if l.stop(ctx, i) {
				return
			}
			if e.term.Kind != fam.kind {
				continue
			}
			if first {
				l.printf("\t\telements = {\n")
				first = false
			}
			l.line("\t\t\t", e.term.Value, ",")
			l.n++
		}
		if !first {
			l.printf("\t\t}\n")
		}
		l.printf("\t}\n")
	}
	l.printf("}\n")
}
