package web

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// related is an object this one refers to, by the property that refers.
type related struct {
	Via, ID, Type, Name string
	Visible             bool // the viewer may open it
}

// graph is a small star drawn as inline SVG: the object in the middle, what it refers to
// around it.
type graph struct {
	W, H   int
	Center node
	Nodes  []node
}

type node struct {
	X, Y        float64
	Label, Href string
	Type, Via   string
}

const maxRelated = 12

// sighting is a sighting of an object, as shown on its page.
type sighting struct {
	ID                  string
	Count               int
	FirstSeen, LastSeen string
	Where               int // how many places sighted it
	TLP                 stix.TLP
}

// linkBudget bounds the relationships and sightings read to find those pointing at an object
// among the latest versions the index of links has not reached yet (added after its cursor);
// linkedMax bounds those read through the index.
const (
	linkBudget = 2000
	linkedMax  = 500
)

// linkTypes are the types whose versions show on the pages of the objects they point at:
// relationships and sightings, and the containers that mention objects (mentionTypes).
var linkTypes = []string{"relationship", "sighting", "report", "grouping", "note", "opinion"}

// mentionTypes are the containers listed as "mentioned in" on the pages of their object_refs.
var mentionTypes = map[string]bool{"report": true, "grouping": true, "note": true, "opinion": true}

// maxMentions bounds the containers an object's page lists.
const maxMentions = 20

// linksOf returns the ids a version of this type points at that make it show on their pages
// (store.SearchDoc.Links): a relationship's source and target, a sighting's sighting_of_ref, a
// report's, grouping's, note's or opinion's object_refs.
func linksOf(typ string, raw []byte) []string {
	if !slices.Contains(linkTypes, typ) {
		return nil
	}
	var p struct {
		SourceRef     string   `json:"source_ref"`
		TargetRef     string   `json:"target_ref"`
		SightingOfRef string   `json:"sighting_of_ref"`
		ObjectRefs    []string `json:"object_refs"`
	}
	if json.Unmarshal(raw, &p) != nil {
		return nil
	}
	var out []string
	for _, id := range append([]string{p.SourceRef, p.TargetRef, p.SightingOfRef}, p.ObjectRefs...) {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// incoming finds the relationships, sightings and containers (reports, groupings, notes,
// opinions) the viewer may receive that point at the object with this id, newest first: those
// the index of links holds (store.SearchStore.Linked), and those added after its cursor, read one
// by one. partial reports that some may be missing: more than linkBudget versions wait for the
// index, or the store failed.
func (u *UI) incoming(ctx context.Context, pv *policy.View, coll, id string) (rels []related, sights []sighting, mentions []row, partial bool) {
	var recs []store.Record
	prog, err := u.d.Store.Search().Progress(ctx, coll)
	if err != nil {
		return nil, nil, nil, true
	}
	f := store.Filter{Collection: coll, Types: linkTypes, AddedAfter: prog.Cursor, Limit: 500}
	pv.Restrict(&f)
	for seen := 0; ; {
		if seen >= linkBudget {
			partial = true
			break
		}
		pg, err := u.d.Store.Objects().Query(ctx, f)
		if err != nil {
			partial = true
			break
		}
		for i := range pg.Records {
			seen++
			f.AddedAfter = pg.Records[i].DateAdded
			if bytes.Contains(pg.Records[i].Raw, []byte(id)) {
				recs = append(recs, pg.Records[i])
			}
		}
		if !pg.More || len(pg.Records) == 0 {
			break
		}
	}
	slices.Reverse(recs)
	linked, err := u.d.Store.Search().Linked(ctx, coll, id, linkedMax)
	if err != nil {
		partial = true
	}
	recs = append(recs, linked...)
	done := make(map[string]bool, len(recs))
	for i := range recs {
		rec := &recs[i]
		if done[rec.ID] {
			continue // a version added after the cursor, already taken, replaces the indexed one
		}
		done[rec.ID] = true
		out, dec, err := pv.Deliver(ctx, rec)
		if err != nil || !dec.Allow {
			continue
		}
		var p struct {
			RelationshipType string   `json:"relationship_type"`
			SourceRef        string   `json:"source_ref"`
			TargetRef        string   `json:"target_ref"`
			SightingOfRef    string   `json:"sighting_of_ref"`
			Count            int      `json:"count"`
			FirstSeen        string   `json:"first_seen"`
			LastSeen         string   `json:"last_seen"`
			Where            []string `json:"where_sighted_refs"`
			ObjectRefs       []string `json:"object_refs"`
		}
		if json.Unmarshal(out, &p) != nil {
			continue
		}
		switch {
		case mentionTypes[rec.Type] && slices.Contains(p.ObjectRefs, id) && len(mentions) < maxMentions:
			mentions = append(mentions, row{ID: rec.ID, Collection: rec.Collection, Type: rec.Type, Name: nameOf(out), TLP: rec.TLP, Added: rec.DateAdded})
		case rec.Type == "sighting" && p.SightingOfRef == id:
			sights = append(sights, sighting{ID: rec.ID, Count: p.Count, FirstSeen: p.FirstSeen, LastSeen: p.LastSeen, Where: len(p.Where), TLP: rec.TLP})
		case rec.Type == "relationship" && p.TargetRef == id && len(rels) < maxRelated:
			typ, _, _ := strings.Cut(p.SourceRef, "--")
			rels = append(rels, related{Via: "← " + p.RelationshipType, ID: p.SourceRef, Type: typ})
		case rec.Type == "relationship" && p.SourceRef == id && len(rels) < maxRelated:
			typ, _, _ := strings.Cut(p.TargetRef, "--")
			rels = append(rels, related{Via: p.RelationshipType + " →", ID: p.TargetRef, Type: typ})
		}
	}
	return rels, sights, mentions, partial
}

// relationships lists the objects an object refers to (its *_ref and *_refs properties) and
// those related to it by the relationships given, that the viewer may receive, and lays them
// out as a star.
func (u *UI) relationships(ctx context.Context, pv *policy.View, rec *store.Record, raw []byte, in []related) ([]related, *graph) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil, nil
	}
	var out []related
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "object_marking_refs" || !(strings.HasSuffix(k, "_ref") || strings.HasSuffix(k, "_refs")) {
			continue
		}
		var ids []string
		var one string
		if json.Unmarshal(m[k], &one) == nil {
			ids = []string{one}
		} else {
			json.Unmarshal(m[k], &ids)
		}
		for _, id := range ids {
			if len(out) == maxRelated {
				break
			}
			typ, _, _ := strings.Cut(id, "--")
			rel := related{Via: k, ID: id, Type: typ}
			if r2, err := u.d.Store.Objects().Latest(ctx, id, rec.Collection); err == nil {
				if b, dec, err := pv.Deliver(ctx, &r2); err == nil && dec.Allow {
					rel.Visible, rel.Name = true, nameOf(b)
				}
			}
			out = append(out, rel)
		}
	}
	for _, rel := range in {
		if len(out) == maxRelated {
			break
		}
		if r2, err := u.d.Store.Objects().Latest(ctx, rel.ID, rec.Collection); err == nil {
			if b, dec, err := pv.Deliver(ctx, &r2); err == nil && dec.Allow {
				rel.Visible, rel.Name = true, nameOf(b)
			}
		}
		out = append(out, rel)
	}
	if len(out) == 0 {
		return nil, nil
	}
	g := &graph{W: 640, H: 360}
	g.Center = node{X: 320, Y: 180, Label: short(rec.Type), Type: rec.Type}
	for i, rel := range out {
		a := 2 * math.Pi * float64(i) / float64(len(out))
		n := node{X: 320 + 230*math.Cos(a), Y: 180 + 135*math.Sin(a), Type: rel.Type, Via: rel.Via, Label: short(rel.Type)}
		if rel.Name != "" {
			n.Label = short(rel.Name)
		}
		if rel.Visible {
			n.Href = "/objects/" + rel.ID
		}
		g.Nodes = append(g.Nodes, n)
	}
	return out, g
}

func short(s string) string {
	if r := []rune(s); len(r) > 22 {
		return string(r[:21]) + "…"
	}
	return s
}
