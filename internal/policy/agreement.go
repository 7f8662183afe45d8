package policy

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/entente/entente/internal/stix"
)

// OnwardSharing says whether a partner may pass what it receives at TLP:GREEN on to its
// community, and so whether this node may pass the partner's GREEN objects on to other partners.
type OnwardSharing uint8

// Onward sharing choices. The zero value is OnwardNone.
const (
	OnwardNone      OnwardSharing = iota // GREEN stays with the partner
	OnwardCommunity                      // GREEN may go on to the partner's community
)

func (s OnwardSharing) String() string {
	switch s {
	case OnwardNone:
		return "none"
	case OnwardCommunity:
		return "community"
	}
	return fmt.Sprintf("OnwardSharing(%d)", uint8(s))
}

// ParseOnwardSharing reads "none" or "community".
func ParseOnwardSharing(s string) (OnwardSharing, error) {
	switch s {
	case "none":
		return OnwardNone, nil
	case "community":
		return OnwardCommunity, nil
	}
	return 0, fmt.Errorf("onward sharing %q: want none or community", s)
}

// PersonalData says what a partner receives of personal data.
type PersonalData uint8

// Personal data handling. The zero value is PersonalRedact.
const (
	PersonalRedact PersonalData = iota // personal data is removed; objects that are personal data are withheld
	PersonalDeny                       // objects containing personal data are withheld
	PersonalAllow                      // objects go as they are
)

func (p PersonalData) String() string {
	switch p {
	case PersonalRedact:
		return "redact"
	case PersonalDeny:
		return "deny"
	case PersonalAllow:
		return "allow"
	}
	return fmt.Sprintf("PersonalData(%d)", uint8(p))
}

// ParsePersonalData reads "redact", "deny" or "allow".
func ParsePersonalData(s string) (PersonalData, error) {
	switch s {
	case "redact":
		return PersonalRedact, nil
	case "deny":
		return PersonalDeny, nil
	case "allow":
		return PersonalAllow, nil
	}
	return 0, fmt.Errorf("personal data handling %q: want redact, deny or allow", s)
}

// Agreement is what one partner organisation may receive from this node.
type Agreement struct {
	Partner string // the partner organisation's id

	// MaxTLP is the highest level the partner receives of the node's own objects: CLEAR, GREEN,
	// AMBER or AMBER+STRICT. RED never goes by agreement. The zero value means CLEAR only.
	MaxTLP stix.TLP

	// ValidFrom and ValidUntil bound the agreement: it is in force from ValidFrom inclusive until
	// ValidUntil exclusive. A zero bound is open.
	ValidFrom  time.Time
	ValidUntil time.Time

	Types         []string // when not empty, only objects of these types
	ExcludeTypes  []string // never objects of these types
	Labels        []string // when not empty, only objects carrying at least one of these labels
	ExcludeLabels []string // never objects carrying any of these labels

	// Embargo delays everything: an object goes to the partner only once it has been on this
	// node (date_added) for at least this long.
	Embargo time.Duration

	Onward       OnwardSharing
	PersonalData PersonalData
}

// InForce reports whether the agreement is in force at now.
func (a *Agreement) InForce(now time.Time) bool {
	return (a.ValidFrom.IsZero() || !now.Before(a.ValidFrom)) &&
		(a.ValidUntil.IsZero() || now.Before(a.ValidUntil))
}

// Validate returns an error naming what is wrong with a, or nil.
func (a *Agreement) Validate() error {
	var errs []error
	if a.Partner == "" {
		errs = append(errs, errors.New("partner is required"))
	}
	if a.MaxTLP != 0 && (a.MaxTLP < stix.TLPClear || a.MaxTLP > stix.TLPAmberStrict) {
		errs = append(errs, fmt.Errorf("max TLP %s: want clear, green, amber or amber+strict (red goes only to named recipients)", a.MaxTLP))
	}
	if !a.ValidFrom.IsZero() && !a.ValidUntil.IsZero() && !a.ValidUntil.After(a.ValidFrom) {
		errs = append(errs, fmt.Errorf("valid until %s is not after valid from %s", a.ValidUntil.Format(time.RFC3339), a.ValidFrom.Format(time.RFC3339)))
	}
	if a.Embargo < 0 {
		errs = append(errs, fmt.Errorf("embargo %s is negative", a.Embargo))
	}
	if a.Onward > OnwardCommunity {
		errs = append(errs, fmt.Errorf("onward sharing %s is not a known choice", a.Onward))
	}
	if a.PersonalData > PersonalAllow {
		errs = append(errs, fmt.Errorf("personal data handling %s is not a known choice", a.PersonalData))
	}
	for _, l := range [][]string{a.Types, a.ExcludeTypes, a.Labels, a.ExcludeLabels} {
		if slices.Contains(l, "") {
			errs = append(errs, errors.New("type and label lists must not contain empty names"))
			break
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("agreement with %q: %w", a.Partner, err)
	}
	return nil
}

// Agreements is the node's own organisation and its agreements, one per partner. It is
// read-only once built; build a new one when an agreement changes.
type Agreements struct {
	own string
	m   map[string]Agreement
}

// NewAgreements validates list and returns the set. It fails on an invalid agreement, on two
// agreements with the same partner, and on an agreement with the own organisation.
func NewAgreements(own string, list ...Agreement) (*Agreements, error) {
	if own == "" {
		return nil, errors.New("agreements: the own organisation's id is required")
	}
	s := &Agreements{own: own, m: make(map[string]Agreement, len(list))}
	for _, a := range list {
		if err := a.Validate(); err != nil {
			return nil, err
		}
		if a.Partner == own {
			return nil, fmt.Errorf("agreement with %q: that is the own organisation", a.Partner)
		}
		if _, dup := s.m[a.Partner]; dup {
			return nil, fmt.Errorf("agreement with %q: given twice", a.Partner)
		}
		s.m[a.Partner] = a
	}
	return s, nil
}

// Own returns the own organisation's id ("" for a nil set).
func (s *Agreements) Own() string {
	if s == nil {
		return ""
	}
	return s.own
}

// Get returns the agreement with partner.
func (s *Agreements) Get(partner string) (Agreement, bool) {
	if s == nil {
		return Agreement{}, false
	}
	a, ok := s.m[partner]
	return a, ok
}

// All returns the agreements ordered by partner id.
func (s *Agreements) All() []Agreement {
	if s == nil {
		return nil
	}
	out := make([]Agreement, 0, len(s.m))
	for _, a := range s.m {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Agreement) int {
		switch {
		case a.Partner < b.Partner:
			return -1
		case a.Partner > b.Partner:
			return 1
		}
		return 0
	})
	return out
}

// isOwn reports whether origin is the own organisation. An empty origin is nobody's.
func (s *Agreements) isOwn(origin string) bool {
	return origin != "" && origin == s.Own()
}

// onward reports whether GREEN objects from origin may go on to other partners at now: the
// origin's agreement is in force and allows onward sharing to the community.
func (s *Agreements) onward(origin string, now time.Time) bool {
	a, ok := s.Get(origin)
	return ok && a.Onward == OnwardCommunity && a.InForce(now)
}
