package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

var (
	scopeTypes  = []string{"indicator", "malware", "tool", "campaign"}
	scopeLabels = []string{"share", "internal", "phishing", "apt"}
	scopeTLPs   = []stix.TLP{0, stix.TLPClear, stix.TLPGreen, stix.TLPAmber, stix.TLPAmberStrict, stix.TLPRed, stix.TLPUnknown, 9}
)

// scopeWorld is what the scope property test draws from: the own organisation and partners
// stored in the store, and the origins objects may come from.
type scopeWorld struct {
	own        store.Org
	partners   []store.Org
	origins    []string // own, partners, an organisation the store does not know, unknown ("")
	recipients []string // partner org and identity ids, and a stranger, for share lists
}

func newScopeWorld(t *testing.T, s store.Store) scopeWorld {
	ctx := context.Background()
	var w scopeWorld
	var err error
	w.own, err = s.Orgs().Create(ctx, store.Org{Name: "Own CERT", Self: true, IdentityID: "identity--" + store.NewUUID()})
	must(t, "Create own org", err)
	w.origins = append(w.origins, w.own.ID)
	for i := range 4 {
		p, err := s.Orgs().Create(ctx, store.Org{Name: fmt.Sprintf("Partner %d", i), IdentityID: "identity--" + store.NewUUID()})
		must(t, "Create partner", err)
		w.partners = append(w.partners, p)
		w.origins = append(w.origins, p.ID)
		w.recipients = append(w.recipients, p.ID, p.IdentityID)
	}
	w.origins = append(w.origins, store.NewUUID(), "")
	w.recipients = append(w.recipients, "stranger")
	return w
}

// subset draws a subset of from.
func subset(t *rapid.T, label string, from []string) []string {
	var out []string
	for _, s := range from {
		if rapid.IntRange(0, 3).Draw(t, label) == 0 {
			out = append(out, s)
		}
	}
	return out
}

// rarely draws a subset of from one time in four and nothing otherwise, so that an agreement's
// content filters, which stack, leave something to see.
func rarely(t *rapid.T, label string, from []string) []string {
	if rapid.IntRange(0, 3).Draw(t, label+"?") > 0 {
		return nil
	}
	return subset(t, label, from)
}

// drawHours draws a time on an hour grid around base, so that bounds and embargoes fall exactly
// on the instants objects were added now and then.
func drawHours(t *rapid.T, label string, base time.Time, lo, hi int) time.Time {
	return base.Add(time.Duration(rapid.IntRange(lo, hi).Draw(t, label)) * time.Hour)
}

// drawScopeObject draws one object version with random facts; id is typ--uuid.
func drawScopeObject(t *rapid.T, w scopeWorld, typ, uuid string, version int) store.NewObject {
	labels := subset(t, "labels", scopeLabels)
	props := append([]string{fmt.Sprintf(`"type": %q, "spec_version": "2.1", "id": "%s--%s", "created": %q, "modified": %q, "name": "o"`,
		typ, typ, uuid, ver(0), ver(version))}, requiredProps[typ]...)
	if len(labels) > 0 {
		props = append(props, fmt.Sprintf(`"labels": ["%s"]`, strings.Join(labels, `", "`)))
	}
	o, err := stix.Decode([]byte("{" + strings.Join(props, ", ") + "}"))
	if err != nil {
		t.Fatalf("decode drawn object: %v", err)
	}
	n := store.NewObject{
		Object:   o,
		TLP:      rapid.SampledFrom(scopeTLPs).Draw(t, "tlp"),
		Origin:   store.Provenance{OrgID: w.origins[0], Via: "import"},
		Personal: uint8(rapid.IntRange(0, 2).Draw(t, "personal")),
		Shares:   subset(t, "shares", w.recipients),
	}
	if rapid.Bool().Draw(t, "foreign") { // else from the own organisation, whose objects have the most rules
		n.Origin.OrgID = rapid.SampledFrom(w.origins).Draw(t, "origin")
	}
	if rapid.IntRange(0, 2).Draw(t, "granular") == 0 {
		// policy.Levels: bits 1 to 5 for the levels, bit 6 for Unknown.
		n.GranularRequired = uint8(rapid.IntRange(0, 127).Draw(t, "granular required")) &^ 1
		n.GranularOptional = uint8(rapid.IntRange(0, 127).Draw(t, "granular optional")) &^ 1
	}
	return n
}

// drawAgreements draws agreements with some of the partners, bounded and embargoed around base.
func drawAgreements(t *rapid.T, w scopeWorld, base time.Time, span int) []policy.Agreement {
	var out []policy.Agreement
	for _, p := range w.partners {
		if rapid.IntRange(0, 4).Draw(t, "has agreement") == 0 {
			continue
		}
		a := policy.Agreement{
			Partner:       p.ID,
			MaxTLP:        rapid.SampledFrom([]stix.TLP{0, stix.TLPClear, stix.TLPGreen, stix.TLPAmber, stix.TLPAmberStrict}).Draw(t, "max"),
			Onward:        policy.OnwardSharing(rapid.IntRange(0, 1).Draw(t, "onward")),
			PersonalData:  policy.PersonalData(rapid.IntRange(0, 2).Draw(t, "personal data")),
			Types:         rarely(t, "types", scopeTypes),
			ExcludeTypes:  rarely(t, "exclude types", scopeTypes),
			Labels:        rarely(t, "labels", scopeLabels),
			ExcludeLabels: rarely(t, "exclude labels", scopeLabels),
		}
		if rapid.IntRange(0, 3).Draw(t, "has from") == 0 {
			a.ValidFrom = drawHours(t, "from", base, -2, span+2)
		}
		if rapid.IntRange(0, 3).Draw(t, "has until") == 0 {
			a.ValidUntil = drawHours(t, "until", base, -2, span+2)
			if !a.ValidFrom.IsZero() && !a.ValidUntil.After(a.ValidFrom) {
				a.ValidUntil = a.ValidFrom.Add(time.Hour)
			}
		}
		if rapid.Bool().Draw(t, "has embargo") {
			a.Embargo = time.Duration(rapid.IntRange(1, span+1).Draw(t, "embargo")) * time.Hour
		}
		out = append(out, a)
	}
	return out
}

// drawRecipient draws a recipient of any kind, valid or not.
func drawRecipient(t *rapid.T, w scopeWorld) policy.Recipient {
	switch rapid.IntRange(0, 9).Draw(t, "recipient kind") {
	case 0:
		return policy.Recipient{Kind: policy.KindSelf}
	case 1:
		return policy.Recipient{Kind: policy.KindMember, Role: rapid.SampledFrom([]string{policy.RoleAdmin, policy.RoleAnalyst, policy.RoleReader, "guest"}).Draw(t, "role")}
	case 2:
		return policy.Recipient{Kind: policy.KindPublic}
	case 3:
		return policy.Recipient{Kind: policy.KindPartner, OrgID: rapid.SampledFrom([]string{"", w.own.ID, "stranger"}).Draw(t, "odd partner")}
	case 4:
		return policy.Recipient{}
	}
	p := rapid.SampledFrom(w.partners).Draw(t, "partner")
	r := policy.Recipient{Kind: policy.KindPartner, OrgID: p.ID}
	if rapid.Bool().Draw(t, "with identity") {
		r.IdentityID = p.IdentityID
	}
	return r
}

// drawScope draws a policy scope with every field random, levels including Unknown, AddedBy at
// or about the time a record was added.
func drawScope(t *rapid.T, w scopeWorld, recs []store.Record) policy.Scope {
	levels := func(label string) policy.Levels {
		return policy.Levels(rapid.IntRange(0, 127).Draw(t, label)) &^ 1
	}
	s := policy.Scope{
		Nothing:       rapid.IntRange(0, 9).Draw(t, "nothing") == 0,
		Own:           rapid.SampledFrom([]string{w.own.ID, w.own.ID, ""}).Draw(t, "own"),
		OwnLevels:     levels("own levels"),
		NamedLevels:   levels("named levels"),
		Named:         subset(t, "named", w.recipients),
		Onward:        subset(t, "onward", w.origins),
		OnwardLevels:  levels("onward levels"),
		OtherLevels:   levels("other levels"),
		Types:         rarely(t, "types", scopeTypes),
		ExcludeTypes:  rarely(t, "exclude types", scopeTypes),
		Labels:        rarely(t, "labels", scopeLabels),
		ExcludeLabels: rarely(t, "exclude labels", scopeLabels),
		PersonalMax:   policy.PersonalClass(rapid.IntRange(0, 2).Draw(t, "personal max")),
	}
	if rapid.IntRange(0, 3).Draw(t, "exclude origin") == 0 {
		s.ExcludeOrigin = rapid.SampledFrom(w.origins).Draw(t, "excluded origin")
	}
	if len(recs) > 0 && rapid.IntRange(0, 2).Draw(t, "embargo") == 0 {
		at := store.TimeFromMicro(rapid.SampledFrom(recs).Draw(t, "added by").DateAdded)
		s.AddedBy = at.Add(time.Duration(rapid.IntRange(-1, 1).Draw(t, "ns")) * time.Nanosecond)
	}
	return s
}

// putAgreements makes the store's agreements exactly list, and returns them as the policy reads
// them back from the store.
func putAgreements(t *rapid.T, s store.Store, w scopeWorld, list []policy.Agreement) *policy.Agreements {
	ctx := context.Background()
	for _, p := range w.partners {
		i := slices.IndexFunc(list, func(a policy.Agreement) bool { return a.Partner == p.ID })
		if i < 0 {
			if err := s.Agreements().Remove(ctx, p.ID); err != nil && !strings.Contains(err.Error(), store.ErrNotFound.Error()) {
				t.Fatalf("Remove agreement: %v", err)
			}
			continue
		}
		if err := s.Agreements().Put(ctx, policy.ToStore(list[i], time.Time{})); err != nil {
			t.Fatalf("Put agreement: %v", err)
		}
	}
	stored, err := s.Agreements().List(ctx)
	if err != nil {
		t.Fatalf("List agreements: %v", err)
	}
	var back []policy.Agreement
	for _, a := range stored {
		pa, err := policy.FromStore(a)
		if err != nil {
			t.Fatalf("stored agreement: %v", err)
		}
		back = append(back, pa)
	}
	if len(back) != len(list) {
		t.Fatalf("List agreements: got %d, want %d", len(back), len(list))
	}
	ag, err := policy.NewAgreements(w.own.ID, back...)
	if err != nil {
		t.Fatalf("agreements read back: %v", err)
	}
	for _, want := range list {
		got, _ := ag.Get(want.Partner)
		if fmt.Sprint(policy.ToStore(got, time.Time{})) != fmt.Sprint(policy.ToStore(want, time.Time{})) && !sameAgreement(policy.ToStore(got, time.Time{}), policy.ToStore(want, time.Time{})) {
			t.Fatalf("agreement read back:\n got %+v\nwant %+v", got, want)
		}
	}
	return ag
}

// factsOf returns the policy facts of a stored record whose object's share list is shares.
func factsOf(r store.Record, shares []string) policy.Facts {
	return policy.Facts{
		Type:             r.Type,
		TLP:              r.TLP,
		Labels:           r.Labels,
		Origin:           r.Origin.OrgID,
		Added:            store.TimeFromMicro(r.DateAdded),
		Shares:           shares,
		Personal:         policy.PersonalClass(r.Personal),
		GranularOptional: policy.Levels(r.GranularOptional),
		GranularRequired: policy.Levels(r.GranularRequired),
	}
}

// scanAll returns every record f selects, by pages of limit, checking Page.More on the way.
func scanAll(t *rapid.T, s store.Store, f store.Filter, limit int) []store.Record {
	var out []store.Record
	f.Limit = limit
	for {
		p, err := s.Objects().Query(context.Background(), f)
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		out = append(out, p.Records...)
		if !p.More {
			return out
		}
		if len(p.Records) != limit {
			t.Fatalf("page of %d records with More, want a full page of %d", len(p.Records), limit)
		}
		f.AddedAfter = p.Records[len(p.Records)-1].DateAdded
	}
}

// recordKeys names records by id and date_added.
func recordKeys(rs []store.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = fmt.Sprintf("%s@%d", r.ID, r.DateAdded)
	}
	return out
}

// testScope is the property test of Filter.Scope: for random objects, agreements, recipients and
// moments, Query with the store form of policy.ScopeOf returns exactly the records whose facts
// policy.Scope.Admits (and policy.Decide allows), whole and page by page.
func testScope(t *testing.T, s store.Store) {
	ctx := context.Background()
	w := newScopeWorld(t, s)
	var mu sync.Mutex
	var now time.Time
	clocked, hasClock := s.(Clocked)
	if hasClock {
		clocked.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	}
	pairs, scoped := 0, 0
	rapid.Check(t, func(rt *rapid.T) {
		c, err := s.Collections().Create(ctx, store.Collection{Title: "scope " + store.NewUUID()})
		if err != nil {
			rt.Fatalf("Create collection: %v", err)
		}
		// Objects, some in several versions, added in batches an hour apart.
		var batches [][]store.NewObject
		var stored []store.NewObject
		shares := map[string][]string{}
		nobj := rapid.IntRange(5, 50).Draw(rt, "objects")
		nbatch := rapid.IntRange(1, 6).Draw(rt, "batches")
		batches = make([][]store.NewObject, nbatch)
		for range nobj {
			typ, id := rapid.SampledFrom(scopeTypes).Draw(rt, "type"), store.NewUUID()
			for v := range rapid.IntRange(1, 3).Draw(rt, "versions") {
				n := drawScopeObject(rt, w, typ, id, v+1)
				b := rapid.IntRange(0, nbatch-1).Draw(rt, "batch")
				batches[b] = append(batches[b], n)
			}
		}
		start := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
		for i, b := range batches {
			mu.Lock()
			now = start.Add(time.Duration(i) * time.Hour)
			mu.Unlock()
			outs, err := s.Objects().Add(ctx, c.ID, b)
			if err != nil {
				rt.Fatalf("Add: %v", err)
			}
			for j, o := range outs {
				if o == store.Accepted {
					stored = append(stored, b[j])
					id := b[j].Object.ID
					shares[id] = append(shares[id], b[j].Shares...)
				}
			}
		}
		// Shares named later, by the share list alone.
		for _, n := range stored {
			if rapid.IntRange(0, 5).Draw(rt, "share later") == 0 {
				more := subset(rt, "later shares", w.recipients)
				if err := s.Shares().Add(ctx, n.Object.ID, more); err != nil {
					rt.Fatalf("Shares.Add: %v", err)
				}
				shares[n.Object.ID] = append(shares[n.Object.ID], more...)
			}
		}
		for id, l := range shares {
			slices.Sort(l)
			shares[id] = slices.Compact(l)
		}
		if len(stored) > 0 {
			id := rapid.SampledFrom(stored).Draw(rt, "checked share list").Object.ID
			got, err := s.Shares().List(ctx, id)
			if err != nil || !slices.Equal(got, shares[id]) {
				rt.Fatalf("share list of %s: got %v, %v, want %v", id, got, err, shares[id])
			}
		}

		all := scanAll(rt, s, store.Filter{Collection: c.ID, Versions: store.VersionMatch{All: true}}, store.MaxLimit)
		last := scanAll(rt, s, store.Filter{Collection: c.ID}, store.MaxLimit)
		if len(all) != len(stored) {
			rt.Fatalf("stored %d versions, Query returns %d", len(stored), len(all))
		}
		checkStoredFacts(rt, all, stored)
		base := start
		if len(all) > 0 {
			base = store.TimeFromMicro(all[0].DateAdded).Truncate(time.Hour)
		}

		ag := putAgreements(rt, s, w, drawAgreements(rt, w, base, nbatch))
		for range rapid.IntRange(1, 6).Draw(rt, "scopes") {
			r := drawRecipient(rt, w)
			at := drawHours(rt, "now", base, -1, nbatch+2)
			if rapid.Bool().Draw(rt, "off the hour") {
				at = at.Add(time.Duration(rapid.IntRange(-5, 5).Draw(rt, "µs")) * time.Microsecond)
			}
			ref, versions := last, store.VersionMatch{}
			if rapid.Bool().Draw(rt, "all versions") {
				ref, versions = all, store.VersionMatch{All: true}
			}
			if a, ok := ag.Get(r.OrgID); ok && a.Embargo > 0 && rapid.Bool().Draw(rt, "at an embargo's end") {
				// Move now so that the embargo ends exactly when a record the scope would admit
				// without it was added.
				open := policy.ScopeOf(r, ag, at)
				open.AddedBy = time.Time{}
				var fit []store.Record
				for _, rec := range ref {
					if open.Admits(factsOf(rec, shares[rec.ID])) {
						fit = append(fit, rec)
					}
				}
				if len(fit) > 0 {
					at = store.TimeFromMicro(rapid.SampledFrom(fit).Draw(rt, "embargo ends at").DateAdded).Add(a.Embargo)
				}
			}
			ps := policy.ScopeOf(r, ag, at)
			random := rapid.IntRange(0, 3).Draw(rt, "random scope") == 0
			if random {
				// A scope no recipient has, to reach every part of its translation.
				ps = drawScope(rt, w, all)
			}
			f := store.Filter{Collection: c.ID, Scope: ps.StoreScope(), Versions: versions}
			var want []store.Record
			for _, rec := range ref {
				facts := factsOf(rec, shares[rec.ID])
				admits := ps.Admits(facts)
				if d := policy.Decide(r, facts, ag, at); !random && d.Allow != admits {
					rt.Fatalf("%+v, %+v at %s: Admits %v, Decide %v (%s)", r, facts, at, admits, d.Allow, d.Rule)
				}
				if admits {
					want = append(want, rec)
				}
			}
			pairs += len(ref)
			scoped += len(want)
			got := scanAll(rt, s, f, store.MaxLimit)
			if g, w := recordKeys(got), recordKeys(want); !slices.Equal(g, w) {
				rt.Fatalf("recipient %+v at %s, scope %+v:\n got %v\nwant %v", r, at, f.Scope, g, w)
			}
			if !rapid.Bool().Draw(rt, "paged") {
				continue
			}
			limit := rapid.IntRange(1, 4).Draw(rt, "limit") + len(want)/3
			if g, w := recordKeys(scanAll(rt, s, f, limit)), recordKeys(want); !slices.Equal(g, w) {
				rt.Fatalf("recipient %+v at %s, pages of %d:\n got %v\nwant %v", r, at, limit, g, w)
			}
		}
	})
	t.Logf("%d (record, scope) pairs checked, %d admitted", pairs, scoped)
	if pairs < 1000 {
		t.Errorf("checked %d (record, scope) pairs, want at least 1000", pairs)
	}
}

// checkStoredFacts fails unless every record carries the facts its object was added with (the
// records and the accepted objects are both in order of addition).
func checkStoredFacts(t *rapid.T, recs []store.Record, objs []store.NewObject) {
	for i, r := range recs {
		n := objs[i]
		want := store.Record{ID: n.Object.ID, TLP: n.StoredTLP(), Labels: n.Object.Labels, Origin: n.Origin,
			Personal: n.Personal, GranularRequired: n.GranularRequired, GranularOptional: n.GranularOptional}
		got := store.Record{ID: r.ID, TLP: r.TLP, Labels: r.Labels, Origin: r.Origin,
			Personal: r.Personal, GranularRequired: r.GranularRequired, GranularOptional: r.GranularOptional}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("record %d facts:\n got %+v\nwant %+v", i, got, want)
		}
	}
}
