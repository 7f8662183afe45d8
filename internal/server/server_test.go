package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entente/entente/internal/sqlite"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestHealthAndReadiness(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := Handler(Deps{Store: st, Logger: quiet(), Mounts: map[string]http.Handler{
		"/boom": http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }),
	}})
	get := func(path string) int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		return w.Code
	}
	if c := get("/healthz"); c != 200 {
		t.Errorf("healthz: %d", c)
	}
	if c := get("/readyz"); c != 503 {
		t.Errorf("readyz before the own organisation exists: %d, want 503", c)
	}
	st.Orgs().Create(ctx, store.Org{Name: "Own", Self: true, IdentityID: stix.NewID("identity"), CreatedAt: time.Now()})
	if c := get("/readyz"); c != 200 {
		t.Errorf("readyz: %d", c)
	}
	if c := get("/boom"); c != 500 {
		t.Errorf("a panicking handler: %d, want 500", c)
	}
}

// TestReadinessCheck checks that a node whose Ready check fails is not ready, and says why.
func TestReadinessCheck(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.Orgs().Create(ctx, store.Org{Name: "Own", Self: true, IdentityID: stix.NewID("identity"), CreatedAt: time.Now()})
	var notYet error = errors.New("the indicator index is still loading")
	h := Handler(Deps{Store: st, Logger: quiet(), Ready: func() error { return notYet }})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/readyz", nil))
	if w.Code != 503 || !strings.Contains(w.Body.String(), "still loading") {
		t.Errorf("readyz while not ready: %d %q, want 503 and the reason", w.Code, w.Body.String())
	}
	notYet = nil
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/readyz", nil))
	if w.Code != 200 {
		t.Errorf("readyz once ready: %d", w.Code)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	if w.Code != 200 {
		t.Errorf("healthz: %d", w.Code)
	}
}

func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

func TestServeTLSRefusesOldVersionsAndShutsDown(t *testing.T) {
	cert, key := selfSigned(t)
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") })
	go func() {
		done <- Serve(ctx, h, Options{Addr: "127.0.0.1:0", TLSCert: cert, TLSKey: key, ShutdownTimeout: time.Second, Logger: quiet(), Ready: func(a net.Addr) { addrc <- a }})
	}()
	addr := (<-addrc).String()
	client := func(maxVersion uint16) error {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MaxVersion: maxVersion}}}
		resp, err := c.Get("https://" + addr + "/")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := client(tls.VersionTLS12); err != nil {
		t.Errorf("TLS 1.2 client: %v", err)
	}
	if err := client(tls.VersionTLS11); err == nil {
		t.Errorf("a TLS 1.1 client was served")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("shutdown: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("server did not shut down")
	}
}

func TestBearerOnly(t *testing.T) {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "series") })
	w := httptest.NewRecorder()
	BearerOnly("", inner).ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != http.StatusOK {
		t.Errorf("without a token set: got %d, want the series for anyone", w.Code)
	}
	h := BearerOnly("s3cret", inner)
	for _, c := range []struct {
		name, auth string
		want       int
	}{
		{"none", "", http.StatusUnauthorized},
		{"wrong bearer", "Bearer s3cre", http.StatusUnauthorized},
		{"bearer", "Bearer s3cret", http.StatusOK},
		{"basic", "Basic " + base64.StdEncoding.EncodeToString([]byte("prometheus:s3cret")), http.StatusOK},
		{"basic wrong", "Basic " + base64.StdEncoding.EncodeToString([]byte("s3cret:x")), http.StatusUnauthorized},
	} {
		r := httptest.NewRequest("GET", "/metrics", nil)
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.want {
			t.Errorf("%s: got %d, want %d", c.name, w.Code, c.want)
		}
		if c.want == http.StatusUnauthorized && (w.Header().Get("WWW-Authenticate") == "" || strings.Contains(w.Body.String(), "series")) {
			t.Errorf("%s: refusal without WWW-Authenticate, or with the series: %q", c.name, w.Body.String())
		}
	}
}
