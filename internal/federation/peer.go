package federation

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
	"github.com/entente/entente/internal/taxii"
)

// PeerInput is a new peer as an operator gives it (CLI or API): organisation and collections by
// id or name.
type PeerInput struct {
	Name              string   `json:"name"`
	Org               string   `json:"org"`   // partner organisation: id or unique name
	URL               string   `json:"url"`   // the peer's TAXII API root
	Token             string   `json:"token"` // what this node authenticates with at the peer
	Pull              []string `json:"pull,omitempty"`
	Push              string   `json:"push,omitempty"`
	Collection        string   `json:"collection,omitempty"` // local collection (id or alias); default "default"
	PublicKey         string   `json:"public_key,omitempty"`
	RequireSignatures bool     `json:"require_signatures,omitempty"`
	IdentityID        string   `json:"identity_id,omitempty"`
}

// ErrInvalidPeer wraps what is wrong with a PeerInput.
var ErrInvalidPeer = errors.New("invalid peer")

// AddPeer checks in and stores the peer. Errors: ErrInvalidPeer (with the reason),
// store.ErrNotFound (organisation or collection), store.ErrConflict (name taken).
func AddPeer(ctx context.Context, st store.Store, in PeerInput) (store.Peer, error) {
	bad := func(format string, args ...any) (store.Peer, error) {
		return store.Peer{}, fmt.Errorf("%w: %s", ErrInvalidPeer, fmt.Sprintf(format, args...))
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return bad("a name is required")
	}
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return bad("the URL %q is not an http or https URL of a TAXII API root", in.URL)
	}
	if strings.TrimSpace(in.Token) == "" {
		return bad("a token for the peer is required")
	}
	if in.PublicKey != "" {
		k, err := taxii.ParsePublicKey(in.PublicKey)
		if err != nil {
			return bad("%v", err)
		}
		in.PublicKey = taxii.KeyID(k)
	}
	if in.RequireSignatures && in.PublicKey == "" {
		return bad("requiring signatures needs the peer's public key")
	}
	if in.IdentityID != "" {
		if typ, _, err := stix.ParseID(in.IdentityID); err != nil || typ != "identity" {
			return bad("%q is not a STIX identity id", in.IdentityID)
		}
	}
	org, err := st.Orgs().Get(ctx, in.Org)
	if err != nil {
		return store.Peer{}, fmt.Errorf("organisation %q: %w", in.Org, err)
	}
	if org.Self {
		return bad("a peer belongs to a partner organisation, not the own one")
	}
	coll := in.Collection
	if coll == "" {
		coll = "default"
	}
	c, err := st.Collections().Get(ctx, coll)
	if err != nil {
		return store.Peer{}, fmt.Errorf("local collection %q: %w", coll, err)
	}
	return st.Peers().Create(ctx, store.Peer{
		Name: in.Name, OrgID: org.ID, URL: in.URL, Token: in.Token, Pull: in.Pull, Push: in.Push,
		Collection: c.ID, PublicKey: in.PublicKey, RequireSignatures: in.RequireSignatures,
		IdentityID: in.IdentityID, CreatedAt: time.Now(),
	})
}

// Status is a peer's exchange as `peer status` and the API show it.
type Status struct {
	Peer        string    `json:"peer"`
	PeerID      string    `json:"peer_id"`
	Org         string    `json:"org"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LagSeconds  float64   `json:"lag_seconds"`
	ObjectsIn   int64     `json:"objects_in"`
	ObjectsOut  int64     `json:"objects_out"`
	Rejected    int64     `json:"rejected"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

// Lag returns how long a peer's exchange has been behind at now: the longer of the times since
// its pull and its push directions last stopped being caught up; 0 while both keep up.
func Lag(st store.PeerStatus, now time.Time) time.Duration {
	var lag time.Duration
	for _, since := range []time.Time{st.PullBehindSince, st.PushBehindSince} {
		if !since.IsZero() {
			lag = max(lag, now.Sub(since))
		}
	}
	return lag
}

// Statuses returns the status of every peer.
func Statuses(ctx context.Context, st store.Store, now time.Time) ([]Status, error) {
	peers, err := st.Peers().List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Status, 0, len(peers))
	for _, p := range peers {
		s, err := st.Peers().Status(ctx, p.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		org := p.OrgID
		if o, err := st.Orgs().Get(ctx, p.OrgID); err == nil {
			org = o.Name
		}
		out = append(out, Status{
			Peer: p.Name, PeerID: p.ID, Org: org, LastSuccess: s.LastSuccess, LagSeconds: Lag(s, now).Seconds(),
			ObjectsIn: s.ObjectsIn, ObjectsOut: s.ObjectsOut, Rejected: s.Rejected, LastError: s.LastError, LastErrorAt: s.LastErrorAt,
		})
	}
	return out, nil
}

// Trust answers the TAXII server's questions about partners' signatures (taxii.PeerKeys) from
// the stored peers.
type Trust struct {
	Store   store.Store
	Metrics *Metrics // counts refusals; may be nil
}

var _ taxii.PeerKeys = (*Trust)(nil)

// Trust returns the pinned keys of the organisation's peers; signatures are required when any
// of them requires them.
func (t *Trust) Trust(ctx context.Context, orgID string) (taxii.PeerTrust, error) {
	peers, err := t.Store.Peers().List(ctx)
	if err != nil {
		return taxii.PeerTrust{}, err
	}
	var pt taxii.PeerTrust
	for _, p := range peers {
		if p.OrgID != orgID {
			continue
		}
		if pt.PeerID == "" {
			pt.PeerID = p.ID
		}
		if p.PublicKey != "" {
			k, err := taxii.ParsePublicKey(p.PublicKey)
			if err != nil {
				return pt, fmt.Errorf("peer %s: %w", p.Name, err)
			}
			pt.Keys = append(pt.Keys, ed25519.PublicKey(k))
		}
		pt.Require = pt.Require || p.RequireSignatures
	}
	return pt, nil
}

// Refused records a refused POST in the status of the organisation's peers.
func (t *Trust) Refused(ctx context.Context, orgID string, reason error) {
	peers, err := t.Store.Peers().List(ctx)
	if err != nil {
		return
	}
	for _, p := range peers {
		if p.OrgID != orgID {
			continue
		}
		t.Store.Peers().Record(ctx, p.ID, store.PeerEvent{At: time.Now(), Err: "refused a POST: " + reason.Error(), Rejected: 1})
		t.Metrics.refused(p.Name)
	}
}
