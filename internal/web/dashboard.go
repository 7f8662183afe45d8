package web

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// dashWindow is the period the dashboard counts.
const dashWindow = 30 * 24 * time.Hour

// bar is one bar of a chart, laid out for inline SVG.
type bar struct {
	Label string
	Value int
	Class string
	X, Y  float64 // position
	W, H  float64 // size
}

type dashData struct {
	ByType, ByTLP, ByOrigin []bar
	// PerDay stacks each day's arrivals by partner of origin (the largest few, then the rest);
	// Legend names the stacks' colours.
	PerDay []bar
	Legend []bar
	// ToPartner counts, per partner, what of the window the policy lets it receive from the
	// collections it reads: what leaves for it when it asks.
	ToPartner []bar
	Newest    []row
	Total     int
	// Building says the counts are still being built after the start: they cover only part of
	// the window.
	Building   bool
	Partial    bool // the viewer's policy view leaves out what the counts cannot decide (see counts.go)
	DayMax     int
	Start, End string // the period's first and last day
	// Peers is every peer's sync health, for the own organisation's members (ShowPeers).
	Peers     []peerRow
	ShowPeers bool
}

// dashSums are one viewer's sums of the buckets.
type dashSums struct {
	types     map[string]int
	tlps      map[stix.TLP]int
	origins   map[string]int
	dayOrigin map[[2]int]int // (day, origin index) → count
	originIdx map[string]int
	total     int
}

// sum adds up the buckets of t in colls from the day of start on that sc admits.
func sum(t *tallies, sc *policy.Scope, colls map[string]bool, start time.Time, names map[string]string) dashSums {
	ok, by := admits(sc, t)
	first := day(start.UnixMicro())
	s := dashSums{types: map[string]int{}, tlps: map[stix.TLP]int{}, origins: map[string]int{}, dayOrigin: map[[2]int]int{}, originIdx: map[string]int{}}
	for k, b := range t.buckets {
		if k.day < first || !colls[k.coll] || !ok[k.facts] || by != 0 && b.last > by {
			continue
		}
		fk := &t.facts[k.facts]
		n := int(b.n)
		s.total += n
		s.types[fk.typ] += n
		s.tlps[fk.tlp] += n
		s.origins[names[fk.origin]] += n
		oi, seen := s.originIdx[fk.origin]
		if !seen {
			oi = len(s.originIdx)
			s.originIdx[fk.origin] = oi
		}
		s.dayOrigin[[2]int{int(k.day - first), oi}] += n
	}
	return s
}

// partial reports whether sc is one whose sums may leave out versions it admits.
func partial(sc *policy.Scope) bool {
	return !sc.All && (len(sc.Named) > 0 || len(sc.Labels) > 0 || len(sc.ExcludeLabels) > 0 || !sc.AddedBy.IsZero())
}

func (u *UI) dashboard(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	ctx := r.Context()
	pv, colls, err := u.policyView(ctx, s)
	if err != nil {
		return err
	}
	orgs, err := u.d.Store.Orgs().List(ctx)
	if err != nil {
		return internal(err)
	}
	u.freshen(ctx)
	names := orgNames(orgs)
	now := u.d.Now().UTC()
	start := now.Add(-dashWindow).Truncate(24 * time.Hour)
	ndays := int(now.Sub(start)/(24*time.Hour)) + 1
	in := map[string]bool{}
	for _, c := range colls {
		in[c.ID] = true
	}
	d := &dashData{Partial: partial(&pv.Scope)}
	var candidates []store.Record
	var out []kv
	u.counts.mu.RLock()
	t := u.counts.tallies()
	d.Building = !t.ready
	sums := sum(t, &pv.Scope, in, start, names)
	for _, c := range colls {
		candidates = append(candidates, t.newest[c.ID]...)
	}
	if s.Principal.Self {
		out = leaving(t, pv, orgs, colls, start, names)
	}
	u.counts.mu.RUnlock()
	d.Total = sums.total
	d.ByType = hbars(counted(sums.types, 10))
	var tl []kv
	for _, t := range allTLPs {
		if sums.tlps[t] > 0 {
			tl = append(tl, kv{t.Label(), sums.tlps[t], "tlp-" + tlpSlug(t)})
		}
	}
	if n := sums.tlps[stix.TLPUnknown]; n > 0 {
		tl = append(tl, kv{"TLP:UNKNOWN", n, "tlp-unknown"})
	}
	d.ByTLP = hbars(tl)
	d.ByOrigin = hbars(counted(sums.origins, 10))
	d.Start, d.End = formatDate(v.Lang, start), formatDate(v.Lang, now)
	d.PerDay, d.Legend, d.DayMax = stackDays(v.Lang, start, ndays, sums.dayOrigin, sums.originIdx, names)
	d.Newest = u.newest(ctx, pv, candidates, names, 8)
	if s.Principal.Self {
		d.ToPartner = hbars(out)
		if d.Peers, err = u.peerHealth(ctx, names); err != nil {
			return err
		}
		d.ShowPeers = true
	}
	if err := u.auditRead(ctx, s, "dashboard", amberIDs(nil, d.Newest)); err != nil {
		return err
	}
	v.Title, v.Data = translate(v.Lang, "dash.title"), d
	return u.render(w, http.StatusOK, v, "dashboard")
}

// newest lists up to n of the candidates, newest first, as the viewer receives their latest
// versions; what the viewer may not receive is left out.
func (u *UI) newest(ctx context.Context, pv *policy.View, candidates []store.Record, names map[string]string, n int) []row {
	slices.SortFunc(candidates, func(a, b store.Record) int { return cmp.Compare(b.DateAdded, a.DateAdded) })
	var rows []row
	seen := map[string]bool{}
	for _, c := range candidates {
		if len(rows) == n {
			break
		}
		if seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		rec, err := u.d.Store.Objects().Latest(ctx, c.ID, c.Collection)
		if err != nil {
			continue
		}
		out, dec, err := pv.Deliver(ctx, &rec)
		if err != nil || !dec.Allow {
			continue
		}
		rows = append(rows, row{ID: rec.ID, Collection: rec.Collection, Type: rec.Type, Name: nameOf(out), TLP: rec.TLP, Added: rec.DateAdded, Origin: names[rec.Origin.OrgID]})
	}
	return rows
}

type kv struct {
	k     string
	n     int
	class string
}

func counted(m map[string]int, top int) []kv {
	out := make([]kv, 0, len(m))
	for k, n := range m {
		if k == "" {
			k = "–"
		}
		out = append(out, kv{k: k, n: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].n > out[j].n || out[i].n == out[j].n && out[i].k < out[j].k })
	if len(out) > top {
		out = out[:top]
	}
	return out
}

// hbars lays out horizontal bars 24 px apart, the longest 300 px wide.
func hbars(in []kv) []bar {
	mx := 0
	for _, e := range in {
		mx = max(mx, e.n)
	}
	out := make([]bar, len(in))
	for i, e := range in {
		out[i] = bar{Label: e.k, Value: e.n, Class: e.class, X: 160, Y: float64(i) * 24, H: 18, W: 300 * float64(e.n) / float64(max(mx, 1))}
	}
	return out
}

func tlpSlug(t stix.TLP) string {
	switch t {
	case stix.TLPAmberStrict:
		return "amber-strict"
	case stix.TLPClear, stix.TLPGreen, stix.TLPAmber, stix.TLPRed:
		return t.String()
	}
	return "unknown"
}

// leaving counts for each partner what of the window since start it may receive from the
// collections it reads, from the buckets, by the scope the agreements give it now.
func leaving(t *tallies, pv *policy.View, orgs []store.Org, colls []store.Collection, start time.Time, names map[string]string) []kv {
	var out []kv
	for _, o := range orgs {
		if o.Self {
			continue
		}
		sc := policy.ScopeOf(policy.Recipient{Kind: policy.KindPartner, OrgID: o.ID, IdentityID: o.IdentityID}, pv.Agreement, pv.Now)
		in := map[string]bool{}
		for _, c := range colls {
			if slices.Contains(c.Read, o.ID) {
				in[c.ID] = true
			}
		}
		out = append(out, kv{k: o.Name, n: sum(t, &sc, in, start, names).total})
	}
	return out
}

// stackColours is how many origins get a colour of their own; the rest share the last.
const stackColours = 5

// stackDays lays out the per-day bars, each a stack of segments by origin: the origins with
// the most arrivals get their own colour (s0…), all others share one.
func stackDays(lang string, start time.Time, ndays int, counts map[[2]int]int, originIdx map[string]int, names map[string]string) (segs, legend []bar, top int) {
	totals := make([]int, len(originIdx))
	for k, n := range counts {
		totals[k[1]] += n
	}
	ids := make([]string, len(originIdx))
	for id, i := range originIdx {
		ids[i] = id
	}
	order := make([]int, len(ids))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		return totals[order[a]] > totals[order[b]] || totals[order[a]] == totals[order[b]] && names[ids[order[a]]] < names[ids[order[b]]]
	})
	colour := make([]int, len(ids)) // origin index → colour
	for rank, oi := range order {
		colour[oi] = min(rank, stackColours)
		if rank < stackColours {
			legend = append(legend, bar{Label: names[ids[oi]], Class: "s" + strconv.Itoa(rank), Value: totals[oi]})
		} else if rank == stackColours {
			legend = append(legend, bar{Label: translate(lang, "dash.others"), Class: "s" + strconv.Itoa(stackColours), Value: totals[oi]})
		}
		if rank > stackColours {
			legend[stackColours].Value += totals[oi]
		}
	}
	for i := range legend {
		legend[i].X, legend[i].Y = float64(i%3)*200, 178+float64(i/3)*18
	}
	perDay := make([][stackColours + 1]int, ndays)
	for k, n := range counts {
		perDay[k[0]][colour[k[1]]] += n
	}
	for _, day := range perDay {
		t := 0
		for _, n := range day {
			t += n
		}
		top = max(top, t)
	}
	for i, day := range perDay {
		label := formatDate(lang, start.Add(time.Duration(i)*24*time.Hour))
		y := 150.0
		for c, n := range day {
			if n == 0 {
				continue
			}
			h := 140 * float64(n) / float64(max(top, 1))
			y -= h
			segs = append(segs, bar{Label: label + ", " + legend[c].Label, Value: n, Class: "s" + strconv.Itoa(c), X: float64(i)*20 + 2, Y: y, W: 16, H: h})
		}
	}
	return segs, legend, top
}
