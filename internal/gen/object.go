package gen

import (
	"strings"

	"github.com/entente/entente/internal/stix"
)

// object builds in g.b the object of slot i, of kind k, as version v (nil for its first version).
// Everything drawn for the object comes from g.r, reseeded for slot i, in the same order whatever
// v says, so that a later version repeats the earlier one; what the version changes is drawn
// from g.vr.
func (g *generator) object(k kind, i int64, v *version) {
	g.b = g.b[:0]
	switch k {
	case kMarking:
		g.markingDefinition(i)
	case kIdentity:
		g.identity(i)
	case kIndicator:
		g.indicator(i, v)
	case kRelationship:
		g.relationship(i, v)
	case kSighting:
		g.sighting(i, v)
	case kMalware:
		g.malware(i, v)
	case kAttackPattern:
		g.attackPattern(i, v)
	case kVulnerability:
		g.vulnerability(i, v)
	case kThreatActor:
		g.threatActor(i, v)
	case kIntrusionSet:
		g.intrusionSet(i, v)
	case kCampaign:
		g.campaign(i, v)
	case kCourseOfAction:
		g.courseOfAction(i, v)
	case kReport:
		g.report(i, v)
	case kNote:
		g.note(i, v)
	default:
		panic("gen: no generator for kind " + kindType[k])
	}
	g.b = append(g.b, '}')
}

// head is what every domain and relationship object draws first.
type head struct {
	tlp    int   // index into tlpSlots
	author int64 // slot of the creating organisation, -1 for none
}

// drawHead draws the marking and the author. TLP shares: CLEAR 30 %, GREEN 35 %, AMBER 25 %,
// AMBER+STRICT 5 %, RED 5 %.
func (g *generator) drawHead() head {
	var t int
	switch u := g.r.IntN(100); {
	case u < 30:
		t = 0
	case u < 65:
		t = 1
	case u < 90:
		t = 2
	case u < 95:
		t = 3
	default:
		t = 4
	}
	return head{tlp: t, author: g.org()}
}

// header opens an SDO or SRO of kind k for slot i and writes the common properties.
func (g *generator) header(k kind, i int64, v *version, h head) {
	g.b = append(g.b, `{"type":"`...)
	g.b = append(g.b, kindType[k]...)
	g.b = append(g.b, `","spec_version":"2.1","id":"`...)
	g.b = g.appendID(g.b, i)
	g.b = append(g.b, '"')
	if h.author >= 0 {
		g.ref("created_by_ref", h.author)
	}
	c := g.created(i)
	g.ts("created", c)
	if v != nil {
		g.ts("modified", v.modified)
		if v.revoked {
			g.b = append(g.b, `,"revoked":true`...)
		}
	} else {
		g.ts("modified", c)
	}
	g.marking(h.tlp)
}

// marking writes object_marking_refs with one TLP 2.0 marking.
func (g *generator) marking(tlp int) {
	g.b = append(g.b, `,"object_marking_refs":["`...)
	g.b = append(g.b, tlpSlots[tlp].id...)
	g.b = append(g.b, `"]`...)
}

func (g *generator) key(k string) {
	g.b = append(g.b, ',', '"')
	g.b = append(g.b, k...)
	g.b = append(g.b, '"', ':')
}

func (g *generator) str(k, v string) {
	g.key(k)
	g.b = appendString(g.b, v)
}

func (g *generator) strBytes(k string, v []byte) {
	g.key(k)
	g.b = appendString(g.b, v)
}

func (g *generator) ts(k string, ms int64) {
	g.key(k)
	g.b = append(g.b, '"')
	g.b = appendTimestamp(g.b, ms)
	g.b = append(g.b, '"')
}

func (g *generator) num(k string, n int64) {
	g.key(k)
	g.b = appendInt(g.b, n)
}

func (g *generator) boolean(k string, v bool) {
	g.key(k)
	if v {
		g.b = append(g.b, "true"...)
	} else {
		g.b = append(g.b, "false"...)
	}
}

func (g *generator) ref(k string, slot int64) {
	g.key(k)
	g.b = append(g.b, '"')
	g.b = g.appendID(g.b, slot)
	g.b = append(g.b, '"')
}

func (g *generator) refs(k string, slots []int64) {
	g.key(k)
	for n, s := range slots {
		if n == 0 {
			g.b = append(g.b, '[', '"')
		} else {
			g.b = append(g.b, ',', '"')
		}
		g.b = g.appendID(g.b, s)
		g.b = append(g.b, '"')
	}
	g.b = append(g.b, ']')
}

func (g *generator) list(k string, vals ...string) {
	g.key(k)
	for n, s := range vals {
		if n == 0 {
			g.b = append(g.b, '[')
		} else {
			g.b = append(g.b, ',')
		}
		g.b = appendString(g.b, s)
	}
	g.b = append(g.b, ']')
}

// listBytes writes a list of one string.
func (g *generator) listBytes(k string, v []byte) {
	g.key(k)
	g.b = append(g.b, '[')
	g.b = appendString(g.b, v)
	g.b = append(g.b, ']')
}

// pickList writes a list of 1 to max (at most 4) distinct values of vocab.
func (g *generator) pickList(k string, vocab []string, max int) {
	var chosen [4]int
	n := 0
	for m := 1 + g.r.IntN(max); m > 0; m-- {
		x := g.r.IntN(len(vocab))
		for _, c := range chosen[:n] {
			if c == x {
				x = -1
				break
			}
		}
		if x >= 0 {
			chosen[n] = x
			n++
		}
	}
	g.key(k)
	for m, x := range chosen[:n] {
		if m == 0 {
			g.b = append(g.b, '[')
		} else {
			g.b = append(g.b, ',')
		}
		g.b = appendString(g.b, vocab[x])
	}
	g.b = append(g.b, ']')
}

// confidence writes a confidence in 0–100; a new version revises it.
func (g *generator) confidence(v *version) {
	c := [...]int{15, 30, 50, 50, 70, 85, 85, 95}[g.r.IntN(8)]
	if v != nil {
		c = min(100, max(0, c+g.vr.IntN(41)-20))
	}
	g.num("confidence", int64(c))
}

// description writes a description drawn from texts, with a note appended in a new version.
func (g *generator) description(texts []string, v *version) {
	d := pick(g.r, texts)
	if v == nil {
		g.str("description", d)
		return
	}
	g.key("description")
	g.text = append(append(append(g.text[:0], d...), "\n\n"...), pick(g.vr, updateNotes)...)
	g.b = appendString(g.b, g.text)
}

// describe writes a description with probability pct %, and always in a new version.
func (g *generator) describe(pct int, v *version) {
	if g.maybe(pct) || v != nil {
		g.description(descriptions, v)
	}
}

// maybeConfidence writes a confidence with probability pct %.
func (g *generator) maybeConfidence(pct int, v *version) {
	if g.maybe(pct) {
		g.confidence(v)
	}
}

// twoWords appends a word of a, a space and a word of b.
func (g *generator) twoWords(buf []byte, a, b []string) []byte {
	return append(append(append(buf, pick(g.r, a)...), ' '), pick(g.r, b)...)
}

// maybe reports true with probability pct %.
func (g *generator) maybe(pct int) bool { return g.r.IntN(100) < pct }

// labels writes one or two labels, sometimes.
func (g *generator) labels(pct int) {
	if g.maybe(pct) {
		g.pickList("labels", labelWords, 2)
	}
}

// custom writes, for about one object in twelve, a custom property (STIX 2.1 section 11.1) of
// one of the JSON kinds: string, number with a fraction, nested object.
func (g *generator) custom(h head, k kind) {
	u := g.r.IntN(48)
	if u == 2 && k != kIndicator {
		u = 1 // a detection rule belongs on an indicator
	}
	switch u {
	case 0:
		g.key("x_cert_ticket")
		g.scratch = append(g.scratch[:0], orgs[h.author-ownSlot].short...)
		g.scratch = append(g.scratch, '#')
		g.scratch = appendInt(g.scratch, int64(2020+g.r.IntN(6)))
		g.scratch = append(g.scratch, '-')
		g.scratch = appendDigits(g.scratch, g.r.IntN(100000), 5)
		g.b = appendString(g.b, g.scratch)
	case 1:
		g.str("x_source_feed", pick(g.r, customFeeds))
	case 2:
		g.key("x_detection")
		g.b = append(g.b, `{"engine":"suricata","sid":`...)
		g.b = appendInt(g.b, int64(2030000+g.r.IntN(70000)))
		g.b = append(g.b, `,"rev":`...)
		g.b = appendInt(g.b, int64(1+g.r.IntN(9)))
		g.b = append(g.b, '}')
	case 3:
		g.key("x_false_positive_rate")
		g.b = append(g.b, "0.0"...)
		g.b = appendDigits(g.b, 1+g.r.IntN(99), 2)
	}
}

// firstLastSeen writes first_seen and last_seen of an actor, set or campaign: activity that
// started up to two and a half years before the object and ended no later than it.
func (g *generator) firstLastSeen(i int64, kFirst, kLast string) {
	c := g.created(i)
	first := c - int64(30+g.r.IntN(900))*dayMS
	last := first + g.r.Int64N(c-first+1)
	g.ts(kFirst, first)
	g.ts(kLast, last)
}

// markingDefinition writes one of the OASIS TLP 2.0 marking definitions, exactly as published.
func (g *generator) markingDefinition(i int64) {
	t := tlpSlots[i]
	g.b = append(g.b, `{"type":"marking-definition","spec_version":"2.1","id":"`...)
	g.b = append(g.b, t.id...)
	g.b = append(g.b, `","created":"2022-10-01T00:00:00.000Z","name":"`...)
	g.b = append(g.b, t.name...)
	g.b = append(g.b, `","extensions":{"`...)
	g.b = append(g.b, stix.TLP2ExtensionID...)
	g.b = append(g.b, `":{"extension_type":"property-extension","tlp_2_0":"`...)
	g.b = append(g.b, t.level...)
	g.b = append(g.b, `"}}`...)
}

func (g *generator) identity(i int64) {
	o := orgs[i-ownSlot]
	g.header(kIdentity, i, nil, head{tlp: 0, author: -1})
	g.str("name", o.name)
	g.scratch = append(append(g.scratch[:0], o.short...), " — computer emergency response team for "...)
	g.scratch = append(g.scratch, o.constituency...)
	g.strBytes("description", g.scratch)
	g.str("identity_class", "organization")
	g.list("sectors", o.sector)
	g.scratch = append(append(g.scratch[:0], "cert@"...), strings.ToLower(o.short)...)
	g.scratch = append(g.scratch, ".example"...)
	g.strBytes("contact_information", g.scratch)
	g.str("x_constituency", o.constituency)
}
