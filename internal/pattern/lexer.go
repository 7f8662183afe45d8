package pattern

import (
	"strings"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tLBrack
	tRBrack
	tLParen
	tRParen
	tColon
	tDot
	tComma
	tStar
	tEQ
	tNEQ
	tLT
	tLE
	tGT
	tGE
	tIdent
	tString
	tInt
	tFloat
	tBool
	tHex
	tBinary
	tTimestamp
	tAND
	tOR
	tNOT
	tFOLLOWEDBY
	tLIKE
	tMATCHES
	tISSUBSET
	tISSUPERSET
	tIN
	tEXISTS
	tSTART
	tSTOP
	tSECONDS
	tWITHIN
	tREPEATS
	tTIMES
	tLAST
)

var tokNames = [...]string{
	tEOF: "end of pattern", tLBrack: "'['", tRBrack: "']'", tLParen: "'('", tRParen: "')'",
	tColon: "':'", tDot: "'.'", tComma: "','", tStar: "'*'", tEQ: "'='", tNEQ: "'!='",
	tLT: "'<'", tLE: "'<='", tGT: "'>'", tGE: "'>='", tIdent: "identifier", tString: "string",
	tInt: "integer", tFloat: "float", tBool: "boolean", tHex: "hex literal", tBinary: "binary literal",
	tTimestamp: "timestamp", tAND: "AND", tOR: "OR", tNOT: "NOT", tFOLLOWEDBY: "FOLLOWEDBY",
	tLIKE: "LIKE", tMATCHES: "MATCHES", tISSUBSET: "ISSUBSET", tISSUPERSET: "ISSUPERSET", tIN: "IN",
	tEXISTS: "EXISTS", tSTART: "START", tSTOP: "STOP", tSECONDS: "SECONDS", tWITHIN: "WITHIN",
	tREPEATS: "REPEATS", tTIMES: "TIMES", tLAST: "LAST",
}

func (k tokKind) String() string { return tokNames[k] }

// keywords are case-sensitive, as in the STIX 2.1 grammar. EXISTS is only a keyword in 2.1.
var keywords = map[string]tokKind{
	"AND": tAND, "OR": tOR, "NOT": tNOT, "FOLLOWEDBY": tFOLLOWEDBY, "LIKE": tLIKE,
	"MATCHES": tMATCHES, "ISSUBSET": tISSUBSET, "ISSUPERSET": tISSUPERSET, "IN": tIN,
	"EXISTS": tEXISTS, "START": tSTART, "STOP": tSTOP, "SECONDS": tSECONDS, "WITHIN": tWITHIN,
	"REPEATS": tREPEATS, "TIMES": tTIMES, "LAST": tLAST, "true": tBool, "false": tBool,
}

type token struct {
	kind tokKind
	off  int    // byte offset of the token's first character
	text string // the token's text exactly as written
}

// describe names a token for an error message.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of pattern"
	case tIdent, tString, tInt, tFloat, tBool, tHex, tBinary, tTimestamp:
		return t.kind.String() + " " + quoteClip(t.text)
	}
	return t.kind.String()
}

// lexer turns pattern text into tokens, one at a time.
type lexer struct {
	src     string
	pos     int
	version Version
}

// next returns the next token, or a syntax error.
func (l *lexer) next() (token, *Error) {
	if err := l.skipSpace(); err != nil {
		return token{}, err
	}
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, off: start}, nil
	}
	c := l.src[l.pos]
	single := func(k tokKind) (token, *Error) {
		l.pos++
		return token{kind: k, off: start, text: l.src[start:l.pos]}, nil
	}
	switch c {
	case '[':
		return single(tLBrack)
	case ']':
		return single(tRBrack)
	case '(':
		return single(tLParen)
	case ')':
		return single(tRParen)
	case ':':
		return single(tColon)
	case ',':
		return single(tComma)
	case '*':
		return single(tStar)
	case '=':
		if l.peekAt(1) == '=' {
			l.pos++
		}
		return single(tEQ)
	case '!':
		if l.peekAt(1) == '=' {
			l.pos++
			return single(tNEQ)
		}
	case '<':
		switch l.peekAt(1) {
		case '=':
			l.pos++
			return single(tLE)
		case '>':
			l.pos++
			return single(tNEQ)
		}
		return single(tLT)
	case '>':
		if l.peekAt(1) == '=' {
			l.pos++
			return single(tGE)
		}
		return single(tGT)
	case '\'':
		return l.stringLit()
	case '.':
		if isDigit(l.peekAt(1)) {
			return l.number()
		}
		return single(tDot)
	case '+', '-':
		if isDigit(l.peekAt(1)) || (l.peekAt(1) == '.' && isDigit(l.peekAt(2))) {
			return l.number()
		}
	default:
		if isDigit(c) {
			return l.number()
		}
		if isIdentStart(c) {
			return l.ident()
		}
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.pos:])
	return token{}, newError(KindSyntax, l.src, start, "unexpected character %q", r)
}

func (l *lexer) peekAt(n int) byte {
	if l.pos+n < len(l.src) {
		return l.src[l.pos+n]
	}
	return 0
}

// skipSpace skips white space and comments. The white space set is the grammar's, which
// includes several Unicode spaces.
func (l *lexer) skipSpace() *Error {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f':
			l.pos++
		case c == '/' && l.peekAt(1) == '*':
			end := strings.Index(l.src[l.pos+2:], "*/")
			if end < 0 {
				return newError(KindSyntax, l.src, l.pos, "unterminated /* comment")
			}
			l.pos += 2 + end + 2
		case c == '/' && l.peekAt(1) == '/':
			end := strings.IndexAny(l.src[l.pos:], "\r\n")
			if end < 0 {
				l.pos = len(l.src)
			} else {
				l.pos += end
			}
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(l.src[l.pos:])
			if !isUnicodeSpace(r) {
				return nil
			}
			l.pos += n
		default:
			return nil
		}
	}
	return nil
}

func isUnicodeSpace(r rune) bool {
	switch r {
	case 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isIdentChar(c byte) bool  { return isIdentStart(c) || isDigit(c) || c == '-' }

func (l *lexer) ident() (token, *Error) {
	start := l.pos
	l.pos++
	for l.pos < len(l.src) && isIdentChar(l.src[l.pos]) {
		l.pos++
	}
	text := l.src[start:l.pos]
	if l.pos < len(l.src) && l.src[l.pos] == '\'' && len(text) == 1 {
		switch text[0] {
		case 't':
			return l.timestampLit(start)
		case 'h':
			return l.hexLit(start)
		case 'b':
			return l.binaryLit(start)
		}
	}
	if k, ok := keywords[text]; ok && (k != tEXISTS || l.version != V20) {
		return token{kind: k, off: start, text: text}, nil
	}
	return token{kind: tIdent, off: start, text: text}, nil
}

// stringLit scans a quoted string; the only escapes are \' and \\.
func (l *lexer) stringLit() (token, *Error) {
	start := l.pos
	l.pos++
	for l.pos < len(l.src) {
		switch l.src[l.pos] {
		case '\'':
			l.pos++
			return token{kind: tString, off: start, text: l.src[start:l.pos]}, nil
		case '\\':
			n := l.peekAt(1)
			if n != '\'' && n != '\\' {
				return token{}, newError(KindSyntax, l.src, l.pos,
					"invalid escape in string: only \\' and \\\\ are allowed (write a backslash as \\\\)")
			}
			l.pos += 2
		default:
			l.pos++
		}
	}
	return token{}, newError(KindSyntax, l.src, start, "unterminated string")
}

// quotedBody returns the end of a quoted body that starts at l.pos (on the quote), without
// escapes; it is used for t”, h” and b” literals.
func (l *lexer) quotedBody(start int, what string) (string, *Error) {
	end := strings.IndexByte(l.src[l.pos+1:], '\'')
	if end < 0 {
		return "", newError(KindSyntax, l.src, start, "unterminated %s literal", what)
	}
	body := l.src[l.pos+1 : l.pos+1+end]
	l.pos += end + 2
	return body, nil
}

func (l *lexer) timestampLit(start int) (token, *Error) {
	body, err := l.quotedBody(start, "timestamp")
	if err != nil {
		return token{}, err
	}
	if !timestampGrammar(body) {
		return token{}, newError(KindSyntax, l.src, start,
			"malformed timestamp literal %s: want t'YYYY-MM-DDTHH:MM:SS[.fraction]Z' in upper case", quoteClip(body))
	}
	return token{kind: tTimestamp, off: start, text: l.src[start:l.pos]}, nil
}

func (l *lexer) hexLit(start int) (token, *Error) {
	body, err := l.quotedBody(start, "hex")
	if err != nil {
		return token{}, err
	}
	if len(body)%2 != 0 {
		return token{}, newError(KindSyntax, l.src, start, "hex literal needs an even number of digits")
	}
	for i := 0; i < len(body); i++ {
		if !isHex(body[i]) {
			return token{}, newError(KindSyntax, l.src, start+2+i, "invalid hex digit %q", body[i])
		}
	}
	return token{kind: tHex, off: start, text: l.src[start:l.pos]}, nil
}

func (l *lexer) binaryLit(start int) (token, *Error) {
	body, err := l.quotedBody(start, "binary")
	if err != nil {
		return token{}, err
	}
	if !base64Grammar(body) {
		return token{}, newError(KindSyntax, l.src, start,
			"malformed base64 literal %s: want groups of four characters A-Z a-z 0-9 + / with '=' padding", quoteClip(body))
	}
	return token{kind: tBinary, off: start, text: l.src[start:l.pos]}, nil
}

// number scans IntPos/IntNeg/FloatPos/FloatNeg literals.
func (l *lexer) number() (token, *Error) {
	start := l.pos
	if c := l.src[l.pos]; c == '+' || c == '-' {
		l.pos++
	}
	digits := l.pos
	for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
		l.pos++
	}
	intDigits := l.src[digits:l.pos]
	if l.pos < len(l.src) && l.src[l.pos] == '.' && isDigit(l.peekAt(1)) {
		l.pos++
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
		}
		return token{kind: tFloat, off: start, text: l.src[start:l.pos]}, nil
	}
	if len(intDigits) > 1 && intDigits[0] == '0' {
		return token{}, newError(KindSyntax, l.src, start, "integer %s has a leading zero", quoteClip(l.src[start:l.pos]))
	}
	return token{kind: tInt, off: start, text: l.src[start:l.pos]}, nil
}

func isHex(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }

func isBase64(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z') || c == '+' || c == '/'
}

// base64Grammar checks the 2.1 grammar's shape of a base64 body: whole groups of four, the last
// one possibly padded; at least one group.
func base64Grammar(s string) bool {
	if len(s) == 0 || len(s)%4 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			// padding only in the last two positions, and a pad at -2 needs one at -1.
			if i < len(s)-2 || (i == len(s)-2 && s[len(s)-1] != '=') {
				return false
			}
			continue
		}
		if !isBase64(c) {
			return false
		}
	}
	return true
}

// timestampGrammar checks the 2.1 grammar's TimestampLiteral body: digit ranges per field,
// upper-case T and Z, optional fraction.
func timestampGrammar(s string) bool {
	if len(s) < 20 {
		return false
	}
	for i, want := range "dddd-dd-ddTdd:dd:dd" {
		c := s[i]
		if want == 'd' {
			if !isDigit(c) {
				return false
			}
		} else if c != byte(want) {
			return false
		}
	}
	two := func(i int) int { return int(s[i]-'0')*10 + int(s[i+1]-'0') }
	if mo := two(5); mo < 1 || mo > 12 {
		return false
	}
	if d := two(8); d < 1 || d > 31 {
		return false
	}
	if h := two(11); h > 23 {
		return false
	}
	if m := two(14); m > 59 {
		return false
	}
	if sec := two(17); sec > 60 {
		return false
	}
	rest := s[19:]
	if rest[0] == '.' {
		j := 1
		for j < len(rest) && isDigit(rest[j]) {
			j++
		}
		if j == 1 {
			return false
		}
		rest = rest[j:]
	}
	return rest == "Z"
}
