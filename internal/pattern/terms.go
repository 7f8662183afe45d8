package pattern

import (
	"strings"
)

// Terms lists the values an indicator index keeps for the pattern, each once, in textual
// order: every value of an equality (as Observables finds them), every domain of a
// domain-name:value LIKE '%.example.com' (its subdomains), and every prefix of an
// ipv4-addr:value or ipv6-addr:value ISSUBSET '…'. Values are normalised and classified
// (see Term).
//
// complete reports that the terms are sufficient as well as necessary: the pattern is one
// observation expression, or several joined by OR, without qualifiers, whose comparisons are all
// such tests joined by OR, so it matches exactly when one of the terms is observed. A term of
// an incomplete pattern is a lead, not a verdict: other comparisons or qualifiers apply too.
func (p *Pattern) Terms() (terms []Term, complete bool) {
	seen := map[Term]bool{}
	add := func(t Term) {
		if !seen[t] {
			seen[t] = true
			terms = append(terms, t)
		}
	}
	p.eachTest(func(t *test) {
		switch {
		case t.positiveEquality():
			path := t.path.pathText()
			lits := t.set
			if t.op != opIN {
				lits = []literal{t.lit}
			}
			for _, l := range lits {
				if l.kind != litString {
					continue
				}
				if term, ok := termOf(t.path.objType, path, l.s); ok {
					add(term)
				}
			}
		default:
			if term, ok := t.indexTerm(); ok {
				add(term)
			}
		}
	})
	return terms, len(terms) > 0 && simpleObs(p.root, (*test).indexable)
}

// indexTerm returns the term of a test that is not an equality but still names values: a
// subdomain LIKE or an address ISSUBSET.
func (t *test) indexTerm() (Term, bool) {
	if t.not || t.never || len(t.path.steps) != 1 || t.path.steps[0].key != "value" {
		return Term{}, false
	}
	switch {
	case t.op == opLIKE && t.path.objType == "domain-name" && t.lit.kind == litString:
		rest, ok := strings.CutPrefix(t.lit.s, "%.")
		if !ok || strings.ContainsAny(rest, "%_") {
			return Term{}, false
		}
		d, ok := normalizeDomain(rest)
		return Term{Kind: KindDomain, Value: d, Subdomains: true}, ok
	case t.op == opISSUBSET && (t.path.objType == "ipv4-addr" || t.path.objType == "ipv6-addr") && t.prefix.IsValid():
		return ipTerm(t.prefix.String())
	}
	return Term{}, false
}

// indexable reports whether a comparison holds exactly when one of its terms is observed.
func (t *test) indexable() bool {
	if t.positiveEquality() {
		return true
	}
	_, ok := t.indexTerm()
	return ok
}
