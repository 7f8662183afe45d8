package api

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/entente/entente/internal/audit"
	"github.com/entente/entente/internal/auth"
	"github.com/entente/entente/internal/blocklist"
	"github.com/entente/entente/internal/pattern"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// Detection is what the detection endpoints need beside Deps: the node's indicator index (kept
// current by a pattern.Follower), the policy gate every answer is decided by, and the
// allowlist of blocklists.
type Detection struct {
	Index *pattern.Index
	Gate  *policy.Gate
	Allow *blocklist.Allowlist // nil: the built-in allowlist
}

// EnableDetection adds the detection endpoints to the API: correlation by value and by object,
// log matching, and blocklists (see detectRoutes). Every answer is computed for the token's
// recipient through the sharing policy.
func (a *API) EnableDetection(d Detection) error {
	if d.Allow == nil {
		allow, err := blocklist.NewAllowlist()
		if err != nil {
			return err
		}
		d.Allow = allow
	}
	a.detectRoutes(&detect{a: a, d: d})
	return nil
}

type detect struct {
	a *API
	d Detection
}

// filter returns the index filter for the request's principal: its policy view, the
// collections it may read, and the RED share lists from the store.
// Every detection endpoint starts here, so that none answers from an index still loading.
func (d *detect) filter(r *http.Request) (*pattern.Filter, error) {
	if d.d.Index.Loading() {
		return nil, apiErr(KindUnavailable, "the indicator index is still loading after the node's start (%d indicators so far); try again shortly", d.d.Index.Len())
	}
	ctx := r.Context()
	p := principalOf(r)
	rcp, err := auth.Recipient(ctx, d.a.d.Store.Orgs(), p)
	if err != nil {
		return nil, fromStore(err, "organisation of the token")
	}
	v, err := d.d.Gate.View(ctx, rcp)
	if err != nil {
		return nil, &Error{Kind: KindInternal, Message: "internal error", err: err}
	}
	f := &pattern.Filter{View: v, Shares: func(id string) []string {
		s, err := d.a.d.Store.Shares().List(context.WithoutCancel(ctx), id)
		if err != nil {
			return nil // RED stays home
		}
		return s
	}}
	if !p.Self {
		cs, err := d.a.d.Store.Collections().List(ctx)
		if err != nil {
			return nil, fromStore(err, "collections")
		}
		f.Collections = []string{}
		for _, c := range cs {
			if visible(p, c) {
				f.Collections = append(f.Collections, c.ID)
			}
		}
	}
	return f, nil
}

// queryFilter reads the filter parameters common to the detection endpoints.
func queryFilter(r *http.Request, f *pattern.Filter) error {
	q := r.URL.Query()
	if s := q.Get("min_confidence"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 100 {
			return apiErr(KindInvalid, "min_confidence %q: want a number from 0 to 100", s)
		}
		f.MinConfidence = n
	}
	if s := q.Get("max_age"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return apiErr(KindInvalid, "max_age %q: want a positive duration such as 720h", s)
		}
		f.MaxAge = d
	}
	if s := q.Get("include_invalid"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return apiErr(KindInvalid, "include_invalid %q: want true or false", s)
		}
		f.Invalid = b
	}
	return nil
}

type indicatorHitJSON struct {
	ID             string     `json:"id"`
	Collection     string     `json:"collection"`
	IndicatorValue string     `json:"indicator_value"`
	Kind           string     `json:"kind"`
	TLP            string     `json:"tlp"`
	Source         string     `json:"source"`
	Confidence     *int       `json:"confidence,omitempty"`
	ValidUntil     *time.Time `json:"valid_until,omitempty"`
	Partial        bool       `json:"partial,omitempty"`
}

func (d *detect) hitsJSON(ctx context.Context, hits []pattern.Hit, skip string) []indicatorHitJSON {
	names := map[string]string{}
	out := []indicatorHitJSON{}
	for _, h := range hits {
		if h.Indicator.ID == skip {
			continue
		}
		src, ok := names[h.Indicator.Origin]
		if !ok {
			src = h.Indicator.Origin
			if o, err := d.a.d.Store.Orgs().Get(ctx, src); err == nil {
				src = o.Name
			}
			names[h.Indicator.Origin] = src
		}
		j := indicatorHitJSON{
			ID: h.Indicator.ID, Collection: h.Indicator.Collection, IndicatorValue: h.Term.Display(),
			Kind: h.Term.Kind.String(), TLP: h.Indicator.TLP.String(), Source: src, ValidUntil: timePtr(h.Indicator.ValidUntil),
			Partial: !h.Indicator.Complete,
		}
		if h.Term.Kind == pattern.KindOther {
			j.Kind = h.Term.Path
		}
		if c := h.Indicator.Confidence; c >= 0 {
			j.Confidence = &c
		}
		out = append(out, j)
	}
	return out
}

// correlateValue answers which indicators the caller may see name a value (or contain it).
func (d *detect) correlateValue(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query().Get("value")
	t, ok := pattern.ParseTerm(v)
	if !ok {
		return apiErr(KindInvalid, "value is required: an address, prefix, domain, URL, hash, e-mail address or other value")
	}
	f, err := d.filter(r)
	if err != nil {
		return err
	}
	if err := queryFilter(r, f); err != nil {
		return err
	}
	hits := d.d.Index.Lookup(t, f)
	if err := d.auditRead(r, "api correlations", sensitiveOf(hits, "", nil), ""); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"value": t.Display(), "kind": t.Kind.String(), "indicators": d.hitsJSON(r.Context(), hits, ""),
	})
	return nil
}

// sensitiveOf adds to ids, once each, the indicators of hits at AMBER or above (Unknown
// included) other than skip, as hitsJSON lists them: the reads the audit log records.
func sensitiveOf(hits []pattern.Hit, skip string, ids []string) []string {
	for _, h := range hits {
		if h.Indicator.TLP >= stix.TLPAmber && h.Indicator.ID != skip && !slices.Contains(ids, h.Indicator.ID) {
			ids = append(ids, h.Indicator.ID)
		}
	}
	return ids
}

// auditRead records that the caller received the AMBER-or-above objects ids (or, with detail,
// what else it received) through a detection endpoint, as TAXII and the object endpoint record
// their reads. Nothing sensitive and no detail: nothing to record.
func (d *detect) auditRead(r *http.Request, path string, ids []string, detail string) error {
	if len(ids) == 0 && detail == "" {
		return nil
	}
	return d.a.record(r, store.AuditEntry{Action: "read", Path: path, Object: audit.IDs(ids), Decision: "allow", Detail: detail})
}

// correlateObject answers, for an object the caller may see, which other indicators share one
// of its observables: an indicator's pattern values, an observable's value or hashes, the
// observables of observed-data.
func (d *detect) correlateObject(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	f, err := d.filter(r)
	if err != nil {
		return err
	}
	if err := queryFilter(r, f); err != nil {
		return err
	}
	if f.Collections != nil && len(f.Collections) == 0 {
		return apiErr(KindNotFound, "object %s not found", id)
	}
	rec, err := d.a.d.Store.Objects().Latest(ctx, id, f.Collections...)
	if err != nil {
		return fromStore(err, "object "+id)
	}
	_, dec, err := f.View.Deliver(ctx, &rec)
	if err != nil {
		return &Error{Kind: KindInternal, Message: "internal error", err: err}
	}
	if !dec.Allow || dec.Form != policy.FormFull {
		return apiErr(KindNotFound, "object %s not found", id) // what the policy withholds does not exist for the caller
	}
	terms, err := d.termsOf(ctx, &rec, f.Collections)
	if err != nil {
		return err
	}
	type observable struct {
		Value      string             `json:"value"`
		Kind       string             `json:"kind"`
		Indicators []indicatorHitJSON `json:"indicators"`
	}
	out := []observable{}
	var sensitive []string
	for _, t := range terms {
		hits := d.d.Index.Lookup(t, f)
		sensitive = sensitiveOf(hits, rec.ID, sensitive)
		out = append(out, observable{Value: t.Display(), Kind: t.Kind.String(), Indicators: d.hitsJSON(ctx, hits, rec.ID)})
	}
	if err := d.auditRead(r, "api correlations", sensitive, ""); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": rec.ID, "type": rec.Type, "observables": out})
	return nil
}

// scoTerm is where each observable type keeps its value.
var scoTerm = map[string]string{
	"ipv4-addr": "value", "ipv6-addr": "value", "domain-name": "value", "url": "value", "email-addr": "value",
}

// termsOf lists the observable values of a record.
func (d *detect) termsOf(ctx context.Context, rec *store.Record, colls []string) ([]pattern.Term, error) {
	if rec.Type == "indicator" {
		_, terms, err := pattern.IndicatorOf(rec)
		if err != nil && !errors.Is(err, pattern.ErrNotIndexed) {
			return nil, apiErr(KindInvalid, "%v", err)
		}
		return terms, nil
	}
	var obj map[string]any
	if err := json.Unmarshal(rec.Raw, &obj); err != nil {
		return nil, &Error{Kind: KindInternal, Message: "internal error", err: err}
	}
	var terms []pattern.Term
	add := func(o map[string]any) {
		typ, _ := o["type"].(string)
		if p, ok := scoTerm[typ]; ok {
			if v, ok := o[p].(string); ok {
				if t, ok := pattern.ParseTerm(v); ok {
					terms = append(terms, t)
				}
			}
		}
		if hs, ok := o["hashes"].(map[string]any); ok {
			for _, h := range hs {
				if v, ok := h.(string); ok {
					if t, ok := pattern.ParseTerm(v); ok && t.Kind == pattern.KindHash {
						terms = append(terms, t)
					}
				}
			}
		}
	}
	add(obj)
	if objs, ok := obj["objects"].(map[string]any); ok { // STIX 2.0 observed-data
		for _, o := range objs {
			if m, ok := o.(map[string]any); ok {
				add(m)
			}
		}
	}
	if refs, ok := obj["object_refs"].([]any); ok && rec.Type == "observed-data" {
		for i, ref := range refs {
			if i >= 100 {
				break
			}
			s, _ := ref.(string)
			sco, err := d.a.d.Store.Objects().Latest(ctx, s, colls...)
			if err != nil {
				continue
			}
			var m map[string]any
			if json.Unmarshal(sco.Raw, &m) == nil {
				add(m)
			}
		}
	}
	return terms, nil
}

// maxMatchBody is the most log a single match request may send.
const maxMatchBody = 4 << 30

// match scans the log in the request body and streams the hits as JSON lines, then one line
// {"summary": …}.
func (d *detect) match(w http.ResponseWriter, r *http.Request) error {
	fm, err := pattern.ParseFormat(cmp.Or(r.URL.Query().Get("format"), "auto"))
	if err != nil {
		return apiErr(KindInvalid, "%v", err)
	}
	f, err := d.filter(r)
	if err != nil {
		return err
	}
	if err := queryFilter(r, f); err != nil {
		return err
	}
	m := &pattern.LogMatcher{Index: d.d.Index, Filter: f, Format: fm}
	body := http.MaxBytesReader(w, r.Body, maxMatchBody)
	w.Header().Set("Content-Type", "application/x-ndjson")
	bw := bufio.NewWriterSize(w, 32<<10)
	enc := json.NewEncoder(bw)
	var sensitive []string
	seen := map[string]bool{}
	st, err := m.Scan(r.Context(), body, func(h *pattern.LogHit) error {
		if t, ok := stix.ParseTLP(h.TLP); (!ok || t >= stix.TLPAmber) && !seen[h.IndicatorID] {
			seen[h.IndicatorID] = true
			sensitive = append(sensitive, h.IndicatorID)
		}
		return enc.Encode(h)
	})
	summary := map[string]any{"format": st.Format.String(), "lines": st.Lines, "hits": st.Hits,
		"long_lines": st.LongLines, "binary_lines": st.BinaryLines}
	// The hits stream out as they are found, so the read is recorded after them; a failure to
	// record it is said in the summary and logged.
	if aerr := d.auditRead(r, "api match", sensitive, ""); aerr != nil {
		summary["audit_error"] = "the read of AMBER or above indicators could not be recorded in the audit log"
		d.a.d.Logger.Error("audit of a log match failed", "err", aerr)
	}
	if err != nil {
		summary["error"] = "the log could not be read to its end"
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			summary["error"] = "the log is larger than the limit of one request"
		}
		d.a.d.Logger.Warn("log matching stopped", "err", err)
	}
	enc.Encode(map[string]any{"summary": summary})
	return bw.Flush()
}

// blocklist writes a blocklist for the caller, or 304 when the caller's If-None-Match names
// the list as it stands.
func (d *detect) blocklist(w http.ResponseWriter, r *http.Request) error {
	o := blocklist.Options{}
	var err error
	if o.Format, err = blocklist.ParseFormat(r.PathValue("format")); err != nil {
		return apiErr(KindNotFound, "%v", err)
	}
	q := r.URL.Query()
	for _, t := range splitComma(q.Get("types")) {
		k, ok := pattern.ParseKind(t)
		if !ok {
			return apiErr(KindInvalid, "types: unknown kind %q (ipv4-addr, ipv6-addr, domain-name, url, file-hash, email-addr)", t)
		}
		o.Kinds = append(o.Kinds, k)
	}
	if s := q.Get("partial"); s != "" {
		if o.Partial, err = strconv.ParseBool(s); err != nil {
			return apiErr(KindInvalid, "partial %q: want true or false", s)
		}
	}
	f, err := d.filter(r)
	if err != nil {
		return err
	}
	if err := queryFilter(r, f); err != nil {
		return err
	}
	etag := blocklist.ETag(d.d.Index, f, o, d.d.Allow)
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, no-cache")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	// A list is recorded per delivery, not per indicator: a firewall fetching a list of many
	// thousands of values every few minutes would otherwise fill the log with their ids. The
	// ETag names the list delivered; a 304 delivers nothing and is not recorded.
	if err := d.auditRead(r, "api blocklist", nil, fmt.Sprintf("%s list, ETag %s", o.Format, etag)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", o.Format.ContentType())
	n, err := blocklist.Write(r.Context(), w, d.d.Index, f, o, d.d.Allow)
	if err != nil {
		d.a.d.Logger.Warn("blocklist not written to its end", "err", err, "entries", n)
	}
	return nil
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
