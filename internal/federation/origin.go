package federation

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// Origins recognises the author of an object that arrives from a partner: when its
// created_by_ref names the STIX identity of a known partner organisation (store.Org.IdentityID,
// or store.Peer.IdentityID of one of its peers), the object is that partner's, whoever passed it
// on. It never makes an object the own organisation's: what comes from outside cannot raise
// itself to the own organisation's sharing. Nor does it change what the own organisation's members
// post: their objects stay the own organisation's.
type Origins struct {
	Store store.Store
	TTL   time.Duration // how long the identity map is reused; default 10 s

	mu     sync.Mutex
	byID   map[string]string // identity id -> organisation id
	self   string            // the own organisation's id
	loaded time.Time
}

// Map returns p with OrgID replaced by the organisation o's created_by_ref names, when it names
// a partner. It has the signature of ingest.Ingester.Origin.
func (g *Origins) Map(o *stix.Object, p store.Provenance) store.Provenance {
	if o.CreatedByRef == "" {
		return p
	}
	m, self, err := g.identities(context.Background())
	if err != nil || p.OrgID == self {
		return p // the provenance as given is safe: the supplier stays the origin
	}
	if org, ok := m[o.CreatedByRef]; ok {
		p.OrgID = org
	}
	return p
}

func (g *Origins) identities(ctx context.Context) (map[string]string, string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	ttl := g.TTL
	if ttl <= 0 {
		ttl = 10 * time.Second
	}
	if g.byID != nil && time.Since(g.loaded) < ttl {
		return g.byID, g.self, nil
	}
	orgs, err := g.Store.Orgs().List(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("identities: %w", err)
	}
	peers, err := g.Store.Peers().List(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("identities: %w", err)
	}
	m := make(map[string]string, len(orgs)+len(peers))
	for _, o := range orgs {
		if !o.Self && o.IdentityID != "" {
			m[o.IdentityID] = o.ID
		}
	}
	for _, p := range peers {
		if p.IdentityID != "" {
			m[p.IdentityID] = p.OrgID
		}
	}
	for _, o := range orgs {
		if o.Self {
			delete(m, o.IdentityID) // a peer claiming the own identity is not believed
			g.self = o.ID
		}
	}
	g.byID, g.loaded = m, time.Now()
	return m, g.self, nil
}
