package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// TestPartnerUserSeesOnlyWhatPolicyAllows signs in a person of a partner organisation: they
// see nothing of a collection they may not read, and of one they may, only what the agreement
// lets them receive — in lists, by value, and on object pages alike.
func TestPartnerUserSeesOnlyWhatPolicyAllows(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	c, token := f.signIn()
	green := f.create(c, "indicator", url.Values{"csrf": {token}, "name": {"Green relay"}, "pattern": {"[ipv4-addr:value = '192.0.2.10']"}, "tlp": {"green"}})
	amber := f.create(c, "indicator", url.Values{"csrf": {token}, "name": {"Amber relay"}, "pattern": {"[ipv4-addr:value = '192.0.2.20']"}, "tlp": {"amber"}})
	if _, err := f.st.Users().Create(ctx, store.User{Name: "pat", OrgID: f.partner.ID, Role: "reader", PasswordHash: testHash()}); err != nil {
		t.Fatal(err)
	}
	pc := f.client()
	if resp, _ := f.do(pc, "POST", "/signin", url.Values{"name": {"pat"}, "password": {testPassword}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("partner sign-in: got %d", resp.StatusCode)
	}
	sees := func(path, id string) bool {
		t.Helper()
		resp, body := f.do(pc, "GET", path, nil)
		return resp.StatusCode == http.StatusOK && strings.Contains(body, id)
	}
	visible := func(stage string, wantGreen, wantAmber bool) {
		t.Helper()
		for _, tc := range []struct {
			id, value string
			want      bool
		}{{green, "192.0.2.10", wantGreen}, {amber, "192.0.2.20", wantAmber}} {
			for _, p := range []string{"/objects/" + tc.id, "/search?q=" + tc.value, "/search?type=indicator", "/search?q=relay"} {
				if got := sees(p, tc.id); got != tc.want {
					t.Errorf("%s: %s shows %s: got %v, want %v", stage, p, tc.id, got, tc.want)
				}
			}
		}
	}
	visible("no read access", false, false)

	coll, _ := f.st.Collections().Get(ctx, "default")
	coll.Read = []string{f.partner.ID}
	if err := f.st.Collections().Update(ctx, coll); err != nil {
		t.Fatal(err)
	}
	visible("read access, no agreement", false, false)

	if err := f.st.Agreements().Put(ctx, policy.ToStore(policy.Agreement{Partner: f.partner.ID, MaxTLP: stix.TLPGreen}, time.Now())); err != nil {
		t.Fatal(err)
	}
	visible("agreement up to GREEN", true, false)

	// What is for the own organisation stays there: no explanation, no sharing, no authoring.
	_, body := f.do(pc, "GET", "/objects/"+green, nil)
	if strings.Contains(body, `id="explain"`) || strings.Contains(body, `id="share-form"`) {
		t.Errorf("a partner's page shows the explanation or the share form")
	}
	for _, p := range []string{"/new/indicator", "/partners", "/import"} {
		if resp, _ := f.do(pc, "GET", p, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("partner GET %s: got %d, want 403", p, resp.StatusCode)
		}
	}
}

func TestPartnersAdmin(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	if _, err := f.st.Users().Create(ctx, store.User{Name: "ada", OrgID: f.self.ID, Role: "admin", PasswordHash: testHash()}); err != nil {
		t.Fatal(err)
	}
	ac := f.client()
	if resp, _ := f.do(ac, "POST", "/signin", url.Values{"name": {"ada"}, "password": {testPassword}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin sign-in: got %d", resp.StatusCode)
	}
	_, body := f.do(ac, "GET", "/partners", nil)
	token := csrfOf(t, body)
	for _, tc := range []struct {
		path string
		form url.Values
		want int
	}{
		{"/partners", url.Values{"name": {"CERT-Third"}, "country": {"it"}}, http.StatusSeeOther},
		{"/partners", url.Values{"name": {"CERT-Third"}}, http.StatusUnprocessableEntity},
		{"/partners", url.Values{"name": {"X"}, "country": {"Italy"}}, http.StatusUnprocessableEntity},
		{"/partners/" + f.partner.ID + "/agreement", url.Values{"max_tlp": {"green"}, "valid_from": {"2026-01-01"}, "valid_until": {"2027-01-01"}}, http.StatusSeeOther},
		{"/partners/" + f.partner.ID + "/agreement", url.Values{"max_tlp": {"red"}}, http.StatusUnprocessableEntity},
		{"/partners/" + f.partner.ID + "/agreement", url.Values{"max_tlp": {"green"}, "valid_from": {"2027-01-01"}, "valid_until": {"2026-01-01"}}, http.StatusUnprocessableEntity},
		{"/partners/" + f.self.ID + "/agreement", url.Values{"max_tlp": {"green"}}, http.StatusNotFound},
	} {
		tc.form.Set("csrf", token)
		if resp, _ := f.do(ac, "POST", tc.path, tc.form); resp.StatusCode != tc.want {
			t.Errorf("POST %s %v: got %d, want %d", tc.path, tc.form, resp.StatusCode, tc.want)
		}
	}
	a, err := f.st.Agreements().Get(ctx, f.partner.ID)
	if err != nil || a.MaxTLP != stix.TLPGreen || a.ValidUntil.Format("2006-01-02") != "2027-01-01" {
		t.Errorf("stored agreement: got %+v, %v", a, err)
	}
	_, body = f.do(ac, "GET", "/partners", nil)
	if !strings.Contains(body, "CERT-Third") || !strings.Contains(body, "until 1 Jan 2027") {
		t.Errorf("the partners page does not show the new organisation and the agreement's end")
	}
	// An analyst may look but not change.
	c, tok := f.signIn()
	if resp, _ := f.do(c, "POST", "/partners", url.Values{"csrf": {tok}, "name": {"Y"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("analyst adding an organisation: got %d, want 403", resp.StatusCode)
	}
}

// TestPeerHealthShown records rounds for two peers, one in sync and one whose last round failed,
// and expects the partners page and the dashboard to show each peer's state and last error to
// the own organisation, in English and German, and the dashboard to hide peers from a partner's
// person.
func TestPeerHealthShown(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	c, _ := f.signIn()
	now := time.Now()
	good, err := f.st.Peers().Create(ctx, store.Peer{Name: "stuttgart-node", OrgID: f.partner.ID, URL: "https://cti.example.de/taxii2/root/", Pull: []string{"default"}})
	if err != nil {
		t.Fatal(err)
	}
	bad, err := f.st.Peers().Create(ctx, store.Peer{Name: "sacramento-node", OrgID: f.partner.ID, URL: "https://cti.example.gov/taxii2/root/", Push: "inbox"})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.st.Peers().Record(ctx, good.ID, store.PeerEvent{Direction: store.Pull, At: now.Add(-time.Minute), In: 42, CaughtUp: true}))
	must(f.st.Peers().Record(ctx, bad.ID, store.PeerEvent{Direction: store.Push, At: now.Add(-time.Hour), Out: 7, CaughtUp: true}))
	must(f.st.Peers().Record(ctx, bad.ID, store.PeerEvent{Direction: store.Push, At: now, Err: "peer answered 503 Service Unavailable"}))

	for _, path := range []string{"/partners", "/"} {
		resp, body := f.do(c, "GET", path, nil, "Accept-Language", "en")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		for _, want := range []string{"stuttgart-node", "sacramento-node", "in sync", "failing", "peer answered 503 Service Unavailable", "peer-failing", "peer-ok"} {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s: no %q", path, want)
			}
		}
		if path == "/partners" && !strings.Contains(body, "https://cti.example.gov/taxii2/root/") {
			t.Errorf("GET /partners: the peer's URL is not shown")
		}
	}
	resp, body := f.do(c, "GET", "/partners", nil, "Accept-Language", "de")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "gestört") || !strings.Contains(body, "synchron") {
		t.Errorf("GET /partners in German: %d, states not translated", resp.StatusCode)
	}

	if _, err := f.st.Users().Create(ctx, store.User{Name: "pat", OrgID: f.partner.ID, Role: "reader", PasswordHash: testHash()}); err != nil {
		t.Fatal(err)
	}
	pc := f.client()
	if resp, _ := f.do(pc, "POST", "/signin", url.Values{"name": {"pat"}, "password": {testPassword}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("partner sign-in: got %d", resp.StatusCode)
	}
	if _, body := f.do(pc, "GET", "/", nil); strings.Contains(body, "sacramento-node") || strings.Contains(body, "503") {
		t.Errorf("a partner's person sees the own organisation's peers on the dashboard")
	}
}
