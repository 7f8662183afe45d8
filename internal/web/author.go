package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/pattern"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

type indicatorData struct {
	Name, Pattern, Description, TLP string
	TLPs                            []stix.TLP
	Partners                        []store.Org
	Errors                          []string
}

func (u *UI) indicatorForm(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	if !s.Principal.Self || !s.Principal.CanWrite() {
		return forbidden()
	}
	d := &indicatorData{TLP: "amber", TLPs: allTLPs}
	if err := u.partnersOf(r.Context(), &d.Partners); err != nil {
		return err
	}
	v.Title, v.Data = translate(v.Lang, "ind.title"), d
	return u.render(w, http.StatusOK, v, "indicator")
}

func (u *UI) partnersOf(ctx context.Context, into *[]store.Org) error {
	orgs, err := u.d.Store.Orgs().List(ctx)
	if err != nil {
		return internal(err)
	}
	for _, o := range orgs {
		if !o.Self {
			*into = append(*into, o)
		}
	}
	return nil
}

// createIndicator checks the form (the pattern with internal/pattern), writes a STIX 2.1
// indicator marked with its TLP and created by the own organisation, and stores it through
// ingest, the only way in.
func (u *UI) createIndicator(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	ctx := r.Context()
	if !s.Principal.Self || !s.Principal.CanWrite() {
		return forbidden()
	}
	d := &indicatorData{Name: strings.TrimSpace(r.FormValue("name")), Pattern: strings.TrimSpace(r.FormValue("pattern")),
		Description: strings.TrimSpace(r.FormValue("description")), TLP: r.FormValue("tlp"), TLPs: allTLPs}
	if err := u.partnersOf(ctx, &d.Partners); err != nil {
		return err
	}
	tlp, ok := stix.ParseTLP(d.TLP)
	if !ok {
		tlp, d.TLP = stix.TLPAmber, "amber"
	}
	if d.Name == "" {
		d.Errors = append(d.Errors, translate(v.Lang, "ind.need_name"))
	}
	if err := pattern.Check(d.Pattern); err != nil {
		d.Errors = append(d.Errors, translate(v.Lang, "ind.bad_pattern")+" "+err.Error())
	}
	if len(d.Errors) > 0 {
		v.Title, v.Data = translate(v.Lang, "ind.title"), d
		return u.render(w, http.StatusUnprocessableEntity, v, "indicator")
	}
	self, err := u.d.Store.Orgs().Self(ctx)
	if err != nil {
		return internal(err)
	}
	now := u.d.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	obj := map[string]any{
		"type": "indicator", "spec_version": "2.1", "id": stix.NewID("indicator"), "created": now, "modified": now,
		"name": d.Name, "pattern": d.Pattern, "pattern_type": "stix", "valid_from": now,
		"created_by_ref": self.IdentityID, "object_marking_refs": []string{stix.TLPMarkingID(tlp)},
	}
	if d.Description != "" {
		obj["description"] = d.Description
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		return internal(err)
	}
	id := obj["id"].(string)
	if err := u.ingestOne(ctx, s, raw); err != nil {
		var re *rejected
		if errors.As(err, &re) {
			d.Errors = append(d.Errors, translate(v.Lang, "ind.rejected")+" "+re.Error())
			v.Title, v.Data = translate(v.Lang, "ind.title"), d
			return u.render(w, http.StatusUnprocessableEntity, v, "indicator")
		}
		return err
	}
	var with []string
	for _, ref := range r.Form["with"] {
		if o, err := u.d.Store.Orgs().Get(ctx, ref); err == nil && !o.Self {
			with = append(with, o.ID)
		}
	}
	if len(with) > 0 {
		if err := u.d.Store.Shares().Add(ctx, id, with); err != nil {
			return internal(err)
		}
	}
	if err := u.audit(ctx, s, "create", id, ""); err != nil {
		return err
	}
	http.Redirect(w, r, "/objects/"+id+"?created=1", http.StatusSeeOther)
	return nil
}

// rejected is an object ingest refused, with its reason.
type rejected struct{ err error }

func (e *rejected) Error() string { return e.err.Error() }

// ingestOne stores one object authored here, with the own organisation as its origin, and
// brings it into the indicator index at once.
func (u *UI) ingestOne(ctx context.Context, s *session, raw []byte) error {
	coll, err := u.d.Store.Collections().Get(ctx, u.d.Collection)
	if err != nil {
		return internal(fmt.Errorf("collection %q: %w", u.d.Collection, err))
	}
	res, err := u.d.Ingester.Add(ctx, coll.ID, [][]byte{raw}, store.Provenance{OrgID: s.User.OrgID, Via: "ui", ReceivedAt: u.d.Now().UTC()})
	if err != nil {
		return internal(err)
	}
	if res[0].Outcome != ingest.Accepted && res[0].Outcome != ingest.Duplicate {
		return &rejected{res[0].Err}
	}
	if u.d.Index != nil {
		if rec, err := u.d.Store.Objects().Latest(ctx, res[0].ID, coll.ID); err == nil {
			if err := u.d.Index.AddRecord(&rec); err != nil {
				u.d.Logger.Warn("indexing an authored indicator", "id", rec.ID, "err", err)
			}
		}
	}
	return nil
}

type importData struct {
	Done                          bool
	Accepted, Duplicates, Rejects int
	Errors                        []string
}

func (u *UI) importForm(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	if !s.Principal.Self || !s.Principal.CanWrite() {
		return forbidden()
	}
	v.Title, v.Data = translate(v.Lang, "import.title"), &importData{}
	return u.render(w, http.StatusOK, v, "import")
}

// maxImport bounds an upload from the browser; bigger files belong to `entente import`.
const maxImport = 256 << 20

// importFile streams an uploaded STIX file through ingest.
func (u *UI) importFile(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	ctx := r.Context()
	if !s.Principal.Self || !s.Principal.CanWrite() {
		return forbidden()
	}
	f, _, err := r.FormFile("file")
	d := &importData{}
	v.Title, v.Data = translate(v.Lang, "import.title"), d
	if err != nil {
		d.Errors = []string{translate(v.Lang, "import.no_file")}
		return u.render(w, http.StatusBadRequest, v, "import")
	}
	defer f.Close()
	coll, err := u.d.Store.Collections().Get(ctx, u.d.Collection)
	if err != nil {
		return internal(err)
	}
	sum, err := u.d.Ingester.Stream(ctx, coll.ID, f, store.Provenance{OrgID: s.User.OrgID, Via: "ui", ReceivedAt: time.Now().UTC()},
		func(res ingest.Result) {
			if res.Err != nil && len(d.Errors) < 20 {
				d.Errors = append(d.Errors, fmt.Sprintf("#%d %s: %v", res.Index, res.ID, res.Err))
			}
		})
	d.Done, d.Accepted, d.Duplicates, d.Rejects = true, sum.Accepted, sum.Duplicates, sum.Rejected
	if err != nil {
		d.Errors = append(d.Errors, err.Error())
	}
	if aerr := u.audit(ctx, s, "import", coll.ID, fmt.Sprintf(`{"accepted":%d,"rejected":%d}`, sum.Accepted, sum.Rejected)); aerr != nil {
		return aerr
	}
	return u.render(w, http.StatusOK, v, "import")
}
