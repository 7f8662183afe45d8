package stix

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// maxErrors is how many problems validation reports for one object before it stops looking.
const maxErrors = 10

// checker collects the validation errors of one object.
type checker struct {
	errs []error
}

func (c *checker) fail(at loc, format string, args ...any) {
	if len(c.errs) < maxErrors {
		c.errs = append(c.errs, &Error{Property: at.String(), Reason: fmt.Sprintf(format, args...)})
	}
}

func (c *checker) full() bool { return len(c.errs) >= maxErrors }

// loc is the JSON path of a value, built into a string only when an error names it:
// base, then [idx] when idx >= 0, then .key when key is set.
type loc struct {
	base string
	idx  int
	key  string
}

func at(prop string) loc { return loc{base: prop, idx: -1} }

func (l loc) String() string {
	s := l.base
	if l.idx >= 0 {
		s += "[" + strconv.Itoa(l.idx) + "]"
	}
	if l.key != "" {
		if s != "" {
			s += "."
		}
		s += l.key
	}
	return s
}

func (l loc) field(k string) loc {
	if l.key == "" {
		return loc{base: l.base, idx: l.idx, key: k}
	}
	return loc{base: l.String(), idx: -1, key: k}
}

func (l loc) elem(i int) loc {
	if l.idx < 0 && l.key == "" {
		return loc{base: l.base, idx: i}
	}
	return loc{base: l.String(), idx: i}
}

// check validates one property value found at a path.
type check func(c *checker, at loc, v any)

func isString(c *checker, at loc, v any) {
	if _, ok := v.(string); !ok {
		c.fail(at, "must be a string, not %s", jsonKind(v))
	}
}

// nonEmpty accepts a string with at least one character.
func nonEmpty(c *checker, at loc, v any) {
	s, ok := v.(string)
	switch {
	case !ok:
		c.fail(at, "must be a string, not %s", jsonKind(v))
	case s == "":
		c.fail(at, "must not be empty")
	}
}

func isBool(c *checker, at loc, v any) {
	if _, ok := v.(bool); !ok {
		c.fail(at, "must be true or false, not %s", jsonKind(v))
	}
}

func isTimestamp(c *checker, at loc, v any) { parseTS(c, at, v) }

// parseTS checks a timestamp value and returns it (zero when it is not valid).
func parseTS(c *checker, at loc, v any) Timestamp {
	s, ok := v.(string)
	if !ok {
		c.fail(at, "must be a timestamp string, not %s", jsonKind(v))
		return Timestamp{}
	}
	t, err := ParseTimestamp(s)
	if err != nil {
		c.fail(at, "%s", err.Error())
		return Timestamp{}
	}
	return t
}

// intValue returns v as an integer when it is a JSON number without fraction or exponent that
// fits in an int64.
func intValue(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		// 1e3 and 10.0 are integers too in JSON's data model.
		f, ferr := strconv.ParseFloat(string(n), 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, false
		}
		return int64(f), true
	}
	return i, true
}

// integer accepts a whole number in [min, max].
func integer(min, max int64) check {
	return func(c *checker, at loc, v any) {
		i, ok := intValue(v)
		switch {
		case !ok:
			if _, num := v.(json.Number); num {
				c.fail(at, "must be an integer between %d and %d, not %s", min, max, clip(string(v.(json.Number))))
				return
			}
			c.fail(at, "must be an integer, not %s", jsonKind(v))
		case i < min || i > max:
			c.fail(at, "must be between %d and %d, not %d", min, max, i)
		}
	}
}

// nonNegative accepts an integer 0 or greater.
var nonNegative = integer(0, math.MaxInt64)

// number accepts any JSON number in [min, max].
func number(min, max float64) check {
	return func(c *checker, at loc, v any) {
		n, ok := v.(json.Number)
		if !ok {
			c.fail(at, "must be a number, not %s", jsonKind(v))
			return
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil || f < min || f > max {
			c.fail(at, "must be a number between %g and %g, not %s", min, max, clip(string(n)))
		}
	}
}

// listOf accepts a non-empty JSON array whose items all pass elem.
func listOf(elem check) check {
	return func(c *checker, at loc, v any) {
		arr, ok := nonEmptyList(c, at, v)
		if !ok {
			return
		}
		for i, e := range arr {
			if c.full() {
				return
			}
			elem(c, at.elem(i), e)
		}
	}
}

var stringList = listOf(isString)

// enum accepts one of a closed set of strings.
func enum(values ...string) check {
	set := make(map[string]bool, len(values))
	for _, v := range values {
		set[v] = true
	}
	return func(c *checker, at loc, v any) {
		s, ok := v.(string)
		if !ok {
			c.fail(at, "must be a string, not %s", jsonKind(v))
			return
		}
		if !set[s] {
			c.fail(at, "%q is not one of the values the specification allows (%s)", clip(s), strings.Join(values, ", "))
		}
	}
}

// refRule restricts which object types an identifier may point at.
type refRule struct {
	what string            // e.g. "an identity"; used in messages
	ok   func(string) bool // nil: any type
}

func refTo(types ...string) refRule {
	what := article(types[0]) + " " + types[0]
	if len(types) > 1 {
		what = "one of " + strings.Join(types, ", ")
	}
	return refRule{what: what, ok: func(t string) bool {
		for _, x := range types {
			if x == t {
				return true
			}
		}
		return false
	}}
}

var (
	anyRef = refRule{what: "any object"}
	// sdoOrSCO is what relationships and sightings may point at: anything but SROs and
	// meta objects. Custom types count as SDOs or SCOs.
	sdoOrSCO = refRule{what: "an SDO or SCO", ok: func(t string) bool { return !sroOrMeta[t] }}
	scoRef   = refRule{what: "a cyber-observable object (SCO)", ok: func(t string) bool { return isSCO(t) || !specType(t) }}
)

var sroOrMeta = map[string]bool{
	"relationship": true, "sighting": true, "bundle": true, "marking-definition": true,
	"language-content": true, "extension-definition": true,
}

// ref accepts a STIX identifier of a type allowed by r.
func ref(r refRule) check {
	return func(c *checker, at loc, v any) {
		s, ok := v.(string)
		if !ok {
			c.fail(at, "must be an identifier string, not %s", jsonKind(v))
			return
		}
		checkRef(c, at, s, r)
	}
}

func checkRef(c *checker, at loc, s string, r refRule) {
	typ, _, err := ParseID(s)
	if err != nil {
		c.fail(at, "%s", err.Error())
		return
	}
	if r.ok != nil && !r.ok(typ) {
		c.fail(at, "must refer to %s, not %s %s", r.what, article(typ), typ)
	}
}

// article returns "an" before a vowel and "a" otherwise, for messages.
func article(word string) string {
	if word != "" && strings.IndexByte("aeiou", word[0]) >= 0 {
		return "an"
	}
	return "a"
}

func refList(r refRule) check { return listOf(ref(r)) }

// object accepts a JSON object whose known properties pass their checks, with required
// properties present. Other property names must follow the STIX naming rules.
func object(props map[string]check, required ...string) check {
	return func(c *checker, at loc, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			c.fail(at, "must be an object, not %s", jsonKind(v))
			return
		}
		checkProps(c, at, m, props, required)
	}
}

func checkProps(c *checker, at loc, m map[string]any, props map[string]check, required []string) {
	for _, r := range required {
		if _, ok := m[r]; !ok {
			c.fail(at.field(r), "is required")
		}
	}
	for k, v := range m {
		if c.full() {
			return
		}
		if f, ok := props[k]; ok {
			if v == nil {
				c.fail(at.field(k), "must not be null")
				continue
			}
			f(c, at.field(k), v)
			continue
		}
		checkCustom(c, at.field(k), k, v)
	}
}

// checkCustom applies the rules every property not defined by the specification follows: a valid
// name (STIX 2.1 section 3.1), no null, no empty list anywhere in its value.
func checkCustom(c *checker, at loc, name string, v any) {
	if err := checkPropName(name); err != "" {
		c.fail(at, "%s", err)
		return
	}
	noEmpty(c, at, v)
}

// noEmpty rejects null values and empty lists anywhere inside v.
func noEmpty(c *checker, at loc, v any) {
	switch x := v.(type) {
	case nil:
		c.fail(at, "must not be null")
	case []any:
		if len(x) == 0 {
			c.fail(at, "must not be an empty list (STIX prohibits empty lists)")
		}
		for i, e := range x {
			if c.full() {
				return
			}
			noEmpty(c, at.elem(i), e)
		}
	case map[string]any:
		for k, e := range x {
			if c.full() {
				return
			}
			noEmpty(c, at.field(k), e)
		}
	}
}

// checkPropName returns why name is not a valid STIX property name, or "".
func checkPropName(name string) string {
	if len(name) < 3 || len(name) > 250 {
		return fmt.Sprintf("property name %q must be 3 to 250 characters long", clip(name))
	}
	if name[0] < 'a' || name[0] > 'z' {
		return fmt.Sprintf("property name %q must begin with a lowercase letter", clip(name))
	}
	for i := 0; i < len(name); i++ {
		b := name[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_') {
			return fmt.Sprintf("property name %q may contain only lowercase letters, digits and underscores", clip(name))
		}
	}
	return ""
}

// nonEmptyMap returns v as a JSON object with at least one member, or reports why not; what
// names the expected value in the message.
func nonEmptyMap(c *checker, at loc, v any, what string) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	switch {
	case !ok:
		c.fail(at, "must be %s, not %s", what, jsonKind(v))
	case len(m) == 0:
		c.fail(at, "must not be an empty dictionary")
	}
	return m, ok && len(m) > 0
}

// nonEmptyList returns v as a JSON array with at least one item, or reports why not.
func nonEmptyList(c *checker, at loc, v any) ([]any, bool) {
	arr, ok := v.([]any)
	switch {
	case !ok:
		c.fail(at, "must be a list, not %s", jsonKind(v))
	case len(arr) == 0:
		c.fail(at, "must not be an empty list (STIX prohibits empty lists)")
	}
	return arr, ok && len(arr) > 0
}

// dictionary accepts a non-empty object whose keys are at most 250 ASCII letters, digits,
// underscores and hyphens (STIX 2.1 section 2.6), with values of any non-null kind.
func dictionary(c *checker, at loc, v any) {
	m, ok := nonEmptyMap(c, at, v, "a dictionary (JSON object)")
	if !ok {
		return
	}
	for k, e := range m {
		if c.full() {
			return
		}
		if why := checkDictKey(k); why != "" {
			c.fail(at.field(k), "%s", why)
			continue
		}
		noEmpty(c, at.field(k), e)
	}
}

func checkDictKey(k string) string {
	if len(k) > 250 {
		return "dictionary key must be at most 250 characters long"
	}
	for i := 0; i < len(k); i++ {
		b := k[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '-') {
			return fmt.Sprintf("dictionary key %q may contain only ASCII letters, digits, underscores and hyphens", clip(k))
		}
	}
	return ""
}

// hashAlgos are the hash-algorithm-ov values with the shape each value must have.
var hashAlgos = map[string]func(string) bool{
	"MD5":      hexLen(32),
	"SHA-1":    hexLen(40),
	"SHA-256":  hexLen(64),
	"SHA-512":  hexLen(128),
	"SHA3-256": hexLen(64),
	"SHA3-512": hexLen(128),
	"SSDEEP":   func(s string) bool { return len(s) > 0 && len(s) <= 148 && strings.Count(s, ":") >= 2 },
	"TLSH":     func(s string) bool { return (len(s) == 70 || len(s) == 72 && s[:2] == "T1") && isAlnum(s) },
}

func hexLen(n int) func(string) bool {
	return func(s string) bool {
		if len(s) != n {
			return false
		}
		for i := 0; i < len(s); i++ {
			if !isHex(s[i]) {
				return false
			}
		}
		return true
	}
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9') {
			return false
		}
	}
	return true
}

// hashes accepts a hashes dictionary (STIX 2.1 section 2.7): keys of 3 to 250 characters, values
// of the right shape for the algorithms of hash-algorithm-ov. With strict set (external
// references), only hash-algorithm-ov keys are allowed.
func hashesCheck(strict bool) check {
	return func(c *checker, at loc, v any) {
		m, ok := nonEmptyMap(c, at, v, "a dictionary of hashes")
		if !ok {
			return
		}
		for k, e := range m {
			if c.full() {
				return
			}
			p := at.field(k)
			s, ok := e.(string)
			if !ok {
				c.fail(p, "hash value must be a string, not %s", jsonKind(e))
				continue
			}
			shape, known := hashAlgos[k]
			switch {
			case known && !shape(s):
				c.fail(p, "%q is not a valid %s hash value", clip(s), k)
			case known:
			case strict:
				c.fail(p, "hash algorithm %q is not in hash-algorithm-ov (MD5, SHA-1, SHA-256, SHA-512, SHA3-256, SHA3-512, SSDEEP, TLSH)", clip(k))
			case len(k) < 3 || len(k) > 250:
				c.fail(p, "hash algorithm name %q must be 3 to 250 characters long", clip(k))
			default:
				if why := checkDictKey(k); why != "" {
					c.fail(p, "%s", why)
				}
			}
		}
	}
}

var hashes = hashesCheck(false)

// binary accepts base64 (RFC 4648 section 4) with padding.
func binary(c *checker, at loc, v any) {
	s, ok := v.(string)
	if !ok {
		c.fail(at, "must be a base64 string, not %s", jsonKind(v))
		return
	}
	if !isBase64(s) {
		c.fail(at, "is not valid base64 (RFC 4648)")
	}
}

func isBase64(s string) bool {
	if len(s)%4 != 0 {
		return false
	}
	pad := 0
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case b == '=':
			pad++
			if pad > 2 || i < len(s)-2 {
				return false
			}
		case pad > 0:
			return false
		case b >= 'A' && b <= 'Z', b >= 'a' && b <= 'z', b >= '0' && b <= '9', b == '+', b == '/':
		default:
			return false
		}
	}
	return true
}

// hexString accepts an even number of hex digits (STIX 2.1 section 2.8).
func hexString(c *checker, at loc, v any) {
	s, ok := v.(string)
	if !ok {
		c.fail(at, "must be a hex string, not %s", jsonKind(v))
		return
	}
	if len(s)%2 != 0 || !hexLen(len(s))(s) {
		c.fail(at, "is not an even number of hex digits")
	}
}

// killChainPhase is STIX 2.1 section 2.8.
var killChainPhase = object(map[string]check{
	"kill_chain_name": nonEmpty,
	"phase_name":      nonEmpty,
}, "kill_chain_name", "phase_name")

var killChainPhases = listOf(killChainPhase)

// externalReference is STIX 2.1 section 2.5. A source_name of "cve" or "capec" requires the
// matching identifier form; with claim set ("cve" on vulnerabilities, "capec" on attack
// patterns), an identifier of that form also requires that source_name (sections 4.1, 4.19).
func externalReference(claim string) check {
	return func(c *checker, at loc, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			c.fail(at, "must be an object, not %s", jsonKind(v))
			return
		}
		checkProps(c, at, m, extRefProps, []string{"source_name"})
		_, d := m["description"]
		_, u := m["url"]
		_, x := m["external_id"]
		if !d && !u && !x {
			c.fail(at, "needs at least one of description, url or external_id besides source_name")
		}
		src, _ := m["source_name"].(string)
		id, _ := m["external_id"].(string)
		switch {
		case (src == "cve" || src == "capec") && !x:
			c.fail(at.field("external_id"), "is required when source_name is %q", src)
		case src == "cve" && !isCVE(id):
			c.fail(at.field("external_id"), "%q is not a CVE identifier (CVE-YYYY-NNNN, uppercase)", clip(id))
		case src == "capec" && !isCAPEC(id):
			c.fail(at.field("external_id"), "%q is not a CAPEC identifier (CAPEC-N)", clip(id))
		case claim == "cve" && src != "cve" && isCVE(strings.ToUpper(id)):
			c.fail(at.field("source_name"), "must be \"cve\" for the CVE identifier %s, not %q", clip(id), clip(src))
		case claim == "capec" && src != "capec" && isCAPEC(strings.ToUpper(id)):
			c.fail(at.field("source_name"), "must be \"capec\" for the CAPEC identifier %s, not %q", clip(id), clip(src))
		}
	}
}

var extRefProps = map[string]check{
	"source_name": nonEmpty,
	"description": isString,
	"url":         isString,
	"hashes":      hashesCheck(true),
	"external_id": isString,
}

var externalReferences = listOf(externalReference(""))

// isCVE reports whether s is CVE-YYYY-NNNN with four or more digits, no leading zero on
// sequence numbers longer than four digits.
func isCVE(s string) bool {
	if len(s) < 13 || s[:4] != "CVE-" || s[8] != '-' || !allDigits(s[4:8]) || !allDigits(s[9:]) {
		return false
	}
	return len(s) == 13 || s[9] != '0'
}

func isCAPEC(s string) bool { return len(s) > 6 && s[:6] == "CAPEC-" && allDigits(s[6:]) }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
