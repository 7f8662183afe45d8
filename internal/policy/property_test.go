package policy

import (
	"flag"
	"slices"
	"testing"
	"time"

	"github.com/entente/entente/internal/stix"
	"pgregory.net/rapid"
)

// world is a generated node: its partners' agreements.
type world struct {
	ag       *Agreements
	partners []string
	orgs     []string // partners, the own org, an org without agreement, "" (unknown)
}

var (
	genTypes  = []string{"indicator", "malware", "report", "note", "x-custom"}
	genLabels = []string{"share", "internal", "phishing", "apt"}
	genTLPs   = []stix.TLP{0, stix.TLPClear, stix.TLPGreen, stix.TLPAmber, stix.TLPAmberStrict, stix.TLPRed, stix.TLPUnknown, 9}
	genBase   = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

// drawTime draws an instant within a few days of genBase, on an hour grid so that boundaries
// (validity, embargo) are hit exactly now and then.
func drawTime(t *rapid.T, label string) time.Time {
	return genBase.Add(time.Duration(rapid.IntRange(-96, 96).Draw(t, label)) * time.Hour)
}

func drawSubset(t *rapid.T, label string, from []string) []string {
	var out []string
	for _, s := range from {
		if rapid.IntRange(0, 3).Draw(t, label) == 0 {
			out = append(out, s)
		}
	}
	return out
}

func drawWorld(t *rapid.T) world {
	w := world{partners: []string{"p0", "p1", "p2", "p3", "p4"}}
	var list []Agreement
	for _, p := range w.partners {
		if rapid.IntRange(0, 4).Draw(t, "has agreement") == 0 {
			continue
		}
		a := Agreement{
			Partner:       p,
			MaxTLP:        rapid.SampledFrom([]stix.TLP{0, stix.TLPClear, stix.TLPGreen, stix.TLPAmber, stix.TLPAmberStrict}).Draw(t, "max"),
			Onward:        OnwardSharing(rapid.IntRange(0, 1).Draw(t, "onward")),
			PersonalData:  PersonalData(rapid.IntRange(0, 2).Draw(t, "personal")),
			Types:         drawSubset(t, "types", genTypes),
			ExcludeTypes:  drawSubset(t, "exclude types", genTypes),
			Labels:        drawSubset(t, "labels", genLabels),
			ExcludeLabels: drawSubset(t, "exclude labels", genLabels),
		}
		if rapid.Bool().Draw(t, "has from") {
			a.ValidFrom = drawTime(t, "from")
		}
		if rapid.Bool().Draw(t, "has until") {
			a.ValidUntil = a.ValidFrom.Add(time.Duration(rapid.IntRange(1, 96).Draw(t, "length")) * time.Hour)
			if a.ValidFrom.IsZero() {
				a.ValidUntil = drawTime(t, "until")
			}
		}
		if rapid.Bool().Draw(t, "has embargo") {
			a.Embargo = time.Duration(rapid.IntRange(1, 48).Draw(t, "embargo")) * time.Hour
		}
		list = append(list, a)
	}
	ag, err := NewAgreements(ownOrg, list...)
	if err != nil {
		t.Fatalf("generated agreements: %v", err)
	}
	w.ag = ag
	w.orgs = append(append([]string{}, w.partners...), ownOrg, "stranger", "")
	return w
}

func drawFacts(t *rapid.T, w world) Facts {
	f := Facts{
		Type:             rapid.SampledFrom(genTypes).Draw(t, "type"),
		TLP:              rapid.SampledFrom(genTLPs).Draw(t, "tlp"),
		Labels:           drawSubset(t, "labels", genLabels),
		Origin:           rapid.SampledFrom(w.orgs).Draw(t, "origin"),
		Shares:           drawSubset(t, "shares", append(append([]string{}, w.partners...), "identity--p1", "")),
		Personal:         PersonalClass(rapid.IntRange(0, 2).Draw(t, "personal")),
		GranularOptional: Levels(rapid.IntRange(0, 127).Draw(t, "granular optional")) &^ 1,
		GranularRequired: Levels(rapid.IntRange(0, 127).Draw(t, "granular required")) &^ 1,
	}
	if rapid.IntRange(0, 9).Draw(t, "added known") > 0 {
		f.Added = drawTime(t, "added")
	}
	if rapid.IntRange(0, 2).Draw(t, "granular") > 0 {
		f.GranularOptional, f.GranularRequired = 0, 0
	}
	return f
}

func allRecipients(w world) []Recipient {
	rs := []Recipient{
		{Kind: KindSelf},
		{Kind: KindMember, Role: RoleAdmin},
		{Kind: KindMember, Role: RoleReader},
		{Kind: KindMember, Role: "guest"},
		{Kind: KindPublic},
		{Kind: KindPartner, OrgID: ownOrg},
		{Kind: KindPartner},
		{Kind: KindPartner, OrgID: "stranger"},
		{},
	}
	for _, p := range w.partners {
		r := Recipient{Kind: KindPartner, OrgID: p}
		if p == "p1" {
			r.IdentityID = "identity--p1"
		}
		rs = append(rs, r)
	}
	return rs
}

// forbidden states the rules independently of Decide and returns what an allowed decision
// violates, or "".
func forbidden(r Recipient, f Facts, d Decision, ag *Agreements, now time.Time) string {
	if !d.Allow {
		if d.Form != FormWithheld || d.Redactions != 0 {
			return "withheld decision with a form or redactions"
		}
		return ""
	}
	if (d.Form == FormRedacted) != (d.Redactions != 0) || d.Form == FormWithheld {
		return "form and redactions disagree"
	}
	if r.Kind == KindSelf || r.Kind == KindMember && (r.Role == RoleAdmin || r.Role == RoleAnalyst) {
		return ""
	}
	if d.Visible&unknownBit != 0 {
		return "unknown level visible outside the own organisation"
	}
	if f.GranularRequired&^d.Visible != 0 {
		return "required part marked above what is visible"
	}
	if f.GranularOptional&^d.Visible != 0 && d.Redactions&RedactGranular == 0 {
		return "granular-marked part not redacted"
	}
	for _, l := range d.Visible.TLPs() {
		if why := levelForbidden(r, f, l, ag, now); why != "" {
			return "visible " + l.String() + ": " + why
		}
	}
	if !d.Visible.Has(f.TLP) {
		return "object level not visible"
	}
	switch r.Kind {
	case KindMember:
		if r.Role != RoleReader {
			return "member without a known role"
		}
		return ""
	case KindPublic:
		return personalForbidden(PersonalRedact, f, d)
	case KindPartner:
		a, ok := ag.Get(r.OrgID)
		if !ok || !a.InForce(now) {
			return personalForbidden(PersonalRedact, f, d)
		}
		if len(a.Types) > 0 && !slices.Contains(a.Types, f.Type) || slices.Contains(a.ExcludeTypes, f.Type) {
			return "type filter"
		}
		if len(a.Labels) > 0 && !anyIn(a.Labels, f.Labels) || anyIn(a.ExcludeLabels, f.Labels) {
			return "label filter"
		}
		if f.Added.IsZero() || f.Added.Add(a.Embargo).After(now) {
			if a.Embargo > 0 {
				return "embargo"
			}
		}
		return personalForbidden(a.PersonalData, f, d)
	}
	return "recipient of no known kind"
}

// levelForbidden says why r may not see content at level l of an object with facts f.
func levelForbidden(r Recipient, f Facts, l stix.TLP, ag *Agreements, now time.Time) string {
	if l < stix.TLPClear || l > stix.TLPRed {
		return "not a level"
	}
	switch r.Kind {
	case KindMember:
		if l == stix.TLPRed {
			return "red to a reader"
		}
		return ""
	case KindPublic:
		if l != stix.TLPClear {
			return "public above clear"
		}
		return ""
	case KindPartner:
	default:
		return "recipient of no known kind"
	}
	if r.OrgID == "" || r.OrgID == ownOrg {
		return "partner is not a partner"
	}
	if f.Origin == r.OrgID {
		return "echo to origin"
	}
	if l == stix.TLPClear {
		return ""
	}
	a, ok := ag.Get(r.OrgID)
	if !ok || !a.InForce(now) {
		return "above clear without an agreement in force"
	}
	fromOwn := f.Origin == ownOrg
	if !fromOwn {
		if l > stix.TLPGreen {
			return "onward sharing above green"
		}
		o, ok := ag.Get(f.Origin)
		if !ok || o.Onward != OnwardCommunity || !o.InForce(now) {
			return "onward sharing of green not allowed by the origin"
		}
	}
	if l == stix.TLPRed {
		if !slices.Contains(f.Shares, r.OrgID) && (r.IdentityID == "" || !slices.Contains(f.Shares, r.IdentityID)) {
			return "red to a recipient not named"
		}
		return ""
	}
	if l > a.MaxTLP {
		return "above the agreement's level"
	}
	return ""
}

func personalForbidden(pd PersonalData, f Facts, d Decision) string {
	switch {
	case pd == PersonalDeny && f.Personal != PersonalNone:
		return "personal data to a recipient who denies it"
	case pd == PersonalRedact && f.Personal == PersonalIntegral:
		return "integral personal data to a recipient who gets it redacted"
	case pd == PersonalRedact && f.Personal == PersonalEmbedded && d.Redactions&RedactPersonal == 0:
		return "personal data not redacted"
	}
	return ""
}

// TestNoForbiddenReceipt generates agreements, recipients and objects and checks every
// decision against the rules stated independently, and against Scope.Admits.
func TestNoForbiddenReceipt(t *testing.T) {
	const objects, nows = 40, 3
	total := 0
	rapid.Check(t, func(t *rapid.T) {
		w := drawWorld(t)
		rs := allRecipients(w)
		var times [nows]time.Time
		for i := range times {
			times[i] = drawTime(t, "now")
		}
		for range objects {
			f := drawFacts(t, w)
			for _, now := range times {
				for _, r := range rs {
					d := Decide(r, f, w.ag, now)
					total++
					if why := forbidden(r, f, d, w.ag, now); why != "" {
						t.Fatalf("%+v receives %+v at %s by %s: %s", r, f, now, d.Rule, why)
					}
					if d.Rule == "" || d.Reason == "" {
						t.Fatalf("decision without rule or reason: %+v", d)
					}
					s := ScopeOf(r, w.ag, now)
					if got := s.Admits(f); got != d.Allow {
						t.Fatalf("%+v, %+v at %s: Scope.Admits %v, Decide %v by %s", r, f, now, got, d.Allow, d.Rule)
					}
					// Liveness: what anyone may have, everyone gets.
					if f.TLP == stix.TLPClear && f.Personal == PersonalNone && f.GranularRequired == 0 &&
						(r.Kind == KindPublic || r.Kind == KindSelf) && !d.Allow {
						t.Fatalf("%+v does not receive plain CLEAR: %s", r, d.Rule)
					}
				}
			}
		}
	})
	t.Logf("%d decisions checked", total)
	if fl := flag.Lookup("rapid.checks"); !testing.Short() && fl != nil && fl.Value.String() == fl.DefValue && total < 100_000 {
		t.Errorf("got %d decisions, want at least 100000 (run with the default -rapid.checks)", total)
	}
}
