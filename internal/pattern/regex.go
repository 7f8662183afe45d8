package pattern

import (
	"errors"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// compileOperand prepares the string operand of LIKE, MATCHES, ISSUBSET and ISSUPERSET.
func (t *test) compileOperand() *Error {
	switch t.op {
	case opLIKE:
		s := norm.NFC.String(t.lit.s)
		re, err := regexp.Compile(likeToRegexp(s))
		if err != nil {
			return &Error{Kind: KindInvalid, Msg: "LIKE operand: " + err.Error()}
		}
		t.like = re
		// Binary values are compared as UTF-8 text, and only when every character of the
		// operand fits in a byte (as the reference matcher does).
		if _, ok := toLatin1(s); ok {
			t.binRe = re
		}
	case opMATCHES:
		s := norm.NFC.String(t.lit.s)
		expr, kind, err := translateRegexp(s, false)
		if err == nil {
			t.re, err = regexp.Compile(expr)
			kind = regexpErrorKind(err)
		}
		if err != nil {
			return &Error{Kind: kind, Msg: "MATCHES regular expression: " + err.Error()}
		}
		// Against binary values the expression works on bytes, one character per byte.
		if _, ok := toLatin1(s); ok {
			if expr, _, err := translateRegexp(s, true); err == nil {
				t.binRe, _ = regexp.Compile(expr)
			}
		}
	case opISSUBSET, opISSUPERSET:
		pfx, ok := parsePrefix(t.lit.s)
		if !ok {
			return &Error{Kind: KindInvalid, Msg: "not an IP address or CIDR prefix: " + quoteClip(t.lit.s)}
		}
		t.prefix = pfx
	}
	return nil
}

// regexpErrorKind sorts Go regexp errors into what RE2 cannot do and what is plainly broken.
func regexpErrorKind(err error) ErrorKind {
	var se *syntax.Error
	if errors.As(err, &se) && (se.Code == syntax.ErrInvalidPerlOp || se.Code == syntax.ErrInvalidRepeatSize ||
		se.Code == syntax.ErrLarge || se.Code == syntax.ErrNestingDepth) {
		return KindUnsupported
	}
	return KindInvalid
}

// likeToRegexp turns a SQL LIKE operand into an anchored regular expression: % is any run of
// characters, _ is one character, and like the reference matcher's Python "$", the end may
// come before one final newline.
func likeToRegexp(like string) string {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range like {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`(?:\n?\z)`)
	return b.String()
}

// Character classes with the meaning Python gives them for text: Unicode digits, letters and
// numbers, and white space.
const (
	uniDigit = `\p{Nd}`
	uniWord  = `\p{L}\p{N}_`
	uniSpace = `\t\n\v\f\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`
	ascSpace = `\t\n\v\f\r `
)

var errBackref = errors.New("backreferences are not supported by RE2")

// translateRegexp rewrites a PCRE/Python-style regular expression into Go's RE2 syntax with
// the same meaning where RE2 can express it: \d \w \s cover Unicode for text (ASCII for bytes
// or under (?a)), \Z and a final "$" accept a trailing newline as Python's do, \uXXXX and
// {,n} are spelled the Go way, and (?#…) comments go. What RE2 cannot do (lookaround,
// backreferences, atomic groups, conditionals, verbose mode) is an error of kind
// KindUnsupported.
func translateRegexp(src string, binary bool) (string, ErrorKind, error) {
	unsupported := func(what string) (string, ErrorKind, error) {
		return "", KindUnsupported, errors.New(what + " is not supported by RE2")
	}
	ascii := binary
	multiline := false
	var b strings.Builder
	i := 0
	// Global flags at the very start, Python style.
	if strings.HasPrefix(src, "(?") {
		j := 2
		for j < len(src) && strings.IndexByte("aiLmsux", src[j]) >= 0 {
			j++
		}
		if j > 2 && j < len(src) && src[j] == ')' {
			keep := ""
			for _, f := range src[2:j] {
				switch f {
				case 'a':
					ascii = true
				case 'u':
				case 'L':
					return unsupported("the (?L) locale flag")
				case 'x':
					return unsupported("verbose mode (?x)")
				case 'm':
					multiline = true
					keep += "m"
				default:
					keep += string(f)
				}
			}
			if keep != "" {
				b.WriteString("(?" + keep + ")")
			}
			i = j + 1
		}
	}
	if strings.Contains(src, "(?") && flagGroupHas(src, 'm') {
		multiline = true
	}
	inClass := false
	classFirst := false // just after '[' or '[^'
	for i < len(src) {
		c := src[i]
		if inClass {
			switch {
			case c == ']' && !classFirst:
				inClass = false
				b.WriteByte(']')
			case c == '[':
				b.WriteString(`\[`)
			case c == ']':
				b.WriteString(`\]`)
			case c == '\\' && i+1 < len(src):
				n, err := classEscape(&b, src, i, ascii)
				if err != nil {
					return "", KindInvalid, err
				}
				i += n
				classFirst = false
				continue
			default:
				b.WriteByte(c)
			}
			classFirst = false
			i++
			continue
		}
		switch c {
		case '\\':
			if i+1 >= len(src) {
				return "", KindInvalid, errors.New("trailing backslash")
			}
			n, err := escape(&b, src, i, ascii)
			if err == errBackref {
				return "", KindUnsupported, err
			}
			if err != nil {
				return "", KindInvalid, err
			}
			i += n
			continue
		case '[':
			inClass, classFirst = true, true
			b.WriteByte('[')
			if i+1 < len(src) && src[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
		case '$':
			if multiline {
				b.WriteByte('$')
			} else {
				b.WriteString(`(?:\n?\z)`)
			}
		case '{':
			// Python reads {,n} as {0,n}; Go would take it literally.
			if j := strings.IndexByte(src[i:], '}'); j > 1 && src[i+1] == ',' && allDigits(src[i+2:i+j]) && j > 2 {
				b.WriteString("{0")
			} else {
				b.WriteByte('{')
			}
		case '(':
			rest := src[i:]
			switch {
			case strings.HasPrefix(rest, "(?#"):
				j := strings.IndexByte(rest, ')')
				if j < 0 {
					return "", KindInvalid, errors.New("unterminated (?# comment")
				}
				i += j + 1
				continue
			case strings.HasPrefix(rest, "(?="), strings.HasPrefix(rest, "(?!"),
				strings.HasPrefix(rest, "(?<="), strings.HasPrefix(rest, "(?<!"):
				return unsupported("lookaround " + rest[:3+boolInt(rest[2] == '<')])
			case strings.HasPrefix(rest, "(?P="):
				return "", KindUnsupported, errBackref
			case strings.HasPrefix(rest, "(?>"):
				return unsupported("the atomic group (?>")
			case strings.HasPrefix(rest, "(?("):
				return unsupported("the conditional group (?(")
			}
			b.WriteByte('(')
		default:
			b.WriteByte(c)
		}
		i++
	}
	if inClass {
		return "", KindInvalid, errors.New("unterminated character class")
	}
	return b.String(), 0, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// flagGroupHas reports whether some (?flags) or (?flags:…) group of src turns flag f on.
func flagGroupHas(src string, f byte) bool {
	for i := strings.Index(src, "(?"); i >= 0; {
		j := i + 2
		for j < len(src) && (src[j]|0x20 >= 'a' && src[j]|0x20 <= 'z') {
			if src[j] == f {
				return true
			}
			j++
		}
		k := strings.Index(src[j:], "(?")
		if k < 0 {
			break
		}
		i = j + k
	}
	return false
}

// escape translates the escape at src[i] (a backslash) outside a class and returns how many
// bytes it used.
func escape(b *strings.Builder, src string, i int, ascii bool) (int, error) {
	c := src[i+1]
	switch c {
	case 'd', 'D', 'w', 'W':
		if ascii {
			b.WriteString(src[i : i+2])
			return 2, nil
		}
		neg := map[byte]string{'d': "[", 'D': "[^", 'w': "[", 'W': "[^"}[c]
		body := uniDigit
		if c == 'w' || c == 'W' {
			body = uniWord
		}
		b.WriteString(neg + body + "]")
	case 's', 'S':
		neg := "["
		if c == 'S' {
			neg = "[^"
		}
		if ascii {
			b.WriteString(neg + ascSpace + "]")
		} else {
			b.WriteString(neg + uniSpace + "]")
		}
	case 'Z':
		b.WriteString(`\z`)
	case 'u', 'U':
		return unicodeEscape(b, src, i)
	case 'N':
		return 0, errors.New(`named characters \N{…} are not supported`)
	case '1', '2', '3', '4', '5', '6', '7', '8', '9':
		// Three octal digits make a character; anything else is a backreference.
		if i+4 <= len(src) && isOctal(c) && isOctal(src[i+2]) && isOctal(src[i+3]) {
			b.WriteString(src[i : i+4])
			return 4, nil
		}
		return 0, errBackref
	default:
		return copyEscape(b, src, i), nil
	}
	return 2, nil
}

// copyEscape copies the escape at src[i] unchanged.
func copyEscape(b *strings.Builder, src string, i int) int {
	_, n := utf8.DecodeRuneInString(src[i+1:])
	b.WriteString(src[i : i+1+n])
	return 1 + n
}

// classEscape translates the escape at src[i] inside a character class.
func classEscape(b *strings.Builder, src string, i int, ascii bool) (int, error) {
	c := src[i+1]
	switch {
	case c == 'd' && !ascii:
		b.WriteString(uniDigit)
	case c == 'D' && !ascii:
		b.WriteString(`\P{Nd}`)
	case c == 'w' && !ascii:
		b.WriteString(uniWord)
	case c == 's':
		if ascii {
			b.WriteString(ascSpace)
		} else {
			b.WriteString(uniSpace)
		}
	case c == 'b':
		b.WriteString(`\x08`)
	case c == 'u' || c == 'U':
		return unicodeEscape(b, src, i)
	default:
		// \W and \S inside a class keep RE2's ASCII meaning: RE2 cannot negate a Unicode
		// union inside a class.
		return copyEscape(b, src, i), nil
	}
	return 2, nil
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// unicodeEscape turns \uXXXX or \UXXXXXXXX into \x{…}.
func unicodeEscape(b *strings.Builder, src string, i int) (int, error) {
	n := 4
	if src[i+1] == 'U' {
		n = 8
	}
	if i+2+n > len(src) {
		return 0, errors.New(`incomplete \u escape`)
	}
	hexDigits := src[i+2 : i+2+n]
	for j := 0; j < n; j++ {
		if !isHex(hexDigits[j]) {
			return 0, errors.New(`bad \u escape`)
		}
	}
	b.WriteString(`\x{` + hexDigits + `}`)
	return 2 + n, nil
}

// parsePrefix reads an IP address (as a single-address prefix) or a CIDR prefix, IPv4 or IPv6.
func parsePrefix(s string) (netip.Prefix, bool) {
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		if p.Addr().Is4In6() {
			return netip.Prefix{}, false
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

// prefixWithin reports whether inner lies wholly inside outer.
func prefixWithin(inner, outer netip.Prefix) bool {
	return inner.Addr().Is4() == outer.Addr().Is4() && outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}
