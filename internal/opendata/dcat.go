package opendata

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RDF serialisations of the catalogue, by file extension.
var rdfFormats = map[string]string{
	"ttl":    "text/turtle; charset=utf-8",
	"jsonld": "application/ld+json",
	"rdf":    "application/rdf+xml",
}

const (
	euFileType = "http://publications.europa.eu/resource/authority/file-type/"
	euLanguage = "http://publications.europa.eu/resource/authority/language/"
	euCountry  = "http://publications.europa.eu/resource/authority/country/"
	ianaMedia  = "https://www.iana.org/assignments/media-types/"
)

func (s *site) catalogIRI() string           { return s.base + "/opendata/catalog" }
func (s *site) datasetIRI(d *Dataset) string { return s.base + "/opendata/dataset/" + d.Slug }
func (s *site) publisherIRI() string         { return s.base + "/opendata/publisher" }
func (s *site) contactIRI() string           { return s.base + "/opendata/contact" }

func stamp(t time.Time) term { return dateTimeLit(t.UTC().Format(time.RFC3339)) }

// parseSince reads ?modified_since=: a date (YYYY-MM-DD) or an RFC 3339 date-time.
func parseSince(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fail(http.StatusBadRequest, "modified_since %q: use a date (2025-01-31) or an RFC 3339 date-time (2025-01-31T12:00:00Z)", clip(v))
}

// parsePage reads ?page=, counting from 1.
func parsePage(v string) (int, error) {
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fail(http.StatusBadRequest, "page %q: use a whole number from 1", clip(v))
	}
	return n, nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// catalog serves GET /opendata/catalog.{ext}: one page of the DCAT-AP catalogue, built whole
// before anything is written.
func (h *Handler) catalog(ext string) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		for k := range q {
			if k != "page" && k != "modified_since" {
				return fail(http.StatusBadRequest, "unknown parameter %q (use page and modified_since)", clip(k))
			}
		}
		since, err := parseSince(q.Get("modified_since"))
		if err != nil {
			return err
		}
		page, err := parsePage(q.Get("page"))
		if err != nil {
			return err
		}
		s, err := h.site(r)
		if err != nil {
			return err
		}
		var sel []*Dataset
		for i := range s.meta.Datasets {
			d := &s.meta.Datasets[i]
			if !s.modified(d).Before(since.Truncate(time.Second)) {
				sel = append(sel, d)
			}
		}
		slices.SortFunc(sel, func(a, b *Dataset) int { return strings.Compare(a.Slug, b.Slug) })
		size := h.d.PageSize
		pages := max(1, (len(sel)+size-1)/size)
		if page > pages {
			return fail(http.StatusNotFound, "page %d is beyond the last page, %d", page, pages)
		}
		onPage := sel[(page-1)*size : min(len(sel), page*size)]

		g := &graph{}
		cat := iri(s.catalogIRI())
		s.describeCatalog(g, cat, sel)
		for _, d := range onPage {
			g.add(cat, iri(nsDCAT+"dataset"), iri(s.datasetIRI(d)))
		}
		for _, d := range onPage {
			s.describeDataset(g, d)
		}
		pageURL := func(n int) string {
			v := url.Values{}
			if !since.IsZero() {
				v.Set("modified_since", q.Get("modified_since"))
			}
			v.Set("page", strconv.Itoa(n))
			return s.base + "/opendata/catalog." + ext + "?" + v.Encode()
		}
		view := iri(pageURL(page))
		g.add(cat, iri(nsHYDRA+"view"), view)
		g.typed(view, nsHYDRA+"PartialCollectionView")
		g.typed(view, nsHYDRA+"PagedCollection")
		g.add(view, iri(nsHYDRA+"totalItems"), nonNegLit(len(sel)))
		g.add(view, iri(nsHYDRA+"itemsPerPage"), nonNegLit(size))
		g.add(view, iri(nsHYDRA+"first"), iri(pageURL(1)))
		g.add(view, iri(nsHYDRA+"firstPage"), iri(pageURL(1)))
		g.add(view, iri(nsHYDRA+"last"), iri(pageURL(pages)))
		g.add(view, iri(nsHYDRA+"lastPage"), iri(pageURL(pages)))
		if page > 1 {
			g.add(view, iri(nsHYDRA+"previous"), iri(pageURL(page-1)))
			g.add(view, iri(nsHYDRA+"previousPage"), iri(pageURL(page-1)))
		}
		if page < pages {
			g.add(view, iri(nsHYDRA+"next"), iri(pageURL(page+1)))
			g.add(view, iri(nsHYDRA+"nextPage"), iri(pageURL(page+1)))
			w.Header().Add("Link", "<"+pageURL(page+1)+`>; rel="next"`)
		}
		var last time.Time
		for _, d := range sel {
			last = maxTime(last, s.modified(d))
		}
		return writeGraph(w, r, g, ext, last)
	}
}

// datasetRDF serves GET /opendata/dataset/{slug}.{ext} for an RDF extension.
func (h *Handler) datasetRDF(w http.ResponseWriter, r *http.Request, s *site, d *Dataset, ext string) error {
	g := &graph{}
	s.describeDataset(g, d)
	return writeGraph(w, r, g, ext, s.modified(d))
}

func writeGraph(w http.ResponseWriter, r *http.Request, g *graph, ext string, last time.Time) error {
	var body []byte
	var err error
	switch ext {
	case "ttl":
		body = g.Turtle()
	case "jsonld":
		body, err = g.JSONLD()
	case "rdf":
		body, err = g.RDFXML()
	}
	if err != nil {
		return fmt.Errorf("writing the catalogue as %s: %w", ext, err)
	}
	return whole(w, r, rdfFormats[ext], body, last)
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// describeCatalog adds the catalogue's own description.
func (s *site) describeCatalog(g *graph, cat term, all []*Dataset) {
	m := &s.meta
	g.typed(cat, nsDCAT+"Catalog")
	g.add(cat, iri(nsDCT+"title"), langLit(m.Title.DE, "de"))
	g.add(cat, iri(nsDCT+"title"), langLit(m.Title.EN, "en"))
	g.add(cat, iri(nsDCT+"description"), langLit(m.Description.DE, "de"))
	g.add(cat, iri(nsDCT+"description"), langLit(m.Description.EN, "en"))
	g.add(cat, iri(nsDCT+"publisher"), iri(s.publisherIRI()))
	home := iri(s.base + "/opendata/")
	g.add(cat, iri(nsFOAF+"homepage"), home)
	g.typed(home, nsFOAF+"Document")
	s.languages(g, cat)
	spatial := iri(euCountry + m.Spatial)
	g.add(cat, iri(nsDCT+"spatial"), spatial)
	g.typed(spatial, nsDCT+"Location")
	tax := iri("http://publications.europa.eu/resource/authority/data-theme")
	g.add(cat, iri(nsDCAT+"themeTaxonomy"), tax)
	g.typed(tax, nsSKOS+"ConceptScheme")
	g.add(cat, iri(nsDCT+"issued"), stamp(s.self.CreatedAt))
	last := s.self.CreatedAt
	for _, d := range all {
		last = maxTime(last, s.modified(d))
	}
	g.add(cat, iri(nsDCT+"modified"), stamp(last))
	s.agents(g)
}

func (s *site) languages(g *graph, subj term) {
	for _, l := range []string{"DEU", "ENG"} {
		lang := iri(euLanguage + l)
		g.add(subj, iri(nsDCT+"language"), lang)
		g.typed(lang, nsDCT+"LinguisticSystem")
	}
}

// agents describes the publisher and the contact point.
func (s *site) agents(g *graph) {
	m := &s.meta
	pub := iri(s.publisherIRI())
	g.typed(pub, nsFOAF+"Organization")
	g.typed(pub, nsFOAF+"Agent")
	g.add(pub, iri(nsFOAF+"name"), lit(m.Publisher))
	home := iri(m.PublisherURL)
	g.add(pub, iri(nsFOAF+"homepage"), home)
	g.typed(home, nsFOAF+"Document")
	c := iri(s.contactIRI())
	g.typed(c, nsVCARD+"Organization")
	g.typed(c, nsVCARD+"Kind")
	g.add(c, iri(nsVCARD+"fn"), lit(m.ContactName))
	g.add(c, iri(nsVCARD+"hasEmail"), iri("mailto:"+m.ContactEmail))
}

// describeDataset adds one dataset with its distributions.
func (s *site) describeDataset(g *graph, d *Dataset) {
	m := &s.meta
	ds := iri(s.datasetIRI(d))
	g.typed(ds, nsDCAT+"Dataset")
	g.add(ds, iri(nsDCT+"identifier"), lit(s.datasetIRI(d)))
	g.add(ds, iri(nsDCT+"title"), langLit(d.Title.DE, "de"))
	g.add(ds, iri(nsDCT+"title"), langLit(d.Title.EN, "en"))
	g.add(ds, iri(nsDCT+"description"), langLit(d.Description.DE, "de"))
	g.add(ds, iri(nsDCT+"description"), langLit(d.Description.EN, "en"))
	for _, k := range d.Keywords.DE {
		g.add(ds, iri(nsDCAT+"keyword"), langLit(k, "de"))
	}
	for _, k := range d.Keywords.EN {
		g.add(ds, iri(nsDCAT+"keyword"), langLit(k, "en"))
	}
	for _, t := range d.Themes {
		th := iri(themeIRI(t))
		g.add(ds, iri(nsDCAT+"theme"), th)
		g.typed(th, nsSKOS+"Concept")
	}
	g.add(ds, iri(nsDCT+"publisher"), iri(s.publisherIRI()))
	g.add(ds, iri(nsDCAT+"contactPoint"), iri(s.contactIRI()))
	g.add(ds, iri(nsDCATDE+"contributorID"), iri(m.ContributorID))
	spatial := iri(euCountry + m.Spatial)
	g.add(ds, iri(nsDCT+"spatial"), spatial)
	g.typed(spatial, nsDCT+"Location")
	if start, end, ok := s.temporal(d); ok {
		p := blank("temporal-" + d.Slug)
		g.add(ds, iri(nsDCT+"temporal"), p)
		g.typed(p, nsDCT+"PeriodOfTime")
		g.add(p, iri(nsDCAT+"startDate"), stamp(start))
		g.add(p, iri(nsDCAT+"endDate"), stamp(end))
	}
	g.add(ds, iri(nsDCT+"issued"), stamp(s.self.CreatedAt))
	g.add(ds, iri(nsDCT+"modified"), stamp(s.modified(d)))
	s.languages(g, ds)
	rights := iri("http://publications.europa.eu/resource/authority/access-right/PUBLIC")
	g.add(ds, iri(nsDCT+"accessRights"), rights)
	g.typed(rights, nsDCT+"RightsStatement")
	landing := iri(s.datasetIRI(d) + ".html")
	g.add(ds, iri(nsDCAT+"landingPage"), landing)
	g.typed(landing, nsFOAF+"Document")
	for _, f := range formatsOf(d) {
		s.describeDistribution(g, ds, d, f)
	}
	s.agents(g)
}

var formatTitles = map[string]Text{
	formatCSV:  {DE: "CSV-Datei", EN: "CSV file"},
	formatJSON: {DE: "JSON-Datei", EN: "JSON file"},
	formatSTIX: {DE: "STIX-2.1-Bundle", EN: "STIX 2.1 bundle"},
}

func (s *site) describeDistribution(g *graph, ds term, d *Dataset, f string) {
	dist := iri(s.datasetIRI(d) + "#" + f)
	g.add(ds, iri(nsDCAT+"distribution"), dist)
	g.typed(dist, nsDCAT+"Distribution")
	t := formatTitles[f]
	g.add(dist, iri(nsDCT+"title"), langLit(d.Title.DE+" – "+t.DE, "de"))
	g.add(dist, iri(nsDCT+"title"), langLit(d.Title.EN+" – "+t.EN, "en"))
	var doc Text
	var conforms string
	switch f {
	case formatCSV:
		doc = Text{DE: "CSV nach RFC 4180 (UTF-8) mit Kopfzeile; die Spalten beschreibt " + downloadURL(s, d, formatCSVW) + ".",
			EN: "CSV per RFC 4180 (UTF-8) with a header row; its columns are described by " + downloadURL(s, d, formatCSVW) + "."}
		conforms = downloadURL(s, d, formatCSVW)
	case formatJSON:
		doc = Text{DE: "JSON-Feld mit einem Objekt je Zeile, beschrieben durch das JSON Schema " + downloadURL(s, d, formatSchema) + ".",
			EN: "JSON array with one object per row, described by the JSON Schema " + downloadURL(s, d, formatSchema) + "."}
		conforms = downloadURL(s, d, formatSchema)
	case formatSTIX:
		doc = Text{DE: "Die Objekte als STIX-2.1-Bundle (OASIS).", EN: "The objects as a STIX 2.1 bundle (OASIS)."}
		conforms = "https://docs.oasis-open.org/cti/stix/v2.1/os/stix-v2.1-os.html"
	}
	g.add(dist, iri(nsDCT+"description"), langLit(doc.DE, "de"))
	g.add(dist, iri(nsDCT+"description"), langLit(doc.EN, "en"))
	u := iri(downloadURL(s, d, f))
	g.add(dist, iri(nsDCAT+"accessURL"), u)
	g.add(dist, iri(nsDCAT+"downloadURL"), u)
	g.typed(u, nsRDFS+"Resource")
	ft := "JSON"
	media := "application/json"
	if f == formatCSV {
		ft, media = "CSV", "text/csv"
	}
	format := iri(euFileType + ft)
	g.add(dist, iri(nsDCT+"format"), format)
	g.typed(format, nsDCT+"MediaTypeOrExtent")
	mt := iri(ianaMedia + media)
	g.add(dist, iri(nsDCAT+"mediaType"), mt)
	g.typed(mt, nsDCT+"MediaType")
	lic := iri(licenceIRI(d.Licence))
	g.add(dist, iri(nsDCT+"license"), lic)
	g.typed(lic, nsDCT+"LicenseDocument")
	if d.Licence != LicenceCC0 {
		g.add(dist, iri(nsDCATDE+"licenseAttributionByText"), langLit(s.meta.Publisher+", "+s.base+"/opendata/", "de"))
	}
	std := iri(conforms)
	g.add(dist, iri(nsDCT+"conformsTo"), std)
	g.typed(std, nsDCT+"Standard")
	g.add(dist, iri(nsDCT+"modified"), stamp(s.modified(d)))
}
