package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/entente/entente/internal/stix"
)

func TestPeerAndKeyCommands(t *testing.T) {
	d := dataFlags(t)
	key, errOut, code := entente(t, "", append([]string{"key", "show"}, d...)...)
	if code != 0 || len(strings.TrimSpace(key)) != 44 {
		t.Fatalf("key show: exit %d, %q %s, want a base64 Ed25519 key", code, key, errOut)
	}
	again, _, _ := entente(t, "", append([]string{"key", "show"}, d...)...)
	if again != key {
		t.Errorf("key show twice: got %q then %q, want the same key", key, again)
	}
	js, _, _ := entente(t, "", append([]string{"key", "show", "--json"}, d...)...)
	var k struct {
		PublicKey  string `json:"public_key"`
		IdentityID string `json:"identity_id"`
	}
	if err := json.Unmarshal([]byte(js), &k); err != nil || k.PublicKey != strings.TrimSpace(key) || !strings.HasPrefix(k.IdentityID, "identity--") {
		t.Errorf("key show --json: got %s (%v)", js, err)
	}
	entente(t, "", append([]string{"org", "add", "--name", "Partner"}, d...)...)
	bad := [][]string{
		{"peer", "add", "--org", "Partner", "--url", "https://p/taxii2/root/", "--token", "t"},                         // no name
		{"peer", "add", "--name", "p", "--org", "Partner", "--url", "p/taxii2", "--token", "t"},                        // not a URL
		{"peer", "add", "--name", "p", "--org", "Partner", "--url", "https://p/", "--token", "t", "--public-key", "x"}, // bad key
		{"peer", "add", "--name", "p", "--org", "Partner", "--url", "https://p/", "--token", "t", "--require-signatures"},
		{"peer", "add", "--name", "p", "--org", "self", "--url", "https://p/", "--token", "t"},
	}
	for _, args := range bad {
		if _, errOut, code := entente(t, "", append(args, d...)...); code != 2 {
			t.Errorf("%v: exit %d (%s), want 2", args, code, errOut)
		}
	}
	out, errOut, code := entente(t, "", append([]string{"peer", "add", "--name", "p", "--org", "Partner", "--url", "https://p.example/taxii2/root/",
		"--token", "t0ken", "--pull", "a,b", "--push", "inbox", "--public-key", strings.TrimSpace(key), "--require-signatures"}, d...)...)
	if code != 0 || !strings.Contains(lastLine(out), "-") {
		t.Fatalf("peer add: exit %d %q %s", code, out, errOut)
	}
	if _, _, code := entente(t, "", append([]string{"peer", "add", "--name", "p", "--org", "Partner", "--url", "https://p/", "--token", "t"}, d...)...); code != 1 {
		t.Errorf("peer add with a taken name: exit %d, want 1", code)
	}
	list, _, _ := entente(t, "", append([]string{"peer", "list"}, d...)...)
	if !strings.Contains(list, "https://p.example/taxii2/root/") || !strings.Contains(list, "required") || strings.Contains(list, "t0ken") {
		t.Errorf("peer list: got %q, want the peer without its token", list)
	}
	st, _, code := entente(t, "", append([]string{"peer", "status", "--json"}, d...)...)
	var sts []map[string]any
	if err := json.Unmarshal([]byte(st), &sts); code != 0 || err != nil || len(sts) != 1 || sts[0]["peer"] != "p" {
		t.Errorf("peer status --json: got %q (%v)", st, err)
	}
	if _, _, code := entente(t, "", append([]string{"peer", "remove", "p"}, d...)...); code != 0 {
		t.Errorf("peer remove: exit %d", code)
	}
	if _, _, code := entente(t, "", append([]string{"peer", "remove", "p"}, d...)...); code != 1 {
		t.Errorf("peer remove again: exit %d, want 1", code)
	}
}

// procNode is a node run as a real process.
type procNode struct {
	t        *testing.T
	bin      string
	name     string
	data     string
	addr     string
	identity string
	key      string
	tokens   map[string]string // node name -> token this node presents there
	cmd      *exec.Cmd
	log      *bytes.Buffer
	mu       sync.Mutex
}

// freeAddr returns a free port on 127.0.0.x (127.0.0.1 when x does not work here).
func freeAddr(t *testing.T, x int) string {
	t.Helper()
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", x))
	if err != nil {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func newProcNode(t *testing.T, bin, name string, x int) *procNode {
	t.Helper()
	n := &procNode{t: t, bin: bin, name: name, data: t.TempDir(), addr: freeAddr(t, x), tokens: map[string]string{}}
	js := n.cli("key", "show", "--json", "--org-name", name)
	var k struct {
		PublicKey  string `json:"public_key"`
		IdentityID string `json:"identity_id"`
	}
	if err := json.Unmarshal([]byte(js), &k); err != nil {
		t.Fatalf("key show: %v: %s", err, js)
	}
	n.key, n.identity = k.PublicKey, k.IdentityID
	t.Cleanup(n.kill)
	return n
}

// cli runs a command on the node's store in process and returns its standard output.
func (n *procNode) cli(args ...string) string {
	n.t.Helper()
	out, errOut, code := entente(n.t, "", append(args, "--data", n.data)...)
	if code != 0 {
		n.t.Fatalf("%s: entente %v: exit %d: %s", n.name, args, code, errOut)
	}
	return out
}

func (n *procNode) root() string { return "http://" + n.addr + "/taxii2/root/" }

// know adds other as a partner organisation with a token and access to the exchange
// collection (created on the first call).
func knowAll(nodes ...*procNode) {
	for _, n := range nodes {
		var names []string
		for _, o := range nodes {
			if o != n {
				n.cli("org", "add", "--name", o.name)
				names = append(names, o.name)
				o.tokens[n.name] = lastLine(n.cli("token", "create", "--org", o.name, "--role", "partner"))
			}
		}
		list := strings.Join(names, ",")
		n.cli("collection", "create", "--title", "Exchange", "--alias", "exchange", "--read", list, "--write", list)
	}
}

func (n *procNode) peer(other *procNode, extra ...string) {
	n.t.Helper()
	n.cli(append([]string{"peer", "add", "--name", other.name, "--org", other.name, "--url", other.root(), "--token", n.tokens[other.name],
		"--collection", "exchange", "--public-key", other.key, "--require-signatures", "--identity", other.identity}, extra...)...)
}

func (n *procNode) start() {
	n.t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	n.log = &bytes.Buffer{}
	n.cmd = exec.Command(n.bin, "serve", "--data", n.data, "--addr", n.addr, "--log-level", "warn")
	n.cmd.Stdout, n.cmd.Stderr = n.log, n.log
	if err := n.cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + n.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("%s did not come up: %v\n%s", n.name, err, n.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill stops the process with SIGKILL: no shutdown, no lease handed back.
func (n *procNode) kill() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil && n.cmd.Process != nil {
		n.cmd.Process.Signal(syscall.SIGKILL)
		n.cmd.Wait()
		n.cmd = nil
	}
}

// ids returns the ids in the node's exchange collection, sorted.
func (n *procNode) ids() []string {
	n.t.Helper()
	out := n.cli("export", "--collection", "exchange")
	var b struct {
		Objects []struct{ ID string } `json:"objects"`
	}
	if err := json.Unmarshal([]byte(out), &b); err != nil {
		n.t.Fatalf("%s: export: %v", n.name, err)
	}
	ids := make([]string, len(b.Objects))
	for i, o := range b.Objects {
		ids[i] = o.ID
	}
	slices.Sort(ids)
	return ids
}

func (n *procNode) count() int { return len(n.ids()) }

// objects writes count indicators by the node's organisation at each TLP into the exchange
// collection and returns their ids by TLP label.
func (n *procNode) objects(count int, tlps ...string) map[string][]string {
	n.t.Helper()
	marks := map[string]string{"clear": stix.TLP2Clear, "green": stix.TLP2Green, "amber": stix.TLP2Amber, "amber+strict": stix.TLP2AmberStrict, "red": stix.TLP2Red}
	var b strings.Builder
	out := map[string][]string{}
	for _, tlp := range tlps {
		for i := range count {
			id := stix.NewID("indicator")
			out[tlp] = append(out[tlp], id)
			fmt.Fprintf(&b, `{"type":"indicator","spec_version":"2.1","id":"%s","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","created_by_ref":"%s","pattern":"[ipv4-addr:value = '10.1.%d.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["%s"]}`+"\n",
				id, n.identity, i>>8&255, i&255, marks[tlp])
		}
	}
	f := writeFile(n.t, n.name+".jsonl", b.String())
	n.cli("import", "--collection", "exchange", f)
	return out
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting until %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func union(lists ...[]string) []string {
	out := slices.Concat(lists...)
	slices.Sort(out)
	return slices.Compact(out)
}

// TestFederationTriangleProcesses runs three nodes as real processes that push to each other
// under different agreements, and checks that every object ends up exactly where the policy
// says, once, and nowhere else.
func TestFederationTriangleProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes")
	}
	bin := buildBinary(t)
	a, b, c := newProcNode(t, bin, "A", 2), newProcNode(t, bin, "B", 3), newProcNode(t, bin, "C", 4)
	knowAll(a, b, c)
	a.cli("agreement", "set", "--partner", "B", "--max-tlp", "amber")
	b.cli("agreement", "set", "--partner", "A", "--max-tlp", "green", "--onward-sharing", "community")
	b.cli("agreement", "set", "--partner", "C", "--max-tlp", "green")
	for _, n := range []*procNode{a, b, c} {
		for _, o := range []*procNode{a, b, c} {
			if o != n {
				n.peer(o, "--push", "exchange")
			}
		}
	}
	all := []string{"clear", "green", "amber", "red"}
	oa, ob, oc := a.objects(20, all...), b.objects(20, all...), c.objects(20, all...)
	for _, n := range []*procNode{a, b, c} {
		n.start()
	}
	want := map[*procNode][]string{
		a: union(oa["clear"], oa["green"], oa["amber"], oa["red"], ob["clear"], ob["green"], oc["clear"]),
		// B may pass A's GREEN on to its community: C receives it from B.
		b: union(ob["clear"], ob["green"], ob["amber"], ob["red"], oa["clear"], oa["green"], oa["amber"], oc["clear"]),
		c: union(oc["clear"], oc["green"], oc["amber"], oc["red"], oa["clear"], oa["green"], ob["clear"], ob["green"]),
	}
	for _, n := range []*procNode{a, b, c} {
		waitFor(t, n.name+" holds what the policy gives it", 30*time.Second, func() bool { return n.count() >= len(want[n]) })
	}
	time.Sleep(2 * time.Second) // anything still to come would be a leak or an echo
	for _, n := range []*procNode{a, b, c} {
		if got := n.ids(); !slices.Equal(got, want[n]) {
			t.Errorf("%s holds %d objects, want %d", n.name, len(got), len(want[n]))
		}
	}
	// No echoes: nothing went back to where it came from, so every push was new to its receiver
	// except redundant paths (A's CLEAR and GREEN reach C both directly and through B).
	for _, n := range []*procNode{a, b, c} {
		var sts []struct {
			Peer                 string
			ObjectsOut, Rejected int
			LastError            string
		}
		json.Unmarshal([]byte(n.cli("peer", "status", "--json")), &sts)
		for _, s := range sts {
			if s.Rejected != 0 {
				t.Errorf("%s → %s: %d rejected (%s)", n.name, s.Peer, s.Rejected, s.LastError)
			}
		}
	}
}

// TestFederationSurvivesKill kills (SIGKILL) the node that pulls and pushes while it does both,
// then the node it exchanges with, restarts them, and checks that each ends with exactly the
// objects it should hold: nothing lost, nothing leaked.
func TestFederationSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real processes")
	}
	bin := buildBinary(t)
	a, b := newProcNode(t, bin, "A", 5), newProcNode(t, bin, "B", 6)
	knowAll(a, b)
	b.cli("agreement", "set", "--partner", "A", "--max-tlp", "green")
	const n = 8000
	fromA := a.objects(n, "clear", "amber")
	fromB := b.objects(n, "green", "red")
	b.peer(a, "--pull", "exchange", "--push", "exchange") // B pulls from A and pushes to A
	a.peer(b)                                             // A pins B's key for what B pushes
	start := time.Now()
	a.start()
	b.start()
	moved := func() (in, out int) {
		var sts []struct {
			ObjectsIn  int `json:"objects_in"`
			ObjectsOut int `json:"objects_out"`
		}
		json.Unmarshal([]byte(b.cli("peer", "status", "--json")), &sts)
		if len(sts) == 0 {
			return 0, 0
		}
		return sts[0].ObjectsIn, sts[0].ObjectsOut
	}
	waitFor(t, "B has started pulling and pushing", 30*time.Second, func() bool { in, out := moved(); return in > 0 && out > 0 })
	b.kill()
	in, out := moved()
	t.Logf("B killed after %d objects in and %d out", in, out)
	b.start()
	waitFor(t, "B moves on", 30*time.Second, func() bool { i, o := moved(); return i > in || o > out || i >= n })
	a.kill()
	time.Sleep(time.Second)
	a.start()
	wantA := union(fromA["clear"], fromA["amber"], fromB["green"])
	wantB := union(fromB["green"], fromB["red"], fromA["clear"])
	waitFor(t, "A and B hold what they should", 90*time.Second, func() bool { return a.count() >= len(wantA) && b.count() >= len(wantB) })
	t.Logf("synced %v after the start", time.Since(start).Round(time.Millisecond))
	time.Sleep(time.Second)
	if got := a.ids(); !slices.Equal(got, wantA) {
		t.Errorf("A holds %d objects, want %d", len(got), len(wantA))
	}
	if got := b.ids(); !slices.Equal(got, wantB) {
		t.Errorf("B holds %d objects, want %d", len(got), len(wantB))
	}
}

// TestMetricsToken: with ENTENTE_METRICS_TOKEN set, serve's /metrics answers only a scraper
// that presents it.
func TestMetricsToken(t *testing.T) {
	t.Setenv("ENTENTE_METRICS_TOKEN", "scrape-secret")
	n := newProcNode(t, buildBinary(t), "Metrics", 1)
	n.start()
	get := func(auth string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+n.addr+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(""); code != http.StatusUnauthorized || strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics without the token: %d %.80q", code, body)
	}
	if code, body := get("Bearer scrape-secret"); code != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics with the token: %d %.80q", code, body)
	}
}
