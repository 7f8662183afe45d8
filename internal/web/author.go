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

// field is one property an authoring form sets.
type field struct {
	Name     string // the STIX property, also the control's id
	Label    string // message key
	Area     bool   // several lines
	Refs     bool   // STIX ids separated by white space, stored as a list
	Required bool
	Help     string // message key of a hint, or ""
}

// kind is an object type people author here.
type kind struct {
	Type   string
	Title  string // message key
	Fields []field
}

var kinds = map[string]kind{
	"indicator": {"indicator", "new.indicator", []field{
		{Name: "name", Label: "f.name", Required: true},
		{Name: "pattern", Label: "f.pattern", Area: true, Required: true, Help: "ind.pattern_eg"},
		{Name: "description", Label: "f.description", Area: true, Help: "f.markdown"},
	}},
	"report": {"report", "new.report", []field{
		{Name: "name", Label: "f.name", Required: true},
		{Name: "description", Label: "f.description", Area: true, Help: "f.markdown"},
		{Name: "object_refs", Label: "f.object_refs", Refs: true, Required: true, Help: "f.refs_help"},
	}},
	"note": {"note", "new.note", []field{
		{Name: "abstract", Label: "f.abstract"},
		{Name: "content", Label: "f.content", Area: true, Required: true, Help: "f.markdown"},
		{Name: "object_refs", Label: "f.object_refs", Refs: true, Required: true, Help: "f.refs_help"},
	}},
	"course-of-action": {"course-of-action", "new.coa", []field{
		{Name: "name", Label: "f.name", Required: true},
		{Name: "description", Label: "f.description", Area: true, Help: "f.markdown"},
	}},
}

type authorData struct {
	Kind     kind
	Values   map[string]string
	TLP      string
	TLPs     []stix.TLP
	Partners []store.Org
	Errors   []string
	Action   string
	EditOf   string // the id of the object a new version is made of, "" for a new object
}

func (u *UI) canAuthor(s *session) error {
	if !s.Principal.Self || !s.Principal.CanWrite() {
		return forbidden()
	}
	return nil
}

// kindOf returns the kind named in the path, when the viewer may author.
func (u *UI) kindOf(r *http.Request, s *session) (kind, error) {
	k, ok := kinds[r.PathValue("type")]
	if !ok {
		return k, notFound()
	}
	return k, u.canAuthor(s)
}

// newForm shows an empty authoring form for a type.
func (u *UI) newForm(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	k, err := u.kindOf(r, s)
	if err != nil {
		return err
	}
	d := &authorData{Kind: k, Values: map[string]string{}, TLP: "amber", TLPs: allTLPs, Action: "/new/" + k.Type}
	return u.renderAuthor(w, r, v, d, http.StatusOK)
}

func (u *UI) renderAuthor(w http.ResponseWriter, r *http.Request, v *view, d *authorData, status int) error {
	if err := u.partnersOf(r.Context(), &d.Partners); err != nil {
		return err
	}
	v.Title, v.Data = translate(v.Lang, d.Kind.Title), d
	return u.render(w, status, v, "author")
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

// create stores a new object of a type from its form.
func (u *UI) create(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	k, err := u.kindOf(r, s)
	if err != nil {
		return err
	}
	self, err := u.d.Store.Orgs().Self(r.Context())
	if err != nil {
		return internal(err)
	}
	now := stixTime(u.d.Now())
	obj := map[string]any{"type": k.Type, "spec_version": "2.1", "id": stix.NewID(k.Type), "created": now, "created_by_ref": self.IdentityID}
	switch k.Type {
	case "indicator":
		obj["pattern_type"], obj["valid_from"] = "stix", now
	case "report":
		obj["published"] = now
	}
	return u.save(w, r, v, s, k, obj, &authorData{Kind: k, Action: "/new/" + k.Type})
}

// own returns the latest version of an object the own organisation authored, for a new
// version: what came from partners is theirs to change.
func (u *UI) own(ctx context.Context, s *session, id string) (store.Record, map[string]any, error) {
	if err := u.canAuthor(s); err != nil {
		return store.Record{}, nil, err
	}
	rec, err := u.d.Store.Objects().Latest(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return rec, nil, notFound()
	}
	if err != nil {
		return rec, nil, internal(err)
	}
	if rec.Origin.OrgID != s.User.OrgID || rec.Revoked {
		return rec, nil, forbidden()
	}
	var obj map[string]any
	if err := json.Unmarshal(rec.Raw, &obj); err != nil {
		return rec, nil, internal(err)
	}
	return rec, obj, nil
}

// editForm shows the form for a new version of an own object.
func (u *UI) editForm(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	rec, obj, err := u.own(r.Context(), s, r.PathValue("id"))
	if err != nil {
		return err
	}
	k, ok := kinds[rec.Type]
	if !ok {
		return forbidden()
	}
	d := &authorData{Kind: k, Values: map[string]string{}, TLP: rec.TLP.String(), TLPs: allTLPs, Action: "/objects/" + rec.ID + "/edit", EditOf: rec.ID}
	for _, f := range k.Fields {
		switch val := obj[f.Name].(type) {
		case string:
			d.Values[f.Name] = val
		case []any:
			var ids []string
			for _, x := range val {
				ids = append(ids, fmt.Sprint(x))
			}
			d.Values[f.Name] = strings.Join(ids, "\n")
		}
	}
	return u.renderAuthor(w, r, v, d, http.StatusOK)
}

// edit stores a new version of an own object.
func (u *UI) edit(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	rec, obj, err := u.own(r.Context(), s, r.PathValue("id"))
	if err != nil {
		return err
	}
	k, ok := kinds[rec.Type]
	if !ok {
		return forbidden()
	}
	return u.save(w, r, v, s, k, obj, &authorData{Kind: k, Action: "/objects/" + rec.ID + "/edit", EditOf: rec.ID})
}

// revoke stores a revoked version of an own object.
func (u *UI) revoke(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	ctx := r.Context()
	rec, obj, err := u.own(ctx, s, r.PathValue("id"))
	if err != nil {
		return err
	}
	obj["revoked"] = true
	obj["modified"] = laterThan(obj["modified"], u.d.Now())
	raw, err := json.Marshal(obj)
	if err != nil {
		return internal(err)
	}
	if err := u.ingestOne(ctx, s, raw); err != nil {
		return internal(err)
	}
	if err := u.audit(ctx, s, "revoke", rec.ID, ""); err != nil {
		return err
	}
	http.Redirect(w, r, "/objects/"+rec.ID, http.StatusSeeOther)
	return nil
}

func stixTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// laterThan returns now as a STIX timestamp, or a millisecond after prev when now is not later:
// a new version must have a later modified.
func laterThan(prev any, now time.Time) string {
	now = now.Truncate(time.Millisecond)
	if p, ok := prev.(string); ok {
		if pt, err := time.Parse(time.RFC3339Nano, p); err == nil && !now.After(pt) {
			now = pt.Add(time.Millisecond)
		}
	}
	return stixTime(now)
}

// save checks the form's values for kind k into obj and stores it through ingest. A form with
// mistakes is shown again with them.
func (u *UI) save(w http.ResponseWriter, r *http.Request, v *view, s *session, k kind, obj map[string]any, d *authorData) error {
	ctx := r.Context()
	d.Values, d.TLP, d.TLPs = map[string]string{}, r.FormValue("tlp"), allTLPs
	for _, f := range k.Fields {
		val := strings.TrimSpace(r.FormValue(f.Name))
		d.Values[f.Name] = val
		switch {
		case val == "" && f.Required:
			d.Errors = append(d.Errors, translate(v.Lang, f.Label)+": "+translate(v.Lang, "f.required"))
		case val == "":
			delete(obj, f.Name)
		case f.Refs:
			ids := strings.Fields(val)
			for _, id := range ids {
				if _, _, err := stix.ParseID(id); err != nil {
					d.Errors = append(d.Errors, translate(v.Lang, f.Label)+": "+err.Error())
				}
			}
			obj[f.Name] = ids
		default:
			obj[f.Name] = val
		}
	}
	if k.Type == "indicator" && d.Values["pattern"] != "" {
		if err := pattern.Check(d.Values["pattern"]); err != nil {
			d.Errors = append(d.Errors, translate(v.Lang, "ind.bad_pattern")+" "+err.Error())
		}
	}
	tlp, ok := stix.ParseTLP(d.TLP)
	if !ok {
		tlp, d.TLP = stix.TLPAmber, "amber"
	}
	if len(d.Errors) > 0 {
		return u.renderAuthor(w, r, v, d, http.StatusUnprocessableEntity)
	}
	obj["object_marking_refs"] = []string{stix.TLPMarkingID(tlp)}
	obj["modified"] = laterThan(obj["modified"], u.d.Now())
	raw, err := json.Marshal(obj)
	if err != nil {
		return internal(err)
	}
	id := obj["id"].(string)
	if err := u.ingestOne(ctx, s, raw); err != nil {
		var re *rejected
		if errors.As(err, &re) {
			d.Errors = append(d.Errors, translate(v.Lang, "ind.rejected")+" "+re.Error())
			return u.renderAuthor(w, r, v, d, http.StatusUnprocessableEntity)
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
	action := "create"
	if d.EditOf != "" {
		action = "version"
	}
	if err := u.audit(ctx, s, action, id, ""); err != nil {
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
