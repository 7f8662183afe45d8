package policy

import (
	"context"
	"slices"
	"testing"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// shareCounter is a share store that counts its queries.
type shareCounter struct {
	store.ShareStore
	shares      map[string][]string
	lists, many int
}

func (s *shareCounter) List(_ context.Context, id string) ([]string, error) {
	s.lists++
	return s.shares[id], nil
}

func (s *shareCounter) ListMany(_ context.Context, ids []string) (map[string][]string, error) {
	s.many++
	out := map[string][]string{}
	for _, id := range ids {
		if l := s.shares[id]; l != nil {
			out[id] = l
		}
	}
	return out, nil
}

type agreementList struct {
	store.AgreementStore
	list []store.Agreement
}

func (a agreementList) List(context.Context) ([]store.Agreement, error) { return a.list, nil }

type fakeStore struct {
	store.Store
	shares *shareCounter
	ag     agreementList
}

func (f fakeStore) Shares() store.ShareStore         { return f.shares }
func (f fakeStore) Agreements() store.AgreementStore { return f.ag }

// TestPrepareReadsSharesOnce checks that a prepared page is decided exactly as record by record,
// with one share query for the page instead of one per RED record, and that a record outside
// the page still has its share list read.
func TestPrepareReadsSharesOnce(t *testing.T) {
	ctx := context.Background()
	shares := &shareCounter{shares: map[string][]string{"indicator--1": {"org-p"}, "indicator--4": {"org-p"}}}
	st := fakeStore{shares: shares, ag: agreementList{list: []store.Agreement{{PartnerID: "org-p", MaxTLP: stix.TLPAmber}}}}
	g := &Gate{Store: st, Own: "org-own"}
	page := []store.Record{
		{ID: "indicator--1", Type: "indicator", TLP: stix.TLPRed, Origin: store.Provenance{OrgID: "org-own"}, Raw: []byte(`{}`)},
		{ID: "indicator--2", Type: "indicator", TLP: stix.TLPRed, Origin: store.Provenance{OrgID: "org-own"}, Raw: []byte(`{}`)},
		{ID: "indicator--3", Type: "indicator", TLP: stix.TLPGreen, Origin: store.Provenance{OrgID: "org-own"}, Raw: []byte(`{}`)},
	}
	partner := Recipient{Kind: KindPartner, OrgID: "org-p"}
	decide := func(v *View) []bool {
		var out []bool
		for i := range page {
			_, d, err := v.Deliver(ctx, &page[i])
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, d.Allow)
		}
		return out
	}
	v, err := g.View(ctx, partner)
	if err != nil {
		t.Fatal(err)
	}
	one := decide(v)
	if want := []bool{true, false, true}; !slices.Equal(one, want) {
		t.Fatalf("record by record: allowed %v, want %v", one, want)
	}
	if shares.lists != 2 {
		t.Errorf("record by record: %d share queries, want 2 (one per RED record)", shares.lists)
	}
	shares.lists = 0
	v, err = g.View(ctx, partner)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Prepare(ctx, page); err != nil {
		t.Fatal(err)
	}
	if got := decide(v); !slices.Equal(got, one) {
		t.Errorf("prepared: allowed %v, want %v", got, one)
	}
	if shares.lists != 0 || shares.many != 1 {
		t.Errorf("prepared: %d single and %d page queries, want 0 and 1", shares.lists, shares.many)
	}
	other := store.Record{ID: "indicator--4", Type: "indicator", TLP: stix.TLPRed, Origin: store.Provenance{OrgID: "org-own"}, Raw: []byte(`{}`)}
	if _, d, err := v.Deliver(ctx, &other); err != nil || !d.Allow || shares.lists != 1 {
		t.Errorf("a record outside the prepared page: allow %v, err %v, %d single queries (want allowed, 1)", d.Allow, err, shares.lists)
	}
}
