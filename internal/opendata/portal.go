package opendata

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"
)

//go:embed templates/portal.html
var templateFS embed.FS

var portalTmpl = template.Must(template.ParseFS(templateFS, "templates/portal.html"))

// words are the portal's fixed texts.
type words struct {
	Modified, Licence, Publisher, Preview, Columns, Column, Meaning, Empty, Machine, Clear, Statistics string
	Dims                                                                                               map[string]string
	Suppressed                                                                                         string
}

var vocab = map[string]words{
	"de": {Modified: "Stand", Licence: "Lizenz", Publisher: "Herausgeber", Preview: "Vorschau (erste Zeilen)",
		Columns: "Spalten", Column: "Spalte", Meaning: "Bedeutung", Empty: "Noch keine Einträge.",
		Machine: "Maschinenlesbar", Clear: "Veröffentlicht wird ausschließlich TLP:CLEAR; personenbezogene Daten sind entfernt. Statistiken zeigen nur Anzahlen, kleine Anzahlen werden unterdrückt.",
		Dims:       map[string]string{"month": "Objektversionen je Monat", "type": "Je Objekttyp", "tlp": "Je TLP-Stufe", "origin": "Je Herkunftsorganisation"},
		Suppressed: "unterdrückt"},
	"en": {Modified: "Updated", Licence: "Licence", Publisher: "Publisher", Preview: "Preview (first rows)",
		Columns: "Columns", Column: "Column", Meaning: "Meaning", Empty: "No entries yet.",
		Machine: "Machine-readable", Clear: "Only TLP:CLEAR is published; personal data is removed. Statistics show counts only, and small counts are suppressed.",
		Dims:       map[string]string{"month": "Object versions per month", "type": "Per object type", "tlp": "Per TLP level", "origin": "Per organisation of origin"},
		Suppressed: "suppressed"},
}

type link struct{ Name, URL string }

type datasetView struct {
	Title, Description, Modified, Licence, Page string
	Downloads                                   []link
}

type chart struct {
	Title string
	SVG   template.HTML
}

type columnView struct{ Name, Doc string }

type pageData struct {
	Lang, Title, Description, Base, Publisher string
	T                                         words
	Datasets                                  []datasetView
	Dataset                                   *datasetView
	Charts                                    []chart
	Columns                                   []columnView
	Rows                                      [][]string
}

// language picks German or English: ?lang= first, then Accept-Language, German by default.
func language(r *http.Request) string {
	switch r.URL.Query().Get("lang") {
	case "de":
		return "de"
	case "en":
		return "en"
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "de"):
			return "de"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return "de"
}

func (s *site) datasetView(d *Dataset, lang string) datasetView {
	v := datasetView{
		Title: d.Title.In(lang), Description: d.Description.In(lang),
		Modified: s.modified(d).Format(time.DateOnly), Licence: licences[d.Licence].Title,
		Page: s.datasetIRI(d) + ".html?lang=" + lang,
	}
	for _, f := range formatsOf(d) {
		v.Downloads = append(v.Downloads, link{formatTitles[f].In(lang), downloadURL(s, d, f)})
	}
	v.Downloads = append(v.Downloads, link{"CSVW", downloadURL(s, d, formatCSVW)}, link{"JSON Schema", downloadURL(s, d, formatSchema)},
		link{"DCAT-AP (Turtle)", s.datasetIRI(d) + ".ttl"})
	return v
}

// index serves GET /opendata/: every dataset with its downloads.
func (h *Handler) index(w http.ResponseWriter, r *http.Request) error {
	s, err := h.site(r)
	if err != nil {
		return err
	}
	lang := language(r)
	p := pageData{Lang: lang, Title: s.meta.Title.In(lang), Description: s.meta.Description.In(lang), Base: s.base,
		Publisher: s.meta.Publisher, T: vocab[lang]}
	for i := range s.meta.Datasets {
		p.Datasets = append(p.Datasets, s.datasetView(&s.meta.Datasets[i], lang))
	}
	return render(w, r, "index", p)
}

// datasetPage serves GET /opendata/dataset/{slug}[.html]: the dataset with a preview of its
// first rows, and charts for statistics.
func (h *Handler) datasetPage(w http.ResponseWriter, r *http.Request, s *site, d *Dataset) error {
	lang := language(r)
	dv := s.datasetView(d, lang)
	p := pageData{Lang: lang, Title: dv.Title, Base: s.base, Publisher: s.meta.Publisher, T: vocab[lang], Dataset: &dv}
	for _, c := range columnsOf(d) {
		p.Columns = append(p.Columns, columnView{c.Name, c.Doc.In(lang)})
	}
	if d.Kind == KindStatistics {
		rows := statTable(s.stats, int64(s.meta.Statistics.MinCount), s.named)
		for _, dim := range dimensions {
			p.Charts = append(p.Charts, chart{Title: vocab[lang].Dims[dim], SVG: barChart(rows, dim, vocab[lang].Suppressed)})
		}
	}
	err := h.eachRow(r.Context(), s, d, 10, func(cells [][]string) error {
		row := make([]string, len(cells))
		for i, v := range cells {
			row[i] = cellText(v)
		}
		p.Rows = append(p.Rows, row)
		return nil
	})
	if err != nil {
		return err
	}
	return render(w, r, "dataset", p)
}

func render(w http.ResponseWriter, r *http.Request, name string, p pageData) error {
	var b bytes.Buffer
	if err := portalTmpl.ExecuteTemplate(&b, name, p); err != nil {
		return fmt.Errorf("rendering %s: %w", name, err)
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'")
	w.Header().Set("Content-Language", p.Lang)
	return whole(w, r, "text/html; charset=utf-8", b.Bytes(), time.Time{})
}

// barChart draws the rows of one dimension as horizontal bars, in inline SVG; suppressed
// counts get no bar, only the word.
func barChart(rows []statRow, dim, suppressedWord string) template.HTML {
	var sel []statRow
	var most int64
	for _, r := range rows {
		if r.Dimension == dim {
			sel = append(sel, r)
			most = max(most, r.Count)
		}
	}
	const rowH, labelW, barW = 18, 170, 380
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="%d" height="%d" viewBox="0 0 %d %d">`,
		labelW+barW+90, rowH*len(sel)+4, labelW+barW+90, rowH*len(sel)+4)
	for i, r := range sel {
		y := i*rowH + 2
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, labelW-6, y+13, template.HTMLEscapeString(clip(r.Value)))
		if r.Suppressed {
			fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#777">%s</text>`, labelW, y+13, suppressedWord)
			continue
		}
		wdt := 1
		if most > 0 {
			wdt = max(1, int(r.Count*barW/most))
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#3d85c6"><title>%d</title></rect>`, labelW, y+2, wdt, rowH-5, r.Count)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%d</text>`, labelW+wdt+4, y+13, r.Count)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
