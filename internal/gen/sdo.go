package gen

import "fmt"

// relationship writes a relationship of one of relationTemplates between two earlier objects.
func (g *generator) relationship(i int64, v *version) {
	h := g.drawHead()
	g.header(kRelationship, i, v, h)
	u := g.r.IntN(relationWeightSum)
	t := &relationTemplates[0]
	for n := range relationTemplates {
		if u < relationTemplates[n].weight {
			t = &relationTemplates[n]
			break
		}
		u -= relationTemplates[n].weight
	}
	src, dst := g.earlier(i, t.src), g.earlier(i, t.dst)
	for tries := 0; src == dst && tries < 4; tries++ {
		dst = g.earlier(i, t.dst)
	}
	if src == dst { // only in a tiny corpus: fall back to the commonest relationship
		t = &relationTemplates[0]
		src, dst = g.earlier(i, t.src), g.earlier(i, t.dst)
	}
	g.str("relationship_type", t.typ)
	g.ref("source_ref", src)
	g.ref("target_ref", dst)
	g.describe(15, v)
	if g.maybe(10) {
		start := g.created(i) - int64(1+g.r.IntN(400))*dayMS
		g.ts("start_time", start)
		g.ts("stop_time", start+int64(1+g.r.IntN(200))*dayMS)
	}
	g.maybeConfidence(50, v)
	g.custom(h, kRelationship)
}

// sighting writes a sighting of an earlier indicator by an organisation, between the indicator's
// creation and its own.
func (g *generator) sighting(i int64, v *version) {
	h := g.drawHead()
	g.header(kSighting, i, v, h)
	ind := g.earlier(i, kIndicator)
	c, ic := g.created(i), g.created(ind)
	first := ic + g.r.Int64N(c-ic+1)
	last := first + g.r.Int64N(c-first+1)
	if v != nil {
		last = v.modified // seen again up to the new version
	}
	g.ts("first_seen", first)
	g.ts("last_seen", last)
	count := int64(1 + g.r.IntN(20))
	if g.maybe(5) {
		count *= int64(100 + g.r.IntN(5000)) // a scanner hitting every sensor
	}
	if v != nil {
		count += int64(1 + g.vr.IntN(50))
	}
	g.num("count", count)
	g.ref("sighting_of_ref", ind)
	if g.maybe(20) {
		g.refs("observed_data_refs", []int64{g.earlier(i, kObserved)})
	}
	g.refs("where_sighted_refs", []int64{g.earlier(i, kIdentity)})
	if g.maybe(10) {
		g.description(descriptions, v)
	}
	g.maybeConfidence(40, v)
	g.custom(h, kSighting)
}

// observed writes one to four cyber-observables (IPv4 address, domain name, file) and the
// observed-data that refers to them. Observable ids are the deterministic UUIDv5 of STIX 2.1
// section 2.9, and their values are unique, so no observable appears twice.
func (g *generator) observed(i int64) error {
	h := g.drawHead()
	n := 1 + g.r.IntN(4)
	for s := 0; s < n; s++ {
		g.observable(s, h)
		if err := g.emit(); err != nil {
			return err
		}
	}
	g.b = g.b[:0]
	g.header(kObserved, i, nil, h)
	c := g.created(i)
	first := c - int64(g.r.IntN(14*24))*3600*1000
	g.ts("first_observed", first)
	g.ts("last_observed", first+g.r.Int64N(c-first+1))
	g.num("number_observed", int64(1+g.r.IntN(500)))
	g.key("object_refs")
	for s := 0; s < n; s++ {
		if s == 0 {
			g.b = append(g.b, '[', '"')
		} else {
			g.b = append(g.b, ',', '"')
		}
		g.b = append(g.b, g.scos[s]...)
		g.b = append(g.b, '"')
	}
	g.b = append(g.b, ']')
	g.custom(h, kObserved)
	g.b = append(g.b, '}')
	return g.emit()
}

// observable builds in g.b the s-th observable of an observed-data and keeps its id in g.scos[s].
func (g *generator) observable(s int, h head) {
	// name is the JSON of the id-contributing properties, canonical (RFC 8785): the UUIDv5 input.
	name := g.scratch[:0]
	var typ string
	switch u := g.r.IntN(100); {
	case u < 45:
		typ = "ipv4-addr"
		g.tmp = appendIPv4(g.tmp[:0], uniqueIPv4(g.ipSeq, g.idKey2))
		g.ipSeq++
		name = appendString(append(name, `{"value":`...), g.tmp)
	case u < 80:
		typ = "domain-name"
		g.tmp = append(appendUniqueToken(g.tmp[:0], g.domainSeq, g.idKey), '.')
		g.domainSeq++
		g.tmp = append(g.tmp, pick(g.r, domainWords)...)
		g.tmp = append(g.tmp, '.')
		g.tmp = append(g.tmp, pick(g.r, domainParents)...)
		name = appendString(append(name, `{"value":`...), g.tmp)
	default:
		typ = "file"
		g.tmp = appendHex(g.tmp[:0], 32, g.r.Uint64) // MD5, the hash that names a file (section 2.9)
		g.name = appendFileName(g.name[:0], g.r)
		name = append(name, `{"hashes":{"MD5":"`...)
		name = append(name, g.tmp...)
		name = append(name, `"},"name":`...)
		name = appendString(name, g.name)
		name = append(name, '}')
	}
	id := append(append(g.scos[s][:0], typ...), "--"...)
	id, g.name2 = appendUUID5(id, &scoNamespace, name, g.name2)
	g.scos[s] = id
	g.scratch = name

	g.b = append(g.b[:0], `{"type":"`...)
	g.b = append(g.b, typ...)
	g.b = append(g.b, `","spec_version":"2.1","id":"`...)
	g.b = append(g.b, id...)
	g.b = append(g.b, '"')
	if typ == "file" {
		g.key("hashes")
		g.b = append(g.b, `{"MD5":"`...)
		g.b = append(g.b, g.tmp...)
		g.b = append(g.b, `","SHA-256":"`...)
		g.b = appendHex(g.b, 64, g.r.Uint64)
		g.b = append(g.b, `"}`...)
		g.num("size", int64(1024+g.r.IntN(8<<20)))
		g.strBytes("name", g.name)
	} else {
		g.strBytes("value", g.tmp)
	}
	g.marking(h.tlp)
	g.b = append(g.b, '}')
}

// malware writes a malware family (mostly) or instance.
func (g *generator) malware(i int64, v *version) {
	h := g.drawHead()
	g.header(kMalware, i, v, h)
	g.name = append(append(g.name[:0], pick(g.r, malwarePrefixes)...), pick(g.r, malwareSuffixes)...)
	g.strBytes("name", g.name)
	g.describe(50, v)
	g.pickList("malware_types", malwareTypes, 2)
	g.boolean("is_family", g.maybe(90))
	if g.maybe(20) {
		g.name = append(g.name, " v"...)
		g.name = appendInt(g.name, int64(1+g.r.IntN(5)))
		g.listBytes("aliases", g.name)
	}
	if g.maybe(70) {
		g.firstLastSeen(i, "first_seen", "last_seen")
	}
	if g.maybe(40) {
		g.pickList("capabilities", malwareCapabilities, 3)
	}
	if g.maybe(30) {
		g.pickList("implementation_languages", implementationLanguages, 1)
	}
	if g.maybe(20) {
		g.pickList("architecture_execution_envs", processorArchitectures, 2)
	}
	g.maybeConfidence(50, v)
	g.labels(30)
	g.custom(h, kMalware)
}

// attackPattern writes an ATT&CK technique with its external reference and tactic.
func (g *generator) attackPattern(i int64, v *version) {
	h := g.drawHead()
	g.header(kAttackPattern, i, v, h)
	t := &techniques[g.r.IntN(len(techniques))]
	g.str("name", t.name)
	g.describe(40, v)
	g.key("external_references")
	g.b = append(g.b, `[{"source_name":"mitre-attack","external_id":"`...)
	g.b = append(g.b, t.id...)
	g.b = append(g.b, `","url":"https://attack.mitre.org/techniques/`...)
	for k := 0; k < len(t.id); k++ {
		if t.id[k] == '.' {
			g.b = append(g.b, '/')
		} else {
			g.b = append(g.b, t.id[k])
		}
	}
	g.b = append(g.b, `/"}]`...)
	g.key("kill_chain_phases")
	g.b = append(g.b, `[{"kill_chain_name":"mitre-attack","phase_name":"`...)
	g.b = append(g.b, t.tactic...)
	g.b = append(g.b, `"}]`...)
	if g.maybe(25) {
		g.pickList("x_mitre_platforms", []string{"Windows", "Linux", "macOS", "Network", "Office 365"}, 3)
	}
	g.custom(h, kAttackPattern)
}

// vulnerability writes a vulnerability named by its CVE id, with the cve external reference.
func (g *generator) vulnerability(i int64, v *version) {
	h := g.drawHead()
	g.header(kVulnerability, i, v, h)
	g.name = appendCVE(g.name[:0], g.r)
	g.strBytes("name", g.name)
	g.scratch = append(append(g.scratch[:0], pick(g.r, vulnFlaws)...), " in a widely deployed "...)
	g.scratch = append(g.scratch, pick(g.r, vulnProducts)...)
	g.scratch = append(g.scratch, '.')
	if v != nil {
		g.scratch = append(append(g.scratch, "\n\n"...), pick(g.vr, updateNotes)...)
	}
	g.strBytes("description", g.scratch)
	g.key("external_references")
	g.b = append(g.b, `[{"source_name":"cve","external_id":"`...)
	g.b = append(g.b, g.name...)
	g.b = append(g.b, `","url":"https://www.cve.org/CVERecord?id=`...)
	g.b = append(g.b, g.name...)
	g.b = append(g.b, `"}]`...)
	if g.maybe(50) {
		g.key("x_cvss_v3_base_score")
		score := 40 + g.r.IntN(61) // 4.0–10.0
		g.b = appendInt(g.b, int64(score/10))
		g.b = append(g.b, '.')
		g.b = appendInt(g.b, int64(score%10))
	}
	g.custom(h, kVulnerability)
}

// threatActor writes a threat actor with its types, sophistication, resources and motivation.
func (g *generator) threatActor(i int64, v *version) {
	h := g.drawHead()
	g.header(kThreatActor, i, v, h)
	g.name = g.twoWords(g.name[:0], adjectives, animals)
	g.strBytes("name", g.name)
	g.describe(50, v)
	g.pickList("threat_actor_types", threatActorTypes, 2)
	if g.maybe(50) {
		g.tmp = append(g.tmp[:0], "TA-"...)
		g.tmp = appendDigits(g.tmp, g.r.IntN(10000), 4)
		g.listBytes("aliases", g.tmp)
	}
	if g.maybe(30) {
		g.pickList("roles", threatActorRoles, 2)
	}
	g.str("sophistication", pick(g.r, sophistications))
	g.actorTail(kThreatActor, i, v, h, 40, 60)
}

// actorTail writes what threat actors and intrusion sets share: goals, resources, motivation,
// period of activity, confidence.
func (g *generator) actorTail(k kind, i int64, v *version, h head, goalsPct, seenPct int) {
	if g.maybe(goalsPct) {
		g.pickList("goals", goals, 2)
	}
	g.str("resource_level", pick(g.r, resourceLevels))
	g.str("primary_motivation", pick(g.r, motivations))
	if g.maybe(seenPct) {
		g.firstLastSeen(i, "first_seen", "last_seen")
	}
	g.maybeConfidence(50, v)
	g.custom(h, k)
}

// intrusionSet writes an intrusion set, named the way vendors track clusters.
func (g *generator) intrusionSet(i int64, v *version) {
	h := g.drawHead()
	g.header(kIntrusionSet, i, v, h)
	switch g.r.IntN(3) {
	case 0:
		g.name = appendDigits(append(g.name[:0], "UNC"...), 100+g.r.IntN(5000), 4)
	case 1:
		g.name = appendDigits(append(g.name[:0], "TA"...), g.r.IntN(1000), 3)
	default:
		g.name = g.twoWords(g.name[:0], adjectives, nouns)
	}
	g.strBytes("name", g.name)
	g.describe(50, v)
	if g.maybe(40) {
		g.tmp = g.twoWords(g.tmp[:0], adjectives, animals)
		g.listBytes("aliases", g.tmp)
	}
	g.actorTail(kIntrusionSet, i, v, h, 50, 70)
}

// campaign writes a campaign: an operation with an objective and a period of activity.
func (g *generator) campaign(i int64, v *version) {
	h := g.drawHead()
	g.header(kCampaign, i, v, h)
	g.name = g.twoWords(append(g.name[:0], "Operation "...), adjectives, nouns)
	g.strBytes("name", g.name)
	g.describe(60, v)
	if g.maybe(20) {
		g.tmp = g.twoWords(g.tmp[:0], nouns, animals)
		g.listBytes("aliases", g.tmp)
	}
	g.firstLastSeen(i, "first_seen", "last_seen")
	g.str("objective", pick(g.r, goals))
	g.maybeConfidence(50, v)
	g.labels(20)
	g.custom(h, kCampaign)
}

// courseOfAction writes a recommended mitigation.
func (g *generator) courseOfAction(i int64, v *version) {
	h := g.drawHead()
	g.header(kCourseOfAction, i, v, h)
	g.str("name", pick(g.r, coursesOfAction))
	g.describe(60, v)
	g.custom(h, kCourseOfAction)
}

const maxReportRefs = 12

// pickRefs chooses n distinct earlier slots for a report's or note's object_refs, into g.pick.
func (g *generator) pickRefs(i int64, n int) []int64 {
	refs := g.pick[:0]
	for tries := 0; len(refs) < n && tries < 4*n; tries++ {
		j := coreStart + g.r.Int64N(i-coreStart)
		if g.kind(j) == kVersion {
			continue
		}
		dup := false
		for _, r := range refs {
			dup = dup || r == j
		}
		if !dup {
			refs = append(refs, j)
		}
	}
	if len(refs) == 0 {
		refs = append(refs, coreSlots[kIndicator][0])
	}
	return refs
}

// report writes a report (bulletin, advisory or situation report) over 3 to 12 earlier objects.
func (g *generator) report(i int64, v *version) {
	h := g.drawHead()
	g.header(kReport, i, v, h)
	o := &orgs[h.author-ownSlot]
	c := g.created(i)
	g.name = append(g.name[:0], o.short...)
	switch g.r.IntN(3) {
	case 0:
		year, week := timeOf(c).ISOWeek()
		g.name = fmt.Appendf(g.name, " weekly threat bulletin %d-W%02d", year, week)
	case 1:
		g.name = fmt.Appendf(g.name, " advisory %d-%04d: %s%s activity", timeOf(c).Year(), g.r.IntN(10000),
			pick(g.r, malwarePrefixes), pick(g.r, malwareSuffixes))
	default:
		g.name = append(g.name, " situation report: "...)
		g.name = g.twoWords(append(g.name, "Operation "...), adjectives, nouns)
	}
	g.strBytes("name", g.name)
	g.description(descriptions, v)
	g.pickList("report_types", reportTypes, 2)
	g.ts("published", c)
	g.refs("object_refs", g.pickRefs(i, 3+g.r.IntN(maxReportRefs-2)))
	g.maybeConfidence(50, v)
	g.labels(30)
	if g.maybe(20) {
		g.str("x_report_series", pick(g.r, []string{"weekly", "flash", "sector", "annual"}))
	}
	g.custom(h, kReport)
}

// note writes an analyst's note on one to three earlier objects.
func (g *generator) note(i int64, v *version) {
	h := g.drawHead()
	g.header(kNote, i, v, h)
	if g.maybe(50) {
		g.str("abstract", "Partner feedback")
	}
	content := pick(g.r, noteContents)
	if v != nil {
		g.scratch = append(append(append(g.scratch[:0], content...), "\n\n"...), pick(g.vr, updateNotes)...)
		g.strBytes("content", g.scratch)
	} else {
		g.str("content", content)
	}
	g.list("authors", pick(g.r, analysts))
	g.refs("object_refs", g.pickRefs(i, 1+g.r.IntN(3)))
	g.custom(h, kNote)
}
