package taxii

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzParseQuery: any query string either parses or gives a 400 naming the problem; never a
// panic, never another status.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"added_after=2026-01-01T00:00:00Z&limit=10", "match[id]=indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f,x",
		"match[version]=first,last,2026-01-01T00:00:00.123Z", "match[type]=indicator,,", "limit=99999999999999999999",
		"next=abc&match[spec_version]=2.1", "%zz", "match[foo]=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseQuery(v, "added_after", "limit", "next", "match[id]", "match[type]", "match[version]", "match[spec_version]")
		if err != nil {
			te, ok := err.(*Error)
			if !ok || te.Status != http.StatusBadRequest || te.Description == "" {
				t.Fatalf("error %v is not a described 400", err)
			}
			return
		}
		if q.limit <= 0 || q.limit > MaxPageSize {
			t.Fatalf("limit %d out of range", q.limit)
		}
	})
}

// FuzzPostEnvelope posts arbitrary bodies: the answer is 202 with a status, 400 or 413, never a
// 500, and never a panic.
func FuzzPostEnvelope(f *testing.F) {
	fx := newFixture(&testing.T{}, 1<<16)
	defer fx.srv.Close()
	f.Add([]byte(`{"objects":[` + indicator(1, "2026-01-01T00:00:00.000Z") + `]}`))
	f.Add([]byte(`{"objects":[{"type":"x"}`))
	f.Add([]byte(`[[[[[[`))
	f.Add([]byte(`{"objects":{}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", fx.objects("objects/"), bytes.NewReader(body))
		r.Header.Set("Content-Type", MediaType)
		r.SetBasicAuth("x", fx.tokens["admin"])
		w := httptest.NewRecorder()
		fx.srv.Config.Handler.ServeHTTP(w, r)
		switch w.Code {
		case 202, 400, 413:
		default:
			t.Fatalf("status %d for body %q: %s", w.Code, body, w.Body.String())
		}
	})
}
