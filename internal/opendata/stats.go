package opendata

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// span is the first and last date_added (microseconds) of some object versions.
type span struct {
	First int64 `json:"first"`
	Last  int64 `json:"last"`
}

func (s *span) add(t int64) {
	if s.First == 0 || t < s.First {
		s.First = t
	}
	s.Last = max(s.Last, t)
}

// aggState is what the aggregator knows, persisted in the settings store so that a restart
// resumes where it stopped. It is never changed once published: a refresh works on a copy.
type aggState struct {
	Cursors map[string]int64 `json:"cursors"` // collection id → last date_added counted
	Counted map[string]int64 `json:"counted"` // collection id → versions counted
	Live    map[string]int64 `json:"live"`    // collection id → versions the store held at the last refresh
	Month   map[string]int64 `json:"month"`   // YYYY-MM of date_added → versions
	Type    map[string]int64 `json:"type"`
	TLP     map[string]int64 `json:"tlp"`
	Origin  map[string]int64 `json:"origin"` // organisation id ("" unknown) → versions
	// Clear holds per STIX type when TLP:CLEAR versions were added: a dataset's modification
	// date and temporal coverage.
	Clear     map[string]span `json:"clear"`
	All       span            `json:"all"`
	RebuiltAt time.Time       `json:"rebuilt_at"`
}

func newAggState(now time.Time) *aggState {
	return &aggState{
		Cursors: map[string]int64{}, Counted: map[string]int64{}, Live: map[string]int64{},
		Month: map[string]int64{}, Type: map[string]int64{}, TLP: map[string]int64{}, Origin: map[string]int64{},
		Clear: map[string]span{}, RebuiltAt: now,
	}
}

func (s *aggState) clone() *aggState {
	c := *s
	c.Cursors, c.Counted, c.Live = maps.Clone(s.Cursors), maps.Clone(s.Counted), maps.Clone(s.Live)
	c.Month, c.Type, c.TLP, c.Origin = maps.Clone(s.Month), maps.Clone(s.Type), maps.Clone(s.TLP), maps.Clone(s.Origin)
	c.Clear = maps.Clone(s.Clear)
	return &c
}

// count adds one stored version.
func (s *aggState) count(r *store.Record) {
	s.Month[time.UnixMicro(r.DateAdded).UTC().Format("2006-01")]++
	s.Type[r.Type]++
	tlp := r.TLP
	if tlp == 0 {
		tlp = stix.TLPUnknown
	}
	s.TLP[tlp.String()]++
	s.Origin[r.Origin.OrgID]++
	s.All.add(r.DateAdded)
	if r.TLP == stix.TLPClear {
		sp := s.Clear[r.Type]
		sp.add(r.DateAdded)
		s.Clear[r.Type] = sp
	}
}

// clearSpan returns when TLP:CLEAR versions of any of types were added.
func (s *aggState) clearSpan(types []string) span {
	var out span
	for _, t := range types {
		if sp, ok := s.Clear[t]; ok {
			out.add(sp.First)
			out.add(sp.Last)
		}
	}
	return out
}

// aggregator keeps the statistics, following every collection by its date_added cursor: each
// refresh reads only what was added since the last one. Deletions cannot be followed that way;
// a rebuild from scratch, in the background, accounts for them, when a refresh sees that a
// collection holds fewer versions than were counted, and periodically.
type aggregator struct {
	st           store.Store
	log          *slog.Logger
	now          func() time.Time
	refreshEvery time.Duration
	rebuildEvery time.Duration

	mu         sync.Mutex               // serialises refreshes and guards the fields below
	latest     atomic.Pointer[aggState] // a.cur as of the last refresh, readable without mu
	cur        *aggState
	refreshed  time.Time
	saved      time.Time
	rebuilding bool
}

const aggKey = "opendata.statistics"

// saveEvery is the least time between two saves of the statistics.
const saveEvery = 10 * time.Second

// state returns the current statistics, refreshed incrementally when the last refresh is older
// than refreshEvery.
//
// With refreshEvery set, a request never waits for a refresh that is already under way (in the
// background, see Handler.Follow, or for another request): it answers from the statistics as
// they were, at most refreshEvery plus one refresh old.
func (a *aggregator) state(ctx context.Context) (*aggState, error) {
	if cur := a.latest.Load(); cur != nil && a.refreshEvery > 0 {
		if !a.mu.TryLock() {
			return cur, nil
		}
	} else {
		a.mu.Lock()
	}
	defer a.mu.Unlock()
	defer func() { a.latest.Store(a.cur) }()
	now := a.now()
	if a.cur == nil {
		s, err := a.load(ctx)
		if err != nil {
			return nil, err
		}
		if s == nil {
			s = newAggState(now)
		}
		a.cur = s
	}
	if a.refreshed.IsZero() || now.Sub(a.refreshed) >= a.refreshEvery {
		next := a.cur.clone()
		changed, deleted, err := a.refresh(ctx, next)
		if err != nil {
			return nil, err
		}
		// Counts and cursors are saved together, so a restart resumes from a consistent
		// point; saving at most every saveEvery keeps writes off most requests.
		if changed && now.Sub(a.saved) >= saveEvery {
			if err := a.save(ctx, next); err != nil {
				return nil, err
			}
			a.saved = now
		}
		a.cur, a.refreshed = next, now
		if deleted || now.Sub(next.RebuiltAt) >= a.rebuildEvery {
			a.startRebuild()
		}
	}
	return a.cur, nil
}

// refresh counts what was added to every collection since s's cursors. It reports whether
// anything changed, and whether some collection now holds fewer versions than were counted (so
// that something was deleted).
func (a *aggregator) refresh(ctx context.Context, s *aggState) (changed, deleted bool, err error) {
	cols, err := a.st.Collections().List(ctx)
	if err != nil {
		return false, false, fmt.Errorf("statistics: listing collections: %w", err)
	}
	for _, c := range cols {
		f := store.Filter{Collection: c.ID, AddedAfter: s.Cursors[c.ID], Versions: store.VersionMatch{All: true}, MetadataOnly: true}
		err := store.Scan(ctx, a.st.Objects(), f, func(r *store.Record) error {
			s.count(r)
			s.Cursors[c.ID] = r.DateAdded
			s.Counted[c.ID]++
			changed = true
			return nil
		})
		if err != nil {
			return false, false, fmt.Errorf("statistics: reading collection %s: %w", c.ID, err)
		}
		live, err := a.st.Objects().Count(ctx, c.ID)
		if err != nil {
			return false, false, fmt.Errorf("statistics: counting collection %s: %w", c.ID, err)
		}
		if live != s.Live[c.ID] {
			s.Live[c.ID], changed = live, true
		}
		if live < s.Counted[c.ID] {
			deleted = true
		}
	}
	return changed, deleted, nil
}

// startRebuild counts everything again in the background; a.mu is held.
func (a *aggregator) startRebuild() {
	if a.rebuilding {
		return
	}
	a.rebuilding = true
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		err := a.rebuild(ctx)
		a.mu.Lock()
		a.rebuilding = false
		a.mu.Unlock()
		if err != nil {
			a.log.Error("rebuilding open data statistics", "err", err)
		}
	}()
}

func (a *aggregator) rebuild(ctx context.Context) error {
	s := newAggState(a.now())
	if _, _, err := a.refresh(ctx, s); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, _, err := a.refresh(ctx, s); err != nil { // what came in meanwhile
		return err
	}
	if err := a.save(ctx, s); err != nil {
		return err
	}
	a.cur, a.refreshed, a.saved = s, a.now(), a.now()
	return nil
}

func (a *aggregator) load(ctx context.Context) (*aggState, error) {
	v, err := a.st.Settings().Get(ctx, aggKey)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("statistics: loading: %w", err)
	}
	s := newAggState(time.Time{})
	if err := json.Unmarshal([]byte(v), s); err != nil {
		a.log.Warn("stored open data statistics unreadable; counting again", "err", err)
		return nil, nil
	}
	return s, nil
}

func (a *aggregator) save(ctx context.Context, s *aggState) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("statistics: %w", err)
	}
	if err := a.st.Settings().Set(ctx, aggKey, string(b)); err != nil {
		return fmt.Errorf("statistics: saving: %w", err)
	}
	return nil
}

// statRow is one published count.
type statRow struct {
	Dimension  string `json:"dimension"`
	Value      string `json:"value"`
	Count      int64  `json:"count,omitempty"`
	Suppressed bool   `json:"suppressed"`
}

// Dimensions of the statistics, in the order they are published.
var dimensions = []string{"month", "type", "tlp", "origin"}

// statTable returns the published statistics: per dimension its cells, with the small ones
// suppressed. named maps the organisations that may be named to their names; every other
// origin is counted under "other".
func statTable(s *aggState, minCount int64, named map[string]string) []statRow {
	var out []statRow
	for _, dim := range dimensions {
		var cells map[string]int64
		switch dim {
		case "month":
			cells = s.Month
		case "type":
			cells = s.Type
		case "tlp":
			cells = s.TLP
		case "origin":
			cells = map[string]int64{}
			for id, n := range s.Origin {
				name, ok := named[id]
				if !ok || id == "" {
					name = "other"
				}
				cells[name] += n
			}
		}
		out = append(out, suppress(dim, cells, minCount)...)
	}
	return out
}

// suppress turns the cells of one dimension into rows, ordered (months by date, the rest by
// count, largest first), with the counts below minCount suppressed. Since every dimension adds
// up to the same total, one suppressed cell could be worked out from the others; so more cells
// are suppressed, smallest first, until the suppressed cells together hold at least minCount.
func suppress(dim string, cells map[string]int64, minCount int64) []statRow {
	rows := make([]statRow, 0, len(cells))
	for v, n := range cells {
		if n > 0 {
			rows = append(rows, statRow{Dimension: dim, Value: v, Count: n})
		}
	}
	slices.SortFunc(rows, func(a, b statRow) int {
		if dim == "month" {
			return cmp.Compare(a.Value, b.Value)
		}
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value))
	})
	bySize := make([]int, len(rows))
	for i := range bySize {
		bySize[i] = i
	}
	slices.SortStableFunc(bySize, func(i, j int) int { return cmp.Compare(rows[i].Count, rows[j].Count) })
	var hidden int64
	for _, i := range bySize {
		small := rows[i].Count < minCount
		if !small && (hidden == 0 || hidden >= minCount) {
			break
		}
		hidden += rows[i].Count
		rows[i].Suppressed = true
	}
	for i := range rows {
		if rows[i].Suppressed {
			rows[i].Count = 0
		}
	}
	return rows
}
