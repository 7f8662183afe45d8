package taxii

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// Paging limits.
const (
	DefaultPageSize = 1000
	MaxPageSize     = 10000
)

// query is a parsed TAXII filter query.
type query struct {
	addedAfter   int64
	limit        int
	next         string
	ids          []string
	types        []string
	versions     store.VersionMatch
	specVersions []string
}

// parseQuery parses the query parameters the endpoint allows. Anything malformed or not allowed
// there is a 400 naming the parameter.
func parseQuery(v url.Values, allowed ...string) (query, error) {
	q := query{limit: DefaultPageSize}
	allow := map[string]bool{}
	for _, a := range allowed {
		allow[a] = true
	}
	for key, vals := range v {
		if !allow[key] {
			if strings.HasPrefix(key, "match[") {
				return q, badRequest("the filter %s is not supported here", clip(key))
			}
			return q, badRequest("unknown query parameter %q", clip(key))
		}
		if len(vals) != 1 {
			return q, badRequest("%s is given %d times; give it once (values are comma-separated)", key, len(vals))
		}
		val := vals[0]
		var err error
		switch key {
		case "added_after":
			q.addedAfter, err = parseTime(val)
			if err != nil {
				return q, badRequest("added_after: %v", err)
			}
		case "limit":
			n, err := strconv.Atoi(val)
			if err != nil || n <= 0 {
				return q, badRequest("limit must be a positive integer, not %q", clip(val))
			}
			q.limit = min(n, MaxPageSize)
		case "next":
			if val == "" || len(val) > 512 {
				return q, badRequest("next is not a token this server issued")
			}
			q.next = val
		case "match[id]":
			q.ids, err = list(key, val, func(s string) error { _, _, e := stix.ParseID(s); return e })
		case "match[type]":
			q.types, err = list(key, val, stix.CheckTypeName)
		case "match[spec_version]":
			q.specVersions, err = list(key, val, func(s string) error {
				if s != "2.0" && s != "2.1" {
					return errf(400, "", "%q is not a STIX version (2.0 or 2.1)", clip(s))
				}
				return nil
			})
		case "match[version]":
			err = parseVersions(val, &q.versions)
		}
		if err != nil {
			return q, err
		}
	}
	return q, nil
}

func list(key, val string, check func(string) error) ([]string, error) {
	parts := strings.Split(val, ",")
	if len(parts) > 1000 {
		return nil, badRequest("%s: at most 1000 values", key)
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, badRequest("%s: empty value in %q", key, clip(val))
		}
		if err := check(p); err != nil {
			msg := err.Error()
			if te, ok := err.(*Error); ok {
				msg = te.Description
			}
			return nil, badRequest("%s: %s", key, msg)
		}
		out = append(out, p)
	}
	return out, nil
}

func parseVersions(val string, v *store.VersionMatch) error {
	for _, p := range strings.Split(val, ",") {
		switch p = strings.TrimSpace(p); p {
		case "all":
			v.All = true
		case "first":
			v.First = true
		case "last":
			v.Last = true
		default:
			us, err := parseTime(p)
			if err != nil {
				return badRequest("match[version]: %q is not first, last, all or a timestamp", clip(p))
			}
			v.At = append(v.At, us)
		}
	}
	return nil
}

// parseTime accepts STIX timestamps, with or without fractional seconds, and, for interoperability,
// RFC 3339 timestamps with a numeric offset.
func parseTime(s string) (int64, error) {
	if us, err := stix.ParseMicro(s); err == nil {
		return us, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, errf(400, "", "%q is not a timestamp (YYYY-MM-DDTHH:MM:SS[.ssssss]Z)", clip(s))
	}
	return t.UnixMicro(), nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// canonical returns the query's filters (not limit, not next) in a stable form, to bind a next
// token to them.
func (q query) canonical() string {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(q.addedAfter, 10))
	b.WriteByte('|')
	b.WriteString(strings.Join(q.ids, ","))
	b.WriteByte('|')
	b.WriteString(strings.Join(q.types, ","))
	b.WriteByte('|')
	b.WriteString(strings.Join(q.specVersions, ","))
	b.WriteByte('|')
	v := q.versions
	b.WriteString(strconv.FormatBool(v.All) + strconv.FormatBool(v.First) + strconv.FormatBool(v.Last))
	for _, at := range v.At {
		b.WriteString("," + strconv.FormatInt(at, 10))
	}
	return b.String()
}
