package opendata

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/entente/entente/internal/store"
)

// Distribution formats and the file name suffixes they are served under.
const (
	formatCSV    = "csv"
	formatJSON   = "json"
	formatSTIX   = "stix"
	formatCSVW   = "csvw"
	formatSchema = "schema"
)

var suffixes = []struct{ suffix, format string }{
	{".csv-metadata.json", formatCSVW},
	{".schema.json", formatSchema},
	{".stix.json", formatSTIX},
	{".csv", formatCSV},
	{".json", formatJSON},
}

// formatsOf lists the data distributions of a dataset.
func formatsOf(d *Dataset) []string {
	if d.Kind == KindStatistics {
		return []string{formatCSV, formatJSON}
	}
	return []string{formatCSV, formatJSON, formatSTIX}
}

func downloadURL(s *site, d *Dataset, format string) string {
	for _, x := range suffixes {
		if x.format == format {
			return s.base + "/opendata/download/" + d.Slug + x.suffix
		}
	}
	return ""
}

func mediaTypeOf(format string) string {
	switch format {
	case formatCSV:
		return "text/csv"
	case formatSTIX:
		return "application/stix+json;version=2.1"
	case formatCSVW:
		return "application/csvm+json"
	case formatSchema:
		return "application/schema+json"
	}
	return "application/json"
}

// download serves GET /opendata/download/{file}.
func (h *Handler) download(w http.ResponseWriter, r *http.Request) error {
	file := r.PathValue("file")
	var slug, format string
	for _, x := range suffixes {
		if s, ok := strings.CutSuffix(file, x.suffix); ok {
			slug, format = s, x.format
			break
		}
	}
	s, err := h.site(r)
	if err != nil {
		return err
	}
	d, ok := s.dataset(slug)
	if !ok || format == "" || (format == formatSTIX && d.Kind == KindStatistics) {
		return fail(http.StatusNotFound, "no download %q (see %s/opendata/)", file, s.base)
	}
	switch format {
	case formatCSVW:
		return writeJSON(w, r, mediaTypeOf(format), csvwOf(s, d), s.modified(d))
	case formatSchema:
		return writeJSON(w, r, mediaTypeOf(format), jsonSchemaOf(s, d), s.modified(d))
	}
	ctype := mediaTypeOf(format)
	if format == formatCSV {
		ctype += "; charset=utf-8; header=present"
	}
	bw, err := stream(w, r, ctype, s.etag(d, format, h.d.Gate.Config), s.modified(d))
	if err != nil || bw == nil {
		return err
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
	out := newBuffered(bw)
	switch format {
	case formatCSV:
		err = h.writeCSV(r.Context(), out, s, d)
	case formatJSON:
		err = h.writeJSONRows(r.Context(), out, s, d)
	case formatSTIX:
		err = h.writeBundle(r.Context(), out, s, d)
	}
	if err != nil {
		return err
	}
	return out.Close()
}

// buffered is a buffered writer whose Close flushes and closes what it wraps.
type buffered struct {
	*bufio.Writer
	c io.Closer
}

func newBuffered(wc io.WriteCloser) *buffered {
	return &buffered{Writer: bufio.NewWriterSize(wc, 64<<10), c: wc}
}

func (b *buffered) Close() error {
	if err := b.Flush(); err != nil {
		return err
	}
	return b.c.Close()
}

// eachRow calls fn with the cells of every row of a dataset: per column its values (none, one,
// or several for a list column). The slice is reused between calls.
func (h *Handler) eachRow(ctx context.Context, s *site, d *Dataset, limit int, fn func(cells [][]string) error) error {
	cols := columnsOf(d)
	cells := make([][]string, len(cols))
	if d.Kind == KindStatistics {
		for i, sr := range statTable(s.stats, int64(s.meta.Statistics.MinCount), s.named) {
			if limit > 0 && i >= limit {
				break
			}
			count := []string{strconv.FormatInt(sr.Count, 10)}
			if sr.Suppressed {
				count = nil
			}
			cells[0], cells[1], cells[2], cells[3] = []string{sr.Dimension}, []string{sr.Value}, count, []string{strconv.FormatBool(sr.Suppressed)}
			if err := fn(cells); err != nil {
				return err
			}
		}
		return nil
	}
	return h.each(ctx, d, limit, func(_ *store.Record, out []byte) error {
		rw, err := parseRow(out)
		if err != nil {
			return err
		}
		for i := range cols {
			cells[i] = cols[i].get(rw)
		}
		return fn(cells)
	})
}

// writeCSV writes the CSV distribution: RFC 4180, UTF-8, CRLF line ends, a header row of the
// column names; list values joined by listSeparator.
func (h *Handler) writeCSV(ctx context.Context, w io.Writer, s *site, d *Dataset) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	cols := columnsOf(d)
	rec := make([]string, len(cols))
	for i, c := range cols {
		rec[i] = c.Name
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	err := h.eachRow(ctx, s, d, 0, func(cells [][]string) error {
		for i, v := range cells {
			rec[i] = cellText(v)
		}
		return cw.Write(rec)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func cellText(v []string) string {
	switch len(v) {
	case 0:
		return ""
	case 1:
		return v[0]
	}
	return strings.Join(v, listSeparator)
}

// writeJSONRows writes the JSON distribution: an array of objects, one per row, with the
// columns as members (lists as arrays, integers and booleans bare, empty values left out).
func (h *Handler) writeJSONRows(ctx context.Context, w io.Writer, s *site, d *Dataset) error {
	cols := columnsOf(d)
	buf := make([]byte, 0, 4096)
	first := true
	if _, err := io.WriteString(w, "["); err != nil {
		return err
	}
	err := h.eachRow(ctx, s, d, 0, func(cells [][]string) error {
		buf = buf[:0]
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = append(buf, "\n{"...)
		n := 0
		for i, c := range cols {
			if len(cells[i]) == 0 {
				continue
			}
			if n > 0 {
				buf = append(buf, ',')
			}
			n++
			buf = appendString(buf, c.Name)
			buf = append(buf, ':')
			switch {
			case c.List:
				buf = append(buf, '[')
				for j, v := range cells[i] {
					if j > 0 {
						buf = append(buf, ',')
					}
					buf = appendString(buf, v)
				}
				buf = append(buf, ']')
			case c.Datatype == typeInteger || c.Datatype == "boolean":
				buf = append(buf, cells[i][0]...)
			default:
				buf = appendString(buf, cells[i][0])
			}
		}
		buf = append(buf, '}')
		_, err := w.Write(buf)
		return err
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n]\n")
	return err
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf || c == '<' || c == '>' || c == '&' {
			plain = false
			break
		}
	}
	if plain {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	q, _ := json.Marshal(s)
	return append(b, q...)
}

// writeBundle writes the STIX 2.1 distribution: one bundle of the objects as delivered. The
// bundle's id is derived from the dataset's validator, so the same content keeps the same id.
func (h *Handler) writeBundle(ctx context.Context, w io.Writer, s *site, d *Dataset) error {
	sum := sha256.Sum256([]byte(s.etag(d, formatSTIX, h.d.Gate.Config)))
	sum[6] = sum[6]&0x0f | 0x50 // a name-based UUID (version 5 layout)
	sum[8] = sum[8]&0x3f | 0x80
	id := fmt.Sprintf("bundle--%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	if _, err := io.WriteString(w, `{"type":"bundle","id":"`+id+`","objects":[`); err != nil {
		return err
	}
	first := true
	err := h.each(ctx, d, 0, func(_ *store.Record, out []byte) error {
		if !first {
			if _, err := io.WriteString(w, ",\n"); err != nil {
				return err
			}
		} else if _, err := io.WriteString(w, "\n"); err != nil {
			return err
		}
		first = false
		_, err := w.Write(out)
		return err
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n]}\n")
	return err
}

// writeJSON writes a small JSON document built in memory.
func writeJSON(w http.ResponseWriter, r *http.Request, ctype string, v any, lastMod time.Time) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", ctype, err)
	}
	return whole(w, r, ctype, append(b, '\n'), lastMod)
}

// csvwOf returns the CSV on the Web description of a dataset's CSV distribution.
func csvwOf(s *site, d *Dataset) map[string]any {
	cols := columnsOf(d)
	cs := make([]map[string]any, len(cols))
	for i, c := range cols {
		m := map[string]any{
			"name": c.Name, "titles": map[string]string{"de": c.Title.DE, "en": c.Title.EN},
			"dc:description": []map[string]string{{"@value": c.Doc.DE, "@language": "de"}, {"@value": c.Doc.EN, "@language": "en"}},
			"datatype":       c.Datatype, "required": c.Required,
		}
		if c.List {
			m["separator"] = listSeparator
		}
		cs[i] = m
	}
	schema := map[string]any{"columns": cs}
	if d.Kind == KindStatistics {
		schema["primaryKey"] = []string{"dimension", "value"}
	} else {
		schema["primaryKey"] = "id"
	}
	return map[string]any{
		"@context":   []any{"http://www.w3.org/ns/csvw", map[string]string{"@language": "en"}},
		"url":        downloadURL(s, d, formatCSV),
		"dc:title":   []map[string]string{{"@value": d.Title.DE, "@language": "de"}, {"@value": d.Title.EN, "@language": "en"}},
		"dc:license": map[string]string{"@id": licenceIRI(d.Licence)},
		"dc:publisher": map[string]string{
			"schema:name": s.meta.Publisher, "schema:url": s.meta.PublisherURL,
		},
		"dialect":     map[string]any{"header": true, "delimiter": ",", "doubleQuote": true, "lineTerminators": []string{"\r\n"}, "encoding": "utf-8"},
		"tableSchema": schema,
	}
}

// jsonSchemaOf returns the JSON Schema (draft 2020-12) of a dataset's JSON distribution.
func jsonSchemaOf(s *site, d *Dataset) map[string]any {
	props := map[string]any{}
	var required []string
	for _, c := range columnsOf(d) {
		var t map[string]any
		switch c.Datatype {
		case typeDateTime:
			t = map[string]any{"type": "string", "format": "date-time"}
		case typeInteger:
			t = map[string]any{"type": "integer"}
		case "boolean":
			t = map[string]any{"type": "boolean"}
		case typeURI:
			t = map[string]any{"type": "string", "format": "uri"}
		default:
			t = map[string]any{"type": "string"}
		}
		if c.List {
			t = map[string]any{"type": "array", "items": t, "minItems": 1}
		}
		t["title"] = c.Title.EN
		t["description"] = c.Doc.EN
		props[c.Name] = t
		if c.Required {
			required = append(required, c.Name)
		}
	}
	return map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"$id":         downloadURL(s, d, formatSchema),
		"title":       d.Title.EN,
		"description": "Rows of " + downloadURL(s, d, formatJSON) + ". " + d.Description.EN,
		"type":        "array",
		"items": map[string]any{
			"type": "object", "properties": props, "required": required, "additionalProperties": false,
		},
	}
}
