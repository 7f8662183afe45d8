// Package server assembles the node's HTTP handler from its surfaces (TAXII, API, UI, open data)
// and runs the HTTP server with TLS and graceful shutdown.
package server

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/entente/entente/internal/store"
)

// Deps is what the handler needs.
type Deps struct {
	Store  store.Store
	Logger *slog.Logger
	// Mounts are extra surfaces: path pattern prefix → handler (e.g. "/taxii2/").
	Mounts map[string]http.Handler
	// Ready, when not nil, is asked by /readyz after the database: an error (such as the
	// indicator index still loading) makes the node not ready, with the error's text.
	Ready func() error
}

// Handler returns the node's whole HTTP handler.
func Handler(d Deps) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if _, err := d.Store.Orgs().Self(ctx); err != nil {
			d.Logger.Warn("readiness check failed", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "database not ready")
			return
		}
		if d.Ready != nil {
			if err := d.Ready(); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprintln(w, err)
				return
			}
		}
		fmt.Fprintln(w, "ready")
	})
	for prefix, h := range d.Mounts {
		mux.Handle(prefix, h)
	}
	return recoverer(d.Logger, mux)
}

// BearerOnly lets through only requests that carry token as a bearer token (Authorization:
// Bearer TOKEN, or HTTP Basic with it as the password, as for the node's other tokens), compared
// in constant time; others get 401 with a plain-text reason. An empty token lets every request
// through. It guards /metrics, whose per-peer series name the node's partners.
func BearerOnly(token string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	want := []byte(token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			_, got, ok = r.BasicAuth()
		}
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintln(w, "this endpoint requires the metrics token (ENTENTE_METRICS_TOKEN) as a bearer token")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// recoverer turns a panic in a handler into a 500 and a log line instead of a dropped connection.
func recoverer(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", v)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// Options configure Serve.
type Options struct {
	Addr            string
	TLSCert, TLSKey string
	ShutdownTimeout time.Duration
	Logger          *slog.Logger
	// Ready, when not nil, receives the bound address once the listener is open.
	Ready func(addr net.Addr)
}

// Serve listens and serves h until ctx is done, then shuts down gracefully.
func Serve(ctx context.Context, h http.Handler, o Options) error {
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	scheme := "http"
	if o.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(o.TLSCert, o.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		ln = tls.NewListener(ln, srv.TLSConfig)
		scheme = "https"
	}
	o.Logger.Info("listening", "addr", ln.Addr().String(), "scheme", scheme)
	if o.Ready != nil {
		o.Ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	o.Logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
