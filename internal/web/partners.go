package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/entente/entente/internal/auth"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

type partnersData struct {
	Rows    []partnerRow
	Peers   []peerRow
	IsAdmin bool
	TLPs    []stix.TLP
	Errors  []string
}

type partnerRow struct {
	Org       store.Org
	Agreement *policy.Agreement
	InForce   bool
}

// partners lists organisations with their agreements, the validity period first.
func (u *UI) partners(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	return u.partnersPage(w, r, v, s)
}

func (u *UI) partnersPage(w http.ResponseWriter, r *http.Request, v *view, s *session, errs ...string) error {
	ctx := r.Context()
	if !s.Principal.Self {
		return forbidden()
	}
	orgs, err := u.d.Store.Orgs().List(ctx)
	if err != nil {
		return internal(err)
	}
	ags, err := u.d.Store.Agreements().List(ctx)
	if err != nil {
		return internal(err)
	}
	byPartner := map[string]policy.Agreement{}
	for _, a := range ags {
		pa, err := policy.FromStore(a)
		if err != nil {
			return internal(err)
		}
		byPartner[pa.Partner] = pa
	}
	now := u.d.Now()
	var rows []partnerRow
	for _, o := range orgs {
		pr := partnerRow{Org: o}
		if a, ok := byPartner[o.ID]; ok {
			pr.Agreement, pr.InForce = &a, a.InForce(now)
		}
		rows = append(rows, pr)
	}
	peers, err := u.peerHealth(ctx, orgNames(orgs))
	if err != nil {
		return err
	}
	for i := range peers {
		peers[i].Full = true
	}
	v.Title = translate(v.Lang, "partners.title")
	v.Data = &partnersData{Rows: rows, Peers: peers, IsAdmin: s.Principal.IsAdmin(), TLPs: allTLPs[:4], Errors: errs}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return u.render(w, status, v, "partners")
}

// addOrg adds a partner organisation (admins only).
func (u *UI) addOrg(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	if !s.Principal.IsAdmin() {
		return forbidden()
	}
	name := strings.TrimSpace(r.FormValue("name"))
	cc := strings.ToUpper(strings.TrimSpace(r.FormValue("country")))
	switch {
	case name == "":
		return u.partnersPage(w, r, v, s, translate(v.Lang, "f.name")+": "+translate(v.Lang, "f.required"))
	case cc != "" && (len(cc) != 2 || strings.Trim(cc, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != ""):
		return u.partnersPage(w, r, v, s, translate(v.Lang, "partners.country")+": "+translate(v.Lang, "partners.bad_country"))
	}
	o, err := u.d.Store.Orgs().Create(r.Context(), store.Org{Name: name, Country: cc, Contact: strings.TrimSpace(r.FormValue("contact")),
		IdentityID: stix.NewID("identity"), CreatedAt: u.d.Now().UTC()})
	if errors.Is(err, store.ErrConflict) {
		return u.partnersPage(w, r, v, s, translate(v.Lang, "partners.taken"))
	}
	if err != nil {
		return internal(err)
	}
	if err := u.audit(r.Context(), s, "org.add", o.ID, ""); err != nil {
		return err
	}
	http.Redirect(w, r, "/partners", http.StatusSeeOther)
	return nil
}

// setAgreement creates or replaces the agreement with a partner (admins only), checked by the
// policy as the API checks it.
func (u *UI) setAgreement(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	if !s.Principal.IsAdmin() {
		return forbidden()
	}
	o, err := u.d.Store.Orgs().Get(r.Context(), r.PathValue("id"))
	if err != nil || o.Self {
		return notFound()
	}
	a := policy.Agreement{Partner: o.ID, Onward: policy.OnwardNone, PersonalData: policy.PersonalRedact}
	t, ok := stix.ParseTLP(r.FormValue("max_tlp"))
	if !ok || t == stix.TLPRed {
		return u.partnersPage(w, r, v, s, translate(v.Lang, "partners.max_tlp")+": "+translate(v.Lang, "f.required"))
	}
	a.MaxTLP = t
	for _, b := range []struct {
		field string
		into  *time.Time
	}{{"valid_from", &a.ValidFrom}, {"valid_until", &a.ValidUntil}} {
		if d := r.FormValue(b.field); d != "" {
			if *b.into, err = time.Parse("2006-01-02", d); err != nil {
				return u.partnersPage(w, r, v, s, b.field+": "+err.Error())
			}
		}
	}
	if err := a.Validate(); err != nil {
		return u.partnersPage(w, r, v, s, err.Error())
	}
	if err := u.d.Store.Agreements().Put(r.Context(), policy.ToStore(a, u.d.Now().UTC())); err != nil {
		return internal(err)
	}
	if err := u.audit(r.Context(), s, "agreement.set", o.ID, ""); err != nil {
		return err
	}
	http.Redirect(w, r, "/partners", http.StatusSeeOther)
	return nil
}

type profileData struct {
	Org    string
	Tokens []store.Token
	Secret string
	Now    time.Time
}

// profile shows the viewer and the API tokens of their organisation they created here.
func (u *UI) profile(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	return u.renderProfile(w, r, v, s, "")
}

func (u *UI) renderProfile(w http.ResponseWriter, r *http.Request, v *view, s *session, secret string) error {
	ts, err := u.d.Store.Tokens().List(r.Context(), s.User.OrgID)
	if err != nil {
		return internal(err)
	}
	d := &profileData{Org: v.OrgName, Secret: secret, Now: u.d.Now()}
	for _, t := range ts {
		if t.Label == tokenLabel(s) || s.Principal.IsAdmin() {
			d.Tokens = append(d.Tokens, t)
		}
	}
	v.Title, v.Data = translate(v.Lang, "profile.title"), d
	return u.render(w, http.StatusOK, v, "profile")
}

// tokenLabel marks the tokens a user created from the profile page.
func tokenLabel(s *session) string { return "user " + s.User.Name }

// createToken creates an API token with the user's organisation and role and shows its secret
// once.
func (u *UI) createToken(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	secret := auth.NewSecret()
	t, err := u.d.Store.Tokens().Create(r.Context(), store.Token{Hash: auth.Hash(secret), OrgID: s.User.OrgID, Role: s.User.Role,
		Label: tokenLabel(s), CreatedAt: u.d.Now().UTC()})
	if err != nil {
		return internal(err)
	}
	if err := u.audit(r.Context(), s, "token.create", t.ID, ""); err != nil {
		return err
	}
	return u.renderProfile(w, r, v, s, secret)
}

// revokeToken revokes one of the user's tokens (an admin: any of the organisation's).
func (u *UI) revokeToken(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	ts, err := u.d.Store.Tokens().List(r.Context(), s.User.OrgID)
	if err != nil {
		return internal(err)
	}
	id := r.PathValue("id")
	for _, t := range ts {
		if t.ID == id && (t.Label == tokenLabel(s) || s.Principal.IsAdmin()) {
			if err := u.d.Store.Tokens().Revoke(r.Context(), id, u.d.Now().UTC()); err != nil {
				return internal(err)
			}
			if err := u.audit(r.Context(), s, "token.revoke", id, ""); err != nil {
				return err
			}
			http.Redirect(w, r, "/profile", http.StatusSeeOther)
			return nil
		}
	}
	return notFound()
}
