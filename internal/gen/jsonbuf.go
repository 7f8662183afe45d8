package gen

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// appendString appends s as a JSON string. It escapes what JSON requires (quote, backslash,
// control characters) and replaces invalid UTF-8 with U+FFFD, as encoding/json does, so the output
// is valid JSON whatever s holds.
func appendString[S ~string | ~[]byte](b []byte, s S) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendPatternString appends s as a STIX patterning string literal: single quotes, with quote and
// backslash escaped (STIX 2.1 section 9.5). The result still has to be JSON-escaped as a whole.
func appendPatternString[S ~string | ~[]byte](b []byte, s S) []byte {
	b = append(b, '\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return append(b, '\'')
}

// appendTimestamp appends ms (milliseconds since the Unix epoch) as a STIX timestamp with
// millisecond precision: 2024-03-05T07:08:09.123Z. Years outside 0000–9999 are not expected; Write
// refuses reference times that could produce them.
func appendTimestamp(b []byte, ms int64) []byte {
	t := time.UnixMilli(ms).UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = appendDigits(b, y, 4)
	b = append(b, '-')
	b = appendDigits(b, int(mo), 2)
	b = append(b, '-')
	b = appendDigits(b, d, 2)
	b = append(b, 'T')
	b = appendDigits(b, h, 2)
	b = append(b, ':')
	b = appendDigits(b, mi, 2)
	b = append(b, ':')
	b = appendDigits(b, s, 2)
	b = append(b, '.')
	b = appendDigits(b, int(ms%1000+1000)%1000, 3)
	return append(b, 'Z')
}

// appendDigits appends v in decimal, zero-padded to width digits.
func appendDigits(b []byte, v, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for v > 0 || i > len(tmp)-width {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, tmp[i:]...)
}

// appendInt appends v in decimal.
func appendInt(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }

// appendHex appends n lowercase hexadecimal digits taken from the random source.
func appendHex(b []byte, n int, next func() uint64) []byte {
	const hexDigits = "0123456789abcdef"
	for n > 0 {
		x := next()
		for k := 0; k < 16 && n > 0; k++ {
			b = append(b, hexDigits[x&0xf])
			x >>= 4
			n--
		}
	}
	return b
}
