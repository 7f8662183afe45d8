package web

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// The dashboard's counts are kept in memory by each process, following every collection by
// date_added from the start of the window: one bucket per (collection, day, facts), where the
// facts are what the sharing policy's scope tests of an object version (type, TLP, origin,
// personal data class, granular levels) and whether it has labels. A viewer's dashboard sums
// the buckets their policy view admits (policy.Scope.Admits on the bucket's facts), so that it
// never counts a version the viewer could not receive. What a bucket cannot decide is left out:
// labelled versions for a scope that tests labels, versions that reach the viewer only through
// a share list (TLP:RED), and a day's bucket that holds versions added after an embargo's
// bound. Counts are of versions added, deleted versions stay counted until the next rebuild
// (one starts when a collection holds fewer versions than it should, and daily).

// factsKey is the part of a version's policy facts a bucket keeps.
type factsKey struct {
	typ      string
	tlp      stix.TLP
	origin   string
	personal uint8
	required uint8 // granular_required, store levels
	labelled bool
}

// bucketKey is one bucket: a collection, a day (days since the epoch, UTC) and the facts' index.
type bucketKey struct {
	coll  string
	day   int32
	facts int32
}

// tally is a bucket's count and the last date_added in it.
type tally struct {
	n, last int64
}

// newestKept is how many report and note versions a collection keeps for the dashboard's list.
const newestKept = 24

// tallies is one build of the counts.
type tallies struct {
	facts   []factsKey
	index   map[factsKey]int32
	buckets map[bucketKey]tally
	newest  map[string][]store.Record // collection → its newest report and note versions, oldest first
	cursors map[string]int64          // collection → last date_added counted
	// base and counted tell deletions: a collection should hold base + counted versions (base
	// read when it was first caught up, counted the versions seen since).
	base, counted map[string]int64
	ready         bool // every collection was caught up once
	built         time.Time
}

func newTallies(now time.Time) *tallies {
	return &tallies{index: map[factsKey]int32{}, buckets: map[bucketKey]tally{}, newest: map[string][]store.Record{},
		cursors: map[string]int64{}, base: map[string]int64{}, counted: map[string]int64{}, built: now}
}

func day(micro int64) int32 { return int32(micro / (24 * 3600 * 1e6)) }

// factsOf returns the facts a bucket keeps of a version.
func factsOf(r *store.Record) factsKey {
	fk := factsKey{typ: r.Type, tlp: r.TLP, origin: r.Origin.OrgID, personal: r.Personal, required: r.GranularRequired, labelled: len(r.Labels) > 0}
	if fk.tlp == 0 {
		fk.tlp = stix.TLPUnknown
	}
	return fk
}

// add counts one version.
func (t *tallies) add(r *store.Record) {
	fk := factsOf(r)
	i, ok := t.index[fk]
	if !ok {
		i = int32(len(t.facts))
		t.facts = append(t.facts, fk)
		t.index[fk] = i
	}
	k := bucketKey{coll: r.Collection, day: day(r.DateAdded), facts: i}
	b := t.buckets[k]
	b.n++
	b.last = max(b.last, r.DateAdded)
	t.buckets[k] = b
	if r.Type == "report" || r.Type == "note" {
		l := append(t.newest[r.Collection], *r)
		if len(l) > newestKept {
			l = slices.Delete(l, 0, len(l)-newestKept)
		}
		t.newest[r.Collection] = l
	}
}

// counts keeps the tallies current; see the comment at the top of the file.
type counts struct {
	st     store.Store
	now    func() time.Time
	window time.Duration

	poll sync.Mutex   // serialises polls
	mu   sync.RWMutex // guards cur
	cur  *tallies
}

// rebuildEvery is how often the counts are built again from scratch, to forget deletions that a
// count comparison cannot see.
const rebuildEvery = 24 * time.Hour

// tallies returns the current tallies; the caller holds c.mu for reading while it uses them.
func (c *counts) tallies() *tallies {
	if c.cur == nil {
		return newTallies(c.now())
	}
	return c.cur
}

// refresh counts what was added since the last refresh, at most budget versions per collection
// (0: no bound), and reports whether every collection is caught up. It rebuilds the tallies
// from scratch (off the readers' lock) when a deletion shows or they are a day old.
func (c *counts) refresh(ctx context.Context, budget int) (bool, error) {
	c.poll.Lock()
	defer c.poll.Unlock()
	c.mu.RLock()
	t := c.cur
	c.mu.RUnlock()
	switch {
	case t == nil:
		// The first build answers while it grows.
		t = newTallies(c.now())
		c.swap(t)
	case t.ready && c.now().Sub(t.built) >= rebuildEvery:
		var err error
		if t, err = c.rebuild(ctx); err != nil {
			return false, err
		}
	}
	done, err := c.follow(ctx, t, budget, false)
	if err != nil || !done {
		return done, err
	}
	deleted, err := c.deleted(ctx, t)
	if err != nil || !deleted {
		return true, err
	}
	if _, err := c.rebuild(ctx); err != nil {
		return false, err
	}
	return true, nil
}

// rebuild builds new tallies whole, while the old ones still answer, and puts them in their place.
func (c *counts) rebuild(ctx context.Context) (*tallies, error) {
	fresh := newTallies(c.now())
	if _, err := c.follow(ctx, fresh, 0, true); err != nil {
		return nil, err
	}
	c.swap(fresh)
	return fresh, nil
}

func (c *counts) swap(t *tallies) {
	c.mu.Lock()
	c.cur = t
	c.mu.Unlock()
}

// follow reads what each collection gained since t's cursors, page by page; unless private,
// each page is counted under the write lock so that readers see whole pages.
func (c *counts) follow(ctx context.Context, t *tallies, budget int, private bool) (bool, error) {
	colls, err := c.st.Collections().List(ctx)
	if err != nil {
		return false, fmt.Errorf("dashboard counts: %w", err)
	}
	// Tallies not yet published need no lock.
	lock, unlock := c.mu.Lock, c.mu.Unlock
	if private {
		lock, unlock = func() {}, func() {}
	}
	start := c.now().Add(-c.window - 24*time.Hour).UnixMicro()
	done := true
	for _, coll := range colls {
		cur, seen := t.cursors[coll.ID]
		if !seen {
			cur = start
		}
		read := 0
		for {
			f := store.Filter{Collection: coll.ID, AddedAfter: cur, Versions: store.VersionMatch{All: true}, MetadataOnly: true, Limit: store.ScanPageSize}
			pg, err := c.st.Objects().Query(ctx, f)
			if err != nil {
				return false, fmt.Errorf("dashboard counts of %s: %w", coll.ID, err)
			}
			lock()
			for i := range pg.Records {
				t.add(&pg.Records[i])
				cur = pg.Records[i].DateAdded
			}
			t.cursors[coll.ID] = cur
			if seen {
				t.counted[coll.ID] += int64(len(pg.Records))
			}
			unlock()
			read += len(pg.Records)
			if !pg.More {
				break
			}
			if budget > 0 && read >= budget {
				done = false
				break
			}
		}
		if !seen && done {
			// Caught up for the first time: what the collection holds now is the base later
			// counts are compared with. A version added between the last page and this count
			// is counted again later and only causes a needless rebuild.
			n, err := c.st.Objects().Count(ctx, coll.ID)
			if err != nil {
				return false, fmt.Errorf("dashboard counts of %s: %w", coll.ID, err)
			}
			lock()
			t.base[coll.ID] = n
			unlock()
		}
	}
	if done {
		lock()
		t.ready = true
		c.prune(t)
		unlock()
	}
	return done, nil
}

// deleted reports whether some collection holds fewer versions than were counted in it.
func (c *counts) deleted(ctx context.Context, t *tallies) (bool, error) {
	for coll, base := range t.base {
		n, err := c.st.Objects().Count(ctx, coll)
		if err != nil {
			return false, fmt.Errorf("dashboard counts of %s: %w", coll, err)
		}
		c.mu.RLock()
		counted := t.counted[coll]
		c.mu.RUnlock()
		if n < base+counted {
			return true, nil
		}
	}
	return false, nil
}

// prune drops the buckets of days before the window.
func (c *counts) prune(t *tallies) {
	first := day(c.now().Add(-c.window - 24*time.Hour).UnixMicro())
	for k := range t.buckets {
		if k.day < first {
			delete(t.buckets, k)
		}
	}
}

// admits returns, for each facts index of t, whether sc admits every version of that facts,
// and the embargo bound (0 for none) a bucket's last date_added must not pass.
func admits(sc *policy.Scope, t *tallies) ([]bool, int64) {
	out := make([]bool, len(t.facts))
	var by int64
	if !sc.AddedBy.IsZero() {
		by = sc.AddedBy.UnixMicro()
	}
	for i, fk := range t.facts {
		if fk.labelled && (len(sc.Labels) > 0 || len(sc.ExcludeLabels) > 0) {
			continue // which labels is not kept: undecidable, so not counted
		}
		f := policy.Facts{Type: fk.typ, TLP: fk.tlp, Origin: fk.origin, Personal: policy.PersonalClass(fk.personal),
			GranularRequired: policy.LevelsOfStore(fk.required), Added: sc.AddedBy}
		if f.Added.IsZero() {
			f.Added = time.UnixMicro(1)
		}
		out[i] = sc.Admits(f)
	}
	return out, by
}
