package blocklist

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entente/entente/internal/pattern"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var now = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func view(r policy.Recipient, as ...policy.Agreement) *policy.View {
	ag, err := policy.NewAgreements("org-own", as...)
	if err != nil {
		panic(err)
	}
	return &policy.View{Recipient: r, Agreement: ag, Now: now, Scope: policy.ScopeOf(r, ag, now)}
}

func testIndex(t *testing.T) *pattern.Index {
	t.Helper()
	x := pattern.NewIndex()
	for i, c := range []struct {
		tlp     stix.TLP
		pattern string
	}{
		{stix.TLPGreen, "[ipv4-addr:value = '203.0.113.9' OR ipv4-addr:value = '198.51.100.0/24']"},
		{stix.TLPGreen, "[ipv6-addr:value = '2001:db8::bad' OR ipv6-addr:value ISSUBSET '2001:db8:ff::/48']"},
		{stix.TLPGreen, "[domain-name:value = 'evil.example' OR domain-name:value LIKE '%.c2.example']"},
		{stix.TLPGreen, "[url:value = 'http://drop.example/pay;load.bin']"},
		{stix.TLPGreen, "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' OR email-addr:value = 'boss@phish.example']"},
		{stix.TLPAmber, "[domain-name:value = 'amber.example']"},
		{stix.TLPGreen, "[domain-name:value = 'partial.example' AND domain-name:resolves_to_refs[*].value = '192.0.2.1']"},
		// Well-known false positives and addresses no list may carry.
		{stix.TLPGreen, "[ipv4-addr:value = '8.8.8.8' OR ipv4-addr:value = '10.1.2.3' OR ipv4-addr:value = '8.8.8.0/24' OR ipv4-addr:value = '20.0.0.0/6']"},
		{stix.TLPGreen, "[domain-name:value = 'google.com' OR domain-name:value LIKE '%.amazonaws.com' OR domain-name:value = 'evil.s3.amazonaws.com']"},
	} {
		p, err := pattern.Parse(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		terms, complete := p.Terms()
		ind := pattern.Indicator{
			ID: fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", i+1), Collection: "c1", Version: 1,
			Added: now.Add(-time.Hour).UnixMicro(), TLP: c.tlp, Origin: "org-own", Confidence: 70, Complete: complete,
		}
		if _, err := x.Put(ind, terms); err != nil {
			t.Fatal(err)
		}
	}
	return x
}

func TestFormatsGolden(t *testing.T) {
	x := testIndex(t)
	allow, err := NewAllowlist()
	if err != nil {
		t.Fatal(err)
	}
	f := &pattern.Filter{View: view(policy.Recipient{Kind: policy.KindSelf})}
	for _, format := range Formats {
		var buf bytes.Buffer
		if _, err := Write(context.Background(), &buf, x, f, Options{Format: format}, allow); err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", string(format)+".golden")
		// The RPZ serial is the time of the index's last change.
		got := strings.Replace(buf.String(), fmt.Sprint(x.Changed().Unix()), "SERIAL", 1)
		if *update {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s: got\n%s\nwant\n%s", format, got, want)
		}
	}
}

func TestPolicyAndOptions(t *testing.T) {
	x := testIndex(t)
	allow, _ := NewAllowlist("evil.example")
	partner := policy.Recipient{Kind: policy.KindPartner, OrgID: "org-p"}
	tests := []struct {
		name string
		f    pattern.Filter
		o    Options
		want string
	}{
		{"partner without agreement sees no GREEN", pattern.Filter{View: view(partner)}, Options{Format: Text}, ""},
		{"partner with GREEN agreement", pattern.Filter{View: view(partner, policy.Agreement{Partner: "org-p", MaxTLP: stix.TLPGreen})},
			Options{Format: Text, Kinds: []pattern.Kind{pattern.KindDomain}}, "*.c2.example\nevil.s3.amazonaws.com\n"},
		{"partner with AMBER agreement", pattern.Filter{View: view(partner, policy.Agreement{Partner: "org-p", MaxTLP: stix.TLPAmber})},
			Options{Format: Hosts}, "# Entente blocklist: domains named by indicators, sent nowhere.\n0.0.0.0 amber.example\n0.0.0.0 evil.s3.amazonaws.com\n"},
		{"partial values on request", pattern.Filter{View: view(policy.Recipient{Kind: policy.KindSelf}), MinConfidence: 50},
			Options{Format: Text, Kinds: []pattern.Kind{pattern.KindDomain}, Partial: true}, "amber.example\n*.c2.example\nevil.s3.amazonaws.com\npartial.example\n"},
		{"confidence above all", pattern.Filter{View: view(policy.Recipient{Kind: policy.KindSelf}), MinConfidence: 90}, Options{Format: Text}, ""},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if _, err := Write(context.Background(), &buf, x, &tt.f, tt.o, allow); err != nil {
			t.Fatal(err)
		}
		if got := buf.String(); got != tt.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
}

func TestETag(t *testing.T) {
	x := testIndex(t)
	allow, _ := NewAllowlist()
	f := &pattern.Filter{View: view(policy.Recipient{Kind: policy.KindSelf})}
	o := Options{Format: Text}
	e1 := ETag(x, f, o, allow)
	if e2 := ETag(x, f, o, allow); e2 != e1 {
		t.Errorf("ETag changed without a change: %s then %s", e1, e2)
	}
	if e := ETag(x, f, Options{Format: RPZ}, allow); e == e1 {
		t.Errorf("ETag did not change with the format")
	}
	if e := ETag(x, &pattern.Filter{View: view(policy.Recipient{Kind: policy.KindPublic})}, o, allow); e == e1 {
		t.Errorf("ETag did not change with the reader")
	}
	p, _ := pattern.Parse("[domain-name:value = 'new.example']")
	terms, _ := p.Terms()
	x.Put(pattern.Indicator{ID: "indicator--00000000-0000-4000-8000-999999999999", Collection: "c1", TLP: stix.TLPGreen, Origin: "org-own"}, terms)
	if e := ETag(x, f, o, allow); e == e1 {
		t.Errorf("ETag did not change with the index")
	}
}

func TestRPZIP(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":       "32.1.2.0.192",
		"198.51.100.0/24": "24.0.100.51.198",
		"2001:db8::1":     "128.1.zz.db8.2001",
		"2001:db8::/32":   "32.zz.db8.2001",
		"2001:db8:0:1::1": "128.1.zz.1.0.db8.2001",
	} {
		if got := rpzIP(in); got != want {
			t.Errorf("rpzIP(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestAllowlist(t *testing.T) {
	a, err := NewAllowlist()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.ReadAllowlist(strings.NewReader("# ours\n\n192.0.2.53\nintranet.example\n")); err != nil {
		t.Fatal(err)
	}
	if err := a.ReadAllowlist(strings.NewReader("not a value!\n")); err == nil {
		t.Errorf("ReadAllowlist of a bad line: got no error")
	}
	for v, want := range map[string]bool{
		"192.0.2.53": true, "192.0.2.0/24": true, "192.0.2.54": false, "intranet.example": true, "*.intranet.example": true,
		"a.intranet.example": false, "127.0.0.1": true, "fe80::1": true, "2606:4700:4700::1111": true, "1.0.0.0/4": true,
	} {
		term, _ := pattern.ParseTerm(v)
		if got := a.Excludes(term); got != want {
			t.Errorf("Excludes(%s) = %v, want %v", v, got, want)
		}
	}
}
