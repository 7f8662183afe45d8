package policy

import (
	"testing"
	"time"

	"github.com/entente/entente/internal/stix"
)

const (
	ownOrg = "org-own"
	orgA   = "org-a" // AMBER+STRICT, onward community
	orgB   = "org-b" // AMBER, onward none, personal data denied
	orgC   = "org-c" // GREEN, ends at tEnd
	orgD   = "org-d" // GREEN, embargo, type and label filters, starts at tStart
	orgE   = "org-e" // no agreement
	orgF   = "org-f" // onward community, but expired
)

var (
	tNow   = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tEnd   = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	tStart = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
)

func testAgreements(tb testing.TB) *Agreements {
	tb.Helper()
	ag, err := NewAgreements(ownOrg,
		Agreement{Partner: orgA, MaxTLP: stix.TLPAmberStrict, Onward: OnwardCommunity},
		Agreement{Partner: orgB, MaxTLP: stix.TLPAmber, PersonalData: PersonalDeny},
		Agreement{Partner: orgC, MaxTLP: stix.TLPGreen, ValidUntil: tEnd, PersonalData: PersonalAllow},
		Agreement{Partner: orgD, MaxTLP: stix.TLPGreen, ValidFrom: tStart, Embargo: 24 * time.Hour,
			Types: []string{"indicator", "malware"}, ExcludeTypes: []string{"malware"},
			Labels: []string{"share", "phishing"}, ExcludeLabels: []string{"internal"}},
		Agreement{Partner: orgF, MaxTLP: stix.TLPGreen, Onward: OnwardCommunity, ValidUntil: tStart},
	)
	if err != nil {
		tb.Fatal(err)
	}
	return ag
}

func partner(org string) Recipient { return Recipient{Kind: KindPartner, OrgID: org} }

// own returns facts of an own-organisation indicator at level t, added a week before tNow.
func own(t stix.TLP) Facts {
	return Facts{Type: "indicator", TLP: t, Origin: ownOrg, Added: tNow.Add(-7 * 24 * time.Hour), Labels: []string{"share"}}
}

func from(origin string, t stix.TLP) Facts {
	f := own(t)
	f.Origin = origin
	return f
}

func with(f Facts, mod func(*Facts)) Facts { mod(&f); return f }

func TestDecideRules(t *testing.T) {
	ag := testAgreements(t)
	tests := []struct {
		name string
		r    Recipient
		f    Facts
		now  time.Time
		form Form
		rule Rule
	}{
		// own organisation
		{"self sees unknown", Recipient{Kind: KindSelf}, own(stix.TLPUnknown), tNow, FormFull, RuleOwnOrg},
		{"analyst sees red of a partner", Recipient{Kind: KindMember, Role: RoleAnalyst}, from(orgA, stix.TLPRed), tNow, FormFull, RuleOwnOrg},
		{"admin sees personal data", Recipient{Kind: KindMember, Role: RoleAdmin}, with(own(stix.TLPRed), func(f *Facts) { f.Personal = PersonalIntegral }), tNow, FormFull, RuleOwnOrg},
		{"reader sees amber+strict", Recipient{Kind: KindMember, Role: RoleReader}, own(stix.TLPAmberStrict), tNow, FormFull, RuleOwnOrg},
		{"reader not red", Recipient{Kind: KindMember, Role: RoleReader}, own(stix.TLPRed), tNow, FormWithheld, RuleRole},
		{"reader not unknown", Recipient{Kind: KindMember, Role: RoleReader}, own(stix.TLPUnknown), tNow, FormWithheld, RuleRole},
		{"reader loses red field", Recipient{Kind: KindMember, Role: RoleReader}, with(own(stix.TLPGreen), func(f *Facts) { f.GranularOptional = LevelsOf(stix.TLPRed) }), tNow, FormRedacted, RuleOwnOrg},
		{"member without role", Recipient{Kind: KindMember}, own(stix.TLPClear), tNow, FormWithheld, RuleRecipientInvalid},
		{"no kind", Recipient{}, own(stix.TLPClear), tNow, FormWithheld, RuleRecipientInvalid},

		// public
		{"public clear", Recipient{Kind: KindPublic}, from(orgA, stix.TLPClear), tNow, FormFull, RuleTLPClear},
		{"public not green", Recipient{Kind: KindPublic}, own(stix.TLPGreen), tNow, FormWithheld, RuleNotClear},
		{"public not unknown", Recipient{Kind: KindPublic}, own(stix.TLPUnknown), tNow, FormWithheld, RuleUnknownTLP},
		{"public not zero level", Recipient{Kind: KindPublic}, own(0), tNow, FormWithheld, RuleUnknownTLP},
		{"public redacts embedded personal data", Recipient{Kind: KindPublic}, with(own(stix.TLPClear), func(f *Facts) { f.Personal = PersonalEmbedded }), tNow, FormRedacted, RuleTLPClear},
		{"public withholds personal object", Recipient{Kind: KindPublic}, with(own(stix.TLPClear), func(f *Facts) { f.Personal = PersonalIntegral }), tNow, FormWithheld, RulePersonalWithheld},
		{"public loses green field", Recipient{Kind: KindPublic}, with(own(stix.TLPClear), func(f *Facts) { f.GranularOptional = LevelsOf(stix.TLPGreen) }), tNow, FormRedacted, RuleTLPClear},
		{"public withheld for green required field", Recipient{Kind: KindPublic}, with(own(stix.TLPClear), func(f *Facts) { f.GranularRequired = LevelsOf(stix.TLPGreen) }), tNow, FormWithheld, RuleGranularWithheld},

		// partners: agreement presence and validity
		{"invalid partner without org", Recipient{Kind: KindPartner}, own(stix.TLPClear), tNow, FormWithheld, RuleRecipientInvalid},
		{"partner that is own org", partner(ownOrg), own(stix.TLPClear), tNow, FormWithheld, RuleRecipientInvalid},
		{"no agreement: clear", partner(orgE), own(stix.TLPClear), tNow, FormFull, RuleTLPClear},
		{"no agreement: green", partner(orgE), own(stix.TLPGreen), tNow, FormWithheld, RuleNoAgreement},
		{"no agreement: personal data redacted", partner(orgE), with(own(stix.TLPClear), func(f *Facts) { f.Personal = PersonalEmbedded }), tNow, FormRedacted, RuleTLPClear},
		{"agreement before its start", partner(orgD), own(stix.TLPGreen), tStart.Add(-time.Nanosecond), FormWithheld, RuleNotYetValid},
		{"agreement at its start", partner(orgD), with(own(stix.TLPGreen), func(f *Facts) { f.Added = tStart.Add(-48 * time.Hour) }), tStart, FormFull, RuleGreenAgreement},
		{"agreement just before its end", partner(orgC), own(stix.TLPGreen), tEnd.Add(-time.Nanosecond), FormFull, RuleGreenAgreement},
		{"agreement exactly at its end", partner(orgC), own(stix.TLPGreen), tEnd, FormWithheld, RuleExpired},
		{"expired agreement still gets clear", partner(orgC), own(stix.TLPClear), tEnd, FormFull, RuleTLPClear},

		// levels of the own organisation's objects
		{"green within amber", partner(orgB), own(stix.TLPGreen), tNow, FormFull, RuleGreenAgreement},
		{"amber within amber", partner(orgB), own(stix.TLPAmber), tNow, FormFull, RuleAmberAgreement},
		{"amber+strict above amber", partner(orgB), own(stix.TLPAmberStrict), tNow, FormWithheld, RuleAboveAgreement},
		{"amber+strict within amber+strict", partner(orgA), own(stix.TLPAmberStrict), tNow, FormFull, RuleAmberAgreement},
		{"amber within amber+strict", partner(orgA), own(stix.TLPAmber), tNow, FormFull, RuleAmberAgreement},
		{"amber above green", partner(orgC), own(stix.TLPAmber), tNow, FormWithheld, RuleAboveAgreement},
		{"unknown markings", partner(orgA), own(stix.TLPUnknown), tNow, FormWithheld, RuleUnknownTLP},
		{"red not named", partner(orgA), own(stix.TLPRed), tNow, FormWithheld, RuleRedNotNamed},
		{"red named by org id", partner(orgA), with(own(stix.TLPRed), func(f *Facts) { f.Shares = []string{orgB, orgA} }), tNow, FormFull, RuleRedNamed},
		{"red named by identity id", Recipient{Kind: KindPartner, OrgID: orgC, IdentityID: "identity--c"}, with(own(stix.TLPRed), func(f *Facts) { f.Shares = []string{"identity--c"} }), tNow, FormFull, RuleRedNamed},
		{"red named someone else", partner(orgA), with(own(stix.TLPRed), func(f *Facts) { f.Shares = []string{orgB} }), tNow, FormWithheld, RuleRedNotNamed},
		{"red named but agreement expired", partner(orgC), with(own(stix.TLPRed), func(f *Facts) { f.Shares = []string{orgC} }), tEnd, FormWithheld, RuleExpired},
		{"red named but no agreement", partner(orgE), with(own(stix.TLPRed), func(f *Facts) { f.Shares = []string{orgE} }), tNow, FormWithheld, RuleNoAgreement},
		{"red field visible to named partner", partner(orgA), with(own(stix.TLPGreen), func(f *Facts) { f.Shares = []string{orgA}; f.GranularOptional = LevelsOf(stix.TLPRed) }), tNow, FormFull, RuleGreenAgreement},
		{"red field removed for unnamed partner", partner(orgA), with(own(stix.TLPGreen), func(f *Facts) { f.GranularOptional = LevelsOf(stix.TLPRed) }), tNow, FormRedacted, RuleGreenAgreement},
		{"amber field removed within green", partner(orgC), with(own(stix.TLPGreen), func(f *Facts) { f.GranularOptional = LevelsOf(stix.TLPAmber) }), tNow, FormRedacted, RuleGreenAgreement},
		{"amber required field within green", partner(orgC), with(own(stix.TLPGreen), func(f *Facts) { f.GranularRequired = LevelsOf(stix.TLPAmber) }), tNow, FormWithheld, RuleGranularWithheld},
		{"unknown field removed", partner(orgA), with(own(stix.TLPGreen), func(f *Facts) { f.GranularOptional = LevelsOf(stix.TLPUnknown) }), tNow, FormRedacted, RuleGreenAgreement},

		// echo and onward sharing: from A (onward community) and B (none) to others
		{"echo clear", partner(orgA), from(orgA, stix.TLPClear), tNow, FormWithheld, RuleEcho},
		{"echo amber", partner(orgB), from(orgB, stix.TLPAmber), tNow, FormWithheld, RuleEcho},
		{"echo without agreement", partner(orgE), from(orgE, stix.TLPClear), tNow, FormWithheld, RuleEcho},
		{"A to B clear", partner(orgB), from(orgA, stix.TLPClear), tNow, FormFull, RuleTLPClear},
		{"A to B green (A allows onward)", partner(orgB), from(orgA, stix.TLPGreen), tNow, FormFull, RuleGreenOnward},
		{"A to B amber", partner(orgB), from(orgA, stix.TLPAmber), tNow, FormWithheld, RuleOnwardForbidden},
		{"A to B amber+strict", partner(orgB), from(orgA, stix.TLPAmberStrict), tNow, FormWithheld, RuleOnwardForbidden},
		{"A to B red", partner(orgB), from(orgA, stix.TLPRed), tNow, FormWithheld, RuleOnwardForbidden},
		{"A to B red even when named", partner(orgB), with(from(orgA, stix.TLPRed), func(f *Facts) { f.Shares = []string{orgB} }), tNow, FormWithheld, RuleOnwardForbidden},
		{"A to B red field not visible", partner(orgB), with(from(orgA, stix.TLPGreen), func(f *Facts) { f.Shares = []string{orgB}; f.GranularOptional = LevelsOf(stix.TLPRed) }), tNow, FormRedacted, RuleGreenOnward},
		{"A to B unknown", partner(orgB), from(orgA, stix.TLPUnknown), tNow, FormWithheld, RuleUnknownTLP},
		{"B to A clear", partner(orgA), from(orgB, stix.TLPClear), tNow, FormFull, RuleTLPClear},
		{"B to A green (B forbids onward)", partner(orgA), from(orgB, stix.TLPGreen), tNow, FormWithheld, RuleOnwardForbidden},
		{"B to A amber", partner(orgA), from(orgB, stix.TLPAmber), tNow, FormWithheld, RuleOnwardForbidden},
		{"F to A green (F's agreement expired)", partner(orgA), from(orgF, stix.TLPGreen), tNow, FormWithheld, RuleOnwardForbidden},
		{"E to A green (E has no agreement)", partner(orgA), from(orgE, stix.TLPGreen), tNow, FormWithheld, RuleOnwardForbidden},
		{"unknown origin green", partner(orgA), from("", stix.TLPGreen), tNow, FormWithheld, RuleOnwardForbidden},
		{"unknown origin clear", partner(orgA), from("", stix.TLPClear), tNow, FormFull, RuleTLPClear},
		{"A to public clear", Recipient{Kind: KindPublic}, from(orgA, stix.TLPClear), tNow, FormFull, RuleTLPClear},

		// content filters, embargo (D: GREEN, indicator or malware but not malware, share or phishing but not internal, 24 h)
		{"D: allowed", partner(orgD), own(stix.TLPGreen), tNow, FormFull, RuleGreenAgreement},
		{"D: type not allowed", partner(orgD), with(own(stix.TLPGreen), func(f *Facts) { f.Type = "report" }), tNow, FormWithheld, RuleTypeNotAllowed},
		{"D: type excluded", partner(orgD), with(own(stix.TLPGreen), func(f *Facts) { f.Type = "malware" }), tNow, FormWithheld, RuleTypeExcluded},
		{"D: filters apply to clear", partner(orgD), with(own(stix.TLPClear), func(f *Facts) { f.Type = "report" }), tNow, FormWithheld, RuleTypeNotAllowed},
		{"D: label missing", partner(orgD), with(own(stix.TLPGreen), func(f *Facts) { f.Labels = []string{"other"} }), tNow, FormWithheld, RuleLabelMissing},
		{"D: no labels", partner(orgD), with(own(stix.TLPGreen), func(f *Facts) { f.Labels = nil }), tNow, FormWithheld, RuleLabelMissing},
		{"D: one required label is enough", partner(orgD), with(own(stix.TLPGreen), func(f *Facts) { f.Labels = []string{"x", "phishing"} }), tNow, FormFull, RuleGreenAgreement},
		{"D: label excluded", partner(orgD), with(own(stix.TLPGreen), func(f *Facts) { f.Labels = []string{"share", "internal"} }), tNow, FormWithheld, RuleLabelExcluded},
		{"D: under embargo", partner(orgD), with(own(stix.TLPGreen), func(f *Facts) { f.Added = tNow.Add(-24*time.Hour + time.Nanosecond) }), tNow, FormWithheld, RuleEmbargo},
		{"D: embargo ends exactly", partner(orgD), with(own(stix.TLPGreen), func(f *Facts) { f.Added = tNow.Add(-24 * time.Hour) }), tNow, FormFull, RuleGreenAgreement},
		{"D: unknown date_added is under embargo", partner(orgD), with(own(stix.TLPGreen), func(f *Facts) { f.Added = time.Time{} }), tNow, FormWithheld, RuleEmbargo},
		{"D: embargo applies to clear", partner(orgD), with(own(stix.TLPClear), func(f *Facts) { f.Added = tNow }), tNow, FormWithheld, RuleEmbargo},

		// personal data handling: A redact (default), B deny, C allow
		{"redact: embedded", partner(orgA), with(own(stix.TLPGreen), func(f *Facts) { f.Personal = PersonalEmbedded }), tNow, FormRedacted, RuleGreenAgreement},
		{"redact: integral", partner(orgA), with(own(stix.TLPGreen), func(f *Facts) { f.Personal = PersonalIntegral }), tNow, FormWithheld, RulePersonalWithheld},
		{"deny: embedded", partner(orgB), with(own(stix.TLPGreen), func(f *Facts) { f.Personal = PersonalEmbedded }), tNow, FormWithheld, RulePersonalDenied},
		{"deny: none", partner(orgB), own(stix.TLPGreen), tNow, FormFull, RuleGreenAgreement},
		{"allow: integral", partner(orgC), with(own(stix.TLPGreen), func(f *Facts) { f.Personal = PersonalIntegral }), tNow, FormFull, RuleGreenAgreement},
		{"redact and granular together", partner(orgA), with(own(stix.TLPGreen), func(f *Facts) { f.Personal = PersonalEmbedded; f.GranularOptional = LevelsOf(stix.TLPRed) }), tNow, FormRedacted, RuleGreenAgreement},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.r, tt.f, ag, tt.now)
			if d.Form != tt.form || d.Rule != tt.rule {
				t.Fatalf("got %s by %s (%s), want %s by %s", d.Form, d.Rule, d.Reason, tt.form, tt.rule)
			}
			if d.Allow != (tt.form != FormWithheld) {
				t.Errorf("got Allow %v with form %s", d.Allow, d.Form)
			}
			if d.Reason == "" {
				t.Error("got no reason")
			}
			s := ScopeOf(tt.r, ag, tt.now)
			if got := s.Admits(tt.f); got != d.Allow {
				t.Errorf("got Scope.Admits %v, want %v like Decide", got, d.Allow)
			}
		})
	}
}

func TestDecideRedactions(t *testing.T) {
	ag := testAgreements(t)
	f := with(own(stix.TLPGreen), func(f *Facts) { f.Personal = PersonalEmbedded; f.GranularOptional = LevelsOf(stix.TLPRed) })
	d := Decide(partner(orgA), f, ag, tNow)
	if want := RedactGranular | RedactPersonal; d.Redactions != want {
		t.Errorf("got redactions %s, want %s", d.Redactions, want)
	}
	if want := LevelsOf(stix.TLPClear, stix.TLPGreen, stix.TLPAmber, stix.TLPAmberStrict); d.Visible != want {
		t.Errorf("got visible %v, want %v", d.Visible.TLPs(), want.TLPs())
	}
}

func TestNewAgreementsRejects(t *testing.T) {
	tests := []struct {
		name string
		own  string
		list []Agreement
	}{
		{"no own org", "", nil},
		{"no partner", ownOrg, []Agreement{{}}},
		{"red", ownOrg, []Agreement{{Partner: orgA, MaxTLP: stix.TLPRed}}},
		{"unknown level", ownOrg, []Agreement{{Partner: orgA, MaxTLP: stix.TLPUnknown}}},
		{"until before from", ownOrg, []Agreement{{Partner: orgA, ValidFrom: tEnd, ValidUntil: tStart}}},
		{"until equals from", ownOrg, []Agreement{{Partner: orgA, ValidFrom: tEnd, ValidUntil: tEnd}}},
		{"negative embargo", ownOrg, []Agreement{{Partner: orgA, Embargo: -time.Second}}},
		{"bad onward", ownOrg, []Agreement{{Partner: orgA, Onward: 7}}},
		{"bad personal data", ownOrg, []Agreement{{Partner: orgA, PersonalData: 7}}},
		{"empty type", ownOrg, []Agreement{{Partner: orgA, Types: []string{""}}}},
		{"own org", ownOrg, []Agreement{{Partner: ownOrg}}},
		{"twice", ownOrg, []Agreement{{Partner: orgA}, {Partner: orgA}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewAgreements(tt.own, tt.list...); err == nil {
				t.Fatal("got no error")
			}
		})
	}
}

func TestParseChoices(t *testing.T) {
	for _, s := range []string{"none", "community"} {
		if v, err := ParseOnwardSharing(s); err != nil || v.String() != s {
			t.Errorf("ParseOnwardSharing(%q): got %v, %v", s, v, err)
		}
	}
	for _, s := range []string{"redact", "deny", "allow"} {
		if v, err := ParsePersonalData(s); err != nil || v.String() != s {
			t.Errorf("ParsePersonalData(%q): got %v, %v", s, v, err)
		}
	}
	if _, err := ParseOnwardSharing("all"); err == nil {
		t.Error("ParseOnwardSharing(all): got no error")
	}
	if _, err := ParsePersonalData(""); err == nil {
		t.Error("ParsePersonalData(\"\"): got no error")
	}
}

func TestExplain(t *testing.T) {
	ag := testAgreements(t)
	rs := []Recipient{{Kind: KindSelf}, partner(orgA), partner(orgB), {Kind: KindPublic}}
	ex := Explain(own(stix.TLPAmberStrict), rs, ag, tNow)
	want := []Rule{RuleOwnOrg, RuleAmberAgreement, RuleAboveAgreement, RuleNotClear}
	if len(ex) != len(want) {
		t.Fatalf("got %d explanations, want %d", len(ex), len(want))
	}
	for i, e := range ex {
		if e.Decision.Rule != want[i] || e.Recipient != rs[i] {
			t.Errorf("explanation %d: got %s for %v, want %s", i, e.Decision.Rule, e.Recipient, want[i])
		}
	}
}

func BenchmarkDecide(b *testing.B) {
	ag := testAgreements(b)
	cases := []struct {
		name string
		r    Recipient
		f    Facts
	}{
		{"allow-amber", partner(orgA), own(stix.TLPAmber)},
		{"allow-onward-green", partner(orgB), from(orgA, stix.TLPGreen)},
		{"allow-filters", partner(orgD), with(own(stix.TLPGreen), func(f *Facts) { f.Labels = []string{"a", "b", "phishing"} })},
		{"allow-redacted", partner(orgA), with(own(stix.TLPGreen), func(f *Facts) { f.Personal = PersonalEmbedded })},
		{"allow-red-named", partner(orgA), with(own(stix.TLPRed), func(f *Facts) { f.Shares = []string{orgB, orgC, orgA} })},
		{"deny-onward", partner(orgB), from(orgA, stix.TLPAmber)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Decide(c.r, c.f, ag, tNow)
			}
		})
	}
}

func TestDecideAllowDoesNotAllocate(t *testing.T) {
	ag := testAgreements(t)
	f := with(own(stix.TLPGreen), func(f *Facts) { f.Labels = []string{"phishing"}; f.Personal = PersonalEmbedded })
	r := partner(orgD)
	if d := Decide(r, f, ag, tNow); !d.Allow {
		t.Fatalf("got %s, want allowed", d.Rule)
	}
	if n := testing.AllocsPerRun(100, func() { _ = Decide(r, f, ag, tNow) }); n != 0 {
		t.Errorf("got %v allocations per allowed decision, want 0", n)
	}
}
