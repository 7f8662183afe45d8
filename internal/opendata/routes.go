package opendata

import (
	"net/http"
	"strings"
	"time"
)

func (h *Handler) routes() {
	m := h.mux
	m.Handle("GET /opendata/{$}", h.handle(h.index))
	m.Handle("GET /opendata/catalog.ttl", h.handle(h.catalog("ttl")))
	m.Handle("GET /opendata/catalog.jsonld", h.handle(h.catalog("jsonld")))
	m.Handle("GET /opendata/catalog.rdf", h.handle(h.catalog("rdf")))
	m.Handle("GET /opendata/dataset/{file}", h.handle(h.dataset))
	m.Handle("GET /opendata/download/{file}", h.handle(h.download))
	m.Handle("GET /opendata/data.json", h.handle(h.dataJSON))
	m.Handle("GET /opendata/api/3", h.handle(apiVersion))
	m.HandleFunc("GET /opendata/api/3/action/{action}", h.ckan)
	m.HandleFunc("POST /opendata/api/3/action/{action}", h.ckan)
	m.Handle("/opendata/", h.handle(func(w http.ResponseWriter, r *http.Request) error {
		return fail(http.StatusNotFound, "no open data at %s %s (see /opendata/)", r.Method, r.URL.Path)
	}))
}

func apiVersion(w http.ResponseWriter, r *http.Request) error {
	return whole(w, r, "application/json", []byte(`{"version": 3}`+"\n"), zeroTime)
}

// dataset serves GET /opendata/dataset/{slug}.{ttl,jsonld,rdf} (DCAT-AP) and
// /opendata/dataset/{slug}[.html] (the portal page).
func (h *Handler) dataset(w http.ResponseWriter, r *http.Request) error {
	file := r.PathValue("file")
	slug, ext, _ := strings.Cut(file, ".")
	s, err := h.site(r)
	if err != nil {
		return err
	}
	d, ok := s.dataset(slug)
	if !ok {
		return fail(http.StatusNotFound, "no dataset %q (see %s/opendata/)", clip(slug), s.base)
	}
	switch ext {
	case "ttl", "jsonld", "rdf":
		return h.datasetRDF(w, r, s, d, ext)
	case "", "html":
		return h.datasetPage(w, r, s, d)
	}
	return fail(http.StatusNotFound, "no format %q of dataset %s (use .ttl, .jsonld, .rdf or .html)", clip(ext), d.Slug)
}

var zeroTime time.Time
