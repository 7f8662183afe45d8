package gen

import (
	"math/rand/v2"
	"strings"
)

// comparison is one comparison of a pattern: an object path, an operator and how to draw the value.
type comparison struct {
	path, op string
	value    func(b []byte, r *rand.Rand) []byte
}

var (
	ipv4Value   = comparison{"ipv4-addr:value", " = ", func(b []byte, r *rand.Rand) []byte { return appendIPv4(b, randomIPv4(r)) }}
	domainValue = comparison{"domain-name:value", " = ", appendDomain}
	urlValue    = comparison{"url:value", " = ", appendURL}
	sha256Value = comparison{"file:hashes.'SHA-256'", " = ", hexValue(64)}
	senderValue = comparison{"email-message:from_ref.value", " = ", appendEmail}
)

func hexValue(digits int) func(b []byte, r *rand.Rand) []byte {
	return func(b []byte, r *rand.Rand) []byte { return appendHex(b, digits, r.Uint64) }
}

// patternKinds are the shapes of indicator patterns: one comparison, or two joined by a boolean
// operator or, as two observations, by FOLLOWEDBY. Weights add up to 100.
var patternKinds = [...]struct {
	weight int
	name   []string // what the indicator is called, before its (first) value
	types  []string // indicator_types to choose from
	first  comparison
	join   string
	second comparison
}{
	{weight: 22, name: []string{"C2 server", "Scanning host", "Brute-force source", "Exfiltration endpoint"}, types: indicatorTypesIP, first: ipv4Value},
	{weight: 5, name: []string{"Hostile network", "Bulletproof hosting range"}, types: indicatorTypesIP,
		first: comparison{"ipv4-addr:value", " ISSUBSET ", appendIPv4CIDR}},
	{weight: 6, name: []string{"C2 server", "Scanning host"}, types: indicatorTypesIP,
		first: comparison{"ipv6-addr:value", " = ", appendIPv6}},
	{weight: 2, name: []string{"Hostile network"}, types: indicatorTypesIP,
		first: comparison{"ipv6-addr:value", " ISSUBSET ", appendIPv6CIDR}},
	{weight: 18, name: []string{"Phishing domain", "C2 domain", "Malware distribution domain"}, types: indicatorTypesHost, first: domainValue},
	{weight: 14, name: []string{"Phishing URL", "Payload URL", "C2 URL"}, types: indicatorTypesHost, first: urlValue},
	{weight: 6, name: []string{"Malicious file", "Loader sample"}, types: indicatorTypesFile,
		first: comparison{"file:hashes.MD5", " = ", hexValue(32)}},
	{weight: 5, name: []string{"Malicious file", "Dropper sample"}, types: indicatorTypesFile,
		first: comparison{"file:hashes.'SHA-1'", " = ", hexValue(40)}},
	{weight: 10, name: []string{"Malicious file", "Ransomware payload", "Infostealer sample"}, types: indicatorTypesFile, first: sha256Value},
	{weight: 6, name: []string{"Phishing sender", "Malspam sender"}, types: indicatorTypesHost,
		first: comparison{"email-addr:value", " = ", appendEmail}},
	{weight: 2, name: []string{"Phishing e-mail from"}, types: indicatorTypesHost, first: senderValue, join: " AND ",
		second: comparison{"email-message:subject", " = ", func(b []byte, r *rand.Rand) []byte {
			return fill(b, pick(r, phishSubjects), int64(1000+r.IntN(9000)), r)
		}}},
	{weight: 2, name: []string{"Dropper"}, types: indicatorTypesFile, first: sha256Value, join: " AND ",
		second: comparison{"file:name", " = ", appendFileName}},
	{weight: 1, name: []string{"C2 servers"}, types: indicatorTypesIP, first: ipv4Value, join: " OR ", second: ipv4Value},
	{weight: 1, name: []string{"Beaconing sequence to"}, types: indicatorTypesHost, first: domainValue, join: "] FOLLOWEDBY [", second: urlValue},
}

// drawPatternKind draws a pattern shape by weight.
func (g *generator) drawPatternKind() int {
	u := g.r.IntN(100)
	for k, p := range patternKinds {
		if u < p.weight {
			return k
		}
		u -= p.weight
	}
	return 0
}

// buildPattern writes the pattern of shape k into g.scratch and the value the indicator is named
// after into g.tmp.
func (g *generator) buildPattern(k int) {
	pk := &patternKinds[k]
	// Two observations in sequence are sometimes bounded in time: ([a] FOLLOWEDBY [b]) WITHIN n SECONDS.
	within := strings.HasPrefix(pk.join, "]") && g.r.IntN(2) == 0
	p := g.scratch[:0]
	if within {
		p = append(p, '(')
	}
	p = append(p, '[')
	val := pk.first.value(g.tmp[:0], g.r)
	p = appendComparison(p, &pk.first, val)
	if pk.join != "" {
		p = append(p, pk.join...)
		n := len(val)
		val = pk.second.value(val, g.r)
		p = appendComparison(p, &pk.second, val[n:])
		val = val[:n]
	}
	p = append(p, ']')
	if within {
		p = append(p, ") WITHIN "...)
		p = appendInt(p, int64(60*(1+g.r.IntN(30))))
		p = append(p, " SECONDS"...)
	}
	g.scratch, g.tmp = p, val
}

func appendComparison(p []byte, c *comparison, value []byte) []byte {
	p = append(p, c.path...)
	p = append(p, c.op...)
	return appendPatternString(p, value)
}

// indicator writes an indicator: a STIX pattern over one or two observables, validity, types,
// kill chain phase, confidence, labels, sometimes an advisory reference and a custom property.
func (g *generator) indicator(i int64, v *version) {
	h := g.drawHead()
	g.header(kIndicator, i, v, h)
	k := g.drawPatternKind()
	pk := &patternKinds[k]
	g.buildPattern(k)
	g.name = append(append(g.name[:0], pick(g.r, pk.name)...), ' ')
	g.name = append(g.name, g.tmp...)
	g.strBytes("name", g.name)
	g.describe(35, v)
	g.list("indicator_types", pick(g.r, pk.types))
	g.strBytes("pattern", g.scratch)
	g.str("pattern_type", "stix")
	if g.maybe(70) {
		g.str("pattern_version", "2.1")
	}
	from := g.created(i) - g.r.Int64N(3*dayMS)
	g.ts("valid_from", from)
	until := int64(0)
	if g.maybe(40) {
		until = from + int64(30+g.r.IntN(336))*dayMS
	}
	if v != nil && until == 0 {
		until = v.modified + int64(7+g.vr.IntN(60))*dayMS // withdrawn in a later version
	}
	if until != 0 {
		g.ts("valid_until", until)
	}
	if g.maybe(50) {
		g.key("kill_chain_phases")
		g.b = append(g.b, `[{"kill_chain_name":"lockheed-martin-cyber-kill-chain","phase_name":"`...)
		g.b = append(g.b, pick(g.r, killChainLM)...)
		g.b = append(g.b, `"}]`...)
	}
	g.confidence(v)
	g.labels(60)
	if g.maybe(10) {
		g.advisory(h)
	}
	g.custom(h, kIndicator)
}

// advisory writes external_references to an advisory of the author.
func (g *generator) advisory(h head) {
	o := &orgs[h.author-ownSlot]
	year := int64(2020 + g.r.IntN(6))
	n := g.r.IntN(10000)
	g.key("external_references")
	g.b = append(g.b, `[{"source_name":`...)
	g.b = appendString(g.b, o.short)
	g.b = append(g.b, `,"url":"https://`...)
	for _, c := range []byte(o.short) {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		g.b = append(g.b, c)
	}
	g.b = append(g.b, ".example/advisories/"...)
	g.b = appendInt(g.b, year)
	g.b = append(g.b, '-')
	g.b = appendDigits(g.b, n, 4)
	g.b = append(g.b, `","external_id":"`...)
	g.b = append(g.b, o.short...)
	g.b = append(g.b, '-')
	g.b = appendInt(g.b, year)
	g.b = append(g.b, '-')
	g.b = appendDigits(g.b, n, 4)
	g.b = append(g.b, `"}]`...)
}
