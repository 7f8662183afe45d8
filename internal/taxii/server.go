package taxii

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/entente/entente/internal/audit"
	"github.com/entente/entente/internal/auth"
	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// Server serves TAXII 2.1.
type Server struct {
	store     store.Store
	statuses  store.StatusStore
	auth      *auth.Authenticator
	ingester  *ingest.Ingester
	log       *slog.Logger
	cursorKey []byte
	cfg       Config
	now       func() time.Time
	gate      *policy.Gate
	audit     *audit.Log
	signer    *Signer  // signs responses (federation); nil for none
	peerKeys  PeerKeys // verifies partners' POSTs (federation); nil for none
}

// Config describes the server to clients.
type Config struct {
	Title            string
	Description      string
	Contact          string
	BaseURL          string // public URL of the node; derived from each request when empty
	MaxContentLength int64  // largest POST body in bytes
}

// NewServer returns a TAXII server. cursorKey signs next tokens; every process serving the same
// database must use the same key.
//
// Every read goes through the policy gate: the query is restricted to what the caller's
// organisation may receive, and each object is delivered in the form the decision names. Reads of
// AMBER, AMBER+STRICT and RED content are written to the audit log.
func NewServer(st store.Store, gate *policy.Gate, al *audit.Log, a *auth.Authenticator, in *ingest.Ingester, cursorKey []byte, cfg Config, log *slog.Logger) *Server {
	if cfg.Title == "" {
		cfg.Title = "Entente TAXII 2.1"
	}
	if cfg.MaxContentLength <= 0 {
		cfg.MaxContentLength = 64 << 20
	}
	return &Server{store: st, statuses: st, auth: a, ingester: in, log: log, cursorKey: cursorKey, cfg: cfg, now: time.Now, gate: gate, audit: al}
}

// Handler returns the handler for /taxii2/.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux)
	return s.signResponses(s.negotiate(mux))
}

type principalKey struct{}

// negotiate checks Accept, authenticates, and puts the principal in the request context.
func (s *Server) negotiate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !acceptable(r.Header.Values("Accept")) {
			s.writeError(w, r, errf(http.StatusNotAcceptable, "Not acceptable", "this server answers with %s; the Accept header %q does not allow it", MediaType, clip(strings.Join(r.Header.Values("Accept"), ", "))))
			return
		}
		p, err := s.auth.Authenticate(r.Context(), r)
		if err != nil {
			if errors.Is(err, auth.ErrUnauthenticated) {
				s.writeError(w, r, errf(http.StatusUnauthorized, "Unauthorized", "%s", strings.TrimPrefix(err.Error(), "unauthenticated: ")))
				return
			}
			s.writeError(w, r, internal(err))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

func principal(r *http.Request) auth.Principal {
	p, _ := r.Context().Value(principalKey{}).(auth.Principal)
	return p
}

// acceptable reports whether an Accept header allows the TAXII 2.1 media type.
func acceptable(values []string) bool {
	if len(values) == 0 {
		return true
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if taxiiMedia(strings.TrimSpace(part), true) {
				return true
			}
		}
	}
	return false
}

// taxiiMedia reports whether a media range names TAXII 2.1 (with or without the version
// parameter); wildcards count when allowed.
func taxiiMedia(s string, wildcards bool) bool {
	if s == "" {
		return false
	}
	mt, params, err := mime.ParseMediaType(s)
	if err != nil {
		return false
	}
	switch mt {
	case "application/taxii+json":
		v, ok := params["version"]
		return !ok || v == "2.1"
	case "*/*", "application/*":
		return wildcards
	}
	return false
}

func (s *Server) methods(m map[string]handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if h, ok := m[r.Method]; ok {
			return h(w, r)
		}
		var allowed []string
		for k := range m {
			allowed = append(allowed, k)
		}
		slices.Sort(allowed)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		return errf(http.StatusMethodNotAllowed, "Method not allowed", "%s is not allowed here; use %s", r.Method, strings.Join(allowed, " or "))
	}
}

func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return strings.TrimRight(s.cfg.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) discovery(w http.ResponseWriter, r *http.Request) error {
	root := s.baseURL(r) + Root
	body := map[string]any{"title": s.cfg.Title, "default": root, "api_roots": []string{root}}
	if s.cfg.Description != "" {
		body["description"] = s.cfg.Description
	}
	if s.cfg.Contact != "" {
		body["contact"] = s.cfg.Contact
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (s *Server) apiRoot(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]any{
		"title":              s.cfg.Title,
		"description":        "The node's API root: its collections of STIX 2.1 objects.",
		"versions":           []string{MediaType},
		"max_content_length": s.cfg.MaxContentLength,
	})
	return nil
}

// access returns what p may do in c.
func access(p auth.Principal, c store.Collection) (read, write bool) {
	if p.Self {
		return true, p.CanWrite()
	}
	if p.Role != auth.RolePartner {
		return false, false
	}
	return slices.Contains(c.Read, p.OrgID), slices.Contains(c.Write, p.OrgID)
}

// collectionFor resolves the collection in the path and checks access: a collection the
// principal can neither read nor write does not exist for it (404); one it lacks the needed right
// on is 403.
func (s *Server) collectionFor(r *http.Request, needRead, needWrite bool) (store.Collection, error) {
	id := r.PathValue("coll")
	c, err := s.store.Collections().Get(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return c, notFound("no collection %q", clip(id))
	}
	if err != nil {
		return c, internal(err)
	}
	read, write := access(principal(r), c)
	if !read && !write {
		return c, notFound("no collection %q", clip(id))
	}
	if needRead && !read {
		return c, forbidden("this token may not read collection %s", c.ID)
	}
	if needWrite && !write {
		return c, forbidden("this token may not write to collection %s", c.ID)
	}
	return c, nil
}

type collectionResource struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Alias       string   `json:"alias,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types,omitempty"`
}

func resource(p auth.Principal, c store.Collection) collectionResource {
	read, write := access(p, c)
	return collectionResource{ID: c.ID, Title: c.Title, Description: c.Description, Alias: c.Alias, CanRead: read, CanWrite: write, MediaTypes: []string{STIXMediaType}}
}

func (s *Server) collections(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseQuery(r.URL.Query()); err != nil {
		return err
	}
	cs, err := s.store.Collections().List(r.Context())
	if err != nil {
		return internal(err)
	}
	p := principal(r)
	var out []collectionResource
	for _, c := range cs {
		if res := resource(p, c); res.CanRead || res.CanWrite {
			out = append(out, res)
		}
	}
	body := map[string]any{}
	if len(out) > 0 {
		body["collections"] = out
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (s *Server) collection(w http.ResponseWriter, r *http.Request) error {
	c, err := s.collectionFor(r, false, false)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resource(principal(r), c))
	return nil
}

// view returns the policy's view for the request's principal.
func (s *Server) view(r *http.Request) (*policy.View, error) {
	rc, err := auth.Recipient(r.Context(), s.store.Orgs(), principal(r))
	if err != nil {
		return nil, internal(err)
	}
	v, err := s.gate.View(r.Context(), rc)
	if err != nil {
		return nil, internal(err)
	}
	return v, nil
}

// page runs a filtered, paged query for the principal, restricted by the policy, and sets the
// date-added headers.
func (s *Server) page(w http.ResponseWriter, r *http.Request, endpoint string, c store.Collection, q query, f store.Filter) (store.Page, string, *policy.View, error) {
	p := principal(r)
	binding := strings.Join([]string{endpoint, c.ID, p.OrgID, r.PathValue("object"), q.canonical()}, "|")
	f.Collection = c.ID
	f.AddedAfter = q.addedAfter
	f.Limit = q.limit
	if q.next != "" {
		after, err := s.readNext(q.next, binding)
		if err != nil {
			return store.Page{}, "", nil, err
		}
		f.AddedAfter = max(f.AddedAfter, after)
	}
	v, err := s.view(r)
	if err != nil {
		return store.Page{}, "", nil, err
	}
	v.Restrict(&f)
	pg, err := s.store.Objects().Query(r.Context(), f)
	if err != nil {
		return pg, "", nil, internal(err)
	}
	first, last := f.AddedAfter, f.AddedAfter
	if n := len(pg.Records); n > 0 {
		first, last = pg.Records[0].DateAdded, pg.Records[n-1].DateAdded
	}
	w.Header().Set("X-TAXII-Date-Added-First", stix.FormatMicro(first))
	w.Header().Set("X-TAXII-Date-Added-Last", stix.FormatMicro(last))
	next := ""
	if pg.More && len(pg.Records) > 0 {
		next = s.makeNext(binding, last)
	}
	return pg, next, v, nil
}

// deliver decides every record of a page for the view: it replaces Raw by what the recipient
// receives (the stored or a redacted form), drops what the decision withholds, and records reads
// of AMBER, AMBER+STRICT and RED content in the audit log.
func (s *Server) deliver(r *http.Request, v *policy.View, pg *store.Page, endpoint string) error {
	if err := v.Prepare(r.Context(), pg.Records); err != nil {
		return internal(err)
	}
	kept := pg.Records[:0]
	var sensitive []string
	for i := range pg.Records {
		rec := pg.Records[i]
		out, d, err := v.Deliver(r.Context(), &rec)
		if err != nil {
			return internal(err)
		}
		if !d.Allow {
			continue
		}
		rec.Raw = out
		if rec.TLP >= stix.TLPAmber {
			sensitive = append(sensitive, rec.ID)
		}
		kept = append(kept, rec)
	}
	pg.Records = kept
	if len(sensitive) == 0 || s.audit == nil {
		return nil
	}
	p := principal(r)
	err := s.audit.Record(r.Context(), store.AuditEntry{
		Actor: "org:" + p.OrgID + " token:" + p.TokenID, Action: "read", Path: "taxii " + endpoint,
		Object: audit.IDs(sensitive), Decision: "allow",
	})
	if err != nil {
		return internal(err)
	}
	return nil
}

func filterOf(q query) store.Filter {
	return store.Filter{IDs: q.ids, Types: q.types, Versions: q.versions, SpecVersions: q.specVersions}
}

func (s *Server) getObjects(w http.ResponseWriter, r *http.Request) error {
	c, err := s.collectionFor(r, true, false)
	if err != nil {
		return err
	}
	q, err := parseQuery(r.URL.Query(), "added_after", "limit", "next", "match[id]", "match[type]", "match[version]", "match[spec_version]")
	if err != nil {
		return err
	}
	f := filterOf(q)
	f.Lean = true // the envelope needs the delivered JSON and date_added only
	pg, next, v, err := s.page(w, r, "objects", c, q, f)
	if err != nil {
		return err
	}
	if err := s.deliver(r, v, &pg, "objects"); err != nil {
		return err
	}
	writeEnvelope(w, pg, next)
	return nil
}

// writeEnvelope writes the objects of a page as a TAXII envelope without re-encoding them.
func writeEnvelope(w http.ResponseWriter, pg store.Page, next string) {
	var b bytes.Buffer
	size := 64
	for i := range pg.Records {
		size += len(pg.Records[i].Raw) + 1
	}
	b.Grow(size)
	b.WriteString(`{"more":`)
	b.WriteString(fmt.Sprint(pg.More))
	if next != "" {
		b.WriteString(`,"next":"` + next + `"`)
	}
	if len(pg.Records) > 0 {
		b.WriteString(`,"objects":[`)
		for i := range pg.Records {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(pg.Records[i].Raw)
		}
		b.WriteByte(']')
	}
	b.WriteString("}\n")
	w.Header().Set("Content-Type", MediaType)
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}

type manifestEntry struct {
	ID        string `json:"id"`
	DateAdded string `json:"date_added"`
	Version   string `json:"version"`
	MediaType string `json:"media_type"`
}

func manifestOf(rec *store.Record) manifestEntry {
	added := stix.FormatMicro(rec.DateAdded)
	v := rec.VersionText
	if v == "" {
		v = added // objects without created/modified are versioned by date_added
	}
	return manifestEntry{ID: rec.ID, DateAdded: added, Version: v, MediaType: STIXMediaType}
}

func (s *Server) manifest(w http.ResponseWriter, r *http.Request) error {
	c, err := s.collectionFor(r, true, false)
	if err != nil {
		return err
	}
	q, err := parseQuery(r.URL.Query(), "added_after", "limit", "next", "match[id]", "match[type]", "match[version]", "match[spec_version]")
	if err != nil {
		return err
	}
	f := filterOf(q)
	f.MetadataOnly = true
	pg, next, v, err := s.page(w, r, "manifest", c, q, f)
	if err != nil {
		return err
	}
	if err := s.deliver(r, v, &pg, "manifest"); err != nil {
		return err
	}
	body := map[string]any{"more": pg.More}
	if next != "" {
		body["next"] = next
	}
	if len(pg.Records) > 0 {
		entries := make([]manifestEntry, len(pg.Records))
		for i := range pg.Records {
			entries[i] = manifestOf(&pg.Records[i])
		}
		body["objects"] = entries
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (s *Server) objectID(r *http.Request) (string, error) {
	id := r.PathValue("object")
	if _, _, err := stix.ParseID(id); err != nil {
		return "", badRequest("object id: %v", err)
	}
	return id, nil
}

// exists reports whether any version of the object is in the collection and visible to the
// principal, as view v (nil: the request's) sees it.
func (s *Server) exists(r *http.Request, c store.Collection, id string, v *policy.View) (bool, error) {
	f := store.Filter{Collection: c.ID, IDs: []string{id}, Versions: store.VersionMatch{All: true}, Limit: 1, MetadataOnly: true}
	if v == nil {
		var err error
		if v, err = s.view(r); err != nil {
			return false, err
		}
	}
	v.Restrict(&f)
	pg, err := s.store.Objects().Query(r.Context(), f)
	if err != nil {
		return false, internal(err)
	}
	return len(pg.Records) > 0, nil
}

// objectPage reads one page of the versions of the object in the path, for the object and
// versions endpoints: a 404 when the object is not in the collection for the caller at all.
func (s *Server) objectPage(w http.ResponseWriter, r *http.Request, endpoint string, allowed []string, adjust func(*store.Filter)) (store.Page, string, error) {
	c, err := s.collectionFor(r, true, false)
	if err != nil {
		return store.Page{}, "", err
	}
	id, err := s.objectID(r)
	if err != nil {
		return store.Page{}, "", err
	}
	q, err := parseQuery(r.URL.Query(), allowed...)
	if err != nil {
		return store.Page{}, "", err
	}
	f := filterOf(q)
	f.IDs = []string{id}
	adjust(&f)
	pg, next, v, err := s.page(w, r, endpoint, c, q, f)
	if err != nil {
		return pg, "", err
	}
	if err := s.deliver(r, v, &pg, endpoint); err != nil {
		return pg, "", err
	}
	if len(pg.Records) == 0 && q.next == "" {
		ok, err := s.exists(r, c, id, v)
		if err != nil {
			return pg, "", err
		}
		if !ok {
			return pg, "", notFound("no object %s in collection %s", id, c.ID)
		}
	}
	return pg, next, nil
}

func (s *Server) getObject(w http.ResponseWriter, r *http.Request) error {
	pg, next, err := s.objectPage(w, r, "object", []string{"added_after", "limit", "next", "match[version]", "match[spec_version]"}, func(*store.Filter) {})
	if err != nil {
		return err
	}
	writeEnvelope(w, pg, next)
	return nil
}

func (s *Server) versions(w http.ResponseWriter, r *http.Request) error {
	pg, next, err := s.objectPage(w, r, "versions", []string{"added_after", "limit", "next", "match[spec_version]"}, func(f *store.Filter) {
		f.Versions = store.VersionMatch{All: true}
		f.MetadataOnly = true
	})
	if err != nil {
		return err
	}
	body := map[string]any{"more": pg.More}
	if next != "" {
		body["next"] = next
	}
	if len(pg.Records) > 0 {
		vs := make([]string, len(pg.Records))
		for i := range pg.Records {
			vs[i] = manifestOf(&pg.Records[i]).Version
		}
		body["versions"] = vs
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (s *Server) deleteObject(w http.ResponseWriter, r *http.Request) error {
	c, err := s.collectionFor(r, true, true)
	if err != nil {
		return err
	}
	id, err := s.objectID(r)
	if err != nil {
		return err
	}
	q, err := parseQuery(r.URL.Query(), "match[version]", "match[spec_version]")
	if err != nil {
		return err
	}
	ok, err := s.exists(r, c, id, nil)
	if err != nil {
		return err
	}
	if !ok {
		return notFound("no object %s in collection %s", id, c.ID)
	}
	v := q.versions
	if v.IsZero() {
		v = store.VersionMatch{All: true}
	}
	if _, err := s.store.Objects().Delete(r.Context(), c.ID, id, v); err != nil {
		return internal(err)
	}
	w.Header().Set("Content-Type", MediaType)
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("status")
	body, org, err := s.statuses.Status(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && org != principal(r).OrgID) {
		return notFound("no status %q", clip(id))
	}
	if err != nil {
		return internal(err)
	}
	w.Header().Set("Content-Type", MediaType)
	w.WriteHeader(http.StatusOK)
	w.Write(body)
	return nil
}
