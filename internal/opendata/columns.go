package opendata

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// row holds the properties of one delivered object that the distributions show.
type row struct {
	ID                 string       `json:"id"`
	Type               string       `json:"type"`
	Created            string       `json:"created"`
	Modified           string       `json:"modified"`
	Name               string       `json:"name"`
	Description        string       `json:"description"`
	Pattern            string       `json:"pattern"`
	PatternType        string       `json:"pattern_type"`
	ValidFrom          string       `json:"valid_from"`
	ValidUntil         string       `json:"valid_until"`
	Published          string       `json:"published"`
	Labels             []string     `json:"labels"`
	IndicatorTypes     []string     `json:"indicator_types"`
	ReportTypes        []string     `json:"report_types"`
	Confidence         *json.Number `json:"confidence"`
	ExternalReferences []struct {
		SourceName string `json:"source_name"`
		ExternalID string `json:"external_id"`
		URL        string `json:"url"`
	} `json:"external_references"`
}

// parseRow reads the shown properties of an object as delivered. It walks the top-level
// members itself and decodes only the ones shown, which is several times faster than
// json.Unmarshal on objects that are mostly other members; anything it does not expect falls
// back to json.Unmarshal.
func parseRow(b []byte) (*row, error) {
	var r row
	if quickRow(b, &r) {
		return &r, nil
	}
	r = row{}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("reading delivered object: %w", err)
	}
	return &r, nil
}

// quickRow fills r from the JSON object b and reports whether it could.
func quickRow(b []byte, r *row) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return true
	}
	for i < len(b) {
		if b[i] != '"' {
			return false
		}
		end := stringEnd(b, i)
		if end < 0 {
			return false
		}
		key := b[i+1 : end-1]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipSpace(b, i+1)
		vend := valueEnd(b, i)
		if vend < 0 {
			return false
		}
		if !r.set(string(key), b[i:vend]) {
			return false
		}
		i = skipSpace(b, vend)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		return i < len(b) && b[i] == '}'
	}
	return false
}

// set decodes the member key with the JSON value v into r when r shows it.
func (r *row) set(key string, v []byte) bool {
	str := func(dst *string) bool {
		s, ok := jsonString(v)
		*dst = s
		return ok
	}
	switch key {
	case "id":
		return str(&r.ID)
	case "type":
		return str(&r.Type)
	case "created":
		return str(&r.Created)
	case "modified":
		return str(&r.Modified)
	case "name":
		return str(&r.Name)
	case "description":
		return str(&r.Description)
	case "pattern":
		return str(&r.Pattern)
	case "pattern_type":
		return str(&r.PatternType)
	case "valid_from":
		return str(&r.ValidFrom)
	case "valid_until":
		return str(&r.ValidUntil)
	case "published":
		return str(&r.Published)
	case "labels":
		return json.Unmarshal(v, &r.Labels) == nil
	case "indicator_types":
		return json.Unmarshal(v, &r.IndicatorTypes) == nil
	case "report_types":
		return json.Unmarshal(v, &r.ReportTypes) == nil
	case "confidence":
		n := json.Number(v)
		r.Confidence = &n
		return len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9')
	case "external_references":
		return json.Unmarshal(v, &r.ExternalReferences) == nil
	}
	return true
}

// jsonString decodes a JSON string value, without allocating beyond the result when it holds
// no escapes.
func jsonString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), true
	}
	var s string
	return s, json.Unmarshal(v, &s) == nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// stringEnd returns the index after the string starting at b[i] == '"', or -1.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// valueEnd returns the index after the JSON value starting at b[i], or -1.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e := stringEnd(b, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\r' && b[j] != '\t' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// Datatypes of columns, as CSVW and JSON Schema name them.
const (
	typeString   = "string"
	typeDateTime = "dateTime"
	typeInteger  = "integer"
	typeURI      = "anyURI"
)

// listSeparator joins the values of a list column in a CSV cell.
const listSeparator = ";"

// column is one column of a CSV distribution and one member of the JSON distribution's rows.
type column struct {
	Name     string
	Datatype string
	List     bool // several values: joined by listSeparator in CSV, an array in JSON
	Required bool // every row has a value
	Title    Text
	Doc      Text // what the column holds
	get      func(r *row) []string
}

func one(f func(r *row) string) func(r *row) []string {
	return func(r *row) []string {
		if v := f(r); v != "" {
			return []string{v}
		}
		return nil
	}
}

var (
	colID = column{Name: "id", Datatype: typeString, Required: true,
		Title: Text{DE: "Kennung", EN: "Identifier"},
		Doc:   Text{DE: "STIX-Kennung des Objekts (Typ--UUID)", EN: "STIX identifier of the object (type--UUID)"},
		get:   one(func(r *row) string { return r.ID })}
	colType = column{Name: "type", Datatype: typeString, Required: true,
		Title: Text{DE: "Typ", EN: "Type"},
		Doc:   Text{DE: "STIX-Objekttyp", EN: "STIX object type"},
		get:   one(func(r *row) string { return r.Type })}
	colName = column{Name: "name", Datatype: typeString,
		Title: Text{DE: "Name", EN: "Name"},
		Doc:   Text{DE: "Name des Objekts", EN: "Name of the object"},
		get:   one(func(r *row) string { return r.Name })}
	colDescription = column{Name: "description", Datatype: typeString,
		Title: Text{DE: "Beschreibung", EN: "Description"},
		Doc:   Text{DE: "Beschreibung (E-Mail-Adressen unkenntlich gemacht)", EN: "Description (e-mail addresses masked)"},
		get:   one(func(r *row) string { return r.Description })}
	colLabels = column{Name: "labels", Datatype: typeString, List: true,
		Title: Text{DE: "Schlagwörter", EN: "Labels"},
		Doc:   Text{DE: "Schlagwörter des Objekts, durch ; getrennt", EN: "Labels of the object, separated by ;"},
		get:   func(r *row) []string { return r.Labels }}
	colCreated = column{Name: "created", Datatype: typeDateTime, Required: true,
		Title: Text{DE: "Erstellt", EN: "Created"},
		Doc:   Text{DE: "Zeitpunkt der Erstellung (UTC, RFC 3339)", EN: "When the object was created (UTC, RFC 3339)"},
		get:   one(func(r *row) string { return r.Created })}
	colModified = column{Name: "modified", Datatype: typeDateTime, Required: true,
		Title: Text{DE: "Geändert", EN: "Modified"},
		Doc:   Text{DE: "Zeitpunkt dieser Version (UTC, RFC 3339)", EN: "When this version was made (UTC, RFC 3339)"},
		get:   one(func(r *row) string { return r.Modified })}
	colReferences = column{Name: "references", Datatype: typeURI, List: true,
		Title: Text{DE: "Verweise", EN: "References"},
		Doc:   Text{DE: "URLs externer Quellen, durch ; getrennt", EN: "URLs of external sources, separated by ;"},
		get: func(r *row) []string {
			var out []string
			for _, e := range r.ExternalReferences {
				if e.URL != "" {
					out = append(out, e.URL)
				}
			}
			return out
		}}
)

// columnSets are the columns of each column set, in order.
var columnSets = map[string][]column{
	ColumnsIndicator: {
		colID, colName, colDescription,
		{Name: "pattern_type", Datatype: typeString, Required: true,
			Title: Text{DE: "Mustersprache", EN: "Pattern language"},
			Doc:   Text{DE: "Sprache des Musters, meist stix", EN: "Language of the pattern, usually stix"},
			get:   one(func(r *row) string { return r.PatternType })},
		{Name: "pattern", Datatype: typeString, Required: true,
			Title: Text{DE: "Muster", EN: "Pattern"},
			Doc:   Text{DE: "Erkennungsmuster, z. B. [ipv4-addr:value = '198.51.100.1']", EN: "Detection pattern, e.g. [ipv4-addr:value = '198.51.100.1']"},
			get:   one(func(r *row) string { return r.Pattern })},
		{Name: "indicator_types", Datatype: typeString, List: true,
			Title: Text{DE: "Indikatorarten", EN: "Indicator types"},
			Doc:   Text{DE: "Arten des Indikators (STIX-Vokabular), durch ; getrennt", EN: "Kinds of indicator (STIX vocabulary), separated by ;"},
			get:   func(r *row) []string { return r.IndicatorTypes }},
		{Name: "valid_from", Datatype: typeDateTime, Required: true,
			Title: Text{DE: "Gültig ab", EN: "Valid from"},
			Doc:   Text{DE: "Beginn der Gültigkeit (UTC)", EN: "Start of validity (UTC)"},
			get:   one(func(r *row) string { return r.ValidFrom })},
		{Name: "valid_until", Datatype: typeDateTime,
			Title: Text{DE: "Gültig bis", EN: "Valid until"},
			Doc:   Text{DE: "Ende der Gültigkeit (UTC), leer wenn offen", EN: "End of validity (UTC), empty when open"},
			get:   one(func(r *row) string { return r.ValidUntil })},
		{Name: "confidence", Datatype: typeInteger,
			Title: Text{DE: "Vertrauen", EN: "Confidence"},
			Doc:   Text{DE: "Vertrauen in den Indikator, 0 bis 100", EN: "Confidence in the indicator, 0 to 100"},
			get: one(func(r *row) string {
				if r.Confidence == nil {
					return ""
				}
				return r.Confidence.String()
			})},
		colLabels, colCreated, colModified,
	},
	ColumnsAdvisory: {
		colID, colType, colName, colDescription,
		{Name: "published", Datatype: typeDateTime,
			Title: Text{DE: "Veröffentlicht", EN: "Published"},
			Doc:   Text{DE: "Veröffentlichung des Berichts (UTC), leer bei Empfehlungen", EN: "When the report was published (UTC), empty for courses of action"},
			get:   one(func(r *row) string { return r.Published })},
		{Name: "report_types", Datatype: typeString, List: true,
			Title: Text{DE: "Berichtsarten", EN: "Report types"},
			Doc:   Text{DE: "Arten des Berichts (STIX-Vokabular), durch ; getrennt", EN: "Kinds of report (STIX vocabulary), separated by ;"},
			get:   func(r *row) []string { return r.ReportTypes }},
		colReferences, colLabels, colCreated, colModified,
	},
	ColumnsVulnerability: {
		colID, colName,
		{Name: "cve", Datatype: typeString, List: true,
			Title: Text{DE: "CVE", EN: "CVE"},
			Doc:   Text{DE: "CVE-Kennungen, durch ; getrennt", EN: "CVE identifiers, separated by ;"},
			get: func(r *row) []string {
				var out []string
				for _, e := range r.ExternalReferences {
					if strings.EqualFold(e.SourceName, "cve") && e.ExternalID != "" {
						out = append(out, e.ExternalID)
					}
				}
				return out
			}},
		colDescription, colReferences, colLabels, colCreated, colModified,
	},
}

// statColumns are the columns of a statistics dataset.
var statColumns = []column{
	{Name: "dimension", Datatype: typeString, Required: true,
		Title: Text{DE: "Merkmal", EN: "Dimension"},
		Doc:   Text{DE: "Wonach gezählt wird: month, type, tlp oder origin", EN: "What is counted by: month, type, tlp or origin"}},
	{Name: "value", Datatype: typeString, Required: true,
		Title: Text{DE: "Ausprägung", EN: "Value"},
		Doc:   Text{DE: "Monat (JJJJ-MM), STIX-Typ, TLP-Stufe oder Organisation (other: alle übrigen)", EN: "Month (YYYY-MM), STIX type, TLP level or organisation (other: all the rest)"}},
	{Name: "count", Datatype: typeInteger,
		Title: Text{DE: "Anzahl", EN: "Count"},
		Doc:   Text{DE: "Anzahl der Objektversionen; leer wenn unterdrückt", EN: "Number of object versions; empty when suppressed"}},
	{Name: "suppressed", Datatype: "boolean", Required: true,
		Title: Text{DE: "Unterdrückt", EN: "Suppressed"},
		Doc:   Text{DE: "true, wenn die Zahl zu klein ist, um sie zu veröffentlichen (oder eine kleine Zahl erschließbar machte)", EN: "true when the count is too small to publish (or would reveal a small one)"}},
}

// columnsOf returns the columns of a dataset's distributions.
func columnsOf(d *Dataset) []column {
	if d.Kind == KindStatistics {
		return statColumns
	}
	if c, ok := columnSets[d.Columns]; ok {
		return c
	}
	return columnSets[ColumnsAdvisory]
}
