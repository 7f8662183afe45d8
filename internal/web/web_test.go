package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestSignInFailures(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ name, user, pw string }{
		{"wrong password", "ann", "not the password"},
		{"unknown user", "bob", testPassword},
		{"empty", "", ""},
		{"password of another case", "ann", strings.ToUpper(testPassword)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := f.client()
			resp, body := f.do(c, "POST", "/signin", url.Values{"name": {tc.user}, "password": {tc.pw}})
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("got status %d, want 401", resp.StatusCode)
			}
			if !strings.Contains(body, "The user name or the password is wrong.") {
				t.Errorf("the page does not say the sign-in failed")
			}
			if len(resp.Cookies()) != 0 {
				t.Errorf("got cookies %v, want none", resp.Cookies())
			}
			if resp, _ := f.do(c, "GET", "/", nil); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("after a failed sign-in GET / got %d, want a redirect to sign in", resp.StatusCode)
			}
		})
	}
}

func TestSessionCookie(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	resp, _ := f.do(c, "POST", "/signin", url.Values{"name": {"ann"}, "password": {testPassword}})
	var sc *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			sc = ck
		}
	}
	if sc == nil {
		t.Fatalf("no session cookie set")
	}
	if !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" {
		t.Errorf("got cookie %+v, want HttpOnly, SameSite=Lax, Path=/", sc)
	}
	if sc.Secure {
		t.Errorf("got a Secure cookie over plain HTTP; it would never be sent back")
	}
	d := f.ui.d
	d.SecureCookies = true // as behind a proxy that terminates TLS
	behind, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/signin", strings.NewReader(url.Values{"name": {"ann"}, "password": {testPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	behind.ServeHTTP(rec, req)
	if cs := rec.Result().Cookies(); len(cs) != 1 || !cs[0].Secure {
		t.Errorf("with SecureCookies: got cookies %v, want one Secure session cookie", cs)
	}
	if resp, _ := f.do(c, "GET", "/", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("signed in, GET / got %d, want 200", resp.StatusCode)
	}
	_, body := f.do(c, "GET", "/", nil)
	resp, _ = f.do(c, "POST", "/signout", url.Values{"csrf": {csrfOf(t, body)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out got %d, want 303", resp.StatusCode)
	}
	// The old cookie no longer signs in, even when a browser replays it.
	c2 := f.client()
	u, _ := url.Parse(f.srv.URL)
	c2.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: sc.Value}})
	if resp, _ := f.do(c2, "GET", "/", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after sign-out the old cookie got %d, want a redirect to sign in", resp.StatusCode)
	}
}

func TestSessionExpiry(t *testing.T) {
	f := newFixture(t)
	c, _ := f.signIn()
	f.clock.add(11 * time.Hour)
	if resp, _ := f.do(c, "GET", "/", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("before expiry got %d, want 200", resp.StatusCode)
	}
	f.clock.add(time.Hour)
	resp, _ := f.do(c, "GET", "/search?q=x", nil)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin?") || !strings.Contains(loc, "expired=1") {
		t.Fatalf("after expiry got %d to %q, want 303 to /signin?…expired=1", resp.StatusCode, loc)
	}
	if next, _ := url.ParseQuery(strings.TrimPrefix(loc, "/signin?")); next.Get("next") != "/search?q=x" {
		t.Errorf("got next %q, want /search?q=x", next.Get("next"))
	}
	_, body := f.do(c, "GET", loc, nil)
	if !strings.Contains(body, "Your session has ended") {
		t.Errorf("the sign-in page does not say the session ended")
	}
}

func TestCSRFRefused(t *testing.T) {
	f := newFixture(t)
	c, token := f.signIn()
	form := func(tok string) url.Values {
		return url.Values{"csrf": {tok}, "name": {"x"}, "pattern": {"[ipv4-addr:value = '198.51.100.1']"}, "tlp": {"green"}}
	}
	for _, tc := range []struct {
		name   string
		form   url.Values
		header []string
		want   int
	}{
		{"cross-site fetch", form(token), []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"foreign origin", form(token), []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"no token", form(""), nil, http.StatusForbidden},
		{"wrong token", form("forged"), nil, http.StatusForbidden},
		{"same origin with token", form(token), []string{"Sec-Fetch-Site", "same-origin"}, http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.do(c, "POST", "/new/indicator", tc.form, tc.header...)
			if resp.StatusCode != tc.want {
				t.Errorf("got status %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want == http.StatusForbidden && !strings.Contains(body, "did not come from this site") {
				t.Errorf("the refusal page does not explain itself:\n%.300s", body)
			}
		})
	}
	// A cross-site sign-in attempt is refused before the password is looked at.
	resp, _ := f.do(f.client(), "POST", "/signin", url.Values{"name": {"ann"}, "password": {testPassword}}, "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site sign-in got %d, want 403", resp.StatusCode)
	}
}

func TestLanguage(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	for _, tc := range []struct{ accept, want string }{
		{"de-DE,de;q=0.9,en;q=0.8", "Bei Entente anmelden"},
		{"fr, en;q=0.5, de;q=0.7", "Bei Entente anmelden"},
		{"en-GB", "Sign in to Entente"},
		{"", "Sign in to Entente"},
		{"fr", "Sign in to Entente"},
	} {
		_, body := f.do(c, "GET", "/signin", nil, "Accept-Language", tc.accept)
		if !strings.Contains(body, tc.want) {
			t.Errorf("Accept-Language %q: the page does not say %q", tc.accept, tc.want)
		}
	}
	resp, _ := f.do(c, "POST", "/lang", url.Values{"lang": {"de"}, "back": {"/signin"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Fatalf("switch got %d to %q, want 303 to /signin", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := f.do(c, "GET", "/signin", nil, "Accept-Language", "en")
	if !strings.Contains(body, "Bei Entente anmelden") || !strings.Contains(body, `lang="de"`) {
		t.Errorf("the chosen language did not stick over Accept-Language")
	}
	_, body = f.do(c, "GET", "/signin?next=%2Fsearch%3Fq%3Dx", nil)
	if !strings.Contains(body, `name="back" value="/signin?next=%2Fsearch%3Fq%3Dx"`) {
		t.Errorf("the switch does not return to the page with its query")
	}
	resp, _ = f.do(c, "POST", "/lang", url.Values{"lang": {"en"}, "back": {"https://evil.example/"}})
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Errorf("switch with a foreign target redirected to %q, want /", loc)
	}
}

func TestAuthorSearchExplain(t *testing.T) {
	f := newFixture(t)
	c, token := f.signIn()
	resp, body := f.do(c, "POST", "/new/indicator", url.Values{"csrf": {token}, "name": {"C2 server"}, "pattern": {"[ipv4-addr:value = '203.0.113.9' ]"},
		"tlp": {"red"}, "with": {f.partner.ID}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create got %d, want 303:\n%.800s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	id := regexp.MustCompile(`indicator--[0-9a-f-]+`).FindString(loc)
	if id == "" {
		t.Fatalf("redirect %q names no indicator", loc)
	}
	_, body = f.do(c, "GET", loc, nil)
	for _, want := range []string{"C2 server", "TLP:RED", "Who receives it, and why", "CERT-Partner", "203.0.113.9"} {
		if !strings.Contains(body, want) {
			t.Errorf("object page lacks %q", want)
		}
	}
	_, body = f.do(c, "GET", "/", nil)
	for _, want := range []string{`<svg class="chart"`, "TLP:RED", "No peers are configured yet", "Available to each partner"} {
		if !strings.Contains(body, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	_, body = f.do(c, "GET", "/search?q=203.0.113.9", nil)
	if !strings.Contains(body, "This value is known") || !strings.Contains(body, id) {
		t.Errorf("search by value does not find %s:\n%.2000s", id, body)
	}
	f.ui.d.Index.SetLoading(true) // as right after a node's start
	_, body = f.do(c, "GET", "/search?q=203.0.113.9", nil)
	if strings.Contains(body, "This value is known") || !strings.Contains(body, `id="values-loading"`) {
		t.Errorf("search by value while the indicator index loads: want the notice and no answer from it:\n%.2000s", body)
	}
	f.ui.d.Index.SetLoading(false)
	_, body = f.do(c, "GET", "/search?q=c2+server", nil)
	if !strings.Contains(body, id) {
		t.Errorf("full-text search does not find %s", id)
	}
	_, body = f.do(c, "GET", "/search?q=c2+server&tlp=green", nil)
	if strings.Contains(body, id) {
		t.Errorf("search filtered to GREEN still lists the RED indicator")
	}
	_, body = f.do(c, "GET", "/search?q=198.51.100.200", nil)
	if !strings.Contains(body, "not named by any indicator") {
		t.Errorf("an unknown value is not reported as unknown")
	}
	// A bad pattern is refused with the checker's reason, and nothing is stored.
	resp, body = f.do(c, "POST", "/new/indicator", url.Values{"csrf": {token}, "name": {"bad"}, "pattern": {"[ipv4-addr:value = "}, "tlp": {"green"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "The pattern is not valid") {
		t.Errorf("bad pattern: got %d, want 422 with the reason", resp.StatusCode)
	}
}

func TestNotFoundAndSignedOut(t *testing.T) {
	f := newFixture(t)
	c, _ := f.signIn()
	if resp, _ := f.do(c, "GET", "/objects/indicator--00000000-0000-4000-8000-000000000000", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown object got %d, want 404", resp.StatusCode)
	}
	for _, p := range []string{"/", "/search", "/partners", "/profile", "/import", "/new/indicator"} {
		if resp, _ := f.do(c, "GET", p, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s got %d, want 200", p, resp.StatusCode)
		}
		if resp, _ := f.do(f.client(), "GET", p, nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("signed out, GET %s got %d, want a redirect", p, resp.StatusCode)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	for _, tc := range []struct {
		lang string
		n    int64
		want string
	}{
		{"en", 0, "0"}, {"en", 999, "999"}, {"en", 1000, "1,000"}, {"de", 1234567, "1.234.567"}, {"de", -1000, "-1.000"}, {"en", 100000, "100,000"},
	} {
		if got := formatNumber(tc.lang, tc.n); got != tc.want {
			t.Errorf("formatNumber(%s, %d): got %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
	d := time.Date(2026, 3, 5, 14, 7, 0, 0, time.UTC)
	if got := formatDate("de", d); got != "5. März 2026" {
		t.Errorf("formatDate de: got %q", got)
	}
	if got := formatTime("en", d); got != "5 Mar 2026, 14:07 UTC" {
		t.Errorf("formatTime en: got %q", got)
	}
}

func TestPassword(t *testing.T) {
	h := testHash()
	for _, tc := range []struct {
		pw   string
		want bool
	}{{testPassword, true}, {testPassword + " ", false}, {"", false}} {
		got, err := CheckPassword(h, tc.pw)
		if err != nil || got != tc.want {
			t.Errorf("CheckPassword(%q): got %v, %v, want %v", tc.pw, got, err, tc.want)
		}
	}
	if _, err := HashPassword("short"); err == nil {
		t.Errorf("HashPassword accepted a 5-character password")
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=0,t=1,p=1$AAAA$AAAA", "$bcrypt$x$y$z$w", "$argon2id$v=19$m=65536,t=3,p=2$!!$AAAA"} {
		if _, err := CheckPassword(bad, "x"); err == nil {
			t.Errorf("CheckPassword accepted malformed hash %q", bad)
		}
	}
}

func FuzzCheckPassword(f *testing.F) {
	f.Add("$argon2id$v=19$m=16,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "pw")
	f.Fuzz(func(t *testing.T, hash, pw string) {
		if strings.Contains(hash, "m=") && !strings.Contains(hash, "m=16,") {
			t.Skip() // keep each run small: large memory costs are what the bound is for
		}
		CheckPassword(hash, pw) // must not panic
	})
}

func TestProfileTokens(t *testing.T) {
	f := newFixture(t)
	c, token := f.signIn()
	resp, body := f.do(c, "POST", "/profile/tokens", url.Values{"csrf": {token}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create token: got %d, want 200", resp.StatusCode)
	}
	m := regexp.MustCompile(`<code id="token-secret">([^<]+)</code>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the new token's secret is not shown")
	}
	// The token works on the API's authenticator: its hash is stored for ann's organisation and role.
	ts, err := f.st.Tokens().List(t.Context(), f.self.ID)
	if err != nil || len(ts) != 1 || ts[0].Role != "analyst" || ts[0].Label != "user ann" {
		t.Fatalf("stored tokens: got %+v, %v; want one analyst token labelled for ann", ts, err)
	}
	_, body = f.do(c, "GET", "/profile", nil)
	if strings.Contains(body, m[1]) {
		t.Errorf("the secret is shown again on a later visit")
	}
	resp, _ = f.do(c, "POST", "/profile/tokens/"+ts[0].ID+"/revoke", url.Values{"csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: got %d, want 303", resp.StatusCode)
	}
	if ts, _ := f.st.Tokens().List(t.Context(), f.self.ID); ts[0].RevokedAt.IsZero() {
		t.Errorf("the token is not revoked")
	}
	if resp, _ := f.do(c, "POST", "/profile/tokens/no-such-token/revoke", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("revoking an unknown token: got %d, want 404", resp.StatusCode)
	}
}

func TestSignInThrottled(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	try := func(pw string) int {
		t.Helper()
		resp, _ := f.do(c, "POST", "/signin", url.Values{"name": {"ann"}, "password": {pw}})
		return resp.StatusCode
	}
	for i := 0; i < maxFailures; i++ {
		if got := try("wrong"); got != http.StatusUnauthorized {
			t.Fatalf("failure %d: got %d, want 401", i+1, got)
		}
	}
	if got := try(testPassword); got != http.StatusTooManyRequests {
		t.Errorf("after %d failures the right password got %d, want 429", maxFailures, got)
	}
	f.clock.add(failureWindow)
	if got := try(testPassword); got != http.StatusSeeOther {
		t.Errorf("after the window the right password got %d, want 303", got)
	}
}

func TestThrottleByAddress(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	th := newThrottle(f.st.Users(), f.clock.now)
	blocked := func(keys []string) bool {
		t.Helper()
		b, err := th.blocked(ctx, keys)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	r := httptest.NewRequest("POST", "/signin", nil)
	for i := 0; i < maxAddrFailures; i++ {
		keys := throttleKeys(r, fmt.Sprintf("user%d", i))
		if blocked(keys) {
			t.Fatalf("blocked after %d failures of different names from one address, want %d allowed", i, maxAddrFailures)
		}
		if err := th.failed(ctx, keys); err != nil {
			t.Fatal(err)
		}
	}
	if !blocked(throttleKeys(r, "someone-else")) {
		t.Errorf("not blocked after %d failures from one address", maxAddrFailures)
	}
	other := httptest.NewRequest("POST", "/signin", nil)
	other.RemoteAddr = "198.51.100.1:1234"
	if blocked(throttleKeys(other, "someone-else")) {
		t.Errorf("another address is blocked too")
	}
}

// TestThrottleSharedByProcesses: two web interfaces on one store, as two processes behind a load
// balancer, count failed sign-ins together: a name is blocked after maxFailures in all.
func TestThrottleSharedByProcesses(t *testing.T) {
	f := newFixture(t)
	other, err := New(f.ui.d)
	if err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewServer(other)
	defer srv2.Close()
	try := func(base, pw string) int {
		t.Helper()
		c := f.client()
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := c.PostForm(base+"/signin", url.Values{"name": {"ann"}, "password": {pw}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := 0; i < maxFailures; i++ {
		base := f.srv.URL
		if i%2 == 1 {
			base = srv2.URL
		}
		if got := try(base, "wrong"); got != http.StatusUnauthorized {
			t.Fatalf("failure %d: got %d, want 401", i+1, got)
		}
	}
	for _, base := range []string{f.srv.URL, srv2.URL} {
		if got := try(base, testPassword); got != http.StatusTooManyRequests {
			t.Errorf("after %d failures spread over two processes, the right password got %d at %s, want 429", maxFailures, got, base)
		}
	}
}
