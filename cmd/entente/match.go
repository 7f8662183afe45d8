package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/pattern"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

func cmdMatch(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "match", "FILE… (- for standard input)")
	format := f.String("format", "auto", "log format: auto, text, jsonl, zeek or clf")
	minConf := f.Int("min-confidence", 0, "only indicators stating at least this confidence (0 to 100)")
	invalid := f.Bool("include-invalid", false, "also indicators outside their valid_from/valid_until")
	maxLine := f.Int("max-line", pattern.DefaultMaxLineLen, "skip (and count) lines longer than this many bytes")
	sightings := f.Bool("sightings", false, "record a STIX sighting of every indicator found (through ingest)")
	sightColl := f.String("sighting-collection", "", "collection for the sightings (default: the default collection)")
	sightTLP := f.String("sighting-tlp", "amber", "TLP of the sightings (an indicator's stricter TLP wins)")
	return withPolicyNode(ctx, e, f, args, func(n *node) error {
		if len(f.positional) == 0 {
			return usageError("match: name at least one log FILE, or - for standard input")
		}
		fm, err := pattern.ParseFormat(*format)
		if err != nil {
			return usageError("match: %v", err)
		}
		tlp, ok := stix.ParseTLP(*sightTLP)
		if !ok || tlp == stix.TLPUnknown {
			return usageError("match: --sighting-tlp %q: want clear, green, amber, amber+strict or red", *sightTLP)
		}
		x, err := n.loadIndex(ctx)
		if err != nil {
			return err
		}
		v, err := n.gate().View(ctx, policy.Recipient{Kind: policy.KindSelf})
		if err != nil {
			return err
		}
		names, err := n.orgNames(ctx)
		if err != nil {
			return err
		}
		m := &pattern.LogMatcher{Index: x, Format: fm, MaxLineLen: *maxLine,
			Filter: &pattern.Filter{View: v, MinConfidence: *minConf, Invalid: *invalid}}
		out := bufio.NewWriterSize(e.stdout, 64<<10)
		defer out.Flush()
		seen := map[string]*sightingOf{}
		var total pattern.LogStats
		start := time.Now()
		for _, name := range f.positional {
			in, closeIn, err := openInput(e, name)
			if err != nil {
				return err
			}
			st, err := m.Scan(ctx, in, func(h *pattern.LogHit) error {
				if s := names[h.Source]; s != "" {
					h.Source = s
				}
				noteSighting(seen, h)
				return writeHit(out, name, h)
			})
			closeIn()
			total.Lines += st.Lines
			total.Hits += st.Hits
			total.LongLines += st.LongLines
			total.BinaryLines += st.BinaryLines
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			fmt.Fprintf(e.stderr, "%s: %s, %d lines, %d hits, %d long and %d binary lines skipped\n",
				name, st.Format, st.Lines, st.Hits, st.LongLines, st.BinaryLines)
		}
		if err := out.Flush(); err != nil {
			return err
		}
		el := time.Since(start)
		fmt.Fprintf(e.stderr, "%d lines in %s (%.0f lines/s) against %d indicators: %d hits of %d indicators\n",
			total.Lines, el.Round(time.Millisecond), float64(total.Lines)/el.Seconds(), x.Len(), total.Hits, len(seen))
		if *sightings && len(seen) > 0 {
			if err := n.recordSightings(ctx, *sightColl, seen, tlp, start); err != nil {
				return err
			}
		}
		if total.Hits == 0 {
			return &exitError{code: 1} // as grep: nothing found
		}
		return nil
	})
}

// writeHit writes one hit as a JSON line, with the file it was found in.
func writeHit(w io.Writer, file string, h *pattern.LogHit) error {
	b, err := json.Marshal(struct {
		File string `json:"file"`
		*pattern.LogHit
	}{file, h})
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// loadIndex builds the indicator index from the store: the latest version of every indicator.
func (n *node) loadIndex(ctx context.Context) (*pattern.Index, error) {
	x := pattern.NewIndex()
	fl := &pattern.Follower{Index: x, Objects: n.store.Objects(), Collections: n.store.Collections(), Logger: n.log}
	if err := fl.Load(ctx); err != nil {
		return nil, err
	}
	return x, nil
}

// orgNames maps organisation ids to names.
func (n *node) orgNames(ctx context.Context) (map[string]string, error) {
	orgs, err := n.store.Orgs().List(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(orgs))
	for _, o := range orgs {
		m[o.ID] = o.Name
	}
	return m, nil
}

// sightingOf counts the hits of one indicator.
type sightingOf struct {
	id         string
	collection string
	tlp        stix.TLP
	count      int
}

func noteSighting(seen map[string]*sightingOf, h *pattern.LogHit) {
	s := seen[h.IndicatorID]
	if s == nil {
		t, _ := stix.ParseTLP(h.TLP)
		s = &sightingOf{id: h.IndicatorID, collection: h.Collection, tlp: t}
		seen[h.IndicatorID] = s
	}
	s.count++
}

// recordSightings stores one sighting per indicator found, through ingest, as the own
// organisation's. A sighting is marked with tlp or the indicator's stricter TLP; a sighting of a
// RED indicator names the indicator's producer as its recipient, so that the policy may share
// it back to them.
func (n *node) recordSightings(ctx context.Context, collection string, seen map[string]*sightingOf, tlp stix.TLP, since time.Time) error {
	c, err := n.collection(ctx, collection)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Format(stix.MicroFormat)
	first := since.UTC().Format(stix.MicroFormat)
	var buf bytes.Buffer
	for _, s := range seen {
		t := stix.Stricter(tlp, s.tlp)
		if t == stix.TLPUnknown || t == 0 {
			t = stix.TLPRed
		}
		o := map[string]any{
			"type": "sighting", "spec_version": "2.1", "id": stix.NewID("sighting"), "created": now, "modified": now,
			"sighting_of_ref": s.id, "count": s.count, "first_seen": first, "last_seen": now,
			"created_by_ref": n.self.IdentityID, "where_sighted_refs": []string{n.self.IdentityID},
			"object_marking_refs": []string{stix.TLPMarkingID(t)},
			"description":         "Seen in logs by entente match.",
		}
		if t == stix.TLPRed {
			rec, err := n.store.Objects().Latest(ctx, s.id, s.collection)
			if err == nil && rec.Origin.OrgID != "" && rec.Origin.OrgID != n.self.ID {
				o[policy.RecipientsProperty] = []string{rec.Origin.OrgID}
			}
		}
		b, err := json.Marshal(o)
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	sum, err := n.ingester().Stream(ctx, c.ID, &buf, store.Provenance{OrgID: n.self.ID, Via: "match"}, func(r ingest.Result) {
		if r.Err != nil {
			n.log.Warn("sighting rejected", "id", r.ID, "err", r.Reason())
		}
	})
	if err != nil {
		return fmt.Errorf("recording sightings: %w", err)
	}
	n.log.Info("sightings recorded", "accepted", sum.Accepted, "rejected", sum.Rejected)
	return nil
}
