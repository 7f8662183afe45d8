package policy

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// StoreScope returns the scope in the store's terms, for Filter.Scope: nil (no condition) when
// it admits everything. Levels move the Unknown bit to store.UnknownLevel, and AddedBy becomes
// whole microseconds, rounded down as date_added <= AddedBy requires.
func (s Scope) StoreScope() *store.Scope {
	if s.All {
		return nil
	}
	out := &store.Scope{
		Nothing: s.Nothing,
		Own:     s.Own, OwnLevels: storeLevels(s.OwnLevels),
		NamedLevels: storeLevels(s.NamedLevels), Named: s.Named,
		Onward: s.Onward, OnwardLevels: storeLevels(s.OnwardLevels), OtherLevels: storeLevels(s.OtherLevels),
		ExcludeOrigin: s.ExcludeOrigin,
		Types:         s.Types, ExcludeTypes: s.ExcludeTypes, Labels: s.Labels, ExcludeLabels: s.ExcludeLabels,
		PersonalMax: uint8(s.PersonalMax),
	}
	if !s.AddedBy.IsZero() {
		out.AddedBy = s.AddedBy.UnixMicro()
		if out.AddedBy <= 0 {
			// Nothing was added at or before the epoch, and 0 would mean no embargo.
			out.Nothing = true
		}
	}
	return out
}

// storeLevels converts a Levels mask to the store's: bit t for TLP t, and store.UnknownLevel.
func storeLevels(l Levels) uint8 {
	var out uint8
	for t := stix.TLPClear; t <= stix.TLPRed; t++ {
		if l.Has(t) {
			out |= 1 << t
		}
	}
	if l.Has(stix.TLPUnknown) {
		out |= store.UnknownLevel
	}
	return out
}

// FromStore converts a stored agreement; empty choices are the policy's defaults (no onward
// sharing, personal data redacted).
func FromStore(a store.Agreement) (Agreement, error) {
	out := Agreement{
		Partner: a.PartnerID, MaxTLP: a.MaxTLP, ValidFrom: a.ValidFrom, ValidUntil: a.ValidUntil,
		Types: a.Types, ExcludeTypes: a.ExcludeTypes, Labels: a.Labels, ExcludeLabels: a.ExcludeLabels,
		Embargo: a.Embargo,
	}
	var err error
	if a.OnwardSharing != "" {
		if out.Onward, err = ParseOnwardSharing(a.OnwardSharing); err != nil {
			return out, fmt.Errorf("agreement with %s: %w", a.PartnerID, err)
		}
	}
	if a.PersonalData != "" {
		if out.PersonalData, err = ParsePersonalData(a.PersonalData); err != nil {
			return out, fmt.Errorf("agreement with %s: %w", a.PartnerID, err)
		}
	}
	return out, nil
}

// ToStore converts an agreement for storage.
func ToStore(a Agreement, updated time.Time) store.Agreement {
	return store.Agreement{
		PartnerID: a.Partner, MaxTLP: a.MaxTLP, ValidFrom: a.ValidFrom, ValidUntil: a.ValidUntil,
		Types: a.Types, ExcludeTypes: a.ExcludeTypes, Labels: a.Labels, ExcludeLabels: a.ExcludeLabels,
		Embargo: a.Embargo, OnwardSharing: a.Onward.String(), PersonalData: a.PersonalData.String(),
		UpdatedAt: updated,
	}
}

// Gate answers the policy question for the node's read paths, against its store: which
// records a recipient may receive (as a query scope) and in what form each one goes out.
type Gate struct {
	Store  store.Store
	Config Config
	Own    string // the own organisation's id
	Now    func() time.Time
}

func (g *Gate) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// Agreements loads the agreements in force or not, as the policy sees them.
func (g *Gate) Agreements(ctx context.Context) (*Agreements, error) {
	list, err := g.Store.Agreements().List(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading agreements: %w", err)
	}
	as := make([]Agreement, 0, len(list))
	for _, a := range list {
		pa, err := FromStore(a)
		if err != nil {
			return nil, err
		}
		as = append(as, pa)
	}
	return NewAgreements(g.Own, as...)
}

// View is one recipient's view of the store at one moment: its scope and the agreements it was
// computed from, so that every record of a request is judged by the same state.
type View struct {
	g         *Gate
	Recipient Recipient
	Agreement *Agreements
	Now       time.Time
	Scope     Scope

	mu     sync.Mutex
	shares map[string][]string // share lists read ahead by Prepare, for one page
}

// View returns the recipient's view now.
func (g *Gate) View(ctx context.Context, r Recipient) (*View, error) {
	ag, err := g.Agreements(ctx)
	if err != nil {
		return nil, err
	}
	now := g.now()
	return &View{g: g, Recipient: r, Agreement: ag, Now: now, Scope: ScopeOf(r, ag, now)}, nil
}

// Restrict narrows a store filter to what the recipient may receive.
func (v *View) Restrict(f *store.Filter) {
	f.Scope = v.Scope.StoreScope()
}

// FactsOfRecord returns the policy facts of a stored record. The share list is read only when it
// can matter (RED or unknown content of the own organisation).
func (v *View) FactsOfRecord(ctx context.Context, rec *store.Record) (Facts, error) {
	f := Facts{
		Type: rec.Type, TLP: rec.TLP, Labels: rec.Labels, Origin: rec.Origin.OrgID,
		Added: time.UnixMicro(rec.DateAdded), Personal: PersonalClass(rec.Personal),
		GranularOptional: fromStoreLevels(rec.GranularOptional), GranularRequired: fromStoreLevels(rec.GranularRequired),
	}
	if f.TLP == 0 {
		f.TLP = stix.TLPUnknown
	}
	if needsShares(rec) {
		v.mu.Lock()
		shares, ok := v.shares[rec.ID]
		v.mu.Unlock()
		if !ok {
			var err error
			if shares, err = v.g.Store.Shares().List(ctx, rec.ID); err != nil {
				return f, fmt.Errorf("share list of %s: %w", rec.ID, err)
			}
		}
		f.Shares = shares
	}
	return f, nil
}

// needsShares reports whether a record's decision can depend on its share list: RED content, or
// RED parts.
func needsShares(rec *store.Record) bool {
	return rec.TLP == stix.TLPRed || (rec.GranularOptional|rec.GranularRequired)&(1<<stix.TLPRed) != 0
}

// Prepare reads the share lists of a page of records in one query, for the Deliver and
// FactsOfRecord calls on them that follow; it replaces what an earlier Prepare read, so memory
// stays one page's worth. Without it each RED record costs a query of its own.
func (v *View) Prepare(ctx context.Context, recs []store.Record) error {
	var ids []string
	for i := range recs {
		if needsShares(&recs[i]) {
			ids = append(ids, recs[i].ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	many, err := v.g.Store.Shares().ListMany(ctx, ids)
	if err != nil {
		return fmt.Errorf("share lists of a page: %w", err)
	}
	m := make(map[string][]string, len(ids))
	for _, id := range ids {
		m[id] = many[id] // nil: known to have none
	}
	v.mu.Lock()
	v.shares = m
	v.mu.Unlock()
	return nil
}

func fromStoreLevels(l uint8) Levels {
	var out Levels
	for t := stix.TLPClear; t <= stix.TLPRed; t++ {
		if l&(1<<t) != 0 {
			out |= levelBit(t)
		}
	}
	if l&store.UnknownLevel != 0 {
		out |= levelBit(stix.TLPUnknown)
	}
	return out
}

// Deliver decides one record for the recipient and returns the bytes it receives: the stored
// JSON, or a redacted copy. A record the decision does not allow (which a correct scope never
// lets through, but redaction may still withhold) comes back with d.Allow false and must be left
// out.
func (v *View) Deliver(ctx context.Context, rec *store.Record) (out []byte, d Decision, err error) {
	f, err := v.FactsOfRecord(ctx, rec)
	if err != nil {
		return nil, d, err
	}
	d = Decide(v.Recipient, f, v.Agreement, v.Now)
	if !d.Allow {
		return nil, d, nil
	}
	if d.Form != FormRedacted || rec.Raw == nil {
		return rec.Raw, d, nil
	}
	o, err := stix.Decode(rec.Raw)
	if err != nil {
		return nil, d, fmt.Errorf("stored object %s no longer decodes: %w", rec.ID, err)
	}
	b, err := Redact(o, d, v.g.Config)
	if errors.Is(err, ErrWithheld) {
		d.Allow, d.Form = false, FormWithheld
		return nil, d, nil
	}
	return b, d, err
}

// Fill sets the policy columns of a new object from its facts: effective TLP, personal data
// class, granular levels and the recipients named in the object itself.
func (c Config) Fill(n *store.NewObject) {
	f := FactsOf(n.Object, n.Origin.OrgID, time.Time{}, nil, c)
	n.TLP = f.TLP
	n.Personal = uint8(f.Personal)
	n.GranularRequired = storeLevels(f.GranularRequired)
	n.GranularOptional = storeLevels(f.GranularOptional)
	n.Shares = f.Shares
}

// Line is one recipient's answer in an explanation: receives or not, in what form, and why.
type Line struct {
	Org      string `json:"org"`
	OrgID    string `json:"org_id,omitempty"`
	Kind     string `json:"kind"`
	Receives bool   `json:"receives"`
	Form     string `json:"form"`
	Rule     string `json:"rule"`
	Reason   string `json:"reason"`
}

// ExplainRecord decides a stored record for every organisation the node knows (the own
// organisation as its readers, every partner) and for the public.
func (g *Gate) ExplainRecord(ctx context.Context, rec *store.Record) ([]Line, error) {
	orgs, err := g.Store.Orgs().List(ctx)
	if err != nil {
		return nil, err
	}
	ag, err := g.Agreements(ctx)
	if err != nil {
		return nil, err
	}
	now := g.now()
	v := &View{g: g, Agreement: ag, Now: now}
	f, err := v.FactsOfRecord(ctx, rec)
	if err != nil {
		return nil, err
	}
	var out []Line
	add := func(name, orgID string, r Recipient) {
		d := Decide(r, f, ag, now)
		out = append(out, Line{Org: name, OrgID: orgID, Kind: r.Kind.String(), Receives: d.Allow, Form: d.Form.String(), Rule: string(d.Rule), Reason: d.Reason})
	}
	for _, o := range orgs {
		if o.Self {
			add(o.Name+" (own organisation, readers)", o.ID, Recipient{Kind: KindMember, Role: RoleReader})
			continue
		}
		add(o.Name, o.ID, Recipient{Kind: KindPartner, OrgID: o.ID, IdentityID: o.IdentityID})
	}
	add("public (open data)", "", Recipient{Kind: KindPublic})
	return out, nil
}
