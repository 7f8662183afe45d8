// Package api is the JSON API under /api/v1 for the web UI and for automation. Every route is
// listed in routes.go and described by the OpenAPI document served at /api/v1/openapi.json.
// Errors are JSON objects {"error": {"code": …, "message": …}} with a status from one table.
package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/entente/entente/internal/audit"
	"github.com/entente/entente/internal/auth"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/store"
)

// Deps is what the API needs.
type Deps struct {
	Store  store.Store
	Auth   *auth.Authenticator
	Gate   *policy.Gate // the policy decision every read asks
	Audit  *audit.Log   // where reads of AMBER and above and policy changes are recorded
	Logger *slog.Logger
}

// API serves /api/v1.
type API struct {
	d   Deps
	mux *http.ServeMux
}

// New returns the API handler.
func New(d Deps) *API {
	a := &API{d: d, mux: http.NewServeMux()}
	a.routes()
	return a
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// Error kinds and their statuses: the one place they are mapped.
const (
	KindInvalid      = "invalid"
	KindNotFound     = "not_found"
	KindConflict     = "conflict"
	KindUnauthorized = "unauthorized"
	KindForbidden    = "forbidden"
	KindTooLarge     = "too_large"
	KindInternal     = "internal"
	KindUnavailable  = "unavailable" // not yet: the client may try again (Retry-After)
)

var statusOf = map[string]int{
	KindInvalid: 400, KindNotFound: 404, KindConflict: 409, KindUnauthorized: 401,
	KindForbidden: 403, KindTooLarge: 413, KindInternal: 500, KindUnavailable: 503,
}

// Error is an API error: a kind and a message safe to show.
type Error struct {
	Kind    string
	Message string
	err     error // logged only
}

func (e *Error) Error() string { return e.Kind + ": " + e.Message }

func apiErr(kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// fromStore maps store errors to API errors.
func fromStore(err error, what string) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return apiErr(KindNotFound, "%s not found", what)
	case errors.Is(err, store.ErrConflict):
		return apiErr(KindConflict, "%s already exists", what)
	case errors.Is(err, store.ErrInvalid):
		return apiErr(KindInvalid, "%s: %v", what, err)
	}
	return &Error{Kind: KindInternal, Message: "internal error", err: err}
}

type handler func(w http.ResponseWriter, r *http.Request) error

// role returns a handler that requires a principal allowed by check.
func (a *API) handle(check func(auth.Principal) bool, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := func() error {
			if check != nil {
				p, err := a.d.Auth.Authenticate(r.Context(), r)
				if errors.Is(err, auth.ErrUnauthenticated) {
					w.Header().Set("WWW-Authenticate", `Bearer realm="entente"`)
					return apiErr(KindUnauthorized, "%v", err)
				}
				if err != nil {
					return &Error{Kind: KindInternal, Message: "internal error", err: err}
				}
				if !check(p) {
					return apiErr(KindForbidden, "this token's role may not do this")
				}
				r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
			}
			return h(w, r)
		}()
		if err != nil {
			a.writeError(w, r, err)
		}
	})
}

type principalKey struct{}

func principalOf(r *http.Request) auth.Principal {
	p, _ := r.Context().Value(principalKey{}).(auth.Principal)
	return p
}

func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			e = apiErr(KindTooLarge, "request body larger than %d bytes", mbe.Limit)
		} else {
			e = &Error{Kind: KindInternal, Message: "internal error", err: err}
		}
	}
	status := statusOf[e.Kind]
	if e.Kind == KindUnavailable {
		w.Header().Set("Retry-After", "5")
	} else if status >= 500 {
		a.d.Logger.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", errors.Join(e, e.err))
	}
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": e.Kind, "message": e.Message}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// decode reads a JSON request body of at most 1 MiB into v, refusing unknown fields.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	d := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return apiErr(KindInvalid, "the request body is empty; a JSON object is expected")
		}
		return apiErr(KindInvalid, "the request body is not valid: %v", err)
	}
	if d.More() {
		return apiErr(KindInvalid, "the request body holds more than one JSON value")
	}
	return nil
}

//go:embed openapi.json
var openAPI []byte

func (a *API) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPI)
	return nil
}

func anyone(auth.Principal) bool   { return true }
func ownOrg(p auth.Principal) bool { return p.Self }
func admin(p auth.Principal) bool  { return p.IsAdmin() }

func analyst(p auth.Principal) bool {
	return p.Self && (p.Role == auth.RoleAdmin || p.Role == auth.RoleAnalyst)
}
