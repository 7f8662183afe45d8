package federation

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/taxii"
)

// memTransport carries requests to a handler in memory, or fails them while down.
type memTransport struct {
	h     http.Handler
	down  atomic.Bool
	calls atomic.Int64
}

func (m *memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	m.calls.Add(1)
	if m.down.Load() {
		return nil, errors.New("dial tcp: connect: connection refused")
	}
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// TestOutageOfAnHour keeps a peer unreachable for an hour of simulated time: the workers retry
// with growing waits (no busy loop), and once the peer is back everything arrives.
func TestOutageOfAnHour(t *testing.T) {
	a, b := newTestNode(t, "A"), newTestNode(t, "B")
	a.know(b)
	b.know(a)
	a.agree(b, stix.TLPGreen, false)
	b.agree(a, stix.TLPGreen, false)
	fromA := levels(a, 10)
	fromB := levels(b, 10)
	b.peer(a, false, false, true)
	synctest.Test(t, func(t *testing.T) {
		tr := &memTransport{h: b.srv.Config.Handler}
		tr.down.Store(true)
		in := PeerInput{Name: "B", Org: "B", URL: "http://b.invalid" + taxii.Root, Token: a.tokens["B"],
			Pull: []string{"default"}, Push: "default", PublicKey: PublicKey(b.key), RequireSignatures: true}
		if _, err := AddPeer(context.Background(), a.st, in); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		f := &Federation{Store: a.st, Gate: a.gate(), Ingester: a.ingester(), Signer: &taxii.Signer{Key: a.key},
			Options: Options{Transport: tr}} // default timings: 1 s to 5 min backoff
		done := make(chan struct{})
		go func() {
			defer close(done)
			f.Run(ctx)
		}()
		time.Sleep(time.Hour)
		// Two directions, each retrying after at most MaxBackoff once the waits have grown.
		if got := tr.calls.Load(); got < 10 || got > 80 {
			t.Errorf("requests during an hour of outage: got %d, want 10 to 80 (backoff, no busy loop)", got)
		}
		st := a.status("B")
		if st.LastError == "" || st.PullBehindSince.IsZero() || st.PushBehindSince.IsZero() {
			t.Errorf("status during the outage: got %+v, want the error and both directions behind", st)
		}
		if lag := Lag(st, time.Now()); lag < 59*time.Minute {
			t.Errorf("lag after an hour of outage: got %v, want about an hour", lag)
		}
		tr.down.Store(false)
		time.Sleep(6 * time.Minute) // the longest wait, and the rounds after it
		cancel()
		<-done
	})
	wantA := sorted(a.idsOf(fromA), fromB[stix.TLPClear], fromB[stix.TLPGreen])
	wantB := sorted(b.idsOf(fromB), fromA[stix.TLPClear], fromA[stix.TLPGreen])
	if got := a.ids(); !slices.Equal(got, wantA) {
		t.Errorf("after the outage A holds %d objects, want %d", len(got), len(wantA))
	}
	if got := b.ids(); !slices.Equal(got, wantB) {
		t.Errorf("after the outage B holds %d objects, want %d", len(got), len(wantB))
	}
	if st := a.status("B"); !st.PullBehindSince.IsZero() || !st.PushBehindSince.IsZero() {
		t.Errorf("after recovery: got %+v, want both directions caught up", st)
	}
}

// idsOf returns all ids of a levels result.
func (n *testNode) idsOf(m map[stix.TLP][]string) []string {
	var out []string
	for _, ids := range m {
		out = append(out, ids...)
	}
	return out
}
