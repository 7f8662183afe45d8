package pattern

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/entente/entente/internal/stix"
)

// MaxNesting is the deepest nesting of brackets and parentheses a pattern may have. Deeper
// input is rejected with a syntax error rather than risking the stack.
const MaxNesting = 200

// Parse parses a STIX 2.1 pattern. It reports an *Error of kind KindSyntax when the text does
// not follow the grammar, KindInvalid when it cannot mean anything (see ErrorKind), and
// KindUnsupported when it uses a MATCHES expression that cannot run here.
func Parse(s string) (*Pattern, error) { return ParseVersion(s, V21) }

// ParseVersion parses a pattern under the grammar of STIX version v (V20 or V21).
func ParseVersion(s string, v Version) (*Pattern, error) {
	if v != V20 && v != V21 {
		return nil, errors.New("pattern: unknown STIX version " + strconv.Quote(string(v)))
	}
	p := &parser{lex: lexer{src: s, version: v}, pat: &Pattern{version: v}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	root, err := p.observationExpressions()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected("AND, OR, FOLLOWEDBY or a qualifier")
	}
	p.pat.root = root
	return p.pat, nil
}

type parser struct {
	lex   lexer
	tok   token
	depth int
	pat   *Pattern
}

func (p *parser) advance() *Error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) errAt(kind ErrorKind, off int, format string, args ...any) *Error {
	return newError(kind, p.lex.src, off, format, args...)
}

func (p *parser) unexpected(want string) *Error {
	return p.errAt(KindSyntax, p.tok.off, "expected %s, found %s", want, p.tok.describe())
}

// expect consumes a token of kind k or fails naming want.
func (p *parser) expect(k tokKind, want string) (token, *Error) {
	t := p.tok
	if t.kind != k {
		return t, p.unexpected(want)
	}
	return t, p.advance()
}

// nested parses what follows an opening bracket or parenthesis (the current token) up to
// its closing token, refusing to nest deeper than MaxNesting.
func nested[N any](p *parser, closing tokKind, want string, inner func() (N, *Error)) (N, *Error) {
	var zero N
	p.depth++
	if p.depth > MaxNesting {
		return zero, p.errAt(KindSyntax, p.tok.off, "brackets and parentheses nested deeper than %d", MaxNesting)
	}
	if err := p.advance(); err != nil {
		return zero, err
	}
	n, err := inner()
	if err != nil {
		return zero, err
	}
	if _, err := p.expect(closing, want); err != nil {
		return zero, err
	}
	p.depth--
	return n, nil
}

// observationExpressions: obsOr (FOLLOWEDBY obsOr)*, grouped from the left.
func (p *parser) observationExpressions() (*obsNode, *Error) {
	return p.obsChain(obsFollowedBy, tFOLLOWEDBY, p.observationOr)
}

func (p *parser) observationOr() (*obsNode, *Error) {
	return p.obsChain(obsOr, tOR, p.observationAnd)
}

func (p *parser) observationAnd() (*obsNode, *Error) {
	return p.obsChain(obsAnd, tAND, p.qualifiedObservation)
}

// operands parses one or more operands joined by op.
func operands[N any](p *parser, op tokKind, operand func() (N, *Error)) ([]N, *Error) {
	var list []N
	for {
		n, err := operand()
		if err != nil {
			return nil, err
		}
		list = append(list, n)
		if p.tok.kind != op {
			return list, nil
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
}

// obsChain parses operands joined by op into one n-ary node. Operands that are themselves
// unqualified nodes of the same kind are flattened in: AND and OR are associative, and a
// FOLLOWEDBY chain groups from the left so only its first operand may be flattened.
func (p *parser) obsChain(kind obsKind, op tokKind, operand func() (*obsNode, *Error)) (*obsNode, *Error) {
	list, err := operands(p, op, operand)
	if err != nil || len(list) == 1 {
		return firstOf(list), err
	}
	n := &obsNode{kind: kind}
	for i, c := range list {
		if c.kind == kind && len(c.quals) == 0 && (kind != obsFollowedBy || i == 0) {
			n.children = append(n.children, c.children...)
		} else {
			n.children = append(n.children, c)
		}
	}
	return n, nil
}

func firstOf[N any](list []N) N {
	var zero N
	if len(list) == 0 {
		return zero
	}
	return list[0]
}

// qualifiedObservation: ( '[' comparison ']' | '(' observationExpressions ')' ) qualifier*
func (p *parser) qualifiedObservation() (*obsNode, *Error) {
	var n *obsNode
	bracketed := false
	switch p.tok.kind {
	case tLBrack:
		c, err := nested(p, tRBrack, "AND, OR or ']'", p.comparisonOr)
		if err != nil {
			return nil, err
		}
		n = &obsNode{kind: obsLeaf, cmp: c, leafIdx: len(p.pat.leaves)}
		p.pat.leaves = append(p.pat.leaves, n)
		bracketed = true
	case tLParen:
		inner, err := nested(p, tRParen, "AND, OR, FOLLOWEDBY, a qualifier or ')'", p.observationExpressions)
		if err != nil {
			return nil, err
		}
		n = inner
		if isQualifierStart(p.tok.kind) && (n.kind == obsLeaf || len(n.quals) > 0) {
			// Keep the parentheses: qualifiers after them are a new chain.
			n = &obsNode{kind: obsGroup, children: []*obsNode{inner}}
		}
	default:
		return nil, p.unexpected("'[' or '('")
	}
	var seen [3]bool
	for isQualifierStart(p.tok.kind) {
		off := p.tok.off
		q, err := p.qualifier()
		if err != nil {
			return nil, err
		}
		// The 2.1 validator rejects a qualifier type repeated directly on a bracketed
		// observation; the matcher accepts it, so only Check reports it.
		if bracketed && p.pat.version == V21 {
			if seen[q.kind] && len(p.pat.issues) == 0 {
				p.pat.issues = append(p.pat.issues, p.errAt(KindInvalid, off,
					"duplicate %s qualifier on one observation expression", qualNames[q.kind]))
			}
			seen[q.kind] = true
		}
		n.quals = append(n.quals, q)
	}
	return n, nil
}

var qualNames = [...]string{qualWithin: "WITHIN", qualRepeats: "REPEATS", qualStartStop: "START/STOP"}

func isQualifierStart(k tokKind) bool { return k == tWITHIN || k == tREPEATS || k == tSTART }

func (p *parser) qualifier() (qualifier, *Error) {
	kw := p.tok
	if err := p.advance(); err != nil {
		return qualifier{}, err
	}
	switch kw.kind {
	case tWITHIN:
		t := p.tok
		if (t.kind != tInt && t.kind != tFloat) || t.text[0] == '-' {
			return qualifier{}, p.unexpected("a positive number of seconds")
		}
		if err := p.advance(); err != nil {
			return qualifier{}, err
		}
		if _, err := p.expect(tSECONDS, "SECONDS"); err != nil {
			return qualifier{}, err
		}
		d, ok := parseDuration(t.text)
		if !ok {
			return qualifier{}, p.errAt(KindInvalid, t.off, "WITHIN needs a duration above zero seconds, got %s", t.text)
		}
		return qualifier{kind: qualWithin, text: t.text, within: d}, nil
	case tREPEATS:
		t := p.tok
		if t.kind != tInt || t.text[0] == '-' {
			return qualifier{}, p.unexpected("a positive whole number")
		}
		if err := p.advance(); err != nil {
			return qualifier{}, err
		}
		if _, err := p.expect(tTIMES, "TIMES"); err != nil {
			return qualifier{}, err
		}
		n, err := strconv.Atoi(strings.TrimPrefix(t.text, "+"))
		if err != nil || n < 1 {
			return qualifier{}, p.errAt(KindInvalid, t.off, "REPEATS needs a count of at least 1, got %s", quoteClip(t.text))
		}
		return qualifier{kind: qualRepeats, text: t.text, repeats: n}, nil
	default: // tSTART
		q := qualifier{kind: qualStartStop}
		var err *Error
		if q.start, q.startText, err = p.qualifierTime(); err != nil {
			return q, err
		}
		if _, err := p.expect(tSTOP, "STOP"); err != nil {
			return q, err
		}
		q.stop, q.stopText, err = p.qualifierTime()
		return q, err
	}
}

// qualifierTime reads a START or STOP time: a timestamp literal in 2.1, a string holding a
// timestamp in 2.0.
func (p *parser) qualifierTime() (t time.Time, text string, err *Error) {
	tok := p.tok
	want := tTimestamp
	if p.pat.version == V20 {
		want = tString
	}
	if tok.kind != want {
		return t, "", p.unexpected(map[tokKind]string{tTimestamp: "a timestamp t'…'", tString: "a quoted timestamp"}[want])
	}
	if err := p.advance(); err != nil {
		return t, "", err
	}
	var body string
	if want == tTimestamp {
		body = tok.text[2 : len(tok.text)-1]
	} else {
		body = unescapeString(tok.text)
		if !timestampGrammar(body) {
			return t, "", p.errAt(KindInvalid, tok.off, "START/STOP time %s is not a timestamp (YYYY-MM-DDTHH:MM:SS[.fraction]Z)", quoteClip(body))
		}
	}
	ts, perr := stix.ParseTimestamp(body)
	if perr != nil {
		return t, "", p.errAt(KindInvalid, tok.off, "%v", perr)
	}
	return ts.Time, tok.text, nil
}

// comparisonOr: comparisonAnd (OR comparisonAnd)*
func (p *parser) comparisonOr() (*cmpNode, *Error) {
	return p.cmpChain(cmpOr, tOR, p.comparisonAnd)
}

func (p *parser) comparisonAnd() (*cmpNode, *Error) {
	return p.cmpChain(cmpAnd, tAND, p.propTest)
}

// cmpChain parses operands joined by op into one n-ary node, flattening nested nodes of the
// same kind.
func (p *parser) cmpChain(kind cmpKind, op tokKind, operand func() (*cmpNode, *Error)) (*cmpNode, *Error) {
	list, err := operands(p, op, operand)
	if err != nil || len(list) == 1 {
		return firstOf(list), err
	}
	n := &cmpNode{kind: kind}
	for _, c := range list {
		if c.kind == kind {
			n.children = append(n.children, c.children...)
		} else {
			n.children = append(n.children, c)
		}
	}
	return n, nil
}

// propTest: '(' comparisonOr ')' | EXISTS objectPath | objectPath NOT? operator operand
func (p *parser) propTest() (*cmpNode, *Error) {
	switch p.tok.kind {
	case tLParen:
		return nested(p, tRParen, "AND, OR or ')'", p.comparisonOr)
	case tEXISTS:
		off := p.tok.off
		if err := p.advance(); err != nil {
			return nil, err
		}
		path, err := p.objectPath()
		if err != nil {
			return nil, err
		}
		return p.newTest(&test{off: off, path: path, op: opEXISTS}), nil
	}
	off := p.tok.off
	path, err := p.objectPath()
	if err != nil {
		return nil, err
	}
	t := &test{off: off, path: path}
	if p.tok.kind == tNOT {
		t.not = true
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	opTok := p.tok
	switch opTok.kind {
	case tEQ, tNEQ, tLT, tLE, tGT, tGE:
		t.op = map[tokKind]opKind{tEQ: opEQ, tNEQ: opNEQ, tLT: opLT, tLE: opLE, tGT: opGT, tGE: opGE}[opTok.kind]
		if err := p.advance(); err != nil {
			return nil, err
		}
		if t.lit, err = p.literal(t.op == opEQ || t.op == opNEQ); err != nil {
			return nil, err
		}
	case tIN:
		t.op = opIN
		if err := p.advance(); err != nil {
			return nil, err
		}
		if t.set, err = p.setLiteral(); err != nil {
			return nil, err
		}
	case tLIKE, tMATCHES, tISSUBSET, tISSUPERSET:
		t.op = map[tokKind]opKind{tLIKE: opLIKE, tMATCHES: opMATCHES, tISSUBSET: opISSUBSET, tISSUPERSET: opISSUPERSET}[opTok.kind]
		if err := p.advance(); err != nil {
			return nil, err
		}
		litTok := p.tok
		if litTok.kind != tString {
			return nil, p.unexpected("a string")
		}
		if t.lit, err = p.literal(false); err != nil {
			return nil, err
		}
		if err := t.compileOperand(); err != nil {
			return nil, p.errAt(err.Kind, litTok.off, "%s", err.Msg)
		}
	default:
		return nil, p.unexpected("a comparison operator")
	}
	return p.newTest(t), nil
}

func (p *parser) newTest(t *test) *cmpNode {
	if p.pat.version == V21 && sdoTypes[t.path.objType] {
		t.never = true
	}
	return &cmpNode{kind: cmpTest, test: t}
}

// sdoTypes are the STIX 2.1 object types that are not cyber-observables; a 2.1 pattern
// never matches them.
var sdoTypes = map[string]bool{
	"attack-pattern": true, "bundle": true, "campaign": true, "course-of-action": true,
	"extension-definition": true, "grouping": true, "identity": true, "incident": true,
	"indicator": true, "infrastructure": true, "intrusion-set": true, "language-content": true,
	"location": true, "malware": true, "malware-analysis": true, "marking-definition": true,
	"note": true, "observed-data": true, "opinion": true, "relationship": true, "report": true,
	"threat-actor": true, "tool": true, "sighting": true, "vulnerability": true,
}

// objectPath: type ':' first ( '.' key | '[' index ']' )*
func (p *parser) objectPath() (objectPath, *Error) {
	var path objectPath
	if p.tok.kind != tIdent {
		return path, p.unexpected("an object type")
	}
	path.objType = p.tok.text
	if err := p.advance(); err != nil {
		return path, err
	}
	if _, err := p.expect(tColon, "':' after the object type"); err != nil {
		return path, err
	}
	key, err := p.pathKey()
	if err != nil {
		return path, err
	}
	path.steps = append(path.steps, keyStep(key))
	for {
		switch p.tok.kind {
		case tDot:
			if err := p.advance(); err != nil {
				return path, err
			}
			key, err := p.pathKey()
			if err != nil {
				return path, err
			}
			path.steps = append(path.steps, keyStep(key))
		case tLBrack:
			if err := p.advance(); err != nil {
				return path, err
			}
			switch t := p.tok; t.kind {
			case tStar:
				path.steps = append(path.steps, step{kind: stepStar})
			case tInt:
				i, err := strconv.Atoi(strings.TrimPrefix(t.text, "+"))
				if err != nil {
					return path, p.errAt(KindInvalid, t.off, "list index %s is out of range", quoteClip(t.text))
				}
				path.steps = append(path.steps, step{kind: stepIndex, index: i})
			default:
				return path, p.unexpected("a list index or '*'")
			}
			if err := p.advance(); err != nil {
				return path, err
			}
			if _, err := p.expect(tRBrack, "']' after the list index"); err != nil {
				return path, err
			}
		default:
			return path, nil
		}
	}
}

// pathKey reads a property name: an identifier without hyphens, or a quoted string.
func (p *parser) pathKey() (string, *Error) {
	t := p.tok
	switch {
	case t.kind == tIdent && !strings.Contains(t.text, "-"):
		return t.text, p.advance()
	case t.kind == tIdent:
		return "", p.errAt(KindSyntax, t.off, "property name %s contains '-': quote it as '%s'", quoteClip(t.text), t.text)
	case t.kind == tString:
		return unescapeString(t.text), p.advance()
	}
	return "", p.unexpected("a property name")
}

func keyStep(key string) step {
	s := step{kind: stepKey, key: key}
	switch {
	case strings.HasSuffix(key, "_ref"):
		s.ref = refOne
	case strings.HasSuffix(key, "_refs"):
		s.ref = refList
	}
	return s
}

// setLiteral: '(' ( literal (',' literal)* )? ')'; the members must share a type, except that
// integers and floats mix.
func (p *parser) setLiteral() ([]literal, *Error) {
	open := p.tok
	if _, err := p.expect(tLParen, "'(' to open the IN list"); err != nil {
		return nil, err
	}
	set := []literal{}
	if p.tok.kind == tRParen {
		return set, p.advance()
	}
	for {
		l, err := p.literal(true)
		if err != nil {
			return nil, err
		}
		set = append(set, l)
		if p.tok.kind == tRParen {
			break
		}
		if _, err := p.expect(tComma, "',' or ')'"); err != nil {
			return nil, err
		}
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	for _, l := range set[1:] {
		if !sameFamily(l.kind, set[0].kind) {
			return nil, p.errAt(KindInvalid, open.off, "IN list mixes types (%s and %s)", litNames[set[0].kind], litNames[l.kind])
		}
	}
	return set, nil
}

var litNames = [...]string{litInt: "integer", litFloat: "float", litString: "string", litBool: "boolean",
	litBinary: "binary", litTimestamp: "timestamp"}

func sameFamily(a, b litKind) bool {
	num := func(k litKind) bool { return k == litInt || k == litFloat }
	return a == b || num(a) && num(b)
}

// literal reads one literal; booleans only where allowBool.
func (p *parser) literal(allowBool bool) (literal, *Error) {
	t := p.tok
	var l literal
	switch t.kind {
	case tString:
		l = stringLiteral(unescapeString(t.text))
	case tInt:
		i, err := strconv.ParseInt(strings.TrimPrefix(t.text, "+"), 10, 64)
		if err != nil {
			return l, p.errAt(KindInvalid, t.off, "integer %s is out of range", quoteClip(t.text))
		}
		l = literal{kind: litInt, text: t.text, i: i}
	case tFloat:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return l, p.errAt(KindInvalid, t.off, "number %s is out of range", quoteClip(t.text))
		}
		l = literal{kind: litFloat, text: t.text, f: f}
	case tBool:
		if !allowBool {
			return l, p.unexpected("a number, string, binary or timestamp literal")
		}
		l = literal{kind: litBool, b: t.text == "true"}
	case tHex:
		b, err := hex.DecodeString(t.text[2 : len(t.text)-1])
		if err != nil {
			return l, p.errAt(KindSyntax, t.off, "bad hex literal: %v", err)
		}
		l = literal{kind: litBinary, text: t.text, s: string(b)}
	case tBinary:
		b, err := base64.StdEncoding.DecodeString(t.text[2 : len(t.text)-1])
		if err != nil {
			return l, p.errAt(KindSyntax, t.off, "bad base64 literal: %v", err)
		}
		l = literal{kind: litBinary, text: t.text, s: string(b)}
	case tTimestamp:
		ts, err := stix.ParseTimestamp(t.text[2 : len(t.text)-1])
		if err != nil {
			return l, p.errAt(KindInvalid, t.off, "%v", err)
		}
		l = literal{kind: litTimestamp, text: t.text, t: ts.Time}
	default:
		return l, p.unexpected("a literal")
	}
	return l, p.advance()
}

func stringLiteral(s string) literal {
	l := literal{kind: litString, s: s}
	l.latin1, l.isLat1 = toLatin1(s)
	return l
}

// toLatin1 converts s to one byte per character when every character is below U+0100.
func toLatin1(s string) (string, bool) {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return "", false
		}
		b = append(b, byte(r))
	}
	return string(b), true
}

// unescapeString turns a quoted string token into its value; the lexer has checked that
// every backslash starts \' or \\.
func unescapeString(tok string) string {
	body := tok[1 : len(tok)-1]
	if !strings.Contains(body, `\`) {
		return body
	}
	var b strings.Builder
	b.Grow(len(body))
	for i := 0; i < len(body); i++ {
		if body[i] == '\\' {
			i++
		}
		b.WriteByte(body[i])
	}
	return b.String()
}

// parseDuration reads a WITHIN number exactly from its text; ok is false when it is not
// above zero. Spans beyond any timestamp difference are capped.
func parseDuration(text string) (d duration, ok bool) {
	text = strings.TrimPrefix(text, "+")
	whole, frac, _ := strings.Cut(text, ".")
	const maxSec = 1 << 40 // about 35 000 years, more than any two timestamps are apart
	for i := 0; i < len(whole); i++ {
		d.sec = d.sec*10 + int64(whole[i]-'0')
		if d.sec > maxSec {
			d.sec = maxSec
			break
		}
	}
	scale := int64(100_000_000)
	for i := 0; i < len(frac) && scale > 0; i++ {
		d.nsec += int64(frac[i]-'0') * scale
		scale /= 10
	}
	if d.sec == 0 && d.nsec == 0 && strings.Trim(frac, "0") != "" {
		d.nsec = 1 // below a nanosecond, but above zero
	}
	return d, d.sec > 0 || d.nsec > 0
}
