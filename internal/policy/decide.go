package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/entente/entente/internal/stix"
)

// Form is the form in which a recipient receives an object.
type Form uint8

// Forms. The zero value is FormWithheld, so a Decision nobody filled in lets nothing through.
const (
	FormWithheld Form = iota // the recipient does not receive the object
	FormFull                 // the object exactly as stored
	FormRedacted             // the object with parts removed or masked (see Redact)
)

func (f Form) String() string {
	switch f {
	case FormWithheld:
		return "withheld"
	case FormFull:
		return "full"
	case FormRedacted:
		return "redacted"
	}
	return fmt.Sprintf("Form(%d)", uint8(f))
}

// Redactions says what a redacted form leaves out.
type Redactions uint8

// Kinds of redaction.
const (
	RedactGranular Redactions = 1 << iota // parts granular-marked above what the recipient may see
	RedactPersonal                        // personal data
)

func (r Redactions) String() string {
	var parts []string
	if r&RedactGranular != 0 {
		parts = append(parts, "granular")
	}
	if r&RedactPersonal != 0 {
		parts = append(parts, "personal")
	}
	return strings.Join(parts, "+")
}

// Rule is the stable machine code of the rule that decided. Codes never change meaning; new
// rules get new codes.
type Rule string

// Rules that let an object through.
const (
	RuleOwnOrg         Rule = "own-org"   // the own organisation sees what its role allows
	RuleTLPClear       Rule = "tlp-clear" // CLEAR goes to anyone
	RuleGreenAgreement Rule = "tlp-green-agreement"
	RuleGreenOnward    Rule = "tlp-green-onward" // a partner's GREEN, which its agreement lets go on
	RuleAmberAgreement Rule = "tlp-amber-agreement"
	RuleRedNamed       Rule = "tlp-red-named"
)

// Rules that withhold an object.
const (
	RuleRecipientInvalid Rule = "recipient-invalid"
	RuleRole             Rule = "role-insufficient"
	RuleNotClear         Rule = "tlp-not-clear"
	RuleUnknownTLP       Rule = "tlp-unknown"
	RuleNoAgreement      Rule = "no-agreement"
	RuleNotYetValid      Rule = "agreement-not-yet-valid"
	RuleExpired          Rule = "agreement-expired"
	RuleEcho             Rule = "origin-echo"
	RuleAboveAgreement   Rule = "tlp-above-agreement"
	RuleRedNotNamed      Rule = "tlp-red-not-named"
	RuleOnwardForbidden  Rule = "onward-sharing-forbidden"
	RuleTypeNotAllowed   Rule = "type-not-allowed"
	RuleTypeExcluded     Rule = "type-excluded"
	RuleLabelMissing     Rule = "label-missing"
	RuleLabelExcluded    Rule = "label-excluded"
	RuleEmbargo          Rule = "embargo"
	RulePersonalDenied   Rule = "personal-data-denied"
	RulePersonalWithheld Rule = "personal-data-withheld"
	RuleGranularWithheld Rule = "granular-withheld"
)

// allowReasons are the sentences of the allowing rules. They are constants so that an allowed
// decision costs no allocation.
var allowReasons = map[Rule]string{
	RuleOwnOrg:         "The object is held by the recipient's own organisation.",
	RuleTLPClear:       "TLP:CLEAR may go to anyone.",
	RuleGreenAgreement: "The agreement with the partner allows TLP:GREEN.",
	RuleGreenOnward:    "The object is another partner's TLP:GREEN, and that partner's agreement allows sharing it on with the community.",
	RuleAmberAgreement: "The agreement with the partner allows this TLP:AMBER level for the partner's organisation.",
	RuleRedNamed:       "The recipient is named on this TLP:RED object.",
}

// Decision is the answer to: may this recipient receive this object, in what form, and why.
type Decision struct {
	Allow  bool
	Form   Form
	Rule   Rule   // the rule that decided
	Reason string // one English sentence for people
	// Redactions says what the redacted form leaves out (zero unless Form is FormRedacted).
	Redactions Redactions
	// Visible holds the levels the recipient may see of this object; parts granular-marked at
	// other levels are removed by Redact.
	Visible Levels
}

func allow(rule Rule, visible Levels, red Redactions) Decision {
	form := FormFull
	if red != 0 {
		form = FormRedacted
	}
	return Decision{Allow: true, Form: form, Rule: rule, Reason: allowReasons[rule], Redactions: red, Visible: visible}
}

func deny(rule Rule, format string, args ...any) Decision {
	return Decision{Rule: rule, Reason: fmt.Sprintf(format, args...)}
}

// readerLevels is what a reader of the own organisation sees: RED and unresolvable markings are
// for admins and analysts.
var readerLevels = upTo(stix.TLPAmberStrict)

// Decide answers whether r may receive the object described by f at now, under the agreements
// ag, in what form and by which rule. It is pure and costs no allocation when it allows.
func Decide(r Recipient, f Facts, ag *Agreements, now time.Time) Decision {
	switch r.Kind {
	case KindSelf:
		return allow(RuleOwnOrg, AllLevels, 0)
	case KindMember:
		switch r.Role {
		case RoleAdmin, RoleAnalyst:
			return allow(RuleOwnOrg, AllLevels, 0)
		case RoleReader:
			if !readerLevels.Has(f.TLP) {
				return deny(RuleRole, "The object is %s; readers see up to TLP:AMBER+STRICT, admins and analysts see everything.", f.TLP.Label())
			}
			return finish(f, readerLevels, PersonalAllow, RuleOwnOrg)
		}
		return deny(RuleRecipientInvalid, "A member needs a role (admin, analyst or reader), not %q.", r.Role)
	case KindPublic:
		return asPublic(f, RuleNotClear, "The object is %s; the public receives TLP:CLEAR only.")
	case KindPartner:
		return decidePartner(r, f, ag, now)
	}
	return deny(RuleRecipientInvalid, "The recipient is of no known kind.")
}

// asPublic decides for the public, and for partners without an agreement in force, who are
// treated like it: CLEAR only, personal data redacted.
func asPublic(f Facts, rule Rule, format string) Decision {
	if f.TLP == stix.TLPClear {
		return finish(f, levelBit(stix.TLPClear), PersonalRedact, RuleTLPClear)
	}
	if levelBit(f.TLP) == unknownBit {
		return deny(RuleUnknownTLP, "The object's markings cannot be resolved; it stays with the own organisation.")
	}
	return deny(rule, format, f.TLP.Label())
}

func decidePartner(r Recipient, f Facts, ag *Agreements, now time.Time) Decision {
	if r.OrgID == "" || r.OrgID == ag.Own() {
		return deny(RuleRecipientInvalid, "A partner recipient needs an organisation other than the own one.")
	}
	if f.Origin == r.OrgID {
		return deny(RuleEcho, "The object came from this partner; nothing goes back to its origin.")
	}
	a, ok := ag.Get(r.OrgID)
	switch {
	case !ok:
		return asPublic(f, RuleNoAgreement, "The object is %s and there is no agreement with this partner.")
	case !a.ValidFrom.IsZero() && now.Before(a.ValidFrom):
		return asPublic(f, RuleNotYetValid, "The object is %s and the agreement with this partner starts on "+a.ValidFrom.UTC().Format(time.RFC3339)+".")
	case !a.InForce(now):
		return asPublic(f, RuleExpired, "The object is %s and the agreement with this partner ended on "+a.ValidUntil.UTC().Format(time.RFC3339)+".")
	}
	own := ag.isOwn(f.Origin)
	onward := !own && ag.onward(f.Origin, now)
	lv := partnerLevels(&a, own, onward, own && named(r, f.Shares))
	if !lv.Has(f.TLP) {
		return denyLevel(&a, f, own)
	}
	if len(a.Types) > 0 && !slices.Contains(a.Types, f.Type) {
		return deny(RuleTypeNotAllowed, "The agreement allows only the types %s, not %s.", strings.Join(a.Types, ", "), f.Type)
	}
	if slices.Contains(a.ExcludeTypes, f.Type) {
		return deny(RuleTypeExcluded, "The agreement excludes the type %s.", f.Type)
	}
	if len(a.Labels) > 0 && !anyIn(f.Labels, a.Labels) {
		return deny(RuleLabelMissing, "The agreement requires one of the labels %s.", strings.Join(a.Labels, ", "))
	}
	if anyIn(f.Labels, a.ExcludeLabels) {
		return deny(RuleLabelExcluded, "The object carries a label the agreement excludes (%s).", strings.Join(a.ExcludeLabels, ", "))
	}
	if a.Embargo > 0 && (f.Added.IsZero() || now.Before(f.Added.Add(a.Embargo))) {
		return deny(RuleEmbargo, "The agreement's embargo of %s has not passed since the object was added.", a.Embargo)
	}
	return finish(f, lv, a.PersonalData, allowRule(f.TLP, own))
}

// partnerLevels returns the levels a partner with agreement a may receive of an object: its
// agreement's levels for the own organisation's objects (RED when named), GREEN of another
// partner's objects when that partner allows onward sharing, and CLEAR of anything.
func partnerLevels(a *Agreement, own, onward, named bool) Levels {
	lv := levelBit(stix.TLPClear)
	max := min(a.MaxTLP, stix.TLPAmberStrict)
	switch {
	case own:
		lv |= upTo(max)
		if named {
			lv |= levelBit(stix.TLPRed)
		}
	case onward && max >= stix.TLPGreen:
		lv |= levelBit(stix.TLPGreen)
	}
	return lv
}

// denyLevel explains why a partner may not receive an object at its level.
func denyLevel(a *Agreement, f Facts, own bool) Decision {
	switch {
	case levelBit(f.TLP) == unknownBit:
		return deny(RuleUnknownTLP, "The object's markings cannot be resolved; it stays with the own organisation.")
	case own && f.TLP == stix.TLPRed:
		return deny(RuleRedNotNamed, "TLP:RED goes only to recipients named on the object, and this partner is not named.")
	case !own && (f.TLP > stix.TLPGreen || a.MaxTLP >= stix.TLPGreen):
		return deny(RuleOnwardForbidden, "The object is %s from another organisation (%s); it may not go on to a third party at this level.", f.TLP.Label(), orUnknown(f.Origin))
	}
	return deny(RuleAboveAgreement, "The object is %s; the agreement allows up to %s.", f.TLP.Label(), max(a.MaxTLP, stix.TLPClear).Label())
}

func allowRule(t stix.TLP, own bool) Rule {
	switch t {
	case stix.TLPClear:
		return RuleTLPClear
	case stix.TLPGreen:
		if own {
			return RuleGreenAgreement
		}
		return RuleGreenOnward
	case stix.TLPAmber, stix.TLPAmberStrict:
		return RuleAmberAgreement
	}
	return RuleRedNamed
}

// finish applies what holds at every level once the level itself is allowed: granular markings
// and personal data.
func finish(f Facts, lv Levels, pd PersonalData, rule Rule) Decision {
	if f.GranularRequired&^lv != 0 {
		return deny(RuleGranularWithheld, "A part of the object that cannot be removed is marked above what the recipient may see.")
	}
	var red Redactions
	switch pd {
	case PersonalDeny:
		if f.Personal != PersonalNone {
			return deny(RulePersonalDenied, "The object contains personal data, which this recipient does not receive.")
		}
	case PersonalRedact:
		switch f.Personal {
		case PersonalNone:
		case PersonalEmbedded:
			red |= RedactPersonal
		default:
			return deny(RulePersonalWithheld, "The object is personal data, or holds it where removing it would break the object.")
		}
	}
	if f.GranularOptional&^lv != 0 {
		red |= RedactGranular
	}
	return allow(rule, lv, red)
}

// named reports whether shares names r by organisation id or identity id.
func named(r Recipient, shares []string) bool {
	for _, s := range shares {
		if s == r.OrgID || (r.IdentityID != "" && s == r.IdentityID) {
			return true
		}
	}
	return false
}

func anyIn(have, want []string) bool {
	for _, h := range have {
		if slices.Contains(want, h) {
			return true
		}
	}
	return false
}

func orUnknown(s string) string {
	if s == "" {
		return "origin unknown"
	}
	return s
}

// Explanation is the decision for one recipient.
type Explanation struct {
	Recipient Recipient
	Decision  Decision
}

// Explain decides for each recipient in turn: who receives the object, in what form, by which
// rule.
func Explain(f Facts, recipients []Recipient, ag *Agreements, now time.Time) []Explanation {
	out := make([]Explanation, len(recipients))
	for i, r := range recipients {
		out[i] = Explanation{Recipient: r, Decision: Decide(r, f, ag, now)}
	}
	return out
}
