package pattern

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
)

func TestTerms(t *testing.T) {
	tests := []struct {
		pattern  string
		want     []string // kind value [path]
		complete bool
	}{
		{"[ipv4-addr:value = '198.51.100.7']", []string{"ipv4-addr 198.51.100.7"}, true},
		{"[ipv4-addr:value = '198.51.100.0/24']", []string{"ipv4-addr 198.51.100.0/24"}, true},
		{"[ipv4-addr:value = '198.51.100.9/24']", []string{"ipv4-addr 198.51.100.0/24"}, true},
		{"[ipv4-addr:value = '198.51.100.9/32']", []string{"ipv4-addr 198.51.100.9"}, true},
		{"[ipv4-addr:value ISSUBSET '10.0.0.0/8']", []string{"ipv4-addr 10.0.0.0/8"}, true},
		{"[ipv6-addr:value = '2001:DB8::1']", []string{"ipv6-addr 2001:db8::1"}, true},
		{"[ipv6-addr:value ISSUBSET '2001:db8::/32']", []string{"ipv6-addr 2001:db8::/32"}, true},
		{"[domain-name:value = 'Evil.Example.']", []string{"domain-name evil.example"}, true},
		{"[domain-name:value = 'evil.example' OR domain-name:value LIKE '%.evil.example']",
			[]string{"domain-name evil.example", "domain-name *.evil.example"}, true},
		{"[domain-name:value LIKE '%evil.example']", nil, false},
		{"[url:value = 'HTTP://Evil.Example:80/a%7eb?q=%2f#frag']", []string{"url http://evil.example/a~b?q=%2F"}, true},
		{"[file:hashes.'SHA-256' = 'AEBD2C8E9F3C6D0B9F1D4A6B2C3E5F708192A3B4C5D6E7F8091A2B3C4D5E6F70']",
			[]string{"file-hash aebd2c8e9f3c6d0b9f1d4a6b2c3e5f708192a3b4c5d6e7f8091a2b3c4d5e6f70"}, true},
		{"[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND file:name = 'a.exe']",
			[]string{"file-hash d41d8cd98f00b204e9800998ecf8427e", "other a.exe file:name"}, false},
		{"[email-addr:value = 'Boss@Evil.Example']", []string{"email-addr boss@evil.example"}, true},
		{"[email-message:from_ref.value = 'x@evil.example']", []string{"email-addr x@evil.example"}, true},
		{"[network-traffic:dst_ref.value = '203.0.113.5' AND network-traffic:dst_port = 443]",
			[]string{"ipv4-addr 203.0.113.5"}, false},
		{"[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2')]", []string{"ipv4-addr 192.0.2.1", "ipv4-addr 192.0.2.2"}, true},
		{"[ipv4-addr:value = '192.0.2.1'] REPEATS 5 TIMES", []string{"ipv4-addr 192.0.2.1"}, false},
		{"[ipv4-addr:value != '192.0.2.1']", nil, false},
		{"[domain-name:value = 'localhost']", []string{"other localhost domain-name:value"}, true},
		// Internationalised names are indexed in the ASCII form DNS and logs carry.
		{"[domain-name:value = 'BÜCHER.example']", []string{"domain-name xn--bcher-kva.example"}, true},
		{"[domain-name:value LIKE '%.пример.example']", []string{"domain-name *.xn--e1afmkfd.example"}, true},
		{"[email-message:from_ref.value = 'bücher.example']", []string{"domain-name xn--bcher-kva.example"}, true},
		{"[domain-name:value = 'a\u200db.example']", []string{"other a\u200db.example domain-name:value"}, true},
		{"[mutex:name = 'Global\\\\x']", []string{"other Global\\x mutex:name"}, true},
	}
	for _, tt := range tests {
		p, err := Parse(tt.pattern)
		if err != nil {
			t.Fatalf("%s: %v", tt.pattern, err)
		}
		terms, complete := p.Terms()
		var got []string
		for _, term := range terms {
			s := term.Kind.String() + " " + term.Display()
			if term.Path != "" {
				s += " " + term.Path
			}
			got = append(got, s)
		}
		if !slices.Equal(got, tt.want) || complete != tt.complete {
			t.Errorf("%s: got %q complete %v, want %q complete %v", tt.pattern, got, complete, tt.want, tt.complete)
		}
	}
}

func TestParseTerm(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1.2.3.4", "ipv4-addr 1.2.3.4"},
		{"::ffff:1.2.3.4", "ipv4-addr 1.2.3.4"},
		{"10.1.0.0/16", "ipv4-addr 10.1.0.0/16"},
		{"https://EX.example:443", "url https://ex.example/"},
		{"Who@Ex.Example", "email-addr who@ex.example"},
		{"*.Ex.Example", "domain-name *.ex.example"},
		{"ex.example", "domain-name ex.example"},
		{"Bücher.Example", "domain-name xn--bcher-kva.example"},
		{"*.bücher.example", "domain-name *.xn--bcher-kva.example"},
		{"D41D8CD98F00B204E9800998ECF8427E", "file-hash d41d8cd98f00b204e9800998ecf8427e"},
		{"just words", "other just words"},
	}
	for _, tt := range tests {
		term, ok := ParseTerm(tt.in)
		if got := term.Kind.String() + " " + term.Display(); !ok || got != tt.want {
			t.Errorf("ParseTerm(%q) = %q, %v, want %q", tt.in, got, ok, tt.want)
		}
	}
	if _, ok := ParseTerm("  "); ok {
		t.Errorf("ParseTerm of blanks: got ok, want not ok")
	}
}

func TestNormalizeURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://a.example", "http://a.example/"},
		{"HTTPS://A.Example.:443/P?x#y", "https://a.example/P?x"},
		{"http://u:p@a.example:8080/%41%2f", "http://u:p@a.example:8080/A%2F"},
		{"http://[2001:db8::1]:80/", "http://[2001:db8::1]/"},
		{"ftp://a.example:21", "ftp://a.example/"},
	}
	for _, tt := range tests {
		if got, ok := NormalizeURL(tt.in); !ok || got != tt.want {
			t.Errorf("NormalizeURL(%q) = %q, %v, want %q", tt.in, got, ok, tt.want)
		}
	}
	for _, bad := range []string{"a.example/x", "://x", "http://", "http://a.example:x/", "1http://a"} {
		if got, ok := NormalizeURL(bad); ok {
			t.Errorf("NormalizeURL(%q) = %q, want not ok", bad, got)
		}
	}
}

// testIndicator returns an indicator for the index with a numbered id.
func testIndicator(n int, tlp stix.TLP, origin string) Indicator {
	return Indicator{
		ID: fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", n), Collection: "c1", Version: 1,
		Added: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro(), TLP: tlp, Origin: origin, Confidence: 80, Complete: true,
	}
}

func mustTerms(t testing.TB, pattern string) []Term {
	t.Helper()
	p, err := Parse(pattern)
	if err != nil {
		t.Fatal(err)
	}
	terms, _ := p.Terms()
	return terms
}

func put(t testing.TB, x *Index, ind Indicator, pattern string) {
	t.Helper()
	p, err := Parse(pattern)
	if err != nil {
		t.Fatal(err)
	}
	terms, complete := p.Terms()
	ind.Complete = complete
	if _, err := x.Put(ind, terms); err != nil {
		t.Fatal(err)
	}
}

var (
	ownOrg     = "org-own"
	partnerOrg = "org-partner"
	now        = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
)

func selfView() *policy.View {
	ag, _ := policy.NewAgreements(ownOrg)
	return &policy.View{Recipient: policy.Recipient{Kind: policy.KindSelf}, Agreement: ag, Now: now}
}

func hitIDs(hits []Hit) []string {
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.Indicator.ID[len(h.Indicator.ID)-3:]+" "+h.Term.Display())
	}
	slices.Sort(ids)
	return ids
}

func TestIndexLookup(t *testing.T) {
	x := NewIndex()
	put(t, x, testIndicator(1, stix.TLPClear, ownOrg), "[ipv4-addr:value = '198.51.100.7']")
	put(t, x, testIndicator(2, stix.TLPClear, ownOrg), "[ipv4-addr:value = '198.51.100.0/24']")
	put(t, x, testIndicator(3, stix.TLPClear, ownOrg), "[ipv4-addr:value ISSUBSET '198.0.0.0/8']")
	put(t, x, testIndicator(4, stix.TLPClear, ownOrg), "[domain-name:value LIKE '%.evil.example']")
	put(t, x, testIndicator(5, stix.TLPClear, ownOrg), "[domain-name:value = 'evil.example']")
	put(t, x, testIndicator(6, stix.TLPClear, ownOrg), "[ipv4-addr:value = '198.51.100.7' OR domain-name:value = 'evil.example']")
	put(t, x, testIndicator(7, stix.TLPClear, ownOrg), "[file:name = 'a.exe']")
	put(t, x, testIndicator(8, stix.TLPClear, ownOrg), "[ipv6-addr:value ISSUBSET '2001:db8::/32']")
	f := &Filter{View: selfView()}
	tests := []struct {
		value string
		want  []string
	}{
		{"198.51.100.7", []string{"001 198.51.100.7", "002 198.51.100.0/24", "003 198.0.0.0/8", "006 198.51.100.7"}},
		{"198.51.100.8", []string{"002 198.51.100.0/24", "003 198.0.0.0/8"}},
		{"198.51.100.0/24", []string{"002 198.51.100.0/24", "003 198.0.0.0/8"}},
		{"199.0.0.1", nil},
		{"evil.example", []string{"005 evil.example", "006 evil.example"}},
		{"a.b.evil.example", []string{"004 *.evil.example"}},
		{"notevil.example", nil},
		{"a.exe", []string{"007 a.exe"}},
		{"2001:db8:1::5", []string{"008 2001:db8::/32"}},
	}
	for _, tt := range tests {
		term, _ := ParseTerm(tt.value)
		if got := hitIDs(x.Lookup(term, f)); !slices.Equal(got, tt.want) {
			t.Errorf("Lookup(%s): got %q, want %q", tt.value, got, tt.want)
		}
	}
}

func TestIndexVersionsRevocationCompaction(t *testing.T) {
	x := NewIndex()
	f := &Filter{View: selfView()}
	lookup := func(v string) []string {
		term, _ := ParseTerm(v)
		return hitIDs(x.Lookup(term, f))
	}
	ind := testIndicator(1, stix.TLPClear, ownOrg)
	put(t, x, ind, "[domain-name:value = 'old.example']")
	ind.Version = 2
	put(t, x, ind, "[domain-name:value = 'new.example']")
	if got := lookup("old.example"); got != nil {
		t.Errorf("old value after a new version: got %q, want nothing", got)
	}
	if got := lookup("new.example"); len(got) != 1 {
		t.Errorf("new value: got %q, want one hit", got)
	}
	ind.Version = 1
	if changed, _ := x.Put(ind, mustTerms(t, "[domain-name:value = 'old.example']")); changed {
		t.Errorf("an older version replaced a newer one")
	}
	if x.RemoveVersion("c1", ind.ID, 1) {
		t.Errorf("a revocation of an older version removed the newer one")
	}
	if !x.RemoveVersion("c1", ind.ID, 3) || lookup("new.example") != nil {
		t.Errorf("revocation: the value is still found")
	}
	// Enough churn to compact: the values that stay must still be found, the others not.
	for i := range 5000 {
		ind := testIndicator(100+i, stix.TLPClear, ownOrg)
		put(t, x, ind, fmt.Sprintf("[ipv4-addr:value = '10.0.%d.%d' OR ipv4-addr:value = '10.9.9.9']", i/256, i%256))
		if i%2 == 0 {
			x.Remove("c1", ind.ID)
		}
	}
	if got := x.Len(); got != 2500 {
		t.Errorf("Len after churn: got %d, want 2500", got)
	}
	if got := len(lookup("10.9.9.9")); got != 2500 {
		t.Errorf("shared value after compaction: got %d indicators, want 2500", got)
	}
	if got := lookup("10.0.0.0"); got != nil {
		t.Errorf("removed value: got %q, want nothing", got)
	}
	if got := lookup("10.0.0.1"); len(got) != 1 {
		t.Errorf("kept value: got %q, want one", got)
	}
}

func TestIndexPolicy(t *testing.T) {
	x := NewIndex()
	put(t, x, testIndicator(1, stix.TLPClear, ownOrg), "[domain-name:value = 'x.example']")
	put(t, x, testIndicator(2, stix.TLPGreen, ownOrg), "[domain-name:value = 'x.example']")
	put(t, x, testIndicator(3, stix.TLPAmber, ownOrg), "[domain-name:value = 'x.example']")
	put(t, x, testIndicator(4, stix.TLPRed, ownOrg), "[domain-name:value = 'x.example']")
	put(t, x, testIndicator(5, stix.TLPAmber, "org-third"), "[domain-name:value = 'x.example']")
	put(t, x, testIndicator(6, 0, ownOrg), "[domain-name:value = 'x.example']")
	put(t, x, testIndicator(7, stix.TLPGreen, partnerOrg), "[domain-name:value = 'x.example']")
	expired := testIndicator(8, stix.TLPClear, ownOrg)
	expired.ValidUntil = now.Add(-time.Hour)
	put(t, x, expired, "[domain-name:value = 'x.example']")
	low := testIndicator(9, stix.TLPClear, ownOrg)
	low.Confidence = 10
	put(t, x, low, "[domain-name:value = 'x.example']")

	noAgreement, _ := policy.NewAgreements(ownOrg)
	amber, _ := policy.NewAgreements(ownOrg, policy.Agreement{Partner: partnerOrg, MaxTLP: stix.TLPAmber})
	partner := policy.Recipient{Kind: policy.KindPartner, OrgID: partnerOrg}
	tests := []struct {
		name string
		f    Filter
		want []string
	}{
		{"self", Filter{View: selfView()}, []string{"001", "002", "003", "004", "005", "006", "007", "009"}},
		{"self with expired", Filter{View: selfView(), Invalid: true}, []string{"001", "002", "003", "004", "005", "006", "007", "008", "009"}},
		{"self min confidence", Filter{View: selfView(), MinConfidence: 50}, []string{"001", "002", "003", "004", "005", "006", "007"}},
		{"public", Filter{View: &policy.View{Recipient: policy.Recipient{Kind: policy.KindPublic}, Agreement: noAgreement, Now: now}},
			[]string{"001", "009"}},
		{"partner without agreement", Filter{View: &policy.View{Recipient: partner, Agreement: noAgreement, Now: now}},
			[]string{"001", "009"}},
		{"partner with AMBER agreement", Filter{View: &policy.View{Recipient: partner, Agreement: amber, Now: now}},
			[]string{"001", "002", "003", "009"}},
		{"partner named on RED", Filter{View: &policy.View{Recipient: partner, Agreement: amber, Now: now},
			Shares: func(string) []string { return []string{partnerOrg} }}, []string{"001", "002", "003", "004", "009"}},
		{"nil view", Filter{}, nil},
		{"other collection", Filter{View: selfView(), Collections: []string{"c2"}}, nil},
	}
	term, _ := ParseTerm("x.example")
	for _, tt := range tests {
		var got []string
		for _, h := range x.Lookup(term, &tt.f) {
			got = append(got, h.Indicator.ID[len(h.Indicator.ID)-3:])
		}
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestIndexEachAndEpoch(t *testing.T) {
	x := NewIndex()
	put(t, x, testIndicator(1, stix.TLPClear, ownOrg), "[ipv4-addr:value = '192.0.2.1' OR domain-name:value = 'a.example']")
	soon := testIndicator(2, stix.TLPClear, ownOrg)
	soon.ValidUntil = now.Add(time.Hour)
	put(t, x, soon, "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']")
	f := &Filter{View: selfView()}
	var got []string
	x.Each(f, nil, func(v Value) bool {
		got = append(got, v.Term.Kind.String()+" "+v.Term.Display())
		return true
	})
	slices.Sort(got)
	want := []string{"domain-name a.example", "file-hash d41d8cd98f00b204e9800998ecf8427e", "ipv4-addr 192.0.2.1"}
	if !slices.Equal(got, want) {
		t.Errorf("Each: got %q, want %q", got, want)
	}
	e1 := x.Epoch(f)
	later := selfView()
	later.Now = now.Add(2 * time.Hour)
	if e2 := x.Epoch(&Filter{View: later}); e1 == e2 {
		t.Errorf("Epoch did not change when an indicator expired")
	}
	if e3 := x.Epoch(f); e3 != e1 {
		t.Errorf("Epoch changed without a reason: %d then %d", e1, e3)
	}
}

func TestIndexBadIDs(t *testing.T) {
	x := NewIndex()
	for _, id := range []string{"", "indicator", "indicator--xyz", strings.Repeat("a", 100)} {
		if _, err := x.Put(Indicator{ID: id}, nil); err == nil {
			t.Errorf("Put with id %q: got no error", id)
		}
	}
}
