package api

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/entente/entente/internal/auth"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

type collectionJSON struct {
	ID          string    `json:"id"`
	Alias       string    `json:"alias,omitempty"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Read        []string  `json:"read"`
	Write       []string  `json:"write"`
	CreatedAt   time.Time `json:"created_at"`
	Objects     int64     `json:"objects"`
}

func visible(p auth.Principal, c store.Collection) bool {
	return p.Self || slices.Contains(c.Read, p.OrgID) || slices.Contains(c.Write, p.OrgID)
}

func (a *API) collectionJSON(r *http.Request, c store.Collection) (collectionJSON, error) {
	n, err := a.d.Store.Objects().Count(r.Context(), c.ID)
	if err != nil {
		return collectionJSON{}, fromStore(err, "collection")
	}
	read, write := c.Read, c.Write
	if read == nil {
		read = []string{}
	}
	if write == nil {
		write = []string{}
	}
	return collectionJSON{c.ID, c.Alias, c.Title, c.Description, read, write, c.CreatedAt, n}, nil
}

func (a *API) listCollections(w http.ResponseWriter, r *http.Request) error {
	cs, err := a.d.Store.Collections().List(r.Context())
	if err != nil {
		return fromStore(err, "collections")
	}
	p := principalOf(r)
	out := []collectionJSON{}
	for _, c := range cs {
		if !visible(p, c) {
			continue
		}
		j, err := a.collectionJSON(r, c)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"collections": out})
	return nil
}

func (a *API) getCollection(w http.ResponseWriter, r *http.Request) error {
	c, err := a.d.Store.Collections().Get(r.Context(), r.PathValue("id"))
	if err != nil || !visible(principalOf(r), c) {
		return apiErr(KindNotFound, "collection %q not found", r.PathValue("id"))
	}
	j, err := a.collectionJSON(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

func (a *API) orgIDs(r *http.Request, refs []string) ([]string, error) {
	var ids []string
	for _, ref := range refs {
		o, err := a.d.Store.Orgs().Get(r.Context(), ref)
		if err != nil {
			return nil, apiErr(KindInvalid, "no organisation %q", ref)
		}
		ids = append(ids, o.ID)
	}
	return ids, nil
}

func (a *API) createCollection(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Title       string   `json:"title"`
		Alias       string   `json:"alias"`
		Description string   `json:"description"`
		Read        []string `json:"read"`
		Write       []string `json:"write"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Title) == "" {
		return apiErr(KindInvalid, "title is required")
	}
	c := store.Collection{Title: in.Title, Alias: in.Alias, Description: in.Description, CreatedAt: time.Now().UTC()}
	var err error
	if c.Read, err = a.orgIDs(r, in.Read); err != nil {
		return err
	}
	if c.Write, err = a.orgIDs(r, in.Write); err != nil {
		return err
	}
	c, err = a.d.Store.Collections().Create(r.Context(), c)
	if err != nil {
		return fromStore(err, "collection "+in.Alias)
	}
	j, err := a.collectionJSON(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, j)
	return nil
}

type orgJSON struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Country    string    `json:"country,omitempty"`
	Contact    string    `json:"contact,omitempty"`
	IdentityID string    `json:"identity_id"`
	Self       bool      `json:"self"`
	CreatedAt  time.Time `json:"created_at"`
}

func (a *API) listOrgs(w http.ResponseWriter, r *http.Request) error {
	orgs, err := a.d.Store.Orgs().List(r.Context())
	if err != nil {
		return fromStore(err, "organisations")
	}
	out := make([]orgJSON, len(orgs))
	for i, o := range orgs {
		out[i] = orgJSON{o.ID, o.Name, o.Country, o.Contact, o.IdentityID, o.Self, o.CreatedAt}
	}
	writeJSON(w, http.StatusOK, map[string]any{"orgs": out})
	return nil
}

func (a *API) createOrg(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name    string `json:"name"`
		Country string `json:"country"`
		Contact string `json:"contact"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return apiErr(KindInvalid, "name is required")
	}
	cc := strings.ToUpper(in.Country)
	if cc != "" && (len(cc) != 2 || strings.Trim(cc, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		return apiErr(KindInvalid, "country %q is not a two-letter ISO 3166-1 code", in.Country)
	}
	o, err := a.d.Store.Orgs().Create(r.Context(), store.Org{Name: in.Name, Country: cc, Contact: in.Contact, IdentityID: stix.NewID("identity"), CreatedAt: time.Now().UTC()})
	if err != nil {
		return fromStore(err, "organisation "+in.Name)
	}
	writeJSON(w, http.StatusCreated, orgJSON{o.ID, o.Name, o.Country, o.Contact, o.IdentityID, o.Self, o.CreatedAt})
	return nil
}

type tokenJSON struct {
	ID        string     `json:"id"`
	OrgID     string     `json:"org_id"`
	Role      string     `json:"role"`
	Label     string     `json:"label,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	Token     string     `json:"token,omitempty"` // the secret, only in the answer that creates it
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func tokenOf(t store.Token) tokenJSON {
	return tokenJSON{ID: t.ID, OrgID: t.OrgID, Role: t.Role, Label: t.Label, CreatedAt: t.CreatedAt, ExpiresAt: timePtr(t.ExpiresAt), RevokedAt: timePtr(t.RevokedAt)}
}

func (a *API) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := a.d.Store.Tokens().List(r.Context(), r.URL.Query().Get("org"))
	if err != nil {
		return fromStore(err, "tokens")
	}
	out := make([]tokenJSON, len(ts))
	for i, t := range ts {
		out[i] = tokenOf(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
	return nil
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Org     string `json:"org"`
		Role    string `json:"role"`
		Label   string `json:"label"`
		Expires string `json:"expires"` // a duration such as "720h"
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if !auth.ValidRole(in.Role) {
		return apiErr(KindInvalid, "role must be admin, analyst, reader or partner")
	}
	o, err := a.d.Store.Orgs().Get(r.Context(), in.Org)
	if err != nil {
		return apiErr(KindInvalid, "no organisation %q", in.Org)
	}
	if (in.Role == auth.RolePartner) == o.Self {
		return apiErr(KindInvalid, "partner tokens belong to partner organisations, other roles to the own organisation")
	}
	t := store.Token{OrgID: o.ID, Role: in.Role, Label: in.Label, CreatedAt: time.Now().UTC()}
	if in.Expires != "" {
		d, err := time.ParseDuration(in.Expires)
		if err != nil || d <= 0 {
			return apiErr(KindInvalid, "expires %q is not a positive duration such as 720h", in.Expires)
		}
		t.ExpiresAt = t.CreatedAt.Add(d)
	}
	secret := auth.NewSecret()
	t.Hash = auth.Hash(secret)
	t, err = a.d.Store.Tokens().Create(r.Context(), t)
	if err != nil {
		return fromStore(err, "token")
	}
	out := tokenOf(t)
	out.Token = secret
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := a.d.Store.Tokens().Revoke(r.Context(), r.PathValue("id"), time.Now().UTC()); err != nil {
		return fromStore(err, "token")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
