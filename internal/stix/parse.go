package stix

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth is the deepest nesting of arrays and objects Decode accepts. STIX objects are a few
// levels deep; the limit keeps hostile input from exhausting the stack (encoding/json allows
// 10000).
const maxDepth = 1000

// parseObject parses one JSON object in a single pass: it returns the object decoded (numbers as
// json.Number) and its compacted text. Unlike encoding/json it rejects duplicate member names
// and invalid UTF-8, so that what is validated and what is stored cannot differ.
func parseObject(data []byte) (map[string]any, []byte, error) {
	p := parser{data: data, out: make([]byte, 0, len(data))}
	p.ws()
	if p.pos >= len(p.data) {
		return nil, nil, p.errorf("empty input")
	}
	if p.data[p.pos] != '{' {
		v, err := p.value()
		if err != nil {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("a STIX object must be a JSON object, not %s", jsonKind(v))
	}
	m, err := p.object()
	if err != nil {
		return nil, nil, err
	}
	p.ws()
	if p.pos != len(p.data) {
		return nil, nil, p.errorf("unexpected data after the object")
	}
	return m, p.out, nil
}

type parser struct {
	data  []byte
	pos   int
	out   []byte
	depth int
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("%s (at byte %d)", fmt.Sprintf(format, args...), p.pos)
}

func (p *parser) ws() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value() (any, error) {
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.str()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	default:
		return nil, p.errorf("invalid character %s looking for a value", quoteByte(c))
	}
}

func quoteByte(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("0x%02x", c)
	}
	return strconv.QuoteRune(rune(c))
}

func (p *parser) literal(word string) error {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return p.errorf("invalid literal, expected %s", word)
	}
	p.out = append(p.out, word...)
	p.pos += len(word)
	return nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf("JSON nested more than %d levels deep", maxDepth)
	}
	return nil
}

func (p *parser) object() (map[string]any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++ // {
	p.out = append(p.out, '{')
	m := make(map[string]any, 8)
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.out = append(p.out, '}')
		p.depth--
		return m, nil
	}
	for {
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.errorf("expected a member name in quotes")
		}
		keyAt := p.pos
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup {
			p.pos = keyAt
			return nil, p.errorf("duplicate member name %q", clip(k))
		}
		p.ws()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.errorf("expected ':' after member name")
		}
		p.pos++
		p.out = append(p.out, ':')
		p.ws()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		m[k] = v
		p.ws()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of input in an object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			p.out = append(p.out, ',')
			p.ws()
		case '}':
			p.pos++
			p.out = append(p.out, '}')
			p.depth--
			return m, nil
		default:
			return nil, p.errorf("expected ',' or '}' in an object")
		}
	}
}

func (p *parser) array() ([]any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++ // [
	p.out = append(p.out, '[')
	arr := []any{}
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.out = append(p.out, ']')
		p.depth--
		return arr, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
		p.ws()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unexpected end of input in an array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			p.out = append(p.out, ',')
			p.ws()
		case ']':
			p.pos++
			p.out = append(p.out, ']')
			p.depth--
			return arr, nil
		default:
			return nil, p.errorf("expected ',' or ']' in an array")
		}
	}
}

// commonNames are member names met in nearly every object; a key equal to one of them reuses
// the constant instead of allocating.
var commonNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{"type", "id", "spec_version", "created", "modified", "created_by_ref",
		"revoked", "labels", "confidence", "lang", "external_references", "object_marking_refs",
		"granular_markings", "extensions", "name", "description", "pattern", "pattern_type",
		"pattern_version", "valid_from", "valid_until", "kill_chain_phases", "kill_chain_name",
		"phase_name", "source_name", "external_id", "url", "object_refs", "relationship_type",
		"source_ref", "target_ref", "value", "hashes", "aliases", "first_seen", "last_seen",
		"indicator_types", "malware_types", "is_family", "published", "selectors", "marking_ref",
		"extension_type", "definition_type", "definition", "sighting_of_ref", "count",
		"where_sighted_refs", "identity_class", "resolves_to_refs", "x_mitre_version"} {
		m[n] = n
	}
	return m
}()

// key parses a member name, reusing the constant for common names.
func (p *parser) key() (string, error) {
	start := p.pos + 1
	end := start
	for end < len(p.data) {
		c := p.data[end]
		if c == '"' {
			if s, ok := commonNames[string(p.data[start:end])]; ok {
				p.out = append(p.out, p.data[p.pos:end+1]...)
				p.pos = end + 1
				return s, nil
			}
			break
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		end++
	}
	return p.str()
}

// str parses a string; the compacted output keeps it exactly as written.
func (p *parser) str() (string, error) {
	start := p.pos
	i := p.pos + 1
	// Fast path: printable ASCII without escapes.
	for i < len(p.data) {
		c := p.data[i]
		if c == '"' {
			p.out = append(p.out, p.data[start:i+1]...)
			p.pos = i + 1
			return string(p.data[start+1 : i]), nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		i++
	}
	buf := make([]byte, 0, i-start+16)
	buf = append(buf, p.data[start+1:i]...)
	for i < len(p.data) {
		c := p.data[i]
		switch {
		case c == '"':
			p.out = append(p.out, p.data[start:i+1]...)
			p.pos = i + 1
			return string(buf), nil
		case c < 0x20:
			p.pos = i
			return "", p.errorf("control character %s in a string", quoteByte(c))
		case c == '\\':
			if i+1 >= len(p.data) {
				p.pos = i
				return "", p.errorf("unexpected end of input in a string")
			}
			switch e := p.data[i+1]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
				i += 2
			case 'b':
				buf = append(buf, '\b')
				i += 2
			case 'f':
				buf = append(buf, '\f')
				i += 2
			case 'n':
				buf = append(buf, '\n')
				i += 2
			case 'r':
				buf = append(buf, '\r')
				i += 2
			case 't':
				buf = append(buf, '\t')
				i += 2
			case 'u':
				r, ok := hex4(p.data[i+2:])
				if !ok {
					p.pos = i
					return "", p.errorf("invalid \\u escape in a string")
				}
				i += 6
				if utf16.IsSurrogate(r) {
					r2, ok2 := rune(-1), false
					if i+1 < len(p.data) && p.data[i] == '\\' && p.data[i+1] == 'u' {
						r2, ok2 = hex4(p.data[i+2:])
					}
					if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
						r = dec
						i += 6
					} else {
						r = utf8.RuneError // a lone surrogate, as encoding/json does
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				p.pos = i
				return "", p.errorf("invalid escape \\%s in a string", string(rune(e)))
			}
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, size := utf8.DecodeRune(p.data[i:])
			if r == utf8.RuneError && size <= 1 {
				p.pos = i
				return "", p.errorf("invalid UTF-8 in a string")
			}
			buf = append(buf, p.data[i:i+size]...)
			i += size
		}
	}
	p.pos = i
	return "", p.errorf("unexpected end of input in a string")
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// number parses a JSON number (RFC 8259 section 6) and keeps its text.
func (p *parser) number() (json.Number, error) {
	start := p.pos
	i := p.pos
	d := p.data
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		p.pos = i
		return "", p.errorf("invalid number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			p.pos = i
			return "", p.errorf("invalid number: digits expected after the decimal point")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			p.pos = i
			return "", p.errorf("invalid number: digits expected in the exponent")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	p.out = append(p.out, d[start:i]...)
	p.pos = i
	return json.Number(d[start:i]), nil
}
