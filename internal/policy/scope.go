package policy

import (
	"slices"
	"time"

	"github.com/entente/entente/internal/stix"
)

// Scope is the decision for one recipient at one moment, turned around: instead of judging one
// object it describes every object the recipient may receive, in terms of the Facts a store
// keeps as columns, so that a store filters in its query rather than after it. Admits is the
// reference: a store's SQL must admit exactly the objects Admits admits, and Admits admits
// exactly the objects Decide allows.
//
// A store translates a Scope like this (tlp, origin, type, date_added, personal,
// granular_required as columns; labels and shares as side tables; L(x) meaning "the bit of tlp
// is in levels x", with Unknown stored as 255 so that no shift reaches it):
//
//	All                        → no condition
//	Nothing                    → FALSE
//	origin <> ExcludeOrigin    (when ExcludeOrigin is set)
//	and one of
//	  origin = Own and (L(OwnLevels) or (L(NamedLevels) and a share names one of Named))
//	  origin in Onward and L(OnwardLevels)
//	  origin not Own and not in Onward and L(OtherLevels)
//	and granular_required & ~(the levels of the branch that matched) = 0
//	and type in Types (when set) and type not in ExcludeTypes
//	and a label in Labels (when set) and no label in ExcludeLabels
//	and date_added <= AddedBy (when set)
//	and personal <= PersonalMax
type Scope struct {
	All     bool // the recipient receives everything (the own organisation with full access)
	Nothing bool // the recipient receives nothing

	Own       string // the own organisation's id
	OwnLevels Levels // levels admitted of objects from the own organisation
	// NamedLevels are levels admitted, in addition, of the own organisation's objects whose
	// shares name the recipient by one of Named.
	NamedLevels Levels
	Named       []string

	Onward       []string // other partners whose GREEN may go on to this recipient
	OnwardLevels Levels   // levels admitted of objects from the Onward partners
	OtherLevels  Levels   // levels admitted of objects from any other origin, unknown origin included

	ExcludeOrigin string // objects from this organisation are never admitted (no echo)

	Types, ExcludeTypes, Labels, ExcludeLabels []string

	// AddedBy, when not zero, admits only objects added at or before it (embargo).
	AddedBy time.Time
	// PersonalMax is the highest personal data class admitted.
	PersonalMax PersonalClass
}

// ScopeOf returns the scope of recipient r at now under the agreements ag.
func ScopeOf(r Recipient, ag *Agreements, now time.Time) Scope {
	own := ag.Own()
	switch r.Kind {
	case KindSelf:
		return Scope{All: true}
	case KindMember:
		switch r.Role {
		case RoleAdmin, RoleAnalyst:
			return Scope{All: true}
		case RoleReader:
			return uniform(own, readerLevels, PersonalIntegral)
		}
	case KindPublic:
		return uniform(own, levelBit(stix.TLPClear), PersonalEmbedded)
	case KindPartner:
		if r.OrgID == "" || r.OrgID == own {
			break
		}
		a, ok := ag.Get(r.OrgID)
		if !ok || !a.InForce(now) {
			s := uniform(own, levelBit(stix.TLPClear), PersonalEmbedded)
			s.ExcludeOrigin = r.OrgID
			return s
		}
		s := Scope{
			Own:           own,
			OwnLevels:     partnerLevels(&a, true, false, false),
			NamedLevels:   levelBit(stix.TLPRed),
			Named:         []string{r.OrgID},
			OnwardLevels:  partnerLevels(&a, false, true, false),
			OtherLevels:   partnerLevels(&a, false, false, false),
			ExcludeOrigin: r.OrgID,
			Types:         a.Types,
			ExcludeTypes:  a.ExcludeTypes,
			Labels:        a.Labels,
			ExcludeLabels: a.ExcludeLabels,
			PersonalMax:   personalMax(a.PersonalData),
		}
		if r.IdentityID != "" {
			s.Named = append(s.Named, r.IdentityID)
		}
		for _, o := range ag.All() {
			if o.Partner != r.OrgID && ag.onward(o.Partner, now) {
				s.Onward = append(s.Onward, o.Partner)
			}
		}
		if a.Embargo > 0 {
			s.AddedBy = now.Add(-a.Embargo)
		}
		return s
	}
	return Scope{Nothing: true}
}

// uniform is a scope that admits the same levels whatever the origin.
func uniform(own string, lv Levels, pm PersonalClass) Scope {
	return Scope{Own: own, OwnLevels: lv, OnwardLevels: lv, OtherLevels: lv, PersonalMax: pm}
}

func personalMax(pd PersonalData) PersonalClass {
	switch pd {
	case PersonalAllow:
		return PersonalIntegral
	case PersonalRedact:
		return PersonalEmbedded
	}
	return PersonalNone
}

// Admits reports whether the scope admits an object with facts f. It is the reference a store's
// query is tested against.
func (s *Scope) Admits(f Facts) bool {
	if s.All {
		return true
	}
	if s.Nothing || (s.ExcludeOrigin != "" && f.Origin == s.ExcludeOrigin) {
		return false
	}
	var lv Levels
	switch {
	case s.Own != "" && f.Origin == s.Own:
		lv = s.OwnLevels
		if anyIn(f.Shares, s.Named) {
			lv |= s.NamedLevels
		}
	case f.Origin != "" && slices.Contains(s.Onward, f.Origin):
		lv = s.OnwardLevels
	default:
		lv = s.OtherLevels
	}
	if !lv.Has(f.TLP) || f.GranularRequired&^lv != 0 {
		return false
	}
	if len(s.Types) > 0 && !slices.Contains(s.Types, f.Type) || slices.Contains(s.ExcludeTypes, f.Type) {
		return false
	}
	if len(s.Labels) > 0 && !anyIn(f.Labels, s.Labels) || anyIn(f.Labels, s.ExcludeLabels) {
		return false
	}
	if !s.AddedBy.IsZero() && (f.Added.IsZero() || f.Added.After(s.AddedBy)) {
		return false
	}
	return f.Personal <= s.PersonalMax
}
