package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/taxii"
)

// levels adds count objects at each TLP to n and returns their ids by level.
func levels(n *testNode, count int) map[stix.TLP][]string {
	out := map[stix.TLP][]string{}
	for _, tlp := range []stix.TLP{stix.TLPClear, stix.TLPGreen, stix.TLPAmber, stix.TLPAmberStrict, stix.TLPRed} {
		raws := make([][]byte, count)
		for i := range raws {
			raws[i] = n.indicator(tlp, int(tlp)<<12|i)
		}
		out[tlp] = n.add(raws...)
	}
	return out
}

func TestPullResumesAndKeepsProvenance(t *testing.T) {
	a, b := newTestNode(t, "A"), newTestNode(t, "B")
	a.know(b)
	b.know(a)
	a.agree(b, stix.TLPGreen, false)
	byLevel := levels(a, 250)
	p := b.peer(a, true, false, true)
	opts := fastOptions()
	opts.PageSize = 100
	b.start(opts)
	want := sorted(byLevel[stix.TLPClear], byLevel[stix.TLPGreen])
	eventually(t, "B has A's CLEAR and GREEN", func() bool { return len(b.ids()) == len(want) })
	settle(t, b)
	if got := b.ids(); !slices.Equal(got, want) {
		t.Fatalf("B holds %d objects, want %d (A's CLEAR and GREEN)", len(got), len(want))
	}
	rec, err := b.st.Objects().Latest(context.Background(), byLevel[stix.TLPGreen][0])
	if err != nil {
		t.Fatal(err)
	}
	if rec.Origin.OrgID != b.orgs["A"] || rec.Origin.Peer != p.ID || rec.Origin.Via != "federation" ||
		!strings.Contains(rec.Origin.Signature, "keyid="+PublicKey(a.key)) {
		t.Errorf("provenance: got %+v, want origin A, peer %s, via federation, A's signature", rec.Origin, p.ID)
	}

	// Stopped and started again, B pulls only what is new.
	b.stop()
	more := a.add(a.indicator(stix.TLPClear, 90001), a.indicator(stix.TLPClear, 90002))
	before := b.status("A").ObjectsIn
	b.start(opts)
	want = sorted(want, more)
	eventually(t, "B has the new objects", func() bool { return len(b.ids()) == len(want) })
	settle(t, b)
	if got := b.ids(); !slices.Equal(got, want) {
		t.Errorf("after restart: B holds %d objects, want %d", len(got), len(want))
	}
	if got := b.status("A").ObjectsIn - before; got != 2 {
		t.Errorf("objects stored after restart: got %d, want 2 (the pull resumes at its cursor)", got)
	}
	if got := metric(t, b, "entente_federation_objects_in_total", "A"); got != float64(len(want)) {
		t.Errorf("entente_federation_objects_in_total{peer=A}: got %v, want %d", got, len(want))
	}
	if got, ok := metricOK(t, b, "entente_federation_lag_seconds", "A"); !ok || got != 0 {
		t.Errorf("entente_federation_lag_seconds{peer=A}: got %v (present %v), want 0", got, ok)
	}
}

// metric returns the value of a metric with label peer in n's registry (the sum over other labels).
func metric(t *testing.T, n *testNode, name, peer string) float64 {
	t.Helper()
	v, _ := metricOK(t, n, name, peer)
	return v
}

func metricOK(t *testing.T, n *testNode, name, peer string) (float64, bool) {
	t.Helper()
	mfs, err := n.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	found := false
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "peer" && l.GetValue() == peer {
					found = true
					sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
				}
			}
		}
	}
	return sum, found
}

func TestPushFollowsPolicyAndAgreementChanges(t *testing.T) {
	a, b := newTestNode(t, "A"), newTestNode(t, "B")
	a.know(b)
	b.know(a)
	a.agree(b, stix.TLPAmber, false)
	byLevel := levels(a, 40)
	a.peer(b, false, true, false)
	b.peer(a, false, false, true) // B requires A's signature on what A pushes
	b.st.Peers()
	a.start(fastOptions())
	want := sorted(byLevel[stix.TLPClear], byLevel[stix.TLPGreen], byLevel[stix.TLPAmber])
	eventually(t, "B has A's CLEAR, GREEN and AMBER", func() bool { return len(b.ids()) == len(want) })
	settle(t, b)
	if got := b.ids(); !slices.Equal(got, want) {
		t.Fatalf("B holds %d objects, want %d", len(got), len(want))
	}
	rec, err := b.st.Objects().Latest(context.Background(), byLevel[stix.TLPAmber][0])
	if err != nil {
		t.Fatal(err)
	}
	if rec.Origin.OrgID != b.orgs["A"] || !strings.HasPrefix(rec.Origin.Signature, "rfc9421 ed25519 keyid="+PublicKey(a.key)) {
		t.Errorf("provenance at B: got %+v, want origin A with A's signature", rec.Origin)
	}

	// A new object goes out without waiting for a timer; a wider agreement sends what it
	// now allows.
	fresh := a.add(a.indicator(stix.TLPGreen, 77777))
	want = sorted(want, fresh)
	eventually(t, "the new object reaches B", func() bool { return slices.Contains(b.ids(), fresh[0]) })
	a.agree(b, stix.TLPAmberStrict, false)
	want = sorted(want, byLevel[stix.TLPAmberStrict])
	eventually(t, "B has A's AMBER+STRICT after the agreement change", func() bool { return len(b.ids()) == len(want) })
	settle(t, b)
	if got := b.ids(); !slices.Equal(got, want) {
		t.Errorf("after the agreement change: B holds %d objects, want %d", len(got), len(want))
	}
	if st := a.status("B"); st.LastError != "" || st.ObjectsOut < int64(len(want)) {
		t.Errorf("A's status of B: got %+v, want no error and at least %d objects out", st, len(want))
	}
}

// TestShareAfterStoringReachesThePartner: a RED object stored without recipients stays home;
// naming the partner on it afterwards (entente share) sends it at the next push round, although
// the push cursor had passed it. A partner not named still does not receive it.
func TestShareAfterStoringReachesThePartner(t *testing.T) {
	a, b, c := newTestNode(t, "A"), newTestNode(t, "B"), newTestNode(t, "C")
	for _, o := range []*testNode{b, c} {
		a.know(o)
		o.know(a)
		a.agree(o, stix.TLPAmber, false)
		a.peer(o, false, true, false)
	}
	red := a.add(a.indicator(stix.TLPRed, 1))
	green := a.add(a.indicator(stix.TLPGreen, 2))
	a.start(fastOptions())
	eventually(t, "B and C have the GREEN object", func() bool {
		return slices.Contains(b.ids(), green[0]) && slices.Contains(c.ids(), green[0])
	})
	settle(t, b, c)
	if slices.Contains(b.ids(), red[0]) {
		t.Fatal("B received the RED object before anyone named it")
	}
	if err := a.st.Shares().Add(context.Background(), red[0], []string{a.orgs["B"]}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the RED object reaches B after A named B on it", func() bool { return slices.Contains(b.ids(), red[0]) })
	later := a.add(a.indicator(stix.TLPGreen, 3))
	eventually(t, "C has a later object", func() bool { return slices.Contains(c.ids(), later[0]) })
	settle(t, c)
	if slices.Contains(c.ids(), red[0]) {
		t.Error("C, not named, received the RED object")
	}
}

// echoCounter counts objects POSTed to a node that the node's own organisation created.
type echoCounter struct {
	identity string
	next     http.Handler
	n        atomic.Int64
}

func (e *echoCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		b, _ := io.ReadAll(r.Body)
		var env struct {
			Objects []struct {
				CreatedByRef string `json:"created_by_ref"`
			} `json:"objects"`
		}
		json.Unmarshal(b, &env)
		for _, o := range env.Objects {
			if o.CreatedByRef == e.identity {
				e.n.Add(1)
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	e.next.ServeHTTP(w, r)
}

func TestTriangleNoLeakNoEcho(t *testing.T) {
	nodes := []*testNode{newTestNode(t, "A"), newTestNode(t, "B"), newTestNode(t, "C")}
	a, b, c := nodes[0], nodes[1], nodes[2]
	echoes := map[string]*echoCounter{}
	for _, n := range nodes {
		e := &echoCounter{identity: n.self.IdentityID, next: n.srv.Config.Handler}
		n.srv.Config.Handler = e
		echoes[n.name] = e
		for _, o := range nodes {
			if o != n {
				n.know(o)
			}
		}
	}
	// A shares GREEN with B, which may pass A's GREEN on; B shares GREEN with C; C has no
	// agreements (CLEAR only); A shares AMBER with C.
	a.agree(b, stix.TLPGreen, false)
	b.agree(a, stix.TLPGreen, true)
	b.agree(c, stix.TLPGreen, false)
	a.agree(c, stix.TLPAmber, false)
	for _, n := range nodes {
		for _, o := range nodes {
			if o != n {
				n.peer(o, false, true, true)
			}
		}
	}
	own := map[string]map[stix.TLP][]string{}
	for _, n := range nodes {
		own[n.name] = levels(n, 15)
	}
	for _, n := range nodes {
		n.start(fastOptions())
	}
	at := func(name string, tlps ...stix.TLP) []string {
		var out []string
		for _, t := range tlps {
			out = append(out, own[name][t]...)
		}
		return out
	}
	all := []stix.TLP{stix.TLPClear, stix.TLPGreen, stix.TLPAmber, stix.TLPAmberStrict, stix.TLPRed}
	want := map[string][]string{
		// A: its own, B's CLEAR (no agreement B→A beyond GREEN: B agreed GREEN with A), C's CLEAR.
		"A": sorted(at("A", all...), at("B", stix.TLPClear, stix.TLPGreen), at("C", stix.TLPClear)),
		// B: its own, A's CLEAR and GREEN, C's CLEAR.
		"B": sorted(at("B", all...), at("A", stix.TLPClear, stix.TLPGreen), at("C", stix.TLPClear)),
		// C: its own, A's CLEAR, GREEN and AMBER (A's agreement), B's CLEAR and GREEN; A's GREEN
		// reaches C directly and through B (B may pass it on), once stored.
		"C": sorted(at("C", all...), at("A", stix.TLPClear, stix.TLPGreen, stix.TLPAmber), at("B", stix.TLPClear, stix.TLPGreen)),
	}
	for _, n := range nodes {
		eventually(t, n.name+" holds what it should", func() bool { return len(n.ids()) >= len(want[n.name]) })
	}
	settle(t, nodes...)
	for _, n := range nodes {
		if got := n.ids(); !slices.Equal(got, want[n.name]) {
			t.Errorf("%s holds %d objects, want %d: extra %v, missing %v", n.name, len(got), len(want[n.name]),
				diff(got, want[n.name]), diff(want[n.name], got))
		}
		if e := echoes[n.name].n.Load(); e != 0 {
			t.Errorf("%s received %d of its own objects back", n.name, e)
		}
	}
}

// diff returns what is in a but not in b (a few, for messages).
func diff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) && len(out) < 3 {
			out = append(out, x)
		}
	}
	return out
}

// faultProxy stands between a node and a peer and misbehaves on demand.
type faultProxy struct {
	target *url.URL
	mode   atomic.Value // string
	forged []byte       // the body sent in mode "forge"
	mu     sync.Mutex
	hits   map[string]int
}

func newFaultProxy(t *testing.T, target string) (*faultProxy, *httptest.Server) {
	u, _ := url.Parse(target)
	p := &faultProxy{target: u, hits: map[string]int{}}
	p.mode.Store("ok")
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mode := p.mode.Load().(string)
	p.mu.Lock()
	p.hits[mode]++
	p.mu.Unlock()
	switch mode {
	case "500":
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	case "hang":
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		return
	case "reset":
		if hj, ok := w.(http.Hijacker); ok {
			c, _, _ := hj.Hijack()
			c.Close()
		}
		return
	}
	body, _ := io.ReadAll(r.Body)
	req, _ := http.NewRequestWithContext(r.Context(), r.Method, p.target.Scheme+"://"+p.target.Host+r.URL.RequestURI(), bytes.NewReader(body))
	req.Header = r.Header.Clone()
	req.Host = r.Host // a transparent proxy: the signed target URI is the one the client used
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	switch mode {
	case "truncate":
		rb = rb[:len(rb)/2]
	case "invalid":
		rb = []byte(`{"more": tru`)
	case "forge":
		rb = p.forged
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(resp.StatusCode)
	w.Write(rb)
}

func TestPullFaults(t *testing.T) {
	a, b := newTestNode(t, "A"), newTestNode(t, "B")
	a.know(b)
	b.know(a)
	byLevel := levels(a, 30)
	proxy, psrv := newFaultProxy(t, a.srv.URL)
	// What a forger would slip in: objects of its own, under A's signature of another body.
	mallory := newTestNode(t, "M")
	forged := mallory.indicator(stix.TLPClear, 1)
	proxy.forged = []byte(`{"more":false,"objects":[` + string(forged) + `]}`)
	var forgedID struct{ ID string }
	json.Unmarshal(forged, &forgedID)

	in := PeerInput{Name: "A", Org: "A", URL: psrv.URL + taxii.Root, Token: b.tokens["A"], Pull: []string{"default"},
		PublicKey: PublicKey(a.key), RequireSignatures: true}
	if _, err := AddPeer(context.Background(), b.st, in); err != nil {
		t.Fatal(err)
	}
	opts := fastOptions()
	opts.Timeout = 300 * time.Millisecond
	opts.PageSize = 10
	for _, mode := range []string{"500", "hang", "reset", "truncate", "invalid", "forge"} {
		proxy.mode.Store(mode)
		b.start(opts)
		eventually(t, "B records an error in mode "+mode, func() bool {
			st := b.status("A")
			return st.LastError != "" && st.LastErrorAt.After(st.LastSuccess)
		})
		b.stop()
		if got := b.ids(); len(got) != 0 {
			t.Fatalf("mode %s: B stored %d objects, want none", mode, len(got))
		}
	}
	proxy.mode.Store("ok")
	b.start(opts)
	want := sorted(byLevel[stix.TLPClear]) // no agreement: CLEAR only
	eventually(t, "B recovers", func() bool { return len(b.ids()) == len(want) })
	settle(t, b)
	if got := b.ids(); !slices.Equal(got, want) {
		t.Errorf("after recovery B holds %d objects, want %d", len(got), len(want))
	}
	if slices.Contains(b.ids(), forgedID.ID) {
		t.Errorf("B stored the forged object")
	}
	if st := b.status("A"); st.PullBehindSince != (time.Time{}) {
		t.Errorf("after recovery the pull is behind since %v, want caught up", st.PullBehindSince)
	}

}

func TestPushFaultsAndRestart(t *testing.T) {
	a, b := newTestNode(t, "A"), newTestNode(t, "B")
	a.know(b)
	b.know(a)
	a.agree(b, stix.TLPGreen, false)
	proxy, psrv := newFaultProxy(t, b.srv.URL)
	in := PeerInput{Name: "B", Org: "B", URL: psrv.URL + taxii.Root, Token: a.tokens["B"], Push: "default", PublicKey: PublicKey(b.key)}
	if _, err := AddPeer(context.Background(), a.st, in); err != nil {
		t.Fatal(err)
	}
	b.peer(a, false, false, true)
	opts := fastOptions()
	opts.Timeout = 300 * time.Millisecond
	opts.PageSize = 7
	levels(a, 20)
	for _, mode := range []string{"500", "hang", "reset"} {
		proxy.mode.Store(mode)
		a.start(opts)
		a.add(a.indicator(stix.TLPGreen, 5000+len(mode)))
		eventually(t, "A records an error in mode "+mode, func() bool {
			st := a.status("B")
			return st.LastError != "" && st.LastErrorAt.After(st.LastSuccess)
		})
		a.stop()
	}
	// The answers were lost, not necessarily the requests: B may hold some; it holds no more
	// than A may give it.
	proxy.mode.Store("ok")
	a.start(opts)
	var want []string
	for _, id := range a.ids() {
		rec, _ := a.st.Objects().Latest(context.Background(), id)
		if rec.TLP <= stix.TLPGreen {
			want = append(want, id)
		}
	}
	slices.Sort(want)
	eventually(t, "B recovers", func() bool { return len(b.ids()) == len(want) })
	settle(t, a, b)
	if got := b.ids(); !slices.Equal(got, want) {
		t.Errorf("after recovery B holds %d objects, want %d", len(got), len(want))
	}
}

func TestBackoff(t *testing.T) {
	lo, hi := time.Second, time.Minute
	tests := []struct {
		n        int
		rnd      float64
		min, max time.Duration
	}{
		{1, 0, 500 * time.Millisecond, 500 * time.Millisecond},
		{1, 0.999, 500 * time.Millisecond, time.Second},
		{2, 0, time.Second, time.Second},
		{3, 1, 4 * time.Second, 4 * time.Second},
		{10, 0, 30 * time.Second, 30 * time.Second},
		{1000, 1, time.Minute, time.Minute},
	}
	for _, tt := range tests {
		got := backoff(tt.n, lo, hi, func() float64 { return tt.rnd })
		if got < tt.min || got > tt.max {
			t.Errorf("backoff(%d, rnd %v): got %v, want %v to %v", tt.n, tt.rnd, got, tt.min, tt.max)
		}
	}
}
