package pattern

import (
	"strings"
)

// Check reports whether s is a valid STIX 2.1 pattern, returning the first problem as an
// *Error. Beyond what Parse requires it applies the rules of the OASIS pattern validator: a
// value compared with a well-known hash (hashes.MD5, hashes.'SHA-256', …) must have that hash's
// form, and a bracketed observation expression may carry each kind of qualifier only once.
func Check(s string) error { return CheckVersion(s, V21) }

// CheckVersion is Check under the grammar of STIX version v. The duplicate-qualifier rule
// belongs to 2.1 only.
func CheckVersion(s string, v Version) error {
	p, err := ParseVersion(s, v)
	if err != nil {
		return err
	}
	if len(p.issues) > 0 {
		return p.issues[0]
	}
	var bad *Error
	p.eachTest(func(t *test) {
		if bad == nil {
			bad = checkHash(s, t)
		}
	})
	if bad != nil {
		return bad
	}
	return nil
}

// eachTest calls f for every comparison of the pattern, in textual order.
func (p *Pattern) eachTest(f func(*test)) {
	var walk func(*cmpNode)
	walk = func(n *cmpNode) {
		if n.kind == cmpTest {
			f(n.test)
			return
		}
		for _, c := range n.children {
			walk(c)
		}
	}
	for _, leaf := range p.leaves {
		walk(leaf.cmp)
	}
}

// hashForms maps a hash name, upper case without hyphens, to a check of its value.
var hashForms = map[string]func(string) bool{
	"MD5":       hexLen(32),
	"MD6":       hexLen(32, 40, 56, 64, 96, 128),
	"RIPEMD160": hexLen(40),
	"SHA1":      hexLen(40),
	"SHA224":    hexLen(56),
	"SHA256":    hexLen(64),
	"SHA384":    hexLen(96),
	"SHA512":    hexLen(128),
	"SHA3224":   hexLen(56),
	"SHA3256":   hexLen(64),
	"SHA3384":   hexLen(96),
	"SHA3512":   hexLen(128),
	"WHIRLPOOL": hexLen(128),
	"SSDEEP": func(s string) bool {
		if len(s) < 1 || len(s) > 128 {
			return false
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !isDigit(c) && !(c|0x20 >= 'a' && c|0x20 <= 'z') && !strings.ContainsRune("/+:.", rune(c)) {
				return false
			}
		}
		return true
	},
}

func hexLen(lengths ...int) func(string) bool {
	return func(s string) bool {
		for i := 0; i < len(s); i++ {
			if !isHex(s[i]) {
				return false
			}
		}
		for _, n := range lengths {
			if len(s) == n {
				return true
			}
		}
		return false
	}
}

// checkHash checks the string values of an =, != or IN comparison on a path that goes through
// "hashes" and ends in a well-known hash name.
func checkHash(src string, t *test) *Error {
	steps := t.path.steps
	last := steps[len(steps)-1]
	if last.kind != stepKey {
		return nil
	}
	through := false
	for _, s := range steps[:len(steps)-1] {
		through = through || (s.kind == stepKey && s.key == "hashes")
	}
	if !through {
		return nil
	}
	form := hashForms[strings.ToUpper(strings.ReplaceAll(last.key, "-", ""))]
	if form == nil {
		return nil
	}
	var lits []literal
	switch t.op {
	case opEQ, opNEQ:
		lits = []literal{t.lit}
	case opIN:
		lits = t.set
	}
	for _, l := range lits {
		if l.kind == litString && !form(l.s) {
			return newError(KindInvalid, src, t.off, "%s is not a valid %s hash", quoteClip(l.s), last.key)
		}
	}
	return nil
}
