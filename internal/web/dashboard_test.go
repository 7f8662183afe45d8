package web

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

func TestStackDays(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	names := map[string]string{}
	idx := map[string]int{}
	counts := map[[2]int]int{}
	// Origin i sends i+1 objects on day 0 and one on day 1; seven origins in all.
	for i := 0; i < 7; i++ {
		id := fmt.Sprintf("org%d", i)
		names[id], idx[id] = fmt.Sprintf("Org %d", i), i
		counts[[2]int{0, i}] = i + 1
		counts[[2]int{1, i}] = 1
	}
	segs, legend, top := stackDays("en", start, 2, counts, idx, names)
	if top != 28 {
		t.Errorf("top: got %d, want 28 (day 0)", top)
	}
	if len(legend) != stackColours+1 {
		t.Fatalf("legend: got %d entries, want %d", len(legend), stackColours+1)
	}
	if legend[0].Label != "Org 6" || legend[0].Value != 8 {
		t.Errorf("legend[0]: got %s %d, want the largest origin, Org 6 with 8", legend[0].Label, legend[0].Value)
	}
	if last := legend[stackColours]; last.Label != "others" || last.Value != (1+1)+(2+1) {
		t.Errorf("others: got %s %d, want others with 5", last.Label, last.Value)
	}
	total := 0
	for _, s := range segs {
		total += s.Value
		if s.Y < 10-0.001 || s.Y+s.H > 150.001 {
			t.Errorf("segment %s outside the plot: y %.1f h %.1f", s.Label, s.Y, s.H)
		}
	}
	if total != 28+7 {
		t.Errorf("segments add up to %d, want 35", total)
	}
}

// TestCountsNeverOverAdmit checks the hard rule of the dashboard's counts: whenever a bucket is
// counted for a recipient, the policy's decision lets that recipient receive every version in
// it, whatever the labels, share lists and embargo the bucket does not keep.
func TestCountsNeverOverAdmit(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	orgs := []string{"own", "p0", "p1", "p2", ""}
	labels := []string{"tlp-test", "phishing", "internal"}
	rapid.Check(t, func(rt *rapid.T) {
		var list []policy.Agreement
		for _, p := range []string{"p0", "p1"} {
			a := policy.Agreement{Partner: p,
				MaxTLP:       rapid.SampledFrom([]stix.TLP{stix.TLPClear, stix.TLPGreen, stix.TLPAmber, stix.TLPAmberStrict}).Draw(rt, "max"),
				Onward:       policy.OnwardSharing(rapid.IntRange(0, 1).Draw(rt, "onward")),
				PersonalData: policy.PersonalData(rapid.IntRange(0, 2).Draw(rt, "personal")),
			}
			if rapid.Bool().Draw(rt, "labels") {
				a.Labels = []string{rapid.SampledFrom(labels).Draw(rt, "label")}
			}
			if rapid.Bool().Draw(rt, "exclude labels") {
				a.ExcludeLabels = []string{rapid.SampledFrom(labels).Draw(rt, "exclude label")}
			}
			if rapid.Bool().Draw(rt, "embargo") {
				a.Embargo = time.Duration(rapid.IntRange(1, 72).Draw(rt, "hours")) * time.Hour
			}
			list = append(list, a)
		}
		ag, err := policy.NewAgreements("own", list...)
		if err != nil {
			rt.Fatal(err)
		}
		tl := newTallies(now)
		var recs []store.Record
		var facts []policy.Facts
		for i := range rapid.IntRange(1, 40).Draw(rt, "records") {
			r := store.Record{Collection: "c", ID: "indicator--" + strconv.Itoa(i), Type: rapid.SampledFrom([]string{"indicator", "report"}).Draw(rt, "type"),
				TLP:              rapid.SampledFrom([]stix.TLP{0, stix.TLPClear, stix.TLPGreen, stix.TLPAmber, stix.TLPAmberStrict, stix.TLPRed, stix.TLPUnknown}).Draw(rt, "tlp"),
				DateAdded:        now.Add(-time.Duration(rapid.IntRange(0, 96*60).Draw(rt, "minutes ago")) * time.Minute).UnixMicro(),
				Origin:           store.Provenance{OrgID: rapid.SampledFrom(orgs).Draw(rt, "origin")},
				Personal:         uint8(rapid.IntRange(0, 2).Draw(rt, "personal")),
				GranularRequired: rapid.SampledFrom([]uint8{0, 1 << stix.TLPAmber, 1 << stix.TLPRed, store.UnknownLevel}).Draw(rt, "granular"),
			}
			if rapid.Bool().Draw(rt, "labelled") {
				r.Labels = []string{rapid.SampledFrom(labels).Draw(rt, "label")}
			}
			var shares []string
			if rapid.Bool().Draw(rt, "shared") {
				shares = []string{rapid.SampledFrom([]string{"p0", "p1"}).Draw(rt, "share")}
			}
			tl.add(&r)
			tlp := r.TLP
			if tlp == 0 {
				tlp = stix.TLPUnknown
			}
			recs = append(recs, r)
			facts = append(facts, policy.Facts{Type: r.Type, TLP: tlp, Labels: r.Labels, Origin: r.Origin.OrgID, Added: time.UnixMicro(r.DateAdded),
				Shares: shares, Personal: policy.PersonalClass(r.Personal), GranularRequired: policy.LevelsOfStore(r.GranularRequired)})
		}
		for _, rc := range []policy.Recipient{{Kind: policy.KindPartner, OrgID: "p0"}, {Kind: policy.KindPartner, OrgID: "p1"},
			{Kind: policy.KindPartner, OrgID: "p2"}, {Kind: policy.KindPublic}, {Kind: policy.KindMember, Role: policy.RoleReader}, {Kind: policy.KindSelf}} {
			sc := policy.ScopeOf(rc, ag, now)
			ok, by := admits(&sc, tl)
			for i, r := range recs {
				k := bucketKey{coll: r.Collection, day: day(r.DateAdded), facts: tl.index[factsOf(&r)]}
				counted := ok[k.facts] && (by == 0 || tl.buckets[k].last <= by)
				if counted && !policy.Decide(rc, facts[i], ag, now).Allow {
					rt.Fatalf("%+v: counted %+v, which the policy withholds", rc, facts[i])
				}
			}
		}
	})
}

// TestDashboardSaysItCountsVersions: the dashboard counts versions added, and says so in both
// languages, next to charts named for arrivals, not objects.
func TestDashboardSaysItCountsVersions(t *testing.T) {
	f := newFixture(t)
	c, _ := f.signIn()
	coll, _ := f.st.Collections().Get(context.Background(), "default")
	now := f.clock.now()
	var raws [][]byte
	for v := range 3 {
		at := stixTime(now.Add(time.Duration(v-3) * time.Minute))
		raws = append(raws, []byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--2f4a7a2e-3b1c-4d5e-8f9a-0b1c2d3e4f5a","created":"`+
			stixTime(now.Add(-time.Hour))+`","modified":"`+at+`","name":"Relay","pattern":"[domain-name:value = 'relay.example']","pattern_type":"stix","valid_from":"`+
			at+`","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}`))
	}
	if _, err := f.ui.d.Ingester.Add(context.Background(), coll.ID, raws, store.Provenance{OrgID: f.self.ID, Via: "import"}); err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string][]string{
		"en": {"Arrivals by type", "counts three times"},
		"de": {"Eingänge nach Typ", "zählt dreimal"},
	} {
		_, body := f.do(c, "GET", "/", nil, "Accept-Language", lang)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s dashboard lacks %q", lang, w)
			}
		}
		if strings.Contains(body, "Objects by type") {
			t.Errorf("%s dashboard still calls versions objects", lang)
		}
	}
}
