package storetest

import (
	"fmt"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// The conversions between the policy's types and the store's live here until they find their
// place beside the read paths that need them.

// StoreScope returns the store's form of the policy scope s: nil (no restriction) when s admits
// everything. Levels move the Unknown bit from policy.Levels' bit 6 to store.UnknownLevel, and
// AddedBy becomes whole microseconds, rounded down as date_added <= AddedBy requires.
func StoreScope(s policy.Scope) *store.Scope {
	if s.All {
		return nil
	}
	out := &store.Scope{
		Nothing:       s.Nothing,
		Own:           s.Own,
		OwnLevels:     StoreLevels(s.OwnLevels),
		NamedLevels:   StoreLevels(s.NamedLevels),
		Named:         s.Named,
		Onward:        s.Onward,
		OnwardLevels:  StoreLevels(s.OnwardLevels),
		OtherLevels:   StoreLevels(s.OtherLevels),
		ExcludeOrigin: s.ExcludeOrigin,
		Types:         s.Types,
		ExcludeTypes:  s.ExcludeTypes,
		Labels:        s.Labels,
		ExcludeLabels: s.ExcludeLabels,
		PersonalMax:   uint8(s.PersonalMax),
	}
	if !s.AddedBy.IsZero() {
		out.AddedBy = s.AddedBy.UnixMicro()
		if out.AddedBy <= 0 {
			// Nothing was added at or before the epoch, and 0 would mean no embargo.
			out.Nothing = true
		}
	}
	return out
}

// StoreLevels returns the store.Scope levels mask of l.
func StoreLevels(l policy.Levels) uint8 {
	var out uint8
	for t := stix.TLPClear; t <= stix.TLPRed; t++ {
		if l.Has(t) {
			out |= 1 << t
		}
	}
	if l.Has(stix.TLPUnknown) {
		out |= store.UnknownLevel
	}
	return out
}

// StoreAgreement returns the stored form of a.
func StoreAgreement(a policy.Agreement) store.Agreement {
	return store.Agreement{
		PartnerID:     a.Partner,
		MaxTLP:        a.MaxTLP,
		ValidFrom:     a.ValidFrom,
		ValidUntil:    a.ValidUntil,
		Types:         a.Types,
		ExcludeTypes:  a.ExcludeTypes,
		Labels:        a.Labels,
		ExcludeLabels: a.ExcludeLabels,
		Embargo:       a.Embargo,
		OnwardSharing: a.Onward.String(),
		PersonalData:  a.PersonalData.String(),
	}
}

// PolicyAgreement returns the policy's form of a stored agreement; empty choices are the
// policy's defaults (no onward sharing, personal data redacted).
func PolicyAgreement(a store.Agreement) (policy.Agreement, error) {
	out := policy.Agreement{
		Partner:       a.PartnerID,
		MaxTLP:        a.MaxTLP,
		ValidFrom:     a.ValidFrom,
		ValidUntil:    a.ValidUntil,
		Types:         a.Types,
		ExcludeTypes:  a.ExcludeTypes,
		Labels:        a.Labels,
		ExcludeLabels: a.ExcludeLabels,
		Embargo:       a.Embargo,
	}
	var err error
	if a.OnwardSharing != "" {
		if out.Onward, err = policy.ParseOnwardSharing(a.OnwardSharing); err != nil {
			return out, fmt.Errorf("agreement with %s: %w", a.PartnerID, err)
		}
	}
	if a.PersonalData != "" {
		if out.PersonalData, err = policy.ParsePersonalData(a.PersonalData); err != nil {
			return out, fmt.Errorf("agreement with %s: %w", a.PartnerID, err)
		}
	}
	return out, nil
}
