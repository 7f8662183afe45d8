package policy

import (
	"strconv"
	"strings"
	"time"

	"github.com/entente/entente/internal/stix"
)

// Kind is the kind of a recipient.
type Kind uint8

// Recipient kinds. The zero value is not a valid kind: a recipient nobody classified receives
// nothing.
const (
	KindSelf    Kind = iota + 1 // the node itself and its own organisation as a whole (internal work, backups)
	KindMember                  // a person or token of the own organisation, with a role
	KindPartner                 // a partner organisation (its tokens, its node, exports for it)
	KindPublic                  // anyone: anonymous readers, open data
)

func (k Kind) String() string {
	switch k {
	case KindSelf:
		return "self"
	case KindMember:
		return "member"
	case KindPartner:
		return "partner"
	case KindPublic:
		return "public"
	}
	return "invalid"
}

// Roles of members of the own organisation.
const (
	RoleAdmin   = "admin"
	RoleAnalyst = "analyst"
	RoleReader  = "reader"
)

// Recipient is who would receive an object.
type Recipient struct {
	Kind Kind
	// OrgID is the partner organisation's id: required for partners, ignored for the other
	// kinds (self and members belong to the own organisation, the public to none).
	OrgID string
	// IdentityID is the organisation's STIX identity id. An object may name its RED recipients
	// by organisation id or by identity id.
	IdentityID string
	Role       string // for members: admin, analyst or reader
}

// PersonalClass says how much of an object is personal data.
type PersonalClass uint8

// Personal data classes, in increasing order: a store can admit "personal <= n".
const (
	PersonalNone     PersonalClass = iota // no personal data found
	PersonalEmbedded                      // personal data that redaction can remove while the object stays whole
	PersonalIntegral                      // the object is personal data, or it sits where removal would break it
)

func (p PersonalClass) String() string {
	switch p {
	case PersonalNone:
		return "none"
	case PersonalEmbedded:
		return "embedded"
	case PersonalIntegral:
		return "integral"
	}
	return "PersonalClass(" + strconv.Itoa(int(p)) + ")"
}

// RecipientsProperty is the custom property by which an object names the recipients of its
// TLP:RED content: a list of organisation ids or STIX identity ids.
const RecipientsProperty = "x_entente_recipients"

// Facts is what the decision needs to know about one object version. A store keeps these as
// columns so that the same decision can be taken inside a query (see Scope).
type Facts struct {
	Type   string
	TLP    stix.TLP // effective TLP of the object-level markings
	Labels []string
	Origin string    // id of the organisation the version came from; "" when not known
	Added  time.Time // when this node took the version in (date_added)
	// Shares names the recipients of RED content: organisation ids or identity ids, from the
	// per-object share list and RecipientsProperty.
	Shares   []string
	Personal PersonalClass
	// GranularOptional and GranularRequired are the levels of granular markings that are
	// stricter than TLP, on parts redaction can remove and on parts it cannot (required
	// properties, or selectors that cannot be understood) respectively.
	GranularOptional Levels
	GranularRequired Levels
}

// FactsOf computes the facts of o, which came from organisation origin and was added at added;
// shares is the object's share list (organisation ids).
func FactsOf(o *stix.Object, origin string, added time.Time, shares []string, cfg Config) Facts {
	f := Facts{
		Type:     o.Type,
		TLP:      cfg.EffectiveTLP(o),
		Labels:   o.Labels,
		Origin:   origin,
		Added:    added,
		Personal: personalClass(o),
	}
	f.Shares = append(f.Shares, shares...)
	if l, ok := o.Props[RecipientsProperty].([]any); ok {
		for _, v := range l {
			if s, ok := v.(string); ok && s != "" {
				f.Shares = append(f.Shares, s)
			}
		}
	}
	f.GranularOptional, f.GranularRequired = granularLevels(o, cfg, f.TLP)
	return f
}

// granularLevels returns the levels of the granular markings of o that are stricter than obj,
// split by whether redaction can remove what they mark.
func granularLevels(o *stix.Object, cfg Config, obj stix.TLP) (optional, required Levels) {
	for _, gm := range o.GranularMarkings {
		l, ok := fieldLevel(gm, cfg, obj)
		if !ok {
			continue
		}
		for _, sel := range gm.Selectors {
			segs, ok := parseSelector(sel)
			switch {
			case !ok:
				required |= levelBit(l)
			case !resolves(o.Props, segs):
			case isRequired(o.Type, segs[0]):
				required |= levelBit(l)
			default:
				optional |= levelBit(l)
			}
		}
	}
	return optional, required
}

// fieldLevel returns the level a granular marking gives the parts it selects, and false when
// it restricts nothing beyond obj (language markings, statements, levels not above obj).
func fieldLevel(gm stix.GranularMarking, cfg Config, obj stix.TLP) (stix.TLP, bool) {
	if gm.MarkingRef == "" {
		return 0, false
	}
	l, ok := cfg.markingLevel(gm.MarkingRef)
	if !ok || l <= obj {
		return 0, false
	}
	return l, true
}

// hidden returns the level of gm, and true when that level is not among visible: the parts gm
// selects must not reach the recipient.
func hidden(gm stix.GranularMarking, cfg Config, obj stix.TLP, visible Levels) (stix.TLP, bool) {
	l, ok := fieldLevel(gm, cfg, obj)
	return l, ok && !visible.Has(l)
}

// parseSelector splits a STIX selector ("a.b.[2].c") into its segments. It fails for an empty
// segment, a selector that starts with an index, or an index that is not a decimal number.
func parseSelector(sel string) ([]string, bool) {
	segs := strings.Split(sel, ".")
	for i, s := range segs {
		if s == "" {
			return nil, false
		}
		if s[0] == '[' {
			if i == 0 || len(s) < 3 || s[len(s)-1] != ']' {
				return nil, false
			}
			if _, err := strconv.ParseUint(s[1:len(s)-1], 10, 31); err != nil {
				return nil, false
			}
		}
	}
	return segs, true
}

// resolves reports whether segs selects something in the decoded object m.
func resolves(m map[string]any, segs []string) bool {
	var v any = m
	for _, s := range segs {
		switch c := v.(type) {
		case map[string]any:
			if s[0] == '[' {
				return false
			}
			var ok bool
			if v, ok = c[s]; !ok {
				return false
			}
		case []any:
			if s[0] != '[' {
				return false
			}
			i, _ := strconv.Atoi(s[1 : len(s)-1])
			if i >= len(c) {
				return false
			}
			v = c[i]
		default:
			return false
		}
	}
	return true
}
