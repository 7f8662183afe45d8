package opendata

import (
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

// parseRow reads the shown properties of an object as delivered.
func parseRow(b []byte) (*row, error) {
	var r row
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("reading delivered object: %w", err)
	}
	return &r, nil
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
