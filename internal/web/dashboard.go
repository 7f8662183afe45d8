package web

import (
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

// dashWindow is the period the dashboard counts; dashBudget bounds the records it reads, so
// that it renders fast at any size (above it the counts are of the oldest part of the window,
// and the page says so).
const (
	dashWindow = 30 * 24 * time.Hour
	dashBudget = 20000
)

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
	ToPartner  []bar
	Newest     []row
	Total      int
	Sampled    bool
	DayMax     int
	Start, End string // the period's first and last day
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
	names := orgNames(orgs)
	now := u.d.Now().UTC()
	start := now.Add(-dashWindow).Truncate(24 * time.Hour)
	types, tlps, origins := map[string]int{}, map[stix.TLP]int{}, map[string]int{}
	ndays := int(now.Sub(start)/(24*time.Hour)) + 1
	dayOrigin := map[[2]int]int{} // (day, origin index) → count
	originIdx := map[string]int{}
	d := &dashData{}
	var newest []store.Record
	for _, c := range colls {
		f := store.Filter{Collection: c.ID, Limit: 1000, MetadataOnly: true, AddedAfter: start.UnixMicro()}
		pv.Restrict(&f)
		for d.Total < dashBudget {
			pg, err := u.d.Store.Objects().Query(ctx, f)
			if err != nil {
				return internal(err)
			}
			for _, rec := range pg.Records {
				d.Total++
				types[rec.Type]++
				tlps[rec.TLP]++
				origins[names[rec.Origin.OrgID]]++
				if i := int(store.TimeFromMicro(rec.DateAdded).Sub(start) / (24 * time.Hour)); i >= 0 && i < ndays {
					oi, ok := originIdx[rec.Origin.OrgID]
					if !ok {
						oi = len(originIdx)
						originIdx[rec.Origin.OrgID] = oi
					}
					dayOrigin[[2]int{i, oi}]++
				}
				if rec.Type == "report" || rec.Type == "note" {
					newest = append(newest, rec)
					if len(newest) > 20 {
						newest = newest[1:]
					}
				}
				f.AddedAfter = rec.DateAdded
			}
			if !pg.More {
				break
			}
		}
		if d.Total >= dashBudget {
			d.Sampled = true
			break
		}
	}
	d.ByType = hbars(counted(types, 10))
	var tl []kv
	for _, t := range allTLPs {
		if tlps[t] > 0 {
			tl = append(tl, kv{t.Label(), tlps[t], "tlp-" + tlpSlug(t)})
		}
	}
	if n := tlps[stix.TLPUnknown] + tlps[0]; n > 0 {
		tl = append(tl, kv{"TLP:UNKNOWN", n, "tlp-unknown"})
	}
	d.ByTLP = hbars(tl)
	d.ByOrigin = hbars(counted(origins, 10))
	d.Start, d.End = formatDate(v.Lang, start), formatDate(v.Lang, now)
	d.PerDay, d.Legend, d.DayMax = stackDays(v.Lang, start, ndays, dayOrigin, originIdx, names)
	for i := len(newest) - 1; i >= 0 && len(d.Newest) < 8; i-- {
		rec := newest[i]
		d.Newest = append(d.Newest, row{ID: rec.ID, Collection: rec.Collection, Type: rec.Type, TLP: rec.TLP, Added: rec.DateAdded, Origin: names[rec.Origin.OrgID]})
	}
	u.fillNames(ctx, pv, d.Newest)
	if s.Principal.Self {
		out, err := u.leaving(ctx, orgs, start)
		if err != nil {
			return err
		}
		d.ToPartner = hbars(out)
	}
	v.Title, v.Data = translate(v.Lang, "dash.title"), d
	return u.render(w, http.StatusOK, v, "dashboard")
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

// partnerBudget bounds the records counted for each partner; a bar at the bound means "at
// least".
const partnerBudget = 5000

// leaving counts for each partner the records since start that it may receive.
func (u *UI) leaving(ctx context.Context, orgs []store.Org, start time.Time) ([]kv, error) {
	colls, err := u.d.Store.Collections().List(ctx)
	if err != nil {
		return nil, internal(err)
	}
	var out []kv
	for _, o := range orgs {
		if o.Self {
			continue
		}
		pv, err := u.d.Gate.View(ctx, policy.Recipient{Kind: policy.KindPartner, OrgID: o.ID, IdentityID: o.IdentityID})
		if err != nil {
			return nil, internal(err)
		}
		n := 0
		for _, c := range colls {
			if !slices.Contains(c.Read, o.ID) {
				continue
			}
			f := store.Filter{Collection: c.ID, Limit: 1000, MetadataOnly: true, AddedAfter: start.UnixMicro()}
			pv.Restrict(&f)
			for n < partnerBudget {
				pg, err := u.d.Store.Objects().Query(ctx, f)
				if err != nil {
					return nil, internal(err)
				}
				n += len(pg.Records)
				if !pg.More || len(pg.Records) == 0 {
					break
				}
				f.AddedAfter = pg.Records[len(pg.Records)-1].DateAdded
			}
		}
		out = append(out, kv{k: o.Name, n: n})
	}
	return out, nil
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
