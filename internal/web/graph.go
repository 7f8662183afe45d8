package web

import (
	"context"
	"encoding/json"
	"math"
	"sort"
	"strings"

	"github.com/entente/entente/internal/policy"
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

// relationships lists the objects an object refers to (its *_ref and *_refs properties) that
// the viewer may receive, and lays them out as a star.
func (u *UI) relationships(ctx context.Context, pv *policy.View, rec *store.Record, raw []byte) ([]related, *graph) {
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
