package opendata

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/store"
)

// Deps is what the open data surface needs.
type Deps struct {
	Store store.Store
	// Gate is the policy decision point; everything published goes through its public view.
	Gate *policy.Gate
	// BaseURL is the node's public URL, used in every generated link; when empty, links are made
	// from each request's host.
	BaseURL string
	// PageSize is the number of datasets per catalogue page (default 100).
	PageSize int
	Logger   *slog.Logger
	// Metadata describes the publisher and the datasets; metadata saved with SaveMetadata takes
	// its place. Zero fields take defaults.
	Metadata Metadata
	// Now is the clock (default time.Now).
	Now func() time.Time
	// RefreshEvery is the least time between two incremental refreshes of the statistics
	// (default 0: each request reads what was added since the one before).
	RefreshEvery time.Duration
	// RebuildEvery is how often the statistics are counted again from scratch, in the
	// background, to account for deletions (default 24 hours).
	RebuildEvery time.Duration
}

// Handler serves /opendata/.
type Handler struct {
	d   Deps
	mux *http.ServeMux
	agg *aggregator
}

// New returns the open data surface, to be mounted at "/opendata/".
func New(d Deps) *Handler {
	if d.PageSize <= 0 {
		d.PageSize = 100
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.RebuildEvery <= 0 {
		d.RebuildEvery = 24 * time.Hour
	}
	d.BaseURL = strings.TrimRight(d.BaseURL, "/")
	h := &Handler{d: d, mux: http.NewServeMux(), agg: &aggregator{
		st: d.Store, log: d.Logger, now: d.Now, refreshEvery: d.RefreshEvery, rebuildEvery: d.RebuildEvery,
	}}
	h.routes()
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Follow keeps the statistics current in the background until ctx ends, refreshing them every
// RefreshEvery (every 2 s when it is not set), so that counting what arrived (after a bulk
// import, a whole collection) is never paid by a harvester's request.
func (h *Handler) Follow(ctx context.Context) {
	every := h.d.RefreshEvery
	if every <= 0 {
		every = 2 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := h.Refresh(ctx); err != nil && ctx.Err() == nil {
			h.d.Logger.Warn("open data statistics: refresh failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Refresh brings the statistics up to what the store holds now, as Follow does on each tick.
func (h *Handler) Refresh(ctx context.Context) error {
	_, err := h.agg.state(ctx)
	return err
}

// site is one request's view of the open data: the metadata with its defaults, the statistics
// and the base of every link.
type site struct {
	meta  Metadata
	self  store.Org
	stats *aggState
	base  string
	named map[string]string // organisations that may be named in the statistics: id → name
}

func (h *Handler) site(r *http.Request) (*site, error) {
	ctx := r.Context()
	self, err := h.d.Store.Orgs().Self(ctx)
	if err != nil {
		return nil, fmt.Errorf("own organisation: %w", err)
	}
	meta, ok, err := LoadMetadata(ctx, h.d.Store.Settings())
	if err != nil {
		return nil, err
	}
	if !ok {
		meta = h.d.Metadata
	}
	base := h.d.BaseURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	stats, err := h.agg.state(ctx)
	if err != nil {
		return nil, err
	}
	s := &site{meta: meta.withDefaults(self, base), self: self, stats: stats, base: base}
	s.named, err = h.namedOrigins(ctx, self, s.meta.Statistics.NamedOrigins)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (h *Handler) namedOrigins(ctx context.Context, self store.Org, allowed []string) (map[string]string, error) {
	named := map[string]string{self.ID: self.Name}
	if len(allowed) == 0 {
		return named, nil
	}
	orgs, err := h.d.Store.Orgs().List(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing organisations: %w", err)
	}
	for _, o := range orgs {
		if slices.Contains(allowed, o.ID) || slices.Contains(allowed, o.Name) {
			named[o.ID] = o.Name
		}
	}
	return named, nil
}

// dataset finds a dataset by slug.
func (s *site) dataset(slug string) (*Dataset, bool) {
	for i := range s.meta.Datasets {
		if s.meta.Datasets[i].Slug == slug {
			return &s.meta.Datasets[i], true
		}
	}
	return nil, false
}

// modified is the dataset's modification date: when the newest of its content came in.
func (s *site) modified(d *Dataset) time.Time {
	var last int64
	if d.Kind == KindStatistics {
		last = s.stats.All.Last
	} else {
		last = s.stats.clearSpan(d.Types).Last
	}
	if last == 0 {
		return s.self.CreatedAt.UTC().Truncate(time.Second)
	}
	return time.UnixMicro(last).UTC().Truncate(time.Second)
}

// temporal is the dataset's temporal coverage: when its first and last content came in.
func (s *site) temporal(d *Dataset) (start, end time.Time, ok bool) {
	sp := s.stats.All
	if d.Kind != KindStatistics {
		sp = s.stats.clearSpan(d.Types)
	}
	if sp.First == 0 {
		return start, end, false
	}
	return time.UnixMicro(sp.First).UTC().Truncate(time.Second), time.UnixMicro(sp.Last).UTC().Truncate(time.Second), true
}

// etag is a weak validator of a dataset distribution: it changes whenever anything is added to
// or deleted from the store, or the metadata or the policy's configuration change.
func (s *site) etag(d *Dataset, format string, cfg policy.Config) string {
	sum := sha256.New()
	meta, _ := json.Marshal(s.meta)
	policyCfg, _ := json.Marshal(cfg)
	fmt.Fprintf(sum, "%s\x00%s\x00%s\x00%s\x00", d.Slug, format, meta, policyCfg)
	cols := make([]string, 0, len(s.stats.Cursors))
	for c := range s.stats.Live {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	for _, c := range cols {
		fmt.Fprintf(sum, "%s=%d/%d\x00", c, s.stats.Cursors[c], s.stats.Live[c])
	}
	return `W/"` + hex.EncodeToString(sum.Sum(nil)[:12]) + `"`
}

// httpError is an error with the status and message the client sees; err is logged only.
type httpError struct {
	status int
	msg    string
	err    error
}

func (e *httpError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

func (e *httpError) Unwrap() error { return e.err }

func fail(status int, format string, args ...any) *httpError {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

// tracked remembers whether a response has started.
type tracked struct {
	http.ResponseWriter
	started bool
}

func (t *tracked) WriteHeader(code int) { t.started = true; t.ResponseWriter.WriteHeader(code) }
func (t *tracked) Write(b []byte) (int, error) {
	t.started = true
	return t.ResponseWriter.Write(b)
}

// handle adapts a handler that returns an error: before the response has started the error
// becomes a plain-text answer with its status (500 for anything unexpected, whose detail is
// only logged); once a streamed response has started, the connection is aborted so that the
// client sees a broken transfer rather than a complete-looking partial file.
func (h *Handler) handle(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &tracked{ResponseWriter: w}
		err := fn(tw, r)
		if err == nil {
			return
		}
		status, msg := h.classify(r, err)
		if tw.started {
			panic(http.ErrAbortHandler)
		}
		w.Header().Del("Content-Encoding")
		w.Header().Del("ETag")
		w.Header().Del("Last-Modified")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		fmt.Fprintln(w, msg)
	})
}

// classify returns the status and safe message of an error, logging what the client is not
// shown.
func (h *Handler) classify(r *http.Request, err error) (int, string) {
	var he *httpError
	if errors.As(err, &he) {
		if he.status >= 500 {
			h.d.Logger.Error("open data", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		return he.status, he.msg
	}
	if errors.Is(err, context.Canceled) {
		return 499, "request cancelled"
	}
	h.d.Logger.Error("open data", "method", r.Method, "path", r.URL.Path, "err", err)
	return http.StatusInternalServerError, "internal error; the open data could not be produced"
}

// whole writes a body that was built completely in memory, with its validators, answering 304
// to a matching If-None-Match. Catalogues go out this way: all or nothing.
func whole(w http.ResponseWriter, r *http.Request, ctype string, body []byte, lastMod time.Time) error {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	hd := w.Header()
	hd.Set("Content-Type", ctype)
	hd.Set("ETag", etag)
	hd.Set("Vary", "Accept-Encoding")
	hd.Set("Access-Control-Allow-Origin", "*")
	if !lastMod.IsZero() {
		hd.Set("Last-Modified", lastMod.UTC().Format(http.TimeFormat))
	}
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if acceptsGzip(r) && len(body) > 1024 {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(body)
		zw.Close()
		body = buf.Bytes()
		hd.Set("Content-Encoding", "gzip")
	}
	hd.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
	return nil
}

// etagMatch reports whether an If-None-Match header names etag, compared weakly.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	strip := func(s string) string { return strings.TrimPrefix(strings.TrimSpace(s), "W/") }
	for _, t := range strings.Split(header, ",") {
		if strings.TrimSpace(t) == "*" || strip(t) == strip(etag) {
			return true
		}
	}
	return false
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(params, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// stream starts a streamed response: validators, then gzip when the client accepts it. It
// returns nil, nil when a 304 was sent. The caller must Close the writer to finish the body.
func stream(w http.ResponseWriter, r *http.Request, ctype, etag string, lastMod time.Time) (io.WriteCloser, error) {
	hd := w.Header()
	hd.Set("Content-Type", ctype)
	hd.Set("ETag", etag)
	hd.Set("Vary", "Accept-Encoding")
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Last-Modified", lastMod.UTC().Format(http.TimeFormat))
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil, nil
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return nil, nil
	}
	if acceptsGzip(r) {
		hd.Set("Content-Encoding", "gzip")
		zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
		return zw, nil
	}
	return nopCloser{w}, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
