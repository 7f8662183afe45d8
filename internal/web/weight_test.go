package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/entente/entente/internal/opendata"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
)

// maxPageBytes is the most a page may weigh before caching (the 200 KB).
const maxPageBytes = 200_000

// TestPageWeight renders each main page over a corpus of a few thousand objects and fails when
// one weighs more than maxPageBytes.
func TestPageWeight(t *testing.T) {
	f := newFixture(t)
	importCorpus(t, f, 3000)
	c, token := f.signIn()
	id := f.create(c, "indicator", url.Values{"csrf": {token}, "name": {"Heavy relay"}, "description": {"A relay seen in the phishing wave."},
		"pattern": {"[ipv4-addr:value = '192.0.2.99']"}, "tlp": {"green"}})
	od := httptest.NewServer(opendata.New(opendata.Deps{Store: f.st, Gate: &policy.Gate{Store: f.st, Config: policy.Config{DefaultTLP: stix.TLPAmberStrict}, Own: f.self.ID}}))
	t.Cleanup(od.Close)
	for _, p := range []string{"/", "/search?q=phishing", "/search?type=indicator", "/objects/" + id, "/partners"} {
		resp, body := f.do(c, "GET", p, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: got %d, want 200", p, resp.StatusCode)
		}
		if len(body) > maxPageBytes {
			t.Errorf("GET %s weighs %d bytes, want at most %d", p, len(body), maxPageBytes)
		}
		t.Logf("%s: %d bytes", p, len(body))
	}
	resp, err := http.Get(od.URL + "/opendata/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	n, _ := io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK || n > maxPageBytes {
		t.Errorf("the public portal: got %d with %d bytes, want 200 with at most %d", resp.StatusCode, n, maxPageBytes)
	}
	t.Logf("/opendata/: %d bytes", n)
}
