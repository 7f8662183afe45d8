package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/taxii"
)

// plainTAXII is a bare TAXII 2.1 server, not Entente: no signatures, a numeric next, one
// collection "c" that anyone may read and write.
type plainTAXII struct {
	mu      sync.Mutex
	objects []json.RawMessage
	added   []time.Time
}

func (p *plainTAXII) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w.Header().Set("Content-Type", taxii.MediaType)
	if r.URL.Path != "/root/collections/c/objects/" {
		http.NotFound(w, r)
		return
	}
	if r.Method == http.MethodPost {
		var env struct{ Objects []json.RawMessage }
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &env); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		for _, o := range env.Objects {
			p.objects = append(p.objects, o)
			p.added = append(p.added, time.Now().UTC().Add(time.Duration(len(p.added))*time.Microsecond))
		}
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, `{"id":"%s","status":"complete","total_count":%d,"success_count":%d,"failure_count":0,"pending_count":0}`, stix.NewUUID(), len(env.Objects), len(env.Objects))
		return
	}
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	start, _ := strconv.Atoi(q.Get("next"))
	if after := q.Get("added_after"); after != "" && start == 0 {
		t, _ := time.Parse(time.RFC3339Nano, after)
		for start < len(p.added) && !p.added[start].After(t) {
			start++
		}
	}
	end := min(start+limit, len(p.objects))
	body := map[string]any{"more": end < len(p.objects)}
	if end < len(p.objects) {
		body["next"] = end // a number, as some servers send
	}
	if start < end {
		body["objects"] = p.objects[start:end]
		w.Header().Set("X-TAXII-Date-Added-First", p.added[start].Format(stix.MicroFormat))
		w.Header().Set("X-TAXII-Date-Added-Last", p.added[end-1].Format(stix.MicroFormat))
	}
	json.NewEncoder(w).Encode(body)
}

func TestPlainTAXIIPeer(t *testing.T) {
	a, other := newTestNode(t, "A"), newTestNode(t, "P")
	a.know(other)
	a.agree(other, stix.TLPGreen, false)
	plain := &plainTAXII{}
	var theirs []string
	for i := range 25 {
		raw := other.indicator(stix.TLPClear, i)
		plain.objects = append(plain.objects, raw)
		plain.added = append(plain.added, time.Date(2026, 1, 1, 0, 0, 0, i*1000, time.UTC))
		var o struct{ ID string }
		json.Unmarshal(raw, &o)
		theirs = append(theirs, o.ID)
	}
	srv := httptest.NewServer(plain)
	defer srv.Close()
	p, err := AddPeer(context.Background(), a.st, PeerInput{Name: "P", Org: "P", URL: srv.URL + "/root/", Token: "x", Pull: []string{"c"}, Push: "c"})
	if err != nil {
		t.Fatal(err)
	}
	mine := levels(a, 5)
	opts := fastOptions()
	opts.PageSize = 10
	a.start(opts)
	want := sorted(theirs, mine[stix.TLPClear], mine[stix.TLPGreen], mine[stix.TLPAmber], mine[stix.TLPAmberStrict], mine[stix.TLPRed])
	eventually(t, "A pulled the plain server's objects", func() bool { return len(a.ids()) == len(want) })
	settle(t, a)
	if got := a.ids(); !slices.Equal(got, want) {
		t.Errorf("A holds %d objects, want %d", len(got), len(want))
	}
	rec, err := a.st.Objects().Latest(context.Background(), theirs[0])
	if err != nil {
		t.Fatal(err)
	}
	if rec.Origin.OrgID != a.orgs["P"] || rec.Origin.Peer != p.ID || rec.Origin.Signature != "" {
		t.Errorf("provenance of a pulled object: got %+v, want P's, unsigned", rec.Origin)
	}
	plain.mu.Lock()
	defer plain.mu.Unlock()
	var pushed []string
	for _, raw := range plain.objects[25:] {
		var o struct{ ID string }
		json.Unmarshal(raw, &o)
		pushed = append(pushed, o.ID)
	}
	slices.Sort(pushed)
	if wantPushed := sorted(mine[stix.TLPClear], mine[stix.TLPGreen]); !slices.Equal(pushed, wantPushed) {
		t.Errorf("pushed to the plain server: %d objects, want A's %d CLEAR and GREEN (nothing of its own back)", len(pushed), len(wantPushed))
	}
}
