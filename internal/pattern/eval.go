package pattern

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/entente/entente/internal/stix"
	"golang.org/x/text/unicode/norm"
)

// evalCmp reports whether the comparison expression holds with o as its root object. Every
// comparison is evaluated, as the reference matcher does, so that a data error anywhere is
// reported rather than hidden by short-circuiting.
func evalCmp(n *cmpNode, o *object, c *evalCtx) (bool, error) {
	switch n.kind {
	case cmpTest:
		return n.test.evalRoot(o, c)
	case cmpAnd:
		all := true
		for _, ch := range n.children {
			ok, err := evalCmp(ch, o, c)
			if err != nil {
				return false, err
			}
			all = all && ok
		}
		return all, nil
	default:
		any := false
		for _, ch := range n.children {
			ok, err := evalCmp(ch, o, c)
			if err != nil {
				return false, err
			}
			any = any || ok
		}
		return any, nil
	}
}

// evalCtx is the state of evaluating comparisons on one observation.
type evalCtx struct {
	obs      *Observation
	steps    int // path steps taken, across observations
	maxSteps int
}

// tick counts a path step against the budget: paths through [*] and references can reach
// a number of values exponential in their length.
func (c *evalCtx) tick() error {
	c.steps++
	if c.steps > c.maxSteps {
		return fmt.Errorf("%w after %d path steps", ErrBudget, c.maxSteps)
	}
	return nil
}

// leafMatches reports whether some object of c.obs satisfies the comparison expression.
func leafMatches(n *cmpNode, c *evalCtx) (bool, error) {
	matched := false
	for _, o := range c.obs.objects {
		ok, err := evalCmp(n, o, c)
		if err != nil {
			return false, err
		}
		matched = matched || ok
	}
	return matched, nil
}

func (t *test) evalRoot(o *object, c *evalCtx) (bool, error) {
	if t.never || o.typ != t.path.objType {
		return false, nil
	}
	root := objectValue(o)
	return t.walk(c, &root, t.path.steps)
}

// walk follows the remaining path steps from v and reports whether some value reached
// satisfies the test: an object path selects every value it can reach, and the test holds
// when any of them passes.
func (t *test) walk(c *evalCtx, v *value, steps []step) (bool, error) {
	if len(steps) == 0 {
		return t.pred(v)
	}
	if err := c.tick(); err != nil {
		return false, err
	}
	st := steps[0]
	rest := steps[1:]
	switch st.kind {
	case stepKey:
		if v.kind != vObject {
			return false, nil
		}
		child := v.obj.get(st.key)
		if child == nil {
			return false, nil
		}
		if child.kind == vBad {
			return false, fmt.Errorf("property %s: %s", quoteClip(st.key), child.s)
		}
		switch st.ref {
		case refOne:
			if child.kind != vString {
				return false, fmt.Errorf("reference property %s does not hold an identifier", quoteClip(st.key))
			}
			target := c.obs.refs[child.s]
			if target == nil {
				return false, nil
			}
			tv := objectValue(target)
			return t.walk(c, &tv, rest)
		case refList:
			if child.kind != vList {
				return false, fmt.Errorf("reference list property %s does not hold a list", quoteClip(st.key))
			}
			for i := range child.list {
				if child.list[i].kind != vString {
					return false, fmt.Errorf("reference list property %s holds a non-identifier", quoteClip(st.key))
				}
			}
			return t.walkRefs(c, child.list, rest)
		}
		return t.walk(c, child, rest)
	case stepIndex:
		if v.kind != vList || st.index < 0 || st.index >= len(v.list) {
			return false, nil
		}
		return t.walk(c, &v.list[st.index], rest)
	default: // stepStar
		if v.kind != vList {
			return false, nil
		}
		for i := range v.list {
			ok, err := t.walk(c, &v.list[i], rest)
			if ok || err != nil {
				return ok, err
			}
		}
		return false, nil
	}
}

// walkRefs continues a path after a …_refs property, whose value stands for the list of the
// objects it names that are present (the others are dropped).
func (t *test) walkRefs(c *evalCtx, refs []value, steps []step) (bool, error) {
	if len(steps) == 0 {
		for i := range refs {
			if c.obs.refs[refs[i].s] != nil {
				return t.pred(&value{kind: vList})
			}
		}
		return false, nil
	}
	st := steps[0]
	n := 0
	for i := range refs {
		target := c.obs.refs[refs[i].s]
		if target == nil {
			continue
		}
		if st.kind == stepStar || (st.kind == stepIndex && st.index == n) {
			tv := objectValue(target)
			ok, err := t.walk(c, &tv, steps[1:])
			if ok || err != nil || st.kind == stepIndex {
				return ok, err
			}
		}
		n++
	}
	return false, nil
}

// pred applies the operator to one value.
func (t *test) pred(v *value) (bool, error) {
	var r bool
	switch t.op {
	case opEXISTS:
		return true, nil
	case opEQ, opNEQ:
		eq, err := equal(v, &t.lit)
		if err != nil {
			return false, err
		}
		r = eq == (t.op == opEQ)
	case opIN:
		for i := range t.set {
			eq, err := equal(v, &t.set[i])
			if err != nil {
				return false, err
			}
			if eq {
				r = true
				break
			}
		}
	case opLT, opLE, opGT, opGE:
		c, st, err := compare(v, &t.lit)
		if err != nil {
			return false, err
		}
		if st == cmpNone {
			// Values of types without an order between them never compare, NOT or not.
			return false, nil
		}
		if st == cmpOK {
			switch t.op {
			case opLT:
				r = c < 0
			case opLE:
				r = c <= 0
			case opGT:
				r = c > 0
			default:
				r = c >= 0
			}
		}
	case opLIKE:
		switch v.kind {
		case vString:
			r = t.like.MatchString(norm.NFC.String(v.s))
		case vBinary:
			if t.binRe != nil {
				if !utf8.ValidString(v.s) {
					return false, errors.New("LIKE on a binary value that is not UTF-8 text")
				}
				r = t.like.MatchString(norm.NFC.String(v.s))
			}
		}
	case opMATCHES:
		switch v.kind {
		case vString:
			r = t.re.MatchString(norm.NFC.String(v.s))
		case vBinary:
			if t.binRe != nil {
				r = t.binRe.MatchString(latin1ToUTF8(v.s))
			}
		}
	case opISSUBSET, opISSUPERSET:
		if v.kind == vString {
			if p, ok := parsePrefix(v.s); ok {
				if t.op == opISSUBSET {
					r = prefixWithin(p, t.prefix)
				} else {
					r = prefixWithin(t.prefix, p)
				}
			}
		}
	}
	return r != t.not, nil
}

// equal implements = between a value and a literal. Values of unrelated types are unequal.
// Strings and binary values compare when every character of the string fits in a byte.
func equal(v *value, l *literal) (bool, error) {
	switch l.kind {
	case litInt, litFloat:
		c, ok := compareNumber(v, l)
		return ok && c == 0, nil
	case litString:
		switch v.kind {
		case vString:
			return v.s == l.s, nil
		case vBinary:
			return l.isLat1 && v.s == l.latin1, nil
		}
	case litBinary:
		switch v.kind {
		case vBinary:
			return v.s == l.s, nil
		case vString:
			c, ok := compareLatin1(v.s, l.s)
			return ok && c == 0, nil
		}
	case litBool:
		return v.kind == vBool && v.boolean() == l.b, nil
	case litTimestamp:
		if v.kind == vString {
			ts, err := valueTime(v.s)
			if err != nil {
				return false, err
			}
			return ts.Equal(l.t), nil
		}
	}
	return false, nil
}

type cmpState uint8

const (
	cmpOK    cmpState = iota
	cmpNone           // the types have no order between them
	cmpFalse          // comparable types, but this string cannot be compared with bytes
)

// compare orders a value against a literal.
func compare(v *value, l *literal) (int, cmpState, error) {
	switch l.kind {
	case litInt, litFloat:
		c, ok := compareNumber(v, l)
		if !ok {
			return 0, cmpNone, nil
		}
		return c, cmpOK, nil
	case litString:
		switch v.kind {
		case vString:
			return strings.Compare(v.s, l.s), cmpOK, nil
		case vBinary:
			if !l.isLat1 {
				return 0, cmpFalse, nil
			}
			return strings.Compare(v.s, l.latin1), cmpOK, nil
		}
	case litBinary:
		switch v.kind {
		case vBinary:
			return strings.Compare(v.s, l.s), cmpOK, nil
		case vString:
			c, ok := compareLatin1(v.s, l.s)
			if !ok {
				return 0, cmpFalse, nil
			}
			return c, cmpOK, nil
		}
	case litTimestamp:
		if v.kind == vString {
			ts, err := valueTime(v.s)
			if err != nil {
				return 0, cmpNone, err
			}
			return ts.Compare(l.t), cmpOK, nil
		}
	}
	return 0, cmpNone, nil
}

// compareNumber orders a numeric value against a numeric literal; ok is false when v is no
// number (booleans are not numbers here).
func compareNumber(v *value, l *literal) (int, bool) {
	switch v.kind {
	case vInt:
		if l.kind == litInt {
			return cmp3(v.int(), l.i), true
		}
		return -compareFloatInt(l.f, v.int()), true
	case vFloat:
		if l.kind == litInt {
			return compareFloatInt(v.float(), l.i), true
		}
		f := v.float()
		switch {
		case f < l.f:
			return -1, true
		case f > l.f:
			return 1, true
		}
		return 0, f == l.f
	}
	return 0, false
}

func cmp3[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareFloatInt orders a float against an integer exactly.
func compareFloatInt(f float64, i int64) int {
	if c := cmp3(f, float64(i)); c != 0 || f <= -(1<<63) || f >= 1<<63 {
		return c
	}
	// float64(i) rounded to f; compare in integers, where f is exact.
	fi := int64(f)
	if c := cmp3(fi, i); c != 0 {
		return c
	}
	return cmp3(f-math.Trunc(f), 0)
}

// compareLatin1 orders text s, read one byte per character, against bytes b; ok is false if
// s has a character above U+00FF.
func compareLatin1(s, b string) (int, bool) {
	j := 0
	for _, r := range s {
		if r > 0xff {
			return 0, false
		}
		if j >= len(b) {
			return 1, true
		}
		if c := cmp3(int64(r), int64(b[j])); c != 0 {
			return c, true
		}
		j++
	}
	if j < len(b) {
		return -1, true
	}
	return 0, true
}

// latin1ToUTF8 spells each byte as the character of the same number, so that a regular
// expression over characters below U+0100 matches bytes.
func latin1ToUTF8(b string) string {
	var sb strings.Builder
	sb.Grow(len(b) * 2)
	for i := 0; i < len(b); i++ {
		sb.WriteRune(rune(b[i]))
	}
	return sb.String()
}

// valueTime reads a timestamp from observed data, for comparison with a timestamp literal.
func valueTime(s string) (time.Time, error) {
	ts, err := stix.ParseTimestamp(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("comparing with a timestamp: %w", err)
	}
	return ts.Time, nil
}
