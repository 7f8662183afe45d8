package pattern

import (
	"fmt"
	"slices"
	"time"
)

// DefaultMaxSteps is the evaluation budget used when MatchOptions.MaxSteps is zero.
const DefaultMaxSteps = 1_000_000

// MatchOptions tunes Match.
type MatchOptions struct {
	// MaxSteps bounds the work of one Match: the object path steps taken to evaluate
	// comparisons, and separately the search for observations that satisfy the pattern
	// together. Paths through [*] and references, and patterns that combine many observation
	// expressions over many matching observations, can need a number of steps exponential in
	// their size; past the budget Match gives up with a MatchError wrapping ErrBudget. Zero
	// means DefaultMaxSteps.
	MaxSteps int
}

// Result is the outcome of matching a pattern.
type Result struct {
	Matched bool
	// Observations are the indexes (into the slice given to Match) of the observations in the
	// first combination found that satisfies the pattern, in increasing order.
	Observations []int
	// MatchedSDOIDs are the identifiers of those observations, leaving out any without one.
	MatchedSDOIDs []string
}

// Match evaluates the pattern against observations. Every comparison is evaluated on every
// observation first, so a data error anywhere (see MatchError) is reported even when the
// pattern would match without it. Observations are then combined under AND, OR, FOLLOWEDBY and
// the qualifiers: each observation may serve as many observation expressions as its
// NumberObserved, FOLLOWEDBY and WITHIN use the first_observed/last_observed spans, and
// START/STOP keeps observations whose span begins before STOP and ends at or after START.
func (p *Pattern) Match(observations []Observation, opts MatchOptions) (Result, error) {
	for i := range observations {
		if err := observations[i].check(); err != nil {
			return Result{}, &MatchError{Observation: i, Err: err}
		}
	}
	maxSteps := opts.MaxSteps
	if maxSteps <= 0 {
		maxSteps = DefaultMaxSteps
	}
	ctx := evalCtx{maxSteps: maxSteps}
	root := p.root
	if root.kind == obsLeaf && len(root.quals) == 0 {
		first := -1
		for i := range observations {
			ctx.obs = &observations[i]
			ok, err := leafMatches(root.cmp, &ctx)
			if err != nil {
				return Result{}, &MatchError{Observation: i, Err: err}
			}
			if ok && first < 0 {
				first = i
			}
		}
		if first < 0 {
			return Result{}, nil
		}
		return makeResult(observations, []int32{int32(first)}), nil
	}
	m := &matcher{obs: observations, maxSteps: maxSteps}
	m.sets = make([][]int32, len(p.leaves))
	for li, leaf := range p.leaves {
		for i := range observations {
			ctx.obs = &observations[i]
			ok, err := leafMatches(leaf.cmp, &ctx)
			if err != nil {
				return Result{}, &MatchError{Observation: i, Err: err}
			}
			if ok {
				m.sets[li] = append(m.sets[li], int32(i))
			}
		}
	}
	m.used = make([]int32, len(observations))
	var found []int32
	m.solve(root, func() bool {
		found = slices.Clone(m.chosen)
		return true
	})
	if m.err != nil {
		return Result{}, m.err
	}
	if found == nil {
		return Result{}, nil
	}
	return makeResult(observations, found), nil
}

func makeResult(observations []Observation, binding []int32) Result {
	slices.Sort(binding)
	binding = slices.Compact(binding)
	r := Result{Matched: true, Observations: make([]int, len(binding))}
	for i, o := range binding {
		r.Observations[i] = int(o)
		if id := observations[o].ID; id != "" {
			r.MatchedSDOIDs = append(r.MatchedSDOIDs, id)
		}
	}
	return r
}

// matcher searches for a binding: a choice of observations for the bracketed observation
// expressions that satisfies the whole pattern. Observations are interchangeable with the
// other sightings counted in their NumberObserved, so the search tracks how many times each is
// used rather than which sighting.
type matcher struct {
	obs      []Observation
	sets     [][]int32 // per leaf: the observations its comparison holds on
	used     []int32   // per observation: how many times it is bound
	chosen   []int32   // the bound observations, as a stack
	active   []activeQual
	steps    int
	maxSteps int
	err      error
}

// activeQual is a WITHIN or START/STOP qualifier whose operand is being bound, from
// chosen[start:] on.
type activeQual struct {
	start int
	q     *qualifier
}

// solve enumerates bindings of n, pushing each onto m.chosen and calling k; it stops and
// reports true as soon as k does.
func (m *matcher) solve(n *obsNode, k func() bool) bool {
	return m.solveQuals(n, len(n.quals), k)
}

// solveQuals enumerates bindings of n with its first q qualifiers applied.
func (m *matcher) solveQuals(n *obsNode, q int, k func() bool) bool {
	if q == 0 {
		return m.solveBase(n, k)
	}
	qual := &n.quals[q-1]
	switch qual.kind {
	case qualWithin, qualStartStop:
		if qual.kind == qualStartStop && !qual.start.Before(qual.stop) {
			return false
		}
		// The constraint holds for a binding only if it holds for every part of it, so it
		// is checked as each observation is bound (see bind) and is lifted while the rest
		// of the pattern is bound.
		m.active = append(m.active, activeQual{start: len(m.chosen), q: qual})
		top := len(m.active) - 1
		ok := m.solveQuals(n, q-1, func() bool {
			a := m.active[top]
			m.active = m.active[:top]
			ok := k()
			m.active = append(m.active, a)
			return ok
		})
		m.active = m.active[:top]
		return ok
	default:
		return m.repeat(n, q-1, qual.repeats, nil, k)
	}
}

// admits reports whether the observations bound so far satisfy every active WITHIN and
// START/STOP qualifier.
func (m *matcher) admits() bool {
	last := m.chosen[len(m.chosen)-1]
	ob := &m.obs[last]
	for _, a := range m.active {
		if a.q.kind == qualStartStop {
			// The observation's span must begin before STOP and end at or after START.
			if !ob.FirstObserved.Before(a.q.stop) || ob.LastObserved.Before(a.q.start) {
				return false
			}
		} else if !m.within(m.chosen[a.start:], a.q.within) {
			return false
		}
	}
	return true
}

// repeat finds count disjoint bindings of n (with q qualifiers). Each binding, as a sorted
// list of observations, must not sort before the previous one, so each set of bindings is
// tried in one order only.
func (m *matcher) repeat(n *obsNode, q, count int, prev []int32, k func() bool) bool {
	if count == 0 {
		return k()
	}
	start := len(m.chosen)
	return m.solveQuals(n, q, func() bool {
		seg := slices.Clone(m.chosen[start:])
		slices.Sort(seg)
		if prev != nil && slices.Compare(seg, prev) < 0 {
			return false
		}
		return m.repeat(n, q, count-1, seg, k)
	})
}

func (m *matcher) solveBase(n *obsNode, k func() bool) bool {
	switch n.kind {
	case obsLeaf:
		for _, o := range m.sets[n.leafIdx] {
			if int(m.used[o]) >= m.obs[o].NumberObserved {
				continue
			}
			if !m.tick() {
				return false
			}
			m.used[o]++
			m.chosen = append(m.chosen, o)
			ok := m.admits() && k()
			m.chosen = m.chosen[:len(m.chosen)-1]
			m.used[o]--
			if ok {
				return true
			}
			if m.err != nil {
				return false
			}
		}
		return false
	case obsGroup:
		return m.solve(n.children[0], k)
	case obsOr:
		for _, c := range n.children {
			if m.solve(c, k) {
				return true
			}
			if m.err != nil {
				return false
			}
		}
		return false
	case obsAnd:
		return m.and(n.children, k)
	default:
		return m.followedBy(n.children, false, time.Time{}, k)
	}
}

func (m *matcher) and(children []*obsNode, k func() bool) bool {
	if len(children) == 0 {
		return k()
	}
	return m.solve(children[0], func() bool { return m.and(children[1:], k) })
}

// followedBy binds the operands of a FOLLOWEDBY chain, which groups from the left: each
// operand must be able to end no earlier than every operand before it began, i.e. the latest
// first_observed so far is at or before the operand's earliest last_observed.
func (m *matcher) followedBy(children []*obsNode, havePrev bool, latestFirst time.Time, k func() bool) bool {
	if len(children) == 0 {
		return k()
	}
	start := len(m.chosen)
	return m.solve(children[0], func() bool {
		lf, el := m.span(m.chosen[start:])
		if havePrev {
			if latestFirst.After(el) {
				return false
			}
			if latestFirst.After(lf) {
				lf = latestFirst
			}
		}
		return m.followedBy(children[1:], true, lf, k)
	})
}

// within reports whether one window of length d can touch every span in the binding: the
// latest first_observed is at most d after the earliest last_observed.
func (m *matcher) within(seg []int32, d duration) bool {
	latestFirst, earliestLast := m.span(seg)
	if !latestFirst.After(earliestLast) {
		return true
	}
	sec := latestFirst.Unix() - earliestLast.Unix()
	nsec := int64(latestFirst.Nanosecond()) - int64(earliestLast.Nanosecond())
	if nsec < 0 {
		sec--
		nsec += 1e9
	}
	return sec < d.sec || sec == d.sec && nsec <= d.nsec
}

// span returns the latest first_observed and the earliest last_observed of a binding.
func (m *matcher) span(seg []int32) (latestFirst, earliestLast time.Time) {
	latestFirst, earliestLast = m.obs[seg[0]].FirstObserved, m.obs[seg[0]].LastObserved
	for _, o := range seg[1:] {
		ob := &m.obs[o]
		if ob.FirstObserved.After(latestFirst) {
			latestFirst = ob.FirstObserved
		}
		if ob.LastObserved.Before(earliestLast) {
			earliestLast = ob.LastObserved
		}
	}
	return latestFirst, earliestLast
}

func (m *matcher) tick() bool {
	m.steps++
	if m.steps > m.maxSteps {
		if m.err == nil {
			m.err = &MatchError{Observation: -1, Err: fmt.Errorf("%w after %d steps", ErrBudget, m.maxSteps)}
		}
		return false
	}
	return true
}
