package opendata

import (
	"net/http"
	"time"
)

// podSchema is the DCAT-US 1.1 (Project Open Data) schema a data.json conforms to.
const podSchema = "https://project-open-data.cio.gov/v1.1/schema"

// dataJSON serves GET /opendata/data.json: every dataset as a DCAT-US 1.1 catalogue, built whole
// before it is written.
func (h *Handler) dataJSON(w http.ResponseWriter, r *http.Request) error {
	s, err := h.site(r)
	if err != nil {
		return err
	}
	m := &s.meta
	datasets := make([]map[string]any, 0, len(m.Datasets))
	var last time.Time
	for i := range m.Datasets {
		d := &m.Datasets[i]
		last = maxTime(last, s.modified(d))
		var dists []map[string]any
		for _, f := range formatsOf(d) {
			dist := map[string]any{
				"@type":       "dcat:Distribution",
				"title":       d.Title.EN + " – " + formatTitles[f].EN,
				"downloadURL": downloadURL(s, d, f),
				"mediaType":   mediaTypeOf(f),
				"format":      map[string]string{formatCSV: "CSV", formatJSON: "JSON", formatSTIX: "STIX 2.1 JSON"}[f],
			}
			switch f {
			case formatCSV:
				dist["mediaType"] = "text/csv"
				dist["describedBy"] = downloadURL(s, d, formatCSVW)
				dist["describedByType"] = mediaTypeOf(formatCSVW)
			case formatJSON:
				dist["describedBy"] = downloadURL(s, d, formatSchema)
				dist["describedByType"] = mediaTypeOf(formatSchema)
			case formatSTIX:
				dist["mediaType"] = "application/json"
				dist["conformsTo"] = "https://docs.oasis-open.org/cti/stix/v2.1/os/stix-v2.1-os.html"
			}
			dists = append(dists, dist)
		}
		ds := map[string]any{
			"@type":       "dcat:Dataset",
			"title":       d.Title.EN,
			"description": d.Description.EN,
			"keyword":     append(append([]string{}, d.Keywords.EN...), d.Keywords.DE...),
			"modified":    s.modified(d).Format(time.RFC3339),
			"issued":      s.self.CreatedAt.UTC().Format(time.DateOnly),
			"publisher":   map[string]any{"@type": "org:Organization", "name": m.Publisher},
			"contactPoint": map[string]any{
				"@type": "vcard:Contact", "fn": m.ContactName, "hasEmail": "mailto:" + m.ContactEmail,
			},
			"identifier":   s.datasetIRI(d),
			"accessLevel":  "public",
			"license":      licences[d.Licence].Deed,
			"rights":       "TLP:CLEAR: may be shared without restriction.",
			"spatial":      euCountry + m.Spatial,
			"landingPage":  s.datasetIRI(d) + ".html",
			"language":     []string{"de", "en"},
			"theme":        themeNames(d.Themes),
			"distribution": dists,
		}
		if d.Kind == KindObjects {
			ds["accrualPeriodicity"] = "R/PT1H"
		} else {
			ds["accrualPeriodicity"] = "R/P1D"
		}
		if start, end, ok := s.temporal(d); ok {
			ds["temporal"] = start.Format(time.RFC3339) + "/" + end.Format(time.RFC3339)
		}
		datasets = append(datasets, ds)
	}
	return writeJSON(w, r, "application/json", map[string]any{
		"@context":    podSchema + "/catalog.jsonld",
		"@id":         s.base + "/opendata/data.json",
		"@type":       "dcat:Catalog",
		"conformsTo":  podSchema,
		"describedBy": podSchema + "/catalog.json",
		"dataset":     datasets,
	}, last)
}

var themeLabels = map[string]string{
	"AGRI": "Agriculture, fisheries, forestry and food", "ECON": "Economy and finance", "EDUC": "Education, culture and sport",
	"ENER": "Energy", "ENVI": "Environment", "GOVE": "Government and public sector", "HEAL": "Health",
	"INTR": "International issues", "JUST": "Justice, legal system and public safety", "OP_DATPRO": "Provisional data",
	"REGI": "Regions and cities", "SOCI": "Population and society", "TECH": "Science and technology", "TRAN": "Transport",
}

func themeNames(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = themeLabels[c]
	}
	return out
}
