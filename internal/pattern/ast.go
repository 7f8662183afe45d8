package pattern

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Version is the STIX version whose patterning grammar applies. The two differ in little:
// 2.1 writes START/STOP times as t'…' timestamps (2.0 as plain strings), knows EXISTS, and
// never matches SDO or SRO types such as indicator or observed-data.
type Version string

// The STIX versions this package knows.
const (
	V20 Version = "2.0"
	V21 Version = "2.1"
)

// Pattern is a parsed STIX pattern, ready to be matched many times. It is safe for concurrent
// use.
type Pattern struct {
	version Version
	root    *obsNode
	leaves  []*obsNode // the bracketed observation expressions, in textual order
	issues  []*Error   // problems Check reports but Parse and Match accept
}

// Version reports the STIX version the pattern was parsed under.
func (p *Pattern) Version() Version { return p.version }

type obsKind uint8

const (
	obsLeaf       obsKind = iota // [ comparison ]
	obsAnd                       // children joined with AND
	obsOr                        // children joined with OR
	obsFollowedBy                // children joined with FOLLOWEDBY, grouped from the left
	obsGroup                     // ( child ), kept only where qualifiers follow parentheses
)

// obsNode is an observation expression: a bracketed comparison or a combination, with the
// qualifiers written after it (applied in order).
type obsNode struct {
	kind     obsKind
	cmp      *cmpNode // obsLeaf
	children []*obsNode
	quals    []qualifier
	leafIdx  int // obsLeaf: index into Pattern.leaves
}

type qualKind uint8

const (
	qualWithin qualKind = iota
	qualRepeats
	qualStartStop
)

type qualifier struct {
	kind        qualKind
	text        string // WITHIN number or REPEATS count, as written
	within      duration
	repeats     int
	start, stop time.Time
	startText   string // START/STOP literal tokens as written
	stopText    string
}

// duration is a WITHIN span: whole seconds and nanoseconds.
type duration struct {
	sec  int64
	nsec int64
}

type cmpKind uint8

const (
	cmpTest cmpKind = iota
	cmpAnd
	cmpOr
)

// cmpNode is a comparison expression inside brackets.
type cmpNode struct {
	kind     cmpKind
	children []*cmpNode
	test     *test
}

type opKind uint8

const (
	opEQ opKind = iota
	opNEQ
	opLT
	opLE
	opGT
	opGE
	opIN
	opLIKE
	opMATCHES
	opISSUBSET
	opISSUPERSET
	opEXISTS
)

var opNames = [...]string{
	opEQ: "=", opNEQ: "!=", opLT: "<", opLE: "<=", opGT: ">", opGE: ">=", opIN: "IN",
	opLIKE: "LIKE", opMATCHES: "MATCHES", opISSUBSET: "ISSUBSET", opISSUPERSET: "ISSUPERSET",
	opEXISTS: "EXISTS",
}

// test is one comparison: an object path, an operator, and its literal.
type test struct {
	off    int // byte offset of the comparison in the pattern
	path   objectPath
	op     opKind
	not    bool
	lit    literal   // all operators but IN and EXISTS
	set    []literal // IN
	never  bool      // 2.1: the object type is an SDO/SRO type, which patterns never match
	like   *regexp.Regexp
	re     *regexp.Regexp // MATCHES on text
	binRe  *regexp.Regexp // MATCHES or LIKE on binary values; nil when the expression cannot apply
	prefix netip.Prefix   // ISSUBSET, ISSUPERSET
}

type stepKind uint8

const (
	stepKey stepKind = iota
	stepIndex
	stepStar
)

type step struct {
	kind  stepKind
	key   string
	index int
	ref   refKind // for keys ending in _ref or _refs
}

type refKind uint8

const (
	refNone refKind = iota
	refOne
	refList
)

type objectPath struct {
	objType string
	steps   []step // the first is always a key
}

type litKind uint8

const (
	litInt litKind = iota
	litFloat
	litString
	litBool
	litBinary
	litTimestamp
)

// literal is a constant written in a pattern.
type literal struct {
	kind   litKind
	text   string // as written, for numbers, timestamps, and binary literals
	i      int64
	f      float64
	b      bool
	s      string // string value, or the bytes of a binary literal
	latin1 string // litString: the string as bytes when every character is below U+0100
	isLat1 bool
	t      time.Time
}

// String returns the pattern in a canonical form that parses back to the same pattern.
func (p *Pattern) String() string {
	var b strings.Builder
	writeObs(&b, p.root, false)
	return b.String()
}

// writeObs writes an observation expression; paren says the context binds tighter than the
// node's own operator.
func writeObs(b *strings.Builder, n *obsNode, paren bool) {
	switch n.kind {
	case obsLeaf:
		b.WriteByte('[')
		writeCmp(b, n.cmp, false)
		b.WriteByte(']')
	case obsGroup:
		b.WriteByte('(')
		writeObs(b, n.children[0], false)
		b.WriteByte(')')
	default:
		open := paren || len(n.quals) > 0
		if open {
			b.WriteByte('(')
		}
		sep := map[obsKind]string{obsAnd: " AND ", obsOr: " OR ", obsFollowedBy: " FOLLOWEDBY "}[n.kind]
		for i, c := range n.children {
			if i > 0 {
				b.WriteString(sep)
			}
			writeObs(b, c, obsBindsLooser(c, n.kind, i))
		}
		if open {
			b.WriteByte(')')
		}
	}
	for _, q := range n.quals {
		b.WriteByte(' ')
		q.write(b)
	}
}

// obsBindsLooser reports whether child c, at position i of a parent of kind k, needs
// parentheses. FOLLOWEDBY groups from the left, so a FOLLOWEDBY child other than the first
// of a FOLLOWEDBY parent needs them.
func obsBindsLooser(c *obsNode, k obsKind, i int) bool {
	if len(c.quals) > 0 || c.kind == obsLeaf || c.kind == obsGroup {
		return false
	}
	prec := map[obsKind]int{obsFollowedBy: 0, obsOr: 1, obsAnd: 2}
	if prec[c.kind] < prec[k] {
		return true
	}
	return c.kind == k && (k != obsFollowedBy || i > 0)
}

func (q qualifier) write(b *strings.Builder) {
	switch q.kind {
	case qualWithin:
		b.WriteString("WITHIN ")
		b.WriteString(q.text)
		b.WriteString(" SECONDS")
	case qualRepeats:
		b.WriteString("REPEATS ")
		b.WriteString(q.text)
		b.WriteString(" TIMES")
	case qualStartStop:
		b.WriteString("START ")
		b.WriteString(q.startText)
		b.WriteString(" STOP ")
		b.WriteString(q.stopText)
	}
}

func writeCmp(b *strings.Builder, n *cmpNode, paren bool) {
	if n.kind == cmpTest {
		n.test.write(b)
		return
	}
	if paren {
		b.WriteByte('(')
	}
	sep := " AND "
	if n.kind == cmpOr {
		sep = " OR "
	}
	for i, c := range n.children {
		if i > 0 {
			b.WriteString(sep)
		}
		// AND binds tighter than OR; children of the same kind were flattened away.
		writeCmp(b, c, c.kind == cmpOr && n.kind == cmpAnd || c.kind == n.kind)
	}
	if paren {
		b.WriteByte(')')
	}
}

func (t *test) write(b *strings.Builder) {
	if t.op == opEXISTS {
		b.WriteString("EXISTS ")
		t.path.write(b)
		return
	}
	t.path.write(b)
	b.WriteByte(' ')
	if t.not {
		b.WriteString("NOT ")
	}
	b.WriteString(opNames[t.op])
	b.WriteByte(' ')
	if t.op == opIN {
		b.WriteByte('(')
		for i, l := range t.set {
			if i > 0 {
				b.WriteString(", ")
			}
			l.write(b)
		}
		b.WriteByte(')')
		return
	}
	t.lit.write(b)
}

func (p objectPath) write(b *strings.Builder) {
	b.WriteString(p.objType)
	b.WriteByte(':')
	for i, s := range p.steps {
		switch s.kind {
		case stepKey:
			if i > 0 {
				b.WriteByte('.')
			}
			if isPlainKey(s.key) {
				b.WriteString(s.key)
			} else {
				writeQuoted(b, s.key)
			}
		case stepIndex:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		case stepStar:
			b.WriteString("[*]")
		}
	}
}

// pathText is the path after the object type, as written by String.
func (p objectPath) pathText() string {
	var b strings.Builder
	p.write(&b)
	return b.String()[len(p.objType)+1:]
}

// isPlainKey reports whether a property name can be written without quotes: an identifier
// without hyphens that is not a keyword.
func isPlainKey(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentStart(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	_, kw := keywords[s]
	return !kw
}

func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('\'')
	for {
		i := strings.IndexAny(s, `'\`)
		if i < 0 {
			break
		}
		b.WriteString(s[:i])
		b.WriteByte('\\')
		b.WriteByte(s[i])
		s = s[i+1:]
	}
	b.WriteString(s)
	b.WriteByte('\'')
}

func (l literal) write(b *strings.Builder) {
	switch l.kind {
	case litString:
		writeQuoted(b, l.s)
	case litBool:
		if l.b {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	default:
		b.WriteString(l.text)
	}
}
