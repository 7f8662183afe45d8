package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/entente/entente/internal/auth"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// agreementJSON is an agreement as the API reads and writes it.
type agreementJSON struct {
	Partner       string     `json:"partner"`
	PartnerName   string     `json:"partner_name,omitempty"`
	MaxTLP        string     `json:"max_tlp"`
	ValidFrom     *time.Time `json:"valid_from,omitempty"`
	ValidUntil    *time.Time `json:"valid_until,omitempty"`
	InForce       bool       `json:"in_force"`
	Types         []string   `json:"types,omitempty"`
	ExcludeTypes  []string   `json:"exclude_types,omitempty"`
	Labels        []string   `json:"labels,omitempty"`
	ExcludeLabels []string   `json:"exclude_labels,omitempty"`
	Embargo       string     `json:"embargo,omitempty"`
	OnwardSharing string     `json:"onward_sharing"`
	PersonalData  string     `json:"personal_data"`
}

func (a *API) listAgreements(w http.ResponseWriter, r *http.Request) error {
	list, err := a.d.Store.Agreements().List(r.Context())
	if err != nil {
		return fromStore(err, "agreements")
	}
	out := []agreementJSON{}
	now := time.Now()
	for _, sa := range list {
		pa, err := policy.FromStore(sa)
		if err != nil {
			return fromStore(err, "agreement")
		}
		j := agreementJSON{
			Partner: pa.Partner, MaxTLP: pa.MaxTLP.String(), ValidFrom: timePtr(pa.ValidFrom), ValidUntil: timePtr(pa.ValidUntil),
			InForce: pa.InForce(now), Types: pa.Types, ExcludeTypes: pa.ExcludeTypes, Labels: pa.Labels, ExcludeLabels: pa.ExcludeLabels,
			OnwardSharing: pa.Onward.String(), PersonalData: pa.PersonalData.String(),
		}
		if pa.Embargo > 0 {
			j.Embargo = pa.Embargo.String()
		}
		if o, err := a.d.Store.Orgs().Get(r.Context(), pa.Partner); err == nil {
			j.PartnerName = o.Name
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"agreements": out})
	return nil
}

func (a *API) putAgreement(w http.ResponseWriter, r *http.Request) error {
	o, err := a.d.Store.Orgs().Get(r.Context(), r.PathValue("partner"))
	if err != nil {
		return apiErr(KindNotFound, "no organisation %q", r.PathValue("partner"))
	}
	if o.Self {
		return apiErr(KindInvalid, "an agreement is with a partner, not the own organisation")
	}
	var in agreementJSON
	if err := decode(w, r, &in); err != nil {
		return err
	}
	pa := policy.Agreement{Partner: o.ID, Types: in.Types, ExcludeTypes: in.ExcludeTypes, Labels: in.Labels, ExcludeLabels: in.ExcludeLabels}
	t, ok := stix.ParseTLP(in.MaxTLP)
	if !ok || t == stix.TLPRed {
		return apiErr(KindInvalid, "max_tlp must be clear, green, amber or amber+strict")
	}
	pa.MaxTLP = t
	if in.ValidFrom != nil {
		pa.ValidFrom = in.ValidFrom.UTC()
	}
	if in.ValidUntil != nil {
		pa.ValidUntil = in.ValidUntil.UTC()
	}
	if in.Embargo != "" {
		if pa.Embargo, err = time.ParseDuration(in.Embargo); err != nil || pa.Embargo < 0 {
			return apiErr(KindInvalid, "embargo %q is not a duration such as 24h", in.Embargo)
		}
	}
	if in.OnwardSharing == "" {
		in.OnwardSharing = "none"
	}
	if pa.Onward, err = policy.ParseOnwardSharing(in.OnwardSharing); err != nil {
		return apiErr(KindInvalid, "onward_sharing: %v", err)
	}
	if in.PersonalData == "" {
		in.PersonalData = "redact"
	}
	if pa.PersonalData, err = policy.ParsePersonalData(in.PersonalData); err != nil {
		return apiErr(KindInvalid, "personal_data: %v", err)
	}
	for _, t := range append(append([]string{}, pa.Types...), pa.ExcludeTypes...) {
		if err := stix.CheckTypeName(t); err != nil {
			return apiErr(KindInvalid, "%v", err)
		}
	}
	if err := pa.Validate(); err != nil {
		return apiErr(KindInvalid, "%v", err)
	}
	if err := a.d.Store.Agreements().Put(r.Context(), policy.ToStore(pa, time.Now().UTC())); err != nil {
		return fromStore(err, "agreement")
	}
	if err := a.auditChange(r, "agreement.set", o.ID, ""); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) removeAgreement(w http.ResponseWriter, r *http.Request) error {
	o, err := a.d.Store.Orgs().Get(r.Context(), r.PathValue("partner"))
	if err != nil {
		return apiErr(KindNotFound, "no organisation %q", r.PathValue("partner"))
	}
	if err := a.d.Store.Agreements().Remove(r.Context(), o.ID); err != nil {
		return fromStore(err, "agreement")
	}
	if err := a.auditChange(r, "agreement.remove", o.ID, ""); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) auditChange(r *http.Request, action, object, detail string) error {
	return a.record(r, store.AuditEntry{Action: action, Path: "api", Object: object, Decision: "done", Detail: detail})
}

// record appends e to the audit log, with the request's principal as its actor.
func (a *API) record(r *http.Request, e store.AuditEntry) error {
	if a.d.Audit == nil {
		return nil
	}
	p := principalOf(r)
	e.Actor = "org:" + p.OrgID + " token:" + p.TokenID
	if err := a.d.Audit.Record(r.Context(), e); err != nil {
		return &Error{Kind: KindInternal, Message: "internal error", err: err}
	}
	return nil
}

// latest finds the newest version of an object for the caller, or not_found when it does not
// exist or the caller may not receive it (the two are not told apart).
func (a *API) latest(r *http.Request, id string) (store.Record, *policy.View, error) {
	p := principalOf(r)
	var colls []string
	if !p.Self {
		// A partner reads only the collections it has been given.
		cs, err := a.d.Store.Collections().List(r.Context())
		if err != nil {
			return store.Record{}, nil, fromStore(err, "collections")
		}
		for _, c := range cs {
			if visible(p, c) {
				colls = append(colls, c.ID)
			}
		}
		if len(colls) == 0 {
			return store.Record{}, nil, apiErr(KindNotFound, "no object %s", id)
		}
	}
	rec, err := a.d.Store.Objects().Latest(r.Context(), id, colls...)
	if errors.Is(err, store.ErrNotFound) {
		return rec, nil, apiErr(KindNotFound, "no object %s", id)
	}
	if err != nil {
		return rec, nil, fromStore(err, "object")
	}
	rc, err := auth.Recipient(r.Context(), a.d.Store.Orgs(), p)
	if err != nil {
		return rec, nil, fromStore(err, "organisation")
	}
	v, err := a.d.Gate.View(r.Context(), rc)
	if err != nil {
		return rec, nil, fromStore(err, "agreements")
	}
	return rec, v, nil
}

func (a *API) getObject(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	rec, v, err := a.latest(r, id)
	if err != nil {
		return err
	}
	out, d, err := v.Deliver(r.Context(), &rec)
	if err != nil {
		return fromStore(err, "object")
	}
	if !d.Allow {
		return apiErr(KindNotFound, "no object %s", id)
	}
	if rec.TLP >= stix.TLPAmber {
		if err := a.record(r, store.AuditEntry{Action: "read", Path: "api", Object: id, Decision: string(d.Rule)}); err != nil {
			return err
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(out)
	return nil
}

func (a *API) explainObject(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	rec, _, err := a.latest(r, id)
	if err != nil {
		return err
	}
	lines, err := a.d.Gate.ExplainRecord(r.Context(), &rec)
	if err != nil {
		return fromStore(err, "explanation")
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": id, "version": rec.VersionText, "tlp": rec.TLP.String(), "recipients": lines})
	return nil
}

func (a *API) listShares(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, _, err := a.latest(r, id); err != nil {
		return err
	}
	list, err := a.d.Store.Shares().List(r.Context(), id)
	if err != nil {
		return fromStore(err, "shares")
	}
	if list == nil {
		list = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": id, "with": list})
	return nil
}

func (a *API) addShares(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, _, err := a.latest(r, id); err != nil {
		return err
	}
	var in struct {
		With []string `json:"with"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if len(in.With) == 0 {
		return apiErr(KindInvalid, "with must name at least one partner organisation")
	}
	ids, err := a.orgIDs(r, in.With)
	if err != nil {
		return err
	}
	if err := a.d.Store.Shares().Add(r.Context(), id, ids); err != nil {
		return fromStore(err, "shares")
	}
	b, _ := json.Marshal(ids)
	if err := a.auditChange(r, "share", id, string(b)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
