package policy

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// ConfigSetting is the setting that records the configuration (Config.Fingerprint) under which
// the stored facts of every object version were computed.
const ConfigSetting = "policy.config"

// Fingerprint names what of c the stored facts depend on: the default TLP of unmarked objects
// and the statement markings. Two configurations with the same fingerprint store the same facts.
func (c Config) Fingerprint() string {
	fp := "default_tlp=" + c.defaultTLP().String()
	var ids []string
	for id, ok := range c.Statements {
		if ok {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		slices.Sort(ids)
		sum := sha256.Sum256([]byte(strings.Join(ids, "\n")))
		fp += fmt.Sprintf(" statements=%d:%x", len(ids), sum[:8])
	}
	return fp
}

// RecomputeResult is what Recompute did.
type RecomputeResult struct {
	Checked int // object versions read
	Changed int // versions whose facts were rewritten
	// Undecodable counts stored versions that no longer decode; they are stored as TLP Unknown,
	// which no partner and no public receives.
	Undecodable int
}

// Recompute brings the stored facts of every object version in every collection in line with c:
// it computes each version's facts as ingest does (Fill) and rewrites those that differ, a page
// at a time. progress, when not nil, is called after each page with the versions checked so far.
//
// A node must not deliver anything between a change of its configuration and the end of
// Recompute: until then the stored TLP of an unmarked object is the old default, and a raised
// default would be a leak.
func (c Config) Recompute(ctx context.Context, st store.Store, progress func(checked int)) (RecomputeResult, error) {
	var res RecomputeResult
	colls, err := st.Collections().List(ctx)
	if err != nil {
		return res, fmt.Errorf("recompute facts: %w", err)
	}
	for _, coll := range colls {
		f := store.Filter{Collection: coll.ID, Versions: store.VersionMatch{All: true}}
		err := store.ScanPages(ctx, st.Objects(), f, func(recs []store.Record) error {
			var changed []store.StoredFacts
			for i := range recs {
				sf, ok := c.storedFacts(&recs[i])
				if !ok {
					res.Undecodable++
				}
				if sf != factsOfRecord(&recs[i]) {
					changed = append(changed, sf)
				}
			}
			res.Checked += len(recs)
			if len(changed) > 0 {
				if err := st.Objects().SetFacts(ctx, coll.ID, changed); err != nil {
					return err
				}
				res.Changed += len(changed)
			}
			if progress != nil {
				progress(res.Checked)
			}
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("recompute facts of collection %q: %w", coll.ID, err)
		}
	}
	return res, nil
}

// storedFacts computes the facts a store keeps for rec under c, and reports false (with TLP
// Unknown) when its JSON no longer decodes.
func (c Config) storedFacts(rec *store.Record) (store.StoredFacts, bool) {
	o, err := stix.Decode(rec.Raw)
	if err != nil {
		return store.StoredFacts{DateAdded: rec.DateAdded, TLP: stix.TLPUnknown, Personal: uint8(PersonalIntegral),
			GranularRequired: rec.GranularRequired, GranularOptional: rec.GranularOptional}, false
	}
	n := store.NewObject{Object: o, Origin: rec.Origin}
	c.Fill(&n)
	return store.StoredFacts{DateAdded: rec.DateAdded, TLP: n.StoredTLP(), Personal: n.Personal,
		GranularRequired: n.GranularRequired, GranularOptional: n.GranularOptional}, true
}

// factsOfRecord is the facts rec holds now.
func factsOfRecord(rec *store.Record) store.StoredFacts {
	return store.StoredFacts{DateAdded: rec.DateAdded, TLP: rec.TLP, Personal: rec.Personal,
		GranularRequired: rec.GranularRequired, GranularOptional: rec.GranularOptional}
}
