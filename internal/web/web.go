package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/entente/entente/internal/audit"
	"github.com/entente/entente/internal/auth"
	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/pattern"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps is what the interface needs from the node.
type Deps struct {
	Store    store.Store
	Gate     *policy.Gate
	Ingester *ingest.Ingester
	Audit    *audit.Log // records changes made here; nil records nothing
	// Index, when not nil, answers searches by value (pattern.Index with its Follower); new
	// indicators authored here are added to it at once.
	Index      *pattern.Index
	Logger     *slog.Logger
	SessionTTL time.Duration // how long a session lasts; default 12 hours
	// SecureCookies marks cookies Secure on every request, for a node reached over HTTPS through
	// a proxy that terminates TLS; without it they are Secure when the request itself came over
	// TLS.
	SecureCookies bool
	// Collection is the id or alias of the collection authored objects and imports go to;
	// default "default".
	Collection string
	// Ingest, when not nil, is the node's ingest activity: the background full-text indexer
	// waits while objects are being stored (see indexer.yield).
	Ingest *ingest.Activity
	Now    func() time.Time
}

// UI is the browser interface, an http.Handler for "/".
type UI struct {
	d     Deps
	mux   *http.ServeMux
	pages map[string]map[string]*template.Template // language → page → template
	limit *throttle
	h     http.Handler

	counts    *counts     // the dashboard's counts (counts.go)
	index     *indexer    // fills the full-text index (follow.go)
	following atomic.Bool // Follow runs
}

// sessionCookie names the cookie holding a session's secret.
const sessionCookie = "entente_session"

// New builds the interface, parsing its templates.
func New(d Deps) (*UI, error) {
	if d.SessionTTL <= 0 {
		d.SessionTTL = 12 * time.Hour
	}
	if d.Collection == "" {
		d.Collection = "default"
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	u := &UI{d: d, mux: http.NewServeMux(), pages: map[string]map[string]*template.Template{}, limit: newThrottle(d.Store.Users(), d.Now),
		counts: &counts{st: d.Store, now: d.Now, window: dashWindow}, index: &indexer{st: d.Store, ingest: d.Ingest}}
	if err := u.parse(); err != nil {
		return nil, err
	}
	u.routes()
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.fail(w, r, &view{Lang: chooseLang(r)}, &pageError{status: http.StatusForbidden, key: "err.csrf"})
	}))
	u.h = securityHeaders(cop.Handler(u.mux))
	return u, nil
}

// ServeHTTP serves the interface.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) { u.h.ServeHTTP(w, r) }

// securityHeaders forbids framing and anything not from the node itself; the pages need no
// script beyond the embedded one.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

func (u *UI) parse() error {
	funcs := template.FuncMap{
		"num":   func(lang string, n any) string { return formatNumber(lang, toInt64(n)) },
		"time":  formatTime,
		"date":  formatDate,
		"micro": func(lang string, us int64) string { return formatTime(lang, store.TimeFromMicro(us)) },
		"tlpclass": func(t stix.TLP) string {
			return "tlp-" + tlpSlug(t)
		},
		"q":   url.QueryEscape,
		"mul": func(a, b int) int { return a * b },
		"add": func(a, b int) int { return a + b },
		"div": func(a, b int) int { return a / max(b, 1) },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	for _, lang := range languages {
		lf := template.FuncMap{"t": func(key string) string { return translate(lang, key) }}
		base, err := template.New("layout.html").Funcs(funcs).Funcs(lf).ParseFS(templateFS, "templates/layout.html")
		if err != nil {
			return fmt.Errorf("web templates: %w", err)
		}
		u.pages[lang] = map[string]*template.Template{}
		for _, n := range names {
			page := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
			if page == "layout" {
				continue
			}
			t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
			if err != nil {
				return fmt.Errorf("web template %s: %w", page, err)
			}
			u.pages[lang][page] = t
		}
	}
	return nil
}

func toInt64(n any) int64 {
	switch v := n.(type) {
	case int:
		return int64(v)
	case int64:
		return v
	case uint64:
		return int64(v)
	}
	return 0
}

// view is what every page template gets: the viewer and the page's own data.
type view struct {
	Lang    string
	Title   string
	User    *store.User
	OrgName string
	CSRF    string
	Path    string
	Back    string // where the language switch returns: this page, with its query for a GET
	Flash   string
	Data    any
}

// session is the signed-in viewer of a request.
type session struct {
	store.Session
	User      store.User
	Principal auth.Principal
}

// pageError is an error with the status and message key shown to the viewer; err is logged.
type pageError struct {
	status int
	key    string
	err    error
}

func (e *pageError) Error() string {
	if e.err != nil {
		return e.key + ": " + e.err.Error()
	}
	return e.key
}

func (e *pageError) Unwrap() error { return e.err }

func notFound() error  { return &pageError{status: http.StatusNotFound, key: "err.notfound"} }
func forbidden() error { return &pageError{status: http.StatusForbidden, key: "err.forbidden"} }
func internal(err error) error {
	return &pageError{status: http.StatusInternalServerError, key: "err.internal", err: err}
}

// handler is a page handler of a signed-in viewer.
type handler func(w http.ResponseWriter, r *http.Request, v *view, s *session) error

// page adapts a handler: it requires a live session (else redirects to sign-in), checks the
// anti-forgery token of every POST, and renders errors.
func (u *UI) page(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := &view{Lang: chooseLang(r), Path: r.URL.Path, Back: r.URL.Path}
		if r.Method == http.MethodGet {
			v.Back = r.URL.RequestURI()
		}
		s, err := u.session(r)
		if err != nil {
			if errors.Is(err, errNoSession) || errors.Is(err, errExpired) {
				q := url.Values{"next": {r.URL.RequestURI()}}
				if errors.Is(err, errExpired) {
					q.Set("expired", "1")
					http.SetCookie(w, u.cookie(r, "", -1))
				}
				http.Redirect(w, r, "/signin?"+q.Encode(), http.StatusSeeOther)
				return
			}
			u.fail(w, r, v, internal(err))
			return
		}
		v.User, v.CSRF = &s.User, s.CSRF
		if o, err := u.d.Store.Orgs().Get(r.Context(), s.User.OrgID); err == nil {
			v.OrgName = o.Name
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxImport)
			got := r.FormValue("csrf")
			if subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF)) != 1 {
				u.fail(w, r, v, &pageError{status: http.StatusForbidden, key: "err.csrf"})
				return
			}
		}
		if err := h(w, r, v, s); err != nil {
			u.fail(w, r, v, err)
		}
	})
}

var (
	errNoSession = errors.New("no session")
	errExpired   = errors.New("session expired")
)

// session returns the request's live session.
func (u *UI) session(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, errNoSession
	}
	ctx := r.Context()
	h := sha256.Sum256([]byte(c.Value))
	ss, err := u.d.Store.Users().Session(ctx, h[:])
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	if !u.d.Now().Before(ss.ExpiresAt) {
		if err := u.d.Store.Users().DeleteSession(ctx, h[:]); err != nil {
			u.d.Logger.Warn("deleting an expired session", "err", err)
		}
		return nil, errExpired
	}
	usr, err := u.d.Store.Users().Get(ctx, ss.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	self := usr.OrgID == u.d.Gate.Own
	return &session{Session: ss, User: usr, Principal: auth.Principal{TokenID: "user:" + usr.ID, OrgID: usr.OrgID, Role: usr.Role, Self: self}}, nil
}

// startSession creates a session for a user and sets its cookie.
func (u *UI) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, usr store.User) error {
	secret, csrf := randomToken(), randomToken()
	h := sha256.Sum256([]byte(secret))
	now := u.d.Now().UTC()
	if err := u.d.Store.Users().CreateSession(ctx, store.Session{
		Hash: h[:], UserID: usr.ID, CSRF: csrf, CreatedAt: now, ExpiresAt: now.Add(u.d.SessionTTL),
	}); err != nil {
		return err
	}
	http.SetCookie(w, u.cookie(r, secret, int(u.d.SessionTTL/time.Second)))
	return nil
}

// cookie is the session cookie: HttpOnly, SameSite=Lax, Secure when the request came over TLS.
func (u *UI) cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: u.secure(r)}
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// render writes a page.
func (u *UI) render(w http.ResponseWriter, status int, v *view, page string) error {
	t := u.pages[v.Lang][page]
	if t == nil {
		return internal(fmt.Errorf("no template %q", page))
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return internal(fmt.Errorf("rendering %s: %w", page, err))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.Lang)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// fail renders an error page; the detail of an internal error goes only to the log.
func (u *UI) fail(w http.ResponseWriter, r *http.Request, v *view, err error) {
	var pe *pageError
	if !errors.As(err, &pe) {
		pe = &pageError{status: http.StatusInternalServerError, key: "err.internal", err: err}
	}
	if pe.status >= 500 {
		u.d.Logger.Error("web page failed", "path", r.URL.Path, "err", err)
	}
	v.Title = translate(v.Lang, "err.title")
	v.Data = translate(v.Lang, pe.key)
	if rerr := u.render(w, pe.status, v, "error"); rerr != nil {
		http.Error(w, translate(v.Lang, pe.key), pe.status)
	}
}

// favicon answers the browsers' request for /favicon.ico, which pages of other surfaces (such
// as the open data portal) leave them to make.
func favicon(w http.ResponseWriter, r *http.Request) {
	b, err := staticFS.ReadFile("static/favicon.svg")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(b)
}

// secure reports whether cookies set in answer to r must be Secure.
func (u *UI) secure(r *http.Request) bool { return r.TLS != nil || u.d.SecureCookies }
