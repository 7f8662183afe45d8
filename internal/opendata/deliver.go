package opendata

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// public is the recipient of everything published here.
var public = policy.Recipient{Kind: policy.KindPublic}

// errEnough stops a scan early once a caller has what it wants.
var errEnough = errors.New("enough records")

// each calls fn for the records of an object dataset that the public receives, with the bytes it
// receives (the stored JSON, or a redacted copy), in every collection, ascending by date_added
// within each. An object held in several collections is given once. Revoked objects are left
// out. limit > 0 stops after that many records.
func (h *Handler) each(ctx context.Context, d *Dataset, limit int, fn func(rec *store.Record, out []byte) error) error {
	v, err := h.d.Gate.View(ctx, public)
	if err != nil {
		return fmt.Errorf("public view: %w", err)
	}
	cols, err := h.d.Store.Collections().List(ctx)
	if err != nil {
		return fmt.Errorf("listing collections: %w", err)
	}
	// Only collections that hold objects are read; an object met in an earlier one is left out of
	// a later one. The keys of what was given are kept, 8 bytes an object, sorted, and only while
	// a later collection could hold the same object.
	var full []store.Collection
	for _, c := range cols {
		k, err := h.d.Store.Objects().Count(ctx, c.ID)
		if err != nil {
			return fmt.Errorf("counting collection %s: %w", c.ID, err)
		}
		if k > 0 {
			full = append(full, c)
		}
	}
	cols = full
	var given, pending []uint64
	seed := maphash.MakeSeed()
	n := 0
	for i, c := range cols {
		more := i < len(cols)-1
		f := store.Filter{Collection: c.ID, Types: d.Types}
		v.Restrict(&f)
		err := store.Scan(ctx, h.d.Store.Objects(), f, func(rec *store.Record) error { // reads a page ahead
			if rec.Revoked {
				return nil
			}
			out, ok, err := h.deliver(ctx, v, rec)
			if err != nil || !ok {
				return err
			}
			if i > 0 || more {
				k := maphash.String(seed, rec.ID)
				if _, dup := slices.BinarySearch(given, k); dup {
					return nil
				}
				if more {
					pending = append(pending, k)
				}
			}
			if err := fn(rec, out); err != nil {
				return err
			}
			n++
			if limit > 0 && n >= limit {
				return errEnough
			}
			return nil
		})
		if errors.Is(err, errEnough) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading collection %s: %w", c.ID, err)
		}
		given = append(given, pending...)
		slices.Sort(given)
		pending = pending[:0]
	}
	return nil
}

// deliver decides one record for the public. Before it asks the policy, it derives the record's
// policy facts again from the object itself whenever the JSON could hold granular markings or
// personal data, and keeps the stricter of stored and derived facts: the store's columns are
// trusted only where a byte scan shows there is nothing they could have missed.
func (h *Handler) deliver(ctx context.Context, v *policy.View, rec *store.Record) ([]byte, bool, error) {
	if rec.TLP != stix.TLPClear || rec.Raw == nil {
		return nil, false, nil
	}
	if mayHoldFacts(rec.Type, rec.Raw) {
		o, err := stix.Decode(rec.Raw)
		if err != nil {
			return nil, false, fmt.Errorf("stored object %s no longer decodes: %w", rec.ID, err)
		}
		n := store.NewObject{Object: o, Origin: rec.Origin}
		h.d.Gate.Config.Fill(&n)
		rec.TLP = stix.Stricter(rec.TLP, n.TLP)
		if rec.TLP != stix.TLPClear {
			return nil, false, nil
		}
		rec.Personal = max(rec.Personal, n.Personal)
		rec.GranularRequired |= n.GranularRequired
		rec.GranularOptional |= n.GranularOptional
	}
	out, d, err := v.Deliver(ctx, rec)
	if err != nil {
		return nil, false, fmt.Errorf("deciding %s for the public: %w", rec.ID, err)
	}
	return out, d.Allow && out != nil, nil
}

var factMarkers = [][]byte{
	[]byte(`"granular_markings"`), []byte(`"authors"`), []byte("email-addr--"), []byte("user-account--"),
	[]byte(`\u`), // an escape could spell any of the above, or an e-mail address's "@"
}

// mayHoldFacts reports whether an object's JSON could hold granular markings or personal data.
// It errs on the side of yes.
func mayHoldFacts(typ string, raw []byte) bool {
	switch typ {
	case "email-addr", "user-account", "identity":
		return true
	}
	if bytes.IndexByte(raw, '@') >= 0 {
		return true
	}
	for _, m := range factMarkers {
		if bytes.Contains(raw, m) {
			return true
		}
	}
	return false
}
