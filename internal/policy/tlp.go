package policy

import (
	"strings"

	"github.com/entente/entente/internal/stix"
)

// Levels is a set of TLP levels, one bit per level, with one more bit for Unknown. It is how the
// policy says which levels a recipient may see of an object, and what a store compares a stored
// level against: level t (1 to 5) is bit 1<<t, Unknown (and any other value) is bit 1<<6.
type Levels uint8

const unknownBit Levels = 1 << 6

// AllLevels contains every level including Unknown.
const AllLevels = Levels(1<<stix.TLPClear|1<<stix.TLPGreen|1<<stix.TLPAmber|1<<stix.TLPAmberStrict|1<<stix.TLPRed) | unknownBit

// levelBit returns the bit of t; anything that is not a TLP 2.0 level is Unknown.
func levelBit(t stix.TLP) Levels {
	if t >= stix.TLPClear && t <= stix.TLPRed {
		return 1 << t
	}
	return unknownBit
}

// LevelsOf returns the set holding ts.
func LevelsOf(ts ...stix.TLP) Levels {
	var l Levels
	for _, t := range ts {
		l |= levelBit(t)
	}
	return l
}

// Has reports whether t is in the set.
func (l Levels) Has(t stix.TLP) bool { return l&levelBit(t) != 0 }

// TLPs lists the levels in the set from least to most restrictive, Unknown last; it is what a
// store puts into "tlp IN (…)".
func (l Levels) TLPs() []stix.TLP {
	var out []stix.TLP
	for t := stix.TLPClear; t <= stix.TLPRed; t++ {
		if l.Has(t) {
			out = append(out, t)
		}
	}
	if l&unknownBit != 0 {
		out = append(out, stix.TLPUnknown)
	}
	return out
}

// upTo returns the levels from CLEAR to max inclusive (CLEAR alone when max is below CLEAR).
func upTo(max stix.TLP) Levels {
	l := levelBit(stix.TLPClear)
	for t := stix.TLPGreen; t <= max && t <= stix.TLPRed; t++ {
		l |= levelBit(t)
	}
	return l
}

// Config is what the node tells the policy about markings.
type Config struct {
	// DefaultTLP is the level of objects that carry no TLP marking at all. The zero value means
	// AMBER+STRICT; a value that is not a TLP level means Unknown.
	DefaultTLP stix.TLP
	// Statements holds the ids (lowercase) of the marking definitions the node knows to be
	// statements (copyright, terms of use). They do not restrict distribution and are ignored by
	// the TLP computation. Every other marking-definition id that is not a TLP id is unresolvable
	// and makes the object (or the field it marks) Unknown.
	Statements map[string]bool
}

func (c Config) defaultTLP() stix.TLP {
	switch {
	case c.DefaultTLP == 0:
		return stix.TLPAmberStrict
	case c.DefaultTLP >= stix.TLPClear && c.DefaultTLP <= stix.TLPRed:
		return c.DefaultTLP
	}
	return stix.TLPUnknown
}

// markingLevel returns the level a marking-definition id imposes, and false for a statement,
// which imposes none.
func (c Config) markingLevel(id string) (stix.TLP, bool) {
	if t, ok := stix.MarkingTLP(id); ok {
		return t, true
	}
	if c.Statements[strings.ToLower(id)] {
		return 0, false
	}
	return stix.TLPUnknown, true
}

// EffectiveTLP returns the TLP level of o by the object-level markings: the most restrictive of
// them, Unknown for any marking it cannot resolve, and the configured default when o carries no
// TLP marking. The TLP marking definitions themselves are CLEAR.
func (c Config) EffectiveTLP(o *stix.Object) stix.TLP {
	if o.Type == "marking-definition" {
		if _, ok := stix.MarkingTLP(o.ID); ok {
			return stix.TLPClear
		}
	}
	var t stix.TLP
	for _, ref := range o.ObjectMarkingRefs {
		if l, ok := c.markingLevel(ref); ok {
			t = stix.Stricter(t, l)
		}
	}
	if t == 0 {
		return c.defaultTLP()
	}
	return t
}

// EffectiveTLP returns the TLP level of o with def as the default for unmarked objects and no
// known statement markings: every marking-definition id that is not a TLP id makes o Unknown.
// Use Config.EffectiveTLP when the node knows statement markings.
func EffectiveTLP(o *stix.Object, def stix.TLP) stix.TLP {
	return Config{DefaultTLP: def}.EffectiveTLP(o)
}

// IsStatement reports whether o is a statement marking definition (definition_type "statement"
// with a statement text), the kind a node lists in Config.Statements.
func IsStatement(o *stix.Object) bool {
	if o.Type != "marking-definition" {
		return false
	}
	if dt, _ := o.Props["definition_type"].(string); dt != "statement" {
		return false
	}
	def, _ := o.Props["definition"].(map[string]any)
	s, _ := def["statement"].(string)
	return s != ""
}
