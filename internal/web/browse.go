package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/entente/entente/internal/audit"
	"github.com/entente/entente/internal/auth"
	"github.com/entente/entente/internal/pattern"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// pageSize is how many results a search page shows; scanBudget bounds the records one page of
// a listing by TLP or partner examines, so that a page stays fast at any collection size.
const (
	pageSize   = 50
	scanBudget = 5000
)

// policyView returns the viewer's view of the sharing policy and the collections they may read.
func (u *UI) policyView(ctx context.Context, s *session) (*policy.View, []store.Collection, error) {
	rc, err := auth.Recipient(ctx, u.d.Store.Orgs(), s.Principal)
	if err != nil {
		return nil, nil, internal(err)
	}
	v, err := u.d.Gate.View(ctx, rc)
	if err != nil {
		return nil, nil, internal(err)
	}
	cs, err := u.d.Store.Collections().List(ctx)
	if err != nil {
		return nil, nil, internal(err)
	}
	if !s.Principal.Self {
		cs = slices.DeleteFunc(cs, func(c store.Collection) bool { return !slices.Contains(c.Read, s.Principal.OrgID) })
	}
	return v, cs, nil
}

// row is one object in a result list.
type row struct {
	ID, Type, Name, Origin string
	Value                  string // the value an indicator names, in a search by value
	Collection             string // where the listed version is
	TLP                    stix.TLP
	Added                  int64
	Revoked                bool
}

type searchData struct {
	Q, Type, TLP, Partner, From, To, Collection string
	Collections                                 []store.Collection
	Orgs                                        []store.Org
	Types                                       []string
	TLPs                                        []stix.TLP
	Rows                                        []row
	Scanned                                     int    // records a listing examined
	IndexLag                                    bool   // the full-text index has not taken in everything yet
	ValuesLoading                               bool   // the indicator index is still loading: no lookup by value
	IndexedUntil                                int64  // the date_added it has reached, 0 for nothing yet
	Next                                        string // query string of the next page, "" for none
	Searched                                    bool
	Value                                       *valueResult
}

// valueResult answers "is this value known": the indicators naming it that the viewer may see.
type valueResult struct {
	Kind, Display string
	Hits          []row
}

// listed is every row the search page names: the listing and the hits of a search by value.
func (d *searchData) listed() []row {
	if d.Value == nil {
		return d.Rows
	}
	return append(slices.Clone(d.Rows), d.Value.Hits...)
}

var searchTypes = []string{"indicator", "report", "note", "course-of-action", "malware", "threat-actor", "intrusion-set",
	"campaign", "attack-pattern", "vulnerability", "tool", "identity", "relationship", "sighting", "observed-data"}

var allTLPs = []stix.TLP{stix.TLPClear, stix.TLPGreen, stix.TLPAmber, stix.TLPAmberStrict, stix.TLPRed}

// search lists objects of one collection the viewer may receive. With words it asks the
// full-text index (newest indexed first, paged by the index's position); without, it lists by
// date added, paged by a date_added cursor. Both are keyset pages (never an offset) and both
// restrict the query by the viewer's scope; every record shown is delivered through the policy
// first.
func (u *UI) search(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	ctx := r.Context()
	q := r.URL.Query()
	pv, colls, err := u.policyView(ctx, s)
	if err != nil {
		return err
	}
	orgs, err := u.d.Store.Orgs().List(ctx)
	if err != nil {
		return internal(err)
	}
	d := searchData{Q: strings.TrimSpace(q.Get("q")), Type: q.Get("type"), TLP: q.Get("tlp"), Partner: q.Get("partner"),
		From: q.Get("from"), To: q.Get("to"), Collection: q.Get("collection"), Collections: colls, Orgs: orgs,
		Types: searchTypes, TLPs: allTLPs}
	v.Title, v.Data = translate(v.Lang, "search.title"), &d
	if len(colls) == 0 {
		return u.render(w, http.StatusOK, v, "search")
	}
	coll := colls[0]
	for _, c := range colls {
		if c.ID == d.Collection || c.Alias == d.Collection {
			coll = c
		}
	}
	d.Collection = coll.ID
	d.Searched = len(q) > 0
	if d.Q != "" {
		if t, ok := pattern.ParseTerm(d.Q); ok && t.Kind != pattern.KindOther && u.d.Index != nil {
			if u.d.Index.Loading() {
				d.ValuesLoading = true // a partial index would show a known value as unknown
			} else {
				d.Value = u.lookupValue(ctx, pv, colls, t, orgs)
			}
		}
	}
	f := store.Filter{Collection: coll.ID, Limit: 1000, MetadataOnly: true}
	pv.Restrict(&f)
	if d.Type != "" {
		f.Types = []string{d.Type}
	}
	if t, err := time.Parse("2006-01-02", d.From); err == nil {
		f.AddedAfter = t.UnixMicro() - 1
	}
	if t, err := time.Parse("2006-01-02", d.To); err == nil {
		f.AddedBefore = t.Add(24 * time.Hour).UnixMicro()
	}
	tlp, tlpOK := stix.ParseTLP(d.TLP)
	names := orgNames(orgs)
	nq := r.URL.Query()
	nq.Set("collection", coll.ID)
	if len(store.SearchWords(d.Q)) > 0 {
		return u.fullText(w, r, v, s, pv, &d, f, tlp, tlpOK, names, nq)
	}
	if c, err := strconv.ParseInt(q.Get("after"), 10, 64); err == nil && c > f.AddedAfter {
		f.AddedAfter = c
	}
	more := true
	for more && len(d.Rows) < pageSize && d.Scanned < scanBudget {
		pg, err := u.d.Store.Objects().Query(ctx, f)
		if err != nil {
			return internal(err)
		}
		more = pg.More
		for i := range pg.Records {
			rec := &pg.Records[i]
			d.Scanned++
			f.AddedAfter = rec.DateAdded
			if tlpOK && rec.TLP != tlp || d.Partner != "" && rec.Origin.OrgID != d.Partner {
				continue
			}
			d.Rows = append(d.Rows, row{ID: rec.ID, Collection: rec.Collection, Type: rec.Type, TLP: rec.TLP, Added: rec.DateAdded,
				Revoked: rec.Revoked, Origin: names[rec.Origin.OrgID]})
			if len(d.Rows) == pageSize {
				more = more || i < len(pg.Records)-1
				break
			}
		}
		if len(pg.Records) == 0 {
			break
		}
	}
	u.fillNames(ctx, pv, d.Rows)
	if more {
		nq.Set("after", strconv.FormatInt(f.AddedAfter, 10))
		d.Next = nq.Encode()
	}
	if err := u.auditRead(ctx, s, "search", amberIDs(nil, d.listed())); err != nil {
		return err
	}
	return u.render(w, http.StatusOK, v, "search")
}

// fullText answers a search with words from the full-text index, under the same filters and
// scope as the listing. The index holds the stored text; a viewer who receives a redacted form
// is shown a match only when the words are still in what they receive.
func (u *UI) fullText(w http.ResponseWriter, r *http.Request, v *view, s *session, pv *policy.View, d *searchData, f store.Filter,
	tlp stix.TLP, tlpOK bool, names map[string]string, nq url.Values) error {
	ctx := r.Context()
	u.freshen(ctx)
	sq := store.SearchQuery{Collection: f.Collection, Text: d.Q, Scope: f.Scope, Types: f.Types, Origin: d.Partner,
		AddedAfter: f.AddedAfter, AddedBefore: f.AddedBefore, Limit: pageSize}
	if tlpOK {
		sq.TLPs = []int{int(tlp)}
	}
	if b, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64); err == nil && b > 0 {
		sq.Before = b
	}
	pg, err := u.d.Store.Search().Search(ctx, sq)
	if err != nil {
		return internal(err)
	}
	words := store.SearchWords(d.Q)
	for i := range pg.Records {
		rec := &pg.Records[i]
		out, dec, err := pv.Deliver(ctx, rec)
		if err != nil {
			return internal(err)
		}
		if !dec.Allow || dec.Form == policy.FormRedacted && !holdsWords(out, words) {
			continue
		}
		d.Rows = append(d.Rows, row{ID: rec.ID, Collection: rec.Collection, Type: rec.Type, Name: nameOf(out), TLP: rec.TLP,
			Added: rec.DateAdded, Revoked: rec.Revoked, Origin: names[rec.Origin.OrgID]})
	}
	if pg.More {
		nq.Set("before", strconv.FormatInt(pg.Next, 10))
		d.Next = nq.Encode()
	}
	p, err := u.d.Store.Search().Progress(ctx, f.Collection)
	if err != nil {
		return internal(err)
	}
	d.IndexLag, d.IndexedUntil = p.Behind(), p.Cursor
	if err := u.auditRead(ctx, s, "search", amberIDs(nil, d.listed())); err != nil {
		return err
	}
	return u.render(w, http.StatusOK, v, "search")
}

// holdsWords reports whether the text of a delivered object holds every one of words.
func holdsWords(raw []byte, words []string) bool {
	have := map[string]bool{}
	for _, w := range strings.Fields(searchText(raw)) {
		have[w] = true
	}
	for _, w := range words {
		if !have[w] {
			return false
		}
	}
	return true
}

// fillNames reads the names of listed objects (their JSON was not fetched), through the policy.
func (u *UI) fillNames(ctx context.Context, pv *policy.View, rows []row) {
	for i := range rows {
		rec, err := u.d.Store.Objects().Latest(ctx, rows[i].ID, rows[i].Collection)
		if err != nil {
			continue
		}
		if out, dec, err := pv.Deliver(ctx, &rec); err == nil && dec.Allow {
			rows[i].Name = nameOf(out)
		}
	}
}

func (u *UI) lookupValue(ctx context.Context, pv *policy.View, colls []store.Collection, t pattern.Term, orgs []store.Org) *valueResult {
	f := &pattern.Filter{View: pv, Shares: func(id string) []string {
		l, err := u.d.Store.Shares().List(context.WithoutCancel(ctx), id)
		if err != nil {
			return nil
		}
		return l
	}, Collections: []string{}}
	for _, c := range colls {
		f.Collections = append(f.Collections, c.ID)
	}
	names := orgNames(orgs)
	res := &valueResult{Kind: t.Kind.String(), Display: t.Display()}
	for _, h := range u.d.Index.Lookup(t, f) {
		res.Hits = append(res.Hits, row{ID: h.Indicator.ID, Collection: h.Indicator.Collection, Type: "indicator", Value: h.Term.Display(), TLP: h.Indicator.TLP,
			Added: h.Indicator.Added, Origin: names[h.Indicator.Origin]})
	}
	if len(res.Hits) <= pageSize {
		u.fillNames(ctx, pv, res.Hits)
	}
	return res
}

func orgNames(orgs []store.Org) map[string]string {
	m := make(map[string]string, len(orgs))
	for _, o := range orgs {
		m[o.ID] = o.Name
	}
	return m
}

// nameOf returns an object's name, or another short human title.
func nameOf(raw []byte) string {
	var p struct {
		Name, Value, Pattern, Abstract, Content string
	}
	if json.Unmarshal(raw, &p) != nil {
		return ""
	}
	for _, s := range []string{p.Name, p.Value, p.Abstract, p.Pattern, p.Content} {
		if s != "" {
			if len(s) > 120 {
				s = s[:117] + "…"
			}
			return s
		}
	}
	return ""
}

// prop is one property of an object as shown to people.
type prop struct {
	Key, Text string
	Long      bool
	HTML      template.HTML // Markdown rendered safely (description, content)
}

type objectData struct {
	Rec       store.Record
	Name      string
	Props     []prop
	JSON      string
	Versions  []store.Record
	Supplier  string
	Explain   []policy.Line
	Shares    []string
	Partners  []store.Org
	CanShare  bool
	CanEdit   bool // an own, unrevoked object of a type authored here
	Related   []related
	Sightings []sighting
	Mentions  []row // reports, groupings, notes and opinions that name the object
	// LinksPartial: relationships and sightings pointing at the object may be missing, because
	// the index of links is far behind.
	LinksPartial bool
	Graph        *graph
}

// object shows one object as the viewer may receive it.
func (u *UI) object(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	ctx := r.Context()
	id := r.PathValue("id")
	pv, colls, err := u.policyView(ctx, s)
	if err != nil {
		return err
	}
	ids := make([]string, len(colls))
	for i, c := range colls {
		ids[i] = c.ID
	}
	if len(ids) == 0 {
		return notFound()
	}
	rec, err := u.d.Store.Objects().Latest(ctx, id, ids...)
	if errors.Is(err, store.ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return internal(err)
	}
	out, dec, err := pv.Deliver(ctx, &rec)
	if err != nil {
		return internal(err)
	}
	if !dec.Allow {
		return notFound()
	}
	d := &objectData{Rec: rec, Name: nameOf(out), Props: props(out)}
	var pretty bytes.Buffer
	json.Indent(&pretty, out, "", "  ")
	d.JSON = pretty.String()
	if o, err := u.d.Store.Orgs().Get(ctx, rec.Origin.OrgID); err == nil {
		d.Supplier = o.Name
	}
	f := store.Filter{Collection: rec.Collection, IDs: []string{id}, Versions: store.VersionMatch{All: true}, Limit: 100, MetadataOnly: true}
	pv.Restrict(&f)
	if pg, err := u.d.Store.Objects().Query(ctx, f); err == nil {
		d.Versions = pg.Records
	}
	if s.Principal.Self {
		if d.Explain, err = u.d.Gate.ExplainRecord(ctx, &rec); err != nil {
			return internal(err)
		}
		if d.Shares, err = u.d.Store.Shares().List(ctx, id); err != nil {
			return internal(err)
		}
		orgs, err := u.d.Store.Orgs().List(ctx)
		if err != nil {
			return internal(err)
		}
		names := orgNames(orgs)
		for i, sh := range d.Shares {
			if n, ok := names[sh]; ok {
				d.Shares[i] = n
			}
		}
		d.Partners = slices.DeleteFunc(orgs, func(o store.Org) bool { return o.Self })
		d.CanShare = s.Principal.CanWrite()
		_, authored := kinds[rec.Type]
		d.CanEdit = d.CanShare && authored && !rec.Revoked && rec.Origin.OrgID == s.User.OrgID
	}
	var in []related
	in, d.Sightings, d.Mentions, d.LinksPartial = u.incoming(ctx, pv, rec.Collection, id)
	var read []string // the object and the mentions of AMBER or above, one entry
	if rec.TLP >= stix.TLPAmber {
		read = append(read, id)
	}
	if err := u.auditRead(ctx, s, "object page", amberIDs(read, d.Mentions)); err != nil {
		return err
	}
	d.Related, d.Graph = u.relationships(ctx, pv, &rec, out, in)
	if r.URL.Query().Get("created") != "" {
		v.Flash = translate(v.Lang, "obj.created")
	} else if r.URL.Query().Get("shared") != "" {
		v.Flash = translate(v.Lang, "obj.shared")
	}
	v.Title, v.Data = d.Name, d
	if v.Title == "" {
		v.Title = id
	}
	return u.render(w, http.StatusOK, v, "object")
}

// props lists an object's properties for people: strings as text, everything else as compact
// JSON, the identifying ones left to the page's heading.
func props(raw []byte) []prop {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		switch k {
		case "id", "type", "spec_version", "object_marking_refs":
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]prop, 0, len(keys))
	for _, k := range keys {
		var s string
		if json.Unmarshal(m[k], &s) != nil {
			s = string(m[k])
		}
		p := prop{Key: k, Text: s, Long: len(s) > 80 || strings.Contains(s, "\n")}
		if k == "description" || k == "content" {
			p.HTML = markdown(s)
		}
		out = append(out, p)
	}
	return out
}

// share names partner organisations on an object's share list.
func (u *UI) share(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	ctx := r.Context()
	id := r.PathValue("id")
	if !s.Principal.Self || !s.Principal.CanWrite() {
		return forbidden()
	}
	if _, err := u.d.Store.Objects().Latest(ctx, id); err != nil {
		return notFound()
	}
	var ids []string
	for _, ref := range r.Form["with"] {
		o, err := u.d.Store.Orgs().Get(ctx, ref)
		if err != nil || o.Self {
			return &pageError{status: http.StatusBadRequest, key: "err.invalid"}
		}
		ids = append(ids, o.ID)
	}
	if len(ids) > 0 {
		if err := u.d.Store.Shares().Add(ctx, id, ids); err != nil {
			return internal(err)
		}
		b, _ := json.Marshal(ids)
		if err := u.audit(ctx, s, "share", id, string(b)); err != nil {
			return err
		}
	}
	http.Redirect(w, r, "/objects/"+id+"?shared=1", http.StatusSeeOther)
	return nil
}

// amberIDs adds to ids the rows at AMBER or above.
func amberIDs(ids []string, rows []row) []string {
	for _, r := range rows {
		if r.TLP >= stix.TLPAmber {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// auditRead records, as one read, the objects of AMBER or above (ids) a page showed.
func (u *UI) auditRead(ctx context.Context, s *session, page string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return u.audit(ctx, s, "read", audit.IDs(ids), page)
}

// audit records a read of AMBER or above, or a change made in the interface.
func (u *UI) audit(ctx context.Context, s *session, action, object, detail string) error {
	if u.d.Audit == nil {
		return nil
	}
	decision := "done"
	if action == "read" {
		decision = "allow"
	}
	err := u.d.Audit.Record(ctx, store.AuditEntry{Actor: "org:" + s.User.OrgID + " user:" + s.User.ID, Action: action, Path: "ui",
		Object: object, Decision: decision, Detail: detail})
	if err != nil {
		return internal(err)
	}
	return nil
}
