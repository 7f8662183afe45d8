package store

import (
	"bytes"
	"fmt"
	"slices"
)

// ScopeBranch is one way a record passes a Scope: a test of its origin and the levels a record of
// that origin may have. The branches of a scope exclude each other by origin, except the two of
// the own organisation, of which the second applies when the record's share list names the
// recipient. Backends write each branch as "tlp IN (LevelTLPs(Levels)) AND granular_required &
// GranularForbidden(Levels) = 0 AND <origin test> [AND a share names one of Named]", and the
// branches joined with OR.
type ScopeBranch struct {
	NotIn  bool     // the origin is none of Orgs (no test when Orgs is empty); else one of them
	Orgs   []string // origins
	Levels uint8    // levels admitted, as in Scope
	Named  []string // when set, the object's share list must name one of these
}

// Branches plans the origin branches of s as its comment describes them: the own organisation,
// the onward partners, and every other origin, the empty one included. A scope that treats every
// origin alike becomes one branch without an origin test, and branches that admit no level are
// left out, so that no branch at all means no record. Nothing and ExcludeOrigin are the caller's.
func (s *Scope) Branches() []ScopeBranch {
	return slices.DeleteFunc(s.branches(), func(b ScopeBranch) bool { return len(LevelTLPs(b.Levels)) == 0 })
}

func (s *Scope) branches() []ScopeBranch {
	own := s.Own
	var onward []string
	for _, o := range s.Onward {
		if o != "" && o != own && !slices.Contains(onward, o) {
			onward = append(onward, o)
		}
	}
	named := own != "" && len(s.Named) > 0 && s.NamedLevels&^s.OwnLevels != 0
	if !named && (own == "" || s.OwnLevels == s.OtherLevels) && (len(onward) == 0 || s.OnwardLevels == s.OtherLevels) {
		return []ScopeBranch{{NotIn: true, Levels: s.OtherLevels}}
	}
	var all []ScopeBranch
	others := onward
	if own != "" {
		all = append(all, ScopeBranch{Orgs: []string{own}, Levels: s.OwnLevels})
		if named {
			all = append(all, ScopeBranch{Orgs: []string{own}, Levels: s.OwnLevels | s.NamedLevels, Named: s.Named})
		}
		others = append([]string{own}, onward...)
	}
	if len(onward) > 0 {
		all = append(all, ScopeBranch{Orgs: onward, Levels: s.OnwardLevels})
	}
	return append(all, ScopeBranch{NotIn: true, Orgs: others, Levels: s.OtherLevels})
}

// GranularForbidden returns the bits of a stored granular_required that keep a record out of a
// branch admitting levels. Stored granular levels are policy.Levels, whose Unknown is bit 6 where
// a Scope's is bit 7 (UnknownLevel); either stored bit counts as Unknown.
func GranularForbidden(levels uint8) uint8 {
	allowed := levels & 0b0011_1110
	if levels&UnknownLevel != 0 {
		allowed |= 0b1100_0000
	}
	return ^allowed
}

// CheckRecipients returns an ErrInvalid error when a share list holds an empty recipient.
func CheckRecipients(recipients []string) error {
	if slices.Contains(recipients, "") {
		return fmt.Errorf("empty share recipient: %w", ErrInvalid)
	}
	return nil
}

// CheckSealed returns an ErrInvalid error when the seal function given to AuditStore.Append left
// the entry without a hash or moved it in the chain (changed the Seq or PrevHash the store set).
func CheckSealed(e *AuditEntry, seq int64, prev []byte) error {
	switch {
	case len(e.Hash) == 0:
		return fmt.Errorf("seal left the hash empty: %w", ErrInvalid)
	case e.Seq != seq || !bytes.Equal(e.PrevHash, prev):
		return fmt.Errorf("seal changed the entry's seq or previous hash: %w", ErrInvalid)
	}
	return nil
}
