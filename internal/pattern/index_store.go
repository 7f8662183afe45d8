package pattern

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// ErrNotIndexed is returned (wrapped) for an object the index does not take: no indicator, or
// an indicator whose pattern is not a STIX pattern.
var ErrNotIndexed = errors.New("not an indicator with a STIX pattern")

// indicatorProps are the properties of an indicator the index reads.
type indicatorProps struct {
	Type         string   `json:"type"`
	SpecVersion  string   `json:"spec_version"`
	Pattern      string   `json:"pattern"`
	PatternType  string   `json:"pattern_type"`
	ValidFrom    string   `json:"valid_from"`
	ValidUntil   string   `json:"valid_until"`
	Confidence   *float64 `json:"confidence"`
	CreatedByRef string   `json:"created_by_ref"`
}

// termsOf parses the indicator's pattern and fills in what the JSON says.
func (p *indicatorProps) fill(ind *Indicator) ([]Term, error) {
	if p.Type != "indicator" || (p.PatternType != "" && p.PatternType != "stix") || p.Pattern == "" {
		return nil, fmt.Errorf("%s: %w", ind.ID, ErrNotIndexed)
	}
	v := V21
	if p.SpecVersion == "2.0" || p.SpecVersion == "" && p.PatternType == "" {
		v = V20
	}
	pat, err := ParseVersion(p.Pattern, v)
	if err != nil {
		return nil, fmt.Errorf("indicator %s: %w", ind.ID, err)
	}
	terms, complete := pat.Terms()
	ind.Complete = complete
	ind.Source = p.CreatedByRef
	ind.Confidence = -1
	if p.Confidence != nil && *p.Confidence >= 0 && *p.Confidence <= 100 {
		ind.Confidence = int(math.Round(*p.Confidence))
	}
	if p.ValidFrom != "" {
		if t, err := stix.ParseTimestamp(p.ValidFrom); err == nil {
			ind.ValidFrom = t.Time
		}
	}
	if p.ValidUntil != "" {
		if t, err := stix.ParseTimestamp(p.ValidUntil); err == nil {
			ind.ValidUntil = t.Time
		}
	}
	return terms, nil
}

// IndicatorOf reads a stored indicator version (with its JSON) for the index. The error wraps
// ErrNotIndexed for records the index does not take, or says why the pattern does not parse.
func IndicatorOf(rec *store.Record) (Indicator, []Term, error) {
	ind := Indicator{
		ID: rec.ID, Collection: rec.Collection, Version: rec.Version, Added: rec.DateAdded, TLP: rec.TLP,
		Origin: rec.Origin.OrgID, Labels: rec.Labels, Personal: rec.Personal,
		GranularRequired: rec.GranularRequired, GranularOptional: rec.GranularOptional,
	}
	if rec.Type != "indicator" {
		return ind, nil, fmt.Errorf("%s: %w", rec.ID, ErrNotIndexed)
	}
	var p indicatorProps
	if err := json.Unmarshal(rec.Raw, &p); err != nil {
		return ind, nil, fmt.Errorf("indicator %s: %w", rec.ID, err)
	}
	terms, err := p.fill(&ind)
	return ind, terms, err
}

// AddRecord brings one stored version of an object into the index: an indicator is put (or,
// when revoked, removed); anything else is ignored. It is the hook the ingest path and the
// Follower call.
func (x *Index) AddRecord(rec *store.Record) error {
	if rec.Type != "indicator" {
		return nil
	}
	if rec.Revoked {
		x.RemoveVersion(rec.Collection, rec.ID, rec.Version)
		return nil
	}
	ind, terms, err := IndicatorOf(rec)
	if errors.Is(err, ErrNotIndexed) {
		return nil
	}
	if err != nil {
		// A version whose pattern cannot be read names nothing; it still replaces an older one.
		terms = nil
	}
	if _, perr := x.Put(ind, terms); perr != nil {
		return perr
	}
	return err
}

// AddObject is AddRecord for an object just stored by ingest, before its record is read back:
// n as given to store.ObjectStore.Add and added as the time it was stored.
func (x *Index) AddObject(collection string, n *store.NewObject, added time.Time) error {
	o := n.Object
	if o == nil || o.Type != "indicator" {
		return nil
	}
	rec := store.Record{
		Collection: collection, ID: o.ID, Type: o.Type, SpecVersion: o.SpecVersion, Version: o.Version(),
		DateAdded: added.UnixMicro(), TLP: n.TLP, Revoked: o.Revoked, Origin: n.Origin, Labels: o.Labels,
		Personal: n.Personal, GranularRequired: n.GranularRequired, GranularOptional: n.GranularOptional, Raw: o.Raw,
	}
	return x.AddRecord(&rec)
}

// Follower keeps an index current with a store: it loads the latest version of every indicator
// of every collection, then polls each collection for versions added since (which also sees
// what other processes sharing a PostgreSQL database store). Objects deleted from a store are
// only noticed by a new Load.
type Follower struct {
	Index       *Index
	Objects     store.ObjectStore
	Collections store.CollectionStore
	Logger      *slog.Logger
	Interval    time.Duration // between polls; default 5 s

	cursors map[string]int64 // collection id → last date_added seen
	bad     int              // indicators whose pattern does not parse, in the last Load or Poll
}

// Load reads every collection's indicators into the index.
func (f *Follower) Load(ctx context.Context) error {
	f.cursors = map[string]int64{}
	_, err := f.Poll(ctx)
	return err
}

// Poll brings in what was added since the last Load or Poll (a collection seen for the first
// time is read whole) and returns how many records it read.
func (f *Follower) Poll(ctx context.Context) (int, error) {
	if f.cursors == nil {
		f.cursors = map[string]int64{}
	}
	colls, err := f.Collections.List(ctx)
	if err != nil {
		return 0, fmt.Errorf("index: listing collections: %w", err)
	}
	total := 0
	for _, c := range colls {
		cur, seen := f.cursors[c.ID]
		flt := store.Filter{Collection: c.ID, Types: []string{"indicator"}, AddedAfter: cur}
		if seen {
			flt.Versions = store.VersionMatch{All: true}
		} else {
			flt.Versions = store.VersionMatch{Last: true}
		}
		err := store.Scan(ctx, f.Objects, flt, func(rec *store.Record) error {
			total++
			if rec.DateAdded > cur {
				cur = rec.DateAdded
			}
			if err := f.Index.AddRecord(rec); err != nil {
				f.bad++
				if f.Logger != nil && f.bad <= 10 {
					f.Logger.Warn("indicator left out of the index", "collection", c.ID, "id", rec.ID, "err", err)
				}
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("index: reading collection %s: %w", c.ID, err)
		}
		f.cursors[c.ID] = cur
	}
	return total, nil
}

// Run loads the index and then follows the store until ctx is done.
func (f *Follower) Run(ctx context.Context) error {
	if err := f.Load(ctx); err != nil {
		return err
	}
	f.Follow(ctx)
	return nil
}

// Follow polls every Interval until ctx is done. Errors of a poll are logged and the poll is
// tried again at the next tick.
func (f *Follower) Follow(ctx context.Context) {
	iv := f.Interval
	if iv <= 0 {
		iv = 5 * time.Second
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := f.Poll(ctx); err != nil && ctx.Err() == nil && f.Logger != nil {
			f.Logger.Warn("index poll failed", "err", err)
		}
	}
}
