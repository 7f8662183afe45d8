package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/entente/entente/internal/federation"
	"github.com/entente/entente/internal/store"
)

// peerJSON is a peer as the API shows it: never its token.
type peerJSON struct {
	ID                string    `json:"id"`
	Name              string    `json:"name"`
	OrgID             string    `json:"org_id"`
	URL               string    `json:"url"`
	Pull              []string  `json:"pull"`
	Push              string    `json:"push,omitempty"`
	Collection        string    `json:"collection"`
	PublicKey         string    `json:"public_key,omitempty"`
	RequireSignatures bool      `json:"require_signatures"`
	IdentityID        string    `json:"identity_id,omitempty"`
	CreatedAt         time.Time `json:"created_at"`
}

func peerOf(p store.Peer) peerJSON {
	pull := p.Pull
	if pull == nil {
		pull = []string{}
	}
	return peerJSON{p.ID, p.Name, p.OrgID, p.URL, pull, p.Push, p.Collection, p.PublicKey, p.RequireSignatures, p.IdentityID, p.CreatedAt}
}

func (a *API) listPeers(w http.ResponseWriter, r *http.Request) error {
	peers, err := a.d.Store.Peers().List(r.Context())
	if err != nil {
		return fromStore(err, "peers")
	}
	out := make([]peerJSON, len(peers))
	for i, p := range peers {
		out[i] = peerOf(p)
	}
	writeJSON(w, http.StatusOK, map[string]any{"peers": out})
	return nil
}

func (a *API) createPeer(w http.ResponseWriter, r *http.Request) error {
	var in federation.PeerInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	p, err := federation.AddPeer(r.Context(), a.d.Store, in)
	if errors.Is(err, federation.ErrInvalidPeer) {
		return apiErr(KindInvalid, "%s", strings.TrimPrefix(err.Error(), federation.ErrInvalidPeer.Error()+": "))
	}
	if errors.Is(err, store.ErrNotFound) {
		return apiErr(KindNotFound, "%v", err)
	}
	if err != nil {
		return fromStore(err, "peer "+in.Name)
	}
	if err := a.auditChange(r, "peer.add", p.ID, p.Name+" "+p.URL); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, peerOf(p))
	return nil
}

func (a *API) removePeer(w http.ResponseWriter, r *http.Request) error {
	p, err := a.d.Store.Peers().Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return fromStore(err, "peer "+r.PathValue("id"))
	}
	if err := a.d.Store.Peers().Remove(r.Context(), p.ID); err != nil {
		return fromStore(err, "peer "+p.Name)
	}
	if err := a.auditChange(r, "peer.remove", p.ID, p.Name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) peerStatus(w http.ResponseWriter, r *http.Request) error {
	sts, err := federation.Statuses(r.Context(), a.d.Store, time.Now())
	if err != nil {
		return fromStore(err, "peer status")
	}
	if sts == nil {
		sts = []federation.Status{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"peers": sts})
	return nil
}

func (a *API) nodeKey(w http.ResponseWriter, r *http.Request) error {
	k, err := federation.NodeKey(r.Context(), a.d.Store.Settings())
	if err != nil {
		return fromStore(err, "node key")
	}
	self, err := a.d.Store.Orgs().Self(r.Context())
	if err != nil {
		return fromStore(err, "own organisation")
	}
	writeJSON(w, http.StatusOK, map[string]string{
		"public_key": federation.PublicKey(k), "algorithm": "ed25519", "org": self.Name, "identity_id": self.IdentityID,
	})
	return nil
}
