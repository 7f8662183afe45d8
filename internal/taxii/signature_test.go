package taxii

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/entente/entente/internal/audit"
	"github.com/entente/entente/internal/auth"
	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/policy"
)

func testKey(t testing.TB, seed byte) ed25519.PrivateKey {
	t.Helper()
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

func signedRequest(t *testing.T, s *Signer, target string, body []byte) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", MediaType)
	if err := s.SignRequest(r, body); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSignRequest(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	key, other := testKey(t, 1), testKey(t, 2)
	s := &Signer{Key: key, Now: func() time.Time { return now }}
	const target = "https://peer.example/taxii2/root/collections/c/objects/"
	body := []byte(`{"objects":[]}`)
	tests := []struct {
		name   string
		change func(r *http.Request) []byte // returns the body the server sees
		keys   []ed25519.PublicKey
		at     time.Time
		want   error
	}{
		{"valid", nil, []ed25519.PublicKey{pub(key)}, now, nil},
		{"valid among several keys", nil, []ed25519.PublicKey{pub(other), pub(key)}, now, nil},
		{"other key pinned", nil, []ed25519.PublicKey{pub(other)}, now, ErrBadSignature},
		{"body changed", func(*http.Request) []byte { return []byte(`{"objects":[{}]}`) }, []ed25519.PublicKey{pub(key)}, now, ErrBadSignature},
		{"digest and body changed", func(r *http.Request) []byte {
			b := []byte(`{"objects":[{}]}`)
			r.Header.Set("Content-Digest", ContentDigest(b))
			return b
		}, []ed25519.PublicKey{pub(key)}, now, ErrBadSignature},
		{"method changed", func(r *http.Request) []byte { r.Method = http.MethodPut; return body }, []ed25519.PublicKey{pub(key)}, now, ErrBadSignature},
		{"content type changed", func(r *http.Request) []byte { r.Header.Set("Content-Type", "application/json"); return body }, []ed25519.PublicKey{pub(key)}, now, ErrBadSignature},
		{"too old", nil, []ed25519.PublicKey{pub(key)}, now.Add(MaxSignatureAge + time.Second), ErrBadSignature},
		{"from the future", nil, []ed25519.PublicKey{pub(key)}, now.Add(-MaxClockSkew - time.Second), ErrBadSignature},
		{"unsigned", func(r *http.Request) []byte {
			r.Header.Del("Signature")
			r.Header.Del("Signature-Input")
			return body
		}, []ed25519.PublicKey{pub(key)}, now, ErrUnsigned},
		{"signature missing", func(r *http.Request) []byte { r.Header.Del("Signature"); return body }, []ed25519.PublicKey{pub(key)}, now, ErrBadSignature},
		{"signature garbled", func(r *http.Request) []byte { r.Header.Set("Signature", "sig1=:AAAA:"); return body }, []ed25519.PublicKey{pub(key)}, now, ErrBadSignature},
		{"fewer components", func(r *http.Request) []byte {
			r.Header.Set("Signature-Input", strings.Replace(r.Header.Get("Signature-Input"), ` "content-type"`, "", 1))
			return body
		}, []ed25519.PublicKey{pub(key)}, now, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := signedRequest(t, s, target, body)
			b := body
			if tt.change != nil {
				b = tt.change(r)
			}
			ev, err := VerifyRequest(r, b, tt.keys, []string{"https://other/", target}, tt.at)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				if ev.KeyID != KeyID(pub(key)) || !ev.Created.Equal(now) || ev.Digest != ContentDigest(body) {
					t.Errorf("got evidence %+v, want key %s created %v", ev, KeyID(pub(key)), now)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("got error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSignResponse(t *testing.T) {
	key := testKey(t, 3)
	s := &Signer{Key: key}
	body := []byte(`{"more":false}`)
	h := http.Header{}
	h.Set("Content-Type", MediaType)
	if err := s.SignResponse(h, 200, body); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyResponse(h, 200, body, []ed25519.PublicKey{pub(key)}, time.Now()); err != nil {
		t.Errorf("verify: got %v, want no error", err)
	}
	if _, err := VerifyResponse(h, 206, body, []ed25519.PublicKey{pub(key)}, time.Now()); !errors.Is(err, ErrBadSignature) {
		t.Errorf("verify with another status: got %v, want ErrBadSignature", err)
	}
	if _, err := VerifyResponse(h, 200, body[:5], []ed25519.PublicKey{pub(key)}, time.Now()); !errors.Is(err, ErrBadSignature) {
		t.Errorf("verify a truncated body: got %v, want ErrBadSignature", err)
	}
}

func TestParsePublicKey(t *testing.T) {
	k := pub(testKey(t, 4))
	for _, s := range []string{KeyID(k), "ed25519:" + KeyID(k), " " + KeyID(k) + "\n"} {
		got, err := ParsePublicKey(s)
		if err != nil || !got.Equal(k) {
			t.Errorf("ParsePublicKey(%q): got %v, %v, want the key", s, got, err)
		}
	}
	for _, s := range []string{"", "not base64!", "AAAA"} {
		if _, err := ParsePublicKey(s); err == nil {
			t.Errorf("ParsePublicKey(%q): got no error", s)
		}
	}
}

func TestParseSignatureInput(t *testing.T) {
	got, err := parseSignatureInput(`sig1=("@method" "content-digest");created=1;keyid="a,b";alg="ed25519", sig2=("@status");created=2`)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].keyID != "a,b" || got[0].created != 1 || len(got[0].components) != 2 || got[1].label != "sig2" || got[1].created != 2 {
		t.Errorf("got %+v", got)
	}
	for _, bad := range []string{"", "sig1", `sig1="x"`, `sig1=("a"`, `sig1=(a);created=1`, `sig1=("a");created=x`} {
		if _, err := parseSignatureInput(bad); err == nil {
			t.Errorf("parseSignatureInput(%q): got no error", bad)
		}
	}
}

func FuzzVerifySignature(f *testing.F) {
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{5}, ed25519.SeedSize))
	s := &Signer{Key: key}
	h := http.Header{}
	h.Set("Content-Type", MediaType)
	s.SignResponse(h, 200, []byte("x"))
	f.Add(h.Get("Signature-Input"), h.Get("Signature"), h.Get("Content-Digest"))
	f.Add(`sig1=("@status");created=1`, "sig1=:AA==:", "sha-256=:x:")
	f.Fuzz(func(t *testing.T, input, sig, digest string) {
		h := http.Header{}
		h.Set("Content-Type", MediaType)
		h.Set("Signature-Input", input)
		h.Set("Signature", sig)
		h.Set("Content-Digest", digest)
		_, err := VerifyResponse(h, 200, []byte("x"), []ed25519.PublicKey{pub(key)}, time.Now())
		if err != nil && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrUnsigned) {
			t.Errorf("got error %v, want ErrBadSignature or ErrUnsigned", err)
		}
	})
}

// trustOf is a PeerKeys for tests: one organisation's peer.
type trustOf struct {
	org     string
	trust   PeerTrust
	refused []error
}

func (k *trustOf) Trust(_ context.Context, org string) (PeerTrust, error) {
	if org == k.org {
		return k.trust, nil
	}
	return PeerTrust{}, nil
}

func (k *trustOf) Refused(_ context.Context, _ string, err error) { k.refused = append(k.refused, err) }

func TestServerSignatures(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	a, err := f.st.Orgs().Get(ctx, "Partner A")
	if err != nil {
		t.Fatal(err)
	}
	self, _ := f.st.Orgs().Self(ctx)
	nodeKey, peerKey := testKey(t, 6), testKey(t, 7)
	keys := &trustOf{org: a.ID, trust: PeerTrust{PeerID: "peer-a", Keys: []ed25519.PublicKey{pub(peerKey)}, Require: true}}
	log := slog.New(slog.DiscardHandler)
	s := NewServer(f.st, &policy.Gate{Store: f.st, Own: self.ID}, &audit.Log{Store: f.st},
		&auth.Authenticator{Tokens: f.st.Tokens(), SelfOrg: self.ID}, &ingest.Ingester{Objects: f.st.Objects(), Logger: log},
		[]byte("0123456789abcdef0123456789abcdef"), Config{}, log)
	s.SetFederation(&Signer{Key: nodeKey}, keys)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	target := srv.URL + Root + "collections/" + f.coll + "/objects/"
	obj := `{"type":"indicator","spec_version":"2.1","id":"indicator--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '10.0.0.9']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]}`
	body := []byte(`{"objects":[` + obj + `]}`)

	post := func(sign *Signer) *http.Response {
		t.Helper()
		r, _ := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
		r.Header.Set("Content-Type", MediaType)
		r.Header.Set("Accept", MediaType)
		r.SetBasicAuth("x", f.tokens["A"])
		if sign != nil {
			if err := sign.SignRequest(r, body); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if got := post(nil).StatusCode; got != http.StatusUnauthorized {
		t.Errorf("unsigned POST: got %d, want 401", got)
	}
	if got := post(&Signer{Key: testKey(t, 8)}).StatusCode; got != http.StatusUnauthorized {
		t.Errorf("POST signed by another key: got %d, want 401", got)
	}
	if len(keys.refused) != 2 {
		t.Errorf("refusals reported: got %d, want 2", len(keys.refused))
	}
	if got := post(&Signer{Key: peerKey}).StatusCode; got != http.StatusAccepted {
		t.Fatalf("signed POST: got %d, want 202", got)
	}
	rec, err := f.st.Objects().Latest(ctx, "indicator--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Origin.Peer != "peer-a" || !strings.HasPrefix(rec.Origin.Signature, "rfc9421 ed25519 keyid="+KeyID(pub(peerKey))) {
		t.Errorf("provenance: got peer %q signature %q, want peer-a and the evidence", rec.Origin.Peer, rec.Origin.Signature)
	}

	// Reads come back signed by the node.
	r, _ := http.NewRequest(http.MethodGet, target, nil)
	r.SetBasicAuth("x", f.tokens["B"]) // A's own object never goes back to A
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if _, err := VerifyResponse(resp.Header, resp.StatusCode, b, []ed25519.PublicKey{pub(nodeKey)}, time.Now()); err != nil {
		t.Errorf("GET response: got %v, want a valid signature", err)
	}
	if !strings.Contains(string(b), "10.0.0.9") {
		t.Errorf("GET response: got %s, want the object", b)
	}
}
