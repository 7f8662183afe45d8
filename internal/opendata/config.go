package opendata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/entente/entente/internal/store"
)

// Text is a short text in German and English; every title and description of the open data
// metadata has both.
type Text struct {
	DE string `json:"de"`
	EN string `json:"en"`
}

// In returns the text in lang ("de" or anything else for English), falling back to the other
// language when one is missing.
func (t Text) In(lang string) string {
	if lang == "de" && t.DE != "" || t.EN == "" {
		return t.DE
	}
	return t.EN
}

// Keywords are a dataset's keywords in German and English.
type Keywords struct {
	DE []string `json:"de"`
	EN []string `json:"en"`
}

// Kinds of dataset.
const (
	KindObjects    = "objects"    // TLP:CLEAR objects of some STIX types, one row per object
	KindStatistics = "statistics" // counts over all objects, small counts suppressed
)

// Column sets of object datasets: which columns the CSV and JSON distributions have.
const (
	ColumnsIndicator     = "indicator"
	ColumnsAdvisory      = "advisory"
	ColumnsVulnerability = "vulnerability"
)

// Licence identifiers from the DCAT-AP.de licence list (http://dcat-ap.de/def/licenses/).
const (
	LicenceDLByDE = "dl-by-de/2.0" // Datenlizenz Deutschland – Namensnennung – Version 2.0 (default)
	LicenceCCBY   = "cc-by/4.0"    // Creative Commons Attribution 4.0 International
	LicenceCC0    = "cc-zero"      // Creative Commons CC0 1.0 Universal
)

// licence describes one selectable licence in every vocabulary the outputs need.
type licence struct {
	Title  string // human title
	Deed   string // the licence text people read (DCAT-US license, CKAN license_url)
	CKANID string // CKAN license_id
}

var licences = map[string]licence{
	LicenceDLByDE: {"Datenlizenz Deutschland – Namensnennung – Version 2.0", "https://www.govdata.de/dl-de/by-2-0", "dl-by-de/2.0"},
	LicenceCCBY:   {"Creative Commons Namensnennung – 4.0 International (CC BY 4.0)", "https://creativecommons.org/licenses/by/4.0/", "cc-by-4.0"},
	LicenceCC0:    {"Creative Commons CC Zero License (CC0 1.0)", "https://creativecommons.org/publicdomain/zero/1.0/", "cc-zero"},
}

// licenceIRI returns the DCAT-AP.de IRI of a licence identifier.
func licenceIRI(id string) string { return "http://dcat-ap.de/def/licenses/" + id }

// themes are the codes of the EU data-theme authority table.
var themes = []string{"AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "OP_DATPRO", "REGI", "SOCI", "TECH", "TRAN"}

func themeIRI(code string) string {
	return "http://publications.europa.eu/resource/authority/data-theme/" + code
}

// Dataset describes one published dataset. Slug names it in every URL and must stay stable:
// harvesters identify datasets by it.
type Dataset struct {
	Slug        string   `json:"slug"`
	Kind        string   `json:"kind"`              // KindObjects or KindStatistics
	Types       []string `json:"types,omitempty"`   // STIX types of an object dataset
	Columns     string   `json:"columns,omitempty"` // column set of an object dataset
	Title       Text     `json:"title"`
	Description Text     `json:"description"`
	Keywords    Keywords `json:"keywords"`
	Themes      []string `json:"themes"`            // EU data-theme codes, e.g. JUST, TECH
	Licence     string   `json:"licence,omitempty"` // default LicenceDLByDE
}

// Statistics configures the statistics datasets.
type Statistics struct {
	// MinCount is the smallest count published; smaller counts are suppressed (default 5).
	MinCount int `json:"min_count"`
	// NamedOrigins are the organisations (ids or names) that allow their name in the counts per
	// organisation of origin; the own organisation always is. Everything else is counted under
	// "other".
	NamedOrigins []string `json:"named_origins,omitempty"`
}

// Metadata is everything the catalogues say about the node's open data: the publisher, how to
// reach it, and the datasets. Zero fields take defaults (see Defaults).
type Metadata struct {
	Title       Text `json:"title"`
	Description Text `json:"description"`
	// Publisher is the publishing organisation's name (default: the own organisation's).
	Publisher string `json:"publisher,omitempty"`
	// PublisherURL is the publisher's web site, used as its identifier (default: the node's URL).
	PublisherURL string `json:"publisher_url,omitempty"`
	ContactName  string `json:"contact_name,omitempty"`
	ContactEmail string `json:"contact_email,omitempty"`
	// ContributorID is the dcatde:contributorID, an IRI from http://dcat-ap.de/def/contributors/
	// that GovData assigns (default: an IRI of the node's own, which GovData accepts with a
	// warning).
	ContributorID string `json:"contributor_id,omitempty"`
	// Spatial is the three-letter code of the country the data concerns (EU country table;
	// default DEU).
	Spatial string `json:"spatial,omitempty"`
	// Licence is the default licence of the datasets (default LicenceDLByDE).
	Licence    string     `json:"licence,omitempty"`
	Datasets   []Dataset  `json:"datasets,omitempty"`
	Statistics Statistics `json:"statistics"`
}

// DefaultDatasets returns the datasets published when none are configured: TLP:CLEAR
// indicators of compromise, advisories and best practices, vulnerabilities, and statistics.
func DefaultDatasets() []Dataset {
	return []Dataset{
		{
			Slug: "indicators", Kind: KindObjects, Types: []string{"indicator"}, Columns: ColumnsIndicator,
			Title: Text{DE: "Indikatoren für Kompromittierungen (TLP:CLEAR)", EN: "Indicators of compromise (TLP:CLEAR)"},
			Description: Text{
				DE: "Indikatoren für Kompromittierungen (IoC) als STIX-2.1-Muster, die ohne Einschränkung weitergegeben werden dürfen (TLP:CLEAR). Widerrufene Indikatoren sind nicht enthalten.",
				EN: "Indicators of compromise (IoC) as STIX 2.1 patterns that may be shared without restriction (TLP:CLEAR). Revoked indicators are left out.",
			},
			Keywords: Keywords{DE: []string{"Cybersicherheit", "IT-Sicherheit", "Indikatoren", "IoC", "STIX"}, EN: []string{"cyber security", "indicators of compromise", "IoC", "STIX", "threat intelligence"}},
			Themes:   []string{"JUST", "TECH"},
		},
		{
			Slug: "advisories", Kind: KindObjects, Types: []string{"report", "course-of-action"}, Columns: ColumnsAdvisory,
			Title: Text{DE: "Warnungen, Berichte und Empfehlungen (TLP:CLEAR)", EN: "Advisories, reports and best practices (TLP:CLEAR)"},
			Description: Text{
				DE: "Sicherheitswarnungen und Lageberichte (STIX report) sowie Gegenmaßnahmen und Empfehlungen (STIX course-of-action), die ohne Einschränkung weitergegeben werden dürfen (TLP:CLEAR).",
				EN: "Security advisories and threat reports (STIX report) and courses of action and best practices (STIX course-of-action) that may be shared without restriction (TLP:CLEAR).",
			},
			Keywords: Keywords{DE: []string{"Cybersicherheit", "Sicherheitswarnungen", "Lagebericht", "Empfehlungen"}, EN: []string{"cyber security", "advisories", "threat reports", "best practices"}},
			Themes:   []string{"JUST", "TECH"},
		},
		{
			Slug: "vulnerabilities", Kind: KindObjects, Types: []string{"vulnerability"}, Columns: ColumnsVulnerability,
			Title: Text{DE: "Schwachstellen (TLP:CLEAR)", EN: "Vulnerabilities (TLP:CLEAR)"},
			Description: Text{
				DE: "Schwachstellen, auf die sich die geteilten Informationen beziehen, mit ihren CVE-Kennungen (TLP:CLEAR).",
				EN: "Vulnerabilities referenced by the shared intelligence, with their CVE identifiers (TLP:CLEAR).",
			},
			Keywords: Keywords{DE: []string{"Cybersicherheit", "Schwachstellen", "CVE"}, EN: []string{"cyber security", "vulnerabilities", "CVE"}},
			Themes:   []string{"JUST", "TECH"},
		},
		{
			Slug: "statistics", Kind: KindStatistics,
			Title: Text{DE: "Statistik der geteilten Informationen", EN: "Statistics of the shared intelligence"},
			Description: Text{
				DE: "Anzahl der aufgenommenen Objektversionen je Monat, Objekttyp, TLP-Stufe und Herkunftsorganisation, über alle Objekte gleich welcher TLP-Stufe. Nur Zahlen werden veröffentlicht; kleine Zahlen werden unterdrückt.",
				EN: "Number of object versions taken in per month, object type, TLP level and organisation of origin, over all objects whatever their TLP level. Only counts are published; small counts are suppressed.",
			},
			Keywords: Keywords{DE: []string{"Cybersicherheit", "Statistik"}, EN: []string{"cyber security", "statistics"}},
			Themes:   []string{"JUST", "TECH"},
		},
	}
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// withDefaults returns m with its zero fields filled: publisher from the own organisation,
// contact from its contact or the base URL's host, the default datasets.
func (m Metadata) withDefaults(self store.Org, baseURL string) Metadata {
	if m.Publisher == "" {
		m.Publisher = self.Name
	}
	if m.PublisherURL == "" {
		m.PublisherURL = baseURL + "/"
	}
	if m.Title == (Text{}) {
		m.Title = Text{DE: "Offene Daten: " + m.Publisher, EN: "Open data: " + m.Publisher}
	}
	if m.Description == (Text{}) {
		m.Description = Text{
			DE: "Frei weitergebbare Informationen zur Cybersicherheit (TLP:CLEAR) und Statistiken von " + m.Publisher + ", bereitgestellt von einem Entente-Knoten.",
			EN: "Freely shareable cyber security information (TLP:CLEAR) and statistics from " + m.Publisher + ", published by an Entente node.",
		}
	}
	if m.ContactName == "" {
		m.ContactName = m.Publisher
	}
	if m.ContactEmail == "" {
		if _, err := mail.ParseAddress(self.Contact); err == nil && strings.Contains(self.Contact, "@") {
			m.ContactEmail = self.Contact
		} else {
			host := "localhost"
			if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
				host = u.Hostname()
			}
			m.ContactEmail = "opendata@" + host
		}
	}
	if m.ContributorID == "" {
		m.ContributorID = baseURL + "/opendata/contributor"
	}
	if m.Spatial == "" {
		m.Spatial = "DEU"
	}
	if m.Licence == "" {
		m.Licence = LicenceDLByDE
	}
	if m.Datasets == nil {
		m.Datasets = DefaultDatasets()
	}
	if m.Statistics.MinCount == 0 {
		m.Statistics.MinCount = 5
	}
	for i := range m.Datasets {
		d := &m.Datasets[i]
		if d.Licence == "" {
			d.Licence = m.Licence
		}
		if d.Kind == KindObjects && d.Columns == "" {
			d.Columns = ColumnsAdvisory
		}
	}
	return m
}

// Validate reports everything wrong with m, naming each fault.
func (m Metadata) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if m.Licence != "" {
		if _, ok := licences[m.Licence]; !ok {
			bad("licence %q: use %s, %s or %s", m.Licence, LicenceDLByDE, LicenceCCBY, LicenceCC0)
		}
	}
	if m.ContactEmail != "" {
		if _, err := mail.ParseAddress(m.ContactEmail); err != nil {
			bad("contact_email %q is not an e-mail address", m.ContactEmail)
		}
	}
	if m.ContributorID != "" {
		if u, err := url.Parse(m.ContributorID); err != nil || !u.IsAbs() {
			bad("contributor_id %q must be an absolute IRI", m.ContributorID)
		}
	}
	if m.Spatial != "" && !regexp.MustCompile(`^[A-Z]{3}$`).MatchString(m.Spatial) {
		bad("spatial %q: use a three-letter country code such as DEU", m.Spatial)
	}
	if m.Statistics.MinCount < 0 {
		bad("statistics.min_count %d must not be negative", m.Statistics.MinCount)
	}
	seen := map[string]bool{}
	for i, d := range m.Datasets {
		where := fmt.Sprintf("dataset %d (%q)", i+1, d.Slug)
		if !slugRE.MatchString(d.Slug) {
			bad("%s: slug must be lower-case letters, digits and hyphens", where)
		}
		if seen[d.Slug] {
			bad("%s: slug used twice", where)
		}
		seen[d.Slug] = true
		switch d.Kind {
		case KindObjects:
			if len(d.Types) == 0 {
				bad("%s: an object dataset needs types", where)
			}
			switch d.Columns {
			case "", ColumnsIndicator, ColumnsAdvisory, ColumnsVulnerability:
			default:
				bad("%s: columns %q: use %s, %s or %s", where, d.Columns, ColumnsIndicator, ColumnsAdvisory, ColumnsVulnerability)
			}
		case KindStatistics:
		default:
			bad("%s: kind %q: use %s or %s", where, d.Kind, KindObjects, KindStatistics)
		}
		if d.Title.DE == "" || d.Title.EN == "" || d.Description.DE == "" || d.Description.EN == "" {
			bad("%s: title and description are needed in German (de) and English (en)", where)
		}
		if len(d.Themes) == 0 {
			bad("%s: at least one theme is needed", where)
		}
		for _, t := range d.Themes {
			if !slices.Contains(themes, t) {
				bad("%s: theme %q is not an EU data theme (%s)", where, t, strings.Join(themes, ", "))
			}
		}
		if d.Licence != "" {
			if _, ok := licences[d.Licence]; !ok {
				bad("%s: licence %q: use %s, %s or %s", where, d.Licence, LicenceDLByDE, LicenceCCBY, LicenceCC0)
			}
		}
	}
	return errors.Join(errs...)
}

// settingKey is where SaveMetadata keeps the metadata in the settings store.
const settingKey = "opendata.metadata"

// SaveMetadata validates m and stores it in the node's settings, where every server process
// reads it on the next request. Errors: the validation errors, or the store's.
func SaveMetadata(ctx context.Context, s store.SettingStore, m Metadata) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("open data metadata: %w", err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("open data metadata: %w", err)
	}
	if err := s.Set(ctx, settingKey, string(b)); err != nil {
		return fmt.Errorf("saving open data metadata: %w", err)
	}
	return nil
}

// LoadMetadata returns the metadata stored by SaveMetadata, and false when none is stored.
func LoadMetadata(ctx context.Context, s store.SettingStore) (Metadata, bool, error) {
	v, err := s.Get(ctx, settingKey)
	if errors.Is(err, store.ErrNotFound) {
		return Metadata{}, false, nil
	}
	if err != nil {
		return Metadata{}, false, fmt.Errorf("loading open data metadata: %w", err)
	}
	var m Metadata
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return Metadata{}, false, fmt.Errorf("stored open data metadata: %w", err)
	}
	return m, true, nil
}

// ParseMetadata reads metadata from JSON, refusing unknown fields, and validates it.
func ParseMetadata(b []byte) (Metadata, error) {
	var m Metadata
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("open data metadata: %w", err)
	}
	if err := m.Validate(); err != nil {
		return m, fmt.Errorf("open data metadata: %w", err)
	}
	return m, nil
}
