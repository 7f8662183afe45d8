package opendata

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"sort"
	"strings"
)

// A small RDF graph and its three serialisations. The catalogues are built as a graph once and
// written as Turtle, JSON-LD or RDF/XML from it, so that the three always say the same.

// termKind tells IRIs, blank nodes and literals apart.
type termKind uint8

const (
	kindIRI termKind = iota
	kindBlank
	kindLiteral
)

// term is an RDF term. A literal has a language or a datatype (or neither: xsd:string).
type term struct {
	kind     termKind
	value    string
	lang     string
	datatype string
}

func iri(s string) term           { return term{kind: kindIRI, value: s} }
func blank(s string) term         { return term{kind: kindBlank, value: s} }
func lit(s string) term           { return term{kind: kindLiteral, value: s} }
func langLit(s, lang string) term { return term{kind: kindLiteral, value: s, lang: lang} }
func typedLit(s, dt string) term  { return term{kind: kindLiteral, value: s, datatype: dt} }
func dateTimeLit(s string) term   { return typedLit(s, nsXSD+"dateTime") }
func intLit(n int) term           { return typedLit(fmt.Sprint(n), nsXSD+"integer") }
func nonNegLit(n int) term        { return typedLit(fmt.Sprint(n), nsXSD+"nonNegativeInteger") }
func (t term) isResource() bool   { return t.kind != kindLiteral }
func (t term) key() string        { return fmt.Sprint(t.kind) + t.value }
func (g *graph) add(s, p, o term) {
	t := triple{s, p, o}
	if g.seen == nil {
		g.seen = map[triple]bool{}
	}
	if !g.seen[t] {
		g.seen[t] = true
		g.triples = append(g.triples, t)
	}
}
func (g *graph) typed(s term, c string) { g.add(s, iri(nsRDF+"type"), iri(c)) }

type triple struct{ s, p, o term }

// graph is a list of triples in the order they were added; writers group them by subject in
// the order subjects first appear.
type graph struct {
	triples []triple
	seen    map[triple]bool
}

// Namespaces used by the catalogues.
const (
	nsRDF    = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	nsRDFS   = "http://www.w3.org/2000/01/rdf-schema#"
	nsXSD    = "http://www.w3.org/2001/XMLSchema#"
	nsDCAT   = "http://www.w3.org/ns/dcat#"
	nsDCT    = "http://purl.org/dc/terms/"
	nsDCATDE = "http://dcat-ap.de/def/dcatde/"
	nsFOAF   = "http://xmlns.com/foaf/0.1/"
	nsVCARD  = "http://www.w3.org/2006/vcard/ns#"
	nsSKOS   = "http://www.w3.org/2004/02/skos/core#"
	nsHYDRA  = "http://www.w3.org/ns/hydra/core#"
	nsADMS   = "http://www.w3.org/ns/adms#"
	nsDCATAP = "http://data.europa.eu/r5r/"
)

var prefixes = []struct{ prefix, ns string }{
	{"rdf", nsRDF}, {"rdfs", nsRDFS}, {"xsd", nsXSD}, {"dcat", nsDCAT}, {"dct", nsDCT},
	{"dcatde", nsDCATDE}, {"foaf", nsFOAF}, {"vcard", nsVCARD}, {"skos", nsSKOS},
	{"hydra", nsHYDRA}, {"adms", nsADMS}, {"dcatap", nsDCATAP},
}

// split returns the prefix and local name of an IRI in a known namespace whose local name is
// safe in a Turtle prefixed name and an XML name.
func split(s string) (prefix, local string, ok bool) {
	for _, p := range prefixes {
		if l, found := strings.CutPrefix(s, p.ns); found && safeLocal(l) {
			return p.prefix, l, true
		}
	}
	return "", "", false
}

func safeLocal(l string) bool {
	if l == "" {
		return false
	}
	for i, c := range l {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '-')) {
			return false
		}
	}
	return true
}

// subjects groups the triples by subject, in first-appearance order.
func (g *graph) subjects() ([]term, map[string][]triple) {
	var order []term
	by := map[string][]triple{}
	for _, t := range g.triples {
		k := t.s.key()
		if _, ok := by[k]; !ok {
			order = append(order, t.s)
		}
		by[k] = append(by[k], t)
	}
	return order, by
}

// Turtle writes the graph as Turtle.
func (g *graph) Turtle() []byte {
	var b bytes.Buffer
	for _, p := range prefixes {
		fmt.Fprintf(&b, "@prefix %s: <%s> .\n", p.prefix, p.ns)
	}
	order, by := g.subjects()
	for _, s := range order {
		b.WriteString("\n")
		b.WriteString(ttlTerm(s))
		ts := by[s.key()]
		for i, t := range ts {
			if i > 0 && ts[i-1].p == t.p {
				b.WriteString(",\n        ")
			} else {
				if i > 0 {
					b.WriteString(" ;")
				}
				b.WriteString("\n    ")
				if t.p.value == nsRDF+"type" {
					b.WriteString("a")
				} else {
					b.WriteString(ttlTerm(t.p))
				}
				b.WriteString(" ")
			}
			b.WriteString(ttlTerm(t.o))
		}
		b.WriteString(" .\n")
	}
	return b.Bytes()
}

func ttlTerm(t term) string {
	switch t.kind {
	case kindIRI:
		if p, l, ok := split(t.value); ok {
			return p + ":" + l
		}
		return "<" + ttlIRI(t.value) + ">"
	case kindBlank:
		return "_:" + t.value
	}
	s := `"` + ttlEscape(t.value) + `"`
	switch {
	case t.lang != "":
		s += "@" + t.lang
	case t.datatype != "":
		s += "^^" + ttlTerm(iri(t.datatype))
	}
	return s
}

func ttlEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 || c == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, c)
			} else {
				b.WriteRune(c)
			}
		}
	}
	return b.String()
}

// ttlIRI escapes the characters an IRIREF may not hold.
func ttlIRI(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c <= 0x20 || strings.ContainsRune(`<>"{}|^`+"`\\", c) {
			fmt.Fprintf(&b, `\u%04X`, c)
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// JSONLD writes the graph as flattened JSON-LD: an inline context of the prefixes and one node
// object per subject in @graph.
func (g *graph) JSONLD() ([]byte, error) {
	ctx := map[string]string{}
	for _, p := range prefixes {
		ctx[p.prefix] = p.ns
	}
	order, by := g.subjects()
	nodes := make([]map[string]any, 0, len(order))
	for _, s := range order {
		n := map[string]any{"@id": jsonldID(s)}
		var types []string
		for _, t := range by[s.key()] {
			if t.p.value == nsRDF+"type" {
				types = append(types, compact(t.o.value))
				continue
			}
			k := compact(t.p.value)
			var v map[string]any
			switch {
			case t.o.isResource():
				v = map[string]any{"@id": jsonldID(t.o)}
			case t.o.lang != "":
				v = map[string]any{"@value": t.o.value, "@language": t.o.lang}
			case t.o.datatype != "":
				v = map[string]any{"@value": t.o.value, "@type": compact(t.o.datatype)}
			default:
				v = map[string]any{"@value": t.o.value}
			}
			list, _ := n[k].([]map[string]any)
			n[k] = append(list, v)
		}
		if len(types) > 0 {
			n["@type"] = types
		}
		nodes = append(nodes, n)
	}
	return json.MarshalIndent(map[string]any{"@context": ctx, "@graph": nodes}, "", " ")
}

func jsonldID(t term) string {
	if t.kind == kindBlank {
		return "_:" + t.value
	}
	return t.value
}

// compact writes an IRI in a known namespace as prefix:local, which the context expands.
func compact(s string) string {
	if p, l, ok := split(s); ok {
		return p + ":" + l
	}
	return s
}

// RDFXML writes the graph as RDF/XML: one rdf:Description per subject.
func (g *graph) RDFXML() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString("<rdf:RDF")
	for _, p := range prefixes {
		fmt.Fprintf(&b, "\n    xmlns:%s=\"%s\"", p.prefix, p.ns)
	}
	b.WriteString(">\n")
	order, by := g.subjects()
	for _, s := range order {
		if s.kind == kindBlank {
			fmt.Fprintf(&b, "  <rdf:Description rdf:nodeID=\"%s\">\n", xmlEsc(s.value))
		} else {
			fmt.Fprintf(&b, "  <rdf:Description rdf:about=\"%s\">\n", xmlEsc(s.value))
		}
		for _, t := range by[s.key()] {
			p, l, ok := split(t.p.value)
			if !ok {
				return nil, fmt.Errorf("rdf/xml: predicate %s has no prefix", t.p.value)
			}
			name := p + ":" + l
			switch {
			case t.o.kind == kindIRI:
				fmt.Fprintf(&b, "    <%s rdf:resource=\"%s\"/>\n", name, xmlEsc(t.o.value))
			case t.o.kind == kindBlank:
				fmt.Fprintf(&b, "    <%s rdf:nodeID=\"%s\"/>\n", name, xmlEsc(t.o.value))
			case t.o.lang != "":
				fmt.Fprintf(&b, "    <%s xml:lang=\"%s\">%s</%s>\n", name, xmlEsc(t.o.lang), xmlEsc(t.o.value), name)
			case t.o.datatype != "":
				fmt.Fprintf(&b, "    <%s rdf:datatype=\"%s\">%s</%s>\n", name, xmlEsc(t.o.datatype), xmlEsc(t.o.value), name)
			default:
				fmt.Fprintf(&b, "    <%s>%s</%s>\n", name, xmlEsc(t.o.value), name)
			}
		}
		b.WriteString("  </rdf:Description>\n")
	}
	b.WriteString("</rdf:RDF>\n")
	return b.Bytes(), nil
}

func xmlEsc(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// sortedKeys returns a map's keys in order (used to keep output stable).
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
