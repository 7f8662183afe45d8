package opendata

import (
	"cmp"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A subset of CKAN's Action API (version 3), enough for CKAN's own harvester and for portals
// that read packages: package_search, package_show, package_list, organization_list,
// organization_show and status_show, with CKAN's envelopes and error types.

// ckanError is a CKAN error: its __type, an HTTP status, and either a message or, for
// validation errors, messages per field.
type ckanError struct {
	status int
	typ    string
	msg    string
	fields map[string][]string
}

func (e *ckanError) Error() string { return e.typ + ": " + e.msg }

func ckanNotFound(what string) *ckanError {
	return &ckanError{status: http.StatusNotFound, typ: "Not Found Error", msg: "Not found: " + what}
}

func ckanInvalid(field, msg string) *ckanError {
	return &ckanError{status: http.StatusConflict, typ: "Validation Error", fields: map[string][]string{field: {msg}}}
}

// ckanParams are an action's parameters, from the query string or a JSON body.
type ckanParams map[string]string

func readCKANParams(r *http.Request) (ckanParams, error) {
	p := ckanParams{}
	for k, v := range r.URL.Query() {
		p[k] = v[len(v)-1]
	}
	if r.Method != http.MethodPost {
		return p, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, &ckanError{status: http.StatusBadRequest, typ: "Bad Request", msg: "Bad request - could not read the body"}
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return p, nil
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, &ckanError{status: http.StatusBadRequest, typ: "Bad Request", msg: "Bad request - JSON Error: " + err.Error()}
	}
	for k, v := range m {
		switch v := v.(type) {
		case string:
			p[k] = v
		case float64, bool:
			p[k] = fmt.Sprint(v)
		}
	}
	return p, nil
}

type ckanAction func(s *site, p ckanParams) (any, error)

func (h *Handler) ckanActions() map[string]ckanAction {
	return map[string]ckanAction{
		"package_search":    h.packageSearch,
		"package_show":      h.packageShow,
		"package_list":      h.packageList,
		"organization_list": h.organizationList,
		"organization_show": h.organizationShow,
		"status_show":       h.statusShow,
	}
}

// ckan serves /opendata/api/3/action/{action}: the answer is built whole, then sent in CKAN's
// envelope {help, success, result} or {help, success: false, error: {__type, message}}.
func (h *Handler) ckan(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("action")
	help := h.d.BaseURL + "/opendata/api/3/action/help_show?name=" + name
	var result any
	err := func() error {
		act, ok := h.ckanActions()[name]
		if !ok {
			return &ckanError{status: http.StatusBadRequest, typ: "Bad Request", msg: "Bad request - Action name not known: " + clip(name)}
		}
		p, err := readCKANParams(r)
		if err != nil {
			return err
		}
		s, err := h.site(r)
		if err != nil {
			return err
		}
		result, err = act(s, p)
		return err
	}()
	env := map[string]any{"help": help}
	status := http.StatusOK
	if err != nil {
		var ce *ckanError
		if !errors.As(err, &ce) {
			st, msg := h.classify(r, err)
			ce = &ckanError{status: st, typ: "Internal Server Error", msg: msg}
			if st < 500 {
				ce.typ = "Bad Request"
			}
		}
		status = ce.status
		e := map[string]any{"__type": ce.typ}
		if ce.msg != "" {
			e["message"] = ce.msg
		}
		for k, v := range ce.fields {
			e[k] = v
		}
		env["success"], env["error"] = false, e
	} else {
		env["success"], env["result"] = true, result
	}
	b, merr := json.Marshal(env)
	if merr != nil {
		h.d.Logger.Error("encoding a CKAN answer", "err", merr)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	w.Write(b)
}

// ckanID derives a stable UUID-shaped id from a name (CKAN ids are UUIDs).
func ckanID(name string) string {
	sum := sha1.Sum([]byte(name))
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}

// ckanTime formats a time as CKAN does: UTC without a zone suffix, microseconds.
func ckanTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000") }

var notTagChars = regexp.MustCompile(`[^\p{L}\p{N} _.-]+`)

func (s *site) orgName() string {
	n := strings.Trim(regexp.MustCompile(`[^a-z0-9_-]+`).ReplaceAllString(strings.ToLower(s.meta.Publisher), "-"), "-")
	if len(n) < 2 {
		n = "publisher"
	}
	return clipName(n)
}

func clipName(n string) string {
	if len(n) > 100 {
		return n[:100]
	}
	return n
}

func (s *site) ckanOrg() map[string]any {
	return map[string]any{
		"id": ckanID(s.publisherIRI()), "name": s.orgName(), "title": s.meta.Publisher, "display_name": s.meta.Publisher,
		"type": "organization", "is_organization": true, "state": "active", "approval_status": "approved",
		"description": s.meta.Description.EN, "image_url": "", "created": ckanTime(s.self.CreatedAt),
		"package_count": len(s.meta.Datasets),
	}
}

func (s *site) ckanPackage(d *Dataset) map[string]any {
	m := &s.meta
	var tags []map[string]any
	seen := map[string]bool{}
	for _, k := range append(append([]string{}, d.Keywords.DE...), d.Keywords.EN...) {
		k = strings.TrimSpace(notTagChars.ReplaceAllString(k, " "))
		if k == "" || seen[strings.ToLower(k)] {
			continue
		}
		seen[strings.ToLower(k)] = true
		tags = append(tags, map[string]any{"id": ckanID("tag:" + k), "name": k, "display_name": k, "state": "active", "vocabulary_id": nil})
	}
	lic := licences[d.Licence]
	var res []map[string]any
	for i, f := range formatsOf(d) {
		desc := map[string]string{formatCSV: "CSV (RFC 4180, UTF-8); columns: " + downloadURL(s, d, formatCSVW),
			formatJSON: "JSON; schema: " + downloadURL(s, d, formatSchema), formatSTIX: "STIX 2.1 bundle"}[f]
		res = append(res, map[string]any{
			"id": ckanID(downloadURL(s, d, f)), "package_id": ckanID(s.datasetIRI(d)), "position": i,
			"name": d.Title.EN + " – " + formatTitles[f].EN, "description": desc,
			"format":   map[string]string{formatCSV: "CSV", formatJSON: "JSON", formatSTIX: "JSON"}[f],
			"mimetype": map[string]string{formatCSV: "text/csv", formatJSON: "application/json", formatSTIX: "application/json"}[f],
			"url":      downloadURL(s, d, f), "url_type": nil, "state": "active",
			"created": ckanTime(s.self.CreatedAt), "last_modified": ckanTime(s.modified(d)),
			"metadata_modified": ckanTime(s.modified(d)), "license": licenceIRI(d.Licence),
		})
	}
	extras := []map[string]string{
		{"key": "identifier", "value": s.datasetIRI(d)},
		{"key": "title_de", "value": d.Title.DE},
		{"key": "notes_de", "value": d.Description.DE},
		{"key": "contributorID", "value": `["` + m.ContributorID + `"]`},
		{"key": "spatial_uri", "value": euCountry + m.Spatial},
		{"key": "theme", "value": jsonList(themeIRIs(d.Themes))},
		{"key": "language", "value": `["http://publications.europa.eu/resource/authority/language/DEU","http://publications.europa.eu/resource/authority/language/ENG"]`},
		{"key": "license", "value": licenceIRI(d.Licence)},
		{"key": "access_rights", "value": "http://publications.europa.eu/resource/authority/access-right/PUBLIC"},
		{"key": "uri", "value": s.datasetIRI(d)},
	}
	if start, end, ok := s.temporal(d); ok {
		extras = append(extras, map[string]string{"key": "temporal_start", "value": start.Format(time.RFC3339)},
			map[string]string{"key": "temporal_end", "value": end.Format(time.RFC3339)})
	}
	return map[string]any{
		"id": ckanID(s.datasetIRI(d)), "name": d.Slug, "title": d.Title.EN, "notes": d.Description.EN,
		"type": "dataset", "state": "active", "private": false, "isopen": true,
		"metadata_created": ckanTime(s.self.CreatedAt), "metadata_modified": ckanTime(s.modified(d)),
		"license_id": lic.CKANID, "license_title": lic.Title, "license_url": lic.Deed,
		"author": m.Publisher, "author_email": m.ContactEmail, "maintainer": m.ContactName, "maintainer_email": m.ContactEmail,
		"url": s.datasetIRI(d) + ".html", "version": nil,
		"owner_org": ckanID(s.publisherIRI()), "organization": s.ckanOrg(),
		"tags": tags, "num_tags": len(tags), "groups": []any{}, "relationships_as_object": []any{}, "relationships_as_subject": []any{},
		"resources": res, "num_resources": len(res), "extras": extras,
	}
}

func themeIRIs(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = themeIRI(c)
	}
	return out
}

func jsonList(v []string) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (s *site) findPackage(ref string) (*Dataset, bool) {
	for i := range s.meta.Datasets {
		d := &s.meta.Datasets[i]
		if d.Slug == ref || ckanID(s.datasetIRI(d)) == ref {
			return d, true
		}
	}
	return nil, false
}

func (h *Handler) packageShow(s *site, p ckanParams) (any, error) {
	ref := cmp.Or(p["id"], p["name_or_id"])
	if ref == "" {
		return nil, ckanInvalid("id", "Missing value")
	}
	d, ok := s.findPackage(ref)
	if !ok {
		return nil, ckanNotFound("dataset " + clip(ref))
	}
	return s.ckanPackage(d), nil
}

func intParam(p ckanParams, name string, def, lo, hi int) (int, error) {
	v, ok := p[name]
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo {
		return 0, ckanInvalid(name, "Invalid integer")
	}
	return min(n, hi), nil
}

func (h *Handler) packageList(s *site, p ckanParams) (any, error) {
	limit, err := intParam(p, "limit", 1000, 0, 1000)
	if err != nil {
		return nil, err
	}
	offset, err := intParam(p, "offset", 0, 0, 1<<30)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(s.meta.Datasets))
	for _, d := range s.meta.Datasets {
		names = append(names, d.Slug)
	}
	slices.Sort(names)
	return names[min(offset, len(names)):min(offset+limit, len(names))], nil
}

func (h *Handler) organizationList(s *site, p ckanParams) (any, error) {
	if p["all_fields"] == "true" || p["all_fields"] == "True" {
		return []any{s.ckanOrg()}, nil
	}
	return []string{s.orgName()}, nil
}

func (h *Handler) organizationShow(s *site, p ckanParams) (any, error) {
	ref := p["id"]
	if ref == "" {
		return nil, ckanInvalid("id", "Missing value")
	}
	if ref != s.orgName() && ref != ckanID(s.publisherIRI()) {
		return nil, ckanNotFound("organization " + clip(ref))
	}
	org := s.ckanOrg()
	if p["include_datasets"] == "true" || p["include_datasets"] == "True" {
		var pkgs []any
		for i := range s.meta.Datasets {
			pkgs = append(pkgs, s.ckanPackage(&s.meta.Datasets[i]))
		}
		org["packages"] = pkgs
	}
	return org, nil
}

func (h *Handler) statusShow(s *site, _ ckanParams) (any, error) {
	return map[string]any{
		"ckan_version": "2.10.0", "site_url": s.base + "/opendata", "site_title": s.meta.Title.EN,
		"site_description": s.meta.Description.EN, "locale_default": "de", "error_emails_to": nil,
		"extensions": []string{},
	}, nil
}

// fqClause is one understood clause of a package_search filter query.
type fqClause struct {
	field    string
	value    string    // for field:value
	from, to time.Time // for metadata_modified ranges; zero is open
}

var (
	fqRange = regexp.MustCompile(`^\+?(metadata_modified|metadata_created):\[(\S+) TO (\S+)\]`)
	fqTerm  = regexp.MustCompile(`^\+?(name|id|organization|owner_org|license_id|tags|res_format|dataset_type|type|state|capacity):("[^"]*"|\S+)`)
)

// parseFQ reads the filter queries CKAN's harvester and portals send: ranges over
// metadata_modified (or metadata_created) and field:value terms, ANDed. Anything else is a
// Search Query Error rather than being ignored, so that no client takes an unfiltered answer
// for a filtered one.
func parseFQ(fq string) ([]fqClause, error) {
	var out []fqClause
	rest := strings.TrimSpace(fq)
	for rest != "" {
		if m := fqRange.FindStringSubmatch(rest); m != nil {
			from, err1 := solrTime(m[2])
			to, err2 := solrTime(m[3])
			if err := errors.Join(err1, err2); err != nil {
				return nil, &ckanError{status: http.StatusConflict, typ: "Search Query Error", msg: "Search Query is invalid: " + err.Error()}
			}
			out = append(out, fqClause{field: m[1], from: from, to: to})
			rest = strings.TrimSpace(rest[len(m[0]):])
			continue
		}
		if m := fqTerm.FindStringSubmatch(rest); m != nil {
			out = append(out, fqClause{field: m[1], value: strings.Trim(m[2], `"`)})
			rest = strings.TrimSpace(rest[len(m[0]):])
			continue
		}
		if strings.HasPrefix(rest, "AND ") {
			rest = strings.TrimSpace(rest[4:])
			continue
		}
		return nil, &ckanError{status: http.StatusConflict, typ: "Search Query Error", msg: "Search Query is invalid: cannot understand " + strconv.Quote(clip(rest))}
	}
	return out, nil
}

// solrTime reads a range end: * (open) or an ISO 8601 date-time, with or without a zone (UTC).
func solrTime(v string) (time.Time, error) {
	if v == "*" {
		return time.Time{}, nil
	}
	v = strings.TrimSuffix(v, "Z")
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date-time", clip(v))
}

func (c fqClause) admits(s *site, d *Dataset) bool {
	switch c.field {
	case "metadata_modified", "metadata_created":
		t := s.modified(d)
		if c.field == "metadata_created" {
			t = s.self.CreatedAt.UTC().Truncate(time.Second)
		}
		return (c.from.IsZero() || !t.Before(c.from.Truncate(time.Second))) && (c.to.IsZero() || !t.After(c.to))
	case "name":
		return d.Slug == c.value
	case "id":
		return ckanID(s.datasetIRI(d)) == c.value
	case "organization", "owner_org":
		return c.value == s.orgName() || c.value == ckanID(s.publisherIRI())
	case "license_id":
		return licences[d.Licence].CKANID == c.value
	case "res_format":
		return strings.EqualFold(c.value, "CSV") || strings.EqualFold(c.value, "JSON")
	case "dataset_type", "type":
		return c.value == "dataset"
	case "state":
		return c.value == "active"
	case "capacity":
		return c.value == "public"
	case "tags":
		for _, k := range append(append([]string{}, d.Keywords.DE...), d.Keywords.EN...) {
			if strings.EqualFold(k, c.value) {
				return true
			}
		}
	}
	return false
}

func matchesQ(d *Dataset, q string) bool {
	q = strings.TrimSpace(q)
	if q == "" || q == "*:*" {
		return true
	}
	hay := strings.ToLower(strings.Join([]string{d.Slug, d.Title.DE, d.Title.EN, d.Description.DE, d.Description.EN,
		strings.Join(d.Keywords.DE, " "), strings.Join(d.Keywords.EN, " ")}, " "))
	for _, term := range strings.Fields(strings.ToLower(q)) {
		if !strings.Contains(hay, strings.Trim(term, `"`)) {
			return false
		}
	}
	return true
}

var sortFields = map[string]bool{"id": true, "name": true, "title_string": true, "title": true,
	"metadata_modified": true, "metadata_created": true, "score": true}

func (h *Handler) packageSearch(s *site, p ckanParams) (any, error) {
	rows, err := intParam(p, "rows", 10, 0, 1000)
	if err != nil {
		return nil, err
	}
	start, err := intParam(p, "start", 0, 0, 1<<30)
	if err != nil {
		return nil, err
	}
	fq, err := parseFQ(p["fq"])
	if err != nil {
		return nil, err
	}
	sortSpec := cmp.Or(strings.TrimSpace(p["sort"]), "score desc, metadata_modified desc")
	type key struct {
		field string
		desc  bool
	}
	var keys []key
	for _, part := range strings.Split(sortSpec, ",") {
		f := strings.Fields(part)
		if len(f) == 0 || len(f) > 2 || !sortFields[f[0]] || (len(f) == 2 && f[1] != "asc" && f[1] != "desc") {
			return nil, &ckanError{status: http.StatusConflict, typ: "Search Query Error", msg: "Search Query is invalid: sort " + strconv.Quote(clip(sortSpec))}
		}
		keys = append(keys, key{f[0], len(f) == 2 && f[1] == "desc"})
	}
	var hits []*Dataset
	for i := range s.meta.Datasets {
		d := &s.meta.Datasets[i]
		ok := matchesQ(d, p["q"])
		for _, c := range fq {
			ok = ok && c.admits(s, d)
		}
		if ok {
			hits = append(hits, d)
		}
	}
	value := func(d *Dataset, f string) string {
		switch f {
		case "id":
			return ckanID(s.datasetIRI(d))
		case "name":
			return d.Slug
		case "title", "title_string":
			return strings.ToLower(d.Title.EN)
		case "metadata_modified":
			return ckanTime(s.modified(d))
		case "metadata_created":
			return ckanTime(s.self.CreatedAt)
		}
		return ""
	}
	slices.SortStableFunc(hits, func(a, b *Dataset) int {
		for _, k := range keys {
			c := strings.Compare(value(a, k.field), value(b, k.field))
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return strings.Compare(ckanID(s.datasetIRI(a)), ckanID(s.datasetIRI(b)))
	})
	results := []any{}
	for _, d := range hits[min(start, len(hits)):min(start+rows, len(hits))] {
		results = append(results, s.ckanPackage(d))
	}
	return map[string]any{
		"count": len(hits), "sort": sortSpec, "results": results, "facets": map[string]any{}, "search_facets": map[string]any{},
	}, nil
}
