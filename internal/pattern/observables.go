package pattern

// Observable is a value a pattern looks for: an object type, the path of a property within
// it, and the string that property must equal. Path is written as in patterns, without the
// type: "value", "hashes.'SHA-256'", "hashes.MD5".
type Observable struct {
	Type  string
	Path  string
	Value string
}

// Observables lists the simple values the pattern tests for: every comparison of the form
// type:path = 'value' and every string of a type:path IN (…) list (NOT != counts as =),
// wherever they appear, each once, in textual order. They serve an index of indicators by
// value. A value found in an observation is a necessary sign, not always a sufficient one:
// other comparisons may be ANDed with it, and qualifiers may apply. complete reports that
// it is sufficient: the pattern is one observation expression, or several joined by OR,
// without qualifiers, whose comparisons are all such equalities joined by OR, so the pattern
// matches exactly when one of the values is observed at its path.
func (p *Pattern) Observables() (vals []Observable, complete bool) {
	seen := map[Observable]bool{}
	p.eachTest(func(t *test) {
		if !t.positiveEquality() {
			return
		}
		path := t.path.pathText()
		add := func(l literal) {
			if l.kind != litString {
				return
			}
			o := Observable{Type: t.path.objType, Path: path, Value: l.s}
			if !seen[o] {
				seen[o] = true
				vals = append(vals, o)
			}
		}
		if t.op == opIN {
			for _, l := range t.set {
				add(l)
			}
		} else {
			add(t.lit)
		}
	})
	return vals, len(vals) > 0 && simpleObs(p.root, (*test).positiveEquality)
}

// positiveEquality reports whether the test holds exactly when the path equals one of its
// string literals.
func (t *test) positiveEquality() bool {
	if t.never {
		return false
	}
	switch {
	case t.op == opEQ && !t.not, t.op == opNEQ && t.not:
		return t.lit.kind == litString
	case t.op == opIN && !t.not:
		for _, l := range t.set {
			if l.kind != litString {
				return false
			}
		}
		return true
	}
	return false
}

// simpleObs reports whether n is one observation expression, or several joined by OR,
// without qualifiers, whose comparisons all pass leaf and are joined by OR.
func simpleObs(n *obsNode, leaf func(*test) bool) bool {
	if len(n.quals) > 0 {
		return false
	}
	switch n.kind {
	case obsLeaf:
		return simpleCmp(n.cmp, leaf)
	case obsOr:
		for _, c := range n.children {
			if !simpleObs(c, leaf) {
				return false
			}
		}
		return true
	}
	return false
}

func simpleCmp(n *cmpNode, leaf func(*test) bool) bool {
	switch n.kind {
	case cmpTest:
		return leaf(n.test)
	case cmpOr:
		for _, c := range n.children {
			if !simpleCmp(c, leaf) {
				return false
			}
		}
		return true
	}
	return false
}
