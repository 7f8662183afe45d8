package federation

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/entente/entente/internal/audit"
	"github.com/entente/entente/internal/auth"
	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/sqlite"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
	"github.com/entente/entente/internal/taxii"
)

// testNode is an Entente node in the test process: a SQLite store, its TAXII server over real
// HTTP, and its federation workers (started by start).
type testNode struct {
	t       testing.TB
	name    string
	st      *sqlite.Store
	self    store.Org
	key     ed25519.PrivateKey
	coll    store.Collection
	srv     *httptest.Server
	tokens  map[string]string // node name -> token this node presents at that node
	orgs    map[string]string // node name -> that node's organisation id here
	metrics *Metrics
	reg     *prometheus.Registry

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// fastOptions make rounds follow each other quickly in tests.
func fastOptions() Options {
	return Options{MinPull: 20 * time.Millisecond, MaxPull: 100 * time.Millisecond, PushEvery: 200 * time.Millisecond,
		Poll: 20 * time.Millisecond, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Reload: 50 * time.Millisecond, Lease: 3 * time.Second, Timeout: 2 * time.Second}
}

func newTestNode(t testing.TB, name string) *testNode {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), name+".db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	self, err := st.Orgs().Create(ctx, store.Org{Name: name, Self: true, IdentityID: stix.NewID("identity")})
	if err != nil {
		t.Fatal(err)
	}
	coll, err := st.Collections().Create(ctx, store.Collection{Alias: "default", Title: "Default"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := NodeKey(ctx, st.Settings())
	if err != nil {
		t.Fatal(err)
	}
	n := &testNode{t: t, name: name, st: st, self: self, key: key, coll: coll, tokens: map[string]string{}, orgs: map[string]string{}}
	n.reg = prometheus.NewRegistry()
	n.metrics = NewMetrics(n.reg)
	log := slog.New(slog.DiscardHandler)
	ts := taxii.NewServer(st, n.gate(), &audit.Log{Store: st}, &auth.Authenticator{Tokens: st.Tokens(), SelfOrg: self.ID},
		n.ingester(), []byte("0123456789abcdef0123456789abcdef"), taxii.Config{}, log)
	ts.SetFederation(&taxii.Signer{Key: key}, &Trust{Store: st, Metrics: n.metrics})
	n.srv = httptest.NewServer(ts.Handler())
	t.Cleanup(n.srv.Close)
	return n
}

func (n *testNode) gate() *policy.Gate { return &policy.Gate{Store: n.st, Own: n.self.ID} }

func (n *testNode) ingester() *ingest.Ingester {
	return &ingest.Ingester{Objects: n.st.Objects(), Origin: (&Origins{Store: n.st}).Map}
}

func (n *testNode) root() string { return n.srv.URL + taxii.Root }

// know makes other a partner organisation of n with other's real identity, a partner token
// for it, and read and write access to n's default collection.
func (n *testNode) know(other *testNode) {
	n.t.Helper()
	ctx := context.Background()
	o, err := n.st.Orgs().Create(ctx, store.Org{Name: other.name, IdentityID: other.self.IdentityID})
	if err != nil {
		n.t.Fatal(err)
	}
	n.orgs[other.name] = o.ID
	secret := auth.NewSecret()
	if _, err := n.st.Tokens().Create(ctx, store.Token{Hash: auth.Hash(secret), OrgID: o.ID, Role: auth.RolePartner}); err != nil {
		n.t.Fatal(err)
	}
	other.tokens[n.name] = secret
	n.coll.Read = append(n.coll.Read, o.ID)
	n.coll.Write = append(n.coll.Write, o.ID)
	if err := n.st.Collections().Update(ctx, n.coll); err != nil {
		n.t.Fatal(err)
	}
}

// agree sets n's agreement with other.
func (n *testNode) agree(other *testNode, max stix.TLP, onward bool) {
	n.t.Helper()
	a := policy.Agreement{Partner: n.orgs[other.name], MaxTLP: max}
	if onward {
		a.Onward = policy.OnwardCommunity
	}
	if err := n.st.Agreements().Put(context.Background(), policy.ToStore(a, time.Now())); err != nil {
		n.t.Fatal(err)
	}
}

// peer adds other as a peer of n: pull other's default collection, push to it, or both.
func (n *testNode) peer(other *testNode, pull, push, require bool) store.Peer {
	n.t.Helper()
	in := PeerInput{Name: other.name, Org: other.name, URL: other.root(), Token: n.tokens[other.name],
		PublicKey: PublicKey(other.key), RequireSignatures: require, IdentityID: other.self.IdentityID}
	if pull {
		in.Pull = []string{"default"}
	}
	if push {
		in.Push = "default"
	}
	p, err := AddPeer(context.Background(), n.st, in)
	if err != nil {
		n.t.Fatal(err)
	}
	return p
}

// start runs n's federation workers until stop or the end of the test.
func (n *testNode) start(opts Options) {
	n.t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel, n.done = cancel, make(chan struct{})
	f := &Federation{Store: n.st, Gate: n.gate(), Ingester: n.ingester(), Signer: &taxii.Signer{Key: n.key},
		Audit: &audit.Log{Store: n.st}, Metrics: n.metrics, Options: opts}
	done := n.done
	go func() {
		defer close(done)
		f.Run(ctx)
	}()
	n.t.Cleanup(n.stop)
}

func (n *testNode) stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cancel != nil {
		n.cancel()
		<-n.done
		n.cancel = nil
	}
}

var markings = map[stix.TLP]string{
	stix.TLPClear: stix.TLP2Clear, stix.TLPGreen: stix.TLP2Green, stix.TLPAmber: stix.TLP2Amber,
	stix.TLPAmberStrict: stix.TLP2AmberStrict, stix.TLPRed: stix.TLP2Red,
}

// indicator returns a new indicator by n's organisation at the given TLP.
func (n *testNode) indicator(tlp stix.TLP, i int) []byte {
	return []byte(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"%s","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","created_by_ref":"%s","pattern":"[ipv4-addr:value = '10.%d.%d.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["%s"]}`,
		stix.NewID("indicator"), n.self.IdentityID, i>>16&255, i>>8&255, i&255, markings[tlp]))
}

// add stores objects authored by n's own organisation and returns their ids.
func (n *testNode) add(raws ...[]byte) []string {
	n.t.Helper()
	res, err := n.ingester().Add(context.Background(), n.coll.ID, raws, store.Provenance{OrgID: n.self.ID, Via: "import"})
	if err != nil {
		n.t.Fatal(err)
	}
	ids := make([]string, len(res))
	for i, r := range res {
		if r.Outcome != ingest.Accepted {
			n.t.Fatalf("adding object %d: got %v %v, want accepted", i, r.Outcome, r.Err)
		}
		ids[i] = r.ID
	}
	return ids
}

// ids returns the ids n holds (all versions' ids, sorted, with repetitions).
func (n *testNode) ids() []string {
	n.t.Helper()
	var out []string
	after := int64(0)
	for {
		pg, err := n.st.Objects().Query(context.Background(), store.Filter{Collection: n.coll.ID, AddedAfter: after, Limit: 1000, Versions: store.VersionMatch{All: true}, MetadataOnly: true})
		if err != nil {
			n.t.Fatal(err)
		}
		for _, r := range pg.Records {
			out = append(out, r.ID)
			after = r.DateAdded
		}
		if !pg.More {
			break
		}
	}
	slices.Sort(out)
	return out
}

func (n *testNode) status(peer string) store.PeerStatus {
	n.t.Helper()
	p, err := n.st.Peers().Get(context.Background(), peer)
	if err != nil {
		n.t.Fatal(err)
	}
	st, err := n.st.Peers().Status(context.Background(), p.ID)
	if err != nil {
		n.t.Fatal(err)
	}
	return st
}

// eventually waits up to 10 s for cond.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// settle waits until nothing changes at any node for a while: the exchange has stopped.
func settle(t testing.TB, nodes ...*testNode) {
	t.Helper()
	var last []int
	stable := 0
	eventually(t, "the exchange settles", func() bool {
		var now []int
		for _, n := range nodes {
			now = append(now, len(n.ids()))
		}
		if slices.Equal(now, last) {
			stable++
		} else {
			stable = 0
		}
		last = now
		return stable >= 30
	})
}

// sorted returns a sorted copy of ids.
func sorted(ids ...[]string) []string {
	out := slices.Concat(ids...)
	slices.Sort(out)
	return out
}
